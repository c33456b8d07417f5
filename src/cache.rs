//! Tiered cache-aside (design §5): L1 in-process (bounded, TTL) → L2 Redis (breaker, hard
//! timeouts) → the loader. Never fails a request because of the cache: a Redis error is a miss.
//! Concurrent misses on one key run the loader once; when the loader fails and a stale copy is at
//! hand, the stale copy is served (`STALE`). Lookups made inside [`warming`] are counted as
//! warm-up, apart from user traffic, so the hit rate describes what users got.

pub mod breaker;
pub mod key;
pub mod redis;

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;
use tokio::time::Instant;

use crate::cache::breaker::CircuitBreaker;
use crate::cache::redis::RedisTier;
use crate::config::CacheConfig;
use crate::error::{Error, Result};

/// The (tier, result) label pairs of `cache_requests_total`, one per way a lookup can end.
pub const CACHE_OUTCOMES: [(&str, &str); 5] = [
    ("l1", "hit"),
    ("l2", "hit"),
    ("loader", "miss"),
    ("l1", "stale"),
    ("loader", "bypass"),
];

/// What a cached value is; each kind has its own TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A prediction response body (without the request-specific fields).
    Prediction,
    /// The fares of a flow on a date and time band.
    Fare,
    /// Route statistics.
    RouteStats,
    /// The popular routes list.
    PopularRoutes,
    /// Station search and lookup.
    Stations,
    /// A planned journey (its itineraries, and fares when asked for).
    Journey,
}

impl Kind {
    /// The kind's name in keys, metrics and the invalidation API.
    pub fn name(self) -> &'static str {
        match self {
            Self::Prediction => "prediction",
            Self::Fare => "fare",
            Self::RouteStats => "route_stats",
            Self::PopularRoutes => "popular_routes",
            Self::Stations => "stations",
            Self::Journey => "journey",
        }
    }

    /// Every kind.
    pub const ALL: [Kind; 6] = [
        Self::Prediction,
        Self::Fare,
        Self::RouteStats,
        Self::PopularRoutes,
        Self::Stations,
        Self::Journey,
    ];

    /// The kind named `name` (as the invalidation API spells it).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Where an answer came from, for `X-Cache-Status` and `Server-Timing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Served from the in-process tier.
    HitL1,
    /// Served from Redis.
    HitL2,
    /// Computed by the loader.
    Miss,
    /// The loader failed; a stale copy was served.
    Stale,
    /// The caller asked to bypass every tier.
    Bypass,
}

impl CacheStatus {
    /// `HIT`, `MISS`, `STALE` or `BYPASS`.
    pub fn header(self) -> &'static str {
        match self {
            Self::HitL1 | Self::HitL2 => "HIT",
            Self::Miss => "MISS",
            Self::Stale => "STALE",
            Self::Bypass => "BYPASS",
        }
    }

    /// Index into [`CACHE_OUTCOMES`]: the (tier, result) labels of
    /// `cache_requests_total` for this status.
    const fn outcome(self) -> usize {
        match self {
            Self::HitL1 => 0,
            Self::HitL2 => 1,
            Self::Miss => 2,
            Self::Stale => 3,
            Self::Bypass => 4,
        }
    }

    /// The tier that answered, for `Server-Timing` (`l1`, `l2`, `loader`, `stale`, `bypass`).
    pub fn tier(self) -> &'static str {
        match self {
            Self::HitL1 => "l1",
            Self::HitL2 => "l2",
            Self::Miss => "loader",
            Self::Stale => "stale",
            Self::Bypass => "bypass",
        }
    }
}

/// An L1 entry: the value itself (no deserialising on a hit) and until when it is fresh. Kept
/// past freshness, up to the stale window, so a failing loader can fall back on it.
#[derive(Clone)]
struct Entry {
    value: Arc<dyn Any + Send + Sync>,
    fresh_until: Instant,
}

