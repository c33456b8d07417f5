//! The operator forecast: an operator's punctuality in a coming rail period, as a level (the
//! latest moving annual average blended with recent periods) moved by a shrunk seasonal index,
//! on the log-odds scale per cumulative ORR threshold. Its few parameters are never fixed by
//! hand: `select` picks them from a small grid by how they scored, one period ahead, on the
//! periods before the origin. Pure arithmetic over parsed rows; never does I/O.

use std::collections::BTreeMap;

use crate::domain::punctuality::PunctualityRow;
use crate::domain::rail_period::RailPeriod;

/// ORR's eight cumulative thresholds: early, on time, and within 3, 5, 10, 15, 20, 30 minutes.
pub const THRESHOLDS: usize = 8;

/// Cumulative fractions at the eight thresholds.
pub type Cdf = [f64; THRESHOLDS];

/// Probabilities are kept this far from 0 and 1 before taking log-odds, so a share published
/// as 100.00 % stays finite (it maps back to 99.99 %, within ORR's own rounding).
const LOGIT_EPSILON: f64 = 1e-4;

/// How many past periods of one-ahead forecasts `select` scores the grid on (three rail years:
/// long enough that one odd period cannot pick the parameters, short enough to follow change).
pub const SELECTION_WINDOW: i64 = 39;

/// Periods in a rail year.
const PERIODS: usize = 13;

/// The parameters of the operator forecast; `GRID` lists the values `select` chooses from.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Params {
    /// Weight of the recent, smoothed level against the latest moving annual average (0..=1).
    pub recent_weight: f64,
    /// Exponential smoothing constant over the recent deseasonalised periods (larger = shorter memory).
    pub smoothing: f64,
    /// Complete rail years the seasonal index averages over (most recent first).
    pub seasonal_years: usize,
    /// Multiplier on the seasonal index (0 = no seasonality, 1 = the full index).
    pub seasonal_weight: f64,
    /// Whether each index value is also shrunk toward 0 by how much it varied between years.
    pub stability_shrinkage: bool,
}

/// The parameter grid, simplest first (ties go to the earlier, simpler setting).
pub fn grid() -> Vec<Params> {
    let mut out = Vec::new();
    for stability_shrinkage in [false, true] {
        for seasonal_years in [3, 6] {
            for seasonal_weight in [0.0, 0.25, 0.5, 0.75, 1.0] {
                for recent_weight in [0.0, 0.25, 0.5, 0.75, 1.0] {
                    for smoothing in [0.3, 0.6] {
                        if recent_weight == 0.0 && smoothing != 0.3 {
                            // Without the recent level the smoothing constant has no effect.
                            continue;
                        }
                        out.push(Params {
                            recent_weight,
                            smoothing,
                            seasonal_years,
                            seasonal_weight,
                            stability_shrinkage,
                        });
                    }
                }
            }
        }
    }
    out
}

/// One series' history on the log-odds scale, indexed by consecutive rail period.
#[derive(Debug, Clone)]
pub struct SeriesHistory {
    /// Index (see `index_of`) of `raw[0]`.
    first: i64,
    /// Each period's own shares (log-odds), `None` where missing.
    raw: Vec<Option<Cdf>>,
    /// Each period's moving-annual-average shares (log-odds), `None` where missing.
    maa: Vec<Option<Cdf>>,
}

/// A forecast of one rail period's cumulative shares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forecast {
    /// Cumulative fractions at the eight thresholds, non-decreasing.
    pub cdf: Cdf,
    /// Complete rail years behind the seasonal index (0 = the level alone).
    pub seasonal_years: usize,
}

/// Consecutive number of a rail period (13 per year), so that `index_of(p.next()) = index_of(p) + 1`.
pub fn index_of(period: RailPeriod) -> i64 {
    i64::from(period.year) * PERIODS as i64 + i64::from(period.period) - 1
}

/// The rail period with consecutive number `index`.
pub fn period_of(index: i64) -> Option<RailPeriod> {
    let year = i32::try_from(index.div_euclid(PERIODS as i64)).ok()?;
    let period = u8::try_from(index.rem_euclid(PERIODS as i64) + 1).ok()?;
    RailPeriod::new(year, period)
}

