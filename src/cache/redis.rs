//! The shared L2 tier on Redis. Every call is bounded by `REDIS_TIMEOUT_MS` (pool wait included)
//! and goes through the circuit breaker; any failure is reported to the caller as "no value",
//! never as an error a request would see. Connecting never blocks startup. Every command sent
//! is timed in `redis_command_duration_seconds{command}`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use deadpool_redis::{Config as PoolConfig, Pool, PoolConfig as PoolSize, Runtime, Timeouts};
use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::cache::breaker::{BreakerError, CircuitBreaker};

/// Redis pub/sub channel on which instances announce invalidations (payload: a key prefix).
pub const INVALIDATION_CHANNEL: &str = "railfair:v1:invalidate";

/// The commands this tier sends, as the `command` label names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Ping,
    Get,
    Set,
    Scan,
    Unlink,
    Publish,
}

impl Command {
    const ALL: [Command; 6] = [
        Self::Ping,
        Self::Get,
        Self::Set,
        Self::Scan,
        Self::Unlink,
        Self::Publish,
    ];

    const fn name(self) -> &'static str {
        match self {
            Self::Ping => "PING",
            Self::Get => "GET",
            Self::Set => "SET",
            Self::Scan => "SCAN",
            Self::Unlink => "UNLINK",
            Self::Publish => "PUBLISH",
        }
    }
}

/// The Redis tier: a bounded pool, the connection in use, and the breaker.
#[derive(Clone)]
pub struct RedisTier {
    pool: Pool,
    // The pool's connections are multiplexed: one carries any number of concurrent commands,
    // pipelined. Checking one out per command cost a second round trip every time (deadpool-redis
    // recycles with `UNWATCH` + `PING`), so a healthy connection is kept here and shared; after
    // any failure it is dropped and the next command checks out (and so health-checks) another.
    shared: Arc<Mutex<Option<MultiplexedConnection>>>,
    client: redis::Client,
    breaker: Arc<CircuitBreaker>,
    timeout: Duration,
    // One registered histogram per command (indexed by `Command as usize`), so timing a call
    // builds no label set.
    durations: Arc<[metrics::Histogram; Command::ALL.len()]>,
}

