//! What every resilience test needs: the service on a real loopback socket, an HTTP client
//! with pooled keep-alive connections, a load of concurrent clients that records every
//! response, a summary of what they saw, and the service's own warnings.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as Pool;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use railfair::state::AppState;
use serde_json::{Value, json};
use tempfile::TempDir;
use test_support::{STARTER_ROUTES, TestConfig};
use tokio::net::TcpListener;
use tokio::sync::MutexGuard;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A client that hears nothing for this long calls the request hung (far above any bound a
/// test asserts, so a hang shows up as a failed bound with its number, not as a stuck test).
const CLIENT_PATIENCE: Duration = Duration::from_secs(15);
/// Long enough for a debug build to start and migrate on a busy 2-core machine.
const STARTUP: Duration = Duration::from_secs(30);
/// The most requests one load client sends: loads are bounded in count as well as in time.
const MAX_REQUESTS_PER_CLIENT: u64 = 20_000;

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Held for the whole of a test: two loads at once on two cores would make every latency
/// bound meaningless.
pub async fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().await
}

/// Runs a test body with an overall deadline, so a hang fails the test instead of CI.
pub async fn within<F: Future<Output = ()>>(limit: Duration, test: F) {
    tokio::time::timeout(limit, test)
        .await
        .unwrap_or_else(|_| panic!("the test did not finish within {limit:?}"));
}

/// The shared real data, from the one place every test binary takes it.
pub use test_support::shared_data;

/// The service as `railfair serve` runs it (`server::serve_on`: background flusher, warming,
/// graceful shutdown), on `127.0.0.1:0` over its own database file, with no rate limit.
pub struct Service {
    pub state: AppState,
    pub client: Client,
    stop: CancellationToken,
    server: Option<JoinHandle<railfair::error::Result<()>>>,
    _dir: TempDir,
}

impl Service {
    /// Starts the service with `extra` configuration and waits until `/ready` answers 200.
    pub async fn start(extra: &[(&str, String)]) -> Self {
        capture_warnings();
        let dir = tempfile::tempdir().expect("temp dir");
        // Every client of these tests is 127.0.0.1: a limiter would only measure itself (the
        // test configuration turns it off).
        let config = TestConfig::new(dir.path())
            .set("SHUTDOWN_GRACE_SECS", "2")
            .with(extra)
            .build();
        let state = railfair::server::prepare(config)
            .await
            .expect("the service starts");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds loopback");
        let addr = listener.local_addr().expect("bound address");
        let stop = CancellationToken::new();
        let server = tokio::spawn(railfair::server::serve_on(
            listener,
            state.clone(),
            stop.clone().cancelled_owned(),
        ));
        let service = Self {
            state,
            client: Client::new(addr),
            stop,
            server: Some(server),
            _dir: dir,
        };
        service.wait_ready().await;
        service
    }

