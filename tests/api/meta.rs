//! Service card, health, readiness and sources.

use axum::http::StatusCode;

use crate::helpers::{TestApp, assert_error};

#[tokio::test]
async fn the_service_card_says_what_is_running() {
    let app = TestApp::spawn().await;
    let r = app.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["service"], "RailFair API");
    assert_eq!(r.json["status"], "operational");
    assert_eq!(r.json["features"]["database"], "up");
    assert_eq!(r.json["features"]["redis_cache"], "disabled");
    assert_eq!(
        r.json["features"]["fares"], "sample",
        "no feed loaded: the built-in sample set"
    );
    assert!(r.headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn health_is_200_with_the_database_up() {
    let app = TestApp::spawn().await;
    let r = app.health().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["status"], "healthy");
    assert_eq!(r.json["checks"]["database"]["status"], "up");
    assert!(r.json["checks"]["database"]["latency_ms"].as_f64().unwrap() >= 0.0);
    assert!(r.json["uptime_seconds"].is_number());
}

#[tokio::test]
async fn health_is_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.db().close().await;
    let r = app.health().await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json["status"], "unhealthy");
    assert_eq!(r.json["checks"]["database"]["status"], "down");
}

#[tokio::test]
async fn ready_follows_the_lifecycle() {
    let app = TestApp::spawn().await;
    assert_eq!(app.ready().await.status, StatusCode::OK);
    app.state.lifecycle.set_shutting_down();
    let r = app.ready().await;
    assert_error(&r, StatusCode::SERVICE_UNAVAILABLE, "not_ready");
    assert_eq!(r.headers["retry-after"], "1");
}

#[tokio::test]
async fn sources_carry_licences_and_attribution() {
    let app = TestApp::spawn().await;
    let r = app.sources().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sources = r.json["sources"].as_array().unwrap();
    let orr = sources.iter().find(|s| s["id"] == "orr-3138").unwrap();
    assert_eq!(
        orr["attribution"],
        "Contains public sector information licensed under the Open Government Licence v3.0 (Office of Rail and Road)."
    );
    assert_eq!(orr["status"], "not_loaded");
    let starter = sources.iter().find(|s| s["id"] == "starter").unwrap();
    assert_eq!(starter["status"], "built_in");
    assert_eq!(starter["data_through"], "2025-03-31");
}
