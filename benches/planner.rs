//! Benchmarks of the journey planner, on one core:
//! - a SYNTHETIC Great Britain-sized day (`planner::synthetic::gb_scale`, seed 2026: 2,600
//!   made-up stations, over 20,000 trains and 300,000 connections; synthetic delay distributions):
//!   earliest arrival (CSA) and MEAT with up to 2 changes over 200 random station pairs leaving
//!   07:00–10:00, and the timetable's memory from its structure sizes;
//! - the size and build time of the APPROXIMATE timetable generated from the starter route
//!   catalogue (journeys on it are timed by `benches/journey.rs`, as the service plans them).
//!
//! Percentiles (p50/p90/max over the query set, `Instant`-timed) print first; criterion's
//! estimates follow. Run with `cargo bench --bench planner -- --quick`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use railfair::model::DelayDistribution;
use railfair::planner::approximate::{CatalogueRoute, approximate_timetable};
use railfair::planner::synthetic::gb_scale;
use railfair::planner::{DelayTable, PlanRequest, Timetable, earliest_arrival, plan};
use railfair::store::starter::Starter;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Queries timed for the percentiles.
const QUERIES: usize = 200;

/// Avanti West Coast's moving annual average to 2024-25 P13 (ORR 3138), used as the shape of
/// the synthetic operators' delays (scaled on the odds of lateness, per operator).
fn synthetic_delays(tt: &Timetable) -> DelayTable {
    let base = DelayDistribution::from_orr_percentages([
        20.13, 39.88, 59.31, 69.44, 81.62, 87.68, 91.46, 95.71,
    ])
    .0;
    DelayTable::build(tt, |op, hour| {
        let n: f64 = op[1..].parse().unwrap_or(0.0);
        let peak = if (7..10).contains(&hour) { 1.15 } else { 1.0 };
        base.with_lateness_odds((0.6 + 0.04 * n) * peak)
    })
}

fn random_queries(tt: &Timetable, seed: u64) -> Vec<PlanRequest> {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = tt.station_count() as u32;
    (0..QUERIES)
        .map(|_| {
            let origin = rng.random_range(0..n);
            let mut target = rng.random_range(0..n);
            if target == origin {
                target = (target + 1) % n;
            }
            PlanRequest {
                origin,
                target,
                departure: rng.random_range(7 * 60..10 * 60),
                max_changes: 2,
            }
        })
        .collect()
}

/// Times `f` once per query and prints p50, p90 and max.
fn percentiles<T>(label: &str, queries: &[PlanRequest], mut f: impl FnMut(&PlanRequest) -> T) {
    let mut times: Vec<Duration> = queries
        .iter()
        .map(|q| {
            let start = Instant::now();
            black_box(f(q));
            start.elapsed()
        })
        .collect();
    times.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    println!(
        "{label}: p50 {:.2} ms, p90 {:.2} ms, max {:.2} ms over {} queries",
        at(0.5).as_secs_f64() * 1e3,
        at(0.9).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
        times.len()
    );
}

fn approximate(_: &mut Criterion) {
    let starter = Starter::parse().expect("starter data parses");
    let routes: Vec<CatalogueRoute> = starter
        .routes
        .iter()
        .filter_map(|r| {
            Some(CatalogueRoute {
                a: r.origin,
                b: r.destination,
                operator: r.toc.clone(),
                typical_minutes: u32::try_from(r.typical_minutes).ok()?,
                services_per_hour: r.services_per_hour,
            })
        })
        .collect();
    let built = Instant::now();
    let ap = approximate_timetable(&routes);
    let build_ms = built.elapsed().as_secs_f64() * 1e3;
    let tt = &ap.timetable;
    println!(
        "APPROXIMATE timetable (starter catalogue, {} flows): {} stations, {} trains, {} connections, {:.2} MB, built in {build_ms:.2} ms",
        routes.len(),
        tt.station_count(),
        tt.trips().len(),
        tt.connections().len(),
        tt.memory_bytes() as f64 / 1e6
    );
    // Journeys on this timetable are timed by `benches/journey.rs`, as the service plans them
    // (with the interchange table, stated transfers at either end and the real delay model).
}

fn synthetic(c: &mut Criterion) {
    let built = Instant::now();
    let day = gb_scale(2026);
    let build_s = built.elapsed().as_secs_f64();
    let tt = &day.timetable;
    println!(
        "SYNTHETIC GB-scale day (seed 2026): {} stations, {} trains, {} connections; timetable memory {:.1} MB (from structure sizes); generated in {build_s:.2} s",
        tt.station_count(),
        tt.trips().len(),
        tt.connections().len(),
        tt.memory_bytes() as f64 / 1e6
    );
    let transfers = day.transfers();
    let delays = synthetic_delays(tt);
    let queries = random_queries(tt, 7);
    percentiles(
        "SYNTHETIC earliest arrival (CSA, <= 2 changes)",
        &queries,
        |q| {
            earliest_arrival(
                tt,
                &transfers,
                q.origin,
                q.target,
                q.departure,
                q.max_changes,
            )
        },
    );
    percentiles(
        "SYNTHETIC MEAT (<= 2 changes, itineraries and distributions)",
        &queries,
        |q| plan(tt, &transfers, &delays, *q),
    );
    let found = queries
        .iter()
        .filter(|q| !plan(tt, &transfers, &delays, **q).is_empty())
        .count();
    println!(
        "SYNTHETIC queries with an itinerary within 2 changes: {found} of {}",
        queries.len()
    );

    let mut next = 0;
    c.bench_function("synthetic: earliest arrival (CSA), <= 2 changes", |b| {
        b.iter(|| {
            let q = queries[next % queries.len()];
            next += 1;
            earliest_arrival(
                tt,
                &transfers,
                q.origin,
                q.target,
                q.departure,
                q.max_changes,
            )
        })
    });
    c.bench_function("synthetic: MEAT, <= 2 changes", |b| {
        b.iter(|| {
            let q = queries[next % queries.len()];
            next += 1;
            plan(tt, &transfers, &delays, q)
        })
    });
}

criterion_group!(planner_benches, synthetic, approximate);
criterion_main!(planner_benches);
