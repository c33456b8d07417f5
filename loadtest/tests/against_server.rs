//! The generator against the real service, in-process on a loopback socket (starter data, a
//! fresh SQLite file, no Redis, rate limiting off as for any single-client load test): the mix
//! gets only 2xx answers on every endpoint, the open model keeps its schedule, and a dead
//! target fails the gate.

use std::time::Duration;

use loadtest::mix::Scenario;
use loadtest::report::Report;
use loadtest::runner::{Options, run};
use test_support::TestConfig;
use tokio::net::TcpListener;

/// A running service and what stops it.
struct Service {
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<railfair::error::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn start_service() -> Service {
    let dir = tempfile::tempdir().unwrap();
    let config = TestConfig::new(dir.path())
        .set("SHUTDOWN_GRACE_SECS", "5")
        .build();
    let state = railfair::server::prepare(config).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(railfair::server::serve_on(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    for _ in 0..500 {
        if state.lifecycle.is_ready() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(state.lifecycle.is_ready(), "ready within 5 s");
    Service {
        url: format!("http://{addr}"),
        stop,
        server,
        _dir: dir,
    }
}

impl Service {
    async fn stop(self) {
        self.stop.send(()).unwrap();
        let result = tokio::time::timeout(Duration::from_secs(10), self.server).await;
        assert!(matches!(result, Ok(Ok(Ok(())))), "{result:?}");
    }
}

fn options(url: &str, scenario: Scenario, duration: Duration) -> Options {
    Options {
        url: url.to_owned(),
        scenario,
        users: 8,
        rate: None,
        think: Duration::ZERO,
        duration,
        seed: 1,
        threads: 1,
        progress: false,
        max_p99_ms: None,
        max_error_rate: Some(0.0),
    }
}

/// Runs the generator off the async runtime (it blocks its thread for the duration).
async fn run_blocking(options: Options) -> Report {
    tokio::task::spawn_blocking(move || run(&options))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mix_gets_only_2xx_answers_from_every_endpoint_of_the_service() {
    let service = start_service().await;
    let report = run_blocking(options(&service.url, Scenario::Mix, Duration::from_secs(2))).await;
    println!("{}", report.table());

    assert_eq!(report.total.errors.total, 0, "{:?}", report.total.errors);
    assert!(report.gate.passed, "{:?}", report.gate);
    let names: Vec<&str> = report.endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "POST /api/predict",
            "POST /api/predict/batch",
            "GET /api/routes/popular",
            "GET /api/routes/{origin}/{destination}/stats",
            "GET /api/statistics",
            "GET /health",
            "POST /api/journey/plan",
        ]
    );
    for e in &report.endpoints {
        assert!(
            e.requests > 0 && e.throughput_rps > 0.0,
            "{}: {} requests",
            e.name,
            e.requests
        );
        assert!(e.latency_ms.is_some(), "{}", e.name);
    }
    // The cache headers were read: predictions hit, miss and (10% of them) bypass.
    let predict = &report.endpoints[0].cache.counts;
    assert!(
        predict.hit > 0 && predict.miss > 0 && predict.bypass > 0,
        "{predict:?}"
    );
    assert!(report.total.cache.hit_rate.is_some_and(|h| h > 0.0));
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_model_sends_at_the_asked_rate_and_bypasses_the_cache_in_mix_nocache() {
    let service = start_service().await;
    let mut o = options(&service.url, Scenario::MixNocache, Duration::from_secs(2));
    o.users = 16;
    o.rate = Some(150.0);
    let report = run_blocking(o).await;
    println!("{}", report.table());

    assert_eq!(report.run.model, "open");
    assert_eq!(report.total.errors.total, 0, "{:?}", report.total.errors);
    // 150/s for 2 s is 300 sends: each one sent, or counted as left behind when the run ended
    // (which a slow debug build on a busy CI machine may cause; here each connection has
    // 100 ms per request).
    let sent = report.total.requests;
    let unsent = report
        .run
        .unsent
        .expect("the open model reports unsent sends");
    assert!(
        (sent + unsent).abs_diff(300) <= 1,
        "{sent} sent + {unsent} unsent"
    );
    assert!(sent >= 250, "{sent} of 300 sent");
    let predict = &report.endpoints[0];
    assert_eq!(predict.name, "POST /api/predict");
    assert_eq!(predict.cache.counts.bypass, predict.requests);
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_refuses_connections_fails_the_gate_with_transport_errors() {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut o = options(
        &format!("http://{addr}"),
        Scenario::Health,
        Duration::from_millis(300),
    );
    o.users = 2;
    let report = run_blocking(o).await;
    assert!(report.total.requests > 0);
    assert_eq!(report.total.errors.transport, report.total.requests);
    assert!(!report.gate.passed);
    assert_eq!(
        report.gate.failures[0], "no request was answered",
        "{:?}",
        report.gate
    );
}
