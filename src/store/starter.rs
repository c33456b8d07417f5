//! Built-in starter data, embedded in the binary so the service is useful on a fresh machine
//! with no data files: operators, the major stations, the route catalogue and per-operator
//! priors derived from ORR Table 3138. Each CSV under `starter/` cites its source in its header.
//! Loading is idempotent and never overwrites what an import of the official files wrote.

use std::collections::HashMap;

use serde::Deserialize;

use crate::domain::Crs;
use crate::domain::geo::{LatLon, haversine_km};
use crate::domain::punctuality::PriorRow;
use crate::error::{Error, Result};
use crate::feeds::fares::{self as import_fares, FaresFeed};
use crate::feeds::orr3138::parse_priors_csv;
use crate::store::Db;
use crate::store::fares;
use crate::store::operators::{self, OperatorRow};
use crate::store::punctuality;
use crate::store::routes::{self, RouteRow};
use crate::store::stations::{self, Upserted};

const OPERATORS_CSV: &str = include_str!("starter/operators.csv");
const STATIONS_CSV: &str = include_str!("starter/stations.csv");
const ROUTES_CSV: &str = include_str!("starter/routes.csv");
const PRIORS_CSV: &str = include_str!("starter/operator_priors.csv");
const SAMPLE_LOC: &str = include_str!("starter/fares/RJFAF999.LOC");
const SAMPLE_FFL: &str = include_str!("starter/fares/RJFAF999.FFL");
const SAMPLE_TTY: &str = include_str!("starter/fares/RJFAF999.TTY");
const SAMPLE_NDF: &str = include_str!("starter/fares/RJFAF999.NDF");

/// One operator of `starter/operators.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct StarterOperator {
    /// ATOC code.
    pub toc: String,
    /// Trading name.
    pub name: String,
    /// ORR 3138 series.
    pub orr_series: String,
    /// `DR15` or `DR30`.
    pub delay_repay_scheme: String,
    /// `|`-separated names ORR 1410 uses for it as facility owner.
    pub facility_owner_names: String,
}

/// One station of `starter/stations.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct StarterStation {
    /// CRS code.
    pub crs: String,
    /// Name as NaPTAN gives it.
    pub name: String,
    /// WGS84 latitude.
    pub lat: f64,
    /// WGS84 longitude.
    pub lon: f64,
    /// National Location Code.
    pub nlc: Option<String>,
    /// ORR region.
    pub region: Option<String>,
    /// Facility owner as ORR names it.
    pub facility_owner: Option<String>,
    /// Annual entries and exits.
    pub entries_exits: Option<i64>,
}

/// One flow of `starter/routes.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct StarterRoute {
    /// CRS at one end.
    pub origin: Crs,
    /// CRS at the other end.
    pub destination: Crs,
    /// Operator of the main direct service.
    pub toc: String,
    /// Typical journey time, minutes.
    pub typical_minutes: i64,
    /// Off-peak trains per hour.
    pub services_per_hour: f64,
    /// Popularity rank.
    pub priority: i64,
}

/// The starter tables, parsed.
#[derive(Debug, Clone)]
pub struct Starter {
    /// Operators.
    pub operators: Vec<StarterOperator>,
    /// Major stations.
    pub stations: Vec<StarterStation>,
    /// Route catalogue.
    pub routes: Vec<StarterRoute>,
    /// Operator priors derived from ORR 3138.
    pub priors: Vec<PriorRow>,
}

/// What loading the starter data changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StarterSummary {
    /// Operators or aliases added or refreshed.
    pub operators: usize,
    /// Stations added (existing stations are never touched).
    pub stations: usize,
    /// Routes added or refreshed.
    pub routes: usize,
    /// Priors added or refreshed (never over imported ones).
    pub priors: usize,
    /// Sample fares and ticket types added or refreshed (only while no real feed is loaded).
    pub sample_fares: u64,
}

fn read_csv<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<Vec<T>> {
    csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
        .deserialize()
        .map(|r| {
            r.map_err(|e| Error::Import {
                file: format!("built-in starter/{name}"),
                line: e.position().map(csv::Position::line),
                message: e.to_string(),
            })
        })
        .collect()
}

impl Starter {
    /// Parses the embedded tables.
    pub fn parse() -> Result<Self> {
        let priors = parse_priors_csv(PRIORS_CSV).map_err(|e| Error::Import {
            file: "built-in starter/operator_priors.csv".to_owned(),
            line: Some(e.line),
            message: e.message,
        })?;
        Ok(Self {
            operators: read_csv("operators.csv", OPERATORS_CSV)?,
            stations: read_csv("stations.csv", STATIONS_CSV)?,
            routes: read_csv("routes.csv", ROUTES_CSV)?,
            priors,
        })
    }
}

