//! Our error envelope for every status ≥ 400:
//! `{"error": {"code", "message", "fields"?}, "request_id"}`. Errors raised by handlers carry
//! their details in a response extension; the `render_errors` middleware writes the body with
//! the request id, and also wraps errors produced by layers (timeouts, panics, unknown routes)
//! that know nothing of our format.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{Error, FieldError};

/// The parts of an error a client sees.
#[derive(Debug, Clone)]
pub struct ErrorDetails {
    code: &'static str,
    message: String,
    fields: Vec<FieldError>,
}

/// The body of every error response (status ≥ 400). The type that writes the body is the one the
/// OpenAPI document describes, so the two cannot disagree.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "error": {
        "code": "validation_failed",
        "message": "origin: 'XY1' is not a CRS code (three letters)",
        "fields": [{"field": "origin", "message": "'XY1' is not a CRS code (three letters)"}]
    },
    "request_id": "0b6e1c2a-5d7f-4c1e-9a8b-3f2d1e0c9b8a"
}))]
pub struct ErrorEnvelope<'a> {
    /// What went wrong.
    pub error: ErrorBody<'a>,
    /// The request id, as in `X-Request-Id` (null only if the request-id layer did not run).
    pub request_id: Option<&'a str>,
}

/// The error itself: a stable code to branch on and a message for people.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    /// Stable machine-readable code, e.g. `unknown_station`, `validation_failed`,
    /// `malformed_json`, `unauthorized`, `rate_limited`, `unavailable`.
    #[schema(example = "unknown_station")]
    pub code: &'a str,
    /// What to fix, in words; never internal details.
    #[schema(example = "no station with CRS code 'XYZ'")]
    pub message: &'a str,
    /// The offending fields; present only for validation errors (422).
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    pub fields: &'a [FieldError],
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // Logged once, here, with the cause; the client gets the public message only.
            tracing::error!(error = %self, status = status.as_u16(), "request failed");
        }
        let details = ErrorDetails {
            code: self.code(),
            message: self.public_message(),
            fields: self.fields().to_vec(),
        };
        let mut response = status.into_response();
        if matches!(self, Error::Unauthorized(_)) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response.extensions_mut().insert(details);
        response
    }
}

/// Writes the envelope body of every error response, with the request id.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let status = response.status();
    if status.as_u16() < 400 {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json && response.extensions().get::<ErrorDetails>().is_none() {
        // A handler that answers an error status with its own JSON report (`/health` at 503).
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let details = parts
        .extensions
        .remove::<ErrorDetails>()
        .unwrap_or_else(|| {
            // An error from a layer or axum itself: drop its plain-text body for our envelope.
            drop(body);
            generic_details(status)
        });
    let json = serde_json::to_vec(&ErrorEnvelope {
        error: ErrorBody {
            code: details.code,
            message: &details.message,
            fields: &details.fields,
        },
        request_id: request_id.as_deref(),
    })
    .unwrap_or_else(|_| b"{\"error\":{\"code\":\"internal_error\"}}".to_vec());
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if status == StatusCode::SERVICE_UNAVAILABLE && !parts.headers.contains_key(header::RETRY_AFTER)
    {
        // A 503 from a layer (the request timeout) tells the client when to come back too.
        parts
            .headers
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(json))
}

fn generic_details(status: StatusCode) -> ErrorDetails {
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "method not allowed here"),
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => (
            "unavailable",
            "the service could not answer in time; try again shortly",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "request body too large"),
        StatusCode::TOO_MANY_REQUESTS => ("rate_limited", "too many requests; slow down"),
        s if s.is_client_error() => ("bad_request", "the request could not be processed"),
        _ => (
            "internal_error",
            "internal error; it has been logged with this request id",
        ),
    };
    ErrorDetails {
        code,
        message: message.to_owned(),
        fields: Vec::new(),
    }
}
