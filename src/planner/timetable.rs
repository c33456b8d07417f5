//! One service day's timetable as the planner reads it: stations as dense indices, trips, and
//! elementary connections (one train between two consecutive calls) sorted by departure, plus the
//! interchange rules (minimum connection time per station, walking transfers). Compact by design
//! (u32 fields, flat vectors) so a Great Britain-sized day stays well under 100 MB. Pure: built
//! from values the caller supplies; never reads files or a database.

use std::collections::HashMap;
use std::mem::size_of;

use serde::Serialize;

use crate::domain::Crs;

/// Minutes after midnight at the start of the service day; trains after midnight run past 1440.
pub type Minute = u32;
/// Dense index of a station in one [`Timetable`].
pub type StationIdx = u32;
/// Dense index of a trip (one train's run on the service day) in one [`Timetable`].
pub type TripIdx = u32;
/// Dense index of an operator in one [`Timetable`].
pub type OperatorIdx = u16;
/// Index of a connection in [`Timetable::connections`].
pub type ConnIdx = u32;

/// Where a timetable came from; every answer built on it must carry this label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimetableSource {
    /// The imported CIF timetable, resolved for the service date.
    Cif,
    /// Generated from the route catalogue under stated assumptions (see `approximate`).
    Approximate,
    /// Generated for benchmarks and tests; not the railway.
    Synthetic,
}

/// One train running between two consecutive calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connection {
    /// Station the train leaves.
    pub dep_station: StationIdx,
    /// Station the train calls at next.
    pub arr_station: StationIdx,
    /// Scheduled (public) departure.
    pub dep: Minute,
    /// Scheduled (public) arrival at `arr_station`.
    pub arr: Minute,
    /// The train.
    pub trip: TripIdx,
    /// Position of this connection within its trip (0 for the first).
    pub seq: u32,
}

/// One train's run on the service day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trip {
    /// Who runs it.
    pub operator: OperatorIdx,
    /// Its departure from its first call (the delay model is keyed on it).
    pub first_dep: Minute,
}

/// A call of a trip at a station, as supplied to [`TimetableBuilder::add_trip`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    /// The station.
    pub station: StationIdx,
    /// Public arrival (ignored at the first call).
    pub arr: Minute,
    /// Public departure (ignored at the last call).
    pub dep: Minute,
}

/// The service day's timetable, read-only once built.
#[derive(Debug, Clone)]
pub struct Timetable {
    source: TimetableSource,
    stations: Vec<Crs>,
    index: HashMap<Crs, StationIdx>,
    operators: Vec<String>,
    trips: Vec<Trip>,
    connections: Vec<Connection>,
    /// Connection indices of every trip in calling order, trip after trip (CSR layout).
    trip_conns: Vec<ConnIdx>,
    /// Where each trip's run starts in `trip_conns`; one more entry than there are trips.
    trip_offsets: Vec<u32>,
}

impl Timetable {
    /// Where this timetable came from.
    pub fn source(&self) -> TimetableSource {
        self.source
    }

    /// Every connection, sorted by departure (then arrival, then calling order).
    pub fn connections(&self) -> &[Connection] {
        &self.connections
    }

    /// The trips, by index.
    pub fn trips(&self) -> &[Trip] {
        &self.trips
    }

    /// Number of stations.
    pub fn station_count(&self) -> usize {
        self.stations.len()
    }

    /// The CRS code of a station index.
    pub fn crs(&self, station: StationIdx) -> Crs {
        self.stations[station as usize]
    }

    /// The station index of a CRS code, if the timetable knows the station.
    pub fn station(&self, crs: Crs) -> Option<StationIdx> {
        self.index.get(&crs).copied()
    }

    /// The operator codes, by index.
    pub fn operators(&self) -> &[String] {
        &self.operators
    }

    /// The operator code of a trip.
    pub fn operator_of(&self, trip: TripIdx) -> &str {
        &self.operators[self.trips[trip as usize].operator as usize]
    }

