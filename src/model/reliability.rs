//! Route reliability arithmetic: the figures of a delay distribution in percent, the reliability
//! score of api.md and its letter grade. Pure; the route statistics use case fills its response
//! from these numbers.

use crate::model::delay::DelayDistribution;

/// `x` rounded to one decimal, as every route statistic is reported.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `part` as a percentage of `whole`, to one decimal; 0 when `whole` is not positive.
pub fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        round1(part as f64 * 100.0 / whole as f64)
    }
}

/// The reliability score of api.md, to one decimal: 0.4·PPM5 + 0.3·PPM10 + 0.2·(100 −
/// cancelled%) + 0.1·(100 − %≥60); unknown (`None`) cancellations drop that term and re-weight
/// the rest.
pub fn reliability_score(ppm5: f64, ppm10: f64, cancelled: Option<f64>, late60: f64) -> f64 {
    let score = match cancelled {
        Some(c) => 0.4 * ppm5 + 0.3 * ppm10 + 0.2 * (100.0 - c) + 0.1 * (100.0 - late60),
        None => (0.4 * ppm5 + 0.3 * ppm10 + 0.1 * (100.0 - late60)) / 0.8,
    };
    round1(score)
}

/// The letter grade of a score: A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, else F.
pub fn grade(score: f64) -> &'static str {
    match score {
        s if s >= 90.0 => "A",
        s if s >= 80.0 => "B",
        s if s >= 70.0 => "C",
        s if s >= 60.0 => "D",
        _ => "F",
    }
}

/// The reliability figures of a delay distribution, percentages and minutes to one decimal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistributionFigures {
    /// % arriving less than 1 minute late.
    pub on_time_percentage: f64,
    /// % arriving within 5 minutes (PPM).
    pub ppm_5_percentage: f64,
    /// % arriving within 10 minutes.
    pub ppm_10_percentage: f64,
    /// % 15 or more minutes late.
    pub late_15_plus_percentage: f64,
    /// % 30 or more minutes late.
    pub late_30_plus_percentage: f64,
    /// Mean minutes late.
    pub avg_delay_minutes: f64,
    /// Median minutes late.
    pub median_delay_minutes: f64,
    /// [`reliability_score`] of the figures.
    pub reliability_score: f64,
    /// [`grade`] of the score.
    pub reliability_grade: &'static str,
}

impl DistributionFigures {
    /// The figures of `dist`, scored with `cancelled_percentage` when it is known.
    pub fn of(dist: &DelayDistribution, cancelled_percentage: Option<f64>) -> Self {
        let ppm5 = round1((1.0 - dist.p_at_least(5.0)) * 100.0);
        let ppm10 = round1((1.0 - dist.p_at_least(10.0)) * 100.0);
        let late60 = dist.p_at_least(60.0) * 100.0;
        let score = reliability_score(ppm5, ppm10, cancelled_percentage, late60);
        Self {
            on_time_percentage: round1(dist.p_on_time() * 100.0),
            ppm_5_percentage: ppm5,
            ppm_10_percentage: ppm10,
            late_15_plus_percentage: round1(dist.p_at_least(15.0) * 100.0),
            late_30_plus_percentage: round1(dist.p_at_least(30.0) * 100.0),
            avg_delay_minutes: round1(dist.expected_delay_minutes()),
            median_delay_minutes: round1(dist.percentile(0.5)),
            reliability_score: score,
            reliability_grade: grade(score),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_change_exactly_at_their_thresholds() {
        assert_eq!(grade(90.0), "A");
        assert_eq!(grade(89.9), "B");
        assert_eq!(grade(80.0), "B");
        assert_eq!(grade(70.0), "C");
        assert_eq!(grade(60.0), "D");
        assert_eq!(grade(59.9), "F");
    }

    #[test]
    fn unknown_cancellations_re_weight_the_other_terms() {
        // 0.4·90 + 0.3·95 + 0.2·(100 − 2) + 0.1·(100 − 1) = 36 + 28.5 + 19.6 + 9.9.
        assert_eq!(reliability_score(90.0, 95.0, Some(2.0), 1.0), 94.0);
        // (36 + 28.5 + 9.9) / 0.8 = 93.
        assert_eq!(reliability_score(90.0, 95.0, None, 1.0), 93.0);
    }

    #[test]
    fn percentages_of_nothing_are_zero() {
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(5, 0), 0.0);
    }
}
