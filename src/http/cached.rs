//! Responses of cacheable endpoints: the JSON body plus `X-Cache-Status` (HIT, MISS, STALE,
//! BYPASS) and `Server-Timing` naming the tier that answered and the time spent. The kind and
//! cache status also ride along as a response extension, from which `cache_control` derives
//! `Cache-Control`.

use std::time::Instant;

use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::cache::{CacheStatus, Kind};

/// A cacheable endpoint's answer: body, where it came from, when handling started, and what kind
/// of cached value it is.
pub struct Cached<T>(pub T, pub CacheStatus, pub Instant, pub Kind);

/// What a response was served as: set on every [`Cached`] response for the layers outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Served {
    /// The kind of cached value (it decides the TTL).
    pub kind: Kind,
    /// Where the answer came from.
    pub status: CacheStatus,
}

impl<T: Serialize> IntoResponse for Cached<T> {
    fn into_response(self) -> Response {
        let Cached(body, status, started, kind) = self;
        let mut response = axum::Json(body).into_response();
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let timing = format!("cache;desc=\"{}\", total;dur={ms:.3}", status.tier());
        let headers = response.headers_mut();
        headers.insert("x-cache-status", HeaderValue::from_static(status.header()));
        if let Ok(v) = HeaderValue::from_str(&timing) {
            headers.insert("server-timing", v);
        }
        response.extensions_mut().insert(Served { kind, status });
        response
    }
}
