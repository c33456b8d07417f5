//! Minimum Expected Arrival Time (MEAT; Dibbelt, Pajor, Strasser, Wagner, "Connection Scan
//! Algorithm", 2013/2018): a backward scan over the day's connections that gives every
//! connection the traveller's expected arrival when each train's arrival delay follows the delay
//! model and a missed connection falls back to the next service. From it come up to five
//! itineraries, Pareto-optimal on scheduled arrival, changes and expected arrival, each with the
//! risk of every interchange and the whole journey's arrival-delay distribution.
//! Pure: the caller supplies the timetable, the interchange rules and the delay table.

use serde::Serialize;

use crate::model::DelayDistribution;
use crate::model::delay::{BOUNDS, BUCKET_COUNT};
use crate::planner::csa::{Journey, Leg, MAX_CHANGES, earliest_arrival};
use crate::planner::delays::DelayTable;
use crate::planner::timetable::{
    ConnIdx, Minute, StationIdx, Timetable, TimetableSource, Transfers,
};

/// Itineraries returned at most.
pub const MAX_ITINERARIES: usize = 5;

/// How far past the earliest scheduled arrival the scan looks for fallback services, minutes.
pub const HORIZON_MINUTES: Minute = 240;

/// A traveller left with no later service inside the horizon is counted as arriving this many
/// minutes after the horizon ends (an assumption standing for "stranded until the next train").
pub const STRANDED_PENALTY_MINUTES: Minute = 120;

/// Departures from the origin considered per limit on trains, in departure order.
const CANDIDATES_PER_LEVEL: usize = 6;

/// Components of a journey's arrival-delay mixture lighter than this are dropped.
const NEGLIGIBLE: f64 = 1e-12;

/// The assumptions every planned answer rests on, in words for the response.
pub const ASSUMPTIONS: [&str; 6] = [
    "each train's arrival delay follows the delay model for its operator at the hour it starts its run",
    "trains' delays are independent of one another; departures leave on time (only arrival delays are modelled)",
    "a connection is never planned on a train arriving early: an early arrival counts as on time",
    "a missed connection falls back to the best next service, which is itself exposed to delay",
    "fallback services are looked for up to 4 hours after the earliest scheduled arrival; beyond that a stranded traveller counts as arriving 2 hours after that horizon",
    "walks between stations take the stated transfer time, which replaces the minimum connection time",
];

/// What to plan: from one station to another, leaving at or after a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanRequest {
    /// Station to leave from.
    pub origin: StationIdx,
    /// Station to reach.
    pub target: StationIdx,
    /// Earliest departure.
    pub departure: Minute,
    /// Most changes allowed (capped at 3).
    pub max_changes: u8,
}

/// One leg of an itinerary, as shown to a traveller.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItineraryLeg {
    /// Operator code, e.g. "VT".
    pub operator: String,
    /// Boarding station.
    pub from: String,
    /// Alighting station.
    pub to: String,
    /// Scheduled departure, minutes after the service day's midnight.
    pub departure: Minute,
    /// Scheduled arrival, minutes after the service day's midnight.
    pub arrival: Minute,
    /// Stations the train calls at from boarding to alighting, both included.
    pub calling_points: u32,
}

/// The risk at one change between legs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InterchangeRisk {
    /// Station the feeder train arrives at.
    pub station: String,
    /// Station the next train leaves from (another station only when walking).
    pub to_station: String,
    /// Scheduled minutes between the feeder's arrival and the next train's departure.
    pub slack_minutes: Minute,
    /// Minimum connection time (or the stated walk) that the slack must cover.
    pub min_connection_minutes: Minute,
    /// P(the feeder is later than slack − minimum connection time).
    pub p_missed_connection: f64,
}

