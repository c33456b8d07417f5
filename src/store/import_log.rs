//! The import log: which official files were loaded, when, with what effect and how recent their
//! data is. Read by `/api/sources` and by startup bootstrap to decide what is missing.

use sqlx::{FromRow, SqliteConnection};

use crate::error::Result;
use crate::store::Db;

/// One recorded import run.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct ImportRun {
    /// Importer kind (`naptan`, `orr-1410`, `orr-3138`, `hsp`).
    pub kind: String,
    /// The file or directory imported.
    pub file: String,
    /// RFC 3339 UTC time the import committed.
    pub finished_at: String,
    /// Records read from the file.
    pub rows_read: i64,
    /// Rows created.
    pub inserted: i64,
    /// Rows whose values changed.
    pub updated: i64,
    /// Rows already as the file says.
    pub unchanged: i64,
    /// Last day the file's data covers, when it says.
    pub data_through: Option<String>,
}

/// Appends a run to the log (inside the import's own transaction).
pub async fn record_run(conn: &mut SqliteConnection, run: &ImportRun) -> Result<()> {
    sqlx::query(
        "INSERT INTO import_runs (kind, file, finished_at, rows_read, inserted, updated, unchanged, \
         data_through) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&run.kind)
    .bind(&run.file)
    .bind(&run.finished_at)
    .bind(run.rows_read)
    .bind(run.inserted)
    .bind(run.updated)
    .bind(run.unchanged)
    .bind(&run.data_through)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The most recent run of each kind that has run at all.
pub async fn latest_runs(db: &Db) -> Result<Vec<ImportRun>> {
    Ok(sqlx::query_as::<_, ImportRun>(
        "SELECT r.kind, r.file, r.finished_at, r.rows_read, r.inserted, r.updated, r.unchanged, \
         r.data_through FROM import_runs r \
         WHERE r.finished_at = (SELECT MAX(finished_at) FROM import_runs x WHERE x.kind = r.kind) \
         ORDER BY r.kind",
    )
    .fetch_all(&db.read)
    .await?)
}

/// Whether any run of `kind` was ever recorded.
pub async fn has_run(db: &Db, kind: &str) -> Result<bool> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM import_runs WHERE kind = $1")
            .bind(kind)
            .fetch_one(&db.read)
            .await?
            > 0,
    )
}
