//! Fares and ticket types: writing a parsed feed (the RDG feed, or the built-in SAMPLE set) as a
//! full refresh that reports what changed, and looking fares up for a pair of stations.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sqlx::{FromRow, SqliteConnection};

use crate::domain::ticket::{Journey, TicketClass, TicketKind};
use crate::error::Result;
use crate::feeds::fares::{Direction, FaresFeed, Flow};
use crate::store::Db;
use crate::store::counts::Counts;
use crate::store::stations::Upserted;

/// Fares of a pair of stations in both directions (`$1`, `$2` NLCs), with their ticket types.
pub const FARES_BETWEEN_SQL: &str = "SELECT f.flow_id, f.ticket_code, f.price_pence, \
     f.restriction, f.valid_from, f.valid_until, f.toc, f.source, t.description, t.class, \
     t.journey, t.kind, t.valid_from AS ticket_valid_from, t.valid_until AS ticket_valid_until \
     FROM fares f JOIN ticket_types t ON t.code = f.ticket_code \
     WHERE f.origin_nlc = $1 AND f.dest_nlc = $2 \
     UNION ALL \
     SELECT f.flow_id, f.ticket_code, f.price_pence, f.restriction, f.valid_from, f.valid_until, \
     f.toc, f.source, t.description, t.class, t.journey, t.kind, t.valid_from, t.valid_until \
     FROM fares f JOIN ticket_types t ON t.code = f.ticket_code \
     WHERE f.origin_nlc = $2 AND f.dest_nlc = $1 AND f.direction = 'R'";

/// Whether any fare of a source (`$1`) is loaded.
pub const HAS_FARES_SQL: &str = "SELECT EXISTS (SELECT 1 FROM fares WHERE source = $1)";

/// Which fare sources are loaded: (real feed, sample set), in one round trip.
pub const FARE_SOURCES_SQL: &str = "SELECT EXISTS (SELECT 1 FROM fares WHERE source = 'rdg'), \
     EXISTS (SELECT 1 FROM fares WHERE source = 'sample')";

/// Whether the real feed and the sample set are loaded.
pub async fn fare_sources(db: &Db) -> Result<(bool, bool)> {
    db.memo
        .get_or_load(&db.memo.fare_sources, (), async {
            Ok(db
                .timed(
                    "fare_sources",
                    sqlx::query_as(FARE_SOURCES_SQL).fetch_one(&db.read),
                )
                .await?)
        })
        .await
}

/// A fare with its ticket type, as stored.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct FareRow {
    /// Flow (or non-derivable fare) id.
    pub flow_id: String,
    /// Ticket type code, e.g. `SDS`.
    pub ticket_code: String,
    /// Price in pence.
    pub price_pence: i64,
    /// Restriction code, if any.
    pub restriction: Option<String>,
    /// First day the fare is valid (YYYY-MM-DD).
    pub valid_from: String,
    /// Last day the fare is valid.
    pub valid_until: String,
    /// Operator of the flow, if restricted to one.
    pub toc: Option<String>,
    /// `rdg` or `sample`.
    pub source: String,
    /// Ticket type description.
    pub description: String,
    /// First, standard or both.
    pub class: TicketClass,
    /// Single or return.
    pub journey: Journey,
    /// Advance, off-peak, super off-peak, anytime or other.
    pub kind: TicketKind,
    /// First day the ticket type is valid.
    pub ticket_valid_from: String,
    /// Last day the ticket type is valid.
    pub ticket_valid_until: String,
}

/// Every fare between two NLCs in either direction a flow serves.
pub async fn fares_between(db: &Db, origin_nlc: &str, dest_nlc: &str) -> Result<Arc<Vec<FareRow>>> {
    let key = format!("{origin_nlc}:{dest_nlc}").into_boxed_str();
    db.memo
        .get_or_load(&db.memo.fares, key, async {
            Ok(Arc::new(
                db.timed(
                    "fares_between",
                    sqlx::query_as::<_, FareRow>(FARES_BETWEEN_SQL)
                        .bind(origin_nlc)
                        .bind(dest_nlc)
                        .fetch_all(&db.read),
                )
                .await?,
            ))
        })
        .await
}