impl std::fmt::Debug for RedisTier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTier")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisTier {
    /// Builds the pool without connecting (connections are made on first use, within the
    /// timeout), so a Redis that is down cannot delay startup.
    pub fn new(
        url: &str,
        pool_size: usize,
        timeout: Duration,
        breaker: Arc<CircuitBreaker>,
    ) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("REDIS_URL: {e}"))?;
        let mut config = PoolConfig::from_url(url);
        let mut size = PoolSize::new(pool_size);
        // deadpool waits forever by default: bound waiting, creating and recycling.
        size.timeouts = Timeouts {
            wait: Some(timeout),
            create: Some(timeout.max(Duration::from_millis(200))),
            recycle: Some(timeout),
        };
        config.pool = Some(size);
        let pool = config
            .create_pool(Some(Runtime::Tokio1))
            .map_err(|e| format!("REDIS_URL: {e}"))?;
        let durations = Command::ALL.map(|command| {
            metrics::histogram!("redis_command_duration_seconds", "command" => command.name())
        });
        Ok(Self {
            pool,
            shared: Arc::default(),
            client,
            breaker,
            timeout,
            durations: Arc::new(durations),
        })
    }

    /// Closes the pool at shutdown: idle connections are dropped now, and nothing new is
    /// handed out (a late request then treats Redis as a miss).
    pub fn close(&self) {
        self.pool.close();
    }

    /// The breaker guarding this tier.
    pub fn breaker(&self) -> &CircuitBreaker {
        &self.breaker
    }

    async fn run<T, F, Fut>(&self, command: Command, op: F) -> Option<T>
    where
        F: FnOnce(MultiplexedConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let started = Instant::now();
        let outcome = self
            .breaker
            .call(self.timeout, async {
                let conn = self.connection().await?;
                let result = op(conn).await.map_err(|e| e.to_string());
                if result.is_err() {
                    self.forget_connection();
                }
                result
            })
            .await;
        if matches!(outcome, Err(BreakerError::Timeout)) {
            // The command may be stuck on a dead socket: do not send the next one down it.
            self.forget_connection();
        }
        // A refused call never reached Redis: timing it would drag the histogram towards zero
        // exactly while Redis is in trouble.
        if !matches!(outcome, Err(BreakerError::Open)) {
            self.durations[command as usize].record(started.elapsed().as_secs_f64());
        }
        // Open: Redis is skipped entirely; timeouts and errors were counted by the breaker.
        outcome.ok()
    }

    /// The shared connection, checking one out of the pool when there is none.
    async fn connection(&self) -> Result<MultiplexedConnection, String> {
        let shared = self
            .shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(conn) = shared {
            return Ok(conn);
        }
        let pooled = self.pool.get().await.map_err(|e| e.to_string())?;
        let conn = MultiplexedConnection::clone(&pooled);
        *self.shared.lock().unwrap_or_else(PoisonError::into_inner) = Some(conn.clone());
        Ok(conn)
    }

    fn forget_connection(&self) {
        *self.shared.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Whether Redis answers `PING` within the timeout (through the breaker: while it is open,
    /// Redis is reported down without being asked).
    pub async fn ping(&self) -> bool {
        self.run(Command::Ping, |mut c| async move {
            redis::cmd("PING").query_async::<String>(&mut c).await
        })
        .await
        .is_some()
    }

    /// The value stored at `key`, or `None` (missing, or Redis unavailable).
    pub async fn get(&self, key: &str) -> Option<String> {
        let key = key.to_owned();
        self.run(Command::Get, |mut c| async move {
            c.get::<_, Option<String>>(key).await
        })
        .await
        .flatten()
    }

    /// Stores `value` at `key` for `ttl`; returns whether Redis took it.
    pub async fn set(&self, key: &str, value: &str, ttl: Duration) -> bool {
        let (key, value) = (key.to_owned(), value.to_owned());
        let secs = ttl.as_secs().max(1);
        self.run(Command::Set, |mut c| async move {
            c.set_ex::<_, _, ()>(key, value, secs).await
        })
        .await
        .is_some()
    }

    /// Removes every key starting with `prefix` with `SCAN … MATCH` + `UNLINK` (never `KEYS`,
    /// which blocks Redis); returns how many were removed, or `None` when Redis is unavailable.
    pub async fn unlink_prefix(&self, prefix: &str) -> Option<u64> {
        let pattern = format!("{}*", escape_glob(prefix));
        let mut removed = 0u64;
        let mut cursor: u64 = 0;
        loop {
            let pattern = pattern.clone();
            let (next, keys): (u64, Vec<String>) = self
                .run(Command::Scan, move |mut c| async move {
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(pattern)
                        .arg("COUNT")
                        .arg(500)
                        .query_async(&mut c)
                        .await
                })
                .await?;
            if !keys.is_empty() {
                let n: u64 = self
                    .run(Command::Unlink, move |mut c| async move {
                        redis::cmd("UNLINK").arg(keys).query_async(&mut c).await
                    })
                    .await?;
                removed += n;
            }
            if next == 0 {
                return Some(removed);
            }
            cursor = next;
        }
    }

    /// Tells every instance to drop its in-process entries starting with `prefix`.
    pub async fn publish_invalidation(&self, prefix: &str) -> bool {
        let prefix = prefix.to_owned();
        self.run(Command::Publish, |mut c| async move {
            c.publish::<_, _, i64>(INVALIDATION_CHANNEL, prefix).await
        })
        .await
        .is_some()
    }

    /// Listens for invalidations until `stop`, reconnecting with backoff; calls `on_prefix` for
    /// each announced prefix. Runs in the background: never blocks startup.
    pub async fn subscribe(
        &self,
        stop: CancellationToken,
        on_prefix: impl Fn(&str) + Send + 'static,
    ) {
        let mut backoff = Duration::from_millis(200);
        loop {
            let connected = tokio::select! {
                () = stop.cancelled() => return,
                c = tokio::time::timeout(Duration::from_secs(2), self.client.get_async_pubsub()) => c,
            };
            if let Ok(Ok(mut pubsub)) = connected
                && pubsub.subscribe(INVALIDATION_CHANNEL).await.is_ok()
            {
                info!(
                    cache.channel = INVALIDATION_CHANNEL,
                    "listening for cache invalidations"
                );
                backoff = Duration::from_millis(200);
                let mut messages = pubsub.on_message();
                loop {
                    let next = tokio::select! {
                        () = stop.cancelled() => return,
                        m = messages.next() => m,
                    };
                    let Some(msg) = next else { break };
                    if let Ok(prefix) = msg.get_payload::<String>() {
                        on_prefix(&prefix);
                    }
                }
                warn!(
                    cache.channel = INVALIDATION_CHANNEL,
                    "invalidation subscription lost; reconnecting"
                );
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(30));
        }
    }
}

/// Escapes Redis glob characters so a key prefix matches literally.
fn escape_glob(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len());
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_characters_in_prefixes_are_escaped() {
        assert_eq!(
            escape_glob("railfair:v1:prediction:EUS:"),
            "railfair:v1:prediction:EUS:"
        );
        assert_eq!(escape_glob("a*b?[c]"), "a\\*b\\?\\[c\\]");
    }
}
