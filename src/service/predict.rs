//! The prediction use case: validate → resolve stations and operator → load the prediction for
//! the model's inputs through the cache (`prediction` kind; the fares, when asked for, through
//! their own `fare` kind) → assemble the response with the request-specific fields.

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime};

use crate::cache::{CacheStatus, Kind, key as cache_key};
use crate::domain::calendar::{self, Nation};
use crate::domain::{Crs, RailPeriod, Route, TimeBand};
use crate::error::{Error, FieldError, Result};
use crate::model::causes;
use crate::model::{
    AdjustmentFactors, BasisSource, Confidence, DayType, DelayPercentiles, DelayRepayBands,
    Prediction, PredictionInput, PriorSource, RouteEvidence, predict,
};
use crate::service::VERSION;
use crate::service::fares::{FaresBlock, FaresKey, FaresStatus, cached_fares, price};
use crate::service::itineraries::{self, JourneyLeg, Shaped};
use crate::service::operator::{
    self, Journey, NATIONAL_SERIES, OperatorChoice, ResolvedOperator, load_priors,
};
use crate::service::request::{PredictRequest, ValidRequest};
use crate::state::AppState;
use crate::state::service_days::ServiceDay;
use crate::store::observations;
use crate::store::stations::StationRow;
use crate::store::{Db, delay_causes, punctuality};

/// Days of route history used, counted back from the route's latest day of data.
pub const EVIDENCE_WINDOW_DAYS: i64 = 365;

/// Everything a prediction depends on: two requests with equal keys get the same prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PredictionKey {
    /// Origin and destination.
    pub route: Route,
    /// Operator asked for, if any.
    pub toc: Option<[u8; 2]>,
    /// Rail period of the departure (selects the period forecast).
    pub period: RailPeriod,
    /// Weekday, Saturday, Sunday or one of the railway's special days (for the origin's nation).
    pub day_type: DayType,
    /// Departure hour.
    pub hour: u8,
}

impl PredictionKey {
    /// The key of a validated request departing on a day of `day_type`.
    pub fn of(req: &ValidRequest, day_type: DayType) -> Self {
        Self {
            route: req.route,
            toc: req.toc,
            period: RailPeriod::containing(req.departure.date()),
            day_type,
            hour: req.departure.hour(),
        }
    }
}

/// The day of a departure as the railway runs it: its day type and whose bank holidays apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepartureDay {
    /// The day type (special days included).
    pub day_type: DayType,
    /// The nation whose bank holidays apply (the origin station's).
    pub nation: Nation,
    /// Whether the nation was assumed (England and Wales) because the origin's region is unknown.
    pub nation_assumed: bool,
}

/// Classifies a departure from `origin` on `date`; Christmas Day is a 422 `no_service` naming
/// `field`, because no trains run in Great Britain that day.
pub fn departure_day(origin: &StationRow, date: Date, field: &str) -> Result<DepartureDay> {
    let known = Nation::of_region(origin.region.as_deref());
    let nation = known.unwrap_or(Nation::EnglandAndWales);
    match DayType::on(date, nation) {
        Some(day_type) => Ok(DepartureDay {
            day_type,
            nation,
            nation_assumed: known.is_none(),
        }),
        None => Err(Error::Validation {
            code: "no_service",
            message: format!(
                "{field}: no trains run in Great Britain on Christmas Day ({date}); choose another date"
            ),
            fields: vec![FieldError::new(
                field,
                "no trains run in Great Britain on Christmas Day",
            )],
        }),
    }
}

/// A past departure must fall in or after the earliest loaded ORR rail period; otherwise a 422
/// naming `field` and the loaded range. Future dates and a store without ORR periods pass.
pub async fn check_loaded_periods(db: &Db, date: Date, today: Date, field: &str) -> Result<()> {
    if date >= today {
        return Ok(());
    }
    let Some((first, last)) = punctuality::loaded_period_range(db).await? else {
        return Ok(());
    };
    if RailPeriod::containing(date) >= first {
        return Ok(());
    }
    let detail = format!(
        "{date} is before the data: the earliest loaded rail period is {first} starting {} (loaded: {first} to {last}, {} to {})",
        first.start(),
        first.start(),
        last.end()
    );
    Err(Error::Validation {
        code: "validation_failed",
        message: format!("{field}: {detail}"),
        fields: vec![FieldError::new(field, detail)],
    })
}

