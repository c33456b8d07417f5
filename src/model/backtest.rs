//! Rolling-origin backtest of the operator forecast on ORR Table 3138: every period is predicted
//! one period ahead from data strictly before it (the forecast's parameters too), per operator,
//! and scored beside two naive baselines and a reference forecaster, per rail year, over all
//! years and over the latest 13 periods, with a calibration table and the gate CI enforces.
//! Pure scoring over parsed rows; never reads files or prints (the `eval` command does that).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::domain::punctuality::PunctualityRow;
use crate::domain::rail_period::RailPeriod;
use crate::model::delay::DelayDistribution;
use crate::model::forecast::{self, Cdf, GridScores, Params, SeriesHistory, index_of, period_of};
use crate::model::holt_winters;

/// The ORR aggregates, left out because they are sums of the operators already scored.
pub const AGGREGATE_SERIES: [&str; 3] = ["Great Britain", "England and Wales", "Scotland"];

/// Name of the model in reports.
pub const MODEL: &str = "model (level x shrunk season)";
/// Name of the "latest moving annual average, no seasonality" baseline.
pub const BASELINE_MAA: &str = "latest MAA, no seasonality";
/// Name of the "same period last year" baseline.
pub const BASELINE_LAST_YEAR: &str = "same period last year";
/// Name of the reference forecaster.
pub const REFERENCE: &str = "damped Holt-Winters (ref)";
/// The methods in report order: the model, the two baselines, the reference.
pub const METHODS: [&str; 4] = [MODEL, BASELINE_MAA, BASELINE_LAST_YEAR, REFERENCE];

/// The first rail year the gate applies to (2019-20 and 2020-21 are pandemic years, reported only).
pub const FIRST_GATED_YEAR: i32 = 2021;
/// Label of the row over every scored period.
pub const ALL_YEARS: &str = "all years";
/// Label of the row over the latest 13 scored periods.
pub const LATEST_13: &str = "latest 13 periods";

/// Scores of one method over one row's cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodScore {
    /// Short name of the method.
    pub method: String,
    /// Mean ranked probability score over the nine ORR buckets (lower is better).
    pub rps: f64,
    /// Mean absolute error of P(≥ 5 minutes late), in percentage points (lower is better).
    pub mae_p5_pp: f64,
}

/// One row of the report: a rail year, all years, or the latest 13 periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreRow {
    /// "2023-24", "all years" or "latest 13 periods".
    pub label: String,
    /// First period scored in the row.
    pub from: String,
    /// Last period scored in the row.
    pub to: String,
    /// Operator-periods scored (the same cases for every method).
    pub cases: usize,
    /// Whether the gate requires the model to beat both baselines on both scores here.
    pub gated: bool,
    /// In `METHODS` order.
    pub methods: Vec<MethodScore>,
}

/// One decile of the model's predicted P(≥ 5 minutes late), with what was observed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// 1 = the lowest predictions.
    pub decile: usize,
    /// Operator-periods in the decile.
    pub cases: usize,
    /// Lowest prediction in the decile, percent.
    pub predicted_min_pct: f64,
    /// Highest prediction in the decile, percent.
    pub predicted_max_pct: f64,
    /// Mean prediction, percent.
    pub predicted_mean_pct: f64,
    /// Mean observed share late ≥ 5 minutes, percent.
    pub observed_mean_pct: f64,
}

/// How often each parameter setting was selected over the scored origins.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selection {
    /// The setting.
    pub params: Params,
    /// Scored periods (origins) at which it was selected.
    pub origins: usize,
}

/// The result of the backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestReport {
    /// Operator-period cases scored over all years.
    pub cases: usize,
    /// Operator-periods with figures that were not scored because a method lacked its inputs
    /// (under two years of history, no moving annual average yet, or no figures a year before).
    pub skipped: usize,
    /// Operators scored.
    pub operators: Vec<String>,
    /// Per rail year, then all years, then the latest 13 periods.
    pub rows: Vec<ScoreRow>,
    /// The model's calibration by decile of predicted P(≥ 5), over all scored cases.
    pub calibration: Vec<CalibrationBin>,
    /// The parameter settings the rolling origin selected, most used first.
    pub selected: Vec<Selection>,
    /// The gate's failures, in words; empty when the model passes.
    pub failures: Vec<String>,
}

