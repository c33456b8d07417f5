//! Per-client rate limiting of `/api/*`: the middleware. The limiter itself (GCRA, the client
//! behind trusted proxies, one bucket for public calls and one for admin calls) is
//! `state::rate_limiter`. Refused requests are 429 in our envelope.
//!
//! The headers describe one quantity, the client's burst bucket, as the IETF draft
//! "RateLimit header fields for HTTP" does: `X-RateLimit-Limit` is the bucket's capacity
//! (`RATE_LIMIT_BURST`), `X-RateLimit-Remaining` the requests left in it, and
//! `X-RateLimit-Reset` the seconds until it is full again — on a 200 and on a 429 alike. The
//! wait for the next single request is the 429's `Retry-After`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::Error;
use crate::state::rate_limiter::{Bucket, ClientLimiter, Decision};

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
    match limiter.check(Bucket::of(request.uri().path()), client) {
        Decision::Allowed {
            remaining,
            reset_secs,
        } => {
            let mut response = next.run(request).await;
            let headers = response.headers_mut();
            headers.insert(LIMIT, limiter.limit().clone());
            headers.insert(REMAINING, HeaderValue::from(remaining));
            headers.insert(RESET, HeaderValue::from(reset_secs));
            response
        }
        Decision::Refused {
            retry_after_secs,
            reset_secs,
        } => {
            metrics::counter!("rate_limited_total").increment(1);
            let mut response = Error::RateLimited { retry_after_secs }.into_response();
            let headers = response.headers_mut();
            headers.insert(LIMIT, limiter.limit().clone());
            headers.insert(REMAINING, HeaderValue::from(0u32));
            headers.insert(RESET, HeaderValue::from(reset_secs));
            response
        }
    }
}
