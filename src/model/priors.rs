//! The operator priors the live prediction path serves: per ORR series, the latest moving annual
//! average and the operator forecast (see `forecast`) for each of the 13 rail periods, with its
//! parameters selected exactly as the backtest selects them, on all the rows given. Pure; the
//! importer stores the result and never computes a prior itself.

use std::collections::BTreeMap;

use crate::domain::punctuality::{PriorRow, PunctualityRow, Shares};
use crate::domain::rail_period::RailPeriod;
use crate::model::backtest::AGGREGATE_SERIES;
use crate::model::forecast::{self, GridScores, Params, SeriesHistory, index_of};

/// How many recent rail years the `stops` of a period prior averages over.
const STOPS_YEARS: usize = 3;

/// The parameters the rolling-origin selection picks at the period after the latest in `rows`
/// (scored on the operators, aggregates excluded); the grid's first, level-only setting when no
/// period before could be scored.
pub fn selected_params(rows: &[PunctualityRow]) -> Params {
    let grid = forecast::grid();
    let mut by_series: BTreeMap<&str, Vec<&PunctualityRow>> = BTreeMap::new();
    for row in rows {
        if !AGGREGATE_SERIES.contains(&row.series.as_str()) {
            by_series.entry(&row.series).or_default().push(row);
        }
    }
    let histories: Vec<SeriesHistory> = by_series
        .into_values()
        .filter_map(SeriesHistory::new)
        .collect();
    let origin = rows.iter().map(|r| index_of(r.period)).max().unwrap_or(0) + 1;
    let chosen = GridScores::new(&histories, &grid).select(origin);
    grid[chosen.unwrap_or(0)]
}

/// Derives the priors of every series in `rows` (pure).
///
/// Per series, let L be its latest period; every prior has `data_through = L.end()`, and none is
/// derived when L has no moving annual average (less than a year of data).
/// - Period 0 is L's moving-annual-average shares, `stops` = L's moving annual total, `years` = 1.
/// - Period p in 1..=13 is the operator forecast for rail period p from all the series' data,
///   with `selected_params`; `years` is the number of complete rail years behind its seasonal
///   index (0 when the selected setting uses none), and `stops` the mean stops of period p over
///   the last three rail years that have it, rounded half up.
///
/// Shares are rounded half up to 2 decimals, as ORR publishes them. Rows are sorted by series,
/// then period.
pub fn derive_priors(rows: &[PunctualityRow]) -> Vec<PriorRow> {
    let params = selected_params(rows);
    let mut by_series: BTreeMap<&str, Vec<&PunctualityRow>> = BTreeMap::new();
    for row in rows {
        by_series.entry(&row.series).or_default().push(row);
    }

    let mut priors = Vec::new();
    for (series, rows) in by_series {
        let Some(last) = rows.iter().max_by_key(|r| r.period) else {
            continue;
        };
        let Some(history) = SeriesHistory::new(rows.iter().copied()) else {
            continue;
        };
        let (latest, data_through) = (last.period, last.period.end());
        if last.maa.complete().is_none() {
            continue;
        }
        priors.push(PriorRow {
            series: series.to_owned(),
            period: 0,
            shares: round_shares(last.maa),
            stops: last.mat_stops,
            years: 1,
            data_through,
        });
        for p in 1..=13 {
            let Some(f) = history.forecast(index_of(latest) + 1, p, &params) else {
                continue;
            };
            priors.push(PriorRow {
                series: series.to_owned(),
                period: p,
                shares: round_shares(Shares::from_array(f.cdf.map(|v| Some(100.0 * v)))),
                stops: mean_stops(&rows, latest, p),
                years: u8::try_from(f.seasonal_years).unwrap_or(u8::MAX),
                data_through,
            });
        }
    }
    priors
}

/// Mean stops of period `p` over the last `STOPS_YEARS` rail years up to `latest` that report them.
fn mean_stops(rows: &[&PunctualityRow], latest: RailPeriod, p: u8) -> Option<i64> {
    let mut recent: Vec<&&PunctualityRow> = rows
        .iter()
        .filter(|r| r.period.period == p && r.period <= latest && r.raw.complete().is_some())
        .collect();
    recent.sort_by_key(|r| std::cmp::Reverse(r.period));
    let stops: Vec<i64> = recent
        .iter()
        .take(STOPS_YEARS)
        .filter_map(|r| r.stops)
        .collect();
    (!stops.is_empty()).then(|| div_round_half_up(stops.iter().sum(), stops.len() as i64))
}

