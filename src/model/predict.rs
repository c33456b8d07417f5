//! One prediction per request: seasonal operator prior → time-of-day and day-type odds factors →
//! route evidence → one distribution, from which every exported number, the confidence label
//! and the explanation are read. Pure: the caller loads priors and counts; nothing here does I/O.

use serde::{Deserialize, Serialize, Serializer};
use time::macros::format_description;
use time::{Date, PrimitiveDateTime};

pub use crate::domain::day_type::DayType;
use crate::domain::rail_period::RailPeriod;
use crate::model::delay::{DelayDistribution, DelayRepayBands};
use crate::model::evidence::{Confidence, PriorSource, RouteEvidence};
use crate::model::seasonality::{OperatorPriors, SeasonalShares};

/// Default Dirichlet prior strength: the operator prior counts as 50 route observations.
pub const DEFAULT_PRIOR_STRENGTH: f64 = 50.0;

/// Observations at the requested hour and day type from which the route's own profile replaces
/// the default time and day factors (the LOW-confidence threshold: fewer is anecdote).
pub const ROUTE_PROFILE_MIN_OBSERVATIONS: u64 = 10;

/// Weekday departure hours counted as peak: 06:00–09:59 and 16:00–18:59.
const PEAK_HOURS: [std::ops::RangeInclusive<u8>; 2] = [6..=9, 16..=18];

/// Default odds factors for lateness, relative to the operator's all-day, all-week average.
/// They are assumptions, not measurements, and are reported with every prediction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AdjustmentFactors {
    /// Weekday peak (06:00–09:59, 16:00–18:59): crowded platforms and dense timetables.
    pub weekday_peak: f64,
    /// Weekday off-peak.
    pub weekday_off_peak: f64,
    /// Saturday (lighter timetable; no commuter peak, so no time-of-day factor).
    pub saturday: f64,
    /// Sunday (lighter timetable, but engineering work; kept equal to Saturday by default).
    pub sunday: f64,
    /// Bank holiday: Sunday-like service, so the Sunday factor by default.
    pub bank_holiday: f64,
    /// Boxing Day: very limited service where any runs; the Sunday factor by default.
    pub boxing_day: f64,
    /// 27–31 December: reduced timetables without a commuter peak; the Sunday factor by default.
    pub christmas_to_new_year: f64,
}

impl Default for AdjustmentFactors {
    fn default() -> Self {
        Self {
            weekday_peak: 1.15,
            weekday_off_peak: 1.0,
            saturday: 0.9,
            sunday: 0.9,
            bank_holiday: 0.9,
            boxing_day: 0.9,
            christmas_to_new_year: 0.9,
        }
    }
}

impl AdjustmentFactors {
    /// The time-of-day factor: the peak or off-peak factor on ordinary weekdays, 1.0 on every
    /// other day type (no commuter peak).
    pub fn time_factor(&self, day_type: DayType, hour: u8) -> f64 {
        match day_type {
            DayType::Weekday if is_peak(hour) => self.weekday_peak,
            DayType::Weekday => self.weekday_off_peak,
            _ => 1.0,
        }
    }

    /// The day-type factor: 1.0 on weekdays.
    pub fn day_factor(&self, day_type: DayType) -> f64 {
        match day_type {
            DayType::Weekday => 1.0,
            DayType::Saturday => self.saturday,
            DayType::Sunday => self.sunday,
            DayType::BankHoliday => self.bank_holiday,
            DayType::BoxingDay => self.boxing_day,
            DayType::ChristmasToNewYear => self.christmas_to_new_year,
        }
    }
}

/// Whether a weekday departure hour falls in the peak.
pub fn is_peak(hour: u8) -> bool {
    PEAK_HOURS.iter().any(|range| range.contains(&hour))
}

/// Everything a prediction depends on: the cache key's inputs plus the loaded figures.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionInput {
    /// Operator name for the explanation, e.g. "Avanti West Coast".
    pub operator_name: String,
    /// The ORR priors used (the operator's own, or a national series).
    pub priors: OperatorPriors,
    /// Whether `priors` are the operator's own figures or national ones.
    pub prior_source: PriorSource,
    /// The departure's rail period (its period number picks the seasonal index).
    pub rail_period: RailPeriod,
    /// The departure's day type.
    pub day_type: DayType,
    /// The departure hour, 0..=23.
    pub hour: u8,
    /// Last day of the ORR data behind the priors, if known.
    pub data_through: Option<Date>,
    /// The route's history (empty when there is none).
    pub evidence: RouteEvidence,
    /// Dirichlet prior strength m, in pseudo-observations.
    pub prior_strength: f64,
    /// Default time and day factors.
    pub factors: AdjustmentFactors,
    /// The operator's recorded ORR shares for the departure's own rail period, when that period
    /// is loaded: the prediction then rests on the record instead of the seasonal forecast.
    pub observed: Option<[f64; 8]>,
}

