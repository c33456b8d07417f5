//! In-process memo of the hot reference lookups (stations, catalogue routes, operators, priors,
//! an operator's ORR record of one period and its delay causes, a route's latest day of history,
//! fares between two NLCs): a few hundred distinct rows that
//! every uncached prediction, fare or route-statistics load reads again. The route catalogue and
//! the routes with history are held whole, so a pair of stations never asked about before (most
//! of them: thousands of pairs) is answered without a query too. Each SQLite round trip
//! costs two thread hand-offs to the connection's worker (about 0.1 ms of CPU here, more than
//! the model itself), so repeating them per load was most of an uncached request's cost.
//!
//! It must never serve data older than what the database holds: a write transaction
//! (`Db::begin_write`, through which the service makes every write to the tables memoized here)
//! bumps a generation when it begins and again when it ends, an entry is used only under the
//! generation it was read in, and nothing is kept while a write is open or if a write began while
//! it was read.
//! Writes by another process (a CLI import beside a running server) are seen within
//! [`MEMO_TTL`], well inside the response cache's own TTLs, or at once when that process
//! announces them on the Redis invalidation channel (`AppState::apply_announced_invalidation`
//! forgets the memo).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::sync::Cache;
use time::Date;

use crate::domain::punctuality::Shares;
use crate::domain::{Crs, RailPeriod};
use crate::model::causes::CauseMinutes;
use crate::store::fares::FareRow;
use crate::store::operators::OperatorRow;
use crate::store::punctuality::StoredPrior;
use crate::store::routes::RouteRow;
use crate::store::stations::StationRow;

/// How long an entry is used at most (bounds staleness after another process's write).
pub const MEMO_TTL: Duration = Duration::from_secs(60);

/// Entries per table (rows for the fares table).
const CAPACITY: u64 = 20_000;

/// One memoized lookup: its key type, and the value with the generation it was read in.
pub struct MemoTable<K, V> {
    entries: Cache<K, Arc<(u64, V)>>,
}

impl<K, V> std::fmt::Debug for MemoTable<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoTable")
            .field("entries", &self.entries.entry_count())
            .finish()
    }
}

impl<K, V> MemoTable<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    fn new() -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(MEMO_TTL)
                .build(),
        }
    }

    /// Bounded by total weight (e.g. rows) rather than by entries.
    fn weighed(weigher: impl Fn(&K, &Arc<(u64, V)>) -> u32 + Send + Sync + 'static) -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(CAPACITY)
                .weigher(weigher)
                .time_to_live(MEMO_TTL)
                .build(),
        }
    }

    fn clear(&self) {
        self.entries.invalidate_all();
    }
}

/// The route catalogue by (origin, destination) as catalogued.
pub type Catalogue = HashMap<(Crs, Crs), RouteRow>;

/// The memo tables and the write generation they are checked against.
#[derive(Debug)]
pub struct Memo {
    generation: AtomicU64,
    // Write transactions open now (at most one: there is one writer connection).
    writing: AtomicU64,
    /// Stations by CRS (`None`: no such station).
    pub stations: MemoTable<Crs, Option<StationRow>>,
    /// The whole route catalogue, by (origin, destination) as catalogued.
    pub catalogue: MemoTable<(), Arc<Catalogue>>,
    /// Operators by ATOC code.
    pub operators: MemoTable<Box<str>, Option<OperatorRow>>,
    /// Priors of an ORR series.
    pub priors: MemoTable<Box<str>, Arc<Vec<StoredPrior>>>,
    /// The ORR 3138 record of a series in one rail period (`None`: that period is not loaded).
    pub period_shares: MemoTable<(Box<str>, RailPeriod), Option<Shares>>,
    /// A series' ORR 3184 delay minutes per period and cause (an aggregate over every loaded
    /// year: about 1 ms of SQLite per read, the most expensive query of an uncached prediction).
    pub causes: MemoTable<Box<str>, Arc<Vec<CauseMinutes>>>,
    /// Every route's latest day of history, keyed `origin:destination:toc`.
    pub latest_days: MemoTable<(), Arc<HashMap<Box<str>, Date>>>,
    /// Whether the real fares feed and the sample set are loaded.
    pub fare_sources: MemoTable<(), (bool, bool)>,
    /// Fares between two NLCs, keyed `origin:destination`; bounded by rows held.
    pub fares: MemoTable<Box<str>, Arc<Vec<FareRow>>>,
    // Whole-table loads run one at a time: after a write, the requests that find the table
    // gone wait for the first one's read instead of all scanning it.
    whole_tables: tokio::sync::Mutex<()>,
}

