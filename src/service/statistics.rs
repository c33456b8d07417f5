//! Operational figures as numbers (`GET /api/statistics`): the cache tiers, the database pools
//! and queries, and request latency percentiles per route template, all since the app started.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use serde::Serialize;

use crate::service::health::redis_check;
use crate::service::predict::now_rfc3339;
use crate::state::AppState;
use crate::telemetry::requests::LatencyFigures;

/// `GET /api/statistics` body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Statistics {
    /// Cache figures.
    pub cache: CacheFigures,
    /// Database pool and query figures.
    pub database: DatabaseFigures,
    /// Request counts and latency percentiles.
    pub performance: Performance,
    /// When these figures were read (RFC 3339 UTC).
    pub timestamp: String,
}

/// Cache figures since start. `hits`, `misses`, `stale`, `bypass` and `hit_rate` count user
/// traffic only; the background warm-up's lookups are in `warmup`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CacheFigures {
    /// Answers to users from L1 or Redis.
    pub hits: u64,
    /// Answers to users computed by a loader.
    pub misses: u64,
    /// Stale answers served to users because a loader failed.
    pub stale: u64,
    /// User requests that bypassed the cache.
    pub bypass: u64,
    /// hits / (hits + misses + stale) of user traffic, 0 when there was none.
    pub hit_rate: f64,
    /// Lookups of the background warm-up (at startup and after an invalidation).
    pub warmup: WarmupFigures,
    /// The in-process tier.
    pub l1: L1Figures,
    /// The Redis tier.
    pub redis: RedisFigures,
}

/// The background warm-up's lookups.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WarmupFigures {
    /// Entries already cached.
    pub hits: u64,
    /// Entries computed and stored.
    pub misses: u64,
    /// Loads that failed while a stale copy was at hand.
    pub stale: u64,
}

/// In-process tier.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct L1Figures {
    /// Entries held (approximate).
    pub entries: u64,
}

/// Redis tier.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RedisFigures {
    /// `up`, `down` or `disabled`: the same check and words as `/health`.
    #[schema(example = "up")]
    pub status: &'static str,
    /// Breaker state, when enabled.
    pub breaker: Option<&'static str>,
    /// Redis failures and timeouts since start.
    pub errors: u64,
    /// Failures in a row right now.
    pub consecutive_failures: u32,
}

/// Database pool figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DatabaseFigures {
    /// Read pool capacity.
    pub pool_size: u32,
    /// Read connections in use.
    pub active: u32,
    /// Read connections idle.
    pub idle: u32,
    /// Hot read queries run.
    pub queries: u64,
    /// Of those, how many took 100 ms or longer (`store::timing::SLOW_QUERY`).
    pub slow_queries: u64,
    /// Mean time of a hot read query, ms.
    pub avg_query_ms: f64,
}

/// Requests answered and their latency (time spent inside the middleware stack's timing layer).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Performance {
    /// Every request, including those that matched no route.
    pub total_requests: u64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 95th percentile latency, ms.
    pub p95_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Per route template (`/api/routes/{origin}/{destination}/stats`, never a raw path).
    pub endpoints: BTreeMap<String, EndpointFigures>,
}

/// One route template's requests and latency.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EndpointFigures {
    /// Requests answered.
    pub requests: u64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
}

impl From<LatencyFigures> for EndpointFigures {
    fn from(f: LatencyFigures) -> Self {
        Self {
            requests: f.requests,
            p50_ms: f.p50_ms,
            p99_ms: f.p99_ms,
        }
    }
}

/// The figures now. Redis is checked as `/health` checks it (one ping, bounded by its timeout and
/// skipped while the breaker is open).
pub async fn statistics(state: &AppState) -> Statistics {
    let c = state.cache.counters();
    let (hits, misses, stale, bypass) = (
        c.hits.load(Ordering::Relaxed),
        c.misses.load(Ordering::Relaxed),
        c.stale.load(Ordering::Relaxed),
        c.bypass.load(Ordering::Relaxed),
    );
    let answered = hits + misses + stale;
    let w = state.cache.warmup_counters();
    let warmup = WarmupFigures {
        hits: w.hits.load(Ordering::Relaxed),
        misses: w.misses.load(Ordering::Relaxed),
        stale: w.stale.load(Ordering::Relaxed),
    };
    let check = redis_check(state).await;
    let redis = match state.cache.redis() {
        None => RedisFigures {
            status: check.status,
            breaker: None,
            errors: 0,
            consecutive_failures: 0,
        },
        Some(r) => RedisFigures {
            status: check.status,
            breaker: Some(r.breaker().state().as_str()),
            errors: r.breaker().total_failures(),
            consecutive_failures: r.breaker().consecutive_failures(),
        },
    };
    let size = state.db.read.size();
    let idle = u32::try_from(state.db.read.num_idle()).unwrap_or(u32::MAX);
    Statistics {
        cache: CacheFigures {
            hits,
            misses,
            stale,
            bypass,
            hit_rate: if answered == 0 {
                0.0
            } else {
                (hits as f64 / answered as f64 * 1000.0).round() / 1000.0
            },
            warmup,
            l1: L1Figures {
                entries: state.cache.l1_entries(),
            },
            redis,
        },
        database: DatabaseFigures {
            pool_size: state.config.db_read_pool_size,
            active: size.saturating_sub(idle),
            idle,
            queries: state.db.query_stats.queries(),
            slow_queries: state.db.query_stats.slow_queries(),
            avg_query_ms: state.db.query_stats.avg_query_ms(),
        },
        performance: performance(state),
        timestamp: now_rfc3339(),
    }
}

fn performance(state: &AppState) -> Performance {
    let latency = state.metrics.requests.snapshot();
    Performance {
        total_requests: latency.total.requests,
        p50_ms: latency.total.p50_ms,
        p95_ms: latency.total.p95_ms,
        p99_ms: latency.total.p99_ms,
        endpoints: latency
            .routes
            .into_iter()
            .map(|(route, figures)| (route, figures.into()))
            .collect(),
    }
}