impl BacktestReport {
    /// True when the gate passes: the model beats both baselines on both scores in every gated
    /// row and matches or beats the reference on both scores over all years.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// Fixed-width tables (scores, calibration, selected parameters) for a terminal.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "Backtest: ORR 3138, rolling origin, one period ahead; {} operator-periods of {} operators scored ({} skipped: a method lacked its inputs)\n",
            self.cases,
            self.operators.len(),
            self.skipped
        );
        out += "RPS over the nine buckets x 1000 / MAE of P(>=5 min late) in pp; * = gated\n";
        out += &format!("{:<20} {:>5}", "rows", "cases");
        for m in METHODS {
            out += &format!(" {m:>29}");
        }
        out += "\n";
        out += &format!("{}\n", "-".repeat(26 + 30 * METHODS.len()));
        for row in &self.rows {
            let label = if row.gated {
                format!("{} *", row.label)
            } else {
                row.label.clone()
            };
            out += &format!("{label:<20} {:>5}", row.cases);
            for m in &row.methods {
                out += &format!(
                    " {:>29}",
                    format!("{:.4} / {:.3}", 1000.0 * m.rps, m.mae_p5_pp)
                );
            }
            out += "\n";
        }
        out += "\nCalibration of the model: share late >= 5 min by decile of the prediction (percent)\n";
        out += &format!(
            "{:>6} {:>6} {:>16} {:>10} {:>10}\n",
            "decile", "cases", "predicted range", "predicted", "observed"
        );
        for bin in &self.calibration {
            out += &format!(
                "{:>6} {:>6} {:>16} {:>10.2} {:>10.2}\n",
                bin.decile,
                bin.cases,
                format!("{:.1}-{:.1}", bin.predicted_min_pct, bin.predicted_max_pct),
                bin.predicted_mean_pct,
                bin.observed_mean_pct
            );
        }
        out += "\nParameters selected at the scored origins (recent weight, smoothing, seasonal years, seasonal weight, stability shrinkage)\n";
        for s in self.selected.iter().take(5) {
            let p = s.params;
            out += &format!(
                "{:>5} origins: {:.2}, {:.1}, {}, {:.2}, {}\n",
                s.origins,
                p.recent_weight,
                p.smoothing,
                p.seasonal_years,
                p.seasonal_weight,
                p.stability_shrinkage
            );
        }
        out += "\n";
        if self.passed() {
            out += "gate passed: the model beats both baselines on both scores in every gated row and matches or beats the reference over all years\n";
        } else {
            for f in &self.failures {
                out += &format!("gate FAILED: {f}\n");
            }
        }
        out
    }
}

/// One scored operator-period: the four forecasts and the outcome, as cumulative fractions.
struct Case {
    target: RailPeriod,
    forecasts: [Cdf; 4],
    actual: Cdf,
}

/// Runs the rolling-origin backtest over every operator (aggregates excluded) and every period
/// at which all four methods can forecast.
pub fn backtest(rows: &[PunctualityRow]) -> BacktestReport {
    backtest_from(rows, None)
}

