//! Backtest of the operator prior: predicts each held-out rail period's ORR punctuality per
//! operator from data strictly before it, and scores the model against two naive baselines.
//! Pure scoring over parsed rows; never reads files or prints (the `eval` command does that).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::domain::punctuality::{PunctualityRow, Shares};
use crate::domain::rail_period::RailPeriod;
use crate::model::delay::DelayDistribution;
use crate::model::priors::derive_priors;
use crate::model::seasonality::OperatorPriors;

/// The ORR aggregates, left out because they are sums of the operators already scored.
pub const AGGREGATE_SERIES: [&str; 3] = ["Great Britain", "England and Wales", "Scotland"];

/// Scores of one forecasting method over all scored cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodScore {
    /// Short name of the method.
    pub method: String,
    /// Mean ranked probability score over the nine ORR buckets (lower is better).
    pub rps: f64,
    /// Mean absolute error of P(≥ 5 minutes late), in percentage points (lower is better).
    pub mae_p5_pp: f64,
}

/// The result of a backtest: one score per method over the same cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestReport {
    /// First held-out rail period, e.g. "2024-25 P01".
    pub holdout_from: String,
    /// Last rail period scored.
    pub holdout_to: Option<String>,
    /// Operator-period cases scored (the same cases for every method).
    pub cases: usize,
    /// Operator-period cases skipped because a needed figure was missing.
    pub skipped: usize,
    /// Scored cases in which the model had no complete seasonal pattern and used the level alone.
    pub cases_without_seasonal_pattern: usize,
    /// Operators scored.
    pub operators: Vec<String>,
    /// The model first, then the baselines.
    pub methods: Vec<MethodScore>,
}

/// Name of the model in reports.
pub const MODEL: &str = "model (MAA x seasonal index)";
/// Name of the "latest moving annual average, no seasonality" baseline.
pub const BASELINE_MAA: &str = "latest MAA, no seasonality";
/// Name of the "same period last year" baseline.
pub const BASELINE_LAST_YEAR: &str = "same period last year";

impl BacktestReport {
    /// True when the model scores strictly better than both baselines on both RPS and MAE.
    pub fn model_beats_both(&self) -> bool {
        let Some((model, baselines)) = self.methods.split_first() else {
            return false;
        };
        self.cases > 0
            && !baselines.is_empty()
            && baselines
                .iter()
                .all(|b| model.rps < b.rps && model.mae_p5_pp < b.mae_p5_pp)
    }

    /// A fixed-width table of the scores, for a terminal.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "Backtest: ORR 3138, held out {} to {}, {} operator-periods scored ({} skipped: missing figures; {} without a seasonal pattern)\n",
            self.holdout_from,
            self.holdout_to.as_deref().unwrap_or("-"),
            self.cases,
            self.skipped,
            self.cases_without_seasonal_pattern
        );
        out += &format!("{:<32} {:>10} {:>14}\n", "method", "RPS", "MAE P(>=5) pp");
        out += &format!("{}\n", "-".repeat(58));
        for m in &self.methods {
            out += &format!("{:<32} {:>10.5} {:>14.3}\n", m.method, m.rps, m.mae_p5_pp);
        }
        out += if self.model_beats_both() {
            "model beats both baselines on both scores\n"
        } else {
            "model does NOT beat both baselines on both scores\n"
        };
        out
    }
}

