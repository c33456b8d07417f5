//! The journey planning use case (`POST /api/journey/plan`): validate as a prediction is
//! validated → resolve both stations and the day (Christmas Day is refused) → load the planned
//! itineraries through the cache (`journey` kind): the service day's timetable and delay table
//! (built once per date, see `itineraries`), up to five itineraries with each change's risk and
//! the whole journey's arrival-delay figures (with `arrive_by`, the latest departures arriving
//! in time), and with `include_fares` the through fares priced with the best itinerary's Delay
//! Repay expectation.

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::cache::{CacheStatus, Kind, key as cache_key};
use crate::domain::{Route, TimeBand};
use crate::error::{Error, FieldError, Result, validation};
use crate::model::{Confidence, DayType};
use crate::planner::MAX_CHANGES;
use crate::service::VERSION;
use crate::service::fares::{FaresBlock, FaresKey, FaresStatus, cached_fares, price};
use crate::service::itineraries::{
    self, DEFAULT_MAX_CHANGES, JourneyInterchange, JourneyLeg, Shaped,
};
use crate::service::operator;
use crate::service::predict::{
    self, Bands, Basis, Metadata, Percentiles, departure_label, legs_basis, now_rfc3339,
};
use crate::service::request::PredictRequest;
use crate::service::shape::{BodyShape, Expect, Field};
use crate::state::AppState;
use crate::state::service_days::ServiceDay;

/// `POST /api/journey/plan` body. Unknown fields are rejected so typos do not pass silently.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JourneyPlanRequest {
    /// Origin CRS code (any case, padded allowed).
    #[schema(example = "MAN", pattern = "^[A-Za-z]{3}$")]
    pub origin: String,
    /// Destination CRS code; must differ from the origin.
    #[schema(example = "WAT", pattern = "^[A-Za-z]{3}$")]
    pub destination: String,
    /// `YYYY-MM-DD`: not before the data starts, at most 366 days ahead.
    #[schema(example = "2026-12-01", format = Date)]
    pub departure_date: String,
    /// `HH:MM` or `HH:MM:SS`, Europe/London wall time: the earliest departure (the latest
    /// arrival with `arrive_by`).
    #[schema(
        example = "09:30",
        pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
    )]
    pub departure_time: String,
    /// Most changes between trains, 0 to 3 (default 2).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 3, example = 2)]
    pub max_changes: Option<i64>,
    /// Add the through fares, with Delay Repay priced on the best itinerary.
    #[serde(default)]
    pub include_fares: bool,
    /// `true`: `departure_time` is the latest arrival, and the plan is the latest departures
    /// (within 12 hours before) that arrive by then.
    #[serde(default)]
    #[schema(example = false)]
    pub arrive_by: bool,
    /// `false` bypasses every cache tier.
    #[serde(default = "default_true")]
    pub use_cache: bool,
}

fn default_true() -> bool {
    true
}

impl BodyShape for JourneyPlanRequest {
    const FIELDS: &'static [Field] = &[
        Field::required("origin", Expect::String),
        Field::required("destination", Expect::String),
        Field::required("departure_date", Expect::String),
        Field::required("departure_time", Expect::String),
        Field::nullable("max_changes", Expect::Integer),
        Field::optional("include_fares", Expect::Bool),
        Field::optional("arrive_by", Expect::Bool),
        Field::optional("use_cache", Expect::Bool),
    ];
}

/// A journey request whose fields are well-formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidJourney {
    /// Origin and destination.
    pub route: Route,
    /// Earliest departure, Europe/London wall time.
    pub departure: PrimitiveDateTime,
    /// Most changes between trains.
    pub max_changes: u8,
    /// Add the fares.
    pub include_fares: bool,
    /// `departure` is the latest arrival.
    pub arrive_by: bool,
    /// Use the cache tiers.
    pub use_cache: bool,
}

