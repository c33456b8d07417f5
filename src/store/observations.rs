//! Route history: service runs (from HSP imports, or synthetic ones from `simulate`) and their
//! hourly rollup. The rollup is recomputed from the runs of each touched route-day inside the
//! writer's transaction, so it can never drift from the rows it summarises.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use sqlx::{FromRow, SqliteConnection};
use time::{Date, PrimitiveDateTime, Weekday};

use crate::domain::{Crs, Route};
use crate::error::Result;
use crate::model::EvidenceCounts;
use crate::store::Db;
use crate::store::stations::Upserted;

/// One service run to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Identifies the run within its source (the HSP rid).
    pub service_key: String,
    /// `hsp` or `synthetic`.
    pub source: &'static str,
    /// CRS the traveller departs from.
    pub origin: Crs,
    /// CRS the traveller arrives at.
    pub destination: Crs,
    /// ATOC code of the operator.
    pub toc: String,
    /// Date of service.
    pub service_date: Date,
    /// Scheduled departure, local wall time.
    pub sched_dep: PrimitiveDateTime,
    /// Scheduled arrival, local wall time.
    pub sched_arr: PrimitiveDateTime,
    /// Minutes late on arrival (negative = early); `None` when cancelled or not recorded.
    pub arrival_delay_min: Option<i32>,
    /// The run did not reach the destination.
    pub cancelled: bool,
}

/// A route-day whose rollup must be recomputed after its runs changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouteDay {
    origin: Crs,
    destination: Crs,
    toc: String,
    source: &'static str,
    day: Date,
}

/// Stores one run (insert, or update when its values changed) and notes its route-day in
/// `touched` when anything changed.
pub async fn upsert_observation(
    conn: &mut SqliteConnection,
    obs: &Observation,
    touched: &mut BTreeSet<RouteDay>,
) -> Result<Upserted> {
    type Stored = (String, String, String, String, Option<i32>, bool);
    let existing: Option<Stored> = sqlx::query_as(
        "SELECT toc, service_date, sched_dep, sched_arr, arrival_delay_min, cancelled \
         FROM service_observations \
         WHERE source = $1 AND service_key = $2 AND origin = $3 AND destination = $4",
    )
    .bind(obs.source)
    .bind(&obs.service_key)
    .bind(obs.origin)
    .bind(obs.destination)
    .fetch_optional(&mut *conn)
    .await?;
    let wanted: Stored = (
        obs.toc.clone(),
        obs.service_date.to_string(),
        iso(obs.sched_dep),
        iso(obs.sched_arr),
        obs.arrival_delay_min,
        obs.cancelled,
    );
    let outcome = match &existing {
        None => Upserted::Inserted,
        Some(row) if *row == wanted => return Ok(Upserted::Unchanged),
        Some(_) => Upserted::Updated,
    };
    if let Some((old_toc, old_date, ..)) = &existing
        && let Ok(old_day) = Date::parse(
            old_date,
            &time::format_description::well_known::Iso8601::DATE,
        )
    {
        // The run may move to another operator or day: that old route-day needs a recount too.
        touched.insert(RouteDay {
            origin: obs.origin,
            destination: obs.destination,
            toc: old_toc.clone(),
            source: obs.source,
            day: old_day,
        });
    }
    sqlx::query(
        "INSERT INTO service_observations (service_key, source, origin, destination, toc, \
         service_date, sched_dep, sched_arr, arrival_delay_min, cancelled) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (source, service_key, origin, destination) DO UPDATE SET toc = excluded.toc, \
         service_date = excluded.service_date, sched_dep = excluded.sched_dep, \
         sched_arr = excluded.sched_arr, arrival_delay_min = excluded.arrival_delay_min, \
         cancelled = excluded.cancelled",
    )
    .bind(&obs.service_key)
    .bind(obs.source)
    .bind(obs.origin)
    .bind(obs.destination)
    .bind(&wanted.0)
    .bind(&wanted.1)
    .bind(&wanted.2)
    .bind(&wanted.3)
    .bind(obs.arrival_delay_min)
    .bind(obs.cancelled)
    .execute(&mut *conn)
    .await?;
    touched.insert(RouteDay {
        origin: obs.origin,
        destination: obs.destination,
        toc: obs.toc.clone(),
        source: obs.source,
        day: obs.service_date,
    });
    Ok(outcome)
}