/// [`backtest`], with one more gated row over the periods from `holdout` on (`eval
/// --holdout-from`): how the model does on periods scored apart, for example ones published after
/// the rest. The parameters are still selected at each origin from earlier periods only, so the
/// row is scored exactly as the others are.
pub fn backtest_from(rows: &[PunctualityRow], holdout: Option<RailPeriod>) -> BacktestReport {
    let mut by_series: BTreeMap<&str, Vec<&PunctualityRow>> = BTreeMap::new();
    for row in rows {
        if !AGGREGATE_SERIES.contains(&row.series.as_str()) {
            by_series.entry(&row.series).or_default().push(row);
        }
    }
    let histories: Vec<(&str, SeriesHistory)> = by_series
        .into_iter()
        .filter_map(|(name, rows)| Some((name, SeriesHistory::new(rows)?)))
        .collect();
    let grid = forecast::grid();
    let only: Vec<SeriesHistory> = histories.iter().map(|(_, h)| h.clone()).collect();
    let scores = GridScores::new(&only, &grid);

    let mut cases = Vec::new();
    let mut skipped = 0;
    let mut operators = BTreeSet::new();
    let mut chosen: BTreeMap<i64, usize> = BTreeMap::new();
    for (name, history) in &histories {
        for target in history.first_index() + 1..history.end() {
            let (Some(actual), Some(period)) = (history.observed(target), period_of(target)) else {
                continue;
            };
            let model = scores.select(target).and_then(|g| {
                let f = history.forecast(target, period.period, &grid[g])?;
                Some((g, f))
            });
            let (Some((g, model)), Some(maa), Some(last), Some(reference)) = (
                model,
                history.latest_maa(target),
                history.observed(target - 13),
                holt_winters::forecast(history, target),
            ) else {
                skipped += 1;
                continue;
            };
            chosen.insert(target, g);
            operators.insert((*name).to_owned());
            cases.push(Case {
                target: period,
                forecasts: [as_served(&model.cdf), maa, last, reference],
                actual,
            });
        }
    }

    let mut report_rows = Vec::new();
    let years: BTreeSet<i32> = cases.iter().map(|c| c.target.year).collect();
    for year in years {
        let in_year: Vec<&Case> = cases.iter().filter(|c| c.target.year == year).collect();
        report_rows.push(score_row(
            format!("{}-{:02}", year, (year + 1) % 100),
            &in_year,
            year >= FIRST_GATED_YEAR,
        ));
    }
    let all: Vec<&Case> = cases.iter().collect();
    report_rows.push(score_row(ALL_YEARS.to_owned(), &all, false));
    if let Some(latest) = cases.iter().map(|c| c.target).max() {
        let from = index_of(latest) - 12;
        let recent: Vec<&Case> = cases
            .iter()
            .filter(|c| index_of(c.target) >= from)
            .collect();
        report_rows.push(score_row(LATEST_13.to_owned(), &recent, true));
    }
    if let Some(holdout) = holdout {
        let from = index_of(holdout);
        let held: Vec<&Case> = cases
            .iter()
            .filter(|c| index_of(c.target) >= from)
            .collect();
        report_rows.push(score_row(format!("from {}", holdout.label()), &held, true));
    }

    let mut per_setting: BTreeMap<usize, usize> = BTreeMap::new();
    for g in chosen.into_values() {
        *per_setting.entry(g).or_default() += 1;
    }
    let mut selected: Vec<Selection> = per_setting
        .into_iter()
        .map(|(g, origins)| Selection {
            params: grid[g],
            origins,
        })
        .collect();
    selected.sort_by_key(|s| std::cmp::Reverse(s.origins));
    let failures = gate(&report_rows);
    BacktestReport {
        cases: cases.len(),
        skipped,
        operators: operators.into_iter().collect(),
        rows: report_rows,
        calibration: calibration(&cases),
        selected,
        failures,
    }
}

/// The gate's failures over the rows, in words.
fn gate(rows: &[ScoreRow]) -> Vec<String> {
    let mut failures = Vec::new();
    if rows.iter().all(|r| r.cases == 0) {
        failures.push("no operator-period could be scored".to_owned());
    }
    for row in rows.iter().filter(|r| r.gated && r.cases > 0) {
        let model = &row.methods[0];
        for baseline in &row.methods[1..3] {
            if model.rps >= baseline.rps || model.mae_p5_pp >= baseline.mae_p5_pp {
                failures.push(format!(
                    "{}: the model ({:.5} / {:.3}) does not beat {} ({:.5} / {:.3}) on both RPS and MAE",
                    row.label,
                    model.rps,
                    model.mae_p5_pp,
                    baseline.method,
                    baseline.rps,
                    baseline.mae_p5_pp
                ));
            }
        }
    }
    if let Some(all) = rows.iter().find(|r| r.label == ALL_YEARS && r.cases > 0) {
        let (model, reference) = (&all.methods[0], &all.methods[3]);
        if model.rps > reference.rps || model.mae_p5_pp > reference.mae_p5_pp {
            failures.push(format!(
                "all years: the model ({:.5} / {:.3}) does not match or beat the reference ({:.5} / {:.3})",
                model.rps, model.mae_p5_pp, reference.rps, reference.mae_p5_pp
            ));
        }
    }
    failures
}

