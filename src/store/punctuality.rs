//! ORR 3138 punctuality rows as published, and the per-series priors derived from them (or from
//! the built-in starter table). Writes report whether anything changed, so imports are idempotent
//! and can say so.

use std::sync::Arc;

use sqlx::{FromRow, SqliteConnection};

use crate::domain::RailPeriod;
use crate::domain::punctuality::{PriorRow, PunctualityRow, Shares};
use crate::error::Result;
use crate::store::Db;
use crate::store::stations::Upserted;

/// A stored prior: cumulative percentages for one series and period (0 = latest annual average).
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct StoredPrior {
    /// ORR series name.
    pub series: String,
    /// 0 for the moving annual average, 1..=13 the operator forecast for that rail period.
    pub period: i64,
    /// % early.
    pub early: Option<f64>,
    /// % within 59 seconds (early included).
    pub on_time: Option<f64>,
    /// % within 3 minutes.
    pub t3: Option<f64>,
    /// % within 5 minutes.
    pub t5: Option<f64>,
    /// % within 10 minutes.
    pub t10: Option<f64>,
    /// % within 15 minutes.
    pub t15: Option<f64>,
    /// % within 20 minutes.
    pub t20: Option<f64>,
    /// % within 30 minutes.
    pub t30: Option<f64>,
    /// Station stops behind the figure.
    pub stops: Option<i64>,
    /// 1 for period 0; else the complete rail years behind the seasonal index (0 = none).
    pub years: i64,
    /// Last day of the data behind the figure (YYYY-MM-DD).
    pub data_through: String,
    /// `starter` or `orr_3138`.
    pub source: String,
}

impl StoredPrior {
    /// The prior's eight cumulative shares.
    pub fn shares(&self) -> Shares {
        Shares::from_array([
            self.early,
            self.on_time,
            self.t3,
            self.t5,
            self.t10,
            self.t15,
            self.t20,
            self.t30,
        ])
    }
}