/// One planned itinerary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Itinerary {
    /// The legs in travel order.
    pub legs: Vec<ItineraryLeg>,
    /// One per change, between consecutive legs.
    pub interchanges: Vec<InterchangeRisk>,
    /// Scheduled departure of the first leg.
    pub departure: Minute,
    /// Scheduled arrival of the last leg.
    pub scheduled_arrival: Minute,
    /// Number of changes.
    pub changes: usize,
    /// Expected arrival with delays and fallbacks, minutes after the service day's midnight.
    pub expected_arrival: f64,
    /// The whole journey's arrival delay against `scheduled_arrival`: the last leg's delay
    /// mixed with the fallbacks after missed connections.
    pub arrival_delay: DelayDistribution,
    /// The timetable's source label (an approximate timetable must be said to be one).
    pub timetable_source: TimetableSource,
    /// The planned trains, as connection indices into the timetable.
    #[serde(skip)]
    pub journey: Journey,
}

impl Itinerary {
    /// Expected minutes late against the scheduled arrival (exact, not bucketed).
    pub fn expected_delay_minutes(&self) -> f64 {
        self.expected_arrival - f64::from(self.scheduled_arrival)
    }
}

/// An entry of a station's profile: board `conn` (departing `dep`) and expect to arrive `exp`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    dep: Minute,
    exp: f64,
    conn: ConnIdx,
}

/// What a traveller on a connection does at its arrival station.
const UNREACHABLE: u8 = 0;
const ARRIVE: u8 = 1;
const STAY: u8 = 2;
/// Change at the same station; `WALK + i` walks the station's `i`-th footpath.
const CHANGE: u8 = 3;
const WALK: u8 = 4;

/// How a journey's arrival is made up: a share of travellers arriving on a trip, or stranded.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Trip { conn: ConnIdx },
    Stranded,
}

/// The state of one MEAT scan, kept for extracting itineraries.
struct Scan<'a> {
    tt: &'a Timetable,
    transfers: &'a Transfers,
    delays: &'a DelayTable,
    start: usize,
    len: usize,
    stranded: f64,
    n: usize,
    /// Profiles by level × station; a level is the number of trains still allowed.
    profiles: Vec<Vec<Entry>>,
    /// Decisions by level × (connection − start).
    choices: Vec<u8>,
}

/// Plans up to [`MAX_ITINERARIES`] itineraries (empty when no journey exists within the limit
/// on changes that day), best expected arrival first.
pub fn plan(
    tt: &Timetable,
    transfers: &Transfers,
    delays: &DelayTable,
    request: PlanRequest,
) -> Vec<Itinerary> {
    let max_changes = request.max_changes.min(MAX_CHANGES);
    let fastest = earliest_arrival(
        tt,
        transfers,
        request.origin,
        request.target,
        request.departure,
        max_changes,
    );
    let Some(first_arrival) = fastest.iter().flatten().map(|j| j.arrival(tt)).min() else {
        return Vec::new();
    };
    let horizon = first_arrival.saturating_add(HORIZON_MINUTES);
    let scan = Scan::run(
        tt,
        transfers,
        delays,
        request,
        usize::from(max_changes) + 1,
        horizon,
    );
    scan.itineraries(request)
}

