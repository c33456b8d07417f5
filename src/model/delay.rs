//! The arrival-delay distribution: probabilities over eleven buckets of minutes late, from which
//! every exported number (on-time share, exceedances, expected delay, percentiles, Delay Repay
//! bands) is read, so they agree by construction. Also turns ORR cumulative shares into such a
//! distribution, modelling the tail beyond 30 minutes. Pure arithmetic: never does I/O or logs.

use serde::Serialize;

use crate::domain::punctuality::Shares;

/// Number of delay buckets: early, [0,1), [1,3), [3,5), [5,10), [10,15), [15,20), [20,30),
/// [30,60), [60,120), [120,∞) minutes late.
pub const BUCKET_COUNT: usize = 11;

/// The minute thresholds between buckets: bucket `k` covers `[BOUNDS[k-1], BOUNDS[k])` (bucket 0
/// is everything below 0, bucket 10 everything from 120).
pub const BOUNDS: [f64; BUCKET_COUNT - 1] =
    [0.0, 1.0, 3.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0];

/// Human labels of the buckets, in order.
pub const BUCKET_LABELS: [&str; BUCKET_COUNT] = [
    "early", "0-1", "1-3", "3-5", "5-10", "10-15", "15-20", "20-30", "30-60", "60-120", "120+",
];

/// Modelled span of the two open-ended buckets. Delay is taken as uniform inside every bucket;
/// the early bucket is assumed to span [-2, 0) (mean 1 minute early) and the 120+ bucket
/// [120, 180) (mean 150 minutes). Both are assumptions, not data: ORR publishes neither.
const EARLY_FLOOR: f64 = -2.0;
const LONG_CEILING: f64 = 180.0;

/// Shortest and longest half-life (minutes) allowed for the exponential tail beyond 30 minutes.
/// A 15/20/30-minute fit steeper than halving every 8 minutes would make 60+ delays implausibly
/// rare; flatter than 45 minutes would make them implausibly common.
const MIN_TAIL_HALF_LIFE: f64 = 8.0;
const MAX_TAIL_HALF_LIFE: f64 = 45.0;

/// Smallest exceedance share used inside a logarithm, so a perfect record does not give ln 0.
const TINY: f64 = 1e-9;

/// Probabilities of arriving in each delay bucket (see [`BUCKET_LABELS`]); sums to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DelayDistribution {
    /// Probability of each bucket, in bucket order.
    probabilities: [f64; BUCKET_COUNT],
}

/// The Delay Repay compensation bands, read from the distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DelayRepayBands {
    /// P(15 to 29 minutes late).
    pub p15_29: f64,
    /// P(30 to 59 minutes late).
    pub p30_59: f64,
    /// P(60 to 119 minutes late).
    pub p60_119: f64,
    /// P(120 or more minutes late).
    pub p120_plus: f64,
}

/// How the tail beyond 30 minutes was modelled from the 15/20/30-minute shares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TailFit {
    /// Exponential decay rate of P(≥ t) per minute beyond 30 minutes.
    pub rate_per_minute: f64,
    /// Whether the fitted rate was clamped to the allowed half-life range.
    pub clamped: bool,
}

impl DelayDistribution {
    /// Builds a distribution from non-negative bucket weights, normalised to sum to 1; `None`
    /// when the weights are not finite or sum to zero.
    pub fn from_weights(weights: [f64; BUCKET_COUNT]) -> Option<Self> {
        if weights.iter().any(|w| !w.is_finite()) {
            return None;
        }
        let clamped = weights.map(|w| w.max(0.0));
        let total: f64 = clamped.iter().sum();
        (total > 0.0).then(|| Self {
            probabilities: clamped.map(|w| w / total),
        })
    }

