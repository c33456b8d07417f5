//! Route evidence: counts of observed arrivals per delay bucket, how they update the prior
//! (Dirichlet–multinomial), and the confidence label they earn. Plain values, independent of
//! the store's row types; never does I/O.

use serde::{Deserialize, Serialize};

use crate::model::delay::BUCKET_COUNT;

/// Observed arrivals of one route (for one hour and day type, or overall), in the cumulative
/// layout of the store's rollups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct EvidenceCounts {
    /// Runs with a recorded arrival.
    pub n: u64,
    /// Early arrivals.
    pub early: u64,
    /// Less than 1 minute late (early included).
    pub lt1: u64,
    /// Less than 3 minutes late.
    pub lt3: u64,
    /// Less than 5 minutes late.
    pub lt5: u64,
    /// Less than 10 minutes late.
    pub lt10: u64,
    /// Less than 15 minutes late.
    pub lt15: u64,
    /// Less than 20 minutes late.
    pub lt20: u64,
    /// Less than 30 minutes late.
    pub lt30: u64,
    /// Less than 60 minutes late.
    pub lt60: u64,
    /// Less than 120 minutes late.
    pub lt120: u64,
    /// Cancelled runs (not part of the arrival-delay distribution, as in ORR's figures).
    pub cancelled: u64,
    /// Sum of recorded delays, minutes.
    pub sum_delay: i64,
}

impl EvidenceCounts {
    /// Counts per delay bucket (early, [0,1), …, 120+); a cumulative count that dips below an
    /// earlier one is treated as equal to it, so no bucket is negative.
    pub fn bucket_counts(&self) -> [f64; BUCKET_COUNT] {
        let cumulative = [
            self.early, self.lt1, self.lt3, self.lt5, self.lt10, self.lt15, self.lt20, self.lt30,
            self.lt60, self.lt120, self.n,
        ];
        let mut buckets = [0.0; BUCKET_COUNT];
        let mut previous = 0;
        for (slot, value) in buckets.iter_mut().zip(cumulative) {
            let value = value.max(previous);
            *slot = (value - previous) as f64;
            previous = value;
        }
        buckets
    }

    /// These counts minus `other`'s, floored at zero (the route's other hours, from its total).
    pub fn saturating_sub(&self, other: &Self) -> Self {
        Self {
            n: self.n.saturating_sub(other.n),
            early: self.early.saturating_sub(other.early),
            lt1: self.lt1.saturating_sub(other.lt1),
            lt3: self.lt3.saturating_sub(other.lt3),
            lt5: self.lt5.saturating_sub(other.lt5),
            lt10: self.lt10.saturating_sub(other.lt10),
            lt15: self.lt15.saturating_sub(other.lt15),
            lt20: self.lt20.saturating_sub(other.lt20),
            lt30: self.lt30.saturating_sub(other.lt30),
            lt60: self.lt60.saturating_sub(other.lt60),
            lt120: self.lt120.saturating_sub(other.lt120),
            cancelled: self.cancelled.saturating_sub(other.cancelled),
            sum_delay: self.sum_delay - other.sum_delay,
        }
    }
}

impl std::ops::AddAssign<&EvidenceCounts> for EvidenceCounts {
    /// Adds another group's counts (e.g. one rollup row into a route's total).
    fn add_assign(&mut self, other: &Self) {
        self.n += other.n;
        self.early += other.early;
        self.lt1 += other.lt1;
        self.lt3 += other.lt3;
        self.lt5 += other.lt5;
        self.lt10 += other.lt10;
        self.lt15 += other.lt15;
        self.lt20 += other.lt20;
        self.lt30 += other.lt30;
        self.lt60 += other.lt60;
        self.lt120 += other.lt120;
        self.cancelled += other.cancelled;
        self.sum_delay += other.sum_delay;
    }
}

/// A route's history: counts for the requested hour and day type, and for all its hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct RouteEvidence {
    /// Arrivals at the requested departure hour and day type.
    pub slot: EvidenceCounts,
    /// Arrivals at every hour and day type, the slot's included.
    pub overall: EvidenceCounts,
    /// Whether any of the counts come from `simulate` rather than real history.
    pub synthetic: bool,
}

