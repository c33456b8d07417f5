//! Each leg's arrival delay, as the planner needs it: the delay model's distribution per operator
//! and departure hour, tabulated at whole minutes so a connection's risk is one array read.
//! Built once per service day from a closure over the delay model; pure arithmetic, no I/O.

use crate::model::DelayDistribution;
use crate::planner::timetable::{Minute, Timetable, TripIdx};

/// Latest arrival delay the tables resolve: the delay model's 120+ bucket is taken to end at 180
/// minutes, so every delay is below this.
pub const MAX_DELAY_MINUTES: u32 = 180;

/// One operator-and-hour slot: the distribution and its connection CDF.
#[derive(Debug, Clone)]
struct Slot {
    distribution: DelayDistribution,
    expected: f64,
    /// `made[x]` = P(max(delay, 0) ≤ x) for x = 0..=180 minutes.
    made: Box<[f64]>,
}

/// Arrival-delay distributions per operator and departure hour for one service day.
#[derive(Debug, Clone)]
pub struct DelayTable {
    /// Slots by operator index × 24 + hour.
    slots: Vec<Slot>,
}

impl DelayTable {
    /// Asks `distribution_of(operator code, hour 0..=23)` once for every operator of the
    /// timetable and every hour, and tabulates the answers.
    pub fn build(
        timetable: &Timetable,
        mut distribution_of: impl FnMut(&str, u8) -> DelayDistribution,
    ) -> Self {
        let slots = timetable
            .operators()
            .iter()
            .flat_map(|op| (0..24).map(move |hour| (op, hour)))
            .map(|(op, hour)| {
                let distribution = distribution_of(op, hour);
                // Early arrivals count as on time for a connection: a change is never planned
                // on a train being early.
                let made = (0..=MAX_DELAY_MINUTES)
                    .map(|x| 1.0 - distribution.p_at_least(f64::from(x)))
                    .collect();
                Slot {
                    expected: distribution.expected_delay_minutes(),
                    distribution,
                    made,
                }
            })
            .collect();
        Self { slots }
    }

    fn slot(&self, timetable: &Timetable, trip: TripIdx) -> &Slot {
        let t = timetable.trips()[trip as usize];
        let hour = (t.first_dep / 60) % 24;
        &self.slots[usize::from(t.operator) * 24 + hour as usize]
    }

    /// The arrival-delay distribution of a trip (its operator, at the hour it starts).
    pub fn distribution(&self, timetable: &Timetable, trip: TripIdx) -> &DelayDistribution {
        &self.slot(timetable, trip).distribution
    }

    /// Expected arrival delay of a trip, minutes (modelled within buckets).
    pub fn expected(&self, timetable: &Timetable, trip: TripIdx) -> f64 {
        self.slot(timetable, trip).expected
    }

    /// The trip's connection CDF: `made(x)` = P(the train is no more than `x` minutes late),
    /// early arrivals counted as on time; 0 below zero, 1 from 180 minutes.
    pub fn made(&self, timetable: &Timetable, trip: TripIdx) -> ConnectionOdds<'_> {
        ConnectionOdds(&self.slot(timetable, trip).made)
    }
}

/// A trip's P(no more than x minutes late) at whole minutes (see [`DelayTable::made`]).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionOdds<'a>(&'a [f64]);

impl ConnectionOdds<'_> {
    /// P(max(delay, 0) ≤ `margin` minutes); `margin` = slack − minimum connection time.
    pub fn at(&self, margin: i64) -> f64 {
        if margin < 0 {
            0.0
        } else {
            self.0.get(margin as usize).copied().unwrap_or(1.0)
        }
    }

    /// The same for a margin measured between two times, `ready_by − arrival_plus_mct`.
    pub fn between(&self, arrival_plus_mct: Minute, ready_by: Minute) -> f64 {
        self.at(i64::from(ready_by) - i64::from(arrival_plus_mct))
    }
}