    /// Builds a distribution from the cumulative shares P(< b) at each of [`BOUNDS`] (fractions);
    /// values are clamped to [0, 1] and made non-decreasing first (a running maximum).
    pub fn from_cumulative(below: [f64; BUCKET_COUNT - 1]) -> Self {
        let mut cdf = [0.0; BUCKET_COUNT + 1];
        let mut running = 0.0_f64;
        for (slot, value) in cdf[1..BUCKET_COUNT].iter_mut().zip(below) {
            let value = if value.is_finite() {
                value.clamp(0.0, 1.0)
            } else {
                running
            };
            running = running.max(value);
            *slot = running;
        }
        cdf[BUCKET_COUNT] = 1.0;
        let mut probabilities = [0.0; BUCKET_COUNT];
        for (k, p) in probabilities.iter_mut().enumerate() {
            *p = cdf[k + 1] - cdf[k];
        }
        Self { probabilities }
    }

    /// Turns ORR cumulative percentages into a distribution, modelling [30,60), [60,120) and
    /// 120+ with an exponential tail (see [`fit_tail`]); `None` if any share is missing.
    pub fn from_orr_shares(shares: &Shares) -> Option<(Self, TailFit)> {
        shares.complete().map(Self::from_orr_percentages)
    }

    /// As [`Self::from_orr_shares`], from the eight cumulative percentages (early, on time, and
    /// within 3, 5, 10, 15, 20, 30 minutes).
    pub fn from_orr_percentages(pct: [f64; 8]) -> (Self, TailFit) {
        let mut below = [0.0; BUCKET_COUNT - 1];
        let mut running = 0.0_f64;
        for (slot, value) in below.iter_mut().zip(pct) {
            // ORR rounds each share on its own, so a later one can dip 0.01 below an earlier one.
            let value = if value.is_finite() { value } else { 0.0 };
            running = running.max((value / 100.0).clamp(0.0, 1.0));
            *slot = running;
        }
        let tail = fit_tail(1.0 - below[5], 1.0 - below[6], 1.0 - below[7]);
        let s30 = 1.0 - below[7];
        below[8] = 1.0 - s30 * (-30.0 * tail.rate_per_minute).exp();
        below[9] = 1.0 - s30 * (-90.0 * tail.rate_per_minute).exp();
        (Self::from_cumulative(below), tail)
    }

    /// The bucket probabilities, in the order of [`BUCKET_LABELS`].
    pub fn probabilities(&self) -> [f64; BUCKET_COUNT] {
        self.probabilities
    }

    /// Cumulative shares P(< b) at each of [`BOUNDS`].
    pub fn cumulative(&self) -> [f64; BUCKET_COUNT - 1] {
        let mut below = [0.0; BUCKET_COUNT - 1];
        let mut running = 0.0;
        for (slot, p) in below.iter_mut().zip(self.probabilities) {
            running += p;
            *slot = running.min(1.0);
        }
        below
    }

    /// P(arriving less than one minute late), early arrivals included.
    pub fn p_on_time(&self) -> f64 {
        self.cdf(1.0)
    }

    /// P(arriving at least `minutes` late); exact at bucket bounds (1, 3, 5, 10, 15, 20, 30, 60,
    /// 120), linearly interpolated between them.
    pub fn p_at_least(&self, minutes: f64) -> f64 {
        (1.0 - self.cdf(minutes)).clamp(0.0, 1.0)
    }

    /// P(arriving less than `minutes` late), assuming delay is uniform within each bucket.
    fn cdf(&self, minutes: f64) -> f64 {
        let mut below = 0.0;
        for (k, p) in self.probabilities.iter().enumerate() {
            let (lo, hi) = bucket_span(k);
            if minutes >= hi {
                below += p;
            } else {
                if minutes > lo {
                    below += p * (minutes - lo) / (hi - lo);
                }
                break;
            }
        }
        below.clamp(0.0, 1.0)
    }

