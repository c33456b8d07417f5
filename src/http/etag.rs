//! Conditional GET: a weak `ETag` (xxh3 of the body) on successful `GET`/`HEAD` responses, and
//! 304 Not Modified when the client's `If-None-Match` already names it. Weak because the
//! compression layer outside may send the same JSON gzip'd or brotli'd: equal content, different
//! bytes. It sits inside compression so the tag is computed on the identity body.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// Adds `ETag` and answers 304 to a matching `If-None-Match`.
pub async fn conditional_get(request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || response.headers().contains_key(header::ETAG) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Our handlers answer with bodies already in memory, so collecting them costs no copy.
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "response body failed while computing its ETag");
            return Response::from_parts(parts, Body::empty());
        }
    };
    let tag = format!("W/\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&bytes));
    let matches = if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| names(v, &tag));
    parts.headers.insert(
        header::ETAG,
        HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("")),
    );
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.remove(header::CONTENT_TYPE);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Whether an `If-None-Match` list names `tag` (weak comparison: `W/` prefixes are ignored).
fn names(if_none_match: &str, tag: &str) -> bool {
    let bare = tag.trim_start_matches("W/");
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == bare)
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn if_none_match_uses_weak_comparison_over_a_list() {
        let tag = "W/\"00000000deadbeef\"";
        assert!(names("W/\"00000000deadbeef\"", tag));
        assert!(names("\"00000000deadbeef\"", tag));
        assert!(names("\"x\", W/\"00000000deadbeef\"", tag));
        assert!(names("*", tag));
        assert!(!names("W/\"00000000deadbeee\"", tag));
        assert!(!names("", tag));
    }
}
