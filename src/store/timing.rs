//! Timing of the hot read queries: each run is recorded in `db_query_duration_seconds{query}`
//! and in the counters behind the database figures of `/api/statistics`. Times, never retries
//! or changes a query.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::store::Db;

/// A query taking at least this long counts as slow in `/api/statistics`. Well above a healthy
/// indexed SQLite read (tens to hundreds of microseconds): a slow query means lock waits, an
/// exhausted pool or a missing index.
pub const SLOW_QUERY: Duration = Duration::from_millis(100);

/// Query counts and time since the pools opened.
#[derive(Debug, Default)]
pub struct QueryStats {
    queries: AtomicU64,
    slow: AtomicU64,
    total_micros: AtomicU64,
}

impl QueryStats {
    fn record(&self, elapsed: Duration) {
        self.queries.fetch_add(1, Ordering::Relaxed);
        if elapsed >= SLOW_QUERY {
            self.slow.fetch_add(1, Ordering::Relaxed);
        }
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.total_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Timed queries run.
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// Of those, how many took [`SLOW_QUERY`] or longer.
    pub fn slow_queries(&self) -> u64 {
        self.slow.load(Ordering::Relaxed)
    }

    /// Mean time of a timed query in ms (three decimals), 0 before the first.
    pub fn avg_query_ms(&self) -> f64 {
        let queries = self.queries();
        if queries == 0 {
            return 0.0;
        }
        let micros = self.total_micros.load(Ordering::Relaxed) as f64 / queries as f64;
        micros.round() / 1000.0
    }
}

impl Db {
    /// Runs `query` (a hot read, named `name` in the metrics) and records how long it took,
    /// whether it succeeded or not: a failing query costs time too.
    pub async fn timed<T>(&self, name: &'static str, query: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let out = query.await;
        let elapsed = started.elapsed();
        self.query_stats.record(elapsed);
        // The label set is built per query (one small allocation): beside a SQLite round trip
        // it is noise, and a handle cached here would stay bound to whichever recorder existed
        // when it was first used.
        metrics::histogram!("db_query_duration_seconds", "query" => name)
            .record(elapsed.as_secs_f64());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_queries_and_the_mean_are_counted() {
        let stats = QueryStats::default();
        assert_eq!(stats.avg_query_ms(), 0.0);
        stats.record(Duration::from_micros(500));
        stats.record(Duration::from_micros(1_500));
        stats.record(SLOW_QUERY);
        assert_eq!(stats.queries(), 3);
        assert_eq!(stats.slow_queries(), 1);
        assert_eq!(stats.avg_query_ms(), 34.0, "(0.5 + 1.5 + 100) / 3 ms");
    }
}