/// Loads the starter data in one write transaction.
pub async fn load(db: &Db) -> Result<StarterSummary> {
    let starter = Starter::parse()?;
    let mut summary = StarterSummary::default();
    let mut tx = db.begin_write().await?;

    let mut owner_toc: HashMap<&str, &str> = HashMap::new();
    for op in &starter.operators {
        let row = OperatorRow {
            toc: op.toc.clone(),
            name: op.name.clone(),
            orr_series: op.orr_series.clone(),
            delay_repay_scheme: op.delay_repay_scheme.clone(),
        };
        summary.operators += usize::from(operators::upsert_operator(&mut tx, &row).await?);
        for alias in op
            .facility_owner_names
            .split('|')
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            summary.operators +=
                usize::from(operators::upsert_alias(&mut tx, alias, &op.toc).await?);
            owner_toc.insert(alias, &op.toc);
        }
    }

    let mut positions: HashMap<&str, LatLon> = HashMap::new();
    for s in &starter.stations {
        positions.insert(
            &s.crs,
            LatLon {
                lat: s.lat,
                lon: s.lon,
            },
        );
        let toc = s
            .facility_owner
            .as_deref()
            .and_then(|o| owner_toc.get(o).copied());
        summary.stations += usize::from(
            stations::insert_starter_station(
                &mut tx,
                &s.crs,
                &s.name,
                s.lat,
                s.lon,
                s.nlc.as_deref(),
                s.region.as_deref(),
                s.facility_owner.as_deref(),
                toc,
                s.entries_exits,
            )
            .await?,
        );
    }

    for r in &starter.routes {
        let distance_km = match (
            positions.get(r.origin.as_str()),
            positions.get(r.destination.as_str()),
        ) {
            (Some(a), Some(b)) => Some((haversine_km(*a, *b) * 10.0).round() / 10.0),
            _ => None,
        };
        let row = RouteRow {
            origin: r.origin,
            destination: r.destination,
            toc: r.toc.clone(),
            distance_km,
            typical_minutes: r.typical_minutes,
            services_per_hour: r.services_per_hour,
            priority: r.priority,
        };
        summary.routes += usize::from(routes::upsert_route(&mut tx, &row).await?);
    }

    for prior in &starter.priors {
        if punctuality::upsert_prior(&mut tx, prior, "starter").await? != Upserted::Unchanged {
            summary.priors += 1;
        }
    }
    if !fares::has_fares_in(&mut tx, "rdg").await? {
        let feed = sample_fares()?;
        let (f, t) = fares::replace_feed(&mut tx, &feed, "sample").await?;
        summary.sample_fares = f.inserted + f.updated + t.inserted + t.updated;
    }
    tx.commit().await?;
    Ok(summary)
}

/// The built-in SAMPLE fare set: made-up prices in the exact feed format, labelled `sample`
/// wherever they show. Never presented as real fares.
pub fn sample_fares() -> Result<FaresFeed> {
    let err = |file: &str| {
        let file = format!("built-in starter/fares/{file}");
        move |e: crate::feeds::LineError| Error::Import {
            file,
            line: Some(e.line),
            message: e.message,
        }
    };
    let (locations, _) = import_fares::parse_loc(SAMPLE_LOC).map_err(err("RJFAF999.LOC"))?;
    let (flows, fares, _) = import_fares::parse_ffl(SAMPLE_FFL).map_err(err("RJFAF999.FFL"))?;
    let (ticket_types, _) = import_fares::parse_tty(SAMPLE_TTY).map_err(err("RJFAF999.TTY"))?;
    let (non_derivable, _) = import_fares::parse_ndf(SAMPLE_NDF).map_err(err("RJFAF999.NDF"))?;
    Ok(FaresFeed {
        locations,
        flows,
        fares,
        ticket_types,
        non_derivable,
        skipped: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::domain::Crs;

    #[test]
    fn starter_tables_parse_and_meet_their_minimum_sizes() {
        let s = Starter::parse().unwrap();
        assert!(s.stations.len() >= 100, "{} stations", s.stations.len());
        assert!(s.routes.len() >= 60, "{} routes", s.routes.len());
        assert!(s.operators.len() >= 20, "{} operators", s.operators.len());
        assert!(!s.priors.is_empty());
    }

    #[test]
    fn every_route_joins_two_known_stations_with_a_known_operator() {
        let s = Starter::parse().unwrap();
        let crs: HashSet<&str> = s.stations.iter().map(|x| x.crs.as_str()).collect();
        let tocs: HashSet<&str> = s.operators.iter().map(|x| x.toc.as_str()).collect();
        let mut pairs = HashSet::new();
        for r in &s.routes {
            assert!(
                crs.contains(r.origin.as_str()),
                "{} not a starter station",
                r.origin
            );
            assert!(
                crs.contains(r.destination.as_str()),
                "{} not a starter station",
                r.destination
            );
            assert!(
                tocs.contains(r.toc.as_str()),
                "{} not a starter operator",
                r.toc
            );
            assert_ne!(r.origin, r.destination);
            let key = if r.origin < r.destination {
                (&r.origin, &r.destination)
            } else {
                (&r.destination, &r.origin)
            };
            assert!(pairs.insert(key), "{key:?} listed twice");
            assert!(r.typical_minutes > 0 && r.services_per_hour > 0.0);
        }
    }

    #[test]
    fn starter_stations_have_valid_codes_and_british_positions() {
        let s = Starter::parse().unwrap();
        let mut seen = HashSet::new();
        for st in &s.stations {
            assert!(
                Crs::parse(&st.crs).is_some_and(|c| c.as_str() == st.crs),
                "{}",
                st.crs
            );
            assert!(seen.insert(&st.crs), "{} twice", st.crs);
            assert!(
                (49.8..=60.9).contains(&st.lat) && (-8.2..=1.8).contains(&st.lon),
                "{}",
                st.crs
            );
        }
    }

    #[test]
    fn every_operator_prior_series_is_an_operator_or_national_series() {
        let s = Starter::parse().unwrap();
        let series: HashSet<&str> = s.operators.iter().map(|o| o.orr_series.as_str()).collect();
        for p in &s.priors {
            assert!(
                series.contains(p.series.as_str())
                    || ["Great Britain", "England and Wales", "Scotland"]
                        .contains(&p.series.as_str()),
                "{}",
                p.series
            );
        }
        for o in &s.operators {
            assert!(
                s.priors.iter().any(|p| p.series == o.orr_series),
                "no prior for {}",
                o.toc
            );
            assert!(["DR15", "DR30"].contains(&o.delay_repay_scheme.as_str()));
        }
    }
}