/// What the prediction rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Basis {
    /// `observed_period` (the ORR record of the departure's own rail period), `route_history`,
    /// `synthetic_route_history`, `operator_statistics`, `journey_legs` (no direct service: the
    /// best planned itinerary, see `journey_legs`) or `national_statistics` (only when the
    /// planner cannot connect the pair that day either).
    pub source: BasisSource,
    /// ATOC code of the operator whose figures were used (null for national figures).
    pub operator: Option<String>,
    /// Rail period of the departure, e.g. "2025-26 P09".
    pub rail_period: String,
    /// Day type of the departure: `weekday`, `saturday`, `sunday`, `bank_holiday`, `boxing_day`
    /// or `christmas_to_new_year` (bank holidays of the origin station's nation).
    #[schema(example = "weekday")]
    pub day_type: String,
    /// Last day of the ORR data behind the prior.
    pub data_through: Option<String>,
    /// Route observations used.
    pub route_observations: u64,
    /// How the operator was chosen: `requested`, `requested_not_in_catalogue`, `route_catalogue`,
    /// `origin_facility_owner`, `national`, or `journey_legs` (the final leg's operator of a
    /// planned itinerary).
    pub operator_choice: OperatorChoice,
}

/// The prediction for a [`PredictionKey`]: the cacheable part of the response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PredictionCore {
    /// Origin CRS.
    #[schema(value_type = String, example = "EUS")]
    pub origin: Crs,
    /// Destination CRS.
    #[schema(value_type = String, example = "MAN")]
    pub destination: Crs,
    /// Origin name.
    #[schema(example = "London Euston")]
    pub origin_name: String,
    /// Destination name.
    #[schema(example = "Manchester Piccadilly")]
    pub destination_name: String,
    /// ATOC code (null for national figures).
    pub toc: Option<String>,
    /// Operator name.
    pub operator_name: String,
    /// Delay Repay scheme of the operator, when known.
    pub delay_repay_scheme: Option<String>,
    /// P(arrival less than 1 minute late; early counts as on time).
    pub on_time_probability: f64,
    /// P(5 or more minutes late).
    pub delay_5_probability: f64,
    /// P(10 or more minutes late).
    pub delay_10_probability: f64,
    /// P(15 or more minutes late).
    pub delay_15_probability: f64,
    /// P(30 or more minutes late).
    pub delay_30_probability: f64,
    /// P(60 or more minutes late).
    pub delay_60_probability: f64,
    /// Expected minutes late.
    pub expected_delay_minutes: f64,
    /// Percentiles of minutes late.
    pub delay_percentiles: Percentiles,
    /// How much route-specific evidence there is: `HIGH`, `MEDIUM`, `LOW` or `VERY_LOW`.
    #[schema(example = "MEDIUM")]
    pub confidence: Confidence,
    /// Route observations used.
    pub sample_size: u64,
    /// Odds factor applied for the time of day.
    pub time_adjustment_factor: f64,
    /// Odds factor applied for the day type.
    pub day_adjustment_factor: f64,
    /// Answered from national figures because no operator is known.
    pub is_degraded: bool,
    /// Why, when degraded.
    pub degradation_reason: Option<String>,
    /// What the numbers rest on.
    pub basis: Basis,
    /// Modelling assumptions behind the numbers.
    pub assumptions: Vec<String>,
    /// Plain-English summary built from the same numbers.
    pub explanation: String,
    /// When this prediction was computed (RFC 3339 UTC).
    pub prediction_timestamp: String,
    /// Delay Repay bands, 3 decimals: P(15–29), P(30–59), P(60–119), P(120 or more minutes
    /// late). They split `delay_15_probability`, and the fares' `expected_delay_repay` is
    /// computed from exactly these figures.
    #[serde(rename = "delay_repay_bands")]
    pub bands: Bands,
    /// Present only when `basis.source` is `journey_legs`: the pair has no direct service, and
    /// the figures are the best planned itinerary's arrival delay at the destination (missed
    /// connections included); these are its legs in travel order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journey_legs: Option<Vec<JourneyLeg>>,
}

/// Percentiles of minutes late.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 80th percentile.
    pub p80: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl From<DelayPercentiles> for Percentiles {
    fn from(p: DelayPercentiles) -> Self {
        Self {
            p50: p.p50,
            p80: p.p80,
            p95: p.p95,
        }
    }
}

