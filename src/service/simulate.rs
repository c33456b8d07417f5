//! `railfair simulate`: SYNTHETIC route history for the starter route catalogue, drawn from the
//! model's own distributions (operator prior, season, day type, hour; no route evidence), stored
//! with `source = 'synthetic'` so the route-history path can be exercised and load-tested.
//! Anything derived from it is labelled synthetic in responses.

use std::collections::BTreeSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Date, Duration, PrimitiveDateTime, Time};

use crate::domain::RailPeriod;
use crate::error::Result;
use crate::model::delay::{BOUNDS, BUCKET_COUNT};
use crate::model::{
    AdjustmentFactors, DayType, PredictionInput, PriorSource, RouteEvidence, predict,
};
use crate::service::operator::load_priors;
use crate::store::observations::{self, Observation};
use crate::store::{Db, operators, routes};

/// First and last departure hour simulated.
pub const HOURS: (u8, u8) = (6, 22);
/// Share of runs simulated as cancelled (a modelling assumption; ORR excludes cancellations).
pub const CANCELLED_SHARE: f64 = 0.02;

/// What a simulation wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimulationSummary {
    /// Route directions simulated.
    pub routes: usize,
    /// Runs written (new or changed).
    pub runs_written: u64,
    /// Runs already stored identically.
    pub runs_unchanged: u64,
}

/// Simulates `days` days ending the day before `today`, for both directions of every
/// catalogued route, deterministically from `seed`.
pub async fn simulate(db: &Db, days: u32, seed: u64, today: Date) -> Result<SimulationSummary> {
    let mut rng = StdRng::seed_from_u64(seed);
    let catalogue = routes::top_routes(db, 10_000).await?;
    let mut summary = SimulationSummary::default();
    let mut tx = db.begin_write().await?;
    let mut touched = BTreeSet::new();
    for route in &catalogue {
        let Some(op) = operators::find_operator(db, &route.toc).await? else {
            continue;
        };
        let Some((priors, data_through)) = load_priors(db, &op.orr_series).await? else {
            continue;
        };
        // Whole trains per hour: at least one, so thin routes still get history.
        let per_hour = route.services_per_hour.round().max(1.0) as u32;
        for (origin, destination) in [
            (&route.origin, &route.destination),
            (&route.destination, &route.origin),
        ] {
            summary.routes += 1;
            for back in (1..=i64::from(days)).rev() {
                let date = today - Duration::days(back);
                let day_type = DayType::of(date);
                for hour in HOURS.0..=HOURS.1 {
                    let input = PredictionInput {
                        operator_name: op.name.clone(),
                        priors: priors.clone(),
                        prior_source: PriorSource::Operator,
                        rail_period: RailPeriod::containing(date),
                        day_type,
                        hour,
                        data_through,
                        evidence: RouteEvidence::none(),
                        prior_strength: 1.0,
                        factors: AdjustmentFactors::default(),
                        observed: None,
                    };
                    let probabilities = predict(&input).distribution.probabilities();
                    for k in 0..per_hour {
                        let minute = (k * 60 / per_hour) as u8;
                        let dep = PrimitiveDateTime::new(
                            date,
                            Time::from_hms(hour, minute, 0).unwrap_or(Time::MIDNIGHT),
                        );
                        let arr = dep + Duration::minutes(route.typical_minutes);
                        let cancelled = rng.random::<f64>() < CANCELLED_SHARE;
                        let delay = (!cancelled).then(|| draw_delay(&mut rng, &probabilities));
                        let obs = Observation {
                            service_key: format!("SIM-{}{:02}{:02}", dep.date(), hour, minute),
                            source: "synthetic",
                            origin: *origin,
                            destination: *destination,
                            toc: route.toc.clone(),
                            service_date: date,
                            sched_dep: dep,
                            sched_arr: arr,
                            arrival_delay_min: delay,
                            cancelled,
                        };
                        match observations::upsert_observation(&mut tx, &obs, &mut touched).await? {
                            crate::store::stations::Upserted::Unchanged => {
                                summary.runs_unchanged += 1
                            }
                            _ => summary.runs_written += 1,
                        }
                    }
                }
            }
        }
    }
    observations::refresh_rollups(&mut tx, &touched).await?;
    tx.commit().await?;
    Ok(summary)
}

/// Draws whole minutes late from bucket probabilities: a bucket by its probability, then a
/// uniform minute inside it (early: −2..0, 120+: 120..180, as the model assumes).
fn draw_delay(rng: &mut StdRng, probabilities: &[f64; BUCKET_COUNT]) -> i32 {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    let mut bucket = BUCKET_COUNT - 1;
    for (i, p) in probabilities.iter().enumerate() {
        acc += p;
        if u < acc {
            bucket = i;
            break;
        }
    }
    let (lo, hi) = match bucket {
        0 => (-2.0, 0.0),
        b if b == BUCKET_COUNT - 1 => (120.0, 180.0),
        b => (BOUNDS[b - 1], BOUNDS[b]),
    };
    // Floor keeps each draw inside its bucket's whole-minute range ([5, 10) → 5..=9).
    (lo + rng.random::<f64>() * (hi - lo)).floor() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_follow_the_bucket_probabilities() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut probabilities = [0.0; BUCKET_COUNT];
        probabilities[1] = 0.5; // [0, 1): on time
        probabilities[4] = 0.5; // [5, 10)
        let draws: Vec<i32> = (0..4000)
            .map(|_| draw_delay(&mut rng, &probabilities))
            .collect();
        assert!(
            draws.iter().all(|d| *d == 0 || (5..10).contains(d)),
            "{draws:?}"
        );
        let late = draws.iter().filter(|d| **d >= 5).count();
        assert!((1800..2200).contains(&late), "{late} of 4000 late");
    }

    #[test]
    fn early_and_very_late_buckets_stay_in_their_ranges() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut early = [0.0; BUCKET_COUNT];
        early[0] = 1.0;
        assert!((0..200).all(|_| (-2..0).contains(&draw_delay(&mut rng, &early))));
        let mut late = [0.0; BUCKET_COUNT];
        late[BUCKET_COUNT - 1] = 1.0;
        assert!((0..200).all(|_| (120..180).contains(&draw_delay(&mut rng, &late))));
    }
}
