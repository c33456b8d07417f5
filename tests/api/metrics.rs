//! `GET /metrics`, `X-Process-Time-Ms`, and the performance figures of `/api/statistics`.
//!
//! The Prometheus recorder is one per process, shared by every test in this binary while they
//! run concurrently: assertions on `/metrics` look at presence and at increases across this
//! test's own requests (other tests can only add), never at exact totals. The figures of
//! `/api/statistics` belong to one app, so those are exact.

use std::io::Write;
use std::process::Stdio;

use axum::http::StatusCode;
use test_support::promtool;

use crate::helpers::{TestApp, metric_sample, next, predict_body};

/// The sum of every series of a metric whose labels contain `filter`.
fn sum(text: &str, name: &str, filter: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) && l.contains(filter))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

async fn scrape(app: &TestApp) -> String {
    let r = app.get("/metrics").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.text
}

const STATION_200: &str =
    r#"http_requests_total{method="GET",route="/api/stations/{crs}",status="200"}"#;
const UNMATCHED_404: &str = r#"http_requests_total{method="GET",route="unmatched",status="404"}"#;

#[tokio::test]
async fn metrics_are_prometheus_text_labelled_by_route_template_never_the_raw_path() {
    let app = TestApp::spawn().await;
    let before = scrape(&app).await;

    assert_eq!(app.station("MAN").await.status, StatusCode::OK);
    assert_eq!(
        app.get("/no/such/path/MAN").await.status,
        StatusCode::NOT_FOUND
    );

    let r = app.get("/metrics").await;
    assert_eq!(r.status, StatusCode::OK);
    let content_type = r.headers["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = r.text;
    assert!(!text.trim_start().starts_with('{') && !text.starts_with('"'));

    let grew = |series: &str| {
        metric_sample(&text, series).unwrap_or_else(|| panic!("{series} missing:\n{text}"))
            - metric_sample(&before, series).unwrap_or(0.0)
    };
    assert!(grew(STATION_200) >= 1.0, "{text}");
    assert!(grew(UNMATCHED_404) >= 1.0, "{text}");
    for raw in ["/api/stations/MAN", "/no/such/path"] {
        assert!(!text.contains(raw), "raw path {raw} used as a label");
    }
    // The scrape itself is in flight while it renders.
    assert!(metric_sample(&text, "http_requests_in_flight").unwrap() >= 1.0);
}

#[tokio::test]
async fn request_durations_are_histograms_with_buckets_not_summaries() {
    let app = TestApp::spawn().await;
    app.station("MAN").await;
    let text = scrape(&app).await;

    assert!(text.contains("# TYPE http_request_duration_seconds histogram"));
    let bucket = |le: &str| {
        format!(
            r#"http_request_duration_seconds_bucket{{method="GET",route="/api/stations/{{crs}}",le="{le}"}}"#
        )
    };
    let small = metric_sample(&text, &bucket("0.5")).expect("a 0.5 s bucket");
    let all = metric_sample(&text, &bucket("+Inf")).expect("a +Inf bucket");
    assert!(all >= 1.0 && small <= all);
    assert!(
        !text.lines().any(|l| l.contains("quantile=")),
        "no summaries: every *_seconds histogram has buckets"
    );
}

#[tokio::test]
async fn scrape_time_gauges_and_process_metrics_are_exported() {
    let app = TestApp::spawn().await;
    let text = scrape(&app).await;
    // Set from this app's state at scrape time (scrapes take turns): no Redis reads as closed.
    assert_eq!(metric_sample(&text, "cache_breaker_state"), Some(0.0));
    assert!(metric_sample(&text, "cache_l1_entries").is_some());
    for series in [
        r#"db_pool_connections{pool="read",state="idle"}"#,
        r#"db_pool_connections{pool="read",state="active"}"#,
        r#"db_pool_connections{pool="write",state="idle"}"#,
    ] {
        assert!(metric_sample(&text, series).is_some(), "{series}");
    }
    assert!(
        metric_sample(&text, r#"db_pool_connections{pool="read",state="idle"}"#).unwrap() >= 1.0
    );
    assert!(
        metric_sample(&text, "rate_limited_total").is_some(),
        "registered at 0 before the first refusal"
    );
    assert!(metric_sample(&text, "process_resident_memory_bytes").unwrap() > 0.0);
    assert!(metric_sample(&text, "process_open_fds").unwrap() > 0.0);
    assert!(metric_sample(&text, "process_start_time_seconds").unwrap() > 1.5e9);
    assert!(metric_sample(&text, "process_cpu_seconds_total").is_some());
}

#[tokio::test]
async fn every_basis_source_has_its_prediction_series_from_the_start() {
    let app = TestApp::spawn().await;
    let text = scrape(&app).await;
    // The labels are the model's list itself; `observed_period` was once left out of a copy.
    for source in railfair::model::BasisSource::ALL {
        let series = format!(r#"prediction_basis_total{{source="{}"}}"#, source.as_str());
        assert!(metric_sample(&text, &series).is_some(), "{series}");
    }
    assert!(
        !text.contains(r#"prediction_basis_total{source="other"}"#),
        "every source has its own label"
    );
}

#[tokio::test]
async fn cache_database_and_prediction_metrics_grow_with_traffic() {
    let app = TestApp::spawn().await;
    let before = scrape(&app).await;
    // A fresh app: the first lookup misses (and queries the database), the second hits L1.
    app.station("MAN").await;
    app.station("MAN").await;
    let date = next(time::Weekday::Tuesday, 7);
    let r = app
        .predict(&predict_body("EUS", "MAN", date, "09:30"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let text = scrape(&app).await;

    let grew = |series: &str| {
        metric_sample(&text, series).unwrap_or_else(|| panic!("{series} missing:\n{text}"))
            - metric_sample(&before, series).unwrap_or(0.0)
    };
    assert!(grew(r#"cache_requests_total{kind="stations",tier="l1",result="hit"}"#) >= 1.0);
    assert!(grew(r#"cache_requests_total{kind="stations",tier="loader",result="miss"}"#) >= 1.0);
    assert!(grew(r#"db_query_duration_seconds_count{query="find_station"}"#) >= 1.0);
    assert!(text.contains("# TYPE db_query_duration_seconds histogram"));
    let served = sum(&text, "prediction_basis_total", "source=")
        - sum(&before, "prediction_basis_total", "source=");
    assert!(served >= 1.0, "a prediction was served: {text}");
}

#[tokio::test]
async fn the_exposition_passes_promtool_check_metrics() {
    let app = TestApp::spawn().await;
    app.station("MAN").await;
    app.get("/nowhere").await;
    let text = scrape(&app).await;
    let mut child = promtool()
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("exposition written to promtool");
    let out = child.wait_with_output().expect("promtool finishes");
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}\n--- exposition ---\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn every_response_says_how_long_it_took() {
    let app = TestApp::spawn().await;
    let ok = app.station("MAN").await;
    let missing = app.get("/no/such/path").await;
    let invalid = app.station("M4N").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(invalid.status.is_client_error());
    for r in [&ok, &missing, &invalid] {
        let value = r
            .headers
            .get("x-process-time-ms")
            .unwrap_or_else(|| panic!("no X-Process-Time-Ms on a {}", r.status));
        let ms: f64 = value.to_str().unwrap().parse().expect("a decimal number");
        assert!((0.0..10_000.0).contains(&ms), "{ms}");
    }
}

#[tokio::test]
async fn statistics_report_latency_per_route_template_and_database_queries() {
    let app = TestApp::spawn().await;
    assert_eq!(app.route_stats("EUS", "MAN").await.status, StatusCode::OK);
    assert_eq!(app.route_stats("KGX", "EDB").await.status, StatusCode::OK);
    assert_eq!(app.station("MAN").await.status, StatusCode::OK);
    assert_eq!(app.get("/nowhere").await.status, StatusCode::NOT_FOUND);

    let r = app.get("/api/statistics").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let perf = &r.json["performance"];
    // This app's own figures: exactly the four requests above (statistics counts itself after).
    assert_eq!(perf["total_requests"], 4, "{perf}");
    let endpoints = perf["endpoints"].as_object().expect("endpoints");
    let keys: Vec<&str> = endpoints.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "/api/routes/{origin}/{destination}/stats",
            "/api/stations/{crs}"
        ],
        "route templates only: no raw paths, no unmatched"
    );
    let stats = &endpoints["/api/routes/{origin}/{destination}/stats"];
    assert_eq!(stats["requests"], 2);
    let (p50, p99) = (
        stats["p50_ms"].as_f64().unwrap(),
        stats["p99_ms"].as_f64().unwrap(),
    );
    assert!(p50 > 0.0 && p50 <= p99, "{stats}");
    assert_eq!(endpoints["/api/stations/{crs}"]["requests"], 1);
    let (p50, p95, p99) = (
        perf["p50_ms"].as_f64().unwrap(),
        perf["p95_ms"].as_f64().unwrap(),
        perf["p99_ms"].as_f64().unwrap(),
    );
    assert!(0.0 < p50 && p50 <= p95 && p95 <= p99, "{perf}");

    let db = &r.json["database"];
    assert!(db["queries"].as_u64().unwrap() > 0, "{db}");
    assert!(db["slow_queries"].as_u64().is_some(), "{db}");
    assert!(db["avg_query_ms"].as_f64().unwrap() > 0.0, "{db}");

    let again = app.get("/api/statistics").await;
    assert_eq!(again.json["performance"]["total_requests"], 5);
    assert_eq!(
        again.json["performance"]["endpoints"]["/api/statistics"]["requests"],
        1
    );
}
