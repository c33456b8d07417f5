//! Circuit breaker around Redis: counts consecutive failures and timeouts, stops calling Redis for a
//! cool-down once they reach a threshold, then lets a single probe decide whether to resume.
//! It never blocks (a refusal is immediate) and never fails a request: callers treat a refusal as a
//! cache miss.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Where a breaker stands: calling Redis, skipping it, or testing it with one probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through; consecutive failures are being counted.
    Closed,
    /// Calls are refused at once until the cool-down has passed.
    Open,
    /// One probe call is in flight; every other caller is refused until it resolves.
    HalfOpen,
}

impl BreakerState {
    /// Stable name for logs and JSON: `"closed"`, `"open"` or `"half_open"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }

    /// Value for the `cache_breaker_state` gauge: 0 closed, 1 open, 2 half-open.
    pub const fn as_gauge(self) -> f64 {
        match self {
            Self::Closed => 0.0,
            Self::Open => 1.0,
            Self::HalfOpen => 2.0,
        }
    }
}

impl fmt::Display for BreakerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why [`CircuitBreaker::call`] did not return the operation's value.
#[derive(Debug)]
pub enum BreakerError<E> {
    /// The breaker refused the call (open, or a half-open probe already in flight); `op` never ran.
    Open,
    /// The operation did not finish within the timeout; counted as a failure.
    Timeout,
    /// The operation returned this error; counted as a failure.
    Failed(E),
}

impl<E> fmt::Display for BreakerError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The cause is exposed through `source()`, so it is not repeated here.
        f.write_str(match self {
            Self::Open => "circuit breaker is open",
            Self::Timeout => "call timed out",
            Self::Failed(_) => "call failed",
        })
    }
}

impl<E: std::error::Error + 'static> std::error::Error for BreakerError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Failed(e) => Some(e),
            Self::Open | Self::Timeout => None,
        }
    }
}

#[derive(Debug)]
enum Phase {
    Closed,
    Open { until: Instant },
    // Entered only when the probe permit is handed out, so half-open always means "probe in flight".
    HalfOpen,
}

#[derive(Debug)]
struct Inner {
    phase: Phase,
    consecutive_failures: u32,
    // Bumped on every state change, so a permit granted in an earlier state (a slow call from before
    // the breaker opened) cannot close or re-open the breaker when it finally resolves.
    generation: u64,
}

/// A circuit breaker shared by every caller of one dependency; cheap to share via `Arc`.
///
/// The state sits behind a `std` mutex held only for a few instructions and never across `.await`.
#[derive(Debug)]
pub struct CircuitBreaker {
    name: &'static str,
    failure_threshold: u32,
    cool_down: Duration,
    inner: Mutex<Inner>,
    total_failures: AtomicU64,
}

/// A state change to announce once, after the lock has been released.
#[derive(Debug, Clone, Copy)]
enum Transition {
    Opened { consecutive_failures: u32 },
    HalfOpened,
    Closed,
}

impl CircuitBreaker {
    /// Creates a closed breaker that opens after `failure_threshold` consecutive failures (0 is
    /// treated as 1) and stays open for `cool_down` before probing.
    pub fn new(name: &'static str, failure_threshold: u32, cool_down: Duration) -> Self {
        Self {
            name,
            failure_threshold: failure_threshold.max(1),
            cool_down,
            inner: Mutex::new(Inner {
                phase: Phase::Closed,
                consecutive_failures: 0,
                generation: 0,
            }),
            total_failures: AtomicU64::new(0),
        }
    }

