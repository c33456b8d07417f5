//! Journeys between two stations as a traveller makes them: the planner's itineraries between
//! trains (`meat`), also starting or ending with a stated transfer (the Underground between London
//! termini, a walk) from the origin to the first train's station or from the last train's station
//! to the destination, with journeys that pass a station twice dropped and the rest kept only
//! when no other is at least as good on every count (departure, scheduled and expected arrival,
//! changes); and the latest journeys arriving by a time. Pure: the caller hands it one service
//! day; the transfers are `domain::interchange`'s.

use crate::domain::Crs;
use crate::domain::interchange::{self, TRANSFERS, Transfer};
use crate::planner::meat::MAX_ITINERARIES;
use crate::planner::{
    DelayTable, Footpath, Itinerary, Minute, PlanRequest, StationIdx, Timetable, Transfers, plan,
};

/// One service day as the planner reads it.
#[derive(Debug, Clone, Copy)]
pub struct Day<'a> {
    /// The day's timetable.
    pub timetable: &'a Timetable,
    /// Its interchange rules.
    pub transfers: &'a Transfers,
    /// Every operator's arrival delay by hour.
    pub delays: &'a DelayTable,
}

/// Why there is no journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoJourney {
    /// Neither the origin nor any station a stated transfer joins it to is in the timetable.
    OriginNotServed,
    /// Neither the destination nor any station a stated transfer joins it to is in the timetable.
    DestinationNotServed,
    /// Nothing leaves at or after the time and arrives within the limit on changes.
    NoneLeaving,
    /// Nothing leaving in the window before the deadline arrives by it.
    NoneArriving,
}

/// The interchange rules of a timetable from `domain::interchange`: each station's minimum
/// connection time, and the stated transfers between stations, both ways.
pub fn stated_transfers(timetable: &Timetable) -> Transfers {
    let footpaths: Vec<Footpath> = TRANSFERS
        .iter()
        .filter_map(|t| Some((Crs::parse(t.a)?, Crs::parse(t.b)?, Minute::from(t.minutes))))
        .flat_map(|(a, b, minutes)| {
            [
                Footpath {
                    from: a,
                    to: b,
                    minutes,
                },
                Footpath {
                    from: b,
                    to: a,
                    minutes,
                },
            ]
        })
        .collect();
    Transfers::new(
        timetable,
        |crs| Minute::from(interchange::minimum_connection_minutes(crs)),
        &footpaths,
    )
}

/// A stated transfer between two stations, used at one end of a journey.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EndTransfer {
    /// Station left.
    pub from: Crs,
    /// Station reached.
    pub to: Crs,
    /// The transfer as stated.
    pub transfer: &'static Transfer,
}

/// One planned journey: the planner's itinerary between trains, and a stated transfer before
/// the first train or after the last one where the journey needs one.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The trains.
    pub itinerary: Itinerary,
    /// A transfer from the origin to the first train's station.
    pub start: Option<EndTransfer>,
    /// A transfer from the last train's station to the destination.
    pub end: Option<EndTransfer>,
}

impl Planned {
    fn start_minutes(&self) -> Minute {
        self.start.map_or(0, |t| Minute::from(t.transfer.minutes))
    }

    fn end_minutes(&self) -> Minute {
        self.end.map_or(0, |t| Minute::from(t.transfer.minutes))
    }

    /// Leaving the origin, scheduled.
    pub fn departure(&self) -> Minute {
        self.itinerary
            .departure
            .saturating_sub(self.start_minutes())
    }

    /// Reaching the destination, scheduled.
    pub fn arrival(&self) -> Minute {
        self.itinerary.scheduled_arrival + self.end_minutes()
    }

    /// Reaching the destination, expected (delays and fallbacks included).
    pub fn expected_arrival(&self) -> f64 {
        self.itinerary.expected_arrival + f64::from(self.end_minutes())
    }

