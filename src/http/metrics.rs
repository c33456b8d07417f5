//! Request timing, just inside the request-id layers: `X-Process-Time-Ms` on every response
//! (refusals by the rate limiter, shedding, timeout and CORS included), and the
//! per-route-template request metrics. It never labels anything with the raw path.

use std::io::Write;
use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::telemetry::requests::{RequestMetrics, UNMATCHED};

/// Times the request and records it under its route template (`unmatched` when no route
/// matched). Sits outside every layer that can refuse a request, so refusals are counted; a
/// request abandoned by its client is recorded when it is dropped (see `InFlight`).
pub async fn track(
    State(metrics): State<Arc<RequestMetrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str);
    let in_flight = metrics.begin(request.method(), route);
    let mut response = next.run(request).await;
    let elapsed = in_flight.finish(response.status());
    // Formatted on the stack; the header value is the only allocation.
    let mut text = [0u8; 24];
    let mut cursor = std::io::Cursor::new(&mut text[..]);
    if write!(cursor, "{:.3}", elapsed.as_secs_f64() * 1e3).is_ok() {
        let len = usize::try_from(cursor.position()).unwrap_or(0);
        if let Ok(value) = HeaderValue::from_bytes(&text[..len]) {
            response.headers_mut().insert("x-process-time-ms", value);
        }
    }
    response
}