impl PredictionInput {
    /// An input for a departure with no route history, default factors and prior strength.
    pub fn new(
        operator_name: impl Into<String>,
        priors: OperatorPriors,
        prior_source: PriorSource,
        departure: PrimitiveDateTime,
    ) -> Self {
        Self {
            operator_name: operator_name.into(),
            priors,
            prior_source,
            rail_period: RailPeriod::containing(departure.date()),
            day_type: DayType::of(departure.date()),
            hour: departure.hour(),
            data_through: None,
            evidence: RouteEvidence::none(),
            prior_strength: DEFAULT_PRIOR_STRENGTH,
            factors: AdjustmentFactors::default(),
            observed: None,
        }
    }
}

/// Delay percentiles in minutes late (negative = early), rounded to 0.1 minute.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DelayPercentiles {
    /// Median minutes late.
    pub p50: f64,
    /// 80th percentile.
    pub p80: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// The model's answer: the distribution and every number read from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// The full arrival-delay distribution (unrounded).
    pub distribution: DelayDistribution,
    /// P(less than 1 minute late, early included), 3 decimals.
    pub on_time_probability: f64,
    /// P(5 or more minutes late), 3 decimals.
    pub delay_5_probability: f64,
    /// P(10 or more minutes late), 3 decimals.
    pub delay_10_probability: f64,
    /// P(15 or more minutes late), 3 decimals.
    pub delay_15_probability: f64,
    /// P(30 or more minutes late), 3 decimals.
    pub delay_30_probability: f64,
    /// P(60 or more minutes late), 3 decimals (modelled tail).
    pub delay_60_probability: f64,
    /// Expected minutes late (modelled within buckets), 1 decimal.
    pub expected_delay_minutes: f64,
    /// Percentiles of minutes late.
    pub delay_percentiles: DelayPercentiles,
    /// Delay Repay band probabilities (unrounded, for fare arithmetic).
    pub delay_repay_bands: DelayRepayBands,
    /// How much route evidence stands behind the answer.
    pub confidence: Confidence,
    /// Route observations used.
    pub sample_size: u64,
    /// Time-of-day odds factor applied (1.0 when the route's own profile was used).
    pub time_adjustment_factor: f64,
    /// Day-type odds factor applied (1.0 when the route's own profile was used).
    pub day_adjustment_factor: f64,
    /// Whether the route's own hour/day-type history replaced the default factors.
    pub route_profile_used: bool,
    /// Which ORR series the prior came from.
    pub prior_source: PriorSource,
    /// The departure's rail period, e.g. "2025-26 P09".
    #[serde(serialize_with = "as_label")]
    pub rail_period: RailPeriod,
    /// Whether a seasonal index was applied to the operator's level.
    pub seasonal: bool,
    /// Whether the prior is the recorded figure of the departure's own period (not a forecast).
    pub observed_period: bool,
    /// Whether the route evidence was synthetic (simulated).
    pub synthetic_evidence: bool,
    /// Short statements of every assumption made.
    pub assumptions: Vec<String>,
    /// One or two plain-English sentences built from the same numbers.
    pub explanation: String,
}

/// What a prediction rests on (`basis.source`, and the `source` label of
/// `prediction_basis_total`).
// A new source is a new variant here and its spelling below: `ALL` (the metrics series), the
// label and the OpenAPI enum follow from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BasisSource {
    /// The ORR record of the departure's own rail period.
    ObservedPeriod,
    /// The route's own history (real runs).
    RouteHistory,
    /// The route's history, simulated runs among it.
    SyntheticRouteHistory,
    /// The operator's ORR figures alone.
    OperatorStatistics,
    /// National ORR figures alone.
    NationalStatistics,
    /// No direct service: the best planned itinerary's legs (set by the service, which plans).
    JourneyLegs,
}

crate::domain::spelled!(BasisSource {
    ObservedPeriod => "observed_period",
    RouteHistory => "route_history",
    SyntheticRouteHistory => "synthetic_route_history",
    OperatorStatistics => "operator_statistics",
    NationalStatistics => "national_statistics",
    JourneyLegs => "journey_legs",
});

