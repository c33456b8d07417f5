//! Connection pools: a read pool of several read-only connections and one writer connection, both
//! in WAL mode with `busy_timeout`, so readers never see "database is locked" and writers queue
//! instead of failing. Migrations are embedded in the binary and applied at startup.

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};

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

/// A write transaction (see [`Db::begin_write`]): used as the connection it runs on; commit it,
/// or drop it to roll back. Either way its end is reported to the memo at once.
#[derive(Debug)]
pub struct WriteTx {
    tx: Option<Transaction<'static, Sqlite>>,
    // `None` for writes the memo does not depend on.
    memo: Option<Arc<Memo>>,
}

impl WriteTx {
    /// Commits the transaction.
    pub async fn commit(mut self) -> Result<()> {
        let result = match self.tx.take() {
            Some(tx) => tx.commit().await,
            None => Ok(()),
        };
        self.end();
        Ok(result?)
    }

    fn end(&self) {
        if let Some(memo) = &self.memo {
            memo.write_ended();
        }
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        // `tx` is only taken by `commit`, which consumes `self`.
        self.tx.as_deref().expect("an open transaction")
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.tx.as_deref_mut().expect("an open transaction")
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            // Rolled back (sqlx rolls back a dropped transaction); its writes were never visible.
            drop(tx);
            self.end();
        }
    }
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
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
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
    /// The memo keeps nothing from now until the transaction is committed or dropped.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        self.memo.write_began();
        let tx = match self.write.begin_with("BEGIN IMMEDIATE").await {
            Ok(tx) => tx,
            Err(e) => {
                self.memo.write_ended();
                return Err(e.into());
            }
        };
        Ok(WriteTx {
            tx: Some(tx),
            memo: Some(self.memo.clone()),
        })
    }

    /// [`Db::begin_write`] for writes to tables the memo never holds (`route_popularity`): it
    /// leaves the memo alone, so the periodic popularity flush does not empty it.
    pub async fn begin_write_unmemoized(&self) -> Result<WriteTx> {
        Ok(WriteTx {
            tx: Some(self.write.begin_with("BEGIN IMMEDIATE").await?),
            memo: None,
        })
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
