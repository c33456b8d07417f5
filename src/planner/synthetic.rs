//! A SYNTHETIC Great Britain-scale service day for benchmarks and tests: 2,600 made-up stations
//! (100 hubs), local lines between hubs and trunk lines joining hubs, generated
//! deterministically from a seed. Its sizes match GB's (over 20,000 trains and 300,000
//! connections a day); nothing else about it is the railway. Never used to answer a traveller.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::domain::Crs;
use crate::planner::timetable::{
    Call, Footpath, Minute, StationIdx, Timetable, TimetableBuilder, TimetableSource, Transfers,
};

/// Stations in the synthetic network (of which [`HUBS`] are hubs).
pub const STATIONS: usize = 2_600;
/// Hub stations: every line starts and ends at one.
pub const HUBS: usize = 100;
/// Local lines (hub, 10–18 local stations, hub).
const LOCAL_LINES: usize = 320;
/// Trunk lines (6–12 hubs).
const TRUNK_LINES: usize = 40;
/// Synthetic operators.
const OPERATORS: usize = 28;
/// Minimum connection times: hubs take longer to change at.
const HUB_MCT: Minute = 10;
const LOCAL_MCT: Minute = 5;

/// The synthetic day and its interchange rules.
#[derive(Debug, Clone)]
pub struct Synthetic {
    /// The timetable (source: synthetic).
    pub timetable: Timetable,
    /// Walks between the first ten hubs (a made-up "cross-city" transfer network).
    pub footpaths: Vec<Footpath>,
}

impl Synthetic {
    /// Interchange rules: 10 minutes at hubs, 5 elsewhere, plus the footpaths.
    pub fn transfers(&self) -> Transfers {
        Transfers::new(
            &self.timetable,
            |crs| {
                if index_of(crs) < HUBS {
                    HUB_MCT
                } else {
                    LOCAL_MCT
                }
            },
            &self.footpaths,
        )
    }
}

/// The made-up CRS-shaped code of synthetic station `i` (AAA, AAB, ...); it may coincide with
/// a real code but never stands for that station.
pub fn station_code(i: usize) -> Crs {
    let letter = |x: usize| char::from(b'A' + (x % 26) as u8);
    Crs::parse(&format!(
        "{}{}{}",
        letter(i / 676),
        letter(i / 26),
        letter(i)
    ))
    .expect("three letters")
}

fn index_of(crs: Crs) -> usize {
    crs.as_str()
        .bytes()
        .fold(0, |acc, b| acc * 26 + usize::from(b - b'A'))
}

/// Generates the synthetic day from `seed` (same seed, same day).
pub fn gb_scale(seed: u64) -> Synthetic {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut b = TimetableBuilder::new(TimetableSource::Synthetic);
    let stations: Vec<StationIdx> = (0..STATIONS).map(|i| b.station(station_code(i))).collect();
    let operators: Vec<_> = (0..OPERATORS)
        .map(|i| b.operator(&format!("S{i:02}")))
        .collect();
    let (hubs, locals) = stations.split_at(HUBS);

    for line in 0..LOCAL_LINES {
        let len = rng.random_range(10..=18);
        let first = hubs[line % HUBS];
        let mut last = hubs[rng.random_range(0..HUBS)];
        if last == first {
            last = hubs[(line + 1) % HUBS];
        }
        // Consecutive lines overlap by sharing local stations, so every local station is served
        // and local lines cross one another as well as meeting at hubs.
        let route: Vec<StationIdx> = std::iter::once(first)
            .chain((0..len).map(|k| locals[(line * 8 + k) % locals.len()]))
            .chain(std::iter::once(last))
            .collect();
        let hops: Vec<Minute> = (1..route.len()).map(|_| rng.random_range(3..=9)).collect();
        let headway = [15, 30, 30, 60][rng.random_range(0..4)];
        run_line(
            &mut b,
            &mut rng,
            operators[line % OPERATORS],
            &route,
            &hops,
            headway,
            1,
        );
    }
    for line in 0..TRUNK_LINES {
        let mut route = hubs.to_vec();
        route.shuffle(&mut rng);
        route.truncate(rng.random_range(6..=12));
        let hops: Vec<Minute> = (1..route.len())
            .map(|_| rng.random_range(15..=45))
            .collect();
        run_line(
            &mut b,
            &mut rng,
            operators[line % OPERATORS],
            &route,
            &hops,
            60,
            2,
        );
    }
    let footpaths = (0..10)
        .flat_map(|a| (0..10).map(move |z| (a, z)))
        .filter(|(a, z)| a != z)
        .map(|(a, z)| Footpath {
            from: station_code(a),
            to: station_code(z),
            minutes: 20 + 3 * Minute::try_from(a.abs_diff(z)).expect("small"),
        })
        .collect();
    Synthetic {
        timetable: b.build(),
        footpaths,
    }
}

/// Runs trains both ways along `route` every `headway` minutes from about 05:30 to 23:30.
fn run_line(
    b: &mut TimetableBuilder,
    rng: &mut StdRng,
    operator: u16,
    route: &[StationIdx],
    hops: &[Minute],
    headway: Minute,
    dwell: Minute,
) {
    let reversed: Vec<StationIdx> = route.iter().rev().copied().collect();
    let back: Vec<Minute> = hops.iter().rev().copied().collect();
    for (stops, runs) in [(route, hops), (&reversed[..], &back[..])] {
        let mut start = 330 + rng.random_range(0..headway);
        while start <= 23 * 60 + 30 {
            let mut calls = Vec::with_capacity(stops.len());
            let mut t = start;
            for (i, &station) in stops.iter().enumerate() {
                let arr = t;
                let dep = if i == 0 || i + 1 == stops.len() {
                    t
                } else {
                    t + dwell
                };
                calls.push(Call { station, arr, dep });
                t = dep + runs.get(i).copied().unwrap_or(0);
            }
            b.add_trip(operator, &calls);
            start += headway;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synthetic_day_is_gb_sized_deterministic_and_under_100_mb() {
        let day = gb_scale(13);
        let tt = &day.timetable;
        assert_eq!(tt.source(), TimetableSource::Synthetic);
        assert_eq!(tt.station_count(), STATIONS);
        assert!(tt.trips().len() >= 20_000, "{} trains", tt.trips().len());
        assert!(
            tt.connections().len() >= 300_000,
            "{} connections",
            tt.connections().len()
        );
        assert!(
            tt.memory_bytes() < 100 * 1024 * 1024,
            "{} bytes",
            tt.memory_bytes()
        );
        let again = gb_scale(13);
        assert_eq!(again.timetable.connections(), tt.connections());
        assert_eq!(index_of(station_code(2_599)), 2_599);
        let t = day.transfers();
        assert_eq!(t.mct(0), HUB_MCT);
        assert_eq!(t.mct(500), LOCAL_MCT);
        assert_eq!(t.walks_from(0).len(), 9);
    }
}