/// Whether fares of `source` (`rdg` or `sample`) are loaded.
pub async fn has_fares(db: &Db, source: &str) -> Result<bool> {
    Ok(db
        .timed(
            "has_fares",
            sqlx::query_scalar(HAS_FARES_SQL)
                .bind(source)
                .fetch_one(&db.read),
        )
        .await?)
}

/// Same as [`has_fares`] inside a transaction.
pub async fn has_fares_in(conn: &mut SqliteConnection, source: &str) -> Result<bool> {
    Ok(sqlx::query_scalar(HAS_FARES_SQL)
        .bind(source)
        .fetch_one(&mut *conn)
        .await?)
}

/// One fare row to write.
struct NewFare<'a> {
    flow_id: String,
    ticket_code: &'a str,
    origin_nlc: &'a str,
    dest_nlc: &'a str,
    route_code: &'a str,
    direction: &'static str,
    toc: Option<&'a str>,
    price_pence: i64,
    restriction: Option<&'a str>,
    valid_from: String,
    valid_until: String,
}

/// Writes a feed as the whole of `source`'s fares: rows are inserted or updated, rows of that
/// source the feed no longer has are deleted, and a real feed removes the sample set.
/// Returns (fares, ticket types) counts; deletions count as updates.
pub async fn replace_feed(
    conn: &mut SqliteConnection,
    feed: &FaresFeed,
    source: &str,
) -> Result<(Counts, Counts)> {
    let mut ticket_counts = Counts::default();
    let mut fare_counts = Counts::default();
    if source == "rdg" {
        let removed = sqlx::query("DELETE FROM fares WHERE source = 'sample'")
            .execute(&mut *conn)
            .await?
            .rows_affected()
            + sqlx::query("DELETE FROM ticket_types WHERE source = 'sample'")
                .execute(&mut *conn)
                .await?
                .rows_affected();
        fare_counts.updated += removed;
    }

    let mut codes = HashSet::new();
    for t in &feed.ticket_types {
        codes.insert(t.code.as_str());
        // Both statements number the ticket type's values alike ($1 code … $8 source).
        let bind = |sql: &'static str| {
            sqlx::query(sql)
                .bind(&t.code)
                .bind(&t.description)
                .bind(t.class)
                .bind(t.journey)
                .bind(t.kind)
                .bind(t.valid_from.to_string())
                .bind(t.valid_until.to_string())
                .bind(source)
        };
        let outcome = insert_else_update(
            conn,
            bind(
                "INSERT INTO ticket_types (code, description, class, journey, kind, valid_from, \
                 valid_until, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (code) DO NOTHING",
            ),
            bind(
                "UPDATE ticket_types SET description = $2, class = $3, journey = $4, kind = $5, \
                 valid_from = $6, valid_until = $7, source = $8 WHERE code = $1 AND (\
                 description IS DISTINCT FROM $2 OR class IS DISTINCT FROM $3 \
                 OR journey IS DISTINCT FROM $4 OR kind IS DISTINCT FROM $5 \
                 OR valid_from IS DISTINCT FROM $6 OR valid_until IS DISTINCT FROM $7 \
                 OR source IS DISTINCT FROM $8)",
            ),
        )
        .await?;
        ticket_counts.add(outcome);
    }

    let flows: HashMap<&str, &Flow> = feed.flows.iter().map(|f| (f.flow_id.as_str(), f)).collect();
    let mut rows = Vec::new();
    for fare in &feed.fares {
        // The parser refuses fares without their flow, so every lookup succeeds.
        let Some(flow) = flows.get(fare.flow_id.as_str()) else {
            continue;
        };
        rows.push(NewFare {
            flow_id: flow.flow_id.clone(),
            ticket_code: &fare.ticket_code,
            origin_nlc: &flow.origin,
            dest_nlc: &flow.destination,
            route_code: &flow.route,
            direction: match flow.direction {
                Direction::Reversible => "R",
                Direction::SingleDirection => "S",
            },
            toc: flow.toc.as_deref(),
            price_pence: fare.price_pence,
            restriction: fare.restriction.as_deref(),
            valid_from: flow.valid_from.to_string(),
            valid_until: flow.valid_until.to_string(),
        });
    }
    for nd in &feed.non_derivable {
        // Railcard-discounted and suppressed fares are not what a traveller pays by default.
        if nd.railcard.is_some() || nd.suppressed {
            continue;
        }
        rows.push(NewFare {
            flow_id: format!("ND{}{}{}", nd.origin, nd.destination, nd.route),
            ticket_code: &nd.ticket_code,
            origin_nlc: &nd.origin,
            dest_nlc: &nd.destination,
            route_code: &nd.route,
            direction: "S",
            toc: None,
            price_pence: nd.adult_pence,
            restriction: nd.restriction.as_deref(),
            valid_from: nd.valid_from.to_string(),
            valid_until: nd.valid_until.to_string(),
        });
    }
    let mut keys = HashSet::new();
    for r in &rows {
        keys.insert((r.flow_id.clone(), r.ticket_code.to_owned()));
        fare_counts.add(upsert_fare(conn, r, source).await?);
    }

    // Whatever this source had that the feed no longer lists is gone.
    let existing: Vec<(String, String)> =
        sqlx::query_as("SELECT flow_id, ticket_code FROM fares WHERE source = $1")
            .bind(source)
            .fetch_all(&mut *conn)
            .await?;
    for (flow_id, ticket_code) in existing {
        if !keys.contains(&(flow_id.clone(), ticket_code.clone())) {
            sqlx::query("DELETE FROM fares WHERE flow_id = $1 AND ticket_code = $2")
                .bind(flow_id)
                .bind(ticket_code)
                .execute(&mut *conn)
                .await?;
            fare_counts.updated += 1;
        }
    }
    let existing: Vec<String> =
        sqlx::query_scalar("SELECT code FROM ticket_types WHERE source = $1")
            .bind(source)
            .fetch_all(&mut *conn)
            .await?;
    for code in existing {
        if !codes.contains(code.as_str()) {
            sqlx::query("DELETE FROM ticket_types WHERE code = $1")
                .bind(code)
                .execute(&mut *conn)
                .await?;
            ticket_counts.updated += 1;
        }
    }
    Ok((fare_counts, ticket_counts))
}

