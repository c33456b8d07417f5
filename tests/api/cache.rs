//! The cache tiers end to end against real `redis-server` processes started (and killed) by the
//! tests themselves, each on its own free port.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use railfair::cache::breaker::BreakerState;
use redis::AsyncCommands;
use serde_json::Value;
use test_support::RedisServer;
use time::{OffsetDateTime, Weekday};

use crate::helpers::{TestApp, TestResponse, assert_error, metric_sample};

fn cache_vars(redis: &RedisServer, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("REDIS_URL", redis.url()),
        ("REDIS_TIMEOUT_MS", "50".to_owned()),
        ("BREAKER_FAILURES", "3".to_owned()),
        ("BREAKER_COOLDOWN_SECS", "1".to_owned()),
        ("RAILFAIR_ADMIN_TOKEN", "test-token".to_owned()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    vars
}

fn next_tuesday() -> time::Date {
    crate::helpers::next(Weekday::Tuesday, 3)
}

fn body(origin: &str, destination: &str, extra: &str) -> String {
    format!(
        r#"{{"origin":"{origin}","destination":"{destination}","departure_date":"{}","departure_time":"11:10"{extra}}}"#,
        next_tuesday()
    )
}

async fn predict(app: &TestApp, body: &str) -> TestResponse {
    app.request(
        Method::POST,
        "/api/predict",
        Some(("application/json", body)),
    )
    .await
}

fn cache_status(r: &TestResponse) -> &str {
    r.headers
        .get("x-cache-status")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Waits until Redis holds a key containing `part` (L2 writes happen in the background).
async fn wait_for_key(redis: &RedisServer, part: &str) -> String {
    for _ in 0..100 {
        if let Some(k) = redis.keys().await.into_iter().find(|k| k.contains(part)) {
            return k;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no key containing {part}: {:?}", redis.keys().await);
}

#[tokio::test]
async fn a_miss_then_a_hit_and_a_second_instance_hits_redis() {
    let redis = RedisServer::start();
    let a = TestApp::spawn_with(&cache_vars(&redis, &[])).await;
    let b = TestApp::spawn_with(&cache_vars(&redis, &[])).await;
    let request = body("EUS", "MAN", "");

    let first = predict(&a, &request).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(cache_status(&first), "MISS");
    assert_eq!(first.json["cached"], false);
    let second = predict(&a, &request).await;
    assert_eq!(cache_status(&second), "HIT");
    assert!(
        second.headers["server-timing"]
            .to_str()
            .unwrap()
            .contains("l1")
    );
    assert_eq!(second.json["cached"], true);
    assert_eq!(
        second.json["prediction"], first.json["prediction"],
        "same shape and values when cached"
    );

    wait_for_key(&redis, ":prediction:EUS:MAN:").await;
    let from_b = predict(&b, &request).await;
    assert_eq!(cache_status(&from_b), "HIT", "{}", from_b.text);
    assert!(
        from_b.headers["server-timing"]
            .to_str()
            .unwrap()
            .contains("l2")
    );
    assert_eq!(
        from_b.json["prediction"]["delay_5_probability"],
        first.json["prediction"]["delay_5_probability"]
    );
    // A Redis hit fills L1.
    let again = predict(&b, &request).await;
    assert!(
        again.headers["server-timing"]
            .to_str()
            .unwrap()
            .contains("l1")
    );
}

#[tokio::test]
async fn keys_are_readable_versioned_and_say_what_the_value_depends_on() {
    let redis = RedisServer::start();
    let app = TestApp::spawn_with(&cache_vars(&redis, &[])).await;
    predict(&app, &body("EUS", "MAN", "")).await;
    predict(&app, &body("EUS", "MAN", r#","include_fares":true"#)).await;
    predict(&app, &body("EUS", "MAN", r#","toc":"VT""#)).await;
    app.get("/api/routes/EUS/MAN/stats").await;
    let stats = wait_for_key(&redis, ":route_stats:").await;
    wait_for_key(&redis, ":fare:EUS:MAN:").await;
    let keys = redis.keys().await;
    let predictions: Vec<&String> = keys.iter().filter(|k| k.contains(":prediction:")).collect();
    assert_eq!(predictions.len(), 3, "{keys:?}");
    assert!(
        predictions
            .iter()
            .all(|k| k.starts_with("railfair:v3:prediction:EUS:MAN:")),
        "{keys:?}"
    );
    assert!(
        predictions
            .iter()
            .any(|k| k.contains(":any:") && k.ends_with(":h11:nofares")),
        "{keys:?}"
    );
    assert!(
        predictions
            .iter()
            .any(|k| k.contains(":fares:") && k.ends_with(":offpeak")),
        "{keys:?}"
    );
    assert!(
        predictions.iter().any(|k| k.contains(":VT:")),
        "toc is in the key: {keys:?}"
    );

    // TTLs are the kinds' configured TTLs, with at most 10% jitter.
    let mut conn = redis.conn().await;
    for (key, configured) in [(predictions[0].clone(), 3600), (stats, 21_600)] {
        let ttl: i64 = conn.ttl(&key).await.unwrap();
        assert!(
            ttl > configured - 5 && ttl <= configured * 11 / 10,
            "{key}: ttl {ttl}"
        );
    }
}

#[tokio::test]
async fn requests_survive_a_dead_redis_and_the_breaker_opens_then_closes() {
    let mut redis = RedisServer::start();
    let app = TestApp::spawn_with(&cache_vars(&redis, &[])).await;
    let breaker = || app.state.cache.redis().unwrap().breaker().state();
    assert_eq!(
        predict(&app, &body("EUS", "MAN", "")).await.status,
        StatusCode::OK
    );

    redis.kill();
    // Different keys, so each request misses L1 and asks Redis.
    let routes = [
        ("KGX", "EDB"),
        ("PAD", "BRI"),
        ("STP", "SHF"),
        ("LIV", "MAN"),
        ("BHM", "NCL"),
    ];
    for (o, d) in routes {
        let r = predict(&app, &body(o, d, "")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(cache_status(&r), "MISS");
    }
    assert_eq!(breaker(), BreakerState::Open);
    let health = app.health().await;
    assert_eq!(
        health.status,
        StatusCode::OK,
        "Redis down is degraded, not unhealthy"
    );
    assert_eq!(health.json["status"], "degraded");
    assert_eq!(health.json["checks"]["redis"]["breaker"], "open");

    // While open, Redis is not asked at all: a miss costs no Redis timeout.
    let started = Instant::now();
    let r = predict(&app, &body("WAT", "SOU", "")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );

    redis.restart();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // One probe goes through and closes the breaker.
    let r = predict(&app, &body("VIC", "BTN", "")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(breaker(), BreakerState::Closed);
    assert_eq!(app.health().await.json["status"], "healthy");
}

#[tokio::test]
async fn a_stalled_redis_costs_at_most_the_operation_timeout_then_the_breaker_opens() {
    let redis = RedisServer::start();
    let app = TestApp::spawn_with(&cache_vars(&redis, &[])).await;
    assert_eq!(
        predict(&app, &body("EUS", "MAN", "")).await.status,
        StatusCode::OK
    );
    let mut conn = redis.conn().await;
    let _: redis::RedisResult<()> = redis::cmd("DEBUG")
        .arg("SLEEP")
        .arg(0)
        .query_async(&mut conn)
        .await;
    tokio::spawn(async move {
        let _: redis::RedisResult<()> = redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg(3)
            .query_async(&mut conn)
            .await;
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    for (o, d) in [("KGX", "EDB"), ("PAD", "BRI"), ("STP", "SHF")] {
        let started = Instant::now();
        let r = predict(&app, &body(o, d, "")).await;
        assert_eq!(r.status, StatusCode::OK);
        // 50 ms per Redis operation, not the 3 s stall.
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{:?}",
            started.elapsed()
        );
    }
    assert_eq!(
        app.state.cache.redis().unwrap().breaker().state(),
        BreakerState::Open
    );
}

#[tokio::test]
async fn concurrent_requests_for_one_uncached_key_run_the_loader_once() {
    let redis = RedisServer::start();
    let app = TestApp::spawn_with(&cache_vars(&redis, &[])).await;
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let (cache, runs) = (app.state.cache.clone(), runs.clone());
        tasks.spawn(async move {
            cache
                .get_or_load(
                    railfair::cache::Kind::RouteStats,
                    "railfair:v1:test:one",
                    true,
                    || async {
                        runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Ok(7u32)
                    },
                )
                .await
                .map(|(v, _)| *v)
        });
    }
    while let Some(r) = tasks.join_next().await {
        assert_eq!(r.unwrap().unwrap(), 7);
    }
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
}

async fn invalidate(app: &TestApp, token: Option<&str>, body: &str) -> TestResponse {
    let mut req = axum::http::Request::post("/api/cache/invalidate")
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let response = tower::ServiceExt::oneshot(
        railfair::http::router(app.state.clone()),
        req.body(axum::body::Body::from(body.to_owned())).unwrap(),
    )
    .await
    .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    TestResponse {
        status,
        headers,
        json,
        text,
    }
}

#[tokio::test]
async fn invalidation_reaches_redis_and_every_instance_and_needs_the_token() {
    let redis = RedisServer::start();
    let a = TestApp::spawn_with(&cache_vars(&redis, &[])).await;
    let b = TestApp::spawn_with(&cache_vars(&redis, &[])).await;
    // B listens for invalidations like a running server does.
    let stop = tokio_util::sync::CancellationToken::new();
    let (b_cache, b_redis) = (
        b.state.cache.clone(),
        b.state.cache.redis().unwrap().clone(),
    );
    tokio::spawn({
        let stop = stop.clone();
        async move {
            b_redis
                .subscribe(stop, move |p| {
                    b_cache.invalidate_local(p);
                })
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    let eus_man = body("EUS", "MAN", "");
    let kgx_edb = body("KGX", "EDB", "");
    predict(&b, &eus_man).await;
    predict(&b, &kgx_edb).await;
    assert_eq!(cache_status(&predict(&b, &eus_man).await), "HIT");
    wait_for_key(&redis, ":prediction:EUS:MAN:").await;
    wait_for_key(&redis, ":prediction:KGX:EDB:").await;

    assert_error(
        &invalidate(&a, None, r#"{"cache_type":"prediction"}"#).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_error(
        &invalidate(&a, Some("nope"), r#"{"cache_type":"prediction"}"#).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let bad = invalidate(&a, Some("test-token"), r#"{"cache_type":"everything"}"#).await;
    assert_error(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(bad.json["error"]["fields"][0]["field"], "cache_type");

    let r = invalidate(
        &a,
        Some("test-token"),
        r#"{"cache_type":"prediction","origin":"eus","destination":"MAN"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.json["status"].as_str(), r.json["origin"].as_str()),
        (Some("success"), Some("EUS"))
    );
    assert_eq!(r.json["invalidated"]["redis"], 1, "{}", r.text);

    let keys = redis.keys().await;
    assert!(
        !keys.iter().any(|k| k.contains(":prediction:EUS:MAN:")),
        "{keys:?}"
    );
    assert!(
        keys.iter().any(|k| k.contains(":prediction:KGX:EDB:")),
        "other routes stay: {keys:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        cache_status(&predict(&b, &eus_man).await),
        "MISS",
        "B dropped its L1 copy"
    );
    assert_eq!(cache_status(&predict(&b, &kgx_edb).await), "HIT");

    let mut conn = redis.conn().await;
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        stats.contains("cmdstat_scan") && stats.contains("cmdstat_unlink"),
        "{stats}"
    );
    assert!(!stats.contains("cmdstat_keys"), "KEYS was called: {stats}");
    stop.cancel();
}

#[tokio::test]
async fn without_a_token_the_admin_endpoint_is_disabled() {
    let app = TestApp::spawn().await;
    let r = invalidate(&app, Some("anything"), r#"{"cache_type":"all"}"#).await;
    assert_error(&r, StatusCode::FORBIDDEN, "admin_disabled");
}

#[tokio::test]
async fn invalidation_parameters_come_from_the_body_or_the_query_never_both() {
    let app = TestApp::spawn_with(&[("RAILFAIR_ADMIN_TOKEN", "test-token".to_owned())]).await;
    let send = |uri: &str, body: &str| {
        axum::http::Request::post(uri)
            .header("content-type", "application/json")
            .header("authorization", "Bearer test-token")
            .body(axum::body::Body::from(body.to_owned()))
            .unwrap()
    };
    // A query string beside a body would be ignored: refused, naming what was in the query.
    let both = app
        .send(send(
            "/api/cache/invalidate?cache_type=all&origin=EUS",
            r#"{"cache_type":"prediction"}"#,
        ))
        .await;
    assert_error(&both, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> = both.json["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["cache_type", "origin"], "{}", both.text);

    // Either one alone is served.
    let body = app
        .send(send(
            "/api/cache/invalidate",
            r#"{"cache_type":"prediction"}"#,
        ))
        .await;
    assert_eq!(
        (body.status, body.json["cache_type"].as_str()),
        (StatusCode::OK, Some("prediction")),
        "{}",
        body.text
    );
    let query = app
        .send(send("/api/cache/invalidate?cache_type=all", ""))
        .await;
    assert_eq!(
        (query.status, query.json["cache_type"].as_str()),
        (StatusCode::OK, Some("all")),
        "{}",
        query.text
    );
}

#[tokio::test]
async fn use_cache_false_bypasses_every_tier() {
    let redis = RedisServer::start();
    let app = TestApp::spawn_with(&cache_vars(&redis, &[])).await;
    let r = predict(&app, &body("EUS", "MAN", r#","use_cache":false"#)).await;
    assert_eq!(cache_status(&r), "BYPASS");
    assert_eq!(r.json["metadata"]["cache_status"], "BYPASS");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(redis.keys().await.is_empty(), "nothing stored");
    assert_eq!(
        cache_status(&predict(&app, &body("EUS", "MAN", "")).await),
        "MISS"
    );
}

#[tokio::test]
async fn warming_precomputes_popular_routes_without_redis() {
    let app = TestApp::spawn().await;
    let warmed = railfair::service::warm::warm(&app.state).await;
    assert!(warmed.entries >= 60, "{warmed:?}");
    assert_eq!(warmed.failed, 0);
    let mut day = OffsetDateTime::now_utc().date() + time::Duration::days(1);
    while matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
        day += time::Duration::days(1);
    }
    let warm_body = format!(
        r#"{{"origin":"EUS","destination":"MAN","departure_date":"{day}","departure_time":"08:40"}}"#
    );
    assert_eq!(cache_status(&predict(&app, &warm_body).await), "HIT");
    assert_eq!(
        cache_status(&app.get("/api/routes/EUS/MAN/stats").await),
        "HIT"
    );
}

#[tokio::test]
async fn statistics_report_the_cache_figures_as_numbers() {
    let redis = RedisServer::start();
    let app = TestApp::spawn_with(&cache_vars(&redis, &[])).await;
    let request = body("EUS", "MAN", "");
    predict(&app, &request).await;
    predict(&app, &request).await;
    let s = app.get("/api/statistics").await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    let cache = &s.json["cache"];
    assert!(
        cache["hits"].as_u64().unwrap() >= 1 && cache["misses"].as_u64().unwrap() >= 1,
        "{}",
        s.text
    );
    let rate = cache["hit_rate"].as_f64().unwrap();
    assert!(rate > 0.0 && rate < 1.0, "{rate}");
    assert!(cache["l1"]["entries"].as_u64().is_some());
    assert_eq!(cache["redis"]["breaker"], "closed");
    assert_eq!(s.json["database"]["pool_size"], 4);
}

#[tokio::test]
async fn the_service_starts_and_serves_with_redis_down_from_the_start() {
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let app = TestApp::spawn_with(&[
        ("REDIS_URL", format!("redis://127.0.0.1:{port}/")),
        ("REDIS_TIMEOUT_MS", "50".to_owned()),
    ])
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "startup never waits on Redis"
    );
    let r = predict(&app, &body("EUS", "MAN", "")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(cache_status(&r), "MISS");
    assert_eq!(
        cache_status(&predict(&app, &body("EUS", "MAN", "")).await),
        "HIT",
        "L1 still works"
    );
    let health = app.health().await;
    assert_eq!(
        (health.status, health.json["status"].as_str()),
        (StatusCode::OK, Some("degraded"))
    );
    assert_eq!(health.json["checks"]["redis"]["status"], "down");
}

#[tokio::test]
async fn metrics_show_redis_commands_and_the_breaker_opening() {
    let mut redis = RedisServer::start();
    let app = TestApp::spawn_with(&cache_vars(&redis, &[])).await;
    let gets = r#"redis_command_duration_seconds_count{command="GET"}"#;
    let before = metric_sample(&app.get("/metrics").await.text, gets).unwrap_or(0.0);

    let r = predict(&app, &body("EUS", "MAN", "")).await;
    assert_eq!(cache_status(&r), "MISS");
    wait_for_key(&redis, ":prediction:EUS:MAN:").await;
    let text = app.get("/metrics").await.text;
    assert!(
        metric_sample(&text, gets).expect("GET is timed") > before,
        "the miss asked Redis: {text}"
    );
    assert!(text.contains(r#"redis_command_duration_seconds_bucket{command="GET",le="0.005"}"#));
    assert_eq!(
        metric_sample(&text, "cache_breaker_state"),
        Some(0.0),
        "closed"
    );

    redis.kill();
    for (o, d) in [
        ("KGX", "EDB"),
        ("PAD", "BRI"),
        ("STP", "SHF"),
        ("LIV", "MAN"),
    ] {
        assert_eq!(predict(&app, &body(o, d, "")).await.status, StatusCode::OK);
    }
    assert_eq!(
        app.state.cache.redis().unwrap().breaker().state(),
        BreakerState::Open
    );
    let text = app.get("/metrics").await.text;
    assert_eq!(
        metric_sample(&text, "cache_breaker_state"),
        Some(1.0),
        "open"
    );
}

#[tokio::test]
async fn invalidation_takes_the_bearer_scheme_in_any_case_and_only_json_bodies() {
    let app = TestApp::spawn_with(&[("RAILFAIR_ADMIN_TOKEN", "test-token".to_owned())]).await;
    let send = |content_type: Option<&str>, authorization: &str, uri: &str, body: &str| {
        let mut req =
            axum::http::Request::post(uri).header("authorization", authorization.to_owned());
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        req.body(axum::body::Body::from(body.to_owned())).unwrap()
    };
    // RFC 9110 §11.1: the auth scheme is case-insensitive.
    for authorization in [
        "bearer test-token",
        "BEARER test-token",
        "Bearer test-token",
    ] {
        let r = app
            .send(send(
                Some("application/json"),
                authorization,
                "/api/cache/invalidate",
                r#"{"cache_type":"all"}"#,
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{authorization}: {}", r.text);
    }
    // The token itself is not: a wrong-case token is a wrong token.
    let r = app
        .send(send(
            Some("application/json"),
            "Bearer TEST-TOKEN",
            "/api/cache/invalidate",
            r#"{"cache_type":"all"}"#,
        ))
        .await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "unauthorized");

    // The same media-type rule as predict: a body must be declared JSON.
    for content_type in [Some("text/plain"), None] {
        let r = app
            .send(send(
                content_type,
                "Bearer test-token",
                "/api/cache/invalidate",
                r#"{"cache_type":"all"}"#,
            ))
            .await;
        assert_error(
            &r,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        );
    }
    // With no body at all the query string is used, whatever the content type says.
    let r = app
        .send(send(
            None,
            "Bearer test-token",
            "/api/cache/invalidate?cache_type=all",
            "",
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn warm_up_is_counted_apart_from_user_traffic() {
    let app = TestApp::spawn().await;
    let warmed = railfair::service::warm::warm(&app.state).await;
    assert!(warmed.entries >= 60, "{warmed:?}");

    // A fresh server that only warmed up has served no user: no hits, no misses, no hit rate.
    let s = app.get("/api/statistics").await;
    let cache = &s.json["cache"];
    assert_eq!(cache["hits"], 0, "{}", s.text);
    assert_eq!(cache["misses"], 0, "{}", s.text);
    assert_eq!(cache["hit_rate"], 0.0, "{}", s.text);
    let warm_loads = cache["warmup"]["misses"].as_u64().expect("warm-up figures");
    assert!(warm_loads >= 60, "{}", s.text);
    let metrics = app.get("/metrics").await.text;
    assert!(
        metrics_has(&metrics, "cache_warmup_requests_total{"),
        "warm-up lookups have their own series: {metrics}"
    );

    // A user request on a warmed slot is a user hit, and the hit rate is the users' alone.
    let mut day = OffsetDateTime::now_utc().date() + time::Duration::days(1);
    while matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
        day += time::Duration::days(1);
    }
    let warm_body = format!(
        r#"{{"origin":"EUS","destination":"MAN","departure_date":"{day}","departure_time":"08:40"}}"#
    );
    assert_eq!(cache_status(&predict(&app, &warm_body).await), "HIT");
    let s = app.get("/api/statistics").await;
    let cache = &s.json["cache"];
    assert_eq!(
        (cache["hits"].as_u64(), cache["misses"].as_u64()),
        (Some(1), Some(0)),
        "{}",
        s.text
    );
    assert_eq!(cache["hit_rate"], 1.0, "{}", s.text);
    assert_eq!(cache["warmup"]["misses"].as_u64(), Some(warm_loads));
}

fn metrics_has(text: &str, prefix: &str) -> bool {
    text.lines().any(|l| l.starts_with(prefix))
}

#[tokio::test]
async fn statistics_and_health_use_one_vocabulary_for_redis() {
    let app = TestApp::spawn().await;
    let s = app.get("/api/statistics").await;
    assert_eq!(s.json["cache"]["redis"]["status"], "disabled", "{}", s.text);
    assert_eq!(
        app.health().await.json["checks"]["redis"]["status"],
        "disabled"
    );

    let redis = RedisServer::start();
    let app = TestApp::spawn_with(&cache_vars(&redis, &[])).await;
    let s = app.get("/api/statistics").await;
    assert_eq!(s.json["cache"]["redis"]["status"], "up", "{}", s.text);
    assert_eq!(app.health().await.json["checks"]["redis"]["status"], "up");
}

/// Runs `railfair import <kind> <file>` as its own process, on the app's database and Redis, as
/// an operator would beside a running server.
fn cli_import(app: &TestApp, redis: &RedisServer, kind: &str, file: &std::path::Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_railfair"))
        .args(["import", kind])
        .arg(file)
        .env("DATABASE_URL", &app.state.config.database_url)
        .env("REDIS_URL", redis.url())
        .env("RAILFAIR_DATA_DIR", "")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test]
async fn a_cli_import_beside_a_running_server_invalidates_what_it_changed_and_a_repeat_nothing() {
    use futures_util::StreamExt;
    let redis = RedisServer::start();
    let app = TestApp::spawn_with(&cache_vars(&redis, &[])).await;
    // The app listens for invalidations as a running server does.
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn({
        let (state, stop) = (app.state.clone(), stop.clone());
        let listener = state.cache.redis().unwrap().clone();
        async move {
            listener
                .subscribe(stop, move |p| {
                    state.apply_announced_invalidation(p);
                })
                .await
        }
    });
    // And so does the test, to see what is announced.
    let (tx, mut announced) = tokio::sync::mpsc::unbounded_channel::<String>();
    let mut pubsub = redis::Client::open(redis.url())
        .unwrap()
        .get_async_pubsub()
        .await
        .unwrap();
    pubsub
        .subscribe(railfair::cache::redis::INVALIDATION_CHANNEL)
        .await
        .unwrap();
    tokio::spawn(async move {
        let mut messages = pubsub.on_message();
        while let Some(m) = messages.next().await {
            let _ = tx.send(m.get_payload::<String>().unwrap());
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    let eus_man = body("EUS", "MAN", "");
    let before = predict(&app, &eus_man).await;
    let causes = "going by ORR Table 3184";
    let explanation = |r: &TestResponse| {
        r.json["prediction"]["explanation"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(!explanation(&before).contains(causes), "{}", before.text);
    assert_eq!(cache_status(&predict(&app, &eus_man).await), "HIT");
    wait_for_key(&redis, ":prediction:EUS:MAN:").await;
    assert_eq!(app.station("MAN").await.status, StatusCode::OK);
    wait_for_key(&redis, ":stations:").await;

    let file = test_support::shared_data()
        .join("orr/table-3184-delay-minutes-by-operator-and-cause-periodic.csv");
    let stdout = cli_import(&app, &redis, "orr-3184", &file);
    assert!(
        stdout.ends_with(
            "\ncache: invalidated prediction (Redis keys removed: 1; running servers told on \
             railfair:v1:invalidate)\n"
        ),
        "{stdout}"
    );
    let message = tokio::time::timeout(Duration::from_secs(5), announced.recv())
        .await
        .expect("an invalidation is announced");
    assert_eq!(message.as_deref(), Some("railfair:v3:prediction:"));
    let keys = redis.keys().await;
    assert!(!keys.iter().any(|k| k.contains(":prediction:")), "{keys:?}");
    assert!(
        keys.iter().any(|k| k.contains(":stations:")),
        "kinds the import cannot change stay: {keys:?}"
    );
    // The server dropped its own copy: the next answer is computed again, with the causes.
    let deadline = Instant::now() + Duration::from_secs(5);
    let after = loop {
        let r = predict(&app, &eus_man).await;
        if cache_status(&r) != "HIT" || Instant::now() > deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(cache_status(&after), "MISS");
    assert!(explanation(&after).contains(causes), "{}", after.text);

    // The same file again changes nothing, and nothing is announced.
    let stdout = cli_import(&app, &redis, "orr-3184", &file);
    assert!(
        stdout.contains("no changes") && !stdout.contains("cache:"),
        "{stdout}"
    );
    assert!(
        tokio::time::timeout(Duration::from_secs(1), announced.recv())
            .await
            .is_err(),
        "an unchanged import announces nothing"
    );
    stop.cancel();
}

#[tokio::test]
async fn an_announced_invalidation_also_forgets_memoized_reference_rows() {
    let app = TestApp::spawn().await;
    let uncached = body("EUS", "MAN", r#","use_cache":false"#);
    let name = |r: &TestResponse| r.json["prediction"]["operator_name"].clone();
    assert_eq!(name(&predict(&app, &uncached).await), "Avanti West Coast");
    // Another process renames the operator (as an import beside the server would write).
    let other = sqlx::SqlitePool::connect(&app.state.config.database_url)
        .await
        .unwrap();
    sqlx::query("UPDATE operators SET name = 'Avanti West Coast (renamed)' WHERE toc = 'VT'")
        .execute(&other)
        .await
        .unwrap();
    other.close().await;
    // Until told, this process answers from its memo of the row...
    assert_eq!(name(&predict(&app, &uncached).await), "Avanti West Coast");
    // ...and once the change is announced, from the database.
    app.state
        .apply_announced_invalidation("railfair:v3:prediction:");
    assert_eq!(
        name(&predict(&app, &uncached).await),
        "Avanti West Coast (renamed)"
    );
}