    /// The connection after `conn` on the same train, if the train goes on.
    pub fn next_in_trip(&self, conn: ConnIdx) -> Option<ConnIdx> {
        let c = self.connections[conn as usize];
        let start = self.trip_offsets[c.trip as usize];
        let end = self.trip_offsets[c.trip as usize + 1];
        let next = start + c.seq + 1;
        (next < end).then(|| self.trip_conns[next as usize])
    }

    /// Index of the first connection departing at or after `time`.
    pub fn first_departing_at_or_after(&self, time: Minute) -> usize {
        self.connections.partition_point(|c| c.dep < time)
    }

    /// Bytes held by the structure (vector capacities and the hash index, estimated from its
    /// capacity and entry size), for the memory figure reported by the benchmarks.
    pub fn memory_bytes(&self) -> usize {
        size_of::<Self>()
            + self.stations.capacity() * size_of::<Crs>()
            // hashbrown: one control byte per bucket plus the entry, buckets ≈ capacity × 8/7.
            + self.index.capacity() * 8 / 7 * (size_of::<(Crs, StationIdx)>() + 1)
            + self
                .operators
                .iter()
                .map(|o| size_of::<String>() + o.capacity())
                .sum::<usize>()
            + self.trips.capacity() * size_of::<Trip>()
            + self.connections.capacity() * size_of::<Connection>()
            + self.trip_conns.capacity() * size_of::<ConnIdx>()
            + self.trip_offsets.capacity() * size_of::<u32>()
    }
}

/// Accumulates stations, operators and trips, then sorts them into a [`Timetable`].
#[derive(Debug, Clone)]
pub struct TimetableBuilder {
    source: TimetableSource,
    stations: Vec<Crs>,
    index: HashMap<Crs, StationIdx>,
    operators: Vec<String>,
    trips: Vec<Trip>,
    connections: Vec<Connection>,
}

impl TimetableBuilder {
    /// An empty builder for a timetable from `source`.
    pub fn new(source: TimetableSource) -> Self {
        Self {
            source,
            stations: Vec::new(),
            index: HashMap::new(),
            operators: Vec::new(),
            trips: Vec::new(),
            connections: Vec::new(),
        }
    }

    /// The index of a station, adding it on first sight.
    pub fn station(&mut self, crs: Crs) -> StationIdx {
        if let Some(&i) = self.index.get(&crs) {
            return i;
        }
        let i = StationIdx::try_from(self.stations.len()).expect("fewer than 2^32 stations");
        self.stations.push(crs);
        self.index.insert(crs, i);
        i
    }

    /// The index of an operator code, adding it on first sight.
    pub fn operator(&mut self, code: &str) -> OperatorIdx {
        if let Some(i) = self.operators.iter().position(|o| o == code) {
            return OperatorIdx::try_from(i).expect("operator count checked on insert");
        }
        self.operators.push(code.to_owned());
        OperatorIdx::try_from(self.operators.len() - 1).expect("fewer than 65,536 operators")
    }

    /// Adds one train's run. `None` (and nothing added) when the run is not a journey: fewer
    /// than two calls, an unknown station index, the same station twice in a row, or times that
    /// go backwards (a departure before its arrival, an arrival before the previous departure).
    pub fn add_trip(&mut self, operator: OperatorIdx, calls: &[Call]) -> Option<TripIdx> {
        let known = |s: StationIdx| (s as usize) < self.stations.len();
        let valid = calls.len() >= 2
            && usize::from(operator) < self.operators.len()
            && calls.iter().all(|c| known(c.station))
            && calls
                .windows(2)
                .all(|w| w[0].station != w[1].station && w[0].dep <= w[1].arr)
            && calls[1..calls.len() - 1].iter().all(|c| c.arr <= c.dep);
        if !valid {
            return None;
        }
        let trip = TripIdx::try_from(self.trips.len()).ok()?;
        self.trips.push(Trip {
            operator,
            first_dep: calls[0].dep,
        });
        for (seq, w) in (0..).zip(calls.windows(2)) {
            self.connections.push(Connection {
                dep_station: w[0].station,
                arr_station: w[1].station,
                dep: w[0].dep,
                arr: w[1].arr,
                trip,
                seq,
            });
        }
        Some(trip)
    }

