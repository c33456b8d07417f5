//! The `/metrics` scrape: sets the gauges that are read from the state rather than counted as
//! things happen (breaker, pools, L1 size), then renders the Prometheus text. Read-only.

use std::sync::{Mutex, PoisonError};

use metrics::gauge;
use sqlx::SqlitePool;

use crate::state::AppState;

/// The gauges are process-wide but set from one app's state: scrapes take turns so that each
/// renders the values it set (several apps share a process in tests; a real instance has one
/// app and a scrape every few seconds, so nobody waits).
static SCRAPE: Mutex<()> = Mutex::new(());

/// The Prometheus text exposition of every metric, with the scrape-time gauges fresh.
pub fn scrape(state: &AppState) -> String {
    let _turn = SCRAPE.lock().unwrap_or_else(PoisonError::into_inner);
    let breaker = state
        .cache
        .redis()
        .map_or(0.0, |redis| redis.breaker().state().as_gauge());
    gauge!("cache_breaker_state").set(breaker);
    gauge!("cache_l1_entries").set(state.cache.l1_entries() as f64);
    pool_gauges("read", &state.db.read);
    pool_gauges("write", &state.db.write);
    state.metrics.render()
}

fn pool_gauges(pool: &'static str, connections: &SqlitePool) {
    let open = connections.size();
    let idle = u32::try_from(connections.num_idle()).unwrap_or(u32::MAX);
    gauge!("db_pool_connections", "pool" => pool, "state" => "active")
        .set(f64::from(open.saturating_sub(idle)));
    gauge!("db_pool_connections", "pool" => pool, "state" => "idle").set(f64::from(idle));
}
