//! The shared L2 tier on Redis. Every call is bounded by `REDIS_TIMEOUT_MS` (connecting
//! included) and goes through the circuit breaker; any failure is reported to the caller as "no
//! value", never as an error a request would see. Connecting never blocks startup. Every command
//! sent is timed in `redis_command_duration_seconds{command}`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
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

/// The Redis tier: one reconnecting multiplexed connection, and the breaker.
#[derive(Clone)]
pub struct RedisTier {
    // redis-rs's `ConnectionManager`: one multiplexed connection (any number of concurrent
    // commands, pipelined) that reconnects by itself when the connection reports a failure.
    // `None` once closed at shutdown.
    connection: Arc<Mutex<Option<ConnectionManager>>>,
    client: redis::Client,
    manager_config: ConnectionManagerConfig,
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
    /// Prepares the connection without connecting: it is made by the first command, within that
    /// command's timeout, so a Redis that is down cannot delay startup. Needs a Tokio runtime.
    pub fn new(url: &str, timeout: Duration, breaker: Arc<CircuitBreaker>) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("REDIS_URL: {e}"))?;
        // The defaults (six retries with backoff, 1 s to connect, 500 ms per response) take about
        // 9.5 s to give up on a Redis that is down. Here each call is bounded by `timeout` and
        // the breaker decides when to try again, so the manager makes one attempt per reconnect,
        // with the time a fresh connection needs, and leaves response timeouts to `run`.
        let manager_config = ConnectionManagerConfig::new()
            .set_number_of_retries(0)
            .set_connection_timeout(Some(timeout.max(MIN_CONNECT_TIMEOUT)))
            .set_response_timeout(None);
        let manager =
            ConnectionManager::new_lazy_with_config(client.clone(), manager_config.clone())
                .map_err(|e| format!("REDIS_URL: {e}"))?;
        let durations = Command::ALL.map(|command| {
            metrics::histogram!("redis_command_duration_seconds", "command" => command.name())
        });
        Ok(Self {
            connection: Arc::new(Mutex::new(Some(manager))),
            client,
            manager_config,
            breaker,
            timeout,
            durations: Arc::new(durations),
        })
    }

    /// Closes the connection at shutdown: nothing more is sent (a late request then treats
    /// Redis as a miss), and the socket closes once commands still in flight are answered.
    pub fn close(&self) {
        *self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The breaker guarding this tier.
    pub fn breaker(&self) -> &CircuitBreaker {
        &self.breaker
    }

    async fn run<T, F, Fut>(&self, command: Command, op: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let conn = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()?;
        let started = Instant::now();
        let outcome = self
            .breaker
            .call(self.timeout, async {
                op(conn).await.map_err(|e| e.to_string())
            })
            .await;
        if matches!(outcome, Err(BreakerError::Failed(_))) {
            self.replace_connection();
        }
        // A refused call never reached Redis: timing it would drag the histogram towards zero
        // exactly while Redis is in trouble.
        if !matches!(outcome, Err(BreakerError::Open)) {
            self.durations[command as usize].record(started.elapsed().as_secs_f64());
        }
        // Open: Redis is skipped entirely; timeouts and errors were counted by the breaker.
        outcome.ok()
    }

    /// Starts over with a new (lazily connected) manager after a command failed.
    /// `ConnectionManager` reconnects by itself when the connection drops, but a reconnect that
    /// failed (Redis still down) also fails the next command, so the breaker's probe after an
    /// outage would never succeed. A timeout keeps the manager: a stalled Redis answers on the
    /// same connection once it recovers, and a connection still being made carries on (measured:
    /// replacing it on timeouts too kept the breaker open after a stall under load, each fresh
    /// connection missing the 50 ms bound). The cost: a socket that silently stopped answering
    /// (no reset) is kept until the operating system reports it dead.
    fn replace_connection(&self) {
        let mut slot = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            return;
        }
        // Only fails for configurations this tier never builds (resubscription without a push
        // channel); the current manager is then kept.
        if let Ok(fresh) = ConnectionManager::new_lazy_with_config(
            self.client.clone(),
            self.manager_config.clone(),
        ) {
            *slot = Some(fresh);
        }
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

/// The least time a connection attempt is given (TCP and the handshake), however short
/// `REDIS_TIMEOUT_MS` is: a reconnect after a dropped connection runs in the background, beyond
/// the command that noticed the drop, so the next command can find the connection made.
const MIN_CONNECT_TIMEOUT: Duration = Duration::from_millis(200);

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