/// Delay Repay band probabilities (3 decimals), from which the expected refunds are priced.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Bands {
    /// P(15–29 minutes late).
    pub p15_29: f64,
    /// P(30–59).
    pub p30_59: f64,
    /// P(60–119).
    pub p60_119: f64,
    /// P(120 or more).
    pub p120_plus: f64,
}

impl From<DelayRepayBands> for Bands {
    /// Rounded to 3 decimals, before caching, so a cache hit and a miss price fares from the
    /// same published figures, and a client can redo the Delay Repay arithmetic from them.
    fn from(b: DelayRepayBands) -> Self {
        Self {
            p15_29: round3(b.p15_29),
            p30_59: round3(b.p30_59),
            p60_119: round3(b.p60_119),
            p120_plus: round3(b.p120_plus),
        }
    }
}

impl From<Bands> for DelayRepayBands {
    fn from(b: Bands) -> Self {
        Self {
            p15_29: b.p15_29,
            p30_59: b.p30_59,
            p60_119: b.p60_119,
            p120_plus: b.p120_plus,
        }
    }
}

/// The prediction object of the response: the core plus the request's own departure time.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PredictionView {
    /// The cacheable prediction.
    #[serde(flatten)]
    pub core: PredictionCore,
    /// Departure as Europe/London wall time, ISO 8601 without offset.
    #[schema(example = "2026-12-01T09:30:00")]
    pub departure_time: String,
}

/// Loads the prediction for `key` (whose stations are `journey`) from the store and the model.
pub async fn load_prediction(
    db: &Db,
    key: &PredictionKey,
    journey: &Journey,
    prior_strength: f64,
) -> Result<PredictionCore> {
    let nation = Nation::of_region(journey.origin.region.as_deref());
    let toc = key.toc.as_ref().and_then(|t| std::str::from_utf8(t).ok());
    let mut op = operator::resolve(db, journey, toc).await?;

    let mut priors = load_priors(db, &op.series).await?;
    let mut degradation = None;
    if priors.is_none() && op.series != NATIONAL_SERIES {
        degradation = Some(format!(
            "no ORR figures for {}; national figures used",
            op.name
        ));
        priors = load_priors(db, NATIONAL_SERIES).await?;
        op.series = NATIONAL_SERIES.to_owned();
    }
    if op.choice == OperatorChoice::National {
        degradation = Some(
            "no operator is known for this journey (not in the route catalogue, and the origin \
             station's manager does not run trains); national figures used"
                .to_owned(),
        );
    }
    let Some((priors, data_through)) = priors else {
        return Err(crate::error::Error::Unavailable {
            code: "no_reference_data",
            message: "no punctuality figures are loaded".to_owned(),
            retry_after_secs: 30,
        });
    };
    let prior_source = if op.series == NATIONAL_SERIES {
        PriorSource::National
    } else {
        PriorSource::Operator
    };

    let evidence = match &op.toc {
        Some(toc) => load_evidence(db, key, toc, nation.unwrap_or(Nation::EnglandAndWales)).await?,
        None => RouteEvidence::none(),
    };
    let observed = punctuality::period_shares(db, &op.series, key.period)
        .await?
        .and_then(|shares| shares.complete());
    // The model sees exactly the key's inputs, nothing of the raw departure minute or date.
    let input = PredictionInput {
        operator_name: op.name.clone(),
        priors,
        prior_source,
        rail_period: key.period,
        day_type: key.day_type,
        hour: key.hour,
        data_through,
        evidence,
        prior_strength,
        factors: AdjustmentFactors::default(),
        observed,
    };
    let mut p = predict(&input);
    p.assumptions
        .extend(day_assumptions(key.day_type, nation, journey));
    p.assumptions.extend(op.note.clone());
    if prior_source == PriorSource::Operator {
        let minutes = delay_causes::causes_for_series(db, &op.series).await?;
        if let Some(sentence) = causes::explain(&op.name, key.period.period, &minutes) {
            p.explanation.push(' ');
            p.explanation.push_str(&sentence);
        }
    }

    let basis = Basis {
        source: p.basis_source(),
        operator: op.toc.clone(),
        rail_period: key.period.label(),
        day_type: key.day_type.as_str().to_owned(),
        data_through: data_through.map(|d| d.to_string()),
        route_observations: p.sample_size,
        operator_choice: op.choice,
    };
    Ok(PredictionCore::from_model(
        p,
        journey,
        &op,
        basis,
        degradation,
    ))
}