/// Writes one ORR 3138 row.
pub async fn upsert_punctuality(
    conn: &mut SqliteConnection,
    row: &PunctualityRow,
) -> Result<Upserted> {
    let inserted = bind_row(
        sqlx::query(
            "INSERT INTO operator_punctuality (series, rail_year, period, period_start, period_end, \
             stops, early, on_time, t3, t5, t10, t15, t20, t30, mat_stops, early_maa, on_time_maa, \
             t3_maa, t5_maa, t10_maa, t15_maa, t20_maa, t30_maa) VALUES ($1, $2, $3, $4, $5, $6, \
             $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) \
             ON CONFLICT (series, rail_year, period) DO NOTHING",
        ),
        row,
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Upserted::Inserted);
    }
    let updated = bind_row(
        sqlx::query(
            "UPDATE operator_punctuality SET period_start = $4, period_end = $5, stops = $6, \
             early = $7, on_time = $8, t3 = $9, t5 = $10, t10 = $11, t15 = $12, t20 = $13, \
             t30 = $14, mat_stops = $15, early_maa = $16, on_time_maa = $17, t3_maa = $18, \
             t5_maa = $19, t10_maa = $20, t15_maa = $21, t20_maa = $22, t30_maa = $23 \
             WHERE series = $1 AND rail_year = $2 AND period = $3 AND (\
               period_start IS DISTINCT FROM $4 OR period_end IS DISTINCT FROM $5 \
               OR stops IS DISTINCT FROM $6 OR early IS DISTINCT FROM $7 \
               OR on_time IS DISTINCT FROM $8 OR t3 IS DISTINCT FROM $9 \
               OR t5 IS DISTINCT FROM $10 OR t10 IS DISTINCT FROM $11 \
               OR t15 IS DISTINCT FROM $12 OR t20 IS DISTINCT FROM $13 \
               OR t30 IS DISTINCT FROM $14 OR mat_stops IS DISTINCT FROM $15 \
               OR early_maa IS DISTINCT FROM $16 OR on_time_maa IS DISTINCT FROM $17 \
               OR t3_maa IS DISTINCT FROM $18 OR t5_maa IS DISTINCT FROM $19 \
               OR t10_maa IS DISTINCT FROM $20 OR t15_maa IS DISTINCT FROM $21 \
               OR t20_maa IS DISTINCT FROM $22 OR t30_maa IS DISTINCT FROM $23)",
        ),
        row,
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(if updated == 1 {
        Upserted::Updated
    } else {
        Upserted::Unchanged
    })
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

fn bind_row<'q>(mut q: Query<'q>, row: &'q PunctualityRow) -> Query<'q> {
    q = q
        .bind(&row.series)
        .bind(row.period.year)
        .bind(i64::from(row.period.period))
        .bind(row.period.start().to_string())
        .bind(row.period.end().to_string())
        .bind(row.stops);
    for v in row.raw.to_array() {
        q = q.bind(v);
    }
    q = q.bind(row.mat_stops);
    for v in row.maa.to_array() {
        q = q.bind(v);
    }
    q
}

/// Writes a derived prior (source `orr_3138` or `starter`). A starter prior never replaces one
/// derived from an imported file.
pub async fn upsert_prior(
    conn: &mut SqliteConnection,
    prior: &PriorRow,
    source: &str,
) -> Result<Upserted> {
    let existing: Option<StoredPrior> = sqlx::query_as(
        "SELECT series, period, early, on_time, t3, t5, t10, t15, t20, t30, stops, years, \
         data_through, source FROM operator_priors WHERE series = $1 AND period = $2",
    )
    .bind(&prior.series)
    .bind(i64::from(prior.period))
    .fetch_optional(&mut *conn)
    .await?;
    let wanted = StoredPrior {
        series: prior.series.clone(),
        period: i64::from(prior.period),
        early: prior.shares.early,
        on_time: prior.shares.on_time,
        t3: prior.shares.t3,
        t5: prior.shares.t5,
        t10: prior.shares.t10,
        t15: prior.shares.t15,
        t20: prior.shares.t20,
        t30: prior.shares.t30,
        stops: prior.stops,
        years: i64::from(prior.years),
        data_through: prior.data_through.to_string(),
        source: source.to_owned(),
    };
    let outcome = match &existing {
        None => Upserted::Inserted,
        Some(e) if *e == wanted => return Ok(Upserted::Unchanged),
        Some(e) if source == "starter" && e.source != "starter" => return Ok(Upserted::Unchanged),
        Some(_) => Upserted::Updated,
    };
    sqlx::query(
        "INSERT INTO operator_priors (series, period, early, on_time, t3, t5, t10, t15, t20, t30, \
         stops, years, data_through, source) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (series, period) DO UPDATE SET early = excluded.early, \
         on_time = excluded.on_time, t3 = excluded.t3, t5 = excluded.t5, t10 = excluded.t10, \
         t15 = excluded.t15, t20 = excluded.t20, t30 = excluded.t30, stops = excluded.stops, \
         years = excluded.years, data_through = excluded.data_through, source = excluded.source",
    )
    .bind(&wanted.series)
    .bind(wanted.period)
    .bind(wanted.early)
    .bind(wanted.on_time)
    .bind(wanted.t3)
    .bind(wanted.t5)
    .bind(wanted.t10)
    .bind(wanted.t15)
    .bind(wanted.t20)
    .bind(wanted.t30)
    .bind(wanted.stops)
    .bind(wanted.years)
    .bind(&wanted.data_through)
    .bind(&wanted.source)
    .execute(&mut *conn)
    .await?;
    Ok(outcome)
}

/// The priors of one series (`$1`), in period order.
pub const PRIORS_FOR_SERIES_SQL: &str = "SELECT series, period, early, on_time, t3, t5, t10, \
     t15, t20, t30, stops, years, data_through, source FROM operator_priors WHERE series = $1 \
     ORDER BY period";

/// The priors of one series: period 0 and the rail periods, in period order.
pub async fn priors_for_series(db: &Db, series: &str) -> Result<Arc<Vec<StoredPrior>>> {
    db.memo
        .get_or_load(&db.memo.priors, series.into(), async {
            Ok(Arc::new(
                db.timed(
                    "priors_for_series",
                    sqlx::query_as::<_, StoredPrior>(PRIORS_FOR_SERIES_SQL)
                        .bind(series)
                        .fetch_all(&db.read),
                )
                .await?,
            ))
        })
        .await
}

/// Rows stored for ORR 3138, and the last day they cover.
pub async fn punctuality_extent(db: &Db) -> Result<(i64, Option<String>)> {
    Ok(
        sqlx::query_as("SELECT COUNT(*), MAX(period_end) FROM operator_punctuality")
            .fetch_one(&db.read)
            .await?,
    )
}

/// The last day the stored priors cover, and how many there are.
pub async fn priors_extent(db: &Db) -> Result<(i64, Option<String>)> {
    Ok(
        sqlx::query_as("SELECT COUNT(*), MAX(data_through) FROM operator_priors")
            .fetch_one(&db.read)
            .await?,
    )
}

/// The first and last rail periods with ORR 3138 rows, or `None` when none are loaded.
pub async fn loaded_period_range(db: &Db) -> Result<Option<(RailPeriod, RailPeriod)>> {
    let (first, last): (Option<i64>, Option<i64>) = db
        .timed(
            "loaded_period_range",
            sqlx::query_as(
                "SELECT MIN(rail_year * 100 + period), MAX(rail_year * 100 + period) \
                 FROM operator_punctuality",
            )
            .fetch_one(&db.read),
        )
        .await?;
    let period = |code: i64| {
        RailPeriod::new(
            i32::try_from(code / 100).ok()?,
            u8::try_from(code % 100).ok()?,
        )
    };
    Ok(first.and_then(period).zip(last.and_then(period)))
}

/// The recorded shares of one series (`$1`) in one rail period (`$2` year, `$3` period).
pub const PERIOD_SHARES_SQL: &str = "SELECT early, on_time, t3, t5, t10, t15, t20, t30 \
     FROM operator_punctuality WHERE series = $1 AND rail_year = $2 AND period = $3";

/// The ORR 3138 record of `series` in `period`, when that period is loaded.
pub async fn period_shares(db: &Db, series: &str, period: RailPeriod) -> Result<Option<Shares>> {
    type Row = (
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
    );
    db.memo
        .get_or_load(&db.memo.period_shares, (series.into(), period), async {
            let row: Option<Row> = db
                .timed(
                    "period_shares",
                    sqlx::query_as(PERIOD_SHARES_SQL)
                        .bind(series)
                        .bind(period.year)
                        .bind(i64::from(period.period))
                        .fetch_optional(&db.read),
                )
                .await?;
            Ok(row.map(|(a, b, c, d, e, f, g, h)| Shares::from_array([a, b, c, d, e, f, g, h])))
        })
        .await
}
