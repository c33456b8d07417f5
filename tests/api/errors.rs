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

/// The field names of a 422, asserting that no message carries serde's wording.
fn fields_in_our_words(r: &crate::helpers::TestResponse) -> Vec<String> {
    assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_no_serde_words(&r.text);
    r.json["error"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("fields listed: {}", r.text))
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_no_serde_words(text: &str) {
    for serde_words in [
        "expected",
        "struct",
        "line 1",
        "column",
        "invalid type",
        "Failed to",
    ] {
        assert!(!text.contains(serde_words), "'{serde_words}' in {text}");
    }
}

#[tokio::test]
async fn every_shape_error_of_a_body_is_listed_at_once_in_our_words() {
    let app = TestApp::spawn_with(&[("RAILFAIR_ADMIN_TOKEN", "test-token".to_owned())]).await;
    // Predict: a wrong type, a missing field, another wrong type and an unknown field.
    let r = app
        .request(
            Method::POST,
            "/api/predict",
            Some((
                "application/json",
                r#"{"origin": 1, "destination": "MAN", "departure_time": true, "colour": "red"}"#,
            )),
        )
        .await;
    assert_eq!(
        fields_in_our_words(&r),
        ["origin", "departure_date", "departure_time", "colour"]
    );
    // Not JSON at all: a 400 that says so without serde's position text.
    let r = app
        .request(
            Method::POST,
            "/api/predict",
            Some(("application/json", r#"{"origin": "EUS", "destination": }"#)),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "malformed_json");
    assert_no_serde_words(&r.text);

    // Batch: the envelope's own fields only; a route's problems are that route's entry in
    // `errors` (see batch.rs).
    let r = app
        .request(
            Method::POST,
            "/api/predict/batch",
            Some((
                "application/json",
                r#"{"routes": [{"origin": "EUS", "destination": 2, "departure_date": "2026-12-01", "departure_time": "09:30"}], "parallel": "yes"}"#,
            )),
        )
        .await;
    assert_eq!(fields_in_our_words(&r), ["parallel"]);
    let r = app
        .request(
            Method::POST,
            "/api/predict/batch",
            Some(("application/json", r#"{"routes": {"origin": "EUS"}}"#)),
        )
        .await;
    assert_eq!(fields_in_our_words(&r), ["routes"]);

    // Invalidate.
    let r = app
        .send(
            axum::http::Request::post("/api/cache/invalidate")
                .header("content-type", "application/json")
                .header("authorization", "Bearer test-token")
                .body(axum::body::Body::from(
                    r#"{"cache_type": 5, "everything": true}"#,
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(fields_in_our_words(&r), ["cache_type", "everything"]);

    // Fares: a repeated query parameter is named, in our words.
    let r = app
        .get("/api/fares/EUS/MAN?date=2026-12-01&date=2026-12-02&time=09:00")
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "malformed_query");
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'date'"),
        "{}",
        r.text
    );
    assert_no_serde_words(&r.text);
}
