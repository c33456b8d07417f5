//! Earliest arrival by the Connection Scan Algorithm (Dibbelt, Pajor, Strasser, Wagner, 2013):
//! one pass over the day's connections in departure order, with a label per station for each
//! number of trains used, so the answer respects a limit on changes and every station's minimum
//! connection time (or a stated walk between trains). Pure: never allocates per connection.

use crate::planner::timetable::{ConnIdx, Minute, StationIdx, Timetable, Transfers};

/// Changes the planner accepts at most (four trains).
pub const MAX_CHANGES: u8 = 3;

/// Sentinel for "no connection" in parent pointers.
const NONE: ConnIdx = ConnIdx::MAX;

/// One ride on one train: boarded on connection `board`, left after connection `alight`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Leg {
    /// The connection on which the traveller boards.
    pub board: ConnIdx,
    /// The connection after which the traveller gets off.
    pub alight: ConnIdx,
}

/// A journey of one or more legs; between legs the traveller changes at one station or walks a
/// stated footpath.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Journey {
    /// The legs in travel order.
    pub legs: Vec<Leg>,
}

impl Journey {
    /// Scheduled departure of the first leg.
    pub fn departure(&self, tt: &Timetable) -> Minute {
        tt.connections()[self.legs[0].board as usize].dep
    }

    /// Scheduled arrival of the last leg.
    pub fn arrival(&self, tt: &Timetable) -> Minute {
        let last = self.legs[self.legs.len() - 1];
        tt.connections()[last.alight as usize].arr
    }

    /// Number of changes (legs − 1).
    pub fn changes(&self) -> usize {
        self.legs.len() - 1
    }
}

/// How a label was reached: the leg that ended there (or the query's origin).
#[derive(Debug, Clone, Copy)]
struct Parent {
    board: ConnIdx,
    alight: ConnIdx,
    /// Trains used up to and including this leg.
    trips: u8,
}

const ORIGIN: Parent = Parent {
    board: NONE,
    alight: NONE,
    trips: 0,
};