    /// Whether `other` is at least as good on every count and better on one: leaves no earlier,
    /// arrives no later (scheduled and expected), with no more changes.
    pub(crate) fn dominated_by(&self, other: &Planned) -> bool {
        let as_good = other.departure() >= self.departure()
            && other.arrival() <= self.arrival()
            && other.itinerary.changes <= self.itinerary.changes
            && other.expected_arrival() <= self.expected_arrival() + 1e-9;
        let better = other.departure() > self.departure()
            || other.arrival() < self.arrival()
            || other.itinerary.changes < self.itinerary.changes
            || other.expected_arrival() < self.expected_arrival() - 1e-9;
        as_good && better
    }

    /// Whether the journey passes the same station twice (e.g. across London and back out on a
    /// train that returns there): never a journey anyone would make.
    pub(crate) fn loops(&self) -> bool {
        let mut seen: Vec<&str> = Vec::new();
        let ends = self.start.iter().map(|t| t.from.as_str());
        let legs = self.itinerary.legs.iter().flat_map(|l| {
            // A change at one station is one visit; a stated transfer between two is two.
            [l.from.as_str(), l.to.as_str()]
        });
        let last = self.end.iter().map(|t| t.to.as_str());
        let mut previous: Option<&str> = None;
        for station in ends.chain(legs).chain(last) {
            if previous == Some(station) {
                continue;
            }
            if seen.contains(&station) {
                return true;
            }
            seen.push(station);
            previous = Some(station);
        }
        false
    }
}

/// Plans from `origin` to `destination` leaving at or after `departure` with at most
/// `max_changes` changes between trains, also from (to) the stations a stated transfer joins to
/// the origin (destination): up to [`MAX_ITINERARIES`] journeys, none passing a station twice and
/// none worse on every count than another, best expected arrival first; or why there is none.
pub fn plan_between(
    day: Day<'_>,
    origin: Crs,
    destination: Crs,
    departure: Minute,
    max_changes: u8,
) -> Result<Vec<Planned>, NoJourney> {
    let tt = day.timetable;
    let ends_of = |station: Crs| {
        std::iter::once((station, None)).chain(interchange::transfers_from(station).filter_map(
            move |(other, transfer)| {
                let other = Crs::parse(other)?;
                Some((
                    other,
                    Some(EndTransfer {
                        from: station,
                        to: other,
                        transfer,
                    }),
                ))
            },
        ))
    };
    let starts: Vec<_> = ends_of(origin)
        .filter(|(s, _)| tt.station(*s).is_some())
        .collect();
    // A transfer at the end goes from the last train's station to the destination.
    let ends: Vec<_> = ends_of(destination)
        .map(|(s, t)| {
            (
                s,
                t.map(|t| EndTransfer {
                    from: t.to,
                    to: t.from,
                    transfer: t.transfer,
                }),
            )
        })
        .filter(|(s, _)| tt.station(*s).is_some())
        .collect();
    if starts.is_empty() {
        return Err(NoJourney::OriginNotServed);
    }
    if ends.is_empty() {
        return Err(NoJourney::DestinationNotServed);
    }
    let mut found: Vec<Planned> = Vec::new();
    for (s, start) in &starts {
        for (e, end) in &ends {
            let (Some(from), Some(to)) = (tt.station(*s), tt.station(*e)) else {
                continue;
            };
            if from == to {
                continue;
            }
            let leave = departure + start.map_or(0, |t| Minute::from(t.transfer.minutes));
            let request = PlanRequest {
                origin: from,
                target: to,
                departure: leave,
                max_changes,
            };
            for itinerary in plan(tt, day.transfers, day.delays, request) {
                found.push(Planned {
                    itinerary,
                    start: *start,
                    end: *end,
                });
            }
        }
    }
    found.retain(|p| !p.loops());
    let mut kept: Vec<Planned> = Vec::new();
    for (i, c) in found.iter().enumerate() {
        let dominated = found
            .iter()
            .enumerate()
            .any(|(j, o)| j != i && c.dominated_by(o));
        let duplicate = kept.iter().any(|k| {
            k.departure() == c.departure()
                && k.arrival() == c.arrival()
                && k.itinerary.journey == c.itinerary.journey
        });
        if !dominated && !duplicate {
            kept.push(c.clone());
        }
    }
    kept.sort_by(|a, b| {
        a.expected_arrival()
            .total_cmp(&b.expected_arrival())
            .then(a.arrival().cmp(&b.arrival()))
            .then(a.itinerary.changes.cmp(&b.itinerary.changes))
    });
    kept.truncate(MAX_ITINERARIES);
    if kept.is_empty() {
        return Err(NoJourney::NoneLeaving);
    }
    Ok(kept)
}

