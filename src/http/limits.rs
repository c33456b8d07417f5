//! Load shedding, and our words for the request-body limit (tower-http enforces it). Past
//! `MAX_IN_FLIGHT` concurrent requests the service answers 503 with `Retry-After` at once: a queue
//! would only turn overload into timeouts for everyone. Probes (`/health`, `/ready`, `/metrics`) are never shed, so an
//! orchestrator and Prometheus can still see an overloaded instance rather than a dead one.

use axum::BoxError;
use axum::body::{Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::Error;
use crate::http::envelope::ErrorDetails;
use crate::state::in_flight::InFlight;

fn is_probe(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/metrics")
}

/// Refuses a request with 503 + `Retry-After` when `MAX_IN_FLIGHT` requests are already running.
pub async fn shed_load(
    State(in_flight): State<InFlight>,
    request: Request,
    next: Next,
) -> Response {
    if is_probe(request.uri().path()) {
        return next.run(request).await;
    }
    // Held until the response is produced; dropping the future (client gone, timeout) frees it.
    let Some(_permit) = in_flight.try_admit() else {
        metrics::counter!("http_requests_shed_total").increment(1);
        return Error::Unavailable {
            code: "overloaded",
            message: "the service is at capacity; retry shortly".to_owned(),
            retry_after_secs: 1,
        }
        .into_response();
    };
    next.run(request).await
}

/// Gives tower-http's 413 (`RequestBodyLimitLayer` refusing a declared `Content-Length` over the
/// limit, with a plain-text body) our error and its words, naming the limit. A 413 that already
/// carries our error (the JSON extractor's, when a body without a length is cut off as it is
/// read) passes unchanged.
pub async fn name_body_limit<B>(State(limit): State<usize>, response: Response<B>) -> Response
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && response.extensions().get::<ErrorDetails>().is_none()
    {
        return Error::PayloadTooLarge {
            limit_bytes: Some(limit),
        }
        .into_response();
    }
    response.into_response()
}