    /// Asks to make a call: `Some(Permit)` when allowed (closed, or the single half-open probe),
    /// `None` when refused; never waits.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let (permit, transition) = {
            let mut inner = self.lock();
            match inner.phase {
                Phase::Closed => (Some(inner.generation), None),
                Phase::Open { until } if Instant::now() >= until => {
                    inner.phase = Phase::HalfOpen;
                    inner.generation += 1;
                    (Some(inner.generation), Some(Transition::HalfOpened))
                }
                // Refused rather than queued: waiting on a struggling Redis is what the breaker avoids.
                Phase::Open { .. } | Phase::HalfOpen => (None, None),
            }
        };
        if let Some(t) = transition {
            self.announce(t);
        }
        permit.map(|generation| Permit {
            breaker: self,
            generation,
            resolved: false,
        })
    }

    /// The current state; an open breaker whose cool-down has passed reads `Open` until the next
    /// [`try_acquire`](Self::try_acquire) turns it half-open.
    pub fn state(&self) -> BreakerState {
        match self.lock().phase {
            Phase::Closed => BreakerState::Closed,
            Phase::Open { .. } => BreakerState::Open,
            Phase::HalfOpen => BreakerState::HalfOpen,
        }
    }

    /// Failures since the last success (or since the breaker last closed).
    pub fn consecutive_failures(&self) -> u32 {
        self.lock().consecutive_failures
    }

    /// Every failure ever reported, timeouts included, refusals excluded (for `/api/statistics`).
    pub fn total_failures(&self) -> u64 {
        self.total_failures.load(Ordering::Relaxed)
    }

    /// Runs `op` under the breaker with a hard `timeout`.
    ///
    /// Refused → `Err(BreakerError::Open)` at once, without polling `op` (pass a lazy future, such as
    /// an `async fn` call, so nothing is sent to Redis). A timeout or an `Err` from `op` counts as a
    /// failure. If the returned future is dropped mid-call, the permit's drop counts a failure.
    pub async fn call<T, E, F>(&self, timeout: Duration, op: F) -> Result<T, BreakerError<E>>
    where
        F: Future<Output = Result<T, E>>,
    {
        let Some(permit) = self.try_acquire() else {
            return Err(BreakerError::Open);
        };
        match tokio::time::timeout(timeout, op).await {
            Ok(Ok(value)) => {
                permit.success();
                Ok(value)
            }
            Ok(Err(e)) => {
                permit.failure();
                Err(BreakerError::Failed(e))
            }
            Err(_elapsed) => {
                permit.failure();
                Err(BreakerError::Timeout)
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing panics while the lock is held, and every update leaves `Inner` consistent, so a
        // poisoned lock still holds usable state.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn resolve(&self, generation: u64, ok: bool) {
        if !ok {
            // Counted even when stale: it was still a real Redis error.
            self.total_failures.fetch_add(1, Ordering::Relaxed);
        }
        let transition = {
            let mut inner = self.lock();
            if inner.generation != generation {
                return;
            }
            match (&inner.phase, ok) {
                (Phase::Closed, true) => {
                    inner.consecutive_failures = 0;
                    None
                }
                (Phase::Closed, false) => {
                    inner.consecutive_failures = inner.consecutive_failures.saturating_add(1);
                    (inner.consecutive_failures >= self.failure_threshold)
                        .then(|| self.open(&mut inner))
                }
                (Phase::HalfOpen, true) => {
                    inner.phase = Phase::Closed;
                    inner.consecutive_failures = 0;
                    inner.generation += 1;
                    Some(Transition::Closed)
                }
                (Phase::HalfOpen, false) => {
                    inner.consecutive_failures = inner.consecutive_failures.saturating_add(1);
                    Some(self.open(&mut inner))
                }
                // No permit is granted while open, and opening bumps the generation, so no current
                // permit can resolve here.
                (Phase::Open { .. }, _) => None,
            }
        };
        if let Some(t) = transition {
            self.announce(t);
        }
    }

    fn open(&self, inner: &mut Inner) -> Transition {
        // The cool-down runs from the failure that opened the breaker, so a failed probe starts a
        // fresh one.
        inner.phase = Phase::Open {
            until: Instant::now() + self.cool_down,
        };
        inner.generation += 1;
        Transition::Opened {
            consecutive_failures: inner.consecutive_failures,
        }
    }

    fn announce(&self, transition: Transition) {
        // One line per state change, never per request: an outage must not flood the logs.
        match transition {
            Transition::Opened {
                consecutive_failures,
            } => tracing::warn!(
                cache.breaker = self.name,
                state = BreakerState::Open.as_str(),
                consecutive_failures,
                cool_down_ms = u64::try_from(self.cool_down.as_millis()).unwrap_or(u64::MAX),
                "circuit breaker opened; Redis calls are skipped until the cool-down ends"
            ),
            Transition::HalfOpened => tracing::warn!(
                cache.breaker = self.name,
                state = BreakerState::HalfOpen.as_str(),
                "circuit breaker half-open; one probe call is let through"
            ),
            Transition::Closed => tracing::warn!(
                cache.breaker = self.name,
                state = BreakerState::Closed.as_str(),
                "circuit breaker closed; Redis calls resume"
            ),
        }
    }
}

/// Permission to make one call; resolve it with [`success`](Self::success) or
/// [`failure`](Self::failure).
///
/// Dropping it unresolved counts as a failure: the usual cause is a request future cancelled while
/// waiting on Redis, which says nothing good about Redis, and a dropped half-open probe must re-open
/// the breaker rather than leave it half-open forever.
#[derive(Debug)]
#[must_use = "dropping a permit unresolved counts as a failure"]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    generation: u64,
    resolved: bool,
}

