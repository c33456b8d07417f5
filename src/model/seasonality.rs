//! Operator priors with seasonality: the operator's recent level (latest moving annual average)
//! moved by the seasonal index of the departure's rail period, on the log-odds scale per
//! cumulative ORR threshold. Pure arithmetic over figures the caller supplies; never does I/O.

use crate::domain::punctuality::{PriorRow, Shares};

/// Probabilities are kept this far from 0 and 1 before taking log-odds, so a share published
/// as 100.00 % stays finite (it maps back to 99.99 %, within ORR's own rounding).
const LOGIT_EPSILON: f64 = 1e-4;

/// An operator's stored priors: the latest moving annual average and the per-period means.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorPriors {
    /// Period 0: the moving annual average at the latest period (percentages).
    latest: [f64; 8],
    /// Periods 1..=13 (index p − 1): each period's mean raw shares over recent years.
    seasonal: [Option<[f64; 8]>; 13],
}

/// The operator's shares for one rail period and whether a seasonal index was applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeasonalShares {
    /// Cumulative percentages after the seasonal adjustment: early, on time, and within 3, 5,
    /// 10, 15, 20, 30 minutes.
    pub percentages: [f64; 8],
    /// False when the operator lacks a complete 13-period pattern, so the level is used as is.
    pub seasonal: bool,
}

impl OperatorPriors {
    /// Builds priors from `(period, shares)` pairs as stored (0 = latest MAA, 1..=13 = period
    /// means); `None` without a complete period 0. Incomplete or out-of-range periods are ignored.
    pub fn from_periods(periods: impl IntoIterator<Item = (u8, Shares)>) -> Option<Self> {
        let mut latest = None;
        let mut seasonal = [None; 13];
        for (period, shares) in periods {
            let Some(values) = complete(&shares) else {
                continue;
            };
            match period {
                0 => latest = Some(values),
                1..=13 => seasonal[usize::from(period) - 1] = Some(values),
                _ => {}
            }
        }
        Some(Self {
            latest: latest?,
            seasonal,
        })
    }

    /// Builds one series' priors from derived or starter prior rows (see `model::priors::derive_priors`).
    pub fn from_prior_rows(rows: &[PriorRow], series: &str) -> Option<Self> {
        Self::from_periods(
            rows.iter()
                .filter(|row| row.series == series)
                .map(|row| (row.period, row.shares)),
        )
    }

    /// The latest moving-annual-average shares, unadjusted.
    pub fn latest(&self) -> Shares {
        to_shares(self.latest)
    }

    /// Whether all 13 period means are present, which the seasonal index needs (a mean over
    /// fewer periods would be biased toward the periods present).
    pub fn has_seasonal_pattern(&self) -> bool {
        self.seasonal.iter().all(Option::is_some)
    }

    /// The shares expected in rail period `period` (1..=13): per threshold t,
    /// logit F_t = logit MAA_t + [logit mean_t(period) − (1/13) Σ_q logit mean_t(q)],
    /// then made non-decreasing across thresholds. Without a full pattern, or for a period
    /// outside 1..=13, the latest level is returned unadjusted.
    pub fn seasonal_shares(&self, period: u8) -> SeasonalShares {
        let unadjusted = SeasonalShares {
            percentages: self.latest,
            seasonal: false,
        };
        if !(1..=13).contains(&period) {
            return unadjusted;
        }
        let mut means = [[0.0; 8]; 13];
        for (slot, values) in means.iter_mut().zip(self.seasonal) {
            let Some(values) = values else {
                return unadjusted;
            };
            *slot = values.map(|v| logit(v / 100.0));
        }
        let target = means[usize::from(period) - 1];
        let mut adjusted = [0.0; 8];
        let mut running = 0.0_f64;
        for (t, slot) in adjusted.iter_mut().enumerate() {
            let average = means.iter().map(|m| m[t]).sum::<f64>() / 13.0;
            let index = target[t] - average;
            let value = 100.0 * sigmoid(logit(self.latest[t] / 100.0) + index);
            // Cumulative shares must not decrease from one threshold to the next.
            running = running.max(value);
            *slot = running;
        }
        SeasonalShares {
            percentages: adjusted,
            seasonal: true,
        }
    }
}

impl SeasonalShares {
    /// The adjusted percentages in ORR's `Shares` layout.
    pub fn shares(&self) -> Shares {
        to_shares(self.percentages)
    }
}

fn complete(shares: &Shares) -> Option<[f64; 8]> {
    shares.complete()
}

fn to_shares(values: [f64; 8]) -> Shares {
    Shares::from_array(values.map(Some))
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(LOGIT_EPSILON, 1.0 - LOGIT_EPSILON);
    (p / (1.0 - p)).ln()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::orr3138::parse_priors_csv;

    fn starter(series: &str) -> OperatorPriors {
        let rows = parse_priors_csv(include_str!("../store/starter/operator_priors.csv")).unwrap();
        OperatorPriors::from_prior_rows(&rows, series).unwrap()
    }

    #[test]
    fn a_flat_pattern_leaves_the_level_unchanged() {
        let level = to_shares([20.0, 40.0, 60.0, 70.0, 80.0, 90.0, 95.0, 98.0]);
        let mean = to_shares([30.0, 50.0, 70.0, 80.0, 90.0, 95.0, 97.0, 99.0]);
        let priors = OperatorPriors::from_periods(
            std::iter::once((0, level)).chain((1..=13).map(|p| (p, mean))),
        )
        .unwrap();
        let s = priors.seasonal_shares(9);
        assert!(s.seasonal);
        for (a, b) in s.percentages.iter().zip(complete(&level).unwrap()) {
            assert!((a - b).abs() < 1e-9);
        }
    }

    #[test]
    fn a_missing_period_mean_disables_the_seasonal_index() {
        let level = to_shares([20.0, 40.0, 60.0, 70.0, 80.0, 90.0, 95.0, 98.0]);
        let priors = OperatorPriors::from_periods((0..=12).map(|p| (p, level))).unwrap();
        assert!(!priors.has_seasonal_pattern());
        assert_eq!(priors.seasonal_shares(13).shares(), level);
        assert!(!priors.seasonal_shares(13).seasonal);
        assert!(OperatorPriors::from_periods([(1, level)]).is_none());
    }

    #[test]
    fn leaf_fall_periods_are_worse_than_summer_for_avanti_west_coast() {
        let avanti = starter("Avanti West Coast");
        assert!(avanti.has_seasonal_pattern());
        let t5 = |p: u8| avanti.seasonal_shares(p).percentages[3];
        // The starter data: P09 mean t5 62.94 against P06 74.24.
        for autumn in [8, 9] {
            for summer in [1, 2, 6] {
                assert!(t5(autumn) < t5(summer), "P{autumn} vs P{summer}");
            }
        }
    }

    #[test]
    fn adjusted_shares_stay_cumulative_for_every_series_and_period() {
        let rows = parse_priors_csv(include_str!("../store/starter/operator_priors.csv")).unwrap();
        let series: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r.series.as_str()).collect();
        for name in series {
            let priors = OperatorPriors::from_prior_rows(&rows, name).unwrap();
            for p in 1..=13 {
                let values = priors.seasonal_shares(p).percentages;
                assert!(values.windows(2).all(|w| w[0] <= w[1]), "{name} P{p}");
                assert!(values.iter().all(|v| (0.0..=100.0).contains(v)));
            }
        }
    }
}
