//! Request counts per route and day: written in batches by the popularity flusher, read for
//! `GET /api/routes/popular`.

use sqlx::FromRow;

use crate::domain::Crs;
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
    pub origin: Crs,
    /// Destination CRS.
    pub destination: Crs,
    /// Prediction requests counted.
    pub requests: i64,
}

/// Rows per multi-row upsert: 4 parameters each, far below SQLite's limit on parameters, and
/// few statements per flush (each is a round trip to the writer's thread).
const ROWS_PER_STATEMENT: usize = 200;

/// Adds a batch of counts for `day` (YYYY-MM-DD) in one transaction, many rows per statement:
/// a flush under load holds thousands of routes, and one statement per row kept the writer busy
/// (and the request path waiting for CPU) for the better part of a second.
pub async fn add_counts(db: &Db, day: &str, counts: &[(Crs, Crs, i64)]) -> Result<()> {
    if counts.is_empty() {
        return Ok(());
    }
    // Popularity is not memoized: this write leaves the reference memo alone.
    let mut tx = db.begin_write_unmemoized().await?;
    for chunk in counts.chunks(ROWS_PER_STATEMENT) {
        let mut sql = String::from(
            "INSERT INTO route_popularity (origin, destination, day, requests) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            let p = 4 * i;
            sql.push_str(&format!("(${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4));
        }
        sql.push_str(
            " ON CONFLICT (origin, destination, day) \
             DO UPDATE SET requests = route_popularity.requests + excluded.requests",
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (origin, destination, n) in chunk {
            query = query.bind(origin).bind(destination).bind(day).bind(n);
        }
        query.execute(&mut *tx).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_add_up_across_statements_and_flushes() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let db = Db::connect(&url, 1).await.unwrap();
        // More rows than one statement takes, so the batch spans three statements.
        let letter = |n: usize| char::from(b'A' + u8::try_from(n).unwrap());
        let counts: Vec<(Crs, Crs, i64)> = (0..450)
            .map(|i| {
                (
                    Crs::parse(&format!("A{}A", letter(i / 26))).unwrap(),
                    Crs::parse(&format!("B{}B", letter(i % 26))).unwrap(),
                    1 + i64::try_from(i % 3).unwrap(),
                )
            })
            .collect();
        add_counts(&db, "2026-12-01", &counts).await.unwrap();
        add_counts(&db, "2026-12-01", &counts[..10]).await.unwrap();
        add_counts(&db, "2026-12-02", &counts[..1]).await.unwrap();

        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM route_popularity")
            .fetch_one(&db.read)
            .await
            .unwrap();
        assert_eq!(rows, 451, "one row per route and day");
        let total: i64 = sqlx::query_scalar("SELECT SUM(requests) FROM route_popularity")
            .fetch_one(&db.read)
            .await
            .unwrap();
        let expected: i64 = counts.iter().map(|c| c.2).sum::<i64>()
            + counts[..10].iter().map(|c| c.2).sum::<i64>()
            + counts[0].2;
        assert_eq!(total, expected);
        let first = popular_routes(&db, "2026-12-01", 1).await.unwrap();
        // Routes 2, 5 and 8 weigh 3 and were flushed twice on that day.
        assert_eq!(first[0].requests, 6);
    }
}