impl Permit<'_> {
    /// Reports that the call succeeded: resets the failure count, and closes a half-open breaker.
    pub fn success(mut self) {
        self.resolved = true;
        self.breaker.resolve(self.generation, true);
    }

    /// Reports that the call failed: may open a closed breaker, and re-opens a half-open one.
    pub fn failure(mut self) {
        self.resolved = true;
        self.breaker.resolve(self.generation, false);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.resolved {
            self.breaker.resolve(self.generation, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::pending;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use tokio::time::{advance, sleep};

    use super::*;

    const COOL_DOWN: Duration = Duration::from_secs(30);
    const TIMEOUT: Duration = Duration::from_millis(50);

    fn breaker(threshold: u32) -> CircuitBreaker {
        CircuitBreaker::new("test", threshold, COOL_DOWN)
    }

    fn fail(b: &CircuitBreaker, times: u32) {
        for _ in 0..times {
            b.try_acquire()
                .expect("breaker should allow the call")
                .failure();
        }
    }

    #[test]
    fn the_breaker_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CircuitBreaker>();
        assert_send_sync::<Arc<CircuitBreaker>>();
    }

    #[tokio::test(start_paused = true)]
    async fn closed_stays_closed_below_the_threshold_and_a_success_resets_the_count() {
        let b = breaker(3);
        fail(&b, 2);
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.consecutive_failures(), 2);

        b.try_acquire().expect("closed allows calls").success();
        assert_eq!(b.consecutive_failures(), 0);

        fail(&b, 2);
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.consecutive_failures(), 2);
        assert_eq!(b.total_failures(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn opens_after_n_consecutive_failures() {
        let b = breaker(3);
        fail(&b, 3);
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.consecutive_failures(), 3);
        assert_eq!(b.total_failures(), 3);
        assert!(b.try_acquire().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn refuses_immediately_while_open_without_running_the_operation() {
        let b = breaker(1);
        fail(&b, 1);
        let ran = AtomicBool::new(false);

        let before = Instant::now();
        let result = b
            .call(Duration::from_secs(5), async {
                ran.store(true, Ordering::SeqCst);
                sleep(Duration::from_secs(1)).await;
                Ok::<_, ()>(())
            })
            .await;
        assert_eq!(Instant::now(), before);

        assert!(matches!(result, Err(BreakerError::Open)));
        assert!(!ran.load(Ordering::SeqCst));
        // A refusal is not a Redis failure.
        assert_eq!(b.total_failures(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn after_the_cool_down_exactly_one_probe_is_allowed_while_concurrent_ones_are_refused() {
        let b = breaker(1);
        fail(&b, 1);

        advance(COOL_DOWN - Duration::from_millis(1)).await;
        assert!(b.try_acquire().is_none(), "still cooling down");
        advance(Duration::from_millis(1)).await;

        let (probe, other) = tokio::join!(
            b.call(TIMEOUT, async {
                sleep(Duration::from_millis(10)).await;
                Ok::<_, ()>("probe")
            }),
            async {
                // Runs while the probe above is awaiting its sleep.
                assert_eq!(b.state(), BreakerState::HalfOpen);
                let refused = b.try_acquire().is_none();
                let call = b.call(TIMEOUT, async { Ok::<_, ()>("other") }).await;
                (refused, call)
            },
        );

        assert!(matches!(probe, Ok("probe")));
        let (refused, call) = other;
        assert!(refused);
        assert!(matches!(call, Err(BreakerError::Open)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_successful_probe_closes_the_breaker() {
        let b = breaker(2);
        fail(&b, 2);
        advance(COOL_DOWN).await;

        b.try_acquire().expect("probe allowed").success();
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.consecutive_failures(), 0);

        let a = b.try_acquire().expect("closed allows calls");
        let c = b.try_acquire().expect("closed allows concurrent calls");
        a.success();
        c.success();
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_probe_reopens_with_a_fresh_cool_down() {
        let b = breaker(1);
        fail(&b, 1);
        advance(COOL_DOWN).await;

        let probe = b.try_acquire().expect("probe allowed");
        // A slow probe: the new cool-down must run from its failure, not from the first opening.
        advance(Duration::from_secs(10)).await;
        probe.failure();
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.total_failures(), 2);

        advance(COOL_DOWN - Duration::from_millis(1)).await;
        assert!(b.try_acquire().is_none());
        advance(Duration::from_millis(1)).await;
        assert!(b.try_acquire().is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn call_times_out_a_future_that_never_completes_and_counts_it_as_a_failure() {
        let b = breaker(2);
        let start = Instant::now();

        let result = b.call(TIMEOUT, pending::<Result<(), ()>>()).await;

        assert!(matches!(result, Err(BreakerError::Timeout)));
        assert_eq!(start.elapsed(), TIMEOUT);
        assert_eq!(b.consecutive_failures(), 1);
        assert_eq!(b.total_failures(), 1);

        let _ = b.call(TIMEOUT, pending::<Result<(), ()>>()).await;
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[tokio::test(start_paused = true)]
    async fn call_returns_the_value_or_the_operation_error() {
        let b = breaker(5);
        assert!(matches!(
            b.call(TIMEOUT, async { Ok::<_, &str>(7) }).await,
            Ok(7)
        ));
        let failed = b.call(TIMEOUT, async { Err::<(), _>("boom") }).await;
        assert!(matches!(failed, Err(BreakerError::Failed("boom"))));
        assert_eq!(b.consecutive_failures(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_permit_counts_as_a_failure() {
        let b = breaker(2);
        drop(b.try_acquire());
        assert_eq!(b.consecutive_failures(), 1);

        // A request cancelled mid-call drops the permit inside `call`.
        let cancelled = tokio::time::timeout(
            Duration::from_millis(5),
            b.call(TIMEOUT, pending::<Result<(), ()>>()),
        )
        .await;
        assert!(cancelled.is_err());
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.total_failures(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_probe_reopens_the_breaker_instead_of_leaving_it_half_open() {
        let b = breaker(1);
        fail(&b, 1);
        advance(COOL_DOWN).await;
        drop(b.try_acquire().expect("probe allowed"));
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_result_from_before_the_breaker_opened_does_not_change_its_state() {
        let b = breaker(2);
        let slow_ok = b.try_acquire().expect("closed allows calls");
        let slow_err = b.try_acquire().expect("closed allows calls");
        fail(&b, 2);
        assert_eq!(b.state(), BreakerState::Open);

        slow_ok.success();
        assert_eq!(
            b.state(),
            BreakerState::Open,
            "a stale success must not close it"
        );

        advance(COOL_DOWN).await;
        let probe = b.try_acquire().expect("probe allowed");
        slow_err.failure();
        assert_eq!(
            b.state(),
            BreakerState::HalfOpen,
            "a stale failure must not end the probe"
        );
        assert_eq!(b.total_failures(), 3, "but it is still counted");
        probe.success();
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn state_names_and_gauge_values_are_stable() {
        assert_eq!(BreakerState::Closed.as_str(), "closed");
        assert_eq!(BreakerState::Open.as_str(), "open");
        assert_eq!(BreakerState::HalfOpen.as_str(), "half_open");
        assert_eq!(BreakerState::HalfOpen.to_string(), "half_open");
        assert_eq!(BreakerState::Closed.as_gauge(), 0.0);
        assert_eq!(BreakerState::Open.as_gauge(), 1.0);
        assert_eq!(BreakerState::HalfOpen.as_gauge(), 2.0);
    }
}