impl SeriesHistory {
    /// Builds one series' history from its rows (any order); `None` when there are none.
    pub fn new<'a>(rows: impl IntoIterator<Item = &'a PunctualityRow>) -> Option<Self> {
        let by_index: BTreeMap<i64, &PunctualityRow> =
            rows.into_iter().map(|r| (index_of(r.period), r)).collect();
        let (&first, _) = by_index.first_key_value()?;
        let (&last, _) = by_index.last_key_value()?;
        let len = usize::try_from(last - first + 1).ok()?;
        let mut history = Self {
            first,
            raw: vec![None; len],
            maa: vec![None; len],
        };
        for (index, row) in by_index {
            let slot = usize::try_from(index - first).ok()?;
            history.raw[slot] = row.raw.complete().map(to_logits);
            history.maa[slot] = row.maa.complete().map(to_logits);
        }
        Some(history)
    }

    /// Index of the earliest period held.
    pub fn first_index(&self) -> i64 {
        self.first
    }

    /// Index one past the latest period held.
    pub fn end(&self) -> i64 {
        self.first + self.raw.len() as i64
    }

    /// The period's own shares (log-odds), if held.
    fn raw_at(&self, index: i64) -> Option<&Cdf> {
        let slot = usize::try_from(index - self.first).ok()?;
        self.raw.get(slot)?.as_ref()
    }

    /// The period's moving-annual-average shares (log-odds), if held.
    fn maa_at(&self, index: i64) -> Option<&Cdf> {
        let slot = usize::try_from(index - self.first).ok()?;
        self.maa.get(slot)?.as_ref()
    }

    /// The period's own shares as fractions, if held.
    pub fn observed(&self, index: i64) -> Option<Cdf> {
        self.raw_at(index).map(|x| x.map(sigmoid))
    }

    /// The moving annual average at the period before `origin`, as fractions: the "latest MAA" baseline.
    pub fn latest_maa(&self, origin: i64) -> Option<Cdf> {
        self.maa_at(origin - 1).map(|x| x.map(sigmoid))
    }

    /// The seasonal index from data strictly before `origin`: per period of the year and
    /// threshold, the mean over the last `years` complete rail years of the period's deviation
    /// from its year's mean, and the variance of that mean. `None` without a complete year.
    fn seasonal_index(&self, origin: i64, years: usize) -> Option<SeasonalIndex> {
        let mut deviations: Vec<[Cdf; PERIODS]> = Vec::new();
        // The latest rail year that ends before the origin.
        let mut year_start = (origin / PERIODS as i64) * PERIODS as i64 - PERIODS as i64;
        while year_start >= self.first && deviations.len() < years {
            let periods: Option<Vec<&Cdf>> = (0..PERIODS as i64)
                .map(|q| self.raw_at(year_start + q))
                .collect();
            if let Some(periods) = periods {
                let mut mean = [0.0; THRESHOLDS];
                for x in &periods {
                    for (m, v) in mean.iter_mut().zip(*x) {
                        *m += v / PERIODS as f64;
                    }
                }
                let mut year = [[0.0; THRESHOLDS]; PERIODS];
                for (slot, x) in year.iter_mut().zip(&periods) {
                    for k in 0..THRESHOLDS {
                        slot[k] = x[k] - mean[k];
                    }
                }
                deviations.push(year);
            }
            year_start -= PERIODS as i64;
        }
        if deviations.is_empty() {
            return None;
        }
        let n = deviations.len() as f64;
        let mut index = SeasonalIndex {
            years: deviations.len(),
            mean: [[0.0; THRESHOLDS]; PERIODS],
            variance_of_mean: [[0.0; THRESHOLDS]; PERIODS],
        };
        for p in 0..PERIODS {
            for k in 0..THRESHOLDS {
                let mean = deviations.iter().map(|d| d[p][k]).sum::<f64>() / n;
                index.mean[p][k] = mean;
                if deviations.len() > 1 {
                    let var = deviations
                        .iter()
                        .map(|d| (d[p][k] - mean).powi(2))
                        .sum::<f64>()
                        / (n - 1.0);
                    index.variance_of_mean[p][k] = var / n;
                }
            }
        }
        Some(index)
    }

    /// Forecasts rail period `period` (1..=13) from data strictly before `origin`, or `None`
    /// when the period before the origin has no moving annual average (the level's anchor).
    pub fn forecast(&self, origin: i64, period: u8, params: &Params) -> Option<Forecast> {
        let index = self.seasonal_index(origin, params.seasonal_years);
        self.forecast_with(origin, period, params, index.as_ref())
    }

    /// As `forecast`, with the seasonal index for `params.seasonal_years` already computed
    /// (the grid search shares one index between the settings that use it).
    fn forecast_with(
        &self,
        origin: i64,
        period: u8,
        params: &Params,
        index: Option<&SeasonalIndex>,
    ) -> Option<Forecast> {
        let anchor = *self.maa_at(origin - 1)?;
        let seasonal = |p: usize| -> Cdf {
            let Some(index) = index else {
                return [0.0; THRESHOLDS];
            };
            let mut out = [0.0; THRESHOLDS];
            for (k, slot) in out.iter_mut().enumerate() {
                let mean = index.mean[p][k];
                let stability = if params.stability_shrinkage && index.years > 1 {
                    // James-Stein style: keep the share of the index that is signal, not year-to-year noise.
                    let signal = mean * mean;
                    signal / (signal + index.variance_of_mean[p][k]).max(f64::MIN_POSITIVE)
                } else {
                    1.0
                };
                *slot = params.seasonal_weight * stability * mean;
            }
            out
        };

        let mut level = anchor;
        if params.recent_weight > 0.0 {
            // Exponentially weighted mean of the last year's deseasonalised periods, newest heaviest.
            let mut sum = [0.0; THRESHOLDS];
            let mut total = 0.0;
            let mut weight = 1.0;
            for back in 1..=PERIODS as i64 {
                let i = origin - back;
                if let Some(x) = self.raw_at(i) {
                    let s = seasonal(i.rem_euclid(PERIODS as i64) as usize);
                    for k in 0..THRESHOLDS {
                        sum[k] += weight * (x[k] - s[k]);
                    }
                    total += weight;
                }
                weight *= 1.0 - params.smoothing;
            }
            if total > 0.0 {
                for k in 0..THRESHOLDS {
                    level[k] = (1.0 - params.recent_weight) * anchor[k]
                        + params.recent_weight * sum[k] / total;
                }
            }
        }

        let s = seasonal(usize::from(period.clamp(1, 13)) - 1);
        let mut cdf = [0.0; THRESHOLDS];
        let mut running = 0.0_f64;
        for k in 0..THRESHOLDS {
            // Cumulative shares must not decrease from one threshold to the next.
            running = running.max(sigmoid(level[k] + s[k]));
            cdf[k] = running;
        }
        let seasonal_years = match index {
            Some(index) if params.seasonal_weight > 0.0 => index.years,
            _ => 0,
        };
        Some(Forecast {
            cdf,
            seasonal_years,
        })
    }
}

