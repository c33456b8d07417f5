//! Redis failing under load: killed, or stalled by `DEBUG SLEEP`. The cache is an optimisation,
//! so neither may cost a client an error, and with `REDIS_TIMEOUT_MS=50` and the breaker
//! neither may cost a request anything near the length of the outage.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use test_support::RedisServer;

use crate::harness::{
    Load, Record, Service, assert_all_ok, latencies, max_latency, mixed, one_at_a_time,
    warnings_mark, warnings_since, within,
};

/// Concurrent clients: enough to keep both cores busy. Not more: measured here, 32 clients of a
/// debug build queue for the CPU long enough that Redis round trips pass 50 ms with Redis
/// healthy, and the breaker then opens on the process's own overload, not on Redis.
const CLIENTS: usize = 16;
/// No request may take longer, whatever Redis does. Generous for a debug build on two busy
/// cores (requests take tens of milliseconds here, at most about 250 ms during another build),
/// yet well under the 2.5 s stall below, which is what a request would wait without the
/// operation timeout.
const LATENCY_BOUND: Duration = Duration::from_secs(1);
/// Breaker failures to open (the default).
const BREAKER_FAILURES: &str = "5";

fn redis_config(redis: &RedisServer, cooldown_secs: &str) -> Vec<(&'static str, String)> {
    vec![
        ("REDIS_URL", redis.url()),
        ("REDIS_TIMEOUT_MS", "50".to_owned()),
        ("BREAKER_FAILURES", BREAKER_FAILURES.to_owned()),
        ("BREAKER_COOLDOWN_SECS", cooldown_secs.to_owned()),
    ]
}

/// Polls `/health` until the breaker is in `state`; returns when it was first seen so.
async fn breaker_becomes(service: &Service, state: &str, limit: Duration) -> Instant {
    let started = Instant::now();
    loop {
        let health = service.get("/health").await;
        assert_eq!(health.status, StatusCode::OK, "{}", health.text);
        if health.json["checks"]["redis"]["breaker"] == state {
            return Instant::now();
        }
        assert!(
            started.elapsed() < limit,
            "the breaker was not {state} within {limit:?}: {}",
            health.text
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Redis GETs and SETs sent so far (timed out or failed ones included; refused ones not).
async fn redis_calls(service: &Service) -> f64 {
    service
        .metric(r#"redis_command_duration_seconds_count{command="GET"}"#)
        .await
        + service
            .metric(r#"redis_command_duration_seconds_count{command="SET"}"#)
            .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_under_load_costs_no_request_an_error_or_a_second_and_leaves_the_breaker_open()
{
    let _turn = one_at_a_time().await;
    within(Duration::from_secs(60), async {
        let mut redis = RedisServer::start();
        // A cool-down longer than the test: once open, the breaker stays open.
        let service = Service::start(&redis_config(&redis, "60")).await;
        let log = warnings_mark();
        let health = service.get("/health").await;
        assert_eq!(
            health.json["checks"]["redis"]["status"], "up",
            "{}",
            health.text
        );

        let load = Load::start(&service.client, CLIENTS, |n| mixed(n, true));
        tokio::time::sleep(Duration::from_secs(1)).await;
        let stored = redis.dbsize().await;
        let killed = Instant::now();
        redis.kill();
        let opened = breaker_becomes(&service, "open", Duration::from_secs(3)).await;
        // Calls that passed the breaker just before it opened end within the 50 ms timeout.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let calls_once_open = redis_calls(&service).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let records = load.stop().await;
        let calls_at_end = redis_calls(&service).await;

        let before: Vec<&Record> = records.iter().filter(|r| r.started < killed).collect();
        let after: Vec<&Record> = records.iter().filter(|r| r.started >= killed).collect();
        eprintln!(
            "redis killed: {stored} keys stored before; breaker open {:?} after the kill\n  \
             before the kill: {}\n  after the kill:  {}",
            opened - killed,
            latencies(&before),
            latencies(&after)
        );
        assert!(
            stored > 0,
            "Redis was not in use before the kill: the test proves nothing"
        );
        assert!(
            before.len() >= CLIENTS && after.len() >= CLIENTS,
            "too little traffic around the kill: {} before, {} after",
            before.len(),
            after.len()
        );
        assert_all_ok(&records);
        let slowest = max_latency(&before).max(max_latency(&after));
        assert!(slowest < LATENCY_BOUND, "a request took {slowest:?}");
        assert!(
            opened - killed < Duration::from_secs(2),
            "the breaker took {:?} to open",
            opened - killed
        );
        assert_eq!(
            calls_at_end, calls_once_open,
            "Redis is not asked while the breaker is open"
        );

        let health = service.get("/health").await;
        assert_eq!(
            health.status,
            StatusCode::OK,
            "Redis down is degraded, not unhealthy"
        );
        assert_eq!(health.json["status"], "degraded", "{}", health.text);
        assert_eq!(
            health.json["checks"]["redis"]["status"], "down",
            "{}",
            health.text
        );
        assert_eq!(
            health.json["checks"]["redis"]["breaker"], "open",
            "{}",
            health.text
        );
        let statistics = service.get("/api/statistics").await;
        assert_eq!(statistics.json["cache"]["redis"]["breaker"], "open");
        assert!(
            statistics.json["cache"]["redis"]["errors"]
                .as_u64()
                .is_some_and(|n| n >= 5),
            "{}",
            statistics.text
        );
        // One warning for the state change, not one per request.
        let warnings = warnings_since(log);
        assert_eq!(
            warnings.matches("circuit breaker opened").count(),
            1,
            "{warnings}"
        );
        service.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stalled_under_load_costs_no_request_the_stall_and_the_breaker_opens_then_closes() {
    let _turn = one_at_a_time().await;
    within(Duration::from_secs(60), async {
        let redis = RedisServer::start();
        // A one-second cool-down: the breaker probes during the stall and after it.
        let service = Service::start(&redis_config(&redis, "1")).await;
        let load = Load::start(&service.client, CLIENTS, |n| mixed(n, true));
        tokio::time::sleep(Duration::from_millis(500)).await;
        let stall = 2.5;
        let stalled = Instant::now();
        let stall_over = redis.stall(stall).await;
        let opened = breaker_becomes(&service, "open", Duration::from_secs(2)).await;
        tokio::time::sleep(stall_over.saturating_duration_since(Instant::now())).await;
        // The first probe after the stall (at most a cool-down later) closes it.
        let closed = breaker_becomes(&service, "closed", Duration::from_secs(4)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let records = load.stop().await;

        let during: Vec<&Record> = records
            .iter()
            .filter(|r| r.started >= stalled && r.started < stall_over)
            .collect();
        let other: Vec<&Record> = records
            .iter()
            .filter(|r| r.started < stalled || r.started >= stall_over)
            .collect();
        eprintln!(
            "redis stalled {stall} s: breaker open {:?} into the stall, closed {:?} after it\n  \
             during the stall: {}\n  otherwise:        {}",
            opened - stalled,
            closed.saturating_duration_since(stall_over),
            latencies(&during),
            latencies(&other)
        );
        assert!(
            during.len() >= CLIENTS,
            "too little traffic during the stall: {}",
            during.len()
        );
        assert_all_ok(&records);
        let slowest = max_latency(&during).max(max_latency(&other));
        assert!(slowest < LATENCY_BOUND, "a request took {slowest:?}");
        assert!(
            opened - stalled < Duration::from_secs(1),
            "the breaker took {:?} to open",
            opened - stalled
        );
        service.stop().await;
    })
    .await;
}