impl Prediction {
    /// What this prediction rests on: its own period's record, else route history when any was
    /// used, else the prior's series.
    pub fn basis_source(&self) -> BasisSource {
        match (
            self.sample_size > 0,
            self.synthetic_evidence,
            self.prior_source,
        ) {
            _ if self.observed_period => BasisSource::ObservedPeriod,
            (true, true, _) => BasisSource::SyntheticRouteHistory,
            (true, false, _) => BasisSource::RouteHistory,
            (false, _, PriorSource::Operator) => BasisSource::OperatorStatistics,
            (false, _, PriorSource::National) => BasisSource::NationalStatistics,
        }
    }
}

fn as_label<S: Serializer>(period: &RailPeriod, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(period)
}

/// Computes the prediction for one request (pure and deterministic).
pub fn predict(input: &PredictionInput) -> Prediction {
    let mut assumptions = Vec::new();

    // 1. Operator prior: the record of the departure's own period when it is loaded, else the
    // forecast for that period of the year.
    let season = match input.observed {
        Some(percentages) => SeasonalShares {
            percentages,
            seasonal: false,
        },
        None => input.priors.seasonal_shares(input.rail_period.period),
    };
    let (prior, tail) = DelayDistribution::from_orr_percentages(season.percentages);
    assumptions.push(format!(
        "tail beyond 30 minutes modelled (exponential fit to ORR 15/20/30-minute shares, half-life {:.0} min{})",
        std::f64::consts::LN_2 / tail.rate_per_minute,
        if tail.clamped { ", clamped to 8-45 min" } else { "" }
    ));
    assumptions.push(
        "delays spread evenly within each bucket; early arrivals count as 1 minute early and 120+ as 150 minutes (modelled)".into(),
    );
    assumptions.push(if input.observed.is_some() {
        format!(
            "the ORR record of rail period {} itself is used (what happened across the operator's trains then), not a forecast",
            input.rail_period
        )
    } else if season.seasonal {
        format!(
            "operator forecast for period {:02}: the level (latest moving annual average blended with recent periods) moved by recent years' P{:02} seasonal index, shrunk toward none, on the odds scale; its weights chosen by a rolling-origin backtest on earlier periods",
            input.rail_period.period, input.rail_period.period
        )
    } else {
        "no seasonal pattern (too little history, or the backtest selected none): the operator's level used for every period"
            .into()
    });
    assumptions.push(
        "ORR figures cover all recorded station stops (not only the destination) and exclude cancelled trains".into(),
    );
    if input.prior_source == PriorSource::National {
        // Why the operator's own figures do not apply is the caller's to say (it knows whether
        // no operator is known or a known one lacks figures).
        assumptions
            .push("national ORR figures (Great Britain) used in place of an operator's own".into());
    }

    // 2. The route's other hours set its level; default factors shape the requested slot
    // unless the route has enough history at that hour and day type to speak for itself.
    let evidence = &input.evidence;
    let rest = evidence.overall.saturating_sub(&evidence.slot);
    let level = prior.updated_with_counts(rest.bucket_counts(), input.prior_strength);
    let route_profile_used = evidence.slot.n >= ROUTE_PROFILE_MIN_OBSERVATIONS;
    let (time_factor, day_factor) = if route_profile_used {
        assumptions.push(
            "the route's own history for this hour and day type replaces the default time and day factors (reported as 1.0)".into(),
        );
        (1.0, 1.0)
    } else {
        let time_factor = input.factors.time_factor(input.day_type, input.hour);
        let day_factor = input.factors.day_factor(input.day_type);
        if (time_factor - 1.0).abs() > 1e-12 {
            assumptions.push(format!(
                "peak factor {time_factor:.2} on the odds of lateness (weekdays 06:00-09:59, 16:00-18:59) is a default assumption"
            ));
        }
        if (day_factor - 1.0).abs() > 1e-12 {
            assumptions.push(format!(
                "{} factor {day_factor:.2} on the odds of lateness is a default assumption",
                input.day_type.as_str()
            ));
        }
        (time_factor, day_factor)
    };
    let shaped = level.with_lateness_odds(time_factor * day_factor);
    let distribution =
        shaped.updated_with_counts(evidence.slot.bucket_counts(), input.prior_strength);

    let sample_size = evidence.sample_size();
    if sample_size > 0 {
        assumptions.push(format!(
            "route history combined with the prior as a Dirichlet-multinomial update (prior strength {:.0} pseudo-observations)",
            input.prior_strength
        ));
    }
    if evidence.synthetic && sample_size > 0 {
        assumptions.push(
            "route history is synthetic (simulated), not real observations; it does not raise confidence above LOW"
                .into(),
        );
    }

    // 3. Exported numbers, rounded so that the published invariants still hold.
    let figures = figures(&distribution);
    // Simulated runs exercise the route-history path but are not evidence about the railway:
    // they never lift confidence above what the prior alone earns.
    let confidence = if input.evidence.synthetic {
        Confidence::from_evidence(sample_size, input.prior_source).min(Confidence::Low)
    } else {
        Confidence::from_evidence(sample_size, input.prior_source)
    };
    // A period's record is what happened across the operator's trains, not a forecast: one step
    // above the prior alone. It is still not this train's own run, so never HIGH on its own.
    let confidence = if input.observed.is_some() {
        let recorded = match input.prior_source {
            PriorSource::Operator => Confidence::Medium,
            PriorSource::National => Confidence::Low,
        };
        confidence.max(recorded)
    } else {
        confidence
    };
    let explanation = explain(
        input,
        figures.delay_5_probability,
        season.seasonal,
        confidence,
    );

    Prediction {
        distribution,
        on_time_probability: figures.on_time_probability,
        delay_5_probability: figures.delay_5_probability,
        delay_10_probability: figures.delay_10_probability,
        delay_15_probability: figures.delay_15_probability,
        delay_30_probability: figures.delay_30_probability,
        delay_60_probability: figures.delay_60_probability,
        expected_delay_minutes: figures.expected_delay_minutes,
        delay_percentiles: figures.delay_percentiles,
        delay_repay_bands: figures.delay_repay_bands,
        confidence,
        sample_size,
        time_adjustment_factor: time_factor,
        day_adjustment_factor: day_factor,
        route_profile_used,
        prior_source: input.prior_source,
        rail_period: input.rail_period,
        seasonal: season.seasonal,
        observed_period: input.observed.is_some(),
        synthetic_evidence: evidence.synthetic && sample_size > 0,
        assumptions,
        explanation,
    }
}