async fn upsert_fare(
    conn: &mut SqliteConnection,
    r: &NewFare<'_>,
    source: &str,
) -> Result<Upserted> {
    // Both statements number the fare's values alike ($1 flow_id … $12 source).
    let bind = |sql: &'static str| {
        sqlx::query(sql)
            .bind(&r.flow_id)
            .bind(r.ticket_code)
            .bind(r.origin_nlc)
            .bind(r.dest_nlc)
            .bind(r.route_code)
            .bind(r.direction)
            .bind(r.toc)
            .bind(r.price_pence)
            .bind(r.restriction)
            .bind(&r.valid_from)
            .bind(&r.valid_until)
            .bind(source)
    };
    insert_else_update(
        conn,
        bind(
            "INSERT INTO fares (flow_id, ticket_code, origin_nlc, dest_nlc, route_code, direction, \
             toc, price_pence, restriction, valid_from, valid_until, source) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (flow_id, ticket_code) DO NOTHING",
        ),
        bind(
            "UPDATE fares SET origin_nlc = $3, dest_nlc = $4, route_code = $5, direction = $6, \
             toc = $7, price_pence = $8, restriction = $9, valid_from = $10, valid_until = $11, \
             source = $12 WHERE flow_id = $1 AND ticket_code = $2 AND (\
             origin_nlc IS DISTINCT FROM $3 OR dest_nlc IS DISTINCT FROM $4 \
             OR route_code IS DISTINCT FROM $5 OR direction IS DISTINCT FROM $6 \
             OR toc IS DISTINCT FROM $7 OR price_pence IS DISTINCT FROM $8 \
             OR restriction IS DISTINCT FROM $9 OR valid_from IS DISTINCT FROM $10 \
             OR valid_until IS DISTINCT FROM $11 OR source IS DISTINCT FROM $12)",
        ),
    )
    .await
}

/// A query with its values bound.
type Bound<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

/// Runs `insert` (which does nothing on a conflict), and when it inserted nothing, `update`
/// (which changes only a row whose values differ): what happened to the row.
async fn insert_else_update(
    conn: &mut SqliteConnection,
    insert: Bound<'_>,
    update: Bound<'_>,
) -> Result<Upserted> {
    if insert.execute(&mut *conn).await?.rows_affected() == 1 {
        return Ok(Upserted::Inserted);
    }
    Ok(if update.execute(&mut *conn).await?.rows_affected() == 1 {
        Upserted::Updated
    } else {
        Upserted::Unchanged
    })
}