    /// Sorts the connections by departure and indexes every trip's run.
    pub fn build(mut self) -> Timetable {
        // Stable, and ties broken by arrival: a zero-minute hop stays ahead of its trip's next
        // connection, which the scans rely on.
        self.connections.sort_by_key(|c| (c.dep, c.arr));
        self.connections.shrink_to_fit();
        let mut trip_offsets = vec![0_u32; self.trips.len() + 1];
        for c in &self.connections {
            trip_offsets[c.trip as usize + 1] += 1;
        }
        for t in 0..self.trips.len() {
            trip_offsets[t + 1] += trip_offsets[t];
        }
        let mut trip_conns = vec![0; self.connections.len()];
        for (i, c) in (0..).zip(&self.connections) {
            trip_conns[(trip_offsets[c.trip as usize] + c.seq) as usize] = i;
        }
        self.stations.shrink_to_fit();
        self.trips.shrink_to_fit();
        Timetable {
            source: self.source,
            stations: self.stations,
            index: self.index,
            operators: self.operators,
            trips: self.trips,
            connections: self.connections,
            trip_conns,
            trip_offsets,
        }
    }
}

/// A stated walking (or Underground) transfer between two stations; its minutes replace the
/// minimum connection time of the station walked from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footpath {
    /// Station walked from.
    pub from: Crs,
    /// Station walked to.
    pub to: Crs,
    /// Minutes from arriving at `from` to being ready to board at `to`.
    pub minutes: Minute,
}

/// Interchange rules over one timetable's station indices.
#[derive(Debug, Clone)]
pub struct Transfers {
    mct: Vec<Minute>,
    /// Footpaths grouped by the station walked from (CSR layout).
    walk_offsets: Vec<u32>,
    walks: Vec<(StationIdx, Minute)>,
}

impl Transfers {
    /// Minimum connection times from `mct_of` (asked once per station), plus the footpaths
    /// whose both ends the timetable knows (others cannot be used that day and are skipped).
    /// Footpaths are used one at a time: list a chained walk as its own footpath.
    pub fn new(
        timetable: &Timetable,
        mct_of: impl Fn(Crs) -> Minute,
        footpaths: &[Footpath],
    ) -> Self {
        let mct = timetable.stations.iter().map(|&crs| mct_of(crs)).collect();
        let mut resolved: Vec<(StationIdx, StationIdx, Minute)> = footpaths
            .iter()
            .filter_map(|f| {
                Some((
                    timetable.station(f.from)?,
                    timetable.station(f.to)?,
                    f.minutes,
                ))
            })
            .filter(|(a, b, _)| a != b)
            .collect();
        resolved.sort_unstable();
        let mut walk_offsets = vec![0_u32; timetable.station_count() + 1];
        for (from, _, _) in &resolved {
            walk_offsets[*from as usize + 1] += 1;
        }
        for s in 0..timetable.station_count() {
            walk_offsets[s + 1] += walk_offsets[s];
        }
        let walks = resolved.into_iter().map(|(_, to, m)| (to, m)).collect();
        Self {
            mct,
            walk_offsets,
            walks,
        }
    }

    /// Minimum connection time at a station.
    pub fn mct(&self, station: StationIdx) -> Minute {
        self.mct[station as usize]
    }

    /// Footpaths leaving a station: (station walked to, minutes).
    pub fn walks_from(&self, station: StationIdx) -> &[(StationIdx, Minute)] {
        let s = station as usize;
        &self.walks[self.walk_offsets[s] as usize..self.walk_offsets[s + 1] as usize]
    }