/// Recomputes the rollup rows of each touched route-day from the stored runs.
pub async fn refresh_rollups(
    conn: &mut SqliteConnection,
    touched: &BTreeSet<RouteDay>,
) -> Result<()> {
    for rd in touched {
        let day = rd.day.to_string();
        sqlx::query(
            "DELETE FROM route_delay_rollup WHERE origin = $1 AND destination = $2 AND toc = $3 \
             AND source = $4 AND day = $5",
        )
        .bind(rd.origin)
        .bind(rd.destination)
        .bind(&rd.toc)
        .bind(rd.source)
        .bind(&day)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO route_delay_rollup (origin, destination, toc, source, day, hour, day_type, \
             n, early, lt1, lt3, lt5, lt10, lt15, lt20, lt30, lt60, lt120, cancelled, sum_delay) \
             SELECT origin, destination, toc, source, service_date, \
               CAST(substr(sched_dep, 12, 2) AS INTEGER), $6, \
               COUNT(arrival_delay_min), \
               SUM(CASE WHEN arrival_delay_min < 0 THEN 1 ELSE 0 END), \
               SUM(CASE WHEN arrival_delay_min < 1 THEN 1 ELSE 0 END), \
               SUM(CASE WHEN arrival_delay_min < 3 THEN 1 ELSE 0 END), \
               SUM(CASE WHEN arrival_delay_min < 5 THEN 1 ELSE 0 END), \
               SUM(CASE WHEN arrival_delay_min < 10 THEN 1 ELSE 0 END), \
               SUM(CASE WHEN arrival_delay_min < 15 THEN 1 ELSE 0 END), \
               SUM(CASE WHEN arrival_delay_min < 20 THEN 1 ELSE 0 END), \
               SUM(CASE WHEN arrival_delay_min < 30 THEN 1 ELSE 0 END), \
               SUM(CASE WHEN arrival_delay_min < 60 THEN 1 ELSE 0 END), \
               SUM(CASE WHEN arrival_delay_min < 120 THEN 1 ELSE 0 END), \
               SUM(CASE WHEN cancelled THEN 1 ELSE 0 END), \
               COALESCE(SUM(arrival_delay_min), 0) \
             FROM service_observations \
             WHERE origin = $1 AND destination = $2 AND toc = $3 AND source = $4 \
               AND service_date = $5 \
             GROUP BY origin, destination, toc, source, service_date, \
               CAST(substr(sched_dep, 12, 2) AS INTEGER)",
        )
        .bind(rd.origin)
        .bind(rd.destination)
        .bind(&rd.toc)
        .bind(rd.source)
        .bind(&day)
        .bind(day_type(rd.day))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The rollup's day type of a date (bank holidays are not singled out).
pub fn day_type(date: Date) -> &'static str {
    match date.weekday() {
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
        _ => "weekday",
    }
}

fn iso(t: PrimitiveDateTime) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Summed rollup counts of a route and operator for one departure hour and day type.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RollupCounts {
    /// Departure hour 0..=23.
    pub hour: i64,
    /// `weekday`, `saturday` or `sunday`.
    pub day_type: String,
    /// Runs with a recorded arrival.
    pub n: i64,
    /// Early arrivals.
    pub early: i64,
    /// Less than 1 minute late (early included).
    pub lt1: i64,
    /// Less than 3 minutes late.
    pub lt3: i64,
    /// Less than 5 minutes late.
    pub lt5: i64,
    /// Less than 10 minutes late.
    pub lt10: i64,
    /// Less than 15 minutes late.
    pub lt15: i64,
    /// Less than 20 minutes late.
    pub lt20: i64,
    /// Less than 30 minutes late.
    pub lt30: i64,
    /// Less than 60 minutes late.
    pub lt60: i64,
    /// Less than 120 minutes late.
    pub lt120: i64,
    /// Cancelled runs.
    pub cancelled: i64,
    /// Sum of recorded delays, minutes.
    pub sum_delay: i64,
    /// Whether any of it is synthetic (from `simulate`).
    pub synthetic: bool,
}

