//! Cross-origin access for browser frontends, from `CORS_ORIGINS`. Never `*` together with
//! credentials: the API uses none (the admin token is not for browsers), so none are allowed.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::CorsOrigins;

/// The CORS layer for the configured origins; `None` when cross-origin access is off.
pub fn layer(origins: &CorsOrigins) -> Option<CorsLayer> {
    let allow = match origins {
        CorsOrigins::None => return None,
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(
            // Validated as origins when the configuration was read.
            list.iter().filter_map(|o| HeaderValue::from_str(o).ok()),
        ),
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
            .allow_headers([
                header::CONTENT_TYPE,
                header::IF_NONE_MATCH,
                HeaderName::from_static("x-request-id"),
            ])
            // Headers a frontend may read: ids for bug reports, cache and rate-limit state.
            .expose_headers([
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static("x-process-time-ms"),
                HeaderName::from_static("x-cache-status"),
                HeaderName::from_static("x-ratelimit-limit"),
                HeaderName::from_static("x-ratelimit-remaining"),
                HeaderName::from_static("x-ratelimit-reset"),
                header::RETRY_AFTER,
                header::ETAG,
                HeaderName::from_static("server-timing"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}