tokio::task_local! {
    /// Present while a cache warm-up runs in this task (see [`warming`]).
    static WARMING: ();
}

/// Runs `work` as cache warm-up: every lookup it makes is counted in the warm-up figures
/// (`cache.warmup` of `/api/statistics`, `cache_warmup_requests_total`) instead of the user
/// figures (`cache.hits`/`misses`, `cache_requests_total`). A task-local rather than a flag
/// passed down, so the use cases the warm-up drives keep one signature for both callers.
pub async fn warming<F: Future>(work: F) -> F::Output {
    WARMING.scope((), work).await
}

/// Counters behind `/api/statistics`.
#[derive(Debug, Default)]
pub struct CacheCounters {
    /// Answers from L1 or L2.
    pub hits: AtomicU64,
    /// Answers computed by the loader.
    pub misses: AtomicU64,
    /// Stale answers served because the loader failed.
    pub stale: AtomicU64,
    /// Requests that bypassed the cache.
    pub bypass: AtomicU64,
}

type Inflight = OnceCell<std::result::Result<Arc<dyn Any + Send + Sync>, ()>>;

/// `cache_requests_total` handles per kind and outcome, registered once so that counting a
/// lookup is an atomic add: no label set is built on the hot path.
type RequestCounters = [[metrics::Counter; CACHE_OUTCOMES.len()]; Kind::ALL.len()];

/// Registers the counters of one lookup metric (`name`), per kind and outcome.
fn request_counters(name: &'static str) -> RequestCounters {
    Kind::ALL.map(|kind| {
        CACHE_OUTCOMES.map(|(tier, result)| {
            metrics::counter!(
                name,
                "kind" => kind.name(),
                "tier" => tier,
                "result" => result
            )
        })
    })
}

/// The cache. Cheap to clone.
#[derive(Clone)]
pub struct Cache {
    l1: moka::future::Cache<String, Entry>,
    l2: Option<RedisTier>,
    ttls: [Duration; Kind::ALL.len()],
    inflight: Arc<std::sync::Mutex<HashMap<String, Arc<Inflight>>>>,
    counters: Arc<CacheCounters>,
    requests: Arc<RequestCounters>,
    warmup_counters: Arc<CacheCounters>,
    warmup_requests: Arc<RequestCounters>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("l1_entries", &self.l1.entry_count())
            .field("l2", &self.l2)
            .finish_non_exhaustive()
    }
}

/// Stale copies are kept this many TTLs past freshness.
const STALE_WINDOW_FACTOR: u32 = 2;

impl Cache {
    /// Builds the tiers from configuration. Redis is not contacted here.
    pub fn new(config: &CacheConfig) -> Result<Self> {
        let ttls = [
            config.ttl_prediction,
            config.ttl_fare,
            config.ttl_route_stats,
            config.ttl_popular,
            config.ttl_stations,
            config.ttl_journey,
        ];
        let longest = ttls
            .iter()
            .max()
            .copied()
            .unwrap_or(Duration::from_secs(3600));
        let l1 = moka::future::Cache::builder()
            .max_capacity(config.l1_max_entries)
            .time_to_live(longest * (1 + STALE_WINDOW_FACTOR))
            .support_invalidation_closures()
            .build();
        let l2 = match &config.redis_url {
            None => None,
            Some(url) => {
                let breaker = Arc::new(CircuitBreaker::new(
                    "redis",
                    config.breaker_failures,
                    config.breaker_cooldown,
                ));
                Some(
                    RedisTier::new(url, config.redis_timeout, breaker).map_err(|message| {
                        Error::Config {
                            var: "REDIS_URL",
                            message,
                        }
                    })?,
                )
            }
        };
        Ok(Self {
            l1,
            l2,
            ttls,
            inflight: Arc::default(),
            counters: Arc::default(),
            requests: Arc::new(request_counters("cache_requests_total")),
            warmup_counters: Arc::default(),
            warmup_requests: Arc::new(request_counters("cache_warmup_requests_total")),
        })
    }

