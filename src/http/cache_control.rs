//! `Cache-Control` for browsers and shared caches (RFC 9111): a cacheable GET says how long it
//! stays fresh — its kind's TTL, the same one the service's own cache uses — and errors and
//! admin answers are never stored. Sits outside the ETag layer, so a 304 carries the same
//! freshness as the 200 it revalidates, and outside the error renderer, so every error is seen.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::cache::{Cache, CacheStatus, Kind};
use crate::http::cached::Served;

const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
/// A stale answer (served because a loader failed) may be kept but must be revalidated.
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

/// The `public, max-age=<TTL>` value of each kind, built once from the configured TTLs.
#[derive(Debug, Clone)]
pub struct Freshness(Arc<[HeaderValue; Kind::ALL.len()]>);

impl Freshness {
    /// The values for `cache`'s TTLs.
    pub fn of(cache: &Cache) -> Self {
        Self(Arc::new(Kind::ALL.map(|kind| {
            let secs = cache.ttl(kind).as_secs();
            HeaderValue::try_from(format!("public, max-age={secs}")).unwrap_or(NO_CACHE)
        })))
    }
}

/// Sets `Cache-Control`: `public, max-age=<TTL>` on fresh GET answers of a cache kind,
/// `no-cache` on stale ones, `no-store` on every error and on admin calls; other responses
/// (probes, POSTs, docs) are left alone.
pub async fn set(State(fresh): State<Freshness>, request: Request, next: Next) -> Response {
    let admin = request.uri().path().starts_with("/api/cache/");
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    let mut response = next.run(request).await;
    let status = response.status();
    let value = if admin || status.is_client_error() || status.is_server_error() {
        Some(NO_STORE)
    } else if readable && matches!(status, StatusCode::OK | StatusCode::NOT_MODIFIED) {
        response
            .extensions()
            .get::<Served>()
            .map(|served| match served.status {
                CacheStatus::Stale => NO_CACHE,
                _ => fresh.0[served.kind as usize].clone(),
            })
    } else {
        None
    };
    if let Some(value) = value {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}