fn score_row(label: String, cases: &[&Case], gated: bool) -> ScoreRow {
    let n = cases.len().max(1) as f64;
    let methods = METHODS
        .iter()
        .enumerate()
        .map(|(m, name)| MethodScore {
            method: (*name).to_owned(),
            rps: cases
                .iter()
                .map(|c| forecast::rps(&c.forecasts[m], &c.actual))
                .sum::<f64>()
                / n,
            // Index 3 is "within 5 minutes", so P(≥ 5) = 1 − it; the complement cancels in the error.
            mae_p5_pp: cases
                .iter()
                .map(|c| 100.0 * (c.forecasts[m][3] - c.actual[3]).abs())
                .sum::<f64>()
                / n,
        })
        .collect();
    ScoreRow {
        label,
        from: cases
            .iter()
            .map(|c| c.target)
            .min()
            .map_or_else(String::new, |p| p.label()),
        to: cases
            .iter()
            .map(|c| c.target)
            .max()
            .map_or_else(String::new, |p| p.label()),
        cases: cases.len(),
        gated,
        methods,
    }
}

/// The model's predicted against observed P(≥ 5) by decile of the prediction (equal-count bins).
fn calibration(cases: &[Case]) -> Vec<CalibrationBin> {
    let mut pairs: Vec<(f64, f64)> = cases
        .iter()
        .map(|c| {
            (
                100.0 * (1.0 - c.forecasts[0][3]),
                100.0 * (1.0 - c.actual[3]),
            )
        })
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = pairs.len();
    (0..10)
        .filter_map(|d| {
            let bin = &pairs[d * n / 10..(d + 1) * n / 10];
            let count = bin.len();
            (count > 0).then(|| CalibrationBin {
                decile: d + 1,
                cases: count,
                predicted_min_pct: bin[0].0,
                predicted_max_pct: bin[count - 1].0,
                predicted_mean_pct: bin.iter().map(|p| p.0).sum::<f64>() / count as f64,
                observed_mean_pct: bin.iter().map(|p| p.1).sum::<f64>() / count as f64,
            })
        })
        .collect()
}

/// The forecast as the live path serves it: through the delay distribution built from it.
fn as_served(cdf: &Cdf) -> Cdf {
    let (distribution, _) = DelayDistribution::from_orr_percentages(cdf.map(|v| 100.0 * v));
    let below = distribution.cumulative();
    let mut out = [0.0; forecast::THRESHOLDS];
    out.copy_from_slice(&below[..forecast::THRESHOLDS]);
    out
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
        assert_eq!(forecast::rps(&a, &a), 0.0);
        let mut b = a;
        b[3] += 0.1;
        assert!((forecast::rps(&b, &a) - 0.01 / 8.0).abs() < 1e-15);
    }

    fn row(label: &str, gated: bool, scores: [(f64, f64); 4]) -> ScoreRow {
        ScoreRow {
            label: label.to_owned(),
            from: String::new(),
            to: String::new(),
            cases: 10,
            gated,
            methods: METHODS
                .iter()
                .zip(scores)
                .map(|(m, (rps, mae_p5_pp))| MethodScore {
                    method: (*m).to_owned(),
                    rps,
                    mae_p5_pp,
                })
                .collect(),
        }
    }

    #[test]
    fn the_gate_fails_on_a_gated_year_lost_on_one_score_but_not_on_a_reported_one() {
        let good = [(1.0, 1.0), (2.0, 2.0), (2.0, 2.0), (1.5, 1.5)];
        let mae_lost = [(1.0, 2.5), (2.0, 2.0), (2.0, 2.0), (1.5, 1.5)];
        assert!(gate(&[row("2020-21", false, mae_lost), row(ALL_YEARS, false, good)]).is_empty());
        let failures = gate(&[row("2022-23", true, mae_lost), row(ALL_YEARS, false, good)]);
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert!(failures[0].starts_with("2022-23"), "{failures:?}");
        let reference_wins = [(1.0, 1.0), (2.0, 2.0), (2.0, 2.0), (0.9, 1.5)];
        let failures = gate(&[row(ALL_YEARS, false, reference_wins)]);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].contains("reference"), "{failures:?}");
    }

    #[test]
    fn the_model_passes_the_gate_on_the_real_orr_file() {
        let file = std::fs::File::open(REAL_FILE)
            .unwrap_or_else(|e| panic!("the real ORR 3138 file is needed at {REAL_FILE}: {e}"));
        let rows = parse(file).unwrap();
        let report = backtest(&rows);
        println!("{}", report.to_table());
        assert!(report.cases >= 2000, "{} cases", report.cases);
        assert!(report.passed(), "{}", report.to_table());
        assert!(!report.operators.iter().any(|o| o == "Great Britain"));
    }
}
