//! Station queries and writes: lookup by CRS, autocomplete search, and the upserts the importers
//! and starter data use. Search goes through `station_search_terms` (an index range scan per
//! word), never a `LIKE '%…%'` over every station.

use sqlx::{AssertSqlSafe, FromRow, SqliteConnection};

use crate::domain::Crs;
use crate::error::Result;
use crate::store::Db;

/// Most words of a query that take part in a search; more are ignored.
pub const MAX_SEARCH_WORDS: usize = 5;

/// A station as stored.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct StationRow {
    /// CRS code.
    pub crs: Crs,
    /// Display name.
    pub name: String,
    /// WGS84 latitude, when known.
    pub lat: Option<f64>,
    /// WGS84 longitude, when known.
    pub lon: Option<f64>,
    /// National Location Code (fares are keyed on it).
    pub nlc: Option<String>,
    /// ORR region.
    pub region: Option<String>,
    /// Station facility owner as ORR names it.
    pub facility_owner: Option<String>,
    /// ATOC code of the facility owner, when it is a train operator.
    pub facility_owner_toc: Option<String>,
    /// Annual entries and exits (ORR 1410).
    pub entries_exits: Option<i64>,
}

/// A search hit for autocomplete.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct StationHit {
    /// CRS code.
    pub crs: Crs,
    /// Display name.
    pub name: String,
    /// WGS84 latitude, when known.
    pub lat: Option<f64>,
    /// WGS84 longitude, when known.
    pub lon: Option<f64>,
}

/// One station by CRS, or `None`.
pub async fn find_station(db: &Db, crs: Crs) -> Result<Option<StationRow>> {
    db.memo
        .get_or_load(&db.memo.stations, crs, async {
            Ok(db
                .timed(
                    "find_station",
                    sqlx::query_as::<_, StationRow>(FIND_STATION_SQL)
                        .bind(crs)
                        .fetch_optional(&db.read),
                )
                .await?)
        })
        .await
}

/// Two stations by CRS (`$1`, `$2`) in one round trip.
pub const FIND_TWO_STATIONS_SQL: &str = "SELECT crs, name, lat, lon, nlc, region, facility_owner, \
     facility_owner_toc, entries_exits FROM stations WHERE crs IN ($1, $2)";

/// Two stations by CRS in one round trip: (first, second), each `None` when unknown. Memoized
/// per station; a miss on either reads both.
pub async fn find_two_stations(
    db: &Db,
    a: Crs,
    b: Crs,
) -> Result<(Option<StationRow>, Option<StationRow>)> {
    let memo = &db.memo;
    let generation = memo.generation();
    if let (Some(first), Some(second)) = (
        memo.get(&memo.stations, &a, generation),
        memo.get(&memo.stations, &b, generation),
    ) {
        return Ok((first, second));
    }
    let (first, second) = read_two_stations(db, a, b).await?;
    memo.keep(&memo.stations, a, generation, first.clone());
    memo.keep(&memo.stations, b, generation, second.clone());
    Ok((first, second))
}

async fn read_two_stations(
    db: &Db,
    a: Crs,
    b: Crs,
) -> Result<(Option<StationRow>, Option<StationRow>)> {
    let rows = db
        .timed(
            "find_two_stations",
            sqlx::query_as::<_, StationRow>(FIND_TWO_STATIONS_SQL)
                .bind(a)
                .bind(b)
                .fetch_all(&db.read),
        )
        .await?;
    let pick = |c: Crs| rows.iter().find(|r| r.crs == c).cloned();
    Ok((pick(a), pick(b)))
}

/// The TIPLOCs of a station, sorted.
pub async fn station_tiplocs(db: &Db, crs: Crs) -> Result<Vec<String>> {
    Ok(db
        .timed(
            "station_tiplocs",
            sqlx::query_scalar(STATION_TIPLOCS_SQL)
                .bind(crs)
                .fetch_all(&db.read),
        )
        .await?)
}

/// The words of a name or query as the search index stores them: lower case, apostrophes
/// dropped ("King's" → "kings"), split on anything that is not a letter or digit.
pub fn search_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['\'', '\u{2019}'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One station by CRS (`$1`).
pub const FIND_STATION_SQL: &str = "SELECT crs, name, lat, lon, nlc, region, facility_owner, \
     facility_owner_toc, entries_exits FROM stations WHERE crs = $1";

/// TIPLOCs of a station (`$1`).
pub const STATION_TIPLOCS_SQL: &str =
    "SELECT tiploc FROM station_tiplocs WHERE crs = $1 ORDER BY tiploc";

/// The busiest stations (`$1` = limit): an ordered walk of `stations_busiest` that stops at
/// the limit. Stations without usage figures are not listed.
pub const BUSIEST_STATIONS_SQL: &str = "SELECT crs, name, lat, lon FROM stations \
     WHERE entries_exits IS NOT NULL ORDER BY entries_exits DESC, crs LIMIT $1";

/// The search query for a query of `1 + extra_words` words. Parameters: `$1` exact code, `$2`
/// lower-case name prefix pattern, `$3` limit, then a (start, end) range per word from `$4`.
pub fn search_sql(extra_words: usize) -> String {
    let mut sql = String::from(
        "SELECT s.crs, s.name, s.lat, s.lon FROM stations s WHERE s.crs IN (\
         SELECT crs FROM stations WHERE crs = $1 \
         UNION SELECT crs FROM station_search_terms WHERE term >= $4 AND term < $5)",
    );
    for i in 0..extra_words {
        let p = 6 + 2 * i;
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM station_search_terms t \
             WHERE t.crs = s.crs AND t.term >= ${p} AND t.term < ${})",
            p + 1
        ));
    }
    sql.push_str(
        " ORDER BY (s.crs = $1) DESC, (lower(s.name) LIKE $2) DESC, \
         s.entries_exits DESC NULLS LAST, s.name LIMIT $3",
    );
    sql
}