/// Per period of the year and threshold: the mean deviation and the variance of that mean.
#[derive(Debug, Clone)]
struct SeasonalIndex {
    years: usize,
    mean: [Cdf; PERIODS],
    variance_of_mean: [Cdf; PERIODS],
}

/// One-ahead forecast errors of every grid setting, per scored period, for `select`.
#[derive(Debug, Clone, Default)]
pub struct GridScores {
    /// Per period index: (cases, per grid setting the summed RPS).
    by_period: BTreeMap<i64, (usize, Vec<f64>)>,
}

impl GridScores {
    /// Scores every grid setting one period ahead on every period of every series where the
    /// forecast and the outcome both exist: each forecast uses data strictly before its period.
    pub fn new(histories: &[SeriesHistory], grid: &[Params]) -> Self {
        let mut by_period: BTreeMap<i64, (usize, Vec<f64>)> = BTreeMap::new();
        for history in histories {
            for target in history.first + 1..history.end() {
                let Some(actual) = history.observed(target) else {
                    continue;
                };
                let Some(period) = period_of(target) else {
                    continue;
                };
                let mut indices: BTreeMap<usize, Option<SeasonalIndex>> = BTreeMap::new();
                let scores: Option<Vec<f64>> = grid
                    .iter()
                    .map(|p| {
                        let index = indices
                            .entry(p.seasonal_years)
                            .or_insert_with(|| history.seasonal_index(target, p.seasonal_years));
                        history
                            .forecast_with(target, period.period, p, index.as_ref())
                            .map(|f| rps(&f.cdf, &actual))
                    })
                    .collect();
                let Some(scores) = scores else {
                    continue;
                };
                let entry = by_period
                    .entry(target)
                    .or_insert_with(|| (0, vec![0.0; grid.len()]));
                entry.0 += 1;
                for (sum, s) in entry.1.iter_mut().zip(scores) {
                    *sum += s;
                }
            }
        }
        Self { by_period }
    }

    /// The grid position with the lowest mean RPS over the `SELECTION_WINDOW` periods before
    /// `origin` (ties to the earlier, simpler setting), or `None` with no scored period there.
    pub fn select(&self, origin: i64) -> Option<usize> {
        let mut cases = 0;
        let mut sums: Vec<f64> = Vec::new();
        for (_, (n, scores)) in self.by_period.range(origin - SELECTION_WINDOW..origin) {
            cases += n;
            if sums.is_empty() {
                sums = vec![0.0; scores.len()];
            }
            for (sum, s) in sums.iter_mut().zip(scores) {
                *sum += s;
            }
        }
        if cases == 0 {
            return None;
        }
        let mut best = 0;
        for (i, s) in sums.iter().enumerate() {
            if *s < sums[best] - 1e-15 {
                best = i;
            }
        }
        Some(best)
    }
}

