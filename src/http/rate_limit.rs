//! Per-client rate limiting of `/api/*`: the middleware. The limiter itself (GCRA, the client
//! behind trusted proxies) is `state::rate_limiter`. Allowed responses carry `X-RateLimit-*`;
//! refused ones are 429 in our envelope.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::Error;
use crate::state::rate_limiter::{ClientLimiter, Decision};

const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// Applies the limit to `/api/*`; probes, docs and metrics are never limited.
pub async fn rate_limit(
    State(limiter): State<Arc<ClientLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_canonical());
    let client = limiter.client_ip(peer, request.headers());
    match limiter.check(client) {
        Decision::Allowed {
            remaining,
            reset_secs,
        } => {
            let mut response = next.run(request).await;
            let headers = response.headers_mut();
            headers.insert(LIMIT, limiter.per_minute().clone());
            headers.insert(REMAINING, HeaderValue::from(remaining));
            headers.insert(RESET, HeaderValue::from(reset_secs));
            response
        }
        Decision::Refused { retry_after_secs } => {
            metrics::counter!("rate_limited_total").increment(1);
            let mut response = Error::RateLimited { retry_after_secs }.into_response();
            let headers = response.headers_mut();
            headers.insert(LIMIT, limiter.per_minute().clone());
            headers.insert(REMAINING, HeaderValue::from(0u32));
            headers.insert(RESET, HeaderValue::from(retry_after_secs));
            response
        }
    }
}
