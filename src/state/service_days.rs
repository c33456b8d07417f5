//! The journey planner's service days, held in process: one day's timetable, its interchange
//! rules and its delay table, built once per (date, day type) by the journey use case and shared
//! by every request planning on that day. Bounded and expiring, so a timetable imported by
//! another process is picked up within [`SERVICE_DAY_TTL`]. Holds values only; building them
//! (SQL, the delay model) is the service layer's.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use time::Date;

use crate::error::{Error, Result};
use crate::model::{Confidence, DayType};
use crate::planner::ends::Day;
use crate::planner::{DelayTable, Timetable, Transfers};

/// How long a built service day is used at most.
pub const SERVICE_DAY_TTL: Duration = Duration::from_secs(600);

/// Service days kept at most (a few dates are asked about at any time).
const CAPACITY: u64 = 32;

/// What the delay model said about one operator of the day, for the response.
#[derive(Debug, Clone, PartialEq)]
pub struct DayOperator {
    /// ATOC code as the timetable gives it.
    pub toc: String,
    /// Name to show ("National average" when the operator is unknown).
    pub name: String,
    /// `DR15`/`DR30`, when the operator is known.
    pub delay_repay_scheme: Option<String>,
    /// Confidence of the operator's delay distribution (no route history: prior only).
    pub confidence: Confidence,
    /// Whether national figures stand in for the operator's own.
    pub national: bool,
    /// Last day of the ORR data behind its figures.
    pub data_through: Option<Date>,
}

/// One planned service day: everything a journey query on that day reads.
#[derive(Debug)]
pub struct ServiceDay {
    /// The service date.
    pub date: Date,
    /// Its day type.
    pub day_type: DayType,
    /// The day's timetable (its source says whether it is the CIF or the approximate one).
    pub timetable: Timetable,
    /// Minimum connection times and stated transfers over the timetable's stations.
    pub transfers: Transfers,
    /// Every operator's arrival-delay distribution by hour.
    pub delays: DelayTable,
    /// What the timetable assumes (the approximate timetable's generation rules), in words.
    pub assumptions: Vec<String>,
    /// The day's operators by ATOC code.
    pub operators: HashMap<String, DayOperator>,
}

impl ServiceDay {
    /// The day as the planner reads it.
    pub fn plan_day(&self) -> Day<'_> {
        Day {
            timetable: &self.timetable,
            transfers: &self.transfers,
            delays: &self.delays,
        }
    }
}

/// The service days built so far. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ServiceDays {
    days: moka::future::Cache<(Date, DayType), Arc<ServiceDay>>,
}

impl Default for ServiceDays {
    fn default() -> Self {
        Self {
            days: moka::future::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(SERVICE_DAY_TTL)
                .build(),
        }
    }
}

impl ServiceDays {
    /// The service day of `date`, built by `build` on first use; concurrent first uses wait for
    /// one build. A failed build is not kept.
    pub async fn get_or_build<F>(
        &self,
        date: Date,
        day_type: DayType,
        build: F,
    ) -> Result<Arc<ServiceDay>>
    where
        F: Future<Output = Result<ServiceDay>>,
    {
        // The caller whose build ran gets its own error back; callers that waited on it get
        // the same failure as unavailability (an error cannot be copied).
        let mut own_error = None;
        let shared = self
            .days
            .try_get_with((date, day_type), async {
                build.await.map(Arc::new).map_err(|e| {
                    let told = e.to_string();
                    own_error = Some(e);
                    told
                })
            })
            .await;
        shared.map_err(|told: Arc<String>| {
            own_error.take().unwrap_or_else(|| Error::Unavailable {
                code: "planner_unavailable",
                message: format!("the timetable for {date} could not be built: {told}"),
                retry_after_secs: 1,
            })
        })
    }

    /// Forgets every built day (when journeys are invalidated, e.g. after a timetable import).
    pub fn clear(&self) {
        self.days.invalidate_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use time::macros::date;

    use super::*;
    use crate::planner::{TimetableBuilder, TimetableSource};

    fn empty_day(date: Date) -> ServiceDay {
        let timetable = TimetableBuilder::new(TimetableSource::Approximate).build();
        let transfers = Transfers::new(&timetable, |_| 5, &[]);
        let delays = DelayTable::build(&timetable, |_, _| unreachable!("no operators"));
        ServiceDay {
            date,
            day_type: DayType::Weekday,
            timetable,
            transfers,
            delays,
            assumptions: Vec::new(),
            operators: HashMap::new(),
        }
    }

    #[tokio::test]
    async fn a_day_is_built_once_and_a_failed_build_is_not_kept() {
        let days = ServiceDays::default();
        let builds = AtomicUsize::new(0);
        let d = date!(2026 - 12 - 08);
        let build = || async {
            builds.fetch_add(1, Ordering::SeqCst);
            Ok(empty_day(d))
        };
        let first = days
            .get_or_build(d, DayType::Weekday, build())
            .await
            .unwrap();
        let again = days
            .get_or_build(d, DayType::Weekday, build())
            .await
            .unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(builds.load(Ordering::SeqCst), 1);
        // Another date is another day.
        let other = date!(2026 - 12 - 09);
        let failed = days
            .get_or_build(other, DayType::Weekday, async {
                Err(Error::Internal("no".to_owned()))
            })
            .await;
        assert!(matches!(failed, Err(Error::Internal(_))));
        let built = days
            .get_or_build(other, DayType::Weekday, async { Ok(empty_day(other)) })
            .await
            .unwrap();
        assert_eq!(built.date, other);
        days.clear();
        days.get_or_build(d, DayType::Weekday, build())
            .await
            .unwrap();
        assert_eq!(builds.load(Ordering::SeqCst), 2, "rebuilt after clear");
    }
}