/// The published numbers of a distribution, rounded so that its invariants survive rounding:
/// what a prediction exports, and what a planned journey's arrival delay exports too.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Figures {
    /// P(less than 1 minute late, early included), 3 decimals.
    pub on_time_probability: f64,
    /// P(5 or more minutes late), 3 decimals.
    pub delay_5_probability: f64,
    /// P(10 or more minutes late), 3 decimals.
    pub delay_10_probability: f64,
    /// P(15 or more minutes late), 3 decimals.
    pub delay_15_probability: f64,
    /// P(30 or more minutes late), 3 decimals.
    pub delay_30_probability: f64,
    /// P(60 or more minutes late), 3 decimals.
    pub delay_60_probability: f64,
    /// Expected minutes late (modelled within buckets), 1 decimal.
    pub expected_delay_minutes: f64,
    /// Percentiles of minutes late, 1 decimal.
    pub delay_percentiles: DelayPercentiles,
    /// Delay Repay band probabilities (unrounded, for fare arithmetic).
    pub delay_repay_bands: DelayRepayBands,
}

/// Reads the published numbers off a distribution (see [`Figures`]).
pub fn figures(distribution: &DelayDistribution) -> Figures {
    let delay = |minutes: f64| round_to(distribution.p_at_least(minutes), 3);
    let delay_5_probability = delay(5.0);
    // Rounding is monotone, so the exceedances stay ordered; on time is capped so that
    // on_time + delay_5 ≤ 1 survives rounding too.
    let on_time_probability =
        round_to(distribution.p_on_time(), 3).min(round_to(1.0 - delay_5_probability, 3));
    Figures {
        on_time_probability,
        delay_5_probability,
        delay_10_probability: delay(10.0),
        delay_15_probability: delay(15.0),
        delay_30_probability: delay(30.0),
        delay_60_probability: delay(60.0),
        expected_delay_minutes: round_to(distribution.expected_delay_minutes(), 1),
        delay_percentiles: DelayPercentiles {
            p50: round_to(distribution.percentile(0.5), 1),
            p80: round_to(distribution.percentile(0.8), 1),
            p95: round_to(distribution.percentile(0.95), 1),
        },
        delay_repay_bands: distribution.band_probabilities(),
    }
}

/// Rounds half away from zero to `decimals` places (and turns −0.0 into 0.0).
fn round_to(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale + 0.0
}