/// Scores the model and both baselines for every operator (aggregates excluded) and every
/// period from `holdout_from` present in `rows`, each predicted from rows strictly before it.
pub fn backtest(rows: &[PunctualityRow], holdout_from: RailPeriod) -> BacktestReport {
    let targets: BTreeSet<RailPeriod> = rows
        .iter()
        .map(|r| r.period)
        .filter(|p| *p >= holdout_from)
        .collect();
    let by_key: BTreeMap<(&str, RailPeriod), &PunctualityRow> = rows
        .iter()
        .map(|r| ((r.series.as_str(), r.period), r))
        .collect();

    let mut sums = [Sums::default(); 3];
    let mut cases = 0;
    let mut skipped = 0;
    let mut without_pattern = 0;
    let mut operators = BTreeSet::new();
    for &target in &targets {
        // Everything the model may see for this target: rows strictly before it.
        let history: Vec<PunctualityRow> =
            rows.iter().filter(|r| r.period < target).cloned().collect();
        let priors = derive_priors(&history);
        for row in rows.iter().filter(|r| r.period == target) {
            if AGGREGATE_SERIES.contains(&row.series.as_str()) {
                continue;
            }
            let previous = by_key.get(&(row.series.as_str(), target.prev()));
            let last_year = RailPeriod::new(target.year - 1, target.period)
                .and_then(|p| by_key.get(&(row.series.as_str(), p)));
            let model = OperatorPriors::from_prior_rows(&priors, &row.series)
                // The level must be the MAA of the period just before, not a stale one.
                .filter(|_| previous.is_some_and(|p| complete(&p.maa).is_some()))
                .map(|p| p.seasonal_shares(target.period));
            let (Some(actual), Some(model), Some(maa), Some(last)) = (
                complete(&row.raw),
                model,
                previous.and_then(|p| complete(&p.maa)),
                last_year.and_then(|p| complete(&p.raw)),
            ) else {
                skipped += 1;
                continue;
            };
            let model_cdf =
                orr_cumulative(&DelayDistribution::from_orr_percentages(model.percentages).0);
            cases += 1;
            if !model.seasonal {
                without_pattern += 1;
            }
            operators.insert(row.series.clone());
            for (sum, forecast) in sums.iter_mut().zip([model_cdf, maa, last]) {
                sum.add(&forecast, &actual);
            }
        }
    }

    let methods = [MODEL, BASELINE_MAA, BASELINE_LAST_YEAR]
        .iter()
        .zip(sums)
        .map(|(name, sum)| MethodScore {
            method: (*name).to_owned(),
            rps: sum.rps / cases.max(1) as f64,
            mae_p5_pp: sum.abs_p5 / cases.max(1) as f64,
        })
        .collect();
    BacktestReport {
        holdout_from: holdout_from.label(),
        holdout_to: targets.last().map(RailPeriod::label),
        cases,
        skipped,
        cases_without_seasonal_pattern: without_pattern,
        operators: operators.into_iter().collect(),
        methods,
    }
}

/// Running totals of one method's scores.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    rps: f64,
    abs_p5: f64,
}

impl Sums {
    /// Adds one case: `forecast` and `actual` are cumulative fractions at ORR's eight thresholds.
    fn add(&mut self, forecast: &[f64; 8], actual: &[f64; 8]) {
        self.rps += rps(forecast, actual);
        // Index 3 is "within 5 minutes", so P(≥ 5) = 1 − it; the complement cancels in the error.
        self.abs_p5 += 100.0 * (forecast[3] - actual[3]).abs();
    }
}

/// Ranked probability score over the nine ordered ORR buckets (early, on time, <3, <5, <10,
/// <15, <20, <30, 30+): the mean over the eight cumulative thresholds of the squared difference
/// between forecast and observed cumulative shares.
pub fn rps(forecast: &[f64; 8], actual: &[f64; 8]) -> f64 {
    forecast
        .iter()
        .zip(actual)
        .map(|(f, a)| (f - a).powi(2))
        .sum::<f64>()
        / 8.0
}

/// The distribution's cumulative shares at ORR's eight thresholds.
fn orr_cumulative(d: &DelayDistribution) -> [f64; 8] {
    let below = d.cumulative();
    let mut out = [0.0; 8];
    out.copy_from_slice(&below[..8]);
    out
}

/// The shares as fractions, or `None` if any is missing.
fn complete(shares: &Shares) -> Option<[f64; 8]> {
    shares.complete().map(|values| values.map(|v| v / 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::orr3138::parse;

    const REAL_FILE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/orr/table-3138-train-punctuality-at-recorded-station-stops-by-operator-periodic.csv"
    );

    #[test]
    fn a_perfect_forecast_scores_zero_and_errors_are_squared() {
        let a = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
        assert_eq!(rps(&a, &a), 0.0);
        let mut b = a;
        b[3] += 0.1;
        assert!((rps(&b, &a) - 0.01 / 8.0).abs() < 1e-15);
    }

    #[test]
    fn the_model_beats_both_baselines_on_the_real_orr_file() {
        let file = std::fs::File::open(REAL_FILE)
            .unwrap_or_else(|e| panic!("the real ORR 3138 file is needed at {REAL_FILE}: {e}"));
        let rows = parse(file).unwrap();
        let report = backtest(&rows, RailPeriod::new(2024, 1).unwrap());
        println!("{}", report.to_table());
        assert!(report.cases >= 200, "{} cases", report.cases);
        assert!(report.model_beats_both(), "{}", report.to_table());
        assert!(!report.operators.iter().any(|o| o == "Great Britain"));
    }
}