impl JourneyPlanRequest {
    /// Validates every field as a prediction request is validated (same words, same codes),
    /// plus `max_changes`, reporting all problems at once.
    pub fn validate(&self, today: time::Date) -> Result<ValidJourney> {
        let as_prediction = PredictRequest {
            origin: self.origin.clone(),
            destination: self.destination.clone(),
            departure_date: self.departure_date.clone(),
            departure_time: self.departure_time.clone(),
            include_fares: self.include_fares,
            toc: None,
            use_cache: self.use_cache,
        };
        let (valid, mut errors) = match as_prediction.validate(today) {
            Ok(v) => (Some(v), Vec::new()),
            Err(e) => (None, e.fields().to_vec()),
        };
        let max_changes = match self.max_changes {
            None => Some(DEFAULT_MAX_CHANGES),
            Some(n) => u8::try_from(n).ok().filter(|n| *n <= MAX_CHANGES),
        };
        if max_changes.is_none() {
            errors.push(FieldError::new(
                "max_changes",
                format!("must be a whole number from 0 to {MAX_CHANGES}"),
            ));
        }
        match (valid, max_changes) {
            (Some(v), Some(max_changes)) if errors.is_empty() => Ok(ValidJourney {
                route: v.route,
                departure: v.departure,
                max_changes,
                include_fares: v.include_fares,
                arrive_by: self.arrive_by,
                use_cache: v.use_cache,
            }),
            _ => Err(validation(errors)),
        }
    }
}

/// The whole journey's arrival delay at the destination: the same figures as a prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JourneyDelay {
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
    /// Expected minutes late at the destination, missed connections included.
    pub expected_delay_minutes: f64,
    /// Percentiles of minutes late.
    pub delay_percentiles: Percentiles,
    /// Delay Repay bands, 3 decimals (as in a prediction).
    pub delay_repay_bands: Bands,
    /// The lowest confidence among the trains' operators.
    #[schema(example = "LOW")]
    pub confidence: Confidence,
    /// What the numbers rest on (`source`: `journey_legs`).
    pub basis: Basis,
    /// One line in plain English.
    pub explanation: String,
}

/// One planned itinerary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItineraryView {
    /// Scheduled departure from the origin, `HH:MM`.
    #[schema(example = "09:40")]
    pub departure: String,
    /// Scheduled arrival at the destination, `HH:MM`.
    #[schema(example = "12:13")]
    pub arrival: String,
    /// Whether the arrival is after midnight, on the next day.
    pub arrives_next_day: bool,
    /// Scheduled minutes from departure to arrival.
    pub duration_minutes: u32,
    /// Changes between trains (a stated transfer at either end is a leg, not a change).
    pub changes: usize,
    /// Legs in travel order: trains, and stated transfers (Underground, walk) between stations.
    pub legs: Vec<JourneyLeg>,
    /// One per change between trains, with its risk.
    pub interchanges: Vec<JourneyInterchange>,
    /// The whole journey's arrival delay at the destination.
    pub arrival_delay: JourneyDelay,
}

/// Through fares, priced with the best itinerary's arrival delay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JourneyFares {
    /// The fares with expected Delay Repay priced in.
    #[serde(flatten)]
    pub fares: FaresBlock,
    /// How Delay Repay was priced, in words.
    pub delay_repay_rule: String,
}

/// The cacheable body of a journey plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JourneyBody {
    /// Origin CRS.
    #[schema(example = "MAN")]
    pub origin: String,
    /// Origin name.
    pub origin_name: String,
    /// Destination CRS.
    #[schema(example = "WAT")]
    pub destination: String,
    /// Destination name.
    pub destination_name: String,
    /// Service date, `YYYY-MM-DD`.
    pub departure_date: String,
    /// The time asked for, ISO 8601 local time without offset: the earliest departure, or the
    /// latest arrival when `arrive_by` is true.
    pub departure_time: String,
    /// Whether `departure_time` is the latest arrival (itineraries: latest departure first).
    pub arrive_by: bool,
    /// Most changes allowed.
    pub max_changes: u8,
    /// `cif` (the imported timetable) or `approximate` (generated from the route catalogue:
    /// see `assumptions`).
    #[schema(example = "approximate")]
    pub timetable_source: String,
    /// Up to 5 itineraries: best expected arrival first, or with `arrive_by` the latest departure
    /// first.
    pub itineraries: Vec<ItineraryView>,
    /// Fares, when asked for and available.
    pub fares: Option<JourneyFares>,
    /// Why `fares` is null, when it is.
    pub fares_status: Option<FaresStatus>,
    /// Every assumption behind the answer: the planner's, the interchange figures', the
    /// timetable's.
    pub assumptions: Vec<String>,
}

