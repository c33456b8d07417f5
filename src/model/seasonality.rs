//! Operator priors by rail period as the live path serves them: the stored operator forecast
//! for the departure's rail period (see `forecast` and `priors`, which derive it), or the latest
//! moving annual average when no forecast is stored. Pure lookups; never does I/O.

use crate::domain::punctuality::{PriorRow, Shares};

/// An operator's stored priors: the latest moving annual average and the per-period forecasts.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorPriors {
    /// Period 0: the moving annual average at the latest period (percentages).
    latest: [f64; 8],
    /// Periods 1..=13 (index p − 1): the operator forecast for that rail period (percentages).
    forecasts: [Option<[f64; 8]>; 13],
}

/// The operator's shares for one rail period and whether they vary with the period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeasonalShares {
    /// Cumulative percentages: early, on time, and within 3, 5, 10, 15, 20, 30 minutes.
    pub percentages: [f64; 8],
    /// True when the forecast carries a seasonal pattern (its 13 periods differ); false when
    /// the level is used for every period.
    pub seasonal: bool,
}

impl OperatorPriors {
    /// Builds priors from `(period, shares)` pairs as stored (0 = latest MAA, 1..=13 = period
    /// forecasts); `None` without a complete period 0. Incomplete or out-of-range periods are ignored.
    pub fn from_periods(periods: impl IntoIterator<Item = (u8, Shares)>) -> Option<Self> {
        let mut latest = None;
        let mut forecasts = [None; 13];
        for (period, shares) in periods {
            let Some(values) = shares.complete() else {
                continue;
            };
            match period {
                0 => latest = Some(values),
                1..=13 => forecasts[usize::from(period) - 1] = Some(values),
                _ => {}
            }
        }
        Some(Self {
            latest: latest?,
            forecasts,
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

    /// Whether all 13 period forecasts are present and differ between periods.
    pub fn has_seasonal_pattern(&self) -> bool {
        let Some(first) = self.forecasts[0] else {
            return false;
        };
        self.forecasts.iter().all(Option::is_some)
            && self.forecasts.iter().any(|f| *f != Some(first))
    }

    /// The shares expected in rail period `period` (1..=13): the stored forecast for it, made
    /// non-decreasing across thresholds; the latest level when none is stored or the period is
    /// outside 1..=13.
    pub fn seasonal_shares(&self, period: u8) -> SeasonalShares {
        let stored = (1..=13)
            .contains(&period)
            .then(|| self.forecasts[usize::from(period) - 1])
            .flatten();
        let Some(values) = stored else {
            return SeasonalShares {
                percentages: self.latest,
                seasonal: false,
            };
        };
        let mut percentages = [0.0; 8];
        let mut running = 0.0_f64;
        for (slot, value) in percentages.iter_mut().zip(values) {
            // ORR-style rounding may leave a later share 0.01 below an earlier one.
            running = running.max(value);
            *slot = running;
        }
        SeasonalShares {
            percentages,
            seasonal: self.has_seasonal_pattern(),
        }
    }
}

impl SeasonalShares {
    /// The percentages in ORR's `Shares` layout.
    pub fn shares(&self) -> Shares {
        to_shares(self.percentages)
    }
}

fn to_shares(values: [f64; 8]) -> Shares {
    Shares::from_array(values.map(Some))
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
    fn the_stored_forecast_of_the_period_is_served() {
        let level = to_shares([20.0, 40.0, 60.0, 70.0, 80.0, 90.0, 95.0, 98.0]);
        let autumn = to_shares([10.0, 30.0, 50.0, 60.0, 75.0, 85.0, 93.0, 97.0]);
        let priors = OperatorPriors::from_periods(
            std::iter::once((0, level))
                .chain((1..=13).map(|p| (p, if p == 9 { autumn } else { level }))),
        )
        .unwrap();
        assert!(priors.has_seasonal_pattern());
        let s = priors.seasonal_shares(9);
        assert!(s.seasonal);
        assert_eq!(s.shares(), autumn);
        assert_eq!(priors.seasonal_shares(3).shares(), level);
    }

    #[test]
    fn a_missing_or_flat_forecast_is_the_level_without_seasonality() {
        let level = to_shares([20.0, 40.0, 60.0, 70.0, 80.0, 90.0, 95.0, 98.0]);
        let priors = OperatorPriors::from_periods((0..=12).map(|p| (p, level))).unwrap();
        assert!(!priors.has_seasonal_pattern());
        assert_eq!(priors.seasonal_shares(13).shares(), level);
        assert!(!priors.seasonal_shares(13).seasonal);
        let flat = OperatorPriors::from_periods((0..=13).map(|p| (p, level))).unwrap();
        assert!(!flat.seasonal_shares(4).seasonal);
        assert!(OperatorPriors::from_periods([(1, level)]).is_none());
    }

    #[test]
    fn leaf_fall_periods_are_worse_than_summer_for_avanti_west_coast() {
        let avanti = starter("Avanti West Coast");
        assert!(avanti.has_seasonal_pattern());
        let t5 = |p: u8| avanti.seasonal_shares(p).percentages[3];
        for autumn in [8, 9] {
            for summer in [1, 2, 6] {
                assert!(t5(autumn) < t5(summer), "P{autumn} vs P{summer}");
            }
        }
    }

    #[test]
    fn served_shares_stay_cumulative_for_every_series_and_period() {
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