    async fn wait_ready(&self) {
        let started = Instant::now();
        loop {
            if let Ok(reply) = self.client.send(&Call::get("/ready")).await
                && reply.status == StatusCode::OK
            {
                return;
            }
            assert!(started.elapsed() < STARTUP, "not ready within {STARTUP:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `GET path`, which must be answered.
    pub async fn get(&self, path: &str) -> Reply {
        self.client
            .send(&Call::get(path))
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// The value of one series of `/metrics` (`name{labels}` exactly as rendered), 0 if absent.
    pub async fn metric(&self, series: &str) -> f64 {
        let text = self.get("/metrics").await.text;
        text.lines()
            .find_map(|line| {
                line.strip_prefix(series)?
                    .strip_prefix(' ')?
                    .trim()
                    .parse()
                    .ok()
            })
            .unwrap_or(0.0)
    }

    /// Stops the service as SIGTERM would and waits for it to finish cleanly.
    pub async fn stop(mut self) {
        self.stop.cancel();
        if let Some(server) = self.server.take() {
            tokio::time::timeout(Duration::from_secs(10), server)
                .await
                .expect("the service stops within 10 s")
                .expect("server task")
                .expect("the service stops cleanly");
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// One request to make.
#[derive(Debug, Clone)]
pub struct Call {
    pub kind: Kind,
    pub method: Method,
    pub path: String,
    pub body: Option<Value>,
}

/// What a request asks for, so its answer can be checked for what it should contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Predict,
    PredictWithFares,
    Batch,
    RouteStats,
    StationSearch,
    Station,
    Other,
}

impl Call {
    pub fn get(path: &str) -> Self {
        Self {
            kind: Kind::Other,
            method: Method::GET,
            path: path.to_owned(),
            body: None,
        }
    }
}

/// An answer.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
    pub latency: Duration,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// An HTTP/1.1 client over pooled keep-alive connections to one address.
#[derive(Clone)]
pub struct Client {
    pool: Pool<HttpConnector, Full<Bytes>>,
    addr: SocketAddr,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            pool: Pool::builder(TokioExecutor::new()).build_http(),
            addr,
        }
    }

    /// Sends `call` and reads the whole answer; `Err` says what went wrong on the way.
    pub async fn send(&self, call: &Call) -> Result<Reply, String> {
        let started = Instant::now();
        let mut request = Request::builder()
            .method(call.method.clone())
            .uri(format!("http://{}{}", self.addr, call.path));
        let body = match &call.body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Full::new(Bytes::from(json.to_string()))
            }
            None => Full::new(Bytes::new()),
        };
        let request = request.body(body).map_err(|e| e.to_string())?;
        let exchange = async {
            let response = self
                .pool
                .request(request)
                .await
                .map_err(|e| format!("{e:?}"))?;
            let (parts, body) = response.into_parts();
            let bytes = body
                .collect()
                .await
                .map_err(|e| format!("body: {e}"))?
                .to_bytes();
            Ok::<_, String>((parts, bytes))
        };
        let (parts, bytes) = tokio::time::timeout(CLIENT_PATIENCE, exchange)
            .await
            .map_err(|_| format!("no answer within {CLIENT_PATIENCE:?}"))??;
        let latency = started.elapsed();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Ok(Reply {
            status: parts.status,
            headers: parts.headers,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text,
            latency,
        })
    }
}

/// Prefixes typed into station search (each matches a starter station).
const SEARCHES: [&str; 12] = [
    "man", "lon", "edin", "birm", "leed", "york", "brist", "card", "glas", "new", "liv", "read",
];

/// A well-mixed 64-bit value from a counter (splitmix64): the loads are varied but the same
/// in every run.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A prediction request body for a route, a day ahead and an hour. A day that falls on Christmas
/// Day moves to the next day: no trains run then, and the service rightly answers 422
/// `no_service`, which is not what these load tests measure.
pub fn predict_body(
    route: (&str, &str),
    days_ahead: u64,
    hour: u64,
    fares: bool,
    cache: bool,
) -> Value {
    let mut day = time::OffsetDateTime::now_utc().date() + time::Duration::days(days_ahead as i64);
    if day.month() == time::Month::December && day.day() == 25 {
        day = day.next_day().expect("a day after Christmas");
    }
    json!({
        "origin": route.0,
        "destination": route.1,
        "departure_date": day.to_string(),
        "departure_time": format!("{hour:02}:15"),
        "include_fares": fares,
        "use_cache": cache,
    })
}

/// The `n`th request of a mixed load: predictions with and without fares (on dates over the
/// next year and hours over the day, so most miss the in-process cache and reach Redis when
/// there is one), small batches, route statistics, station search and station lookup.
/// `cache: false` sends the predictions and batches with `use_cache: false`.
pub fn mixed(n: u64, cache: bool) -> Call {
    let r = mix(n);
    let route = STARTER_ROUTES[(r >> 8) as usize % STARTER_ROUTES.len()];
    let days = 1 + (r >> 16) % 360;
    let hour = 5 + (r >> 32) % 18;
    let post = |kind, path: &str, body| Call {
        kind,
        method: Method::POST,
        path: path.to_owned(),
        body: Some(body),
    };
    let get = |kind, path: String| Call {
        kind,
        method: Method::GET,
        path,
        body: None,
    };
    match r % 8 {
        0..=2 => post(
            Kind::Predict,
            "/api/predict",
            predict_body(route, days, hour, false, cache),
        ),
        3 | 4 => post(
            Kind::PredictWithFares,
            "/api/predict",
            predict_body(route, days, hour, true, cache),
        ),
        5 => {
            let routes: Vec<Value> = (0..3)
                .map(|i| {
                    let route = STARTER_ROUTES[(r >> (40 + i * 4)) as usize % STARTER_ROUTES.len()];
                    predict_body(route, days, hour, i == 0, cache)
                })
                .collect();
            post(
                Kind::Batch,
                "/api/predict/batch",
                json!({ "routes": routes }),
            )
        }
        6 => get(
            Kind::RouteStats,
            format!("/api/routes/{}/{}/stats", route.0, route.1),
        ),
        _ if (r >> 48).is_multiple_of(2) => get(
            Kind::StationSearch,
            format!(
                "/api/stations?q={}&limit=5",
                SEARCHES[(r >> 52) as usize % SEARCHES.len()]
            ),
        ),
        _ => get(Kind::Station, format!("/api/stations/{}", route.0)),
    }
}

/// A batch of ten routes with fares, never cached: enough work per request that many are in
/// flight at any moment.
pub fn heavy_batch(n: u64) -> Call {
    let r = mix(n);
    let routes: Vec<Value> = (0..10)
        .map(|i| {
            let route = STARTER_ROUTES[(r as usize + i) % STARTER_ROUTES.len()];
            predict_body(
                route,
                1 + (r >> 16) % 300,
                5 + (i as u64 + (r >> 32)) % 18,
                true,
                false,
            )
        })
        .collect();
    Call {
        kind: Kind::Batch,
        method: Method::POST,
        path: "/api/predict/batch".to_owned(),
        body: Some(json!({ "routes": routes })),
    }
}

/// Checks that a 200 answer holds what `call` asked for; `Err` says what is missing.
pub fn check_body(call: &Call, json: &Value) -> Result<(), String> {
    let probability = |p: &Value| {
        p["on_time_probability"]
            .as_f64()
            .is_some_and(|v| (0.0..=1.0).contains(&v))
            && p["delay_5_probability"].as_f64() >= p["delay_15_probability"].as_f64()
    };
    let body = call.body.as_ref();
    let ok = match call.kind {
        Kind::Predict | Kind::PredictWithFares => {
            let p = &json["prediction"];
            probability(p)
                && body.is_some_and(|b| {
                    p["origin"] == b["origin"] && p["destination"] == b["destination"]
                })
                && (call.kind == Kind::PredictWithFares || json["fares"].is_null())
        }
        Kind::Batch => {
            let total = body.map_or(0, |b| b["routes"].as_array().map_or(0, Vec::len));
            json["total_routes"] == total
                && json["successful"] == total
                && json["results"].as_array().is_some_and(|r| {
                    r.len() == total && r.iter().all(|r| probability(&r["prediction"]))
                })
        }
        Kind::RouteStats => json["statistics"]["reliability_score"]
            .as_f64()
            .is_some_and(|s| (0.0..=100.0).contains(&s)),
        Kind::StationSearch => json["stations"]
            .as_array()
            .is_some_and(|s| !s.is_empty() && s.iter().all(|s| s["crs"].is_string())),
        Kind::Station => call.path.ends_with(json["crs"].as_str().unwrap_or("?")),
        Kind::Other => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{:?} {}: unexpected body {json}",
            call.kind, call.path
        ))
    }
}

