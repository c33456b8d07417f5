//! ORR 3184 delay minutes by operator, period and cause: the importer's idempotent writes and
//! the per-operator read behind the explanation's cause sentence. SQL only; no arithmetic.

use std::sync::Arc;

use sqlx::SqliteConnection;

use crate::domain::RailPeriod;
use crate::error::Result;
use crate::model::causes::CauseMinutes;
use crate::store::Db;
use crate::store::stations::Upserted;

/// Writes one cause's minutes for an operator and period, reporting whether anything changed.
pub async fn upsert_minutes(
    conn: &mut SqliteConnection,
    series: &str,
    period: RailPeriod,
    cause: &str,
    minutes: Option<f64>,
) -> Result<Upserted> {
    let inserted = sqlx::query(
        "INSERT INTO delay_cause_minutes (series, rail_year, period, cause, minutes) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (series, rail_year, period, cause) DO NOTHING",
    )
    .bind(series)
    .bind(period.year)
    .bind(i64::from(period.period))
    .bind(cause)
    .bind(minutes)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Upserted::Inserted);
    }
    let updated = sqlx::query(
        "UPDATE delay_cause_minutes SET minutes = $5 WHERE series = $1 AND rail_year = $2 \
         AND period = $3 AND cause = $4 AND minutes IS DISTINCT FROM $5",
    )
    .bind(series)
    .bind(period.year)
    .bind(i64::from(period.period))
    .bind(cause)
    .bind(minutes)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(if updated == 1 {
        Upserted::Updated
    } else {
        Upserted::Unchanged
    })
}

/// One operator's (`$1`) minutes per period and cause, summed over the loaded rail years.
pub const CAUSES_FOR_SERIES_SQL: &str = "SELECT period, cause, SUM(minutes), MIN(rail_year), \
     MAX(rail_year) FROM delay_cause_minutes WHERE series = $1 AND minutes IS NOT NULL \
     GROUP BY period, cause ORDER BY period, cause";

/// One operator's delay minutes per period and cause (empty when table 3184 is not loaded);
/// memoized, as the aggregate is read by every uncached prediction.
pub async fn causes_for_series(db: &Db, series: &str) -> Result<Arc<Vec<CauseMinutes>>> {
    db.memo
        .get_or_load(&db.memo.causes, series.into(), async {
            let rows: Vec<(i64, String, f64, i64, i64)> = db
                .timed(
                    "causes_for_series",
                    sqlx::query_as(CAUSES_FOR_SERIES_SQL)
                        .bind(series)
                        .fetch_all(&db.read),
                )
                .await?;
            Ok(Arc::new(
                rows.into_iter()
                    .filter_map(|(period, cause, minutes, first, last)| {
                        Some(CauseMinutes {
                            period: u8::try_from(period).ok()?,
                            cause,
                            minutes,
                            first_year: i32::try_from(first).ok()?,
                            last_year: i32::try_from(last).ok()?,
                        })
                    })
                    .collect(),
            ))
        })
        .await
}
