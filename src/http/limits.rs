//! Load shedding and the request-body limit. Past `MAX_IN_FLIGHT` concurrent requests the
//! service answers 503 with `Retry-After` at once: a queue would only turn overload into
//! timeouts for everyone. Probes (`/health`, `/ready`, `/metrics`) are never shed, so an
//! orchestrator and Prometheus can still see an overloaded instance rather than a dead one.

use crate::error::Error;
use crate::state::in_flight::InFlight;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

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

/// Refuses a body whose declared `Content-Length` exceeds the limit before reading any of it.
/// Bodies without a length are cut off by axum's `DefaultBodyLimit` as they are read (the JSON
/// extractor turns that into the same 413).
pub async fn limit_body(State(limit): State<usize>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Error::PayloadTooLarge {
            limit_bytes: Some(limit),
        }
        .into_response();
    }
    next.run(request).await
}
