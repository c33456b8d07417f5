//! A private `redis-server` on a free loopback port, killed on drop, with the faults the tests
//! inject through the real dependency: death (`kill`, then `restart` on the same port) and a
//! stall (`DEBUG SLEEP`). Never the system Redis on 6379: each test owns its server.

use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a fresh server may take to accept connections on a busy machine.
const STARTUP: Duration = Duration::from_secs(5);

/// A running `redis-server` that only this test talks to; killed when dropped.
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free loopback port (no persistence, `DEBUG` allowed from loopback)
    /// and waits until it accepts connections. Panics, saying how to install it, when
    /// `redis-server` is not on `PATH`.
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("a free loopback port")
            .local_addr()
            .expect("its address")
            .port();
        let mut server = Self { port, child: None };
        server.restart();
        server
    }

    /// Starts the server again on its port (after [`kill`](Self::kill)): empty, as after a crash
    /// of a cache that persists nothing.
    pub fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--enable-debug-command", "local"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| match e.kind() {
                ErrorKind::NotFound => panic!(
                    "redis-server is not installed (not on PATH), and this test needs it: run the \
                     tests with scripts/test.sh, which installs it, or `apt-get install redis-server`"
                ),
                _ => panic!("redis-server could not be started: {e}"),
            });
        self.child = Some(child);
        let deadline = Instant::now() + STARTUP;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not accept connections on port {} within {STARTUP:?}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server (SIGKILL: no goodbye to its clients) and waits until it is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Already exited is as good as killed; `wait` reaps it either way.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The URL the service is configured with (`REDIS_URL`).
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A connection of the test's own, beside the service's.
    pub async fn conn(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .expect("a valid Redis URL")
            .get_multiplexed_async_connection()
            .await
            .expect("redis-server answers")
    }

    /// Every key, sorted, by `SCAN` (never `KEYS`: the tests count `KEYS` calls).
    pub async fn keys(&self) -> Vec<String> {
        let mut conn = self.conn().await;
        let mut keys: Vec<String> = Vec::new();
        let mut cursor = 0u64;
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .query_async(&mut conn)
                .await
                .expect("SCAN");
            keys.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        keys.sort();
        keys
    }

    /// How many keys are stored now.
    pub async fn dbsize(&self) -> u64 {
        redis::cmd("DBSIZE")
            .query_async(&mut self.conn().await)
            .await
            .expect("DBSIZE")
    }

    /// Blocks the whole server for `seconds` (`DEBUG SLEEP`): connections stay open and every
    /// command waits. Returns once the command is on its way, with when the stall will be over.
    pub async fn stall(&self, seconds: f64) -> Instant {
        let mut conn = self.conn().await;
        // A round trip first, so the connection is ready and the sleep starts at once.
        let _: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .expect("PING");
        let sent = Instant::now();
        // The client gives up on the reply long before the server wakes up (redis-rs' own
        // response timeout); the server sleeps all the same.
        tokio::spawn(async move {
            let _: redis::RedisResult<()> = redis::cmd("DEBUG")
                .arg("SLEEP")
                .arg(seconds)
                .query_async(&mut conn)
                .await;
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        sent + Duration::from_secs_f64(seconds)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
