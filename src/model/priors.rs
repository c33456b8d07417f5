//! The operator priors: per ORR series, the latest moving annual average and each rail period's
//! mean over recent years, derived from parsed ORR 3138 rows. Pure arithmetic; the parser in
//! `feeds::orr3138` produces the rows, the store keeps the result.

use std::collections::BTreeMap;

use crate::domain::punctuality::{PriorRow, PunctualityRow, Shares};
use crate::domain::rail_period::RailPeriod;

/// How many recent rail years a per-period prior averages over.
const PRIOR_YEARS: usize = 3;

/// Derives the operator priors from parsed rows (pure).
///
/// Per series, let L be the latest period present; every prior of the series has
/// `data_through = L.end()`.
/// - Period 0 is L's moving-annual-average shares, with `stops` = L's moving annual total and
///   `years` = 1; it is left out when L has no MAA (less than a year of data).
/// - Period p in 1..=13 is the arithmetic mean of each raw share over the last three rail
///   years (at or before L's rail year, most recent first) whose period p row has all eight
///   shares present; years missing that row or with `[z]` shares are passed over, and `years`
///   says how many contributed (1..=3). `stops` is the mean of those rows' stops, rounded half
///   up. A period with no such year is left out.
///
/// Shares are rounded half up to 2 decimals (exactly, for inputs of up to 4 decimals). Rows
/// are sorted by series, then period.
pub fn derive_priors(rows: &[PunctualityRow]) -> Vec<PriorRow> {
    let mut by_series: BTreeMap<&str, BTreeMap<RailPeriod, &PunctualityRow>> = BTreeMap::new();
    for row in rows {
        by_series
            .entry(&row.series)
            .or_default()
            .insert(row.period, row);
    }

    let mut priors = Vec::new();
    for (series, periods) in by_series {
        let Some((latest, last)) = periods.last_key_value() else {
            continue;
        };
        let data_through = latest.end();
        if last.maa.to_array().iter().any(Option::is_some) {
            priors.push(PriorRow {
                series: series.to_owned(),
                period: 0,
                shares: mean_shares(&[last.maa]),
                stops: last.mat_stops,
                years: 1,
                data_through,
            });
        }
        for p in 1..=13 {
            let recent: Vec<&PunctualityRow> = periods
                .values()
                .rev()
                .filter(|row| {
                    row.period.period == p
                        && row.period.year <= latest.year
                        && row.raw.to_array().iter().all(Option::is_some)
                })
                .take(PRIOR_YEARS)
                .copied()
                .collect();
            if recent.is_empty() {
                continue;
            }
            let shares: Vec<Shares> = recent.iter().map(|row| row.raw).collect();
            let stops: Vec<i64> = recent.iter().filter_map(|row| row.stops).collect();
            priors.push(PriorRow {
                series: series.to_owned(),
                period: p,
                shares: mean_shares(&shares),
                stops: (!stops.is_empty())
                    .then(|| div_round_half_up(stops.iter().sum(), stops.len() as i64)),
                years: recent.len() as u8,
                data_through,
            });
        }
    }
    priors
}

/// Mean of each share over `all`, rounded to 2 decimals; a share missing anywhere stays `None`.
fn mean_shares(all: &[Shares]) -> Shares {
    let mut means = [None; 8];
    for (index, mean) in means.iter_mut().enumerate() {
        // Sum in ten-thousandths so that the published 2-decimal figures add up exactly and the
        // half-up rounding below never depends on binary floating point.
        let ten_thousandths: Option<Vec<i64>> = all
            .iter()
            .map(|shares| shares.to_array()[index].map(|v| (v * 10_000.0).round() as i64))
            .collect();
        if let Some(values) = ten_thousandths.filter(|v| !v.is_empty()) {
            let hundredths = div_round_half_up(values.iter().sum(), 100 * values.len() as i64);
            *mean = Some(hundredths as f64 / 100.0);
        }
    }
    Shares::from_array(means)
}