impl PredictionCore {
    /// The published prediction: the model's answer `p` for the stations of `journey`, answered
    /// with `op`'s figures, resting on `basis`, degraded for `degradation` when there is one.
    // Converted field by field rather than embedding `Prediction`: a flattened field would turn
    // this schema into an `allOf` in the OpenAPI document, and the model keeps figures (the
    // unrounded distribution, the bands) that are not published as they are.
    fn from_model(
        p: Prediction,
        journey: &Journey,
        op: &ResolvedOperator,
        basis: Basis,
        degradation: Option<String>,
    ) -> Self {
        Self {
            origin: journey.origin.crs,
            destination: journey.destination.crs,
            origin_name: journey.origin.name.clone(),
            destination_name: journey.destination.name.clone(),
            toc: op.toc.clone(),
            operator_name: op.name.clone(),
            delay_repay_scheme: op.delay_repay_scheme.clone(),
            on_time_probability: p.on_time_probability,
            delay_5_probability: p.delay_5_probability,
            delay_10_probability: p.delay_10_probability,
            delay_15_probability: p.delay_15_probability,
            delay_30_probability: p.delay_30_probability,
            delay_60_probability: p.delay_60_probability,
            expected_delay_minutes: p.expected_delay_minutes,
            delay_percentiles: p.delay_percentiles.into(),
            confidence: p.confidence,
            sample_size: p.sample_size,
            time_adjustment_factor: p.time_adjustment_factor,
            day_adjustment_factor: p.day_adjustment_factor,
            is_degraded: degradation.is_some(),
            degradation_reason: degradation,
            basis,
            assumptions: p.assumptions,
            explanation: p.explanation,
            prediction_timestamp: now_rfc3339(),
            bands: p.delay_repay_bands.into(),
            journey_legs: None,
        }
    }
}

/// The basis of figures read from a planned itinerary (`source` and `operator_choice`:
/// `journey_legs`; the operator is the final leg's).
pub fn legs_basis(day: &ServiceDay, shaped: &Shaped) -> Basis {
    Basis {
        source: BasisSource::JourneyLegs,
        operator: shaped.final_operator.as_ref().map(|o| o.toc.clone()),
        rail_period: RailPeriod::containing(day.date).label(),
        day_type: day.day_type.as_str().to_owned(),
        data_through: shaped.data_through.map(|d| d.to_string()),
        route_observations: 0,
        operator_choice: OperatorChoice::JourneyLegs,
    }
}

/// A national prediction re-answered from a planned itinerary: its figures, confidence,
/// operators and legs, and the planner's assumptions.
fn answered_by_legs(
    national: PredictionCore,
    day: &ServiceDay,
    shaped: Shaped,
    transfers: bool,
) -> PredictionCore {
    let f = shaped.figures;
    let last = shaped.final_operator.clone();
    let mut names: Vec<String> = Vec::new();
    for name in shaped.legs.iter().filter_map(|l| l.operator_name.clone()) {
        if names.last() != Some(&name) {
            names.push(name);
        }
    }
    PredictionCore {
        toc: last.as_ref().map(|o| o.toc.clone()),
        operator_name: names.join(", then "),
        delay_repay_scheme: last.as_ref().and_then(|o| o.delay_repay_scheme.clone()),
        on_time_probability: f.on_time_probability,
        delay_5_probability: f.delay_5_probability,
        delay_10_probability: f.delay_10_probability,
        delay_15_probability: f.delay_15_probability,
        delay_30_probability: f.delay_30_probability,
        delay_60_probability: f.delay_60_probability,
        expected_delay_minutes: f.expected_delay_minutes,
        delay_percentiles: f.delay_percentiles.into(),
        confidence: shaped.confidence,
        sample_size: 0,
        time_adjustment_factor: 1.0,
        day_adjustment_factor: 1.0,
        is_degraded: false,
        degradation_reason: None,
        basis: legs_basis(day, &shaped),
        assumptions: itineraries::assumptions(day, transfers),
        explanation: shaped.explanation,
        bands: f.delay_repay_bands.into(),
        journey_legs: Some(shaped.legs),
        ..national
    }
}

/// A probability to 3 decimals, like every other probability of the response.
fn round3(p: f64) -> f64 {
    (p * 1000.0).round() / 1000.0
}