    /// Expected minutes late, a MODELLED figure: each bucket counts at its mid-point, with early
    /// arrivals at −1 minute and the 120+ bucket at 150 minutes (neither is published by ORR).
    pub fn expected_delay_minutes(&self) -> f64 {
        self.probabilities
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let (lo, hi) = bucket_span(k);
                p * (lo + hi) / 2.0
            })
            .sum()
    }

    /// The `q`-quantile of minutes late (`q` clamped to [0, 1]), interpolated linearly inside the
    /// bucket where the cumulative share reaches `q`.
    pub fn percentile(&self, q: f64) -> f64 {
        let q = if q.is_finite() {
            q.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let mut below = 0.0;
        let mut last_hi = EARLY_FLOOR;
        for (k, p) in self.probabilities.iter().enumerate() {
            if *p <= 0.0 {
                continue;
            }
            let (lo, hi) = bucket_span(k);
            if below + p >= q {
                return lo + ((q - below) / p).clamp(0.0, 1.0) * (hi - lo);
            }
            below += p;
            last_hi = hi;
        }
        last_hi
    }

    /// The Delay Repay bands 15–29, 30–59, 60–119 and 120+ minutes.
    pub fn band_probabilities(&self) -> DelayRepayBands {
        let p = self.probabilities;
        DelayRepayBands {
            p15_29: p[6] + p[7],
            p30_59: p[8],
            p60_119: p[9],
            p120_plus: p[10],
        }
    }

    /// Multiplies the odds of every exceedance P(≥ t), t ≥ 1 minute, by `factor` and keeps the
    /// early share's proportion of the on-time share. The odds map is increasing, so exceedances
    /// stay ordered and every probability stays in [0, 1] (unlike multiplying probabilities).
    pub fn with_lateness_odds(&self, factor: f64) -> Self {
        if !factor.is_finite() || factor <= 0.0 || (factor - 1.0).abs() < 1e-12 {
            return *self;
        }
        let below = self.cumulative();
        let mut adjusted = below;
        for (slot, b) in adjusted.iter_mut().zip(below).skip(1) {
            let s = 1.0 - b;
            let scaled = factor * s / (1.0 - s + factor * s);
            *slot = 1.0 - scaled;
        }
        // Early arrivals keep their share of the sub-one-minute group.
        adjusted[0] = if below[1] > 0.0 {
            adjusted[1] * below[0] / below[1]
        } else {
            0.0
        };
        Self::from_cumulative(adjusted)
    }

    /// Dirichlet–multinomial posterior mean: (counts + m·self) / (n + m), with `m` pseudo-observations.
    pub fn updated_with_counts(&self, counts: [f64; BUCKET_COUNT], prior_strength: f64) -> Self {
        let m = if prior_strength.is_finite() {
            prior_strength.max(0.0)
        } else {
            0.0
        };
        let counts = counts.map(|c| if c.is_finite() { c.max(0.0) } else { 0.0 });
        let n: f64 = counts.iter().sum();
        if n <= 0.0 {
            return *self;
        }
        let mut weights = [0.0; BUCKET_COUNT];
        for (k, w) in weights.iter_mut().enumerate() {
            *w = (counts[k] + m * self.probabilities[k]) / (n + m);
        }
        Self::from_weights(weights).unwrap_or(*self)
    }
}

/// The modelled [lo, hi) minutes of bucket `k`.
fn bucket_span(k: usize) -> (f64, f64) {
    let lo = if k == 0 { EARLY_FLOOR } else { BOUNDS[k - 1] };
    let hi = if k == BUCKET_COUNT - 1 {
        LONG_CEILING
    } else {
        BOUNDS[k]
    };
    (lo, hi)
}

