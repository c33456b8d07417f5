//! Our own `Json`, `Query` and `Path` extractors, whose rejections are our error type in our own
//! words, so malformed input gets our envelope (400 syntax, 415 content type, 422 wrong shape,
//! every field at once) and never a serde message.

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::Error;
use crate::service::shape::{BodyShape, parse_body};

/// JSON body extractor whose rejection is our [`Error`]: 415 unless the body is declared JSON,
/// 400 when it is not JSON, 422 listing every field that does not fit `T`'s [`BodyShape`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: BodyShape, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !declares_json(req.headers()) {
            return Err(not_json());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            // The body-limit layer cut the body off (no Content-Length, or it lied).
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge { limit_bytes: None }
            } else {
                Error::BadRequest {
                    code: "bad_request",
                    message: "the request body could not be read".to_owned(),
                }
            }
        })?;
        Ok(Self(parse_body(&bytes)?))
    }
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Query-string extractor whose rejection is our [`Error`].
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Error))]
pub struct Query<T>(pub T);

/// Path-parameter extractor whose rejection is our [`Error`].
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Error))]
pub struct Path<T>(pub T);

/// The request id set by the request-id layer (the client's, or a new UUID).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        Ok(Self(id.to_owned()))
    }
}

/// Whether a request declares a JSON body: `application/json` or an `application/*+json` type,
/// parameters (`; charset=utf-8`) allowed — the rule of axum's `Json`, for handlers that read the
/// body themselves.
pub fn declares_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

/// The 415 of a body that is not declared JSON (the same words as [`Json`]'s rejection).
pub fn not_json() -> Error {
    Error::UnsupportedMediaType(
        "expected a JSON body with 'Content-Type: application/json'".to_owned(),
    )
}

impl From<PathRejection> for Error {
    fn from(rejection: PathRejection) -> Self {
        // A segment that does not decode (e.g. `%FF`, not UTF-8) is the client's; a parameter the
        // route does not have is ours.
        if rejection.status().is_server_error() {
            Error::Internal(rejection.body_text())
        } else {
            Error::BadRequest {
                code: "malformed_path",
                message: format!("malformed path: {}", rejection.body_text()),
            }
        }
    }
}

impl From<QueryRejection> for Error {
    fn from(rejection: QueryRejection) -> Self {
        Error::BadRequest {
            code: "malformed_query",
            message: query_problem(&rejection.body_text()),
        }
    }
}

/// The query-string problem in our words. serde_urlencoded's message names the parameter in
/// backticks ("duplicate field `date`"); only that name is kept.
fn query_problem(detail: &str) -> String {
    let name = detail.split('`').nth(1).filter(|n| !n.is_empty());
    match name {
        Some(name) if detail.contains("duplicate field") => {
            format!("malformed query string: parameter '{name}' is given more than once")
        }
        Some(name) if detail.contains("unknown field") => {
            format!("malformed query string: '{name}' is not a parameter of this endpoint")
        }
        _ => "malformed query string: it cannot be read as name=value parameters".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use axum::routing::post;
    use serde::Deserialize;
    use tower::ServiceExt;

    use super::*;
    use crate::service::shape::{Expect, Field};

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialised, to exercise the rejections")]
    struct Probe {
        origin: String,
        flag: bool,
    }

    impl BodyShape for Probe {
        const FIELDS: &'static [Field] = &[
            Field::required("origin", Expect::String),
            Field::required("flag", Expect::Bool),
        ];
    }

    async fn probe(Json(_): Json<Probe>) -> &'static str {
        "ok"
    }

    async fn send(content_type: Option<&str>, body: &str) -> (StatusCode, String, Option<String>) {
        let app = Router::new().route("/", post(probe));
        let mut req = Request::post("/");
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let response = app
            .oneshot(req.body(Body::from(body.to_owned())).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let details = response
            .extensions()
            .get::<crate::http::envelope::ErrorDetails>()
            .cloned();
        let text = String::from_utf8(
            to_bytes(response.into_body(), 1 << 16)
                .await
                .unwrap()
                .to_vec(),
        )
        .unwrap();
        (status, text, details.map(|d| format!("{d:?}")))
    }

    #[tokio::test]
    async fn malformed_json_is_a_400() {
        let (status, _, details) = send(Some("application/json"), "{\"origin\": ").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(details.unwrap().contains("malformed_json"));
    }

    #[tokio::test]
    async fn unknown_fields_and_wrong_types_are_422_naming_the_field() {
        let (status, _, details) = send(
            Some("application/json"),
            r#"{"origin":"EUS","flag":true,"colour":"red"}"#,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(details.unwrap().contains("colour"));
        let (status, _, details) =
            send(Some("application/json"), r#"{"origin":"EUS","flag":-1}"#).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(details.unwrap().contains("field: \"flag\""));
    }

    #[tokio::test]
    async fn a_body_without_json_content_type_is_a_415() {
        let (status, _, details) = send(None, r#"{"origin":"EUS","flag":true}"#).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(details.unwrap().contains("unsupported_media_type"));
    }
}

#[cfg(test)]
mod query_tests {
    use super::query_problem;

    #[test]
    fn query_problems_name_the_parameter_in_our_words() {
        assert_eq!(
            query_problem("Failed to deserialize query string: duplicate field `date`"),
            "malformed query string: parameter 'date' is given more than once"
        );
        let unknown = query_problem(
            "Failed to deserialize query string: unknown field `foo`, expected one of `a`, `b`",
        );
        assert!(
            unknown.contains("'foo'") && !unknown.contains("expected"),
            "{unknown}"
        );
        assert!(
            !query_problem("Failed to deserialize query string: invalid digit").contains("Failed")
        );
    }
}