/// `numerator / denominator` rounded half up, for non-negative numerators and positive denominators.
fn div_round_half_up(numerator: i64, denominator: i64) -> i64 {
    (2 * numerator + denominator) / (2 * denominator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::orr3138::fixtures::{HEADER_LINE, Z, fixture, label, line, real_rows};
    use crate::feeds::orr3138::{parse, parse_priors_csv};
    use time::macros::date;

    #[test]
    fn priors_average_the_last_three_complete_years_and_take_the_latest_maa() {
        let priors = derive_priors(&parse(fixture().as_bytes()).unwrap());
        let through = date!(2024 - 05 - 25); // 2024-25 P02 ends on Saturday 25 May 2024.
        assert_eq!(
            priors,
            vec![
                PriorRow {
                    series: "Test Trains".into(),
                    period: 0,
                    shares: Shares::from_array(
                        [25.0, 55.55, 75.0, 85.0, 92.0, 96.0, 98.0, 99.25].map(Some)
                    ),
                    stops: Some(5000),
                    years: 1,
                    data_through: through,
                },
                // P01: 2024, 2023, 2022 (2021 is all [z] and 2020 is a fourth year back).
                // on_time (71.01 + 70 + 60) / 3 = 67.003..., stops (301 + 200 + 100) / 3 = 200.33.
                PriorRow {
                    series: "Test Trains".into(),
                    period: 1,
                    shares: Shares::from_array(
                        [30.0, 67.0, 80.0, 90.0, 95.0, 98.0, 99.0, 99.5].map(Some)
                    ),
                    stops: Some(200),
                    years: 3,
                    data_through: through,
                },
                PriorRow {
                    series: "Test Trains".into(),
                    period: 2,
                    shares: Shares::from_array(
                        [20.0, 50.0, 70.0, 80.0, 90.0, 95.0, 97.0, 99.0].map(Some)
                    ),
                    stops: Some(400),
                    years: 1,
                    data_through: through,
                },
            ]
        );
    }

    #[test]
    fn priors_skip_incomplete_years_and_round_half_up() {
        let mut text = HEADER_LINE.to_owned();
        let shares = |on_time: &'static str| {
            [
                "1.00", on_time, "3.00", "4.00", "5.00", "6.00", "7.00", "8.00",
            ]
        };
        text += &line(&label(2019, 3), "B", "1", shares("2.01"), "[z]", Z);
        text += &line(&label(2020, 3), "B", "0", Z, "[z]", Z);
        text += &line(&label(2021, 3), "B", "2", shares("2.02"), "[z]", Z);
        text += &line(&label(2022, 3), "A", "7", shares("2.00"), "[z]", Z);
        let priors = derive_priors(&parse(text.as_bytes()).unwrap());
        assert_eq!(priors.len(), 2);
        assert_eq!((priors[0].series.as_str(), priors[0].period), ("A", 3));
        assert_eq!(priors[0].data_through, date!(2022 - 06 - 25)); // P01 ends Sat 30 Apr, then 2 x 28 days.
        // B: 2021 and 2019 contribute (2020 is [z]); on_time (2.01 + 2.02) / 2 = 2.015 -> 2.02,
        // stops (1 + 2) / 2 = 1.5 -> 2; no MAA anywhere, so no period 0.
        assert_eq!((priors[1].series.as_str(), priors[1].period), ("B", 3));
        assert_eq!(priors[1].years, 2);
        assert_eq!(priors[1].shares.on_time, Some(2.02));
        assert_eq!(priors[1].stops, Some(2));
    }

    #[test]
    fn the_committed_starter_priors_are_exactly_what_the_real_file_derives() {
        let Some(rows) = real_rows() else { return };
        let committed =
            parse_priors_csv(include_str!("../store/starter/operator_priors.csv")).unwrap();
        let derived = derive_priors(&rows);
        assert_eq!(derived.len(), 27 * 14);
        assert_eq!(derived, committed);
    }
}
