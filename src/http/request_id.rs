//! Request ids. A client's `X-Request-Id` is kept only when it is sane — 1 to 128 characters
//! from a small token alphabet — because the id is logged, echoed in a response header and put in
//! error bodies; anything else is dropped here so the id layer issues a fresh UUID instead.

use axum::extract::Request;
use axum::http::HeaderName;

/// The request id header.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

const MAX_LEN: usize = 128;

/// Removes an `X-Request-Id` that is too long, empty, repeated or has characters outside
/// `A-Z a-z 0-9 - _ . : / + = @`.
pub async fn drop_unsafe_request_id(mut request: Request) -> Request {
    let headers = request.headers_mut();
    let mut values = headers.get_all(&X_REQUEST_ID).iter();
    let sane = match (values.next(), values.next()) {
        (Some(v), None) => is_sane(v.as_bytes()),
        (None, _) => return request,
        // Two ids: neither can be trusted to be the one a log search will use.
        (Some(_), Some(_)) => false,
    };
    if !sane {
        headers.remove(&X_REQUEST_ID);
    }
    request
}

fn is_sane(id: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id.iter().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'_' | b'.' | b':' | b'/' | b'+' | b'=' | b'@')
        })
}

#[cfg(test)]
mod tests {
    use super::is_sane;

    #[test]
    fn uuids_and_trace_ids_are_kept_and_junk_is_not() {
        assert!(is_sane(b"0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(is_sane(
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        ));
        assert!(is_sane(b"lb:edge/17@eu"));
        assert!(!is_sane(b""));
        assert!(!is_sane(b"has space"));
        assert!(!is_sane(b"quote\"s"));
        assert!(!is_sane(b"new\nline"));
        assert!(!is_sane("caf\u{e9}".as_bytes()));
        assert!(!is_sane(&[b'a'; 129]));
        assert!(is_sane(&[b'a'; 128]));
    }
}