impl RollupCounts {
    /// The row's counts as the model's evidence (a negative count, which the rollup never
    /// writes, reads as 0).
    pub fn evidence(&self) -> EvidenceCounts {
        let u = |v: i64| u64::try_from(v).unwrap_or(0);
        EvidenceCounts {
            n: u(self.n),
            early: u(self.early),
            lt1: u(self.lt1),
            lt3: u(self.lt3),
            lt5: u(self.lt5),
            lt10: u(self.lt10),
            lt15: u(self.lt15),
            lt20: u(self.lt20),
            lt30: u(self.lt30),
            lt60: u(self.lt60),
            lt120: u(self.lt120),
            cancelled: u(self.cancelled),
            sum_delay: self.sum_delay,
        }
    }
}

/// A route's rollup (`$1` origin, `$2` destination, `$3` toc) since a day (`$4`).
pub const ROUTE_ROLLUP_SQL: &str = "SELECT hour, day_type, SUM(n) AS n, SUM(early) AS early, \
     SUM(lt1) AS lt1, SUM(lt3) AS lt3, SUM(lt5) AS lt5, SUM(lt10) AS lt10, SUM(lt15) AS lt15, \
     SUM(lt20) AS lt20, SUM(lt30) AS lt30, SUM(lt60) AS lt60, SUM(lt120) AS lt120, \
     SUM(cancelled) AS cancelled, SUM(sum_delay) AS sum_delay, \
     MAX(source = 'synthetic') AS synthetic FROM route_delay_rollup \
     WHERE origin = $1 AND destination = $2 AND toc = $3 AND day >= $4 \
     GROUP BY hour, day_type ORDER BY hour, day_type";

/// A route's rollup on the given days only (e.g. the bank holidays in its window), per departure
/// hour; `day_type` is reported as `special`. No days, no query.
pub async fn route_rollup_on_days(
    db: &Db,
    route: Route,
    toc: &str,
    days: &[Date],
) -> Result<Vec<RollupCounts>> {
    if days.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
        "SELECT hour, 'special' AS day_type, SUM(n) AS n, SUM(early) AS early, \
         SUM(lt1) AS lt1, SUM(lt3) AS lt3, SUM(lt5) AS lt5, SUM(lt10) AS lt10, SUM(lt15) AS lt15, \
         SUM(lt20) AS lt20, SUM(lt30) AS lt30, SUM(lt60) AS lt60, SUM(lt120) AS lt120, \
         SUM(cancelled) AS cancelled, SUM(sum_delay) AS sum_delay, \
         MAX(source = 'synthetic') AS synthetic FROM route_delay_rollup WHERE origin = ",
    );
    query
        .push_bind(route.origin())
        .push(" AND destination = ")
        .push_bind(route.destination())
        .push(" AND toc = ")
        .push_bind(toc)
        .push(" AND day IN (");
    let mut list = query.separated(", ");
    for day in days {
        list.push_bind(day.to_string());
    }
    query.push(") GROUP BY hour ORDER BY hour");
    Ok(db
        .timed(
            "route_rollup_on_days",
            query.build_query_as::<RollupCounts>().fetch_all(&db.read),
        )
        .await?)
}

/// A route's rollup since `since` (inclusive), per departure hour and day type.
pub async fn route_rollup(
    db: &Db,
    route: Route,
    toc: &str,
    since: Date,
) -> Result<Vec<RollupCounts>> {
    Ok(db
        .timed(
            "route_rollup",
            sqlx::query_as::<_, RollupCounts>(ROUTE_ROLLUP_SQL)
                .bind(route.origin())
                .bind(route.destination())
                .bind(toc)
                .bind(since.to_string())
                .fetch_all(&db.read),
        )
        .await?)
}

