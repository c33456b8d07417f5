//! Station lookup and autocomplete search.

use serde::{Deserialize, Serialize};

use crate::domain::Crs;
use crate::error::{Error, Result};
use crate::service::request::parse_limit;
use crate::store::{Db, import_log, stations};

/// Default number of search results.
pub const DEFAULT_LIMIT: u32 = 10;
/// Longest search text accepted.
pub const MAX_QUERY_CHARS: usize = 100;

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StationSummary {
    /// CRS code.
    #[schema(value_type = String, example = "MAN")]
    pub crs: Crs,
    /// Display name.
    #[schema(example = "Manchester Piccadilly")]
    pub name: String,
    /// WGS84 latitude. Null when the station has no known position: positions come from the
    /// NaPTAN rail references, and a station known only from ORR Table 1410 (station usage) has
    /// none, e.g. one opened after the NaPTAN extract was made (Bond Street, Canary Wharf).
    /// `GET /api/stations/{crs}` says why in `location_note`.
    pub lat: Option<f64>,
    /// WGS84 longitude; null exactly when `lat` is.
    pub lon: Option<f64>,
}

/// Search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StationList {
    /// Matching stations, best first.
    pub stations: Vec<StationSummary>,
}

/// One station in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StationDetail {
    /// CRS code.
    #[schema(value_type = String)]
    pub crs: Crs,
    /// Display name.
    pub name: String,
    /// WGS84 latitude (null when the station has no known position; `location_note` says why).
    pub lat: Option<f64>,
    /// WGS84 longitude (null exactly when `lat` is).
    pub lon: Option<f64>,
    /// Why `lat`/`lon` are null; present only when they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        example = "no coordinates: BDS is not in the NaPTAN rail references extract this service was loaded from; most such stations are newer than the extract, a few are listed there under another code or not at all. The station is known from ORR Table 1410 (station usage), which gives no positions"
    )]
    pub location_note: Option<String>,
    /// National Location Code.
    pub nlc: Option<String>,
    /// TIPLOCs of the station.
    pub tiplocs: Vec<String>,
    /// ORR region.
    pub region: Option<String>,
    /// Station facility owner, as ORR names it.
    pub facility_owner: Option<String>,
    /// ATOC code of the facility owner, when it is a train operator.
    pub facility_owner_toc: Option<String>,
    /// Annual entries and exits (ORR table 1410).
    pub annual_entries_exits: Option<i64>,
}

/// Validated search input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Search text, trimmed (empty = the busiest stations).
    pub q: String,
    /// Results wanted, 1..=100.
    pub limit: u32,
}

impl SearchQuery {
    /// Validates raw query parameters, naming the parameter at fault.
    pub fn parse(q: Option<&str>, limit: Option<&str>) -> Result<Self> {
        let q = q.unwrap_or("").trim();
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::invalid(
                "q",
                format!("at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let limit = parse_limit(limit, DEFAULT_LIMIT)?;
        Ok(Self {
            q: q.to_owned(),
            limit,
        })
    }
}

/// Stations matching a search, best first.
pub async fn search(db: &Db, query: &SearchQuery) -> Result<StationList> {
    let hits = stations::search_stations(db, &query.q, query.limit).await?;
    Ok(StationList {
        stations: hits
            .into_iter()
            .map(|h| StationSummary {
                crs: h.crs,
                name: h.name,
                lat: h.lat,
                lon: h.lon,
            })
            .collect(),
    })
}

/// One station by code; `unknown_station` (404) when there is none.
pub async fn station(db: &Db, crs: Crs) -> Result<StationDetail> {
    let row = stations::find_station(db, crs)
        .await?
        .ok_or_else(|| Error::NotFound {
            code: "unknown_station",
            message: format!("no station with CRS code '{crs}'"),
        })?;
    let tiplocs = stations::station_tiplocs(db, crs).await?;
    let location_note = match (row.lat, row.lon) {
        (Some(_), Some(_)) => None,
        _ => Some(location_note(
            row.crs,
            import_log::has_run(db, "naptan").await?,
        )),
    };
    Ok(StationDetail {
        crs: row.crs,
        name: row.name,
        lat: row.lat,
        lon: row.lon,
        location_note,
        nlc: row.nlc,
        tiplocs,
        region: row.region,
        facility_owner: row.facility_owner,
        facility_owner_toc: row.facility_owner_toc,
        annual_entries_exits: row.entries_exits,
    })
}

/// Why a station has no position. Positions come from the starter table (every row has one) and
/// the NaPTAN import; a station without one was created by the ORR 1410 import, which has none.
/// Which of two reasons holds depends on whether NaPTAN was ever imported. Against the shared
/// extract (last changed 2020-07-30) 16 codes have none: 11 are stations opened since (the
/// Elizabeth line's, Reston, Soham, Inverness Airport ...); Horden (2020) and Maghull North (2018)
/// opened shortly before it and are missing too; Oxford Parkway and Penychain are there under
/// other codes (OPY, BPC); Corfe Castle (a heritage line) is not there at all.
fn location_note(crs: Crs, naptan_imported: bool) -> String {
    if naptan_imported {
        format!(
            "no coordinates: {crs} is not in the NaPTAN rail references extract this service was \
             loaded from; most such stations are newer than the extract, a few are listed there \
             under another code or not at all. The station is known from ORR Table 1410 (station usage), \
             which gives no positions"
        )
    } else {
        "no coordinates: the NaPTAN rail references, which give stations their positions, have \
         not been imported; the station is known from ORR Table 1410 (station usage), which \
         gives no positions"
            .to_owned()
    }
}

/// Station search through the cache.
pub async fn cached_search(
    state: &crate::state::AppState,
    query: &SearchQuery,
) -> Result<(std::sync::Arc<StationList>, crate::cache::CacheStatus)> {
    let key = crate::cache::key::station_search(&query.q, query.limit);
    state
        .cache
        .get_or_load(crate::cache::Kind::Stations, &key, true, || {
            search(&state.db, query)
        })
        .await
}

/// One station through the cache.
pub async fn cached_station(
    state: &crate::state::AppState,
    crs: Crs,
) -> Result<(std::sync::Arc<StationDetail>, crate::cache::CacheStatus)> {
    let key = crate::cache::key::station(crs);
    state
        .cache
        .get_or_load(crate::cache::Kind::Stations, &key, true, || {
            station(&state.db, crs)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_must_be_between_1_and_100() {
        for bad in ["0", "101", "-1", "ten", ""] {
            let err = SearchQuery::parse(None, Some(bad)).unwrap_err();
            assert_eq!(err.fields()[0].field, "limit", "{bad}");
        }
        assert_eq!(
            SearchQuery::parse(Some(" manc "), Some("100"))
                .unwrap()
                .limit,
            100
        );
        assert_eq!(SearchQuery::parse(Some(" manc "), None).unwrap().q, "manc");
    }

    #[test]
    fn overlong_search_text_is_rejected() {
        let long = "a".repeat(101);
        assert_eq!(
            SearchQuery::parse(Some(&long), None).unwrap_err().fields()[0].field,
            "q"
        );
    }
}
