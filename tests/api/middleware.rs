//! The middleware stack through the real router: request ids, CORS, compression, timeouts,
//! load shedding, body limits, rate limits and conditional GET.

use std::io::Read;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use tower::ServiceExt;

use crate::helpers::TestApp;

fn get(uri: &str) -> axum::http::request::Builder {
    Request::builder().method(Method::GET).uri(uri)
}

/// A request body that never arrives: keeps a request in flight for as long as the test likes.
fn endless_body() -> Body {
    Body::from_stream(futures_util::stream::pending::<Result<Bytes, std::io::Error>>())
}

fn header<'a>(r: &'a crate::helpers::TestResponse, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn a_request_id_is_generated_echoed_and_replaced_when_unsafe() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/stations/MAN").await;
    let generated = header(&r, "x-request-id").expect("an id is generated");
    assert_eq!(generated.len(), 36, "a UUID: {generated}");

    let r = app
        .send(
            get("/api/stations/XYZ")
                .header("x-request-id", "trace-42:a/b")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(header(&r, "x-request-id"), Some("trace-42:a/b"));
    assert_eq!(
        r.json["request_id"], "trace-42:a/b",
        "the error envelope carries it too"
    );

    for unsafe_id in ["has space", "x".repeat(200).as_str(), "quote\"d"] {
        let r = app
            .send(
                get("/nowhere")
                    .header("x-request-id", unsafe_id)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let id = header(&r, "x-request-id").unwrap();
        assert_ne!(id, unsafe_id);
        assert_eq!(id.len(), 36, "replaced by a UUID: {id}");
        assert_eq!(r.json["request_id"], id);
    }
}

async fn preflight(app: &TestApp, origin: &str) -> crate::helpers::TestResponse {
    app.send(
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/predict")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn cors_preflight_allows_configured_origins_only() {
    let app = TestApp::spawn_with(&[(
        "CORS_ORIGINS",
        "https://railfair.example, http://localhost:3000".to_owned(),
    )])
    .await;
    let allowed = preflight(&app, "https://railfair.example").await;
    assert!(allowed.status.is_success(), "{:?}", allowed.status);
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some("https://railfair.example")
    );
    let methods = header(&allowed, "access-control-allow-methods").unwrap();
    assert!(methods.contains("POST"), "{methods}");
    assert_eq!(header(&allowed, "access-control-allow-credentials"), None);

    let refused = preflight(&app, "https://evil.example").await;
    assert_eq!(header(&refused, "access-control-allow-origin"), None);

    // Actual responses, errors included, are readable by an allowed page.
    let r = app
        .send(
            get("/api/stations/XYZ")
                .header("origin", "http://localhost:3000")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        header(&r, "access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    let exposed = header(&r, "access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("x-request-id") && exposed.contains("x-ratelimit-remaining"),
        "{exposed}"
    );

    // Without configuration there are no CORS headers at all.
    let closed = TestApp::spawn().await;
    let r = preflight(&closed, "https://railfair.example").await;
    assert_eq!(header(&r, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn large_responses_are_compressed_with_gzip_or_brotli_small_ones_are_not() {
    let app = TestApp::spawn().await;
    let plain = app.get("/api/sources").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(
        plain.text.len() > 1024,
        "the test needs a large body: {}",
        plain.text.len()
    );

    for (encoding, decode) in [
        (
            "gzip",
            (|b: &[u8]| {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(b)
                    .read_to_end(&mut out)
                    .unwrap();
                out
            }) as fn(&[u8]) -> Vec<u8>,
        ),
        ("br", |b: &[u8]| {
            let mut out = Vec::new();
            brotli::Decompressor::new(b, 4096)
                .read_to_end(&mut out)
                .unwrap();
            out
        }),
    ] {
        let response = railfair::http::router(app.state.clone())
            .oneshot(
                get("/api/sources")
                    .header("accept-encoding", encoding)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.headers()["content-encoding"], encoding);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        assert!(bytes.len() < plain.text.len(), "{encoding} made it smaller");
        let decoded: serde_json::Value = serde_json::from_slice(&decode(&bytes)).unwrap();
        assert_eq!(decoded, plain.json, "{encoding} round-trips");
    }

    let small = app
        .send(
            get("/api/stations/MAN")
                .header("accept-encoding", "gzip, br")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(small.text.len() < 1024);
    assert_eq!(header(&small, "content-encoding"), None);
}

#[tokio::test]
async fn a_request_over_the_timeout_gets_503_with_retry_after_in_our_envelope() {
    let app = TestApp::spawn_with(&[("REQUEST_TIMEOUT_MS", "200".to_owned())]).await;
    let started = std::time::Instant::now();
    let r = app
        .send(
            Request::post("/api/predict")
                .header("content-type", "application/json")
                .body(endless_body())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(header(&r, "retry-after"), Some("1"));
    assert_eq!(r.json["error"]["code"], "unavailable");
    assert!(r.json["request_id"].is_string());
    assert!(header(&r, "x-process-time-ms").is_some());
}

#[tokio::test]
async fn beyond_max_in_flight_requests_are_shed_with_503_and_retry_after() {
    let app = TestApp::spawn_with(&[("MAX_IN_FLIGHT", "1".to_owned())]).await;
    let router = railfair::http::router(app.state.clone());
    let held = tokio::spawn(
        router.clone().oneshot(
            Request::post("/api/predict")
                .header("content-type", "application/json")
                .body(endless_body())
                .unwrap(),
        ),
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while app.state.in_flight.current() < 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the held request never started"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let started = std::time::Instant::now();
    let shed = app.get("/api/stations/MAN").await;
    assert_eq!(shed.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refused at once, not queued"
    );
    assert_eq!(header(&shed, "retry-after"), Some("1"));
    assert_eq!(shed.json["error"]["code"], "overloaded");
    assert!(
        header(&shed, "x-process-time-ms").is_some(),
        "refusals are timed too"
    );
    // Probes are never shed.
    assert_eq!(app.health().await.status, StatusCode::OK);

    held.abort();
    let _ = held.await;
    assert_eq!(
        app.state.in_flight.current(),
        0,
        "an abandoned request frees its slot"
    );
    assert_eq!(app.get("/api/stations/MAN").await.status, StatusCode::OK);
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let app = TestApp::spawn_with(&[("BODY_LIMIT_BYTES", "2048".to_owned())]).await;
    let big = format!(
        r#"{{"origin":"EUS","destination":"MAN","pad":"{}"}}"#,
        "x".repeat(4000)
    );
    let r = app
        .send(
            Request::post("/api/predict")
                .header("content-type", "application/json")
                .header("content-length", big.len())
                .body(Body::from(big))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json["error"]["code"], "payload_too_large");
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2048"),
        "{}",
        r.text
    );

    // Without a Content-Length the body is cut off while it is read.
    let chunks = futures_util::stream::iter(
        (0..8).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b' '; 1000]))),
    );
    let r = app
        .send(
            Request::post("/api/predict")
                .header("content-type", "application/json")
                .body(Body::from_stream(chunks))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert_eq!(r.json["error"]["code"], "payload_too_large");

    // A body within the limit is served.
    let ok = app
        .predict(&json!({"origin": "EUS", "destination": "MAN", "departure_date": "2026-12-01", "departure_time": "09:30"}))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}

fn from(peer: &str, forwarded: Option<&str>) -> Request<Body> {
    let mut req = get("/api/stations/MAN");
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let mut req = req.body(Body::empty()).unwrap();
    let addr: SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    req
}

#[tokio::test]
async fn clients_over_their_rate_get_429_with_retry_after_and_headers() {
    let app = TestApp::spawn_with(&[
        ("RATE_LIMIT_PER_MINUTE", "60".to_owned()),
        ("RATE_LIMIT_BURST", "2".to_owned()),
    ])
    .await;
    let first = app.send(from("203.0.113.5", None)).await;
    assert_eq!(first.status, StatusCode::OK);
    // The headers describe the burst bucket (issue 11 item 7): limit = burst capacity.
    assert_eq!(header(&first, "x-ratelimit-limit"), Some("2"));
    assert_eq!(header(&first, "x-ratelimit-remaining"), Some("1"));
    assert_eq!(header(&first, "x-ratelimit-reset"), Some("1"));
    let second = app.send(from("203.0.113.5", None)).await;
    assert_eq!(header(&second, "x-ratelimit-remaining"), Some("0"));

    let refused = app.send(from("203.0.113.5", None)).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = header(&refused, "retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    assert_eq!(refused.json["error"]["code"], "rate_limited");
    assert!(refused.json["request_id"].is_string());
    assert_eq!(header(&refused, "x-ratelimit-remaining"), Some("0"));
    assert!(header(&refused, "x-process-time-ms").is_some());
    // Refusals are counted under their route template.
    let metrics = app.get("/metrics").await.text;
    assert!(
        metrics.contains(
            r#"http_requests_total{method="GET",route="/api/stations/{crs}",status="429"}"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains("rate_limited_total "), "{metrics}");

    // Another client is unaffected; probes are never limited.
    assert_eq!(
        app.send(from("203.0.113.6", None)).await.status,
        StatusCode::OK
    );
    let mut health = get("/health").body(Body::empty()).unwrap();
    health
        .extensions_mut()
        .insert(ConnectInfo("203.0.113.5:1".parse::<SocketAddr>().unwrap()));
    let health = app.send(health).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(header(&health, "x-ratelimit-limit"), None);
}

#[tokio::test]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    let app = TestApp::spawn_with(&[
        ("RATE_LIMIT_PER_MINUTE", "60".to_owned()),
        ("RATE_LIMIT_BURST", "1".to_owned()),
        ("TRUSTED_PROXIES", "10.0.0.0/8".to_owned()),
    ])
    .await;
    // Behind our proxy, two users are two clients.
    assert_eq!(
        app.send(from("10.0.0.2", Some("198.51.100.1")))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.send(from("10.0.0.2", Some("198.51.100.2")))
            .await
            .status,
        StatusCode::OK
    );
    // A user cannot escape by forging a left-hand entry: the proxy appended the real address.
    assert_eq!(
        app.send(from("10.0.0.2", Some("7.7.7.7, 198.51.100.1")))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A direct client's X-Forwarded-For is ignored: it stays one client whatever it claims.
    assert_eq!(
        app.send(from("203.0.113.9", Some("1.1.1.1"))).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.send(from("203.0.113.9", Some("2.2.2.2"))).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_matching_if_none_match_gets_304_without_a_body() {
    let app = TestApp::spawn().await;
    let first = app.get("/api/stations/MAN").await;
    let etag = header(&first, "etag")
        .expect("GET responses carry an ETag")
        .to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");
    assert_eq!(
        app.get("/api/stations/MAN").await.headers["etag"],
        etag.as_str(),
        "stable"
    );

    let again = app
        .send(
            get("/api/stations/MAN")
                .header("if-none-match", &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.text.is_empty());
    assert_eq!(header(&again, "etag"), Some(etag.as_str()));

    let other = app
        .send(
            get("/api/stations/EUS")
                .header("if-none-match", &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK);
    assert_ne!(header(&other, "etag"), Some(etag.as_str()));

    // Errors and POSTs carry no ETag.
    assert_eq!(header(&app.get("/api/stations/XYZ").await, "etag"), None);
    let posted = app
        .predict(&json!({"origin": "EUS", "destination": "MAN", "departure_date": "2026-12-01", "departure_time": "09:30"}))
        .await;
    assert_eq!(header(&posted, "etag"), None);
}

#[tokio::test]
async fn rate_limit_headers_describe_one_bucket_on_200_and_429_alike() {
    // Two a minute (a token every 30 s) with a burst of 5: slow enough that no token comes back
    // while the test runs, so every figure is exact.
    let app = TestApp::spawn_with(&[
        ("RATE_LIMIT_PER_MINUTE", "2".to_owned()),
        ("RATE_LIMIT_BURST", "5".to_owned()),
    ])
    .await;
    let mut reset = 0;
    for sent in 1..=5u64 {
        let r = app.send(from("203.0.113.7", None)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(header(&r, "x-ratelimit-limit"), Some("5"));
        let remaining: u64 = header(&r, "x-ratelimit-remaining")
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(remaining, 5 - sent);
        // Full again once the tokens spent so far have come back, 30 s each.
        reset = header(&r, "x-ratelimit-reset").unwrap().parse().unwrap();
        assert!(
            (sent * 30 - 1..=sent * 30).contains(&reset),
            "{sent}: {reset}"
        );
    }

    let refused = app.send(from("203.0.113.7", None)).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&refused, "x-ratelimit-limit"), Some("5"));
    assert_eq!(header(&refused, "x-ratelimit-remaining"), Some("0"));
    // The same quantity as on the 200 just before: seconds until the bucket is full again (150),
    // not the wait for the next single request, which is Retry-After (30).
    let refused_reset: u64 = header(&refused, "x-ratelimit-reset")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (reset - 1..=reset).contains(&refused_reset),
        "{refused_reset} vs {reset}"
    );
    let retry: u64 = header(&refused, "retry-after").unwrap().parse().unwrap();
    assert!((29..=30).contains(&retry), "{retry}");
}

fn admin_from(peer: &str, authorization: &str) -> Request<Body> {
    let mut req = Request::post("/api/cache/invalidate")
        .header("content-type", "application/json")
        .header("authorization", authorization)
        .body(Body::from(r#"{"cache_type":"all"}"#))
        .unwrap();
    let addr: SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    req
}

#[tokio::test]
async fn admin_calls_have_their_own_rate_limit_bucket() {
    let app = TestApp::spawn_with(&[
        ("RATE_LIMIT_PER_MINUTE", "60".to_owned()),
        ("RATE_LIMIT_BURST", "2".to_owned()),
        ("RAILFAIR_ADMIN_TOKEN", "test-token".to_owned()),
    ])
    .await;
    // Public traffic empties the client's public bucket...
    for _ in 0..2 {
        assert_eq!(
            app.send(from("203.0.113.8", None)).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(
        app.send(from("203.0.113.8", None)).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...but a wrong-token probe from the same client is still told 401, and the right token works.
    let probe = app.send(admin_from("203.0.113.8", "Bearer wrong")).await;
    crate::helpers::assert_error(&probe, StatusCode::UNAUTHORIZED, "unauthorized");
    let ok = app
        .send(admin_from("203.0.113.8", "Bearer test-token"))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    // The admin bucket is limited too: its burst is spent, and public traffic does not refill it.
    let refused = app
        .send(admin_from("203.0.113.8", "Bearer test-token"))
        .await;
    crate::helpers::assert_error(&refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test]
async fn cacheable_gets_say_how_long_they_stay_fresh_and_errors_are_never_stored() {
    let app = TestApp::spawn_with(&[("RAILFAIR_ADMIN_TOKEN", "test-token".to_owned())]).await;
    let day = crate::helpers::next(time::Weekday::Tuesday, 3);
    // Each kind's TTL (the defaults): stations and fares a day, route stats 6 h, popular 30 min.
    for (uri, max_age) in [
        ("/api/stations/MAN".to_owned(), 86_400),
        ("/api/stations?q=manc".to_owned(), 86_400),
        ("/api/routes/EUS/MAN/stats".to_owned(), 21_600),
        ("/api/routes/popular?limit=5".to_owned(), 1800),
        (format!("/api/fares/EUS/MAN?date={day}&time=11:00"), 86_400),
    ] {
        // Asked twice: some bodies say `"cached": false` on the miss, so the hit's tag is stable.
        app.get(&uri).await;
        let r = app.get(&uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text);
        let expected = format!("public, max-age={max_age}");
        assert_eq!(
            header(&r, "cache-control"),
            Some(expected.as_str()),
            "{uri}"
        );
        // A revalidation answered 304 says the same (RFC 9111 §4.3.4).
        let etag = header(&r, "etag").expect("an ETag").to_owned();
        let again = app
            .send(
                get(&uri)
                    .header("if-none-match", etag)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert_eq!(
            header(&again, "cache-control"),
            Some(expected.as_str()),
            "{uri}"
        );
    }
    // Errors are never stored, whichever layer produced them.
    for uri in ["/api/stations/XYZ", "/api/stations/12", "/api/nowhere"] {
        let r = app.get(uri).await;
        assert!(r.status.is_client_error(), "{uri}");
        assert_eq!(header(&r, "cache-control"), Some("no-store"), "{uri}");
    }
    // Nor are admin answers, successful ones included.
    let admin = app
        .send(
            Request::post("/api/cache/invalidate")
                .header("content-type", "application/json")
                .header("authorization", "Bearer test-token")
                .body(Body::from(r#"{"cache_type":"stations"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(admin.status, StatusCode::OK, "{}", admin.text);
    assert_eq!(header(&admin, "cache-control"), Some("no-store"));
}