    /// The Redis tier, when configured.
    pub fn redis(&self) -> Option<&RedisTier> {
        self.l2.as_ref()
    }

    /// Hit/miss counters of user traffic.
    pub fn counters(&self) -> &CacheCounters {
        &self.counters
    }

    /// Hit/miss counters of cache warm-up (lookups made inside [`warming`]).
    pub fn warmup_counters(&self) -> &CacheCounters {
        &self.warmup_counters
    }

    /// Counts one answered lookup, for `/api/statistics` and for `cache_requests_total` (or,
    /// during warm-up, their warm-up counterparts).
    fn count(&self, kind: Kind, status: CacheStatus) {
        let (counters, requests) = if WARMING.try_with(|_| ()).is_ok() {
            (&self.warmup_counters, &self.warmup_requests)
        } else {
            (&self.counters, &self.requests)
        };
        let counter = match status {
            CacheStatus::HitL1 | CacheStatus::HitL2 => &counters.hits,
            CacheStatus::Miss => &counters.misses,
            CacheStatus::Stale => &counters.stale,
            CacheStatus::Bypass => &counters.bypass,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        requests[kind as usize][status.outcome()].increment(1);
    }

    /// Entries in the in-process tier (approximate).
    pub fn l1_entries(&self) -> u64 {
        self.l1.entry_count()
    }

    /// The configured TTL of a kind.
    pub fn ttl(&self, kind: Kind) -> Duration {
        self.ttls[kind as usize]
    }

    /// The TTL of one stored entry: the kind's TTL plus up to 10% jitter, so a warm-up batch
    /// does not expire all at once.
    fn jittered(&self, kind: Kind) -> Duration {
        let ttl = self.ttl(kind);
        let jitter = ttl.mul_f64(rand::rng().random_range(0.0..0.1));
        ttl + jitter
    }

    /// Cache-aside: the value under `key`, from L1, else L2, else `load` (run once however many
    /// callers miss together). `use_cache: false` bypasses every tier.
    pub async fn get_or_load<T, F, Fut>(
        &self,
        kind: Kind,
        key: &str,
        use_cache: bool,
        load: F,
    ) -> Result<(Arc<T>, CacheStatus)>
    where
        T: Serialize + DeserializeOwned + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        if !use_cache {
            self.count(kind, CacheStatus::Bypass);
            return Ok((Arc::new(load().await?), CacheStatus::Bypass));
        }
        let stale = match self.l1.get(key).await {
            Some(entry) => match entry.value.clone().downcast::<T>() {
                Ok(value) if Instant::now() < entry.fresh_until => {
                    self.count(kind, CacheStatus::HitL1);
                    return Ok((value, CacheStatus::HitL1));
                }
                Ok(value) => Some(value),
                Err(_) => None,
            },
            None => None,
        };

        // Single flight: the first caller for a key runs the lookup; the others await it.
        let cell = {
            let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
            inflight.entry(key.to_owned()).or_default().clone()
        };
        let mut load = Some(load);
        let mut status = CacheStatus::HitL1;
        let mut own_error = None;
        let outcome = cell
            .get_or_init(|| async {
                let result = match load.take() {
                    Some(load) => self.fill::<T, F, Fut>(kind, key, load, &mut status).await,
                    None => Err(Error::Internal("cache loader already taken".to_owned())),
                };
                match result {
                    Ok(v) => Ok(v as Arc<dyn Any + Send + Sync>),
                    Err(e) => {
                        own_error = Some(e);
                        Err(())
                    }
                }
            })
            .await
            .clone();
        let ran_here = load.is_none();
        if ran_here {
            self.inflight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(key);
        }
        if let Some(value) = outcome.ok().and_then(|v| v.downcast::<T>().ok()) {
            // Waiters were answered by another caller's lookup: for them it is a hit (their
            // `status` is still the initial L1 hit; only the caller that ran the lookup set it).
            self.count(kind, status);
            return Ok((value, status));
        }
        // The lookup failed. A waiter runs the loader itself to get its own error (rare: only
        // when the shared attempt failed).
        let error = match (own_error, load.take()) {
            (Some(e), _) => e,
            (None, Some(load)) => match load().await {
                Ok(value) => {
                    self.count(kind, CacheStatus::Miss);
                    return Ok((Arc::new(value), CacheStatus::Miss));
                }
                Err(e) => e,
            },
            (None, None) => Error::Internal("cache lookup failed without an error".to_owned()),
        };
        // Stale-if-error covers failures of ours (database down), never a client's mistake.
        match stale {
            Some(value) if error.status().is_server_error() => {
                tracing::debug!(cache.kind = kind.name(), error = %error, "serving stale");
                self.count(kind, CacheStatus::Stale);
                Ok((value, CacheStatus::Stale))
            }
            _ => Err(error),
        }
    }