/// `POST /api/journey/plan` response.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct JourneyPlanResponse {
    /// The request id (as in `X-Request-Id`).
    pub request_id: String,
    /// The plan.
    #[serde(flatten)]
    pub body: JourneyBody,
    /// Whether the answer came from a cache.
    pub cached: bool,
    /// Processing details.
    pub metadata: Metadata,
}

/// The figures of a shaped journey, as a prediction states them.
pub fn journey_delay(day: &ServiceDay, shaped: &Shaped) -> JourneyDelay {
    let f = &shaped.figures;
    JourneyDelay {
        on_time_probability: f.on_time_probability,
        delay_5_probability: f.delay_5_probability,
        delay_10_probability: f.delay_10_probability,
        delay_15_probability: f.delay_15_probability,
        delay_30_probability: f.delay_30_probability,
        delay_60_probability: f.delay_60_probability,
        expected_delay_minutes: f.expected_delay_minutes,
        delay_percentiles: f.delay_percentiles.into(),
        delay_repay_bands: f.delay_repay_bands.into(),
        confidence: shaped.confidence,
        basis: legs_basis(day, shaped),
        explanation: shaped.explanation.clone(),
    }
}

/// The rule Delay Repay is priced by on a planned journey.
pub fn delay_repay_rule(shaped: &Shaped) -> String {
    match &shaped.final_operator {
        Some(op) => format!(
            "Delay Repay priced on the scheme of the operator of the final leg ({}, {}) applied to the whole journey's arrival delay at the destination: which operator will delay a journey cannot be known in advance",
            op.name,
            op.delay_repay_scheme
                .as_deref()
                .unwrap_or("scheme not known")
        ),
        None => "no Delay Repay scheme is known for the final leg's operator".to_owned(),
    }
}

async fn load_journey(
    state: &AppState,
    valid: &ValidJourney,
    journey: &operator::Journey,
    day_type: DayType,
) -> Result<JourneyBody> {
    let date = valid.departure.date();
    let day = itineraries::service_day(state, date, day_type).await?;
    let minute = u32::from(valid.departure.hour()) * 60 + u32::from(valid.departure.minute());
    let planned = if valid.arrive_by {
        itineraries::plan_arriving_by(
            &day,
            valid.route.origin(),
            valid.route.destination(),
            minute,
            valid.max_changes,
        )
    } else {
        itineraries::plan_between(
            &day,
            valid.route.origin(),
            valid.route.destination(),
            minute,
            valid.max_changes,
        )
    }
    .map_err(|reason| Error::NotFound {
        code: "no_journey",
        message: reason,
    })?;
    let mut shaped = Vec::with_capacity(planned.len());
    for p in &planned {
        shaped.push(itineraries::shape(&state.db, &day, p).await?);
    }
    let views = shaped
        .iter()
        .map(|s| ItineraryView {
            departure: itineraries::clock(s.departure),
            arrival: itineraries::clock(s.arrival),
            arrives_next_day: s.arrival >= 1440,
            duration_minutes: s.arrival.saturating_sub(s.departure),
            changes: s.changes,
            legs: s.legs.clone(),
            interchanges: s.interchanges.clone(),
            arrival_delay: journey_delay(&day, s),
        })
        .collect();
    let with_transfers = planned.iter().any(|p| p.start.is_some() || p.end.is_some());
    let (fares, fares_status) = match (valid.include_fares, shaped.first()) {
        (true, Some(best)) => {
            let key = FaresKey {
                route: valid.route,
                date,
                band: TimeBand::of(valid.departure, day_type),
            };
            match cached_fares(state, &key, journey, valid.use_cache)
                .await?
                .0
                .0
                .as_ref()
            {
                Ok(loaded) => (
                    Some(JourneyFares {
                        fares: price(
                            loaded,
                            best.final_operator
                                .as_ref()
                                .and_then(|o| o.delay_repay_scheme.as_deref()),
                            Bands::from(best.figures.delay_repay_bands).into(),
                        ),
                        delay_repay_rule: delay_repay_rule(best),
                    }),
                    None,
                ),
                Err(status) => (None, Some(*status)),
            }
        }
        _ => (None, Some(FaresStatus::NotRequested)),
    };
    Ok(JourneyBody {
        origin: journey.origin.crs.to_string(),
        origin_name: journey.origin.name.clone(),
        destination: journey.destination.crs.to_string(),
        destination_name: journey.destination.name.clone(),
        departure_date: date.to_string(),
        departure_time: departure_label(valid.departure),
        arrive_by: valid.arrive_by,
        max_changes: valid.max_changes,
        timetable_source: itineraries::source_label(day.timetable.source()).to_owned(),
        itineraries: views,
        fares,
        fares_status,
        assumptions: itineraries::assumptions(&day, with_transfers),
    })
}