impl<'a> Scan<'a> {
    fn run(
        tt: &'a Timetable,
        transfers: &'a Transfers,
        delays: &'a DelayTable,
        request: PlanRequest,
        levels: usize,
        horizon: Minute,
    ) -> Self {
        let start = tt.first_departing_at_or_after(request.departure);
        let end = tt.first_departing_at_or_after(horizon.saturating_add(1));
        let n = tt.station_count();
        let trips = tt.trips().len();
        let mut scan = Self {
            tt,
            transfers,
            delays,
            start,
            len: end.saturating_sub(start),
            stranded: f64::from(horizon.saturating_add(STRANDED_PENALTY_MINUTES)),
            n,
            profiles: vec![Vec::new(); levels * n],
            choices: vec![UNREACHABLE; levels * end.saturating_sub(start)],
        };
        let mut on_trip = vec![f64::INFINITY; levels * trips];
        let conns = tt.connections();
        for ci in (start..end).rev() {
            let c = conns[ci];
            let t = c.trip as usize;
            let v = c.arr_station;
            let odds = delays.made(tt, c.trip);
            let arrive = if v == request.target {
                f64::from(c.arr) + delays.expected(tt, c.trip)
            } else {
                f64::INFINITY
            };
            for level in 0..levels {
                let (mut best, mut choice) = (f64::INFINITY, UNREACHABLE);
                if arrive < best {
                    (best, choice) = (arrive, ARRIVE);
                }
                let stay = on_trip[level * trips + t];
                if stay < best {
                    (best, choice) = (stay, STAY);
                }
                if level > 0 && v != request.target {
                    let lower = (level - 1) * n;
                    let change = scan.expected_from(
                        &scan.profiles[lower + v as usize],
                        c.arr.saturating_add(transfers.mct(v)),
                        |f| odds.between(f.0, f.1),
                    );
                    if change < best {
                        (best, choice) = (change, CHANGE);
                    }
                    for (i, &(w, minutes)) in transfers.walks_from(v).iter().enumerate() {
                        let walk = scan.expected_from(
                            &scan.profiles[lower + w as usize],
                            c.arr.saturating_add(minutes),
                            |f| odds.between(f.0, f.1),
                        );
                        if walk < best {
                            (best, choice) = (walk, WALK.saturating_add(i as u8));
                        }
                    }
                }
                on_trip[level * trips + t] = best;
                scan.choices[level * scan.len + (ci - start)] = choice;
                let profile = &mut scan.profiles[level * n + c.dep_station as usize];
                if best < profile.last().map_or(f64::INFINITY, |e| e.exp) {
                    profile.push(Entry {
                        dep: c.dep,
                        exp: best,
                        conn: ci as ConnIdx,
                    });
                }
            }
        }
        scan
    }

    /// Expected arrival of a traveller whose feeder is due so that they are ready at `ready`
    /// when on time: each later departure in the profile is caught with the probability that
    /// the delay lets them reach it first; what is left is stranded. Infinite when nothing
    /// leaves at or after `ready` (the change is not on).
    fn expected_from(
        &self,
        profile: &[Entry],
        ready: Minute,
        made: impl Fn((Minute, Minute)) -> f64,
    ) -> f64 {
        // The profile runs from the latest departure to the earliest.
        let p = profile.partition_point(|e| e.dep >= ready);
        if p == 0 {
            return f64::INFINITY;
        }
        let (mut caught, mut expected) = (0.0, 0.0);
        for e in profile[..p].iter().rev() {
            let f = made((ready, e.dep));
            expected += (f - caught) * e.exp;
            caught = f;
            if caught >= 1.0 {
                break;
            }
        }
        expected + (1.0 - caught) * self.stranded
    }

    fn choice(&self, level: usize, conn: ConnIdx) -> u8 {
        self.choices[level * self.len + (conn as usize - self.start)]
    }

    /// Where a change after `conn` leads: the station boarded from and the minutes needed.
    fn transfer(&self, conn: ConnIdx, choice: u8) -> (StationIdx, Minute) {
        let v = self.tt.connections()[conn as usize].arr_station;
        if choice == CHANGE {
            (v, self.transfers.mct(v))
        } else {
            self.transfers.walks_from(v)[usize::from(choice - WALK)]
        }
    }

    /// The profile entries a traveller ready at `ready` at `station` may catch, in departure
    /// order, at `level`.
    fn catchable(
        &self,
        level: usize,
        station: StationIdx,
        ready: Minute,
    ) -> impl Iterator<Item = &Entry> {
        let profile = &self.profiles[level * self.n + station as usize];
        let p = profile.partition_point(|e| e.dep >= ready);
        profile[..p].iter().rev()
    }

