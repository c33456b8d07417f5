//! The real `railfair` executable as an orchestrator runs it: SIGTERM in the middle of a burst
//! drains every accepted request and refuses the rest, the process exits 0 within
//! `SHUTDOWN_GRACE_SECS`, and its JSON log lines carry what operations need and never a secret.
//! A test binary of its own because it starts the built executable, not the library.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;
use test_support::TestConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `SHUTDOWN_GRACE_SECS` of the started server unless a test says otherwise.
const GRACE_SECS: u64 = 5;
/// Concurrent clients in the burst.
const CLIENTS: usize = 32;
// The server's log messages these tests look for, spelled once.
const SERVING: &str = "serving";
const REQUEST_FINISHED: &str = "request finished";
const SHUTDOWN_REQUESTED: &str = "shutdown requested; draining in-flight requests";
const GRACE_OVER: &str = "grace period over; closing remaining connections";
const FLUSHED: &str = "popularity counts flushed";
const STOPPED: &str = "stopped";
/// Long enough for a debug build to start on a busy 2-core machine.
const STARTUP: Duration = Duration::from_secs(60);
/// Over the grace period: the final flush, closing the pools and process exit, on a busy machine.
const EXIT_MARGIN: Duration = Duration::from_secs(3);
/// A client that hears nothing for this long calls the request hung.
const CLIENT_PATIENCE: Duration = Duration::from_secs(20);

/// A running `railfair serve` over its own database, killed on drop so a failing test never
/// leaves it behind.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
    _dir: TempDir,
}

