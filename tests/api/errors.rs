//! Every error path answers in our envelope with the right status.

use axum::http::{Method, StatusCode};

use crate::helpers::{TestApp, assert_error};

#[tokio::test]
async fn an_unknown_route_is_404_in_the_envelope() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/nothing-here").await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/api/nothing-here")
    );
}

#[tokio::test]
async fn a_wrong_method_is_405_with_allow() {
    let app = TestApp::spawn().await;
    let r = app
        .request(
            Method::POST,
            "/api/stations",
            Some(("application/json", "{}")),
        )
        .await;
    assert_error(&r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let allow = r
        .headers
        .get("allow")
        .expect("Allow header")
        .to_str()
        .unwrap();
    assert!(allow.contains("GET"), "{allow}");
    let r = app.request(Method::DELETE, "/health", None).await;
    assert_error(&r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn a_malformed_query_string_is_400() {
    let app = TestApp::spawn().await;
    // A parameter given twice cannot be read as one value.
    let r = app.stations("?q=man&q=eus").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "malformed_query");
}

#[tokio::test]
async fn an_oversized_json_body_is_413_not_a_malformed_request() {
    let app = TestApp::spawn().await;
    // Well-formed JSON, larger than the extractor reads (axum's default is 2 MB).
    let body = format!(r#"{{"origin":"{}"}}"#, "A".repeat(3 << 20));
    let r = app.predict_raw(Some("application/json"), &body).await;
    assert_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn validation_errors_are_422_with_fields() {
    let app = TestApp::spawn().await;
    let r = app.stations(&format!("?q={}", "x".repeat(101))).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.json["error"]["fields"][0]["field"], "q");
}

#[tokio::test]
async fn a_client_request_id_is_echoed() {
    let app = TestApp::spawn().await;
    let response = tower::ServiceExt::oneshot(
        railfair::http::router(app.state.clone()),
        axum::http::Request::get("/nope")
            .header("x-request-id", "abc-123")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.headers()["x-request-id"], "abc-123");
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["request_id"], "abc-123");
}

#[tokio::test]
async fn database_failure_is_a_503_that_leaks_nothing() {
    let app = TestApp::spawn().await;
    app.db().close().await;
    let r = app.stations("?q=man").await;
    assert_error(&r, StatusCode::SERVICE_UNAVAILABLE, "database_unavailable");
    assert!(
        !r.text.contains("sqlx") && !r.text.contains("PoolClosed"),
        "{}",
        r.text
    );
}
