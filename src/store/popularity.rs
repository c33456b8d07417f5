//! Request counts per route and day: written in batches by the popularity flusher, read for
//! `GET /api/routes/popular`.

use sqlx::FromRow;

use crate::error::Result;
use crate::store::Db;

/// The most requested routes since a day (`$1`), at most `$2` of them.
pub const POPULAR_ROUTES_SQL: &str = "SELECT origin, destination, SUM(requests) AS requests \
     FROM route_popularity WHERE day >= $1 GROUP BY origin, destination \
     ORDER BY requests DESC, origin, destination LIMIT $2";

/// A route and how often it was asked for.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RouteCount {
    /// Origin CRS.
    pub origin: String,
    /// Destination CRS.
    pub destination: String,
    /// Prediction requests counted.
    pub requests: i64,
}

/// Adds a batch of counts for `day` (YYYY-MM-DD) in one transaction.
pub async fn add_counts(db: &Db, day: &str, counts: &[(String, String, i64)]) -> Result<()> {
    if counts.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    for (origin, destination, n) in counts {
        sqlx::query(
            "INSERT INTO route_popularity (origin, destination, day, requests) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (origin, destination, day) \
             DO UPDATE SET requests = route_popularity.requests + excluded.requests",
        )
        .bind(origin)
        .bind(destination)
        .bind(day)
        .bind(n)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The most requested routes since `since_day` (YYYY-MM-DD).
pub async fn popular_routes(db: &Db, since_day: &str, limit: u32) -> Result<Vec<RouteCount>> {
    Ok(db
        .timed(
            "popular_routes",
            sqlx::query_as::<_, RouteCount>(POPULAR_ROUTES_SQL)
                .bind(since_day)
                .bind(i64::from(limit))
                .fetch_all(&db.read),
        )
        .await?)
}
