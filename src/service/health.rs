//! Liveness, readiness and the service card. Redis being absent or down is never "unhealthy":
//! only a database that cannot answer is.

use std::time::Instant;

use serde::Serialize;

use crate::service::VERSION;
use crate::state::AppState;

/// `GET /health` body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `healthy`, `degraded` or `unhealthy`.
    #[schema(example = "healthy")]
    pub status: &'static str,
    /// Service version.
    pub version: &'static str,
    /// Seconds since start.
    pub uptime_seconds: f64,
    /// Each dependency's state.
    pub checks: Checks,
}

/// Dependency checks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Checks {
    /// The SQLite database.
    pub database: DatabaseCheck,
    /// The shared Redis cache tier.
    pub redis: RedisCheck,
}

/// Database reachability.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DatabaseCheck {
    /// `up` or `down`.
    pub status: &'static str,
    /// Round trip of a trivial query, ms.
    pub latency_ms: f64,
}

/// Redis state: `disabled` without `REDIS_URL`; down is degraded, never unhealthy.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RedisCheck {
    /// `up`, `down` or `disabled`.
    pub status: &'static str,
    /// Circuit breaker state, when Redis is configured: `closed`, `open` or `half_open`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breaker: Option<&'static str>,
}

/// Checks the Redis tier (bounded by its timeout and breaker).
pub async fn redis_check(state: &AppState) -> RedisCheck {
    match state.cache.redis() {
        None => RedisCheck {
            status: "disabled",
            breaker: None,
        },
        Some(redis) => {
            let up = redis.ping().await;
            RedisCheck {
                status: if up { "up" } else { "down" },
                breaker: Some(redis.breaker().state().as_str()),
            }
        }
    }
}

/// Checks the dependencies now.
pub async fn health(state: &AppState) -> Health {
    // Both checks at once: the answer waits for the slower one, not for their sum.
    let database = async {
        let started = Instant::now();
        let up = state.db.ping().await.is_ok();
        (up, started.elapsed())
    };
    let ((db_up, db_latency), redis) = tokio::join!(database, redis_check(state));
    let latency_ms = (db_latency.as_secs_f64() * 1e3 * 100.0).round() / 100.0;
    Health {
        status: match (db_up, redis.status) {
            (false, _) => "unhealthy",
            (true, "down") => "degraded",
            (true, _) => "healthy",
        },
        version: VERSION,
        uptime_seconds: (state.lifecycle.uptime_seconds() * 10.0).round() / 10.0,
        checks: Checks {
            database: DatabaseCheck {
                status: if db_up { "up" } else { "down" },
                latency_ms,
            },
            redis,
        },
    }
}

/// `GET /ready` body when the service is ready (when it is not, the answer is a 503 error).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// Always `ready`.
    #[schema(example = "ready")]
    pub status: &'static str,
}

impl Readiness {
    /// The only value a ready service reports.
    pub const READY: Self = Self { status: "ready" };
}

/// `GET /` body: what this service is and what it has.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServiceCard {
    /// Service name.
    pub service: &'static str,
    /// Version.
    pub version: &'static str,
    /// `operational`, or `starting` before reference data is loaded.
    pub status: &'static str,
    /// Which optional features are live.
    pub features: Features,
    /// Where the API is described.
    pub documentation: &'static str,
}

/// Optional features and their state.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Features {
    /// Redis tier: `up`, `down` or `disabled`.
    pub redis_cache: &'static str,
    /// `up` or `down`.
    pub database: &'static str,
    /// Fares source: `rdg_fares_feed`, `sample` (made-up demonstration prices) or `none`.
    pub fares: &'static str,
}

/// The service card.
pub async fn service_card(state: &AppState) -> ServiceCard {
    let sources = crate::store::fares::fare_sources(&state.db).await;
    let db_up = sources.is_ok();
    let fares = match sources {
        Ok((true, _)) => "rdg_fares_feed",
        Ok((false, true)) => "sample",
        _ => "none",
    };
    ServiceCard {
        service: "RailFair API",
        version: VERSION,
        status: if state.lifecycle.is_ready() {
            "operational"
        } else {
            "starting"
        },
        features: Features {
            redis_cache: redis_check(state).await.status,
            database: if db_up { "up" } else { "down" },
            fares,
        },
        documentation: "/docs",
    }
}