/// Fits P(≥ t) = A·exp(−λt) through the exceedances at 15, 20 and 30 minutes by least squares
/// on ln P (slope λ = −Σ(t−t̄)(ln S−mean)/Σ(t−t̄)²), then clamps λ so the half-life ln 2/λ lies
/// in [8, 45] minutes. The tail beyond 30 minutes is then P(≥ 30)·exp(−λ(t − 30)): anchored on
/// the published 30-minute share, shaped by the 15–30 minute decay. This is a model, not data.
pub fn fit_tail(s15: f64, s20: f64, s30: f64) -> TailFit {
    let points = [(15.0, s15), (20.0, s20), (30.0, s30)];
    let mean_t = points.iter().map(|(t, _)| t).sum::<f64>() / 3.0;
    let logs = points.map(|(t, s)| (t, s.max(TINY).ln()));
    let mean_log = logs.iter().map(|(_, l)| l).sum::<f64>() / 3.0;
    let num: f64 = logs
        .iter()
        .map(|(t, l)| (t - mean_t) * (l - mean_log))
        .sum();
    let den: f64 = logs.iter().map(|(t, _)| (t - mean_t).powi(2)).sum();
    let fitted = -num / den;
    let fastest = std::f64::consts::LN_2 / MIN_TAIL_HALF_LIFE;
    let slowest = std::f64::consts::LN_2 / MAX_TAIL_HALF_LIFE;
    let rate = if fitted.is_finite() {
        fitted.clamp(slowest, fastest)
    } else {
        fastest
    };
    TailFit {
        rate_per_minute: rate,
        clamped: !(fitted.is_finite() && (slowest..=fastest).contains(&fitted)),
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    fn shares(values: [f64; 8]) -> Shares {
        Shares::from_array(values.map(Some))
    }

    /// Avanti West Coast's moving annual average to 2024-25 P13 (ORR 3138).
    fn avanti() -> DelayDistribution {
        DelayDistribution::from_orr_shares(&shares([
            20.13, 39.88, 59.31, 69.44, 81.62, 87.68, 91.46, 95.71,
        ]))
        .unwrap()
        .0
    }

    fn assert_invariants(d: &DelayDistribution) {
        let p = d.probabilities();
        let total: f64 = p.iter().sum();
        assert!((total - 1.0).abs() < 1e-9, "sums to {total}: {p:?}");
        assert!(p.iter().all(|x| (0.0..=1.0).contains(x)), "{p:?}");
        let mut previous = 1.0;
        for t in [0.0, 1.0, 3.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0] {
            let s = d.p_at_least(t);
            assert!(s <= previous + 1e-12, "P(>={t}) = {s} above {previous}");
            previous = s;
        }
        assert!((d.p_on_time() + d.p_at_least(1.0) - 1.0).abs() < 1e-9);
        let mut previous = f64::NEG_INFINITY;
        for q in 0..=100 {
            let x = d.percentile(f64::from(q) / 100.0);
            assert!(x >= previous - 1e-9, "percentile not monotone at {q}");
            previous = x;
        }
        let b = d.band_probabilities();
        assert!((b.p15_29 + b.p30_59 + b.p60_119 + b.p120_plus - d.p_at_least(15.0)).abs() < 1e-9);
    }

    #[test]
    fn orr_shares_are_reproduced_exactly_up_to_thirty_minutes() {
        let d = avanti();
        assert!((d.p_on_time() - 0.3988).abs() < 1e-12);
        assert!((d.p_at_least(5.0) - (1.0 - 0.6944)).abs() < 1e-12);
        assert!((d.p_at_least(15.0) - (1.0 - 0.8768)).abs() < 1e-12);
        assert!((d.p_at_least(30.0) - (1.0 - 0.9571)).abs() < 1e-12);
        assert!((d.probabilities()[0] - 0.2013).abs() < 1e-12);
    }

    #[test]
    fn the_modelled_tail_is_plausible_and_thinning() {
        let d = avanti();
        let (s30, s60, s120) = (d.p_at_least(30.0), d.p_at_least(60.0), d.p_at_least(120.0));
        assert!(s60 < s30 && s120 < s60, "{s30} {s60} {s120}");
        assert!(s60 > 0.0 && s60 > s30 * 0.05, "60+ not vanishing: {s60}");
        assert!(s120 < s30 * 0.1, "120+ small: {s120}");
    }

    #[test]
    fn the_tail_fit_recovers_an_exact_exponential_and_clamps_a_flat_one() {
        let rate: f64 = 0.05;
        let fit = fit_tail(
            (-15.0 * rate).exp(),
            (-20.0 * rate).exp(),
            (-30.0 * rate).exp(),
        );
        assert!((fit.rate_per_minute - rate).abs() < 1e-12);
        assert!(!fit.clamped);
        let flat = fit_tail(0.01, 0.01, 0.01);
        assert!(flat.clamped);
        assert!((flat.rate_per_minute - std::f64::consts::LN_2 / 45.0).abs() < 1e-12);
        let none = fit_tail(0.0, 0.0, 0.0);
        assert!(none.rate_per_minute.is_finite());
    }

    #[test]
    fn a_perfect_record_has_no_tail() {
        let (d, _) = DelayDistribution::from_orr_shares(&shares([100.0; 8])).unwrap();
        assert_eq!(d.p_at_least(1.0), 0.0);
        assert_eq!(d.p_at_least(60.0), 0.0);
        assert_invariants(&d);
    }

    #[test]
    fn invariants_hold_over_many_random_distributions_and_adjustments() {
        let mut rng = StdRng::seed_from_u64(42);
        for _ in 0..2_000 {
            let mut cumulative = [0.0; 8];
            let mut running = 0.0;
            for slot in &mut cumulative {
                running += rng.random::<f64>() * (100.0 - running) * 0.7;
                *slot = running;
            }
            let (d, _) = DelayDistribution::from_orr_shares(&shares(cumulative)).unwrap();
            assert_invariants(&d);
            let factor = 0.2 + rng.random::<f64>() * 3.0;
            assert_invariants(&d.with_lateness_odds(factor));
            let counts = [0; BUCKET_COUNT].map(|_: i32| (rng.random::<f64>() * 20.0).floor());
            assert_invariants(&d.updated_with_counts(counts, rng.random::<f64>() * 100.0));
        }
    }

    #[test]
    fn odds_factors_above_one_make_every_exceedance_larger_but_below_one() {
        let d = avanti();
        let worse = d.with_lateness_odds(1.15);
        for t in [1.0, 3.0, 5.0, 10.0, 30.0, 60.0] {
            assert!(worse.p_at_least(t) > d.p_at_least(t));
            assert!(worse.p_at_least(t) < 1.0);
        }
        // Odds 0.3013/0.6987 ×1.15 → P(≥30)... check one value by hand at 5 minutes.
        let s = 1.0 - 0.6944;
        let expected = 1.15 * s / (1.0 - s + 1.15 * s);
        assert!((worse.p_at_least(5.0) - expected).abs() < 1e-12);
        let better = d.with_lateness_odds(0.9);
        assert!(better.p_at_least(5.0) < d.p_at_least(5.0));
        assert!(better.probabilities()[0] > d.probabilities()[0]);
    }

    #[test]
    fn percentiles_interpolate_inside_buckets() {
        let d = DelayDistribution::from_weights([
            0.0, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        ])
        .unwrap();
        assert!((d.percentile(0.25) - 0.5).abs() < 1e-12);
        assert!((d.percentile(0.5) - 1.0).abs() < 1e-12);
        assert!((d.percentile(0.75) - 2.0).abs() < 1e-12);
        assert!((d.expected_delay_minutes() - 1.25).abs() < 1e-12);
        let a = avanti();
        assert!(a.percentile(0.5) < a.percentile(0.8) && a.percentile(0.8) < a.percentile(0.95));
    }

    #[test]
    fn evidence_pulls_the_posterior_toward_the_counts() {
        let prior = avanti();
        let mut counts = [0.0; BUCKET_COUNT];
        counts[1] = 200.0;
        let post = prior.updated_with_counts(counts, 50.0);
        let expected = (200.0 + 50.0 * prior.probabilities()[1]) / 250.0;
        assert!((post.probabilities()[1] - expected).abs() < 1e-12);
        assert!(post.p_at_least(5.0) < prior.p_at_least(5.0));
        assert_eq!(prior.updated_with_counts([0.0; BUCKET_COUNT], 50.0), prior);
    }
}
