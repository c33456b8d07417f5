//! Our own `Json`, `Query` and `Path` extractors: axum's, with rejections turned into our error
//! type, so malformed input gets our envelope (400 syntax, 415 content type, 422 wrong shape).

use axum::extract::FromRequest;
use axum::extract::FromRequestParts;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use crate::error::{Error, FieldError};

/// JSON body extractor whose rejection is our [`Error`].
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct Json<T>(pub T);

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

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => {
                // serde names the path of the offending field ("routes[2].origin: ..."); lift it
                // out so clients can highlight the field.
                let detail = std::error::Error::source(&e)
                    .map(ToString::to_string)
                    .unwrap_or_else(|| e.body_text());
                let (field, message) = match detail.split_once(": ") {
                    Some((path, msg)) if !path.contains(' ') => (path.to_owned(), msg.to_owned()),
                    _ => ("body".to_owned(), detail.clone()),
                };
                Error::Validation {
                    code: "validation_failed",
                    message: format!("invalid request body: {detail}"),
                    fields: vec![FieldError::new(field, message)],
                }
            }
            JsonRejection::JsonSyntaxError(e) => Error::BadRequest {
                code: "malformed_json",
                message: format!(
                    "malformed JSON: {}",
                    std::error::Error::source(&e)
                        .map(ToString::to_string)
                        .unwrap_or_else(|| e.body_text())
                ),
            },
            JsonRejection::MissingJsonContentType(_) => not_json(),
            // The body-limit layer cut the body off (no Content-Length, or it lied).
            other if other.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Error::PayloadTooLarge { limit_bytes: None }
            }
            other => Error::BadRequest {
                code: "bad_request",
                message: other.body_text(),
            },
        }
    }
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
            message: format!("malformed query string: {}", rejection.body_text()),
        }
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

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialised, to exercise the rejections")]
    struct Probe {
        origin: String,
        count: u32,
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
            r#"{"origin":"EUS","count":1,"colour":"red"}"#,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(details.unwrap().contains("colour"));
        let (status, _, details) =
            send(Some("application/json"), r#"{"origin":"EUS","count":-1}"#).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(details.unwrap().contains("field: \"count\""));
    }

    #[tokio::test]
    async fn a_body_without_json_content_type_is_a_415() {
        let (status, _, details) = send(None, r#"{"origin":"EUS","count":1}"#).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(details.unwrap().contains("unsupported_media_type"));
    }
}