/// "About 1 in 3 …" from a probability, with the verb that agrees with it. "1 in N" is used
/// only when 1/N is within 10% of the probability; otherwise "k in 10" is closer to the truth.
pub fn natural_frequency(p: f64) -> (String, &'static str) {
    if p < 0.01 {
        return ("Fewer than 1 in 100".into(), "is");
    }
    if p >= 0.95 {
        return ("Nearly all".into(), "are");
    }
    let n = (1.0 / p).round();
    if ((1.0 / n) - p).abs() <= 0.1 * p && n >= 2.0 {
        (format!("About 1 in {n}"), "is")
    } else {
        (format!("About {} in 10", (10.0 * p).round()), "are")
    }
}

fn explain(
    input: &PredictionInput,
    delay_5: f64,
    seasonal: bool,
    confidence: Confidence,
) -> String {
    let (frequency, verb) = natural_frequency(delay_5);
    // A recorded period is told in the past tense: it is what happened, not a forecast.
    let verb = match (input.observed.is_some(), verb) {
        (true, "is") => "was",
        (true, _) => "were",
        (false, verb) => verb,
    };
    let when = match input.day_type {
        DayType::Weekday if is_peak(input.hour) => "in the weekday peak",
        DayType::Weekday => "off-peak on weekdays",
        DayType::Saturday => "on Saturdays",
        DayType::Sunday => "on Sundays",
        DayType::BankHoliday => "on bank holidays (Sunday-like service)",
        DayType::BoxingDay => "on Boxing Day (very limited service)",
        DayType::ChristmasToNewYear => "between Christmas and New Year (reduced service)",
    };
    let dates = format_description!("[day padding:none] [month repr:short]");
    let span = match (
        input.rail_period.start().format(dates),
        input.rail_period.end().format(dates),
    ) {
        (Ok(start), Ok(end)) => format!(" ({start} to {end})"),
        _ => String::new(),
    };
    let through = input
        .data_through
        .map(|d| format!(" to {d}"))
        .unwrap_or_default();
    let pattern = if input.observed.is_some() {
        format!(
            ": the record of rail period {} itself, not a forecast",
            input.rail_period
        )
    } else if seasonal {
        format!(
            " with the P{:02} seasonal pattern of recent years",
            input.rail_period.period
        )
    } else {
        " (no seasonal pattern available)".into()
    };
    let (subject, source) = match input.prior_source {
        PriorSource::Operator => (
            format!("{} arrivals", input.operator_name),
            format!("ORR punctuality{through}{pattern}"),
        ),
        PriorSource::National => (
            "arrivals".to_owned(),
            format!("national ORR punctuality{through}{pattern}"),
        ),
    };
    let n = input.evidence.sample_size();
    let route = if n == 0 {
        "No route history".to_owned()
    } else if input.evidence.synthetic {
        format!("Adjusted with {n} synthetic (simulated) route observations")
    } else {
        format!("Adjusted with {n} observations of this route")
    };
    format!(
        "{frequency} {subject} {verb} 5 or more minutes late {when} in rail period {}{span}, going by {source}. {route}, so confidence is {}.",
        input.rail_period,
        confidence.as_str()
    )
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::domain::calendar::Nation;
    use crate::feeds::orr3138::parse_priors_csv;
    use crate::model::evidence::EvidenceCounts;
    use time::macros::{date, datetime};

    #[test]
    fn basis_sources_serialise_as_their_labels() {
        for &source in BasisSource::ALL {
            assert_eq!(
                serde_json::to_string(&source).unwrap(),
                format!("\"{}\"", source.as_str())
            );
        }
    }

    fn priors(series: &str) -> OperatorPriors {
        let rows = parse_priors_csv(include_str!("../store/starter/operator_priors.csv")).unwrap();
        OperatorPriors::from_prior_rows(&rows, series).unwrap()
    }

    fn avanti(departure: PrimitiveDateTime) -> PredictionInput {
        let mut input = PredictionInput::new(
            "Avanti West Coast",
            priors("Avanti West Coast"),
            PriorSource::Operator,
            departure,
        );
        input.data_through = Some(date!(2025 - 03 - 31));
        input
    }

    /// Counts of `n` arrivals of which the given share is 5 or more minutes late.
    fn counts(n: u64, late_5: f64) -> EvidenceCounts {
        let on_time = ((1.0 - late_5) * n as f64).round() as u64;
        let late = n - on_time;
        EvidenceCounts {
            n,
            early: on_time / 2,
            lt1: on_time,
            lt3: on_time,
            lt5: on_time,
            lt10: on_time + late / 2,
            lt15: on_time + late / 2,
            lt20: on_time + late / 2,
            lt30: n,
            lt60: n,
            lt120: n,
            cancelled: 0,
            sum_delay: (late * 8) as i64,
        }
    }

    fn assert_exported_invariants(p: &Prediction) {
        let probs = [
            p.on_time_probability,
            p.delay_5_probability,
            p.delay_10_probability,
            p.delay_15_probability,
            p.delay_30_probability,
            p.delay_60_probability,
        ];
        assert!(probs.iter().all(|x| (0.0..=1.0).contains(x)), "{probs:?}");
        assert!(p.delay_5_probability >= p.delay_10_probability);
        assert!(p.delay_10_probability >= p.delay_15_probability);
        assert!(p.delay_15_probability >= p.delay_30_probability);
        assert!(p.delay_30_probability >= p.delay_60_probability);
        assert!(p.on_time_probability + p.delay_5_probability <= 1.0 + 1e-12);
        let pc = p.delay_percentiles;
        assert!(pc.p50 <= pc.p80 && pc.p80 <= pc.p95, "{pc:?}");
        let total: f64 = p.distribution.probabilities().iter().sum();
        assert!((total - 1.0).abs() < 1e-9);
        for x in [
            p.on_time_probability,
            p.delay_5_probability,
            p.delay_60_probability,
        ] {
            assert!(
                ((x * 1000.0).round() - x * 1000.0).abs() < 1e-9,
                "{x} not 3 decimals"
            );
        }
    }

    #[test]
    fn exported_numbers_keep_their_invariants_over_many_random_inputs() {
        let rows = parse_priors_csv(include_str!("../store/starter/operator_priors.csv")).unwrap();
        let series: Vec<&str> = rows
            .iter()
            .map(|r| r.series.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut rng = StdRng::seed_from_u64(7);
        for i in 0..3_000 {
            let name = series[i % series.len()];
            let day =
                date!(2025 - 04 - 01) + time::Duration::days((rng.random::<f64>() * 365.0) as i64);
            let hour = (rng.random::<f64>() * 24.0) as u8 % 24;
            let departure = PrimitiveDateTime::new(day, time::Time::from_hms(hour, 0, 0).unwrap());
            let mut input = PredictionInput::new(
                name,
                OperatorPriors::from_prior_rows(&rows, name).unwrap(),
                PriorSource::Operator,
                departure,
            );
            input.prior_strength = rng.random::<f64>() * 200.0;
            input.factors.weekday_peak = 0.5 + rng.random::<f64>() * 2.0;
            input.factors.saturday = 0.5 + rng.random::<f64>();
            let slot = counts((rng.random::<f64>() * 40.0) as u64, rng.random::<f64>());
            let extra = counts((rng.random::<f64>() * 400.0) as u64, rng.random::<f64>());
            input.evidence = RouteEvidence {
                slot,
                overall: EvidenceCounts {
                    n: slot.n + extra.n,
                    early: slot.early + extra.early,
                    lt1: slot.lt1 + extra.lt1,
                    lt3: slot.lt3 + extra.lt3,
                    lt5: slot.lt5 + extra.lt5,
                    lt10: slot.lt10 + extra.lt10,
                    lt15: slot.lt15 + extra.lt15,
                    lt20: slot.lt20 + extra.lt20,
                    lt30: slot.lt30 + extra.lt30,
                    lt60: slot.lt60 + extra.lt60,
                    lt120: slot.lt120 + extra.lt120,
                    cancelled: 0,
                    sum_delay: slot.sum_delay + extra.sum_delay,
                },
                synthetic: i % 2 == 0,
            };
            assert_exported_invariants(&predict(&input));
        }
    }

    #[test]
    fn autumn_leaf_fall_is_worse_than_summer_for_avanti_west_coast() {
        // Same weekday hour: Wednesday 3 December 2025 (P09) against Wednesday 6 August 2025 (P05).
        let autumn = predict(&avanti(datetime!(2025-12-03 11:00)));
        let summer = predict(&avanti(datetime!(2025-08-06 11:00)));
        assert_eq!(autumn.rail_period.label(), "2025-26 P09");
        assert!(autumn.delay_5_probability > summer.delay_5_probability + 0.03);
        assert!(autumn.on_time_probability < summer.on_time_probability);
        assert!(autumn.seasonal && summer.seasonal);
    }

    #[test]
    fn the_weekday_peak_is_worse_than_off_peak_and_reports_its_factor() {
        let peak = predict(&avanti(datetime!(2025-12-03 08:30)));
        let off_peak = predict(&avanti(datetime!(2025-12-03 11:30)));
        assert!(peak.delay_5_probability > off_peak.delay_5_probability);
        assert!(peak.expected_delay_minutes >= off_peak.expected_delay_minutes);
        assert_eq!(peak.time_adjustment_factor, 1.15);
        assert_eq!(off_peak.time_adjustment_factor, 1.0);
        assert!(
            peak.assumptions
                .iter()
                .any(|a| a.contains("peak factor 1.15"))
        );
    }

    #[test]
    fn weekends_are_better_than_weekdays() {
        let saturday = predict(&avanti(datetime!(2025-12-06 11:30)));
        let weekday = predict(&avanti(datetime!(2025-12-03 11:30)));
        assert_eq!(saturday.day_adjustment_factor, 0.9);
        assert_eq!(weekday.day_adjustment_factor, 1.0);
        assert!(saturday.delay_5_probability < weekday.delay_5_probability);
        // Same period (both in 2025-26 P09), so the difference is the day factor alone.
        assert_eq!(saturday.rail_period, weekday.rail_period);
    }

    #[test]
    fn route_evidence_moves_the_answer_toward_its_counts_and_confidence_follows_n() {
        let departure = datetime!(2025-12-03 11:30);
        let prior_only = predict(&avanti(departure));
        assert_eq!(prior_only.confidence, Confidence::Low);
        assert_eq!(prior_only.sample_size, 0);
        let mut previous = prior_only.delay_5_probability;
        for (n, expected) in [
            (5, Confidence::Low),
            (20, Confidence::Low),
            (50, Confidence::Medium),
            (500, Confidence::High),
        ] {
            let mut input = avanti(departure);
            // A reliable route: only 5% of its arrivals are 5 or more minutes late.
            input.evidence = RouteEvidence {
                slot: counts(n, 0.05),
                overall: counts(n, 0.05),
                synthetic: false,
            };
            let p = predict(&input);
            assert_eq!(p.confidence, expected, "n = {n}");
            assert_eq!(p.sample_size, n);
            assert!(p.delay_5_probability < previous, "n = {n}");
            assert!(p.delay_5_probability > 0.05 - 1e-9);
            previous = p.delay_5_probability;
        }
        // Exactly the Dirichlet mean with m = 50 when all evidence is in the slot (n ≥ 10, so
        // no default factor is applied): (n·0.05 + m·prior) / (n + m).
        let mut input = avanti(departure);
        input.evidence = RouteEvidence {
            slot: counts(200, 0.05),
            overall: counts(200, 0.05),
            synthetic: false,
        };
        let p = predict(&input);
        let prior = predict(&avanti(departure)).distribution.p_at_least(5.0);
        assert!(
            (p.distribution.p_at_least(5.0) - (200.0 * 0.05 + 50.0 * prior) / 250.0).abs() < 1e-9
        );
        assert!(p.route_profile_used);
        assert_eq!(
            (p.time_adjustment_factor, p.day_adjustment_factor),
            (1.0, 1.0)
        );
    }

    #[test]
    fn a_national_prior_alone_is_very_low_confidence_and_says_so() {
        let mut input = PredictionInput::new(
            "Test Railway",
            priors("Great Britain"),
            PriorSource::National,
            datetime!(2025-12-03 11:30),
        );
        input.data_through = Some(date!(2025 - 03 - 31));
        let p = predict(&input);
        assert_eq!(p.confidence, Confidence::VeryLow);
        assert!(
            p.explanation.contains("national ORR punctuality"),
            "{}",
            p.explanation
        );
        assert!(
            p.assumptions
                .iter()
                .any(|a| a.contains("national ORR figures"))
        );
    }

    #[test]
    fn the_tail_is_plausible_and_percentiles_rise() {
        let p = predict(&avanti(datetime!(2025-12-03 08:30)));
        assert!(p.delay_60_probability < p.delay_30_probability);
        assert!(p.delay_60_probability > 0.0);
        assert!(p.delay_percentiles.p50 < p.delay_percentiles.p95);
        assert!(
            p.assumptions
                .iter()
                .any(|a| a.contains("tail beyond 30 minutes modelled"))
        );
        let bands = p.delay_repay_bands;
        assert!(bands.p120_plus < bands.p60_119 && bands.p60_119 < bands.p30_59);
    }

    #[test]
    fn the_explanation_names_the_operator_source_and_confidence() {
        let p = predict(&avanti(datetime!(2025-12-03 08:30)));
        assert!(
            p.explanation.contains("Avanti West Coast"),
            "{}",
            p.explanation
        );
        assert!(
            p.explanation.contains("ORR punctuality to 2025-03-31"),
            "{}",
            p.explanation
        );
        assert!(p.explanation.contains("2025-26 P09"), "{}", p.explanation);
        assert!(
            p.explanation.contains("No route history"),
            "{}",
            p.explanation
        );
        assert!(
            p.explanation.ends_with("confidence is LOW."),
            "{}",
            p.explanation
        );
        let (phrase, _) = natural_frequency(p.delay_5_probability);
        assert!(p.explanation.starts_with(&phrase), "{}", p.explanation);
    }

    #[test]
    fn synthetic_evidence_is_labelled() {
        let mut input = avanti(datetime!(2025-12-03 11:30));
        input.evidence = RouteEvidence {
            slot: counts(40, 0.2),
            overall: counts(400, 0.2),
            synthetic: true,
        };
        let p = predict(&input);
        assert!(p.synthetic_evidence);
        assert!(p.explanation.contains("synthetic"), "{}", p.explanation);
        assert!(p.assumptions.iter().any(|a| a.contains("synthetic")));
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["confidence"], "LOW", "synthetic runs are not evidence");
        assert_eq!(json["rail_period"], "2025-26 P09");
    }

    #[test]
    fn day_types_follow_the_calendar_and_the_rollup_spelling() {
        assert_eq!(DayType::of(date!(2025 - 11 - 21)), DayType::Weekday);
        assert_eq!(DayType::of(date!(2025 - 11 - 22)), DayType::Saturday);
        assert_eq!(DayType::of(date!(2025 - 11 - 23)), DayType::Sunday);
        for d in [
            DayType::Weekday,
            DayType::Saturday,
            DayType::Sunday,
            DayType::BankHoliday,
            DayType::BoxingDay,
            DayType::ChristmasToNewYear,
        ] {
            assert_eq!(DayType::parse(d.as_str()), Some(d));
        }
        let ew = Nation::EnglandAndWales;
        assert_eq!(DayType::on(date!(2026 - 12 - 25), ew), None, "no service");
        assert_eq!(
            DayType::on(date!(2026 - 12 - 26), ew),
            Some(DayType::BoxingDay)
        );
        assert_eq!(
            DayType::on(date!(2026 - 08 - 31), ew),
            Some(DayType::BankHoliday)
        );
        assert_eq!(
            DayType::on(date!(2026 - 08 - 31), Nation::Scotland),
            Some(DayType::Weekday)
        );
    }

    #[test]
    fn a_bank_holiday_has_no_peak_and_sunday_like_factors() {
        let p = predict(&avanti(datetime!(2026-08-31 08:00)));
        assert_eq!(
            p.time_adjustment_factor, 1.15,
            "input built as an ordinary Monday"
        );
        let mut input = avanti(datetime!(2026-08-31 08:00));
        input.day_type = DayType::BankHoliday;
        let p = predict(&input);
        assert_eq!(p.time_adjustment_factor, 1.0);
        assert_eq!(p.day_adjustment_factor, 0.9);
        assert!(
            p.explanation.contains("on bank holidays"),
            "{}",
            p.explanation
        );
    }

    #[test]
    fn a_recorded_period_is_used_as_is_and_told_as_a_record() {
        let mut input = avanti(datetime!(2025-01-08 11:30));
        let recorded = [18.17, 36.62, 55.33, 65.39, 78.48, 85.29, 89.73, 94.84];
        input.observed = Some(recorded);
        let p = predict(&input);
        assert!(p.observed_period);
        assert!(
            (p.delay_5_probability - 0.346).abs() < 1e-9,
            "{}",
            p.delay_5_probability
        );
        assert!((p.delay_30_probability - 0.052).abs() < 1e-9);
        assert_eq!(p.confidence, Confidence::Medium);
        assert!(
            p.explanation.contains("not a forecast"),
            "{}",
            p.explanation
        );
        assert!(
            p.explanation.contains("were 5 or more") || p.explanation.contains("was 5 or more")
        );
        input.prior_source = PriorSource::National;
        assert_eq!(predict(&input).confidence, Confidence::Low);
    }

    #[test]
    fn natural_frequencies_read_sensibly() {
        assert_eq!(natural_frequency(0.33), ("About 1 in 3".into(), "is"));
        assert_eq!(natural_frequency(0.2).0, "About 1 in 5");
        // 1 in 2 would overstate 0.418 by a fifth.
        assert_eq!(natural_frequency(0.418), ("About 4 in 10".into(), "are"));
        assert_eq!(natural_frequency(0.6).0, "About 6 in 10");
        assert_eq!(natural_frequency(0.004).0, "Fewer than 1 in 100");
        assert_eq!(natural_frequency(0.97).0, "Nearly all");
    }
}