    /// Follows the plan from boarding `conn` at `level` while every connection is made, up to
    /// the first change (`Some((alighting connection, choice))`) or the arrival (`None`).
    fn ride(&self, level: usize, conn: ConnIdx) -> Option<(Leg, Option<u8>)> {
        let mut cur = conn;
        loop {
            match self.choice(level, cur) {
                ARRIVE => {
                    return Some((
                        Leg {
                            board: conn,
                            alight: cur,
                        },
                        None,
                    ));
                }
                STAY => cur = self.tt.next_in_trip(cur)?,
                UNREACHABLE => return None,
                change => {
                    return Some((
                        Leg {
                            board: conn,
                            alight: cur,
                        },
                        Some(change),
                    ));
                }
            }
        }
    }

    /// The journey planned when every connection is made, boarding `conn` at `level`.
    fn primary(&self, mut level: usize, conn: ConnIdx) -> Option<Journey> {
        let mut legs = Vec::new();
        let mut board = conn;
        loop {
            let (leg, change) = self.ride(level, board)?;
            legs.push(leg);
            let Some(change) = change else {
                return Some(Journey { legs });
            };
            let (station, minutes) = self.transfer(leg.alight, change);
            let ready = self.tt.connections()[leg.alight as usize].arr + minutes;
            level = level.checked_sub(1)?;
            board = self.catchable(level, station, ready).next()?.conn;
        }
    }

    /// The arrival mixture of boarding `conn` at `level` with probability `weight`.
    fn outcomes(&self, level: usize, conn: ConnIdx, weight: f64, out: &mut Vec<(f64, Outcome)>) {
        let Some((leg, change)) = self.ride(level, conn) else {
            return;
        };
        let Some(change) = change else {
            out.push((weight, Outcome::Trip { conn: leg.alight }));
            return;
        };
        let feeder = self.tt.connections()[leg.alight as usize];
        let made = self.delays.made(self.tt, feeder.trip);
        let (station, minutes) = self.transfer(leg.alight, change);
        let ready = feeder.arr + minutes;
        let mut caught = 0.0;
        for e in self.catchable(level - 1, station, ready) {
            let f = made.between(ready, e.dep);
            if (f - caught) * weight > NEGLIGIBLE {
                self.outcomes(level - 1, e.conn, weight * (f - caught), out);
            }
            caught = f;
            if caught >= 1.0 {
                break;
            }
        }
        if (1.0 - caught) * weight > NEGLIGIBLE {
            out.push((weight * (1.0 - caught), Outcome::Stranded));
        }
    }

    fn itinerary(&self, level: usize, entry: &Entry) -> Option<Itinerary> {
        let journey = self.primary(level, entry.conn)?;
        let tt = self.tt;
        let conns = tt.connections();
        let scheduled = journey.arrival(tt);
        let legs = journey
            .legs
            .iter()
            .map(|leg| {
                let (b, a) = (conns[leg.board as usize], conns[leg.alight as usize]);
                ItineraryLeg {
                    operator: tt.operator_of(b.trip).to_owned(),
                    from: tt.crs(b.dep_station).to_string(),
                    to: tt.crs(a.arr_station).to_string(),
                    departure: b.dep,
                    arrival: a.arr,
                    calling_points: a.seq - b.seq + 2,
                }
            })
            .collect();
        let interchanges = journey
            .legs
            .windows(2)
            .map(|w| {
                let (a, b) = (conns[w[0].alight as usize], conns[w[1].board as usize]);
                let need = self
                    .transfers
                    .transfer_minutes(a.arr_station, b.dep_station)
                    .unwrap_or(0);
                let made = self.delays.made(tt, a.trip).between(a.arr + need, b.dep);
                InterchangeRisk {
                    station: tt.crs(a.arr_station).to_string(),
                    to_station: tt.crs(b.dep_station).to_string(),
                    slack_minutes: b.dep - a.arr,
                    min_connection_minutes: need,
                    p_missed_connection: 1.0 - made,
                }
            })
            .collect();
        let mut mixture = Vec::new();
        self.outcomes(level, entry.conn, 1.0, &mut mixture);
        let arrival_delay = self.mixture_distribution(&mixture, scheduled)?;
        Some(Itinerary {
            legs,
            interchanges,
            departure: journey.departure(tt),
            scheduled_arrival: scheduled,
            changes: journey.changes(),
            expected_arrival: entry.exp,
            arrival_delay,
            timetable_source: tt.source(),
            journey,
        })
    }

