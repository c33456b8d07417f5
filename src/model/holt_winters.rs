//! The reference forecaster of the backtest: damped Holt-Winters with additive seasonality
//! (period 13) on the log-odds of each cumulative ORR share, its smoothing constants fitted per
//! series and origin by in-sample one-step squared error. A textbook method written out here
//! (see `backtest` for why no crate), used only to score the operator forecast against; the
//! live prediction path never uses it. Pure arithmetic; never does I/O.

use crate::model::forecast::{Cdf, SeriesHistory, THRESHOLDS, logit, sigmoid};

/// Season length: 13 rail periods a year.
const SEASON: usize = 13;

/// The smoothing constants tried when fitting (level, trend, season, damping).
const ALPHAS: [f64; 3] = [0.1, 0.3, 0.5];
const BETAS: [f64; 2] = [0.01, 0.1];
const GAMMAS: [f64; 2] = [0.05, 0.2];
const PHIS: [f64; 2] = [0.9, 0.98];

/// The series' shares (log-odds) from its first period up to just before `origin`.
fn observations(history: &SeriesHistory, origin: i64) -> Vec<Option<[f64; THRESHOLDS]>> {
    let first = history.first_index();
    (first..origin.min(history.end()))
        .map(|i| history.observed(i).map(|c| c.map(logit)))
        .collect()
}

/// One-period-ahead forecast at `origin` from data strictly before it: for each threshold a
/// damped Holt-Winters run over the series, with the (α, β, γ, φ) of the grid that had the
/// smallest in-sample one-step squared error summed over the thresholds. `None` with fewer
/// than two complete years to start from.
pub fn forecast(history: &SeriesHistory, origin: i64) -> Option<Cdf> {
    let x = observations(history, origin);
    // Start where two consecutive complete years are available.
    let start = (0..x.len().checked_sub(2 * SEASON - 1)?)
        .find(|&s| x[s..s + 2 * SEASON].iter().all(Option::is_some))?;
    let x = &x[start..];
    let mut best: Option<(f64, [f64; THRESHOLDS])> = None;
    for alpha in ALPHAS {
        for beta in BETAS {
            for gamma in GAMMAS {
                for phi in PHIS {
                    let mut sse = 0.0;
                    let mut next = [0.0; THRESHOLDS];
                    for (k, slot) in next.iter_mut().enumerate() {
                        let series: Vec<Option<f64>> = x.iter().map(|v| v.map(|c| c[k])).collect();
                        let (error, forecast) = run(&series, alpha, beta, gamma, phi);
                        sse += error;
                        *slot = forecast;
                    }
                    if best.is_none_or(|(b, _)| sse < b) {
                        best = Some((sse, next));
                    }
                }
            }
        }
    }
    let (_, next) = best?;
    let mut cdf = [0.0; THRESHOLDS];
    let mut running = 0.0_f64;
    for (slot, v) in cdf.iter_mut().zip(next) {
        running = running.max(sigmoid(v));
        *slot = running;
    }
    Some(cdf)
}

/// Runs the recursions over `x` (the first two years complete) and returns the one-step squared
/// error summed after the first two years, and the forecast for the period after the last.
fn run(x: &[Option<f64>], alpha: f64, beta: f64, gamma: f64, phi: f64) -> (f64, f64) {
    let value = |i: usize| x[i].unwrap_or_default();
    let year_mean = |from: usize| (from..from + SEASON).map(value).sum::<f64>() / SEASON as f64;
    let (first, second) = (year_mean(0), year_mean(SEASON));
    let mut level = first;
    let mut trend = (second - first) / SEASON as f64;
    let mut season: Vec<f64> = (0..SEASON).map(|i| value(i) - first).collect();
    let mut sse = 0.0;
    for (t, observed) in x.iter().enumerate().skip(SEASON) {
        let s = season[t % SEASON];
        let predicted = level + phi * trend + s;
        match observed {
            Some(v) => {
                if t >= 2 * SEASON {
                    sse += (v - predicted).powi(2);
                }
                let (previous, damped) = (level, phi * trend);
                level = alpha * (v - s) + (1.0 - alpha) * (previous + damped);
                trend = beta * (level - previous) + (1.0 - beta) * damped;
                season[t % SEASON] = gamma * (v - previous - damped) + (1.0 - gamma) * s;
            }
            None => {
                // A period without figures carries the state forward unchanged.
                level += phi * trend;
                trend *= phi;
            }
        }
    }
    (sse, level + phi * trend + season[x.len() % SEASON])
}