/// Stations whose code equals the query or whose name has a word starting with each query word,
/// best first: exact code, then names that start with the query, then the busiest stations.
/// With no words, the busiest stations.
pub async fn search_stations(db: &Db, query: &str, limit: u32) -> Result<Vec<StationHit>> {
    let words: Vec<String> = search_words(query)
        .into_iter()
        .take(MAX_SEARCH_WORDS)
        .collect();
    if words.is_empty() {
        return Ok(db
            .timed(
                "busiest_stations",
                sqlx::query_as::<_, StationHit>(BUSIEST_STATIONS_SQL)
                    .bind(i64::from(limit))
                    .fetch_all(&db.read),
            )
            .await?);
    }
    let code = Crs::parse(query).map(|c| c.to_string()).unwrap_or_default();
    let name_prefix = format!("{}%", query.trim().to_lowercase().replace(['%', '_'], ""));
    let sql = search_sql(words.len() - 1);
    // The SQL text depends only on the number of words; every value is a bound parameter.
    let mut q = sqlx::query_as::<_, StationHit>(AssertSqlSafe(sql))
        .bind(code)
        .bind(name_prefix)
        .bind(i64::from(limit));
    for word in &words {
        q = q.bind(word.clone()).bind(prefix_end(word));
    }
    Ok(db.timed("search_stations", q.fetch_all(&db.read)).await?)
}

/// The smallest string greater than every string starting with `prefix` (for a range scan).
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// Number of stations, and of those with coordinates and with an NLC.
pub async fn station_counts(db: &Db) -> Result<(i64, i64, i64)> {
    Ok(
        sqlx::query_as("SELECT COUNT(*), COUNT(lat), COUNT(nlc) FROM stations")
            .fetch_one(&db.read)
            .await?,
    )
}

/// What an upsert did to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    /// A new row.
    Inserted,
    /// An existing row whose values changed.
    Updated,
    /// An existing row that already held these values.
    Unchanged,
}

/// Name and position of a station from NaPTAN: inserts it, or updates name and position.
pub async fn upsert_naptan_station(
    conn: &mut SqliteConnection,
    crs: &str,
    name: &str,
    lat: f64,
    lon: f64,
    easting: f64,
    northing: f64,
) -> Result<Upserted> {
    type Placed = (
        String,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        String,
    );
    let existing: Option<Placed> = sqlx::query_as(
        "SELECT name, lat, lon, easting, northing, source FROM stations WHERE crs = $1",
    )
    .bind(crs)
    .fetch_optional(&mut *conn)
    .await?;
    let outcome = match existing {
        None => {
            sqlx::query(
                "INSERT INTO stations (crs, name, lat, lon, easting, northing, source) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'naptan')",
            )
            .bind(crs)
            .bind(name)
            .bind(lat)
            .bind(lon)
            .bind(easting)
            .bind(northing)
            .execute(&mut *conn)
            .await?;
            Upserted::Inserted
        }
        Some(row)
            if row
                == (
                    name.to_owned(),
                    Some(lat),
                    Some(lon),
                    Some(easting),
                    Some(northing),
                    "naptan".to_owned(),
                ) =>
        {
            return Ok(Upserted::Unchanged);
        }
        Some(_) => {
            sqlx::query(
                "UPDATE stations SET name = $2, lat = $3, lon = $4, easting = $5, northing = $6, \
                 source = 'naptan' WHERE crs = $1",
            )
            .bind(crs)
            .bind(name)
            .bind(lat)
            .bind(lon)
            .bind(easting)
            .bind(northing)
            .execute(&mut *conn)
            .await?;
            Upserted::Updated
        }
    };
    replace_search_terms(conn, crs, name).await?;
    Ok(outcome)
}

