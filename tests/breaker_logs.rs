//! The circuit breaker logs one warning per state change and none per request. In a binary of
//! its own: tracing caches per-callsite interest process-wide, so with tests on other threads a
//! thread-local subscriber can miss the first event (seen as a flaky failure in the unit tests).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use railfair::cache::breaker::CircuitBreaker;
use tokio::time::advance;

const COOL_DOWN: Duration = Duration::from_secs(30);

/// Records the `state` field of every WARN event that names a breaker.
struct WarnRecorder(Arc<Mutex<Vec<String>>>);

struct StateField<'a> {
    breaker: Option<String>,
    state: &'a mut Option<String>,
}

impl tracing::field::Visit for StateField<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "cache.breaker" => self.breaker = Some(value.to_owned()),
            "state" => *self.state = Some(value.to_owned()),
            _ => {}
        }
    }
    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn fmt::Debug) {}
}

impl tracing::Subscriber for WarnRecorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if *event.metadata().level() != tracing::Level::WARN {
            return;
        }
        let mut state = None;
        let mut visitor = StateField {
            breaker: None,
            state: &mut state,
        };
        event.record(&mut visitor);
        if visitor.breaker.as_deref() == Some("test") {
            self.0
                .lock()
                .expect("recorder lock")
                .push(state.unwrap_or_default());
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test(start_paused = true)]
async fn each_state_change_logs_exactly_one_warning_and_requests_log_none() {
    let warns = Arc::new(Mutex::new(Vec::new()));
    // The only test of this binary, so a global subscriber sees every event from the start.
    tracing::subscriber::set_global_default(WarnRecorder(Arc::clone(&warns)))
        .expect("first subscriber");
    let b = CircuitBreaker::new("test", 3, COOL_DOWN);

    for _ in 0..3 {
        b.try_acquire().expect("closed allows calls").failure();
    }
    for _ in 0..10 {
        assert!(b.try_acquire().is_none());
    }
    advance(COOL_DOWN).await;
    let probe = b.try_acquire().expect("probe allowed");
    assert!(b.try_acquire().is_none());
    probe.success();
    for _ in 0..10 {
        b.try_acquire().expect("closed allows calls").success();
    }

    let warns = warns.lock().expect("recorder lock").clone();
    assert_eq!(warns, ["open", "half_open", "closed"]);
}