/// One request of a load and what became of it.
#[derive(Debug)]
pub struct Record {
    pub call: Call,
    pub started: Instant,
    pub outcome: Result<Reply, String>,
}

impl Record {
    pub fn status(&self) -> Option<StatusCode> {
        self.outcome.as_ref().ok().map(|r| r.status)
    }

    /// The time to the whole answer (or to the failure).
    pub fn latency(&self) -> Duration {
        self.outcome
            .as_ref()
            .map_or(CLIENT_PATIENCE, |reply| reply.latency)
    }
}

/// Concurrent clients sending requests back to back until stopped.
pub struct Load {
    stopping: Arc<AtomicBool>,
    clients: Vec<JoinHandle<Vec<Record>>>,
}

impl Load {
    /// Starts `clients` tasks, each sending `make(n)` for n = 0, 1, 2, … (shared counter).
    /// After a 503 a client pauses for 10–30 ms: less than `Retry-After` asks, so the pressure
    /// stays on, but the clients do not spin the two cores the service also needs.
    pub fn start(
        client: &Client,
        clients: usize,
        make: impl Fn(u64) -> Call + Send + Sync + 'static,
    ) -> Self {
        let stopping = Arc::new(AtomicBool::new(false));
        let counter = Arc::new(AtomicU64::new(0));
        let make = Arc::new(make);
        let clients = (0..clients)
            .map(|_| {
                let (client, stopping, counter, make) = (
                    client.clone(),
                    Arc::clone(&stopping),
                    Arc::clone(&counter),
                    Arc::clone(&make),
                );
                tokio::spawn(async move {
                    let mut records = Vec::new();
                    for _ in 0..MAX_REQUESTS_PER_CLIENT {
                        if stopping.load(Ordering::Relaxed) {
                            break;
                        }
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        let call = make(n);
                        let started = Instant::now();
                        let outcome = client.send(&call).await;
                        let shed = matches!(&outcome, Ok(r) if r.status == StatusCode::SERVICE_UNAVAILABLE);
                        records.push(Record {
                            call,
                            started,
                            outcome,
                        });
                        if shed {
                            tokio::time::sleep(Duration::from_millis(10 + mix(n) % 20)).await;
                        }
                    }
                    records
                })
            })
            .collect();
        Self { stopping, clients }
    }