/// What the departure's day type and the calendar behind it assume.
fn day_assumptions(day_type: DayType, nation: Option<Nation>, journey: &Journey) -> Vec<String> {
    let mut out = Vec::new();
    let whose = match nation {
        Some(n) => n.name(),
        None => {
            out.push(format!(
                "the region of {} is not known: England and Wales bank holidays assumed",
                journey.origin.name
            ));
            "England and Wales"
        }
    };
    match day_type {
        DayType::BankHoliday => out.push(format!(
            "bank holiday in {whose} ({}): Sunday-like service, no peak factor, off-peak fares all day",
            calendar::CITATION
        )),
        DayType::BoxingDay => out.push(
            "Boxing Day: no service on most of the network and a very limited one elsewhere; check that your train runs"
                .to_owned(),
        ),
        DayType::ChristmasToNewYear => out.push(
            "27-31 December: reduced timetables without a commuter peak (no peak factor)"
                .to_owned(),
        ),
        DayType::Weekday | DayType::Saturday | DayType::Sunday => {}
    }
    out
}

/// Now as RFC 3339 UTC with milliseconds.
pub fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc();
    let now = now
        .replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now);
    now.format(&Rfc3339).unwrap_or_default()
}

async fn load_evidence(
    db: &Db,
    key: &PredictionKey,
    toc: &str,
    nation: Nation,
) -> Result<RouteEvidence> {
    let Some(latest) = observations::route_latest_day(db, key.route, toc).await? else {
        return Ok(RouteEvidence::none());
    };
    let since = latest - Duration::days(EVIDENCE_WINDOW_DAYS - 1);
    let rows = observations::route_rollup(db, key.route, toc, since).await?;
    let mut evidence = RouteEvidence::none();
    for row in &rows {
        let counts = row.evidence();
        evidence.overall += &counts;
        if row.hour == i64::from(key.hour) && row.day_type == key.day_type.as_str() {
            evidence.slot += &counts;
        }
        evidence.synthetic |= row.synthetic;
    }
    // The rollup's day types are weekday/Saturday/Sunday; a special day's slot is the route's
    // history on the dates of that day type in the window, where there is any.
    if key.day_type.is_special() {
        let days: Vec<Date> = calendar_days(since, latest)
            .filter(|d| DayType::on(*d, nation) == Some(key.day_type))
            .collect();
        let rows = observations::route_rollup_on_days(db, key.route, toc, &days).await?;
        for row in rows.iter().filter(|r| r.hour == i64::from(key.hour)) {
            evidence.slot += &row.evidence();
        }
    }
    Ok(evidence)
}

/// Every date from `first` to `last`, inclusive.
fn calendar_days(first: Date, last: Date) -> impl Iterator<Item = Date> {
    std::iter::successors(Some(first), move |d| d.next_day().filter(|n| *n <= last))
}

/// Formats a departure as ISO 8601 local wall time without offset.
pub fn departure_label(departure: PrimitiveDateTime) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}",
        departure.date(),
        departure.hour(),
        departure.minute(),
        departure.second()
    )
}

/// The cacheable body of a prediction response: the prediction, and the priced fares when
/// asked for (so the key says whether fares were asked for, and for which date and band).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictBody {
    /// The prediction.
    pub prediction: PredictionCore,
    /// Fares priced with it.
    pub fares: Option<FaresBlock>,
    /// Why `fares` is null, when it is.
    pub fares_status: Option<FaresStatus>,
}

/// `POST /api/predict` response.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PredictResponse {
    /// The request id (as in `X-Request-Id`).
    pub request_id: String,
    /// The prediction.
    pub prediction: PredictionView,
    /// Fares with Delay Repay priced in, when asked for and available.
    pub fares: Option<FaresBlock>,
    /// Timetabled services: empty until timetable data is imported (never invented).
    #[schema(value_type = Vec<Object>)]
    pub timetables: Vec<serde_json::Value>,
    /// Whether the answer came from a cache.
    pub cached: bool,
    /// Processing details.
    pub metadata: Metadata,
}

/// Processing details of a response.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Metadata {
    /// Time spent in the use case, ms.
    pub processing_time_ms: f64,
    /// When the response was made (RFC 3339 UTC).
    pub timestamp: String,
    /// API version.
    pub api_version: &'static str,
    /// `ORIGIN-DESTINATION`.
    pub route: String,
    /// `HIT`, `MISS`, `STALE` or `BYPASS` (as `X-Cache-Status`).
    #[schema(example = "MISS")]
    pub cache_status: &'static str,
    /// Why `fares` is null, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fares_status: Option<FaresStatus>,
}