impl Default for Memo {
    fn default() -> Self {
        Self {
            generation: AtomicU64::new(0),
            writing: AtomicU64::new(0),
            stations: MemoTable::new(),
            catalogue: MemoTable::new(),
            operators: MemoTable::new(),
            priors: MemoTable::new(),
            period_shares: MemoTable::new(),
            causes: MemoTable::new(),
            latest_days: MemoTable::new(),
            fare_sources: MemoTable::new(),
            fares: MemoTable::weighed(|_, rows: &Arc<(u64, Arc<Vec<FareRow>>)>| {
                // At least 1, so an empty answer still counts against the bound.
                u32::try_from(rows.1.len().max(1)).unwrap_or(u32::MAX)
            }),
            whole_tables: tokio::sync::Mutex::new(()),
        }
    }
}

impl Memo {
    /// A write transaction begins: until it ends nothing read is kept.
    pub fn write_began(&self) {
        self.writing.fetch_add(1, Ordering::AcqRel);
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// A write transaction ended (committed or rolled back).
    pub fn write_ended(&self) {
        self.changed();
        // Saturating: an end is never counted twice, but a miscount must not wrap around.
        let _ = self
            .writing
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                Some(n.saturating_sub(1))
            });
    }

    /// Something was written: nothing read before now may be used again.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        // Entries are already unusable (wrong generation); this frees their memory.
        self.stations.clear();
        self.catalogue.clear();
        self.operators.clear();
        self.priors.clear();
        self.period_shares.clear();
        self.causes.clear();
        self.latest_days.clear();
        self.fare_sources.clear();
        self.fares.clear();
    }

    /// The value of `key` in `table`, from the memo when it was read since the last write,
    /// else from `load` (kept only when no write happened meanwhile).
    pub async fn get_or_load<K, V, E, F>(
        &self,
        table: &MemoTable<K, V>,
        key: K,
        load: F,
    ) -> Result<V, E>
    where
        K: Hash + Eq + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
        F: Future<Output = Result<V, E>>,
    {
        let generation = self.generation();
        if let Some(value) = self.get(table, &key, generation) {
            return Ok(value);
        }
        let value = load.await?;
        self.keep(table, key, generation, value.clone());
        Ok(value)
    }

    /// A whole table (key `()`), from the memo, else loaded by one caller at a time.
    pub async fn whole_table<V, E, F>(&self, table: &MemoTable<(), V>, load: F) -> Result<V, E>
    where
        V: Clone + Send + Sync + 'static,
        F: Future<Output = Result<V, E>>,
    {
        if let Some(value) = self.get(table, &(), self.generation()) {
            return Ok(value);
        }
        let _one_at_a_time = self.whole_tables.lock().await;
        // The caller before us may have loaded it while we waited.
        self.get_or_load(table, (), load).await
    }

    /// The current write generation: take it before reading what is to be kept.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The memoized value of `key`, if it was read under `generation`.
    pub fn get<K, V>(&self, table: &MemoTable<K, V>, key: &K, generation: u64) -> Option<V>
    where
        K: Hash + Eq + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        table
            .entries
            .get(key)
            .filter(|entry| entry.0 == generation)
            .map(|entry| entry.1.clone())
    }

    /// Keeps `value`, read under `generation`, unless a write has happened since.
    pub fn keep<K, V>(&self, table: &MemoTable<K, V>, key: K, generation: u64, value: V)
    where
        K: Hash + Eq + Send + Sync + 'static,
        V: Send + Sync + 'static,
    {
        // A write that began while the read ran may have changed what it saw, and one still
        // open may commit right after.
        if self.generation() == generation && self.writing.load(Ordering::Acquire) == 0 {
            table.entries.insert(key, Arc::new((generation, value)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_is_loaded_once_until_something_is_written() {
        let memo = Memo::default();
        let mut loads = 0;
        for _ in 0..3 {
            let v: Result<Option<OperatorRow>, ()> = memo
                .get_or_load(&memo.operators, "VT".into(), async {
                    loads += 1;
                    Ok(None)
                })
                .await;
            assert_eq!(v, Ok(None));
        }
        assert_eq!(loads, 1);
        memo.changed();
        let _: Result<Option<OperatorRow>, ()> = memo
            .get_or_load(&memo.operators, "VT".into(), async {
                loads += 1;
                Ok(None)
            })
            .await;
        assert_eq!(loads, 2, "a write makes the next lookup read again");
    }

    #[tokio::test]
    async fn a_read_that_overlapped_a_write_is_not_kept() {
        let memo = Memo::default();
        let first: Result<(bool, bool), ()> = memo
            .get_or_load(&memo.fare_sources, (), async {
                // The writer commits while this read is in flight.
                memo.changed();
                Ok((false, true))
            })
            .await;
        assert_eq!(first, Ok((false, true)));
        let mut reloaded = false;
        let second: Result<(bool, bool), ()> = memo
            .get_or_load(&memo.fare_sources, (), async {
                reloaded = true;
                Ok((true, true))
            })
            .await;
        assert!(reloaded);
        assert_eq!(second, Ok((true, true)));
    }

    #[tokio::test]
    async fn nothing_is_kept_while_a_write_is_open() {
        let memo = Memo::default();
        let mut loads = 0;
        memo.write_began();
        for _ in 0..2 {
            let _: Result<Option<OperatorRow>, ()> = memo
                .get_or_load(&memo.operators, "VT".into(), async {
                    loads += 1;
                    Ok(None)
                })
                .await;
        }
        assert_eq!(loads, 2, "read each time while the write is open");
        memo.write_ended();
        for _ in 0..2 {
            let _: Result<Option<OperatorRow>, ()> = memo
                .get_or_load(&memo.operators, "VT".into(), async {
                    loads += 1;
                    Ok(None)
                })
                .await;
        }
        assert_eq!(loads, 3, "kept again once it ended");
    }

    #[tokio::test]
    async fn a_committed_write_is_seen_by_the_very_next_lookup() {
        use crate::store::operators::{find_operator, upsert_operator};
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("memo.db").display());
        let db = crate::store::Db::connect(&url, 2).await.unwrap();
        assert_eq!(find_operator(&db, "ZZ").await.unwrap(), None);
        assert_eq!(find_operator(&db, "ZZ").await.unwrap(), None, "memoized");

        let mut tx = db.begin_write().await.unwrap();
        let zed = OperatorRow {
            toc: "ZZ".to_owned(),
            name: "Zed Trains".to_owned(),
            orr_series: "Zed".to_owned(),
            delay_repay_scheme: "DR15".to_owned(),
        };
        upsert_operator(&mut tx, &zed).await.unwrap();
        // Not committed: readers do not see it, and what they read is not kept.
        assert_eq!(find_operator(&db, "ZZ").await.unwrap(), None);
        tx.commit().await.unwrap();
        // No wait for the writer connection's (asynchronous) release.
        assert_eq!(find_operator(&db, "ZZ").await.unwrap(), Some(zed.clone()));

        // A rolled-back write leaves the memo usable and the data unchanged.
        let mut tx = db.begin_write().await.unwrap();
        let renamed = OperatorRow {
            name: "Renamed".to_owned(),
            ..zed.clone()
        };
        upsert_operator(&mut tx, &renamed).await.unwrap();
        drop(tx);
        assert_eq!(find_operator(&db, "ZZ").await.unwrap(), Some(zed));
    }

    #[tokio::test]
    async fn errors_are_not_kept() {
        let memo = Memo::default();
        let failed: Result<Option<OperatorRow>, &str> = memo
            .get_or_load(&memo.operators, "XX".into(), async { Err("down") })
            .await;
        assert_eq!(failed, Err("down"));
        let ok: Result<Option<OperatorRow>, &str> = memo
            .get_or_load(&memo.operators, "XX".into(), async { Ok(None) })
            .await;
        assert_eq!(ok, Ok(None));
    }

    #[tokio::test]
    async fn a_whole_table_is_read_once_by_concurrent_callers() {
        let memo = Memo::default();
        let loads = std::sync::atomic::AtomicU32::new(0);
        let read = || async {
            let table: Result<_, ()> = memo
                .whole_table(&memo.latest_days, async {
                    loads.fetch_add(1, Ordering::Relaxed);
                    // Long enough for the other callers to find it missing.
                    tokio::task::yield_now().await;
                    Ok(Arc::new(HashMap::new()))
                })
                .await;
            table.map(|t| t.len())
        };
        let (a, b, c) = tokio::join!(read(), read(), read());
        assert_eq!((a, b, c), (Ok(0), Ok(0), Ok(0)));
        assert_eq!(loads.load(Ordering::Relaxed), 1);
    }
}