impl Server {
    /// Starts the executable on port 0 with JSON logs, no Redis and no rate limit (plus `extra`),
    /// and waits until `/ready` answers 200. The port is read from the "serving" log line, so
    /// there is no window in which another process could take it.
    async fn start(extra: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = TestConfig::new(dir.path())
            .set("RAILFAIR_LISTEN", "127.0.0.1:0")
            .set("LOG_FORMAT", "json")
            .set("RUST_LOG", "info")
            .set("SHUTDOWN_GRACE_SECS", GRACE_SECS.to_string())
            .set("MAX_IN_FLIGHT", "10000")
            .with(extra);
        // A clean environment in an empty directory: neither the developer's variables nor a
        // `.env` file (read from the working directory) can change what is tested.
        let mut child = Command::new(env!("CARGO_BIN_EXE_railfair"))
            .arg("serve")
            .current_dir(dir.path())
            .env_clear()
            .envs(config.vars())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the railfair executable starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    log.lock().expect("log lock").push(line);
                }
            })
        };
        let mut server = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log,
            reader: Some(reader),
            _dir: dir,
        };
        server.addr = server.bound_address().await;
        server.wait_ready().await;
        server
    }

    /// The address from the "serving" line.
    async fn bound_address(&mut self) -> SocketAddr {
        let started = Instant::now();
        loop {
            let serving = self.log_lines().iter().find_map(|line| {
                let line: Value = serde_json::from_str(line).ok()?;
                (line["message"] == SERVING).then(|| line["listen"].as_str().map(str::to_owned))?
            });
            if let Some(listen) = serving {
                let addr: SocketAddr = listen.parse().expect("'listen' is an address");
                assert_ne!(addr.port(), 0, "the log names the bound port, not port 0");
                return addr;
            }
            if let Some(status) = self.child.try_wait().expect("child status") {
                panic!(
                    "railfair exited ({status}) before serving:\n{}",
                    self.log_text()
                );
            }
            assert!(
                started.elapsed() < STARTUP,
                "no 'serving' line within {STARTUP:?}:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn wait_ready(&mut self) {
        let started = Instant::now();
        loop {
            if let Outcome::Answered { raw, .. } = exchange(self.addr, &get("/ready", &[])).await
                && parse_response(&raw).is_ok_and(|(status, _)| status == 200)
            {
                return;
            }
            if let Some(status) = self.child.try_wait().expect("child status") {
                panic!(
                    "railfair exited ({status}) before ready:\n{}",
                    self.log_text()
                );
            }
            assert!(
                started.elapsed() < STARTUP,
                "not ready within {STARTUP:?}:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends SIGTERM the way an orchestrator does.
    fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM failed: {status}");
    }

    /// Waits for the process to exit, failing the test if it takes longer than `within`; then
    /// reads the rest of its log.
    async fn wait_exit(&mut self, within: Duration) -> (ExitStatus, Instant) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("child status") {
                let exited = Instant::now();
                if let Some(reader) = self.reader.take() {
                    reader.join().expect("log reader ends at end of stderr");
                }
                return (status, exited);
            }
            assert!(
                started.elapsed() < within,
                "still running {within:?} after being asked to stop:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn log_lines(&self) -> Vec<String> {
        self.log.lock().expect("log lock").clone()
    }

    fn log_text(&self) -> String {
        self.log_lines().join("\n")
    }

    /// Every log line as JSON; fails the test on the first line that is not.
    fn log_json(&self) -> Vec<Value> {
        self.log_lines()
            .iter()
            .map(|line| {
                let value: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"));
                assert!(value.is_object(), "log line is not an object: {line}");
                value
            })
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What one client saw.
#[derive(Debug)]
enum Outcome {
    /// Refused, or closed or reset before a single response byte: the server did not take it.
    Refused(String),
    /// Response bytes arrived (`error` is how reading ended, if not cleanly).
    Answered { raw: Vec<u8>, error: Option<String> },
    /// Nothing within `CLIENT_PATIENCE`.
    Hung,
}

/// One request on a fresh connection, read until the server closes it.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Outcome {
    let attempt = async {
        let mut stream = match TcpStream::connect(addr).await {
            Ok(stream) => stream,
            Err(e) => return Outcome::Refused(format!("connect: {e}")),
        };
        // Read even when writing failed: whatever the server sent decides the outcome.
        let written = stream.write_all(request).await;
        let mut raw = Vec::new();
        let read = stream.read_to_end(&mut raw).await;
        let ended = written.and(read.map(drop));
        if raw.is_empty() {
            Outcome::Refused(ended.map_or_else(|e| e.to_string(), |()| "closed".to_owned()))
        } else {
            Outcome::Answered {
                raw,
                error: ended.err().map(|e| e.to_string()),
            }
        }
    };
    tokio::time::timeout(CLIENT_PATIENCE, attempt)
        .await
        .unwrap_or(Outcome::Hung)
}

fn get(path: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    request("GET", path, headers, "")
}

fn post_json(path: &str, headers: &[(&str, &str)], body: &Value) -> Vec<u8> {
    let mut headers = headers.to_vec();
    headers.push(("Content-Type", "application/json"));
    request("POST", path, &headers, &body.to_string())
}

/// An HTTP/1.1 request that asks the server to close the connection after answering, so one
/// connection is one request and "accepted" means exactly one thing.
fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut text =
        format!("{method} {path} HTTP/1.1\r\nHost: railfair.test\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    text.into_bytes()
}

/// A complete HTTP/1.1 response: its status and body (de-chunked), or why it is incomplete.
fn parse_response(raw: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let head_end = find(raw, b"\r\n\r\n").ok_or("no end of the response head")?;
    let head = std::str::from_utf8(&raw[..head_end]).map_err(|e| e.to_string())?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let header = |name: &str| {
        lines.clone().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    let body = &raw[head_end + 4..];
    if let Some(length) = header("content-length") {
        let length: usize = length.parse().map_err(|_| "bad content-length")?;
        if body.len() == length {
            Ok((status, body.to_vec()))
        } else {
            Err(format!("body has {} of {length} bytes", body.len()))
        }
    } else if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        dechunk(body).map(|body| (status, body))
    } else {
        Err("neither content-length nor chunked".to_owned())
    }
}

/// A chunked body, which must end with its last (empty) chunk.
fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n").ok_or("truncated chunk size")?;
        let size = std::str::from_utf8(&rest[..line_end]).map_err(|e| e.to_string())?;
        let size = size.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size, 16).map_err(|_| format!("bad chunk size {size:?}"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        let chunk = rest.get(..size).ok_or("truncated chunk")?;
        body.extend_from_slice(chunk);
        rest = rest.get(size + 2..).ok_or("truncated chunk end")?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A status and JSON body, or a message saying exactly what was wrong with the response.
fn json_response(outcome: &Outcome) -> Result<(u16, Value), String> {
    let Outcome::Answered { raw, error } = outcome else {
        return Err(format!("no response: {outcome:?}"));
    };
    let shown = || format!("{} (read error: {error:?})", String::from_utf8_lossy(raw));
    let (status, body) = parse_response(raw).map_err(|e| format!("{e}: {}", shown()))?;
    let body =
        serde_json::from_slice(&body).map_err(|e| format!("body not JSON ({e}): {}", shown()))?;
    Ok((status, body))
}

/// The log lines whose `message` is `message`, with their positions.
fn lines_with<'a>(log: &'a [Value], message: &str) -> Vec<(usize, &'a Value)> {
    log.iter()
        .enumerate()
        .filter(|(_, line)| line["message"] == message)
        .collect()
}

/// A batch of ten different routes with fares and no cache: enough work per request that many
/// are in flight at any moment.
fn heavy_batch() -> Value {
    let mut day = time::OffsetDateTime::now_utc().date() + time::Duration::days(10);
    // No trains run on Christmas Day (422 no_service): a batch of answers needs a service day.
    if day.month() == time::Month::December && day.day() == 25 {
        day = day.next_day().expect("a day after Christmas");
    }
    let pairs = [
        ("EUS", "MAN"),
        ("KGX", "EDB"),
        ("EUS", "BHM"),
        ("KGX", "LDS"),
        ("PAD", "BRI"),
        ("MAN", "LDS"),
        ("LIV", "MAN"),
        ("BHM", "MAN"),
        ("EUS", "LIV"),
        ("MAN", "EUS"),
    ];
    let routes: Vec<Value> = pairs
        .iter()
        .map(|(origin, destination)| {
            json!({
                "origin": origin,
                "destination": destination,
                "departure_date": day.to_string(),
                "departure_time": "08:15",
                "include_fares": true,
                "use_cache": false,
            })
        })
        .collect();
    json!({ "routes": routes })
}

/// One client request and when it started and ended.
struct Record {
    started: Instant,
    finished: Instant,
    outcome: Outcome,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_drains_accepted_requests_refuses_new_ones_and_exits_zero() {
    let test = async {
        let mut server = Server::start(&[]).await;
        let addr = server.addr;
        let batch = Arc::new(post_json("/api/predict/batch", &[], &heavy_batch()));
        let answered = Arc::new(AtomicUsize::new(0));

        // Each client sends batches back to back until the server stops taking them.
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (batch, answered) = (Arc::clone(&batch), Arc::clone(&answered));
                tokio::spawn(async move {
                    let mut records = Vec::new();
                    loop {
                        let started = Instant::now();
                        let outcome = exchange(addr, &batch).await;
                        let finished = Instant::now();
                        let go_on = matches!(outcome, Outcome::Answered { .. });
                        answered.fetch_add(usize::from(go_on), Ordering::Relaxed);
                        records.push(Record {
                            started,
                            finished,
                            outcome,
                        });
                        if !go_on {
                            return records;
                        }
                    }
                })
            })
            .collect();

        // Signal in full swing: every client has had time to get going.
        let warming = Instant::now();
        while answered.load(Ordering::Relaxed) < 2 * CLIENTS {
            assert!(
                warming.elapsed() < Duration::from_secs(60),
                "the burst never got going: {} answers",
                answered.load(Ordering::Relaxed)
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let before_signal = Instant::now();
        server.sigterm();
        let after_signal = Instant::now();
        let (status, exited) = server
            .wait_exit(Duration::from_secs(GRACE_SECS) + EXIT_MARGIN)
            .await;
        let exit_time = exited - before_signal;

        let mut records = Vec::new();
        for client in clients {
            records.extend(client.await.expect("client task"));
        }

        // Client side: a complete 200 with the whole batch answered, or refused without a byte.
        let (mut before, mut drained, mut after, mut refused) = (0, 0, 0, 0);
        for r in &records {
            match &r.outcome {
                Outcome::Refused(why) => {
                    assert!(
                        r.finished > before_signal,
                        "refused before any signal ({why}): the server dropped work under load"
                    );
                    refused += 1;
                    continue;
                }
                Outcome::Hung => panic!("a client heard nothing for {CLIENT_PATIENCE:?}"),
                Outcome::Answered { .. } => {}
            }
            let (status, body) = json_response(&r.outcome).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(status, 200, "{body}");
            assert_eq!(
                (&body["total_routes"], &body["successful"]),
                (&json!(10), &json!(10)),
                "{body}"
            );
            if r.finished < before_signal {
                before += 1;
            } else if r.started < before_signal && r.finished > after_signal {
                drained += 1;
            } else {
                after += 1;
            }
        }
        let answered = before + drained + after;
        eprintln!(
            "{answered} answered ({before} before SIGTERM, {drained} in flight at SIGTERM and \
             finished after it, {after} around the signal), {refused} refused; exit {exit_time:?} \
             after SIGTERM"
        );
        assert!(
            drained > 0,
            "no request was in flight at SIGTERM: the test proves nothing"
        );
        assert!(
            TcpStream::connect(addr).await.is_err(),
            "nothing listens after exit"
        );
        assert!(status.success(), "exit status {status}");

        // Server side: it logged exactly the responses the clients received (none lost on the
        // way out), kept answering after the signal, and flushed before saying it stopped.
        let log = server.log_json();
        let batch_lines: Vec<(usize, &Value)> = lines_with(&log, REQUEST_FINISHED)
            .into_iter()
            .filter(|(_, line)| line["span"]["route"] == "/api/predict/batch")
            .collect();
        assert_eq!(
            batch_lines.len(),
            answered,
            "server finished {} batches, clients received {answered}",
            batch_lines.len()
        );
        let requested = lines_with(&log, SHUTDOWN_REQUESTED);
        let flushed = lines_with(&log, FLUSHED);
        let stopped = lines_with(&log, STOPPED);
        assert_eq!(
            (requested.len(), flushed.len(), stopped.len()),
            (1, 1, 1),
            "{}",
            server.log_text()
        );
        let (requested, flushed, stopped) = (requested[0], flushed[0], stopped[0]);
        let finished_after_signal = batch_lines.iter().filter(|(i, _)| *i > requested.0).count();
        assert!(
            finished_after_signal > 0,
            "no batch finished after the server saw the signal"
        );
        assert!(
            batch_lines.iter().all(|(i, _)| *i < flushed.0),
            "every request finished before the final flush"
        );
        assert!(
            flushed.1["routes"].as_u64().is_some_and(|n| n > 0),
            "the requests' counts are flushed at shutdown: {}",
            flushed.1
        );
        assert!(flushed.0 < stopped.0, "'stopped' comes after the flush");
        assert!(
            lines_with(&log, GRACE_OVER).is_empty(),
            "a burst of short requests drains within the grace period"
        );
    };
    tokio::time::timeout(Duration::from_secs(180), test)
        .await
        .expect("the test finishes within 3 minutes");
}

#[tokio::test]
async fn a_request_still_arriving_at_sigterm_holds_shutdown_only_until_the_grace_deadline() {
    let test = async {
        let grace = Duration::from_secs(1);
        // A request timeout far beyond the grace period: only the deadline can end the wait.
        let mut server = Server::start(&[
            ("SHUTDOWN_GRACE_SECS", "1"),
            ("REQUEST_TIMEOUT_MS", "60000"),
        ])
        .await;
        let mut stalled = TcpStream::connect(server.addr).await.expect("connects");
        let head = "POST /api/predict/batch HTTP/1.1\r\nHost: railfair.test\r\n\
                    Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"routes\":";
        stalled.write_all(head.as_bytes()).await.expect("writes");
        // Give the server a moment to accept the connection and start reading the body; there is
        // nothing to observe from outside until it answers.
        tokio::time::sleep(Duration::from_millis(300)).await;

        let signalled = Instant::now();
        server.sigterm();
        let (status, exited) = server.wait_exit(grace + EXIT_MARGIN).await;
        let exit_time = exited - signalled;
        eprintln!("exit {exit_time:?} after SIGTERM with a stalled request");
        assert!(status.success(), "exit status {status}");
        assert!(
            exit_time >= grace,
            "exited after {exit_time:?}, before the grace period: the stalled request was not waited for"
        );
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(Duration::from_secs(5), stalled.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "the stalled connection is closed at exit");

        let log = server.log_json();
        let over = lines_with(&log, GRACE_OVER);
        let stopped = lines_with(&log, STOPPED);
        assert_eq!((over.len(), stopped.len()), (1, 1), "{}", server.log_text());
        assert!(
            over[0].0 < stopped[0].0,
            "the deadline fired, then it stopped"
        );
    };
    tokio::time::timeout(Duration::from_secs(120), test)
        .await
        .expect("the test finishes within 2 minutes");
}

#[tokio::test]
async fn json_request_logs_carry_route_template_request_id_status_and_latency_but_no_token() {
    let test = async {
        let (token, wrong) = ("s3cret-admin-token", "wr0ng-token-value");
        // Debug, not info: a secret must stay out of the log at any level an operator may turn on.
        let mut server =
            Server::start(&[("RAILFAIR_ADMIN_TOKEN", token), ("RUST_LOG", "debug")]).await;
        let addr = server.addr;
        let invalidate = |token: &str| {
            post_json(
                "/api/cache/invalidate",
                &[("Authorization", &format!("Bearer {token}"))],
                &json!({"cache_type": "all"}),
            )
        };
        let (status, body) = json_response(&exchange(addr, &invalidate(token)).await).unwrap();
        assert_eq!(
            (status, &body["status"]),
            (200, &json!("success")),
            "{body}"
        );
        let (status, body) = json_response(&exchange(addr, &invalidate(wrong)).await).unwrap();
        assert_eq!(
            (status, &body["error"]["code"]),
            (401, &json!("unauthorized")),
            "{body}"
        );
        for (crs, id) in [("MAN", "test-req-123"), ("EUS", "test-req-456")] {
            let path = format!("/api/stations/{crs}");
            let outcome = exchange(addr, &get(&path, &[("X-Request-Id", id)])).await;
            let (status, body) = json_response(&outcome).unwrap();
            assert_eq!((status, &body["crs"]), (200, &json!(crs)), "{body}");
        }
        server.sigterm();
        let (status, _) = server
            .wait_exit(Duration::from_secs(GRACE_SECS) + EXIT_MARGIN)
            .await;
        assert!(status.success(), "exit status {status}");

        let text = server.log_text();
        let log = server.log_json();
        assert!(
            !text.contains(token),
            "the admin token is in the log:\n{text}"
        );
        assert!(
            !text.contains(wrong),
            "a presented token is in the log:\n{text}"
        );
        assert!(
            !text.contains("/api/stations/MAN"),
            "a raw path is in the log:\n{text}"
        );

        let finished = lines_with(&log, REQUEST_FINISHED);
        let ours: Vec<&Value> = finished
            .iter()
            .map(|(_, line)| *line)
            .filter(|line| line["span"]["request_id"] == "test-req-123")
            .collect();
        assert_eq!(ours.len(), 1, "one completion line per request:\n{text}");
        let line = ours[0];
        assert_eq!(line["level"], "INFO", "{line}");
        assert_eq!(line["status"], 200, "{line}");
        assert!(
            line["latency_ms"]
                .as_f64()
                .is_some_and(|ms| ms > 0.0 && ms < 60_000.0),
            "latency in milliseconds, as a number: {line}"
        );
        assert_eq!(line["span"]["route"], "/api/stations/{crs}", "{line}");
        assert_eq!(line["span"]["method"], "GET", "{line}");

        // The status is the one the client got, not a constant.
        let admin: Vec<&Value> = finished
            .iter()
            .map(|(_, line)| *line)
            .filter(|line| line["span"]["route"] == "/api/cache/invalidate")
            .collect();
        let statuses: Vec<&Value> = admin.iter().map(|line| &line["status"]).collect();
        assert_eq!(statuses, [&json!(200), &json!(401)], "{text}");
    };
    tokio::time::timeout(Duration::from_secs(120), test)
        .await
        .expect("the test finishes within 2 minutes");
}