/// Each share rounded half up to 2 decimals (exactly, for inputs of up to 4 decimals).
fn round_shares(shares: Shares) -> Shares {
    Shares::from_array(shares.to_array().map(|v| {
        // Work in ten-thousandths so the half-up rounding never depends on binary floating point.
        v.map(|v| div_round_half_up((v * 10_000.0).round() as i64, 100) as f64 / 100.0)
    }))
}

/// `numerator / denominator` rounded half up, for non-negative numerators and positive denominators.
fn div_round_half_up(numerator: i64, denominator: i64) -> i64 {
    (2 * numerator + denominator) / (2 * denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row whose own shares are `raw` everywhere and whose MAA is `maa` (or missing).
    fn row(series: &str, year: i32, period: u8, raw: f64, maa: Option<f64>) -> PunctualityRow {
        let cdf = |on_time: f64| {
            Shares::from_array([
                Some(on_time / 2.0),
                Some(on_time),
                Some(80.0),
                Some(90.0),
                Some(95.0),
                Some(98.0),
                Some(99.0),
                Some(99.5),
            ])
        };
        PunctualityRow {
            series: series.to_owned(),
            period: RailPeriod::new(year, period).unwrap(),
            stops: Some(100 * i64::from(period)),
            raw: cdf(raw),
            maa: maa.map(cdf).unwrap_or_default(),
            mat_stops: maa.map(|_| 5000),
        }
    }

    #[test]
    fn without_a_scored_history_the_prior_is_the_latest_maa_for_every_period() {
        let rows = vec![
            row("Test Trains", 2024, 1, 60.0, None),
            row("Test Trains", 2024, 2, 70.0, Some(55.55)),
            row("No Average", 2024, 2, 70.0, None),
        ];
        let priors = derive_priors(&rows);
        assert_eq!(priors.len(), 14, "{priors:?}");
        assert!(priors.iter().all(|p| p.series == "Test Trains"));
        assert_eq!(priors[0].period, 0);
        assert_eq!(priors[0].stops, Some(5000));
        for prior in &priors {
            assert_eq!(prior.shares.on_time, Some(55.55));
            assert_eq!(prior.data_through, RailPeriod::new(2024, 2).unwrap().end());
        }
        // P01: only 2024 has it (100 stops); P02 likewise (200); P03 has none.
        assert_eq!(
            (priors[1].stops, priors[2].stops, priors[3].stops),
            (Some(100), Some(200), None)
        );
        assert_eq!(priors[1].years, 0);
    }

    #[test]
    fn shares_round_half_up_to_two_decimals() {
        let s = round_shares(Shares::from_array([
            Some(2.015),
            Some(2.0149),
            None,
            None,
            None,
            None,
            None,
            None,
        ]));
        assert_eq!((s.early, s.on_time, s.t3), (Some(2.02), Some(2.01), None));
    }

    #[test]
    fn a_steady_seasonal_pattern_is_selected_and_served() {
        // Six years in which P09 is always 20 points worse than every other period.
        let mut rows = Vec::new();
        for year in 2015..2021 {
            for p in 1..=13 {
                let raw = if p == 9 { 50.0 } else { 70.0 };
                rows.push(row(
                    "A",
                    year,
                    p,
                    raw,
                    (year > 2015 || p == 13).then_some(68.5),
                ));
                rows.push(row(
                    "B",
                    year,
                    p,
                    raw + 5.0,
                    (year > 2015 || p == 13).then_some(73.5),
                ));
            }
        }
        let params = selected_params(&rows);
        assert!(params.seasonal_weight > 0.0, "{params:?}");
        let priors = derive_priors(&rows);
        let on_time = |p: u8| {
            priors
                .iter()
                .find(|r| r.series == "A" && r.period == p)
                .and_then(|r| r.shares.on_time)
                .unwrap()
        };
        assert!(
            on_time(9) + 10.0 < on_time(8),
            "{} vs {}",
            on_time(9),
            on_time(8)
        );
        assert!(priors.iter().filter(|r| r.period > 0).all(|r| r.years > 0));
    }
}
