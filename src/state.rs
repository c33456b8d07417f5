//! The application state every handler and use case receives: cheap, cloneable handles only.
//! It sits below `service` and `http`, so the in-process objects it holds beside the pools and
//! the cache (the in-flight bound, the rate limiter, the popularity counter, the planner's service days) live here too.

pub mod in_flight;
pub mod popularity;
pub mod rate_limiter;
pub mod service_days;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::cache::{Cache, Kind, key};
use crate::config::Config;
use crate::error::Result;
use crate::model::BasisSource;
use crate::state::in_flight::InFlight;
use crate::state::popularity::PopularityCounter;
use crate::state::rate_limiter::ClientLimiter;
use crate::state::service_days::ServiceDays;
use crate::store::Db;
use crate::telemetry::metrics::Metrics;

/// Handles shared by all requests.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Configuration read at startup.
    pub config: Arc<Config>,
    /// Database pools.
    pub db: Db,
    /// Lifecycle flags for `/ready`.
    pub lifecycle: Arc<Lifecycle>,
    /// Prediction requests per route, flushed to the database in batches.
    pub popularity: Arc<PopularityCounter>,
    /// The cache tiers.
    pub cache: Cache,
    /// Requests being processed, bounded by `MAX_IN_FLIGHT` (load shedding).
    pub in_flight: InFlight,
    /// The per-client rate limiter; `None` when rate limiting is off.
    pub rate_limiter: Option<Arc<ClientLimiter>>,
    /// The Prometheus handle and this app's per-route request figures.
    pub metrics: Metrics,
    /// The journey planner's service days, built once per date and kept in process.
    pub service_days: ServiceDays,
}

/// Whether the service is ready for traffic, and since when it runs.
#[derive(Debug)]
pub struct Lifecycle {
    started: Instant,
    ready: AtomicBool,
    shutting_down: AtomicBool,
}

impl Lifecycle {
    /// A lifecycle starting now, not yet ready.
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            ready: AtomicBool::new(false),
            shutting_down: AtomicBool::new(false),
        }
    }

    /// Marks reference data as loaded.
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    /// Marks the start of shutdown: `/ready` answers 503 from now on.
    pub fn set_shutting_down(&self) {
        self.shutting_down.store(true, Ordering::Release);
    }

    /// Ready and not shutting down.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire) && !self.shutting_down.load(Ordering::Acquire)
    }

    /// Whether shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    /// Seconds since the process started serving.
    pub fn uptime_seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self::new()
    }
}

impl AppState {
    /// State over an opened database; fails only on a cache configuration it cannot use.
    pub fn new(config: Config, db: Db) -> Result<Self> {
        // Before the cache: it registers its metric handles as it is built, and handles taken
        // before the recorder exists record nothing.
        let basis_sources: Vec<&'static str> =
            BasisSource::ALL.iter().map(|s| s.as_str()).collect();
        let metrics = Metrics::install(&basis_sources);
        let cache = Cache::new(&config.cache)?;
        let in_flight = InFlight::new(config.http.max_in_flight);
        let rate_limiter = ClientLimiter::from_config(&config.http);
        Ok(Self {
            in_flight,
            rate_limiter,
            config: Arc::new(config),
            db,
            lifecycle: Arc::new(Lifecycle::new()),
            popularity: Arc::new(PopularityCounter::default()),
            cache,
            metrics,
            service_days: ServiceDays::default(),
        })
    }

    /// Acts on an invalidation announced on the Redis channel (by another instance, an admin
    /// call, or a CLI import beside this server): drops this instance's in-process entries
    /// under `prefix`, after forgetting the store's memo of reference rows, so the answers
    /// computed next read the database as it is now rather than a row memoized before another
    /// process wrote it (the memo would otherwise keep it up to `MEMO_TTL` and the fresh answer
    /// would be cached stale for a whole TTL). A prefix covering journeys also drops the built
    /// service days, as an admin invalidation of journeys does here.
    pub fn apply_announced_invalidation(&self, prefix: &str) -> u64 {
        self.db.memo.changed();
        if key::kind_prefix(Kind::Journey).starts_with(prefix) {
            self.service_days.clear();
        }
        self.cache.invalidate_local(prefix)
    }
}