    async fn fill<T, F, Fut>(
        &self,
        kind: Kind,
        key: &str,
        load: F,
        status: &mut CacheStatus,
    ) -> Result<Arc<T>>
    where
        T: Serialize + DeserializeOwned + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        // Another caller may have filled L1 between our first look and taking the flight.
        if let Some(entry) = self.l1.get(key).await
            && Instant::now() < entry.fresh_until
            && let Ok(value) = entry.value.downcast::<T>()
        {
            *status = CacheStatus::HitL1;
            return Ok(value);
        }
        if let Some(l2) = &self.l2
            && let Some(text) = l2.get(key).await
            && let Ok(value) = serde_json::from_str::<T>(&text)
        {
            let value = Arc::new(value);
            self.store_l1(kind, key, value.clone()).await;
            *status = CacheStatus::HitL2;
            return Ok(value);
        }
        let value = Arc::new(load().await?);
        self.store_l1(kind, key, value.clone()).await;
        if let Some(l2) = self.l2.clone()
            && let Ok(text) = serde_json::to_string(&*value)
        {
            // Written in the background: the response never waits on Redis.
            let (key, ttl) = (key.to_owned(), self.jittered(kind));
            tokio::spawn(async move {
                l2.set(&key, &text, ttl).await;
            });
        }
        *status = CacheStatus::Miss;
        Ok(value)
    }

    async fn store_l1<T: Send + Sync + 'static>(&self, kind: Kind, key: &str, value: Arc<T>) {
        let entry = Entry {
            value,
            fresh_until: Instant::now() + self.jittered(kind),
        };
        self.l1.insert(key.to_owned(), entry).await;
    }

    /// Drops this instance's L1 entries whose key starts with `prefix`; returns how many.
    pub fn invalidate_local(&self, prefix: &str) -> u64 {
        let count = self
            .l1
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .count() as u64;
        let prefix = prefix.to_owned();
        // Only fails when closures are not enabled, which `new` always does.
        let _ = self
            .l1
            .invalidate_entries_if(move |k, _| k.starts_with(&prefix));
        count
    }

    /// Invalidates `prefix` everywhere: this instance's L1, Redis (`SCAN` + `UNLINK`), and every
    /// other instance's L1 through pub/sub. Returns (local, redis) counts; redis is `None`
    /// without Redis or while it is unavailable (including when the announcement to the other
    /// instances could not be published, so a count always means they were told).
    pub async fn invalidate(&self, prefix: &str) -> (u64, Option<u64>) {
        let local = self.invalidate_local(prefix);
        let redis = match &self.l2 {
            None => None,
            Some(l2) => {
                let removed = l2.unlink_prefix(prefix).await;
                let published = l2.publish_invalidation(prefix).await;
                removed.filter(|_| published)
            }
        };
        (local, redis)
    }
}

#[cfg(test)]
mod tests;