/// The last day of a route's history (`$1` origin, `$2` destination, `$3` toc).
pub const ROUTE_LATEST_DAY_SQL: &str = "SELECT MAX(day) FROM route_delay_rollup \
     WHERE origin = $1 AND destination = $2 AND toc = $3";

/// Every route's last day of history, read into memory whole (one index pass; re-read only
/// after a write, see `memo`).
pub const LATEST_DAYS_SQL: &str = "SELECT origin, destination, toc, MAX(day) FROM \
     route_delay_rollup GROUP BY origin, destination, toc";

/// The last day a route has history for, if any. History windows end there rather than today,
/// so imported history keeps counting however old the import is. Answered from the table held
/// in memory; [`ROUTE_LATEST_DAY_SQL`] is the same lookup in SQL.
pub async fn route_latest_day(db: &Db, route: Route, toc: &str) -> Result<Option<Date>> {
    let latest = db
        .memo
        .whole_table(&db.memo.latest_days, async {
            let rows: Vec<(String, String, String, String)> = db
                .timed(
                    "latest_days",
                    sqlx::query_as(LATEST_DAYS_SQL).fetch_all(&db.read),
                )
                .await?;
            Ok::<_, crate::error::Error>(Arc::new(
                rows.into_iter()
                    .filter_map(|(o, d, t, day)| {
                        let day =
                            Date::parse(&day, &time::format_description::well_known::Iso8601::DATE)
                                .ok()?;
                        Some((format!("{o}:{d}:{t}").into_boxed_str(), day))
                    })
                    .collect::<HashMap<_, _>>(),
            ))
        })
        .await?;
    Ok(latest
        .get(format!("{}:{}:{toc}", route.origin(), route.destination()).as_str())
        .copied())
}

/// A route's runs per day (`$1` origin, `$2` destination, `$3` toc, since day `$4`).
pub const ROUTE_DAILY_SQL: &str = "SELECT day, SUM(n) AS n, SUM(lt1) AS lt1, \
     SUM(lt5) AS lt5, SUM(cancelled) AS cancelled, SUM(sum_delay) AS sum_delay \
     FROM route_delay_rollup WHERE origin = $1 AND destination = $2 AND toc = $3 AND day >= $4 \
     GROUP BY day ORDER BY day";

/// One day of a route's history.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct DailyCounts {
    /// YYYY-MM-DD.
    pub day: String,
    /// Runs with a recorded arrival.
    pub n: i64,
    /// Less than 1 minute late.
    pub lt1: i64,
    /// Less than 5 minutes late.
    pub lt5: i64,
    /// Cancelled runs.
    pub cancelled: i64,
    /// Sum of recorded delays, minutes.
    pub sum_delay: i64,
}

/// A route's history per day since `since`.
pub async fn route_daily(
    db: &Db,
    route: Route,
    toc: &str,
    since: Date,
) -> Result<Vec<DailyCounts>> {
    Ok(db
        .timed(
            "route_daily",
            sqlx::query_as::<_, DailyCounts>(ROUTE_DAILY_SQL)
                .bind(route.origin())
                .bind(route.destination())
                .bind(toc)
                .bind(since.to_string())
                .fetch_all(&db.read),
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn day_types_follow_the_calendar() {
        assert_eq!(day_type(date!(2025 - 11 - 21)), "weekday");
        assert_eq!(day_type(date!(2025 - 11 - 22)), "saturday");
        assert_eq!(day_type(date!(2025 - 11 - 23)), "sunday");
    }

    #[test]
    fn times_are_stored_as_iso_local_wall_time() {
        assert_eq!(iso(datetime!(2025-11-21 07:05)), "2025-11-21T07:05:00");
    }
}