/// ORR 1410 facts of a station: NLC, region, owner, usage. Creates the station (named as ORR
/// names it, no position) when no other source has it.
#[expect(
    clippy::too_many_arguments,
    reason = "one parameter per column of the source row"
)]
pub async fn upsert_usage_station(
    conn: &mut SqliteConnection,
    crs: &str,
    name: &str,
    nlc: &str,
    region: Option<&str>,
    facility_owner: Option<&str>,
    facility_owner_toc: Option<&str>,
    entries_exits: Option<i64>,
) -> Result<Upserted> {
    type Facts = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let existing: Option<Facts> = sqlx::query_as(
        "SELECT nlc, region, facility_owner, facility_owner_toc, entries_exits \
         FROM stations WHERE crs = $1",
    )
    .bind(crs)
    .fetch_optional(&mut *conn)
    .await?;
    let wanted: Facts = (
        Some(nlc.to_owned()),
        region.map(str::to_owned),
        facility_owner.map(str::to_owned),
        facility_owner_toc.map(str::to_owned),
        entries_exits,
    );
    match existing {
        Some(row) if row == wanted => Ok(Upserted::Unchanged),
        Some(_) => {
            sqlx::query(
                "UPDATE stations SET nlc = $2, region = $3, facility_owner = $4, \
                 facility_owner_toc = $5, entries_exits = $6 WHERE crs = $1",
            )
            .bind(crs)
            .bind(nlc)
            .bind(region)
            .bind(facility_owner)
            .bind(facility_owner_toc)
            .bind(entries_exits)
            .execute(&mut *conn)
            .await?;
            Ok(Upserted::Updated)
        }
        None => {
            sqlx::query(
                "INSERT INTO stations (crs, name, nlc, region, facility_owner, facility_owner_toc, \
                 entries_exits, source) VALUES ($1, $2, $3, $4, $5, $6, $7, 'orr_1410')",
            )
            .bind(crs)
            .bind(name)
            .bind(nlc)
            .bind(region)
            .bind(facility_owner)
            .bind(facility_owner_toc)
            .bind(entries_exits)
            .execute(&mut *conn)
            .await?;
            replace_search_terms(conn, crs, name).await?;
            Ok(Upserted::Inserted)
        }
    }
}

/// A TIPLOC of a station (NaPTAN); reports whether anything changed.
pub async fn upsert_tiploc(
    conn: &mut SqliteConnection,
    tiploc: &str,
    crs: &str,
    atco_code: &str,
) -> Result<Upserted> {
    let existing: Option<(String, String)> =
        sqlx::query_as("SELECT crs, atco_code FROM station_tiplocs WHERE tiploc = $1")
            .bind(tiploc)
            .fetch_optional(&mut *conn)
            .await?;
    let outcome = match existing {
        None => Upserted::Inserted,
        Some((c, a)) if c == crs && a == atco_code => return Ok(Upserted::Unchanged),
        Some(_) => Upserted::Updated,
    };
    sqlx::query(
        "INSERT INTO station_tiplocs (tiploc, crs, atco_code) VALUES ($1, $2, $3) \
         ON CONFLICT (tiploc) DO UPDATE SET crs = excluded.crs, atco_code = excluded.atco_code",
    )
    .bind(tiploc)
    .bind(crs)
    .bind(atco_code)
    .execute(&mut *conn)
    .await?;
    Ok(outcome)
}

/// A built-in starter station: inserted only when the station is not known at all, so starter
/// data never overwrites what an import wrote.
#[expect(
    clippy::too_many_arguments,
    reason = "one parameter per column of the starter table"
)]
pub async fn insert_starter_station(
    conn: &mut SqliteConnection,
    crs: &str,
    name: &str,
    lat: f64,
    lon: f64,
    nlc: Option<&str>,
    region: Option<&str>,
    facility_owner: Option<&str>,
    facility_owner_toc: Option<&str>,
    entries_exits: Option<i64>,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO stations (crs, name, lat, lon, nlc, region, facility_owner, \
         facility_owner_toc, entries_exits, source) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'starter') ON CONFLICT (crs) DO NOTHING",
    )
    .bind(crs)
    .bind(name)
    .bind(lat)
    .bind(lon)
    .bind(nlc)
    .bind(region)
    .bind(facility_owner)
    .bind(facility_owner_toc)
    .bind(entries_exits)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        replace_search_terms(conn, crs, name).await?;
    }
    Ok(inserted)
}

async fn replace_search_terms(conn: &mut SqliteConnection, crs: &str, name: &str) -> Result<()> {
    sqlx::query("DELETE FROM station_search_terms WHERE crs = $1")
        .bind(crs)
        .execute(&mut *conn)
        .await?;
    let mut words = search_words(name);
    words.push(crs.to_lowercase());
    words.sort();
    words.dedup();
    for word in words {
        sqlx::query("INSERT INTO station_search_terms (term, crs) VALUES ($1, $2)")
            .bind(word)
            .bind(crs)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_drop_apostrophes_and_split_on_punctuation() {
        assert_eq!(
            search_words("London King's Cross"),
            ["london", "kings", "cross"]
        );
        assert_eq!(
            search_words("St Ives (Cornwall)"),
            ["st", "ives", "cornwall"]
        );
        assert_eq!(search_words("  "), Vec::<String>::new());
    }

    #[test]
    fn prefix_end_sorts_after_every_extension_of_the_prefix() {
        let end = prefix_end("manc");
        assert!("manchester" < end.as_str());
        assert!("mand" > end.as_str());
    }
}