impl RouteEvidence {
    /// No route history at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Route observations used: the overall total, or the slot's if the total is smaller.
    pub fn sample_size(&self) -> u64 {
        self.overall.n.max(self.slot.n)
    }
}

/// How much route-specific evidence stands behind a prediction.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Confidence {
    /// Fewer than 10 route observations and only national figures behind the prior.
    VeryLow,
    /// 10–29 route observations, or the operator's own figures alone.
    Low,
    /// 30–99 route observations.
    Medium,
    /// 100 or more route observations.
    High,
}

/// Which ORR series the prior came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorSource {
    /// The operator's own ORR series.
    Operator,
    /// A national aggregate (e.g. Great Britain), used when the operator is unknown.
    National,
}

impl Confidence {
    /// Confidence from the route observations used and the prior's source: HIGH ≥ 100,
    /// MEDIUM 30–99, LOW 10–29, else VERY_LOW; the operator's own prior alone earns LOW (never
    /// more), so a few route observations never lower the label below what the prior gives.
    pub fn from_evidence(route_observations: u64, prior: PriorSource) -> Self {
        let from_route = match route_observations {
            100.. => Self::High,
            30..=99 => Self::Medium,
            10..=29 => Self::Low,
            _ => Self::VeryLow,
        };
        let from_prior = match prior {
            PriorSource::Operator => Self::Low,
            PriorSource::National => Self::VeryLow,
        };
        from_route.max(from_prior)
    }

    /// The label as serialised, e.g. `"VERY_LOW"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::VeryLow => "VERY_LOW",
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_counts_adds_every_field() {
        let one = EvidenceCounts {
            n: 10,
            early: 1,
            lt1: 2,
            lt3: 3,
            lt5: 4,
            lt10: 5,
            lt15: 6,
            lt20: 7,
            lt30: 8,
            lt60: 9,
            lt120: 10,
            cancelled: 11,
            sum_delay: -12,
        };
        let mut total = one;
        total += &one;
        assert_eq!(total.saturating_sub(&one), one);
        assert_eq!((total.n, total.cancelled, total.sum_delay), (20, 22, -24));
        assert_eq!(total.bucket_counts().map(|c| c / 2.0), one.bucket_counts());
    }

    #[test]
    fn cumulative_counts_become_bucket_counts() {
        let counts = EvidenceCounts {
            n: 100,
            early: 10,
            lt1: 40,
            lt3: 60,
            lt5: 70,
            lt10: 85,
            lt15: 90,
            lt20: 93,
            lt30: 96,
            lt60: 99,
            lt120: 100,
            cancelled: 3,
            sum_delay: 400,
        };
        assert_eq!(
            counts.bucket_counts(),
            [10.0, 30.0, 20.0, 10.0, 15.0, 5.0, 3.0, 3.0, 3.0, 1.0, 0.0]
        );
        let broken = EvidenceCounts { lt3: 30, ..counts };
        assert!(broken.bucket_counts().iter().all(|c| *c >= 0.0));
        assert_eq!(broken.bucket_counts().iter().sum::<f64>(), 100.0);
    }

    #[test]
    fn confidence_follows_route_observations_and_prior_only_is_at_most_low() {
        use Confidence::*;
        use PriorSource::*;
        assert_eq!(Confidence::from_evidence(0, Operator), Low);
        assert_eq!(Confidence::from_evidence(0, National), VeryLow);
        assert_eq!(Confidence::from_evidence(9, National), VeryLow);
        assert_eq!(Confidence::from_evidence(10, National), Low);
        assert_eq!(Confidence::from_evidence(29, Operator), Low);
        assert_eq!(Confidence::from_evidence(30, Operator), Medium);
        assert_eq!(Confidence::from_evidence(99, National), Medium);
        assert_eq!(Confidence::from_evidence(100, Operator), High);
        assert_eq!(serde_json::to_string(&VeryLow).unwrap(), "\"VERY_LOW\"");
        assert_eq!(serde_json::to_string(&High).unwrap(), "\"HIGH\"");
        assert_eq!(High.as_str(), "HIGH");
    }
}