/// Earliest arrival at `target` leaving `origin` at or after `departure`, for every limit on
/// changes: element `k` is the earliest-arriving journey with at most `k` changes (fewest trains
/// among equal arrivals), `None` where there is none. `max_changes` is capped at
/// [`MAX_CHANGES`]. No walking at the very start or end: walks join trains only.
pub fn earliest_arrival(
    tt: &Timetable,
    transfers: &Transfers,
    origin: StationIdx,
    target: StationIdx,
    departure: Minute,
    max_changes: u8,
) -> Vec<Option<Journey>> {
    let kmax = usize::from(max_changes.min(MAX_CHANGES)) + 1;
    if origin == target {
        return vec![None; kmax];
    }
    let n = tt.station_count();
    // ready[k·n + s]: earliest time a traveller who used at most k trains can board at s.
    let mut ready = vec![Minute::MAX; kmax * n];
    let mut ready_parent = vec![ORIGIN; kmax * n];
    for k in 0..kmax {
        ready[k * n + origin as usize] = departure;
    }
    // arrival[k − 1]: earliest arrival at the target using at most k trains.
    let mut arrival = vec![Minute::MAX; kmax];
    let mut arrival_parent = vec![ORIGIN; kmax];
    // Per trip: the fewest trains used once aboard it (0 = not reached), and where boarded.
    let mut trip_trains = vec![0_u8; tt.trips().len()];
    let mut trip_board = vec![NONE; tt.trips().len()];

    let conns = tt.connections();
    let first = tt.first_departing_at_or_after(departure);
    for (ci, &c) in conns.iter().enumerate().skip(first) {
        // Nothing departing at or after every limit's arrival can improve any of them (the
        // fewest-trains arrival is the latest).
        if c.dep >= arrival[0] {
            break;
        }
        let t = c.trip as usize;
        let ci = ci as ConnIdx;
        let aboard = trip_trains[t];
        let limit = if aboard == 0 {
            kmax
        } else {
            usize::from(aboard) - 1
        };
        let u = c.dep_station as usize;
        if let Some(k) = (0..limit).find(|&k| ready[k * n + u] <= c.dep) {
            trip_trains[t] = (k + 1) as u8;
            trip_board[t] = ci;
        }
        let trains = usize::from(trip_trains[t]);
        if trains == 0 {
            continue;
        }
        let parent = Parent {
            board: trip_board[t],
            alight: ci,
            trips: trains as u8,
        };
        let v = c.arr_station;
        if v == target {
            for k in trains..=kmax {
                if c.arr < arrival[k - 1] {
                    arrival[k - 1] = c.arr;
                    arrival_parent[k - 1] = parent;
                }
            }
            continue;
        }
        let mut relax = |station: StationIdx, time: Minute| {
            for k in trains..kmax {
                let slot = k * n + station as usize;
                if time < ready[slot] {
                    ready[slot] = time;
                    ready_parent[slot] = parent;
                }
            }
        };
        relax(v, c.arr.saturating_add(transfers.mct(v)));
        for &(w, minutes) in transfers.walks_from(v) {
            relax(w, c.arr.saturating_add(minutes));
        }
    }

    (0..kmax)
        .map(|k| {
            (arrival[k] != Minute::MAX).then(|| {
                let mut legs = Vec::with_capacity(k + 1);
                let mut p = arrival_parent[k];
                while p.board != NONE {
                    legs.push(Leg {
                        board: p.board,
                        alight: p.alight,
                    });
                    let u = conns[p.board as usize].dep_station as usize;
                    p = ready_parent[(usize::from(p.trips) - 1) * n + u];
                }
                legs.reverse();
                Journey { legs }
            })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::Crs;
    use crate::planner::timetable::{Call, Footpath, TimetableBuilder, TimetableSource, TripIdx};

    /// Station codes for small test timetables: AAA, AAB, ...
    pub(crate) fn code(i: usize) -> Crs {
        let b = |x: usize| char::from(b'A' + (x % 26) as u8);
        Crs::parse(&format!("{}{}{}", b(i / 676), b(i / 26), b(i))).unwrap()
    }

    /// A random small timetable: `stations` stations, trips of 2–4 calls with hops of 1–20
    /// minutes and dwell 0–3 minutes, two operators.
    pub(crate) fn small_timetable() -> impl Strategy<Value = (usize, Vec<(u16, Vec<Call>)>)> {
        (3_usize..7).prop_flat_map(|stations| {
            let trip = (
                0_u16..2,
                0_u32..120,
                prop::collection::vec((0..stations, 1_u32..20, 0_u32..4), 1..4),
                0..stations,
            )
                .prop_map(move |(op, start, hops, first)| {
                    let mut calls = vec![Call {
                        station: first as StationIdx,
                        arr: start,
                        dep: start,
                    }];
                    let mut time = start;
                    for (station, run, dwell) in hops {
                        let previous = calls[calls.len() - 1].station;
                        let station = if station as StationIdx == previous {
                            (station + 1) % stations
                        } else {
                            station
                        };
                        time += run;
                        calls.push(Call {
                            station: station as StationIdx,
                            arr: time,
                            dep: time + dwell,
                        });
                        time += dwell;
                    }
                    (op, calls)
                });
            (Just(stations), prop::collection::vec(trip, 1..12))
        })
    }

    /// Builds a small timetable; every station gets a CRS from [`code`].
    pub(crate) fn build(stations: usize, trips: &[(u16, Vec<Call>)]) -> Timetable {
        let mut b = TimetableBuilder::new(TimetableSource::Synthetic);
        for i in 0..stations {
            b.station(code(i));
        }
        let ops = [b.operator("AA"), b.operator("BB")];
        for (op, calls) in trips {
            b.add_trip(ops[usize::from(*op)], calls);
        }
        b.build()
    }

    /// Brute force: every way to ride at most `trains` trains from `at` (ready to board at
    /// `ready`), returning the earliest arrival at `target`.
    fn brute_force(
        tt: &Timetable,
        transfers: &Transfers,
        at: StationIdx,
        ready: Minute,
        target: StationIdx,
        trains: usize,
    ) -> Option<Minute> {
        if trains == 0 {
            return None;
        }
        let mut best: Option<Minute> = None;
        for (i, c) in tt.connections().iter().enumerate() {
            if c.dep_station != at || c.dep < ready {
                continue;
            }
            // Ride the train from here to each later call.
            let mut cur = Some(i as ConnIdx);
            while let Some(ci) = cur {
                let hop = tt.connections()[ci as usize];
                let v = hop.arr_station;
                let candidate = if v == target {
                    Some(hop.arr)
                } else {
                    let mut here = brute_force(
                        tt,
                        transfers,
                        v,
                        hop.arr + transfers.mct(v),
                        target,
                        trains - 1,
                    );
                    for &(w, minutes) in transfers.walks_from(v) {
                        let walked =
                            brute_force(tt, transfers, w, hop.arr + minutes, target, trains - 1);
                        here = here.into_iter().chain(walked).min();
                    }
                    here
                };
                best = best.into_iter().chain(candidate).min();
                cur = tt.next_in_trip(ci);
            }
        }
        best
    }

    fn test_transfers(tt: &Timetable, mct: &[u32], walk: Option<(usize, usize, u32)>) -> Transfers {
        let footpaths: Vec<Footpath> = walk
            .into_iter()
            .map(|(a, b, m)| Footpath {
                from: code(a),
                to: code(b),
                minutes: m,
            })
            .collect();
        Transfers::new(
            tt,
            |crs| {
                let i = (0..tt.station_count()).find(|&i| code(i) == crs).unwrap();
                mct[i % mct.len()]
            },
            &footpaths,
        )
    }

    /// Checks that a journey is physically valid: legs ride one train in calling order, and
    /// each change leaves the minimum connection time (or the stated walk).
    pub(crate) fn assert_valid(
        tt: &Timetable,
        transfers: &Transfers,
        j: &Journey,
        departure: Minute,
    ) {
        let conns = tt.connections();
        assert!(j.departure(tt) >= departure);
        for leg in &j.legs {
            let mut cur = leg.board;
            while cur != leg.alight {
                cur = tt
                    .next_in_trip(cur)
                    .expect("alight is later on the same train");
            }
        }
        for w in j.legs.windows(2) {
            let (a, b) = (conns[w[0].alight as usize], conns[w[1].board as usize]);
            let need = transfers
                .transfer_minutes(a.arr_station, b.dep_station)
                .expect("a stated transfer");
            assert!(a.arr + need <= b.dep, "{a:?} then {b:?} needs {need} min");
            assert_ne!(a.trip, b.trip as TripIdx);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn csa_earliest_arrival_equals_brute_force(
            (stations, trips) in small_timetable(),
            mct in prop::collection::vec(0_u32..8, 1..4),
            walk in prop::option::of((0_usize..3, 0_usize..3, 1_u32..10)),
            origin in 0_usize..3,
            target in 0_usize..3,
            departure in 0_u32..100,
            max_changes in 0_u8..=3,
        ) {
            let tt = build(stations, &trips);
            let transfers = test_transfers(&tt, &mct, walk);
            let (o, t) = (origin as StationIdx, target as StationIdx);
            let answers = earliest_arrival(&tt, &transfers, o, t, departure, max_changes);
            prop_assert_eq!(answers.len(), usize::from(max_changes) + 1);
            for (k, answer) in answers.iter().enumerate() {
                let expected = if o == t {
                    None
                } else {
                    brute_force(&tt, &transfers, o, departure, t, k + 1)
                };
                prop_assert_eq!(answer.as_ref().map(|j| j.arrival(&tt)), expected, "k = {}", k);
                if let Some(j) = answer {
                    prop_assert!(j.changes() <= k);
                    assert_valid(&tt, &transfers, j, departure);
                    let first = tt.connections()[j.legs[0].board as usize];
                    prop_assert_eq!(first.dep_station, o);
                    let last = tt.connections()[j.legs[j.legs.len() - 1].alight as usize];
                    prop_assert_eq!(last.arr_station, t);
                }
            }
        }
    }

    /// X→Y arriving 10:00, then Y→Z trains at 10:04 and 10:20.
    fn four_minute_connection() -> (Timetable, [StationIdx; 3]) {
        let mut b = TimetableBuilder::new(TimetableSource::Synthetic);
        let s = [b.station(code(0)), b.station(code(1)), b.station(code(2))];
        let op = b.operator("VT");
        let call = |station, t| Call {
            station,
            arr: t,
            dep: t,
        };
        b.add_trip(op, &[call(s[0], 540), call(s[1], 600)]);
        b.add_trip(op, &[call(s[1], 604), call(s[2], 660)]);
        b.add_trip(op, &[call(s[1], 620), call(s[2], 676)]);
        (b.build(), s)
    }

    #[test]
    fn a_four_minute_connection_is_not_offered_where_the_minimum_is_ten() {
        let (tt, s) = four_minute_connection();
        let strict = Transfers::new(&tt, |_| 10, &[]);
        let best = earliest_arrival(&tt, &strict, s[0], s[2], 500, 2);
        assert_eq!(best[0], None, "no direct train");
        let j = best[1].as_ref().expect("the 10:20 connection");
        assert_eq!(j.arrival(&tt), 676);
        assert_eq!(tt.connections()[j.legs[1].board as usize].dep, 620);
        let relaxed = Transfers::new(&tt, |_| 4, &[]);
        let best = earliest_arrival(&tt, &relaxed, s[0], s[2], 500, 2);
        assert_eq!(best[1].as_ref().map(|j| j.arrival(&tt)), Some(660));
    }

    #[test]
    fn a_limit_of_no_changes_returns_only_direct_trains() {
        let (tt, s) = four_minute_connection();
        let t = Transfers::new(&tt, |_| 5, &[]);
        assert_eq!(earliest_arrival(&tt, &t, s[0], s[2], 500, 0), vec![None]);
        assert_eq!(
            earliest_arrival(&tt, &t, s[0], s[0], 500, 1),
            vec![None, None]
        );
    }
}
