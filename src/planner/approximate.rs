//! The APPROXIMATE timetable: used when no CIF timetable has been imported, generated from the
//! route catalogue (typical journey time and off-peak trains per hour of each direct flow) under
//! assumptions that are returned with it, so every answer built on it can say so. Pure: the
//! caller reads the catalogue; this never touches a database and never pretends to be a
//! published timetable (its source is always [`TimetableSource::Approximate`]).

use crate::domain::Crs;
use crate::planner::timetable::{Call, Minute, Timetable, TimetableBuilder, TimetableSource};

/// First departure of every flow, in each direction (an assumption: 06:00).
pub const FIRST_DEPARTURE: Minute = 6 * 60;
/// No departure after this (an assumption: 22:00).
pub const LAST_DEPARTURE: Minute = 22 * 60;

/// One catalogued direct flow, served in both directions.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueRoute {
    /// One end.
    pub a: Crs,
    /// The other end.
    pub b: Crs,
    /// ATOC code of the operator of the direct service.
    pub operator: String,
    /// Typical journey time, minutes.
    pub typical_minutes: u32,
    /// Off-peak trains per hour; below 1, a thin flow (see [`approximate_timetable`]).
    pub services_per_hour: f64,
}

/// An approximate timetable and the assumptions it was generated under.
#[derive(Debug, Clone)]
pub struct Approximate {
    /// The generated timetable (source: approximate).
    pub timetable: Timetable,
    /// Every assumption made, in words for the response.
    pub assumptions: Vec<String>,
}

/// Generates one service day from the catalogue: for each flow and direction, direct trains
/// from [`FIRST_DEPARTURE`] at the off-peak headway (60 / services per hour minutes) until
/// [`LAST_DEPARTURE`], each taking the typical journey time. A flow with fewer than one train an
/// hour gets round(services per hour × 16) trains a day (at least one), spread evenly over the
/// same hours. Flows with no journey time, no trains or the same station at both ends are skipped
/// and named in the assumptions.
pub fn approximate_timetable(routes: &[CatalogueRoute]) -> Approximate {
    let mut b = TimetableBuilder::new(TimetableSource::Approximate);
    let mut skipped = Vec::new();
    let span = LAST_DEPARTURE - FIRST_DEPARTURE;
    for route in routes {
        let sph = route.services_per_hour;
        if route.a == route.b || route.typical_minutes == 0 || !(sph.is_finite() && sph > 0.0) {
            skipped.push(format!("{}-{}", route.a, route.b));
            continue;
        }
        let departures: Vec<Minute> = if sph >= 1.0 {
            let headway = 60.0 / sph;
            (0..)
                .map(|i| FIRST_DEPARTURE + (f64::from(i) * headway).round() as Minute)
                .take_while(|&d| d <= LAST_DEPARTURE)
                .collect()
        } else {
            let trains = ((sph * f64::from(span / 60)).round() as u32).max(1);
            (0..trains)
                .map(|i| FIRST_DEPARTURE + i * span / trains)
                .collect()
        };
        let op = b.operator(&route.operator);
        let (a, z) = (b.station(route.a), b.station(route.b));
        for (from, to) in [(a, z), (z, a)] {
            for &dep in &departures {
                let arr = dep + route.typical_minutes;
                b.add_trip(
                    op,
                    &[
                        Call {
                            station: from,
                            arr: dep,
                            dep,
                        },
                        Call {
                            station: to,
                            arr,
                            dep: arr,
                        },
                    ],
                );
            }
        }
    }
    let mut assumptions = vec![
        "APPROXIMATE timetable generated from the route catalogue, not a published timetable".to_owned(),
        "direct trains only, with no intermediate calls: calling points on the way are not known".to_owned(),
        "first train 06:00 and last departure by 22:00 in both directions (assumed, not the published first and last trains)".to_owned(),
        "trains at the off-peak frequency all day, evenly spaced from 06:00; peak extras are not included".to_owned(),
        "every train takes the catalogue's typical journey time".to_owned(),
        "a flow with under one train an hour gets services per hour x 16 trains a day (at least one), spread evenly".to_owned(),
    ];
    if !skipped.is_empty() {
        assumptions.push(format!(
            "catalogue rows without a usable journey time or frequency left out: {}",
            skipped.join(", ")
        ));
    }
    Approximate {
        timetable: b.build(),
        assumptions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(a: &str, b: &str, minutes: u32, sph: f64) -> CatalogueRoute {
        CatalogueRoute {
            a: Crs::parse(a).unwrap(),
            b: Crs::parse(b).unwrap(),
            operator: "VT".into(),
            typical_minutes: minutes,
            services_per_hour: sph,
        }
    }

    #[test]
    fn a_three_an_hour_flow_runs_every_twenty_minutes_both_ways() {
        let ap = approximate_timetable(&[route("EUS", "MAN", 128, 3.0)]);
        let tt = &ap.timetable;
        assert_eq!(tt.source(), TimetableSource::Approximate);
        // 06:00 to 22:00 inclusive every 20 minutes: 49 trains each way.
        assert_eq!(tt.connections().len(), 2 * 49);
        let eus = tt.station(Crs::parse("EUS").unwrap()).unwrap();
        let from_eus: Vec<_> = tt
            .connections()
            .iter()
            .filter(|c| c.dep_station == eus)
            .collect();
        assert_eq!(from_eus[0].dep, 360);
        assert_eq!(from_eus[1].dep, 380);
        assert_eq!(from_eus[48].dep, 1320);
        assert!(from_eus.iter().all(|c| c.arr - c.dep == 128));
        assert!(ap.assumptions[0].starts_with("APPROXIMATE"));
    }

    #[test]
    fn a_thin_flow_gets_at_least_one_train_and_bad_rows_are_named() {
        let ap = approximate_timetable(&[
            route("EUS", "INV", 680, 0.05),
            route("PAD", "PNZ", 300, 0.5),
            route("KGX", "KGX", 10, 1.0),
            route("KGX", "EDB", 0, 2.0),
        ]);
        let tt = &ap.timetable;
        let inv = tt.station(Crs::parse("INV").unwrap()).unwrap();
        let pnz = tt.station(Crs::parse("PNZ").unwrap()).unwrap();
        let count = |s| {
            tt.connections()
                .iter()
                .filter(|c| c.arr_station == s)
                .count()
        };
        assert_eq!(count(inv), 1);
        assert_eq!(count(pnz), 8);
        assert!(ap.assumptions.last().unwrap().contains("KGX-KGX, KGX-EDB"));
    }
}
