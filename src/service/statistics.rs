//! Operational figures as numbers (`GET /api/statistics`): the cache tiers and the database
//! pools. Request latency percentiles arrive with the metrics layer.

use std::sync::atomic::Ordering;

use serde::Serialize;

use crate::service::predict::now_rfc3339;
use crate::state::AppState;

/// `GET /api/statistics` body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Statistics {
    /// Cache figures.
    pub cache: CacheFigures,
    /// Database pool figures.
    pub database: DatabaseFigures,
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
        },
        timestamp: now_rfc3339(),
    }
}
