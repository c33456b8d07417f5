//! The route catalogue: which operator runs a major flow, how long it takes and how often it
//! runs. A row serves both directions.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::{FromRow, SqliteConnection};

use crate::domain::Crs;
use crate::error::Result;
use crate::store::Db;

/// A catalogued flow.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct RouteRow {
    /// CRS at one end (as catalogued).
    pub origin: Crs,
    /// CRS at the other end.
    pub destination: Crs,
    /// ATOC code of the operator of the main direct service.
    pub toc: String,
    /// Great-circle distance between the stations, km.
    pub distance_km: Option<f64>,
    /// Typical journey time, minutes.
    pub typical_minutes: i64,
    /// Off-peak trains per hour.
    pub services_per_hour: f64,
    /// Popularity rank, 1 = most popular.
    pub priority: i64,
}

/// The catalogued flow between two stations (`$1`, `$2`) in either direction: two primary-key
/// probes in one round trip (an OR could make SQLite scan).
pub const FIND_ROUTE_SQL: &str = "SELECT origin, destination, toc, distance_km, typical_minutes, \
     services_per_hour, priority FROM routes WHERE origin = $1 AND destination = $2 \
     UNION ALL SELECT origin, destination, toc, distance_km, typical_minutes, services_per_hour, \
     priority FROM routes WHERE origin = $2 AND destination = $1";

/// The whole catalogue (small by design: major flows only), read into memory.
pub const ALL_ROUTES_SQL: &str = "SELECT origin, destination, toc, distance_km, typical_minutes, \
     services_per_hour, priority FROM routes";

/// The most popular flows (`$1` = limit).
pub const TOP_ROUTES_SQL: &str = "SELECT origin, destination, toc, distance_km, typical_minutes, \
     services_per_hour, priority FROM routes ORDER BY priority LIMIT $1";

/// The whole route catalogue by (origin, destination) as catalogued, held in memory (see
/// `memo`): what the approximate timetable is generated from.
pub async fn catalogue(db: &Db) -> Result<Arc<HashMap<(Crs, Crs), RouteRow>>> {
    db.memo
        .whole_table(&db.memo.catalogue, async {
            let rows = db
                .timed(
                    "all_routes",
                    sqlx::query_as::<_, RouteRow>(ALL_ROUTES_SQL).fetch_all(&db.read),
                )
                .await?;
            Ok::<_, crate::error::Error>(Arc::new(
                rows.into_iter()
                    .map(|r| ((r.origin, r.destination), r))
                    .collect::<HashMap<_, _>>(),
            ))
        })
        .await
}

/// The catalogued flow between two stations, in either direction.
/// Answered from the whole catalogue held in memory ([`catalogue`]); [`FIND_ROUTE_SQL`] is the
/// same lookup in SQL.
pub async fn find_route(db: &Db, a: Crs, b: Crs) -> Result<Option<RouteRow>> {
    let catalogue = catalogue(db).await?;
    // The catalogued direction wins when both exist.
    Ok(catalogue
        .get(&(a, b))
        .or_else(|| catalogue.get(&(b, a)))
        .cloned())
}

/// The most popular catalogued flows, by priority.
pub async fn top_routes(db: &Db, limit: u32) -> Result<Vec<RouteRow>> {
    Ok(db
        .timed(
            "top_routes",
            sqlx::query_as::<_, RouteRow>(TOP_ROUTES_SQL)
                .bind(i64::from(limit))
                .fetch_all(&db.read),
        )
        .await?)
}

/// Inserts or refreshes a catalogued flow; true when something changed.
pub async fn upsert_route(conn: &mut SqliteConnection, r: &RouteRow) -> Result<bool> {
    Ok(sqlx::query(
        "INSERT INTO routes (origin, destination, toc, distance_km, typical_minutes, \
         services_per_hour, priority) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (origin, destination) DO UPDATE SET toc = excluded.toc, \
         distance_km = excluded.distance_km, typical_minutes = excluded.typical_minutes, \
         services_per_hour = excluded.services_per_hour, priority = excluded.priority \
         WHERE routes.toc IS DISTINCT FROM excluded.toc \
            OR routes.distance_km IS DISTINCT FROM excluded.distance_km \
            OR routes.typical_minutes IS DISTINCT FROM excluded.typical_minutes \
            OR routes.services_per_hour IS DISTINCT FROM excluded.services_per_hour \
            OR routes.priority IS DISTINCT FROM excluded.priority",
    )
    .bind(r.origin)
    .bind(r.destination)
    .bind(&r.toc)
    .bind(r.distance_km)
    .bind(r.typical_minutes)
    .bind(r.services_per_hour)
    .bind(r.priority)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0)
}