/// Ranked probability score over the nine ordered ORR buckets (early, on time, <3, <5, <10,
/// <15, <20, <30, 30+): the mean over the eight cumulative thresholds of the squared difference
/// between forecast and observed cumulative shares.
pub fn rps(forecast: &Cdf, actual: &Cdf) -> f64 {
    forecast
        .iter()
        .zip(actual)
        .map(|(f, a)| (f - a).powi(2))
        .sum::<f64>()
        / THRESHOLDS as f64
}

fn to_logits(percentages: [f64; THRESHOLDS]) -> Cdf {
    percentages.map(|v| logit(v / 100.0))
}

/// Log-odds of `p`, kept finite.
pub fn logit(p: f64) -> f64 {
    let p = p.clamp(LOGIT_EPSILON, 1.0 - LOGIT_EPSILON);
    (p / (1.0 - p)).ln()
}

/// The inverse of `logit`.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::punctuality::Shares;

    fn row(year: i32, period: u8, on_time: f64, maa: Option<f64>) -> PunctualityRow {
        let shares =
            |v: f64| Shares::from_array([v / 2.0, v, 80.0, 90.0, 95.0, 98.0, 99.0, 99.5].map(Some));
        PunctualityRow {
            series: "A".into(),
            period: RailPeriod::new(year, period).unwrap(),
            stops: Some(1),
            raw: shares(on_time),
            maa: maa.map(shares).unwrap_or_default(),
            mat_stops: None,
        }
    }

    /// Four years with a P09 dip and a level that moves; the MAA is set from the second year.
    fn rows() -> Vec<PunctualityRow> {
        let mut out = Vec::new();
        for year in 2015..2019 {
            for p in 1..=13 {
                let v = 60.0 + f64::from(year - 2015) * 3.0 + f64::from(p % 4)
                    - if p == 9 { 15.0 } else { 0.0 };
                out.push(row(year, p, v, (year > 2015).then_some(v + 1.0)));
            }
        }
        out
    }

    #[test]
    fn period_numbers_are_consecutive_across_rail_years() {
        let p13 = RailPeriod::new(2024, 13).unwrap();
        assert_eq!(index_of(p13) + 1, index_of(p13.next()));
        assert_eq!(period_of(index_of(p13)), Some(p13));
    }

    #[test]
    fn a_forecast_and_the_selection_never_see_the_target_period_or_later() {
        let rows = rows();
        let target = RailPeriod::new(2018, 5).unwrap();
        let origin = index_of(target);
        let mut changed = rows.clone();
        for r in changed.iter_mut().filter(|r| r.period >= target) {
            r.raw.on_time = Some(5.0);
            r.maa.on_time = Some(5.0);
        }
        let (a, b) = (
            SeriesHistory::new(&rows).unwrap(),
            SeriesHistory::new(&changed).unwrap(),
        );
        let grid = grid();
        for params in &grid {
            assert_eq!(a.forecast(origin, 5, params), b.forecast(origin, 5, params));
        }
        let select =
            |h: &SeriesHistory| GridScores::new(std::slice::from_ref(h), &grid).select(origin);
        assert!(select(&a).is_some());
        assert_eq!(select(&a), select(&b));
    }

    #[test]
    fn a_full_seasonal_weight_carries_the_dip_and_zero_weight_removes_it() {
        let history = SeriesHistory::new(&rows()).unwrap();
        let origin = index_of(RailPeriod::new(2019, 1).unwrap());
        let params = |seasonal_weight| Params {
            recent_weight: 0.0,
            smoothing: 0.3,
            seasonal_years: 3,
            seasonal_weight,
            stability_shrinkage: false,
        };
        let on_time = |w, p| history.forecast(origin, p, &params(w)).unwrap().cdf[1];
        assert!(on_time(1.0, 9) + 0.1 < on_time(1.0, 8));
        assert_eq!(on_time(0.0, 9), on_time(0.0, 8));
        assert_eq!(
            history
                .forecast(origin, 9, &params(1.0))
                .unwrap()
                .seasonal_years,
            3
        );
        // No moving annual average before the origin: no forecast.
        assert!(
            history
                .forecast(index_of(RailPeriod::new(2015, 5).unwrap()), 5, &params(1.0))
                .is_none()
        );
    }
}
