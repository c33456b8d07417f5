//! Operational figures as numbers (`GET /api/statistics`): the cache tiers, the database pools
//! and queries, and request latency percentiles per route template, all since the app started.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use serde::Serialize;

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

/// Cache figures since start.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CacheFigures {
    /// Answers from L1 or Redis.
    pub hits: u64,
    /// Answers computed by a loader.
    pub misses: u64,
    /// Stale answers served because a loader failed.
    pub stale: u64,
    /// Requests that bypassed the cache.
    pub bypass: u64,
    /// hits / (hits + misses + stale), 0 when there were none.
    pub hit_rate: f64,
    /// The in-process tier.
    pub l1: L1Figures,
    /// The Redis tier.
    pub redis: RedisFigures,
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
    /// `enabled` or `disabled`.
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

/// The figures now.
pub fn statistics(state: &AppState) -> Statistics {
    let c = state.cache.counters();
    let (hits, misses, stale, bypass) = (
        c.hits.load(Ordering::Relaxed),
        c.misses.load(Ordering::Relaxed),
        c.stale.load(Ordering::Relaxed),
        c.bypass.load(Ordering::Relaxed),
    );
    let answered = hits + misses + stale;
    let redis = match state.cache.redis() {
        None => RedisFigures {
            status: "disabled",
            breaker: None,
            errors: 0,
            consecutive_failures: 0,
        },
        Some(r) => RedisFigures {
            status: "enabled",
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