    /// Stops the clients after their current request and returns every record.
    pub async fn stop(self) -> Vec<Record> {
        self.stopping.store(true, Ordering::Relaxed);
        let mut records = Vec::new();
        for client in self.clients {
            records.extend(client.await.expect("load client task"));
        }
        records.sort_by_key(|r| r.started);
        records
    }
}

/// Latencies of `records`: count, p50, p99 and max, for the test's report line.
pub fn latencies(records: &[&Record]) -> String {
    let mut all: Vec<Duration> = records.iter().map(|r| r.latency()).collect();
    all.sort();
    let at = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    format!(
        "{} requests, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        all.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    )
}

/// The slowest of `records`.
pub fn max_latency(records: &[&Record]) -> Duration {
    records
        .iter()
        .map(|r| r.latency())
        .max()
        .unwrap_or_default()
}

/// How many answers had each status (and how many got none), e.g. `{200: 1510, 503: 85}`.
pub fn statuses(records: &[Record]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in records {
        let key = match &r.outcome {
            Ok(reply) => reply.status.as_u16().to_string(),
            Err(_) => "no answer".to_owned(),
        };
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

/// Asserts every record is a 200 holding what it asked for; names the first that is not.
pub fn assert_all_ok(records: &[Record]) {
    for r in records {
        match &r.outcome {
            Err(e) => panic!("{:?} {} got no answer: {e}", r.call.kind, r.call.path),
            Ok(reply) if reply.status != StatusCode::OK => panic!(
                "{:?} {} answered {} (all answers: {:?}): {}",
                r.call.kind,
                r.call.path,
                reply.status,
                statuses(records),
                reply.text
            ),
            Ok(reply) => check_body(&r.call, &reply.json).unwrap_or_else(|e| panic!("{e}")),
        }
    }
}

/// Every warning and error the service logged, one line each, in order.
static WARNINGS: OnceLock<Arc<Mutex<String>>> = OnceLock::new();

/// Installs, once per process, a global subscriber that keeps the service's warnings and errors
/// (a global one: the service logs from its own tasks, on any thread).
fn capture_warnings() {
    WARNINGS.get_or_init(|| {
        let lines = Arc::new(Mutex::new(String::new()));
        let writer = Arc::clone(&lines);
        let installed = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || Captured(Arc::clone(&writer)))
            .try_init();
        assert!(installed.is_ok(), "the first subscriber of this process");
        lines
    });
}

/// The warnings and errors logged since `from` (a value of `warnings_mark`).
pub fn warnings_since(from: usize) -> String {
    let lines = WARNINGS.get().expect("the service was started");
    lines.lock().expect("log lock")[from..].to_owned()
}

/// Where the log is now, for `warnings_since`.
pub fn warnings_mark() -> usize {
    WARNINGS
        .get()
        .map_or(0, |lines| lines.lock().expect("log lock").len())
}

struct Captured(Arc<Mutex<String>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut lines = self.0.lock().expect("log lock");
        let _ = write!(lines, "{}", String::from_utf8_lossy(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
