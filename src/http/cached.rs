//! Responses of cacheable endpoints: the JSON body plus `X-Cache-Status` (HIT, MISS, STALE,
//! BYPASS) and `Server-Timing` naming the tier that answered and the time spent.

use std::time::Instant;

use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::cache::CacheStatus;

/// A cacheable endpoint's answer: body, where it came from, and when handling started.
pub struct Cached<T>(pub T, pub CacheStatus, pub Instant);

impl<T: Serialize> IntoResponse for Cached<T> {
    fn into_response(self) -> Response {
        let Cached(body, status, started) = self;
        let mut response = axum::Json(body).into_response();
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let timing = format!("cache;desc=\"{}\", total;dur={ms:.3}", status.tier());
        let headers = response.headers_mut();
        headers.insert("x-cache-status", HeaderValue::from_static(status.header()));
        if let Ok(v) = HeaderValue::from_str(&timing) {
            headers.insert("server-timing", v);
        }
        response
    }
}
