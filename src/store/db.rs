//! Connection pools: a read pool of several read-only connections and one writer connection, both
//! in WAL mode with `busy_timeout`, so readers never see "database is locked" and writers queue
//! instead of failing. Migrations are embedded in the binary and applied at startup.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::error::{Error, Result};
use crate::store::memo::Memo;
use crate::store::timing::QueryStats;

/// How long a connection waits on a lock held by another connection before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request waits for a pooled connection before answering 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// The database handles: cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    /// Read-only connections for queries.
    pub read: SqlitePool,
    /// The single writer connection; every write goes through it.
    pub write: SqlitePool,
    /// Counts and time of the hot read queries (see [`Db::timed`]).
    pub query_stats: Arc<QueryStats>,
    /// The hot reference lookups, kept until the next write (see `memo`).
    pub memo: Arc<Memo>,
}

impl Db {
    /// Opens (creating if missing) the database at `url`, applies migrations and opens the pools.
    pub async fn connect(url: &str, read_pool_size: u32) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        if let Some(parent) = Path::new(options.get_filename()).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                path: parent.display().to_string(),
                source,
            })?;
        }
        // The writer is opened (and migrates) first so the file exists, in WAL mode, before the
        // read-only connections open it.
        let memo = Arc::new(Memo::default());
        let written = memo.clone();
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // Every write, committed or rolled back, ends with the writer going back to the
            // pool: from then on nothing memoized before may be used.
            .after_release(move |_, _| {
                written.changed();
                Box::pin(std::future::ready(Ok(true)))
            })
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(read_pool_size)
            .min_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self {
            read,
            write,
            query_stats: Arc::default(),
            memo,
        })
    }

    /// Starts a write transaction with `BEGIN IMMEDIATE`: it takes the write lock up front, so a
    /// transaction that reads and then writes can never fail half-way with "database is locked".
    pub async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.write.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Round-trips a trivial query on the read pool (for `/health`).
    pub async fn ping(&self) -> Result<()> {
        self.timed("ping", sqlx::query("SELECT 1").execute(&self.read))
            .await?;
        Ok(())
    }

    /// Closes both pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}