/// How far before the latest arrival [`plan_arriving_by`] looks for departures, minutes.
pub const ARRIVE_BY_WINDOW_MINUTES: Minute = 12 * 60;

/// Plans the latest journeys from `origin` that reach `destination` by `deadline`: a binary
/// search over the departures from the origin (and from the stations a stated transfer from it
/// reaches, less the transfer) in the [`ARRIVE_BY_WINDOW_MINUTES`] before the deadline, planning
/// forward from each with [`plan_between`], for the latest departure from which a journey still
/// arrives in time; its journeys arriving in time are returned, latest departure first. It
/// relies on a later departure never arriving earlier among the planned journeys (true of the
/// earliest-arrival part of the plan).
pub fn plan_arriving_by(
    day: Day<'_>,
    origin: Crs,
    destination: Crs,
    deadline: Minute,
    max_changes: u8,
) -> Result<Vec<Planned>, NoJourney> {
    let tt = day.timetable;
    let earliest = deadline.saturating_sub(ARRIVE_BY_WINDOW_MINUTES);
    let mut starts: Vec<(StationIdx, Minute)> = Vec::new();
    if let Some(s) = tt.station(origin) {
        starts.push((s, 0));
    }
    for (other, transfer) in interchange::transfers_from(origin) {
        if let Some(s) = Crs::parse(other).and_then(|c| tt.station(c)) {
            starts.push((s, Minute::from(transfer.minutes)));
        }
    }
    let mut departures: Vec<Minute> = tt
        .connections()
        .iter()
        .filter_map(|c| {
            let (_, lead) = starts.iter().find(|(s, _)| *s == c.dep_station)?;
            let leave = c.dep.checked_sub(*lead)?;
            (earliest..=deadline).contains(&leave).then_some(leave)
        })
        .collect();
    departures.sort_unstable();
    departures.dedup();
    let in_time = |leave: Minute| -> Vec<Planned> {
        plan_between(day, origin, destination, leave, max_changes)
            .map(|found| {
                found
                    .into_iter()
                    .filter(|p| p.arrival() <= deadline)
                    .collect()
            })
            .unwrap_or_default()
    };
    // The first departure index from which nothing arrives in time.
    let (mut lo, mut hi) = (0, departures.len());
    let mut best = Vec::new();
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let found = in_time(departures[mid]);
        if found.is_empty() {
            hi = mid;
        } else {
            best = found;
            lo = mid + 1;
        }
    }
    // `best` came from the last departure probed that worked; re-plan from the boundary itself
    // when the search ended elsewhere.
    if lo > 0 {
        let at_boundary = in_time(departures[lo - 1]);
        if !at_boundary.is_empty() {
            best = at_boundary;
        }
    }
    if best.is_empty() {
        return Err(NoJourney::NoneArriving);
    }
    best.sort_by(|a, b| {
        b.departure()
            .cmp(&a.departure())
            .then(a.arrival().cmp(&b.arrival()))
            .then(a.itinerary.changes.cmp(&b.itinerary.changes))
    });
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DelayDistribution;
    use crate::planner::{CatalogueRoute, approximate_timetable};

    fn crs(s: &str) -> Crs {
        Crs::parse(s).unwrap()
    }

    fn flow(a: &str, b: &str, operator: &str, minutes: u32) -> CatalogueRoute {
        CatalogueRoute {
            a: crs(a),
            b: crs(b),
            operator: operator.to_owned(),
            typical_minutes: minutes,
            services_per_hour: 2.0,
        }
    }

    /// Manchester–Euston and Waterloo–Guildford, joined only by the stated Euston–Waterloo
    /// transfer, and a Waterloo–Woking flow a raw plan to Waterloo could loop out on.
    fn london_day() -> (Timetable, Transfers, DelayTable) {
        let tt = approximate_timetable(&[
            flow("MAN", "EUS", "VT", 130),
            flow("WAT", "GLD", "SW", 40),
            flow("WAT", "WOK", "SW", 25),
            flow("WOK", "GLD", "SW", 15),
        ])
        .timetable;
        let transfers = stated_transfers(&tt);
        let (shape, _) = DelayDistribution::from_orr_percentages([
            20.13, 39.88, 59.31, 69.44, 81.62, 87.68, 91.46, 95.71,
        ]);
        let delays = DelayTable::build(&tt, |_, _| shape);
        (tt, transfers, delays)
    }

    #[test]
    fn a_journey_may_end_with_a_stated_transfer_and_never_loops() {
        let (tt, transfers, delays) = london_day();
        let day = Day {
            timetable: &tt,
            transfers: &transfers,
            delays: &delays,
        };
        let planned = plan_between(day, crs("MAN"), crs("WAT"), 8 * 60, 2).unwrap();
        let best = &planned[0];
        assert_eq!(best.itinerary.legs.len(), 1, "{best:?}");
        assert_eq!(best.itinerary.legs[0].to, "EUS");
        let end = best.end.expect("ends with the transfer to Waterloo");
        assert_eq!((end.from, end.to), (crs("EUS"), crs("WAT")));
        assert_eq!(
            best.arrival(),
            best.itinerary.scheduled_arrival + Minute::from(end.transfer.minutes)
        );
        assert!(planned.iter().all(|p| !p.loops()));
    }

    #[test]
    fn a_journey_may_start_with_a_stated_transfer() {
        let (tt, transfers, delays) = london_day();
        let day = Day {
            timetable: &tt,
            transfers: &transfers,
            delays: &delays,
        };
        let planned = plan_between(day, crs("EUS"), crs("GLD"), 9 * 60, 2).unwrap();
        let best = &planned[0];
        let start = best.start.expect("starts across London");
        assert_eq!((start.from, start.to), (crs("EUS"), crs("WAT")));
        assert_eq!(best.itinerary.legs[0].from, "WAT");
        assert_eq!(
            best.departure(),
            best.itinerary.departure - Minute::from(start.transfer.minutes)
        );
        for (i, a) in planned.iter().enumerate() {
            for (j, b) in planned.iter().enumerate() {
                assert!(i == j || !a.dominated_by(b), "{a:?} is worse than {b:?}");
            }
        }
    }

    #[test]
    fn no_journey_says_why() {
        let (tt, transfers, delays) = london_day();
        let day = Day {
            timetable: &tt,
            transfers: &transfers,
            delays: &delays,
        };
        assert_eq!(
            plan_between(day, crs("EDB"), crs("WAT"), 480, 2).unwrap_err(),
            NoJourney::OriginNotServed
        );
        assert_eq!(
            plan_between(day, crs("MAN"), crs("EDB"), 480, 2).unwrap_err(),
            NoJourney::DestinationNotServed
        );
        assert_eq!(
            plan_between(day, crs("MAN"), crs("GLD"), 23 * 60, 2).unwrap_err(),
            NoJourney::NoneLeaving
        );
        assert_eq!(
            plan_arriving_by(day, crs("MAN"), crs("GLD"), 7 * 60, 2).unwrap_err(),
            NoJourney::NoneArriving
        );
        let by_noon = plan_arriving_by(day, crs("MAN"), crs("GLD"), 12 * 60, 2).unwrap();
        assert!(by_noon.iter().all(|p| p.arrival() <= 12 * 60));
    }
}