    /// The arrival-delay distribution (against `scheduled`) of a mixture of outcomes, read at
    /// the delay model's bucket bounds.
    fn mixture_distribution(
        &self,
        mixture: &[(f64, Outcome)],
        scheduled: Minute,
    ) -> Option<DelayDistribution> {
        let mut below = [0.0; BUCKET_COUNT - 1];
        for &(weight, outcome) in mixture {
            match outcome {
                Outcome::Trip { conn } => {
                    let c = self.tt.connections()[conn as usize];
                    let d = self.delays.distribution(self.tt, c.trip);
                    let shift = f64::from(c.arr) - f64::from(scheduled);
                    for (slot, bound) in below.iter_mut().zip(BOUNDS) {
                        *slot += weight * (1.0 - d.p_at_least(bound - shift));
                    }
                }
                Outcome::Stranded => {
                    let shift = self.stranded - f64::from(scheduled);
                    for (slot, bound) in below.iter_mut().zip(BOUNDS) {
                        if shift < bound {
                            *slot += weight;
                        }
                    }
                }
            }
        }
        let total: f64 = mixture.iter().map(|(w, _)| w).sum();
        (total > 0.0).then(|| DelayDistribution::from_cumulative(below.map(|b| b / total)))
    }

    /// The expected arrival of a mixture (used to check it against the scan's expectation).
    #[cfg(test)]
    fn mixture_mean(&self, mixture: &[(f64, Outcome)]) -> f64 {
        mixture
            .iter()
            .map(|&(w, outcome)| match outcome {
                Outcome::Trip { conn } => {
                    let c = self.tt.connections()[conn as usize];
                    w * (f64::from(c.arr) + self.delays.expected(self.tt, c.trip))
                }
                Outcome::Stranded => w * self.stranded,
            })
            .sum()
    }