    /// Minutes of the stated transfer from `from` to `to`: the station's minimum connection
    /// time when they are the same station, else the footpath's (if one is stated).
    pub fn transfer_minutes(&self, from: StationIdx, to: StationIdx) -> Option<Minute> {
        if from == to {
            return Some(self.mct(from));
        }
        self.walks_from(from)
            .iter()
            .find(|(w, _)| *w == to)
            .map(|(_, m)| *m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crs(code: &str) -> Crs {
        Crs::parse(code).unwrap()
    }

    #[test]
    fn trips_become_sorted_connections_with_their_calling_order() {
        let mut b = TimetableBuilder::new(TimetableSource::Synthetic);
        let (x, y, z) = (
            b.station(crs("AAA")),
            b.station(crs("BBB")),
            b.station(crs("CCC")),
        );
        let op = b.operator("VT");
        let late = b.add_trip(
            op,
            &[
                Call {
                    station: x,
                    arr: 600,
                    dep: 600,
                },
                Call {
                    station: y,
                    arr: 610,
                    dep: 612,
                },
                Call {
                    station: z,
                    arr: 630,
                    dep: 630,
                },
            ],
        );
        let early = b.add_trip(
            op,
            &[
                Call {
                    station: y,
                    arr: 500,
                    dep: 500,
                },
                Call {
                    station: z,
                    arr: 520,
                    dep: 520,
                },
            ],
        );
        let tt = b.build();
        assert_eq!((late, early), (Some(0), Some(1)));
        let deps: Vec<Minute> = tt.connections().iter().map(|c| c.dep).collect();
        assert_eq!(deps, vec![500, 600, 612]);
        assert_eq!(tt.next_in_trip(1), Some(2));
        assert_eq!(tt.next_in_trip(2), None);
        assert_eq!(tt.next_in_trip(0), None);
        assert_eq!(tt.operator_of(1), "VT");
        assert_eq!(tt.first_departing_at_or_after(601), 2);
        assert!(tt.memory_bytes() > 3 * size_of::<Connection>());
    }

    #[test]
    fn runs_that_are_not_journeys_are_refused() {
        let mut b = TimetableBuilder::new(TimetableSource::Synthetic);
        let (x, y) = (b.station(crs("AAA")), b.station(crs("BBB")));
        let op = b.operator("GW");
        let backwards = [
            Call {
                station: x,
                arr: 600,
                dep: 600,
            },
            Call {
                station: y,
                arr: 590,
                dep: 590,
            },
        ];
        assert_eq!(b.add_trip(op, &backwards), None);
        let same = [
            Call {
                station: x,
                arr: 600,
                dep: 600,
            },
            Call {
                station: x,
                arr: 610,
                dep: 610,
            },
        ];
        assert_eq!(b.add_trip(op, &same), None);
        assert_eq!(b.add_trip(op, &backwards[..1]), None);
        let unknown = [
            Call {
                station: x,
                arr: 600,
                dep: 600,
            },
            Call {
                station: 7,
                arr: 610,
                dep: 610,
            },
        ];
        assert_eq!(b.add_trip(op, &unknown), None);
        assert_eq!(b.build().connections().len(), 0);
    }

    #[test]
    fn transfers_resolve_stations_and_skip_unknown_footpaths() {
        let mut b = TimetableBuilder::new(TimetableSource::Synthetic);
        let (eus, wat) = (b.station(crs("EUS")), b.station(crs("WAT")));
        let tt = b.build();
        let walks = [
            Footpath {
                from: crs("EUS"),
                to: crs("WAT"),
                minutes: 35,
            },
            Footpath {
                from: crs("EUS"),
                to: crs("XYZ"),
                minutes: 5,
            },
        ];
        let t = Transfers::new(&tt, |c| if c == crs("EUS") { 15 } else { 5 }, &walks);
        assert_eq!(t.mct(eus), 15);
        assert_eq!(t.mct(wat), 5);
        assert_eq!(t.walks_from(eus), &[(wat, 35)]);
        assert!(t.walks_from(wat).is_empty());
        assert_eq!(t.transfer_minutes(eus, wat), Some(35));
        assert_eq!(t.transfer_minutes(wat, eus), None);
        assert_eq!(t.transfer_minutes(wat, wat), Some(5));
    }
}