/// Answers one journey plan request: validate, load through the cache.
pub async fn plan_journey(
    state: &AppState,
    req: &JourneyPlanRequest,
    request_id: &str,
) -> Result<(JourneyPlanResponse, CacheStatus)> {
    let started = Instant::now();
    let today = OffsetDateTime::now_utc().date();
    let valid = req.validate(today)?;
    let journey = operator::find_journey(&state.db, valid.route).await?;
    let date = valid.departure.date();
    let day = predict::departure_day(&journey.origin, date, "departure_date")?;
    predict::check_loaded_periods(&state.db, date, today, "departure_date").await?;
    let minute = u32::from(valid.departure.hour()) * 60 + u32::from(valid.departure.minute());
    let key = cache_key::journey(
        valid.route.origin(),
        valid.route.destination(),
        date,
        minute,
        valid.max_changes,
        valid.include_fares,
        valid.arrive_by,
    );
    let (body, status) = state
        .cache
        .get_or_load(Kind::Journey, &key, valid.use_cache, || {
            load_journey(state, &valid, &journey, day.day_type)
        })
        .await?;
    let body = Arc::unwrap_or_clone(body);
    let route = format!("{}-{}", body.origin, body.destination);
    let fares_status = body.fares_status;
    Ok((
        JourneyPlanResponse {
            request_id: request_id.to_owned(),
            body,
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
                fares_status,
            },
        },
        status,
    ))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn request() -> JourneyPlanRequest {
        JourneyPlanRequest {
            origin: "man".to_owned(),
            destination: "WAT".to_owned(),
            departure_date: "2026-12-01".to_owned(),
            departure_time: "09:30".to_owned(),
            max_changes: None,
            include_fares: false,
            arrive_by: false,
            use_cache: true,
        }
    }

    const TODAY: time::Date = date!(2026 - 11 - 23);

    #[test]
    fn max_changes_defaults_to_two_and_is_bounded() {
        assert_eq!(request().validate(TODAY).unwrap().max_changes, 2);
        let mut r = request();
        r.max_changes = Some(4);
        let e = r.validate(TODAY).unwrap_err();
        assert_eq!(e.fields()[0].field, "max_changes");
        r.max_changes = Some(0);
        assert_eq!(r.validate(TODAY).unwrap().max_changes, 0);
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let mut r = request();
        r.origin = "M4N".to_owned();
        r.departure_time = "25:00".to_owned();
        r.max_changes = Some(-1);
        let e = r.validate(TODAY).unwrap_err();
        let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["origin", "departure_time", "max_changes"]);
        assert_eq!(e.code(), "validation_failed");
    }

    #[test]
    fn a_body_passing_the_shape_check_deserialises() {
        let full = r#"{"origin":"MAN","destination":"WAT","departure_date":"2026-12-01",
            "departure_time":"09:30","max_changes":1,"include_fares":true,"arrive_by":false,
            "use_cache":false}"#;
        let r = crate::service::shape::parse_body::<JourneyPlanRequest>(full.as_bytes()).unwrap();
        assert_eq!(r.max_changes, Some(1));
        assert!(r.include_fares && !r.use_cache);
        let e = crate::service::shape::parse_body::<JourneyPlanRequest>(
            br#"{"origin":"MAN","destination":"WAT","departure_date":"2026-12-01","departure_time":"09:30","max_changes":1.5}"#,
        )
        .unwrap_err();
        assert_eq!(e.fields()[0].field, "max_changes");
    }
}