    /// Candidates from the origin's profiles, deduplicated and Pareto-filtered on (scheduled
    /// arrival, changes, expected arrival), best expected arrival first.
    fn itineraries(&self, request: PlanRequest) -> Vec<Itinerary> {
        let levels = self.profiles.len() / self.n.max(1);
        let mut candidates: Vec<Itinerary> = (0..levels)
            .flat_map(|level| {
                self.catchable(level, request.origin, request.departure)
                    .take(CANDIDATES_PER_LEVEL)
                    .filter_map(move |e| self.itinerary(level, e))
            })
            .collect();
        // Later departures first, so that of two equal itineraries the one with less waiting
        // at the origin is kept.
        candidates.sort_by_key(|c| std::cmp::Reverse(c.departure));
        let mut kept: Vec<Itinerary> = Vec::new();
        for c in candidates {
            let dominated = kept.iter().any(|k| {
                k.scheduled_arrival <= c.scheduled_arrival
                    && k.changes <= c.changes
                    && k.expected_arrival <= c.expected_arrival + 1e-9
            });
            if !dominated {
                kept.retain(|k| {
                    !(c.scheduled_arrival <= k.scheduled_arrival
                        && c.changes <= k.changes
                        && c.expected_arrival <= k.expected_arrival + 1e-9)
                });
                kept.push(c);
            }
        }
        kept.sort_by(|a, b| {
            a.expected_arrival
                .total_cmp(&b.expected_arrival)
                .then(a.scheduled_arrival.cmp(&b.scheduled_arrival))
                .then(a.changes.cmp(&b.changes))
        });
        kept.truncate(MAX_ITINERARIES);
        kept
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::planner::csa::tests::{assert_valid, build, code, small_timetable};
    use crate::planner::timetable::{Call, TimetableBuilder};

    /// Avanti West Coast's moving annual average to 2024-25 P13 (ORR 3138), as in `delay.rs`.
    fn avanti() -> DelayDistribution {
        DelayDistribution::from_orr_percentages([
            20.13, 39.88, 59.31, 69.44, 81.62, 87.68, 91.46, 95.71,
        ])
        .0
    }

    fn call(station: StationIdx, t: Minute) -> Call {
        Call {
            station,
            arr: t,
            dep: t,
        }
    }

    /// X→Y arriving 10:00 and Y→Z trains at the given departures (each 56 minutes).
    fn interchange(onward: &[Minute]) -> (Timetable, [StationIdx; 3]) {
        let mut b = TimetableBuilder::new(TimetableSource::Synthetic);
        let s = [b.station(code(0)), b.station(code(1)), b.station(code(2))];
        let op = b.operator("VT");
        b.add_trip(op, &[call(s[0], 540), call(s[1], 600)]);
        for &dep in onward {
            b.add_trip(op, &[call(s[1], dep), call(s[2], dep + 56)]);
        }
        (b.build(), s)
    }

    fn plan_with(tt: &Timetable, s: [StationIdx; 3], mct: Minute) -> Vec<Itinerary> {
        let transfers = Transfers::new(tt, |_| mct, &[]);
        let delays = DelayTable::build(tt, |_, _| avanti());
        plan(
            tt,
            &transfers,
            &delays,
            PlanRequest {
                origin: s[0],
                target: s[2],
                departure: 500,
                max_changes: 2,
            },
        )
    }

    #[test]
    fn a_four_minute_booked_connection_at_a_ten_minute_station_is_not_offered() {
        let (tt, s) = interchange(&[604, 640]);
        let plans = plan_with(&tt, s, 10);
        assert!(!plans.is_empty());
        for p in &plans {
            assert!(p.legs[1].departure != 604, "{p:?}");
            assert!(
                p.interchanges
                    .iter()
                    .all(|i| i.slack_minutes >= i.min_connection_minutes)
            );
        }
        assert_eq!(plans[0].legs[1].departure, 640);
        // Where five minutes are enough, the 10:04 is the plan.
        assert_eq!(plan_with(&tt, s, 4)[0].legs[1].departure, 604);
    }

    #[test]
    fn a_tight_but_legal_connection_is_riskier_than_a_relaxed_one() {
        let (tight, s) = interchange(&[607, 700]);
        let (relaxed, _) = interchange(&[625, 700]);
        let p_tight = &plan_with(&tight, s, 5)[0];
        let p_relaxed = &plan_with(&relaxed, s, 5)[0];
        assert_eq!(
            (p_tight.legs[1].departure, p_relaxed.legs[1].departure),
            (607, 625)
        );
        let (rt, rr) = (&p_tight.interchanges[0], &p_relaxed.interchanges[0]);
        assert_eq!((rt.slack_minutes, rr.slack_minutes), (7, 25));
        // Avanti: P(> 2 min late) vs P(> 20 min late).
        assert!((rt.p_missed_connection - avanti().p_at_least(2.0)).abs() < 1e-12);
        assert!((rr.p_missed_connection - avanti().p_at_least(20.0)).abs() < 1e-12);
        assert!(rt.p_missed_connection > rr.p_missed_connection + 0.2);
        // Missing the 10:07 means the 11:00: the tight plan's tail is heavier.
        assert!(p_tight.arrival_delay.p_at_least(30.0) > p_relaxed.arrival_delay.p_at_least(30.0));
        assert!(p_tight.expected_delay_minutes() > avanti().expected_delay_minutes());
    }

    #[test]
    fn the_journey_distribution_mixes_the_last_leg_with_the_fallbacks() {
        let (tt, s) = interchange(&[607, 667]);
        let p = &plan_with(&tt, s, 5)[0];
        let d = avanti();
        let made = |x: f64| 1.0 - d.p_at_least(x);
        // Ready at 10:05 when on time: the 10:07 is caught within 2 minutes' delay, the 11:07
        // (the last train) within 62; later than that the traveller is stranded.
        let (on_plan, fallback) = (made(2.0), made(62.0) - made(2.0));
        let stranded = 1.0 - made(62.0);
        assert!((p.interchanges[0].p_missed_connection - (1.0 - on_plan)).abs() < 1e-12);
        let p5 = on_plan * d.p_at_least(5.0) + fallback + stranded;
        assert!((p.arrival_delay.p_at_least(5.0) - p5).abs() < 1e-9);
        let p60 = on_plan * d.p_at_least(60.0) + fallback * d.p_at_least(0.0) + stranded;
        assert!((p.arrival_delay.p_at_least(60.0) - p60).abs() < 1e-9);
        let stranded_at = f64::from(663 + HORIZON_MINUTES + STRANDED_PENALTY_MINUTES);
        let mean = on_plan * (663.0 + d.expected_delay_minutes())
            + fallback * (723.0 + d.expected_delay_minutes())
            + stranded * stranded_at;
        assert_eq!(p.scheduled_arrival, 663);
        assert!((p.expected_arrival - mean).abs() < 1e-9);
    }

    #[test]
    fn itineraries_are_pareto_on_arrival_changes_and_expectation() {
        // A direct slow train and a fast pair with a tight change.
        let mut b = TimetableBuilder::new(TimetableSource::Synthetic);
        let s = [b.station(code(0)), b.station(code(1)), b.station(code(2))];
        let op = b.operator("VT");
        b.add_trip(op, &[call(s[0], 540), call(s[2], 700)]);
        b.add_trip(op, &[call(s[0], 545), call(s[1], 600)]);
        b.add_trip(op, &[call(s[1], 606), call(s[2], 640)]);
        let tt = b.build();
        let plans = plan_with(&tt, s, 5);
        assert!(plans.len() >= 2, "{plans:?}");
        assert!(
            plans
                .iter()
                .any(|p| p.changes == 0 && p.scheduled_arrival == 700)
        );
        assert!(
            plans
                .iter()
                .any(|p| p.changes == 1 && p.scheduled_arrival == 640)
        );
        for a in &plans {
            for b in &plans {
                let dominates = a.scheduled_arrival <= b.scheduled_arrival
                    && a.changes <= b.changes
                    && a.expected_arrival <= b.expected_arrival
                    && a != b;
                assert!(!dominates, "{a:?} dominates {b:?}");
            }
            assert!(a.legs.iter().all(|l| l.calling_points == 2));
            assert_eq!(a.timetable_source, TimetableSource::Synthetic);
        }
    }

    /// Draws a delay from a distribution: a bucket by its probability, then uniform inside it
    /// (early arrivals span [−2, 0) and 120+ spans [120, 180), as the delay model assumes).
    fn draw(rng: &mut StdRng, d: &DelayDistribution) -> f64 {
        let spans: Vec<(f64, f64)> = std::iter::once(-2.0)
            .chain(BOUNDS)
            .zip(BOUNDS.into_iter().chain(std::iter::once(180.0)))
            .collect();
        let mut u: f64 = rng.random();
        for (p, (lo, hi)) in d.probabilities().iter().zip(spans) {
            if u < *p {
                return lo + (hi - lo) * rng.random::<f64>();
            }
            u -= p;
        }
        179.0
    }

    fn distribution() -> impl Strategy<Value = DelayDistribution> {
        prop::array::uniform11(0.0_f64..1.0)
            .prop_filter_map("weights sum to zero", DelayDistribution::from_weights)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn p_missed_connection_matches_a_monte_carlo_estimate(
            (stations, trips) in small_timetable(),
            ops in prop::array::uniform2(distribution()),
            mct in 0_u32..6,
            origin in 0_usize..3,
            target in 0_usize..3,
            seed in any::<u64>(),
        ) {
            prop_assume!(origin != target);
            let tt = build(stations, &trips);
            let transfers = Transfers::new(&tt, |_| mct, &[]);
            let delays = DelayTable::build(&tt, |op, _| if op == "AA" { ops[0] } else { ops[1] });
            let request = PlanRequest {
                origin: origin as StationIdx,
                target: target as StationIdx,
                departure: 0,
                max_changes: 3,
            };
            let mut rng = StdRng::seed_from_u64(seed);
            let conns = tt.connections();
            for p in plan(&tt, &transfers, &delays, request) {
                assert_valid(&tt, &transfers, &p.journey, 0);
                prop_assert!(p.itinerary_is_consistent());
                for (w, risk) in p.journey.legs.windows(2).zip(&p.interchanges) {
                    let (feeder, next) = (conns[w[0].alight as usize], conns[w[1].board as usize]);
                    let d = if tt.operator_of(feeder.trip) == "AA" { ops[0] } else { ops[1] };
                    let samples = 100_000;
                    let missed = (0..samples)
                        .filter(|_| {
                            f64::from(feeder.arr) + draw(&mut rng, &d).max(0.0) + f64::from(mct)
                                > f64::from(next.dep)
                        })
                        .count();
                    let estimate = missed as f64 / f64::from(samples);
                    prop_assert!(
                        (risk.p_missed_connection - estimate).abs() < 0.01,
                        "planner {} vs Monte Carlo {}", risk.p_missed_connection, estimate
                    );
                }
            }
        }

        #[test]
        fn the_journey_mixture_has_the_scan_s_expected_arrival(
            (stations, trips) in small_timetable(),
            ops in prop::array::uniform2(distribution()),
            mct in 0_u32..6,
            origin in 0_usize..3,
            target in 0_usize..3,
        ) {
            prop_assume!(origin != target);
            let tt = build(stations, &trips);
            let transfers = Transfers::new(&tt, |_| mct, &[]);
            let delays = DelayTable::build(&tt, |op, _| if op == "AA" { ops[0] } else { ops[1] });
            let request = PlanRequest {
                origin: origin as StationIdx,
                target: target as StationIdx,
                departure: 0,
                max_changes: 2,
            };
            let fastest = earliest_arrival(&tt, &transfers, request.origin, request.target, 0, 2);
            let Some(first) = fastest.iter().flatten().map(|j| j.arrival(&tt)).min() else {
                return Ok(());
            };
            let scan = Scan::run(&tt, &transfers, &delays, request, 3, first + HORIZON_MINUTES);
            for level in 0..3 {
                for e in scan.catchable(level, request.origin, 0) {
                    let mut mixture = Vec::new();
                    scan.outcomes(level, e.conn, 1.0, &mut mixture);
                    let total: f64 = mixture.iter().map(|(w, _)| w).sum();
                    prop_assert!((total - 1.0).abs() < 1e-9);
                    prop_assert!((scan.mixture_mean(&mixture) - e.exp).abs() < 1e-6);
                }
            }
        }
    }

    impl Itinerary {
        /// Legs, interchanges and totals agree with one another.
        fn itinerary_is_consistent(&self) -> bool {
            let total: f64 = self.arrival_delay.probabilities().iter().sum();
            self.interchanges.len() == self.changes
                && self.legs.len() == self.changes + 1
                && self.legs.windows(2).all(|w| w[0].arrival <= w[1].departure)
                && self.expected_arrival >= f64::from(self.scheduled_arrival) - 2.0
                && (total - 1.0).abs() < 1e-9
                && self
                    .interchanges
                    .iter()
                    .all(|i| (0.0..=1.0).contains(&i.p_missed_connection))
        }
    }
}
