//! Operators (ATOC codes, Delay Repay scheme, the ORR series that describes them), the names ORR
//! uses for them as station facility owners, and the punctuality figures and priors of ORR 3138.

use sqlx::{FromRow, SqliteConnection};

use crate::error::Result;
use crate::store::Db;

/// A train operating company.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct OperatorRow {
    /// ATOC code, e.g. `VT`.
    pub toc: String,
    /// Trading name.
    pub name: String,
    /// The ORR 3138 series whose punctuality applies.
    pub orr_series: String,
    /// `DR15` or `DR30`.
    pub delay_repay_scheme: String,
}

/// One operator by ATOC code (`$1`).
pub const FIND_OPERATOR_SQL: &str =
    "SELECT toc, name, orr_series, delay_repay_scheme FROM operators WHERE toc = $1";

/// One operator by ATOC code.
pub async fn find_operator(db: &Db, toc: &str) -> Result<Option<OperatorRow>> {
    db.memo
        .get_or_load(&db.memo.operators, toc.into(), async {
            Ok(db
                .timed(
                    "find_operator",
                    sqlx::query_as::<_, OperatorRow>(FIND_OPERATOR_SQL)
                        .bind(toc)
                        .fetch_optional(&db.read),
                )
                .await?)
        })
        .await
}

/// Every operator, by code.
pub async fn all_operators(db: &Db) -> Result<Vec<OperatorRow>> {
    Ok(sqlx::query_as::<_, OperatorRow>(
        "SELECT toc, name, orr_series, delay_repay_scheme FROM operators ORDER BY toc",
    )
    .fetch_all(&db.read)
    .await?)
}

/// Inserts or refreshes an operator; true when something changed.
pub async fn upsert_operator(conn: &mut SqliteConnection, op: &OperatorRow) -> Result<bool> {
    Ok(sqlx::query(
        "INSERT INTO operators (toc, name, orr_series, delay_repay_scheme) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (toc) DO UPDATE SET name = excluded.name, orr_series = excluded.orr_series, \
         delay_repay_scheme = excluded.delay_repay_scheme \
         WHERE operators.name IS DISTINCT FROM excluded.name \
            OR operators.orr_series IS DISTINCT FROM excluded.orr_series \
            OR operators.delay_repay_scheme IS DISTINCT FROM excluded.delay_repay_scheme",
    )
    .bind(&op.toc)
    .bind(&op.name)
    .bind(&op.orr_series)
    .bind(&op.delay_repay_scheme)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0)
}

/// Records that ORR calls `toc` `alias` as a station facility owner; true when something changed.
pub async fn upsert_alias(conn: &mut SqliteConnection, alias: &str, toc: &str) -> Result<bool> {
    Ok(sqlx::query(
        "INSERT INTO operator_aliases (alias, toc) VALUES ($1, $2) \
         ON CONFLICT (alias) DO UPDATE SET toc = excluded.toc \
         WHERE operator_aliases.toc IS DISTINCT FROM excluded.toc",
    )
    .bind(alias)
    .bind(toc)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0)
}

/// The ATOC code ORR's facility-owner name stands for, if it is a known operator.
pub async fn toc_for_alias(conn: &mut SqliteConnection, alias: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT toc FROM operator_aliases WHERE alias = $1")
            .bind(alias)
            .fetch_optional(&mut *conn)
            .await?,
    )
}