/// Loads (through the cache) the body for a validated request: Christmas Day and dates before
/// the loaded ORR periods are refused first (422), naming `departure_date`.
pub async fn cached_body(
    state: &AppState,
    valid: &ValidRequest,
) -> Result<(Arc<PredictBody>, CacheStatus)> {
    let journey = operator::find_journey(&state.db, valid.route).await?;
    let date = valid.departure.date();
    let day = departure_day(&journey.origin, date, "departure_date")?;
    check_loaded_periods(
        &state.db,
        date,
        OffsetDateTime::now_utc().date(),
        "departure_date",
    )
    .await?;
    cached_body_of(state, valid, &journey, day).await
}

/// Loads (through the cache) the body for a validated request whose stations (`journey`) are
/// found and whose departure `day` is checked. With fares, the fares are loaded (through their
/// own cache kind) by the prediction's loader: the prediction entry holds them priced.
pub async fn cached_body_of(
    state: &AppState,
    valid: &ValidRequest,
    journey: &Journey,
    day: DepartureDay,
) -> Result<(Arc<PredictBody>, CacheStatus)> {
    let date = valid.departure.date();
    let key = PredictionKey::of(valid, day.day_type);
    let fares_on = valid
        .include_fares
        .then(|| (date, TimeBand::of(valid.departure, day.day_type)));
    let cache_key = cache_key::prediction(
        key.route.origin(),
        key.route.destination(),
        valid.toc_str(),
        key.period,
        key.day_type,
        key.hour,
        fares_on,
    );
    state
        .cache
        .get_or_load(Kind::Prediction, &cache_key, valid.use_cache, || async {
            let mut prediction =
                load_prediction(&state.db, &key, journey, state.config.prior_strength).await?;
            // No operator is known for the pair: the best planned itinerary answers instead of
            // national figures, which remain only when the planner cannot connect the pair.
            if prediction.toc.is_none() && key.toc.is_none() {
                let departure = u32::from(key.hour) * 60;
                if let Some((day, shaped, transfers)) = itineraries::best_journey(
                    state,
                    key.route.origin(),
                    key.route.destination(),
                    date,
                    key.day_type,
                    departure,
                )
                .await?
                {
                    prediction = answered_by_legs(prediction, &day, shaped, transfers);
                }
            }
            let (fares, fares_status) = match fares_on {
                None => (None, Some(FaresStatus::NotRequested)),
                Some((date, band)) => {
                    let fares_key = FaresKey {
                        route: key.route,
                        date,
                        band,
                    };
                    match cached_fares(state, &fares_key, journey, valid.use_cache)
                        .await?
                        .0
                        .0
                        .as_ref()
                    {
                        Ok(loaded) => (
                            Some(price(
                                loaded,
                                prediction.delay_repay_scheme.as_deref(),
                                prediction.bands.into(),
                            )),
                            None,
                        ),
                        Err(status) => (None, Some(*status)),
                    }
                }
            };
            Ok(PredictBody {
                prediction,
                fares,
                fares_status,
            })
        })
        .await
}

/// Answers one prediction request: validate, load through the cache, count the route.
pub async fn predict_one(
    state: &AppState,
    req: &PredictRequest,
    request_id: &str,
) -> Result<(PredictResponse, CacheStatus)> {
    let started = Instant::now();
    let valid = req.validate(OffsetDateTime::now_utc().date())?;
    let (body, status) = cached_body(state, &valid).await?;
    state
        .popularity
        .record(valid.route.origin(), valid.route.destination());
    // Per prediction served, cached or not: what answers traffic, not what was computed.
    crate::telemetry::metrics::prediction_served(body.prediction.basis.source.as_str());
    let body = Arc::unwrap_or_clone(body);
    let route = format!("{}-{}", body.prediction.origin, body.prediction.destination);
    let response = PredictResponse {
        request_id: request_id.to_owned(),
        prediction: PredictionView {
            core: body.prediction,
            departure_time: departure_label(valid.departure),
        },
        fares: body.fares,
        timetables: Vec::new(),
        cached: matches!(
            status,
            CacheStatus::HitL1 | CacheStatus::HitL2 | CacheStatus::Stale
        ),
        metadata: Metadata {
            processing_time_ms: (started.elapsed().as_secs_f64() * 1e5).round() / 100.0,
            timestamp: now_rfc3339(),
            api_version: VERSION,
            route,
            cache_status: status.header(),
            fares_status: body.fares_status,
        },
    };
    Ok((response, status))
}
