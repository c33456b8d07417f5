//! The prediction request as clients send it, and its validation into typed inputs. Every
//! problem names its field; all field problems are reported together.

use serde::Deserialize;
use time::macros::{date, format_description};
use time::{Date, Duration, PrimitiveDateTime, Time};

use crate::domain::Route;
pub use crate::error::validation;
use crate::error::{Error, FieldError, Result};
use crate::service::shape::{BodyShape, Expect, Field};

/// First date the punctuality data covers (ORR Table 3138 starts in 2014-15 P01).
pub const DATA_START: Date = date!(2014 - 04 - 01);
/// How far ahead a departure may be.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// `POST /api/predict` body. Unknown fields are rejected so typos do not pass silently.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PredictRequest {
    /// Origin CRS code (any case, padded allowed).
    #[schema(example = "EUS", pattern = "^[A-Za-z]{3}$")]
    pub origin: String,
    /// Destination CRS code; must differ from the origin.
    #[schema(example = "MAN", pattern = "^[A-Za-z]{3}$")]
    pub destination: String,
    /// `YYYY-MM-DD`: not before the data starts, at most 366 days ahead.
    #[schema(example = "2026-12-01", format = Date)]
    pub departure_date: String,
    /// `HH:MM` or `HH:MM:SS`, Europe/London wall time.
    #[schema(
        example = "09:30",
        pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
    )]
    pub departure_time: String,
    /// Add the fares block.
    #[serde(default)]
    pub include_fares: bool,
    /// Restrict the prediction to this operator (ATOC code). An unknown code is a 422
    /// `unknown_operator`. On a route the route catalogue lists, an operator it does not list
    /// there is still used, with `basis.operator_choice: requested_not_in_catalogue` and an
    /// assumption naming the catalogue's operator.
    #[serde(default)]
    #[schema(example = "VT", pattern = "^([A-Za-z0-9]{2})?$")]
    pub toc: Option<String>,
    /// `false` bypasses every cache tier.
    #[serde(default = "default_true")]
    pub use_cache: bool,
}

fn default_true() -> bool {
    true
}

impl BodyShape for PredictRequest {
    const FIELDS: &'static [Field] = PREDICT_FIELDS;
}

/// The fields of a prediction request (also the shape of each item of a batch).
pub const PREDICT_FIELDS: &[Field] = &[
    Field::required("origin", Expect::String),
    Field::required("destination", Expect::String),
    Field::required("departure_date", Expect::String),
    Field::required("departure_time", Expect::String),
    Field::optional("include_fares", Expect::Bool),
    Field::nullable("toc", Expect::String),
    Field::optional("use_cache", Expect::Bool),
];

/// A request whose fields are well-formed (station and operator existence is checked against
/// the store by the use case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidRequest {
    /// Origin and destination.
    pub route: Route,
    /// Departure, Europe/London wall time.
    pub departure: PrimitiveDateTime,
    /// Add the fares block.
    pub include_fares: bool,
    /// Operator asked for, upper case.
    pub toc: Option<[u8; 2]>,
    /// Use the cache tiers.
    pub use_cache: bool,
}

impl ValidRequest {
    /// The requested operator as text.
    pub fn toc_str(&self) -> Option<&str> {
        self.toc.as_ref().and_then(|t| std::str::from_utf8(t).ok())
    }
}

/// Most results any list endpoint returns.
pub const MAX_LIMIT: u32 = 100;

/// Parses a `limit` query parameter: 1..=100, `default` when absent; anything else is a 422
/// naming `limit`.
pub fn parse_limit(raw: Option<&str>, default: u32) -> Result<u32> {
    match raw.map(str::trim) {
        None => Ok(default),
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| {
                Error::invalid(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_LIMIT}, got '{raw}'"),
                )
            }),
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(raw: &str) -> Option<Date> {
    Date::parse(raw.trim(), format_description!("[year]-[month]-[day]")).ok()
}

/// Parses `HH:MM` or `HH:MM:SS` (24 h).
pub fn parse_time(raw: &str) -> Option<Time> {
    let raw = raw.trim();
    Time::parse(raw, format_description!("[hour]:[minute]:[second]"))
        .or_else(|_| Time::parse(raw, format_description!("[hour]:[minute]")))
        .ok()
}

/// Checks a date is inside the range we can predict for, relative to `today`.
pub fn check_date_range(field: &str, date: Date, today: Date) -> Option<FieldError> {
    if date < DATA_START {
        Some(FieldError::new(
            field,
            format!(
                "must not be before {DATA_START}: no data can be loaded before rail period 2014-15 P01 (ORR Table 3138 starts there)"
            ),
        ))
    } else if date > today + Duration::days(MAX_DAYS_AHEAD) {
        Some(FieldError::new(
            field,
            format!("must be at most {MAX_DAYS_AHEAD} days ahead"),
        ))
    } else {
        None
    }
}

impl PredictRequest {
    /// Validates every field, reporting all problems at once.
    pub fn validate(&self, today: Date) -> Result<ValidRequest> {
        let mut errors = Vec::new();
        let route = Route::parse_fields(&self.origin, &self.destination, &mut errors);
        let date = parse_date(&self.departure_date);
        match date {
            None => errors.push(FieldError::new(
                "departure_date",
                "must be a date as YYYY-MM-DD",
            )),
            Some(d) => errors.extend(check_date_range("departure_date", d, today)),
        }
        let time = parse_time(&self.departure_time);
        if time.is_none() {
            errors.push(FieldError::new(
                "departure_time",
                "must be a time as HH:MM or HH:MM:SS",
            ));
        }
        let toc = match self.toc.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) => match t.as_bytes() {
                [a, b] if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() => {
                    Some([a.to_ascii_uppercase(), b.to_ascii_uppercase()])
                }
                _ => {
                    errors.push(FieldError::new(
                        "toc",
                        "must be a two-character operator code",
                    ));
                    None
                }
            },
        };
        match (route, date, time) {
            (Some(route), Some(date), Some(time)) if errors.is_empty() => Ok(ValidRequest {
                route,
                departure: PrimitiveDateTime::new(date, time),
                include_fares: self.include_fares,
                toc,
                use_cache: self.use_cache,
            }),
            _ => Err(validation(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(origin: &str, destination: &str, date: &str, time: &str) -> PredictRequest {
        PredictRequest {
            origin: origin.to_owned(),
            destination: destination.to_owned(),
            departure_date: date.to_owned(),
            departure_time: time.to_owned(),
            include_fares: false,
            toc: None,
            use_cache: true,
        }
    }

    const TODAY: Date = date!(2026 - 11 - 23);

    fn fields(e: Error) -> Vec<String> {
        e.fields().iter().map(|f| f.field.clone()).collect()
    }

    #[test]
    fn lower_case_and_padded_input_is_normalised() {
        let mut r = request(" eus", "man ", "2026-12-01", "09:30");
        r.toc = Some("vt".to_owned());
        let v = r.validate(TODAY).unwrap();
        assert_eq!(
            (v.route.origin().as_str(), v.route.destination().as_str()),
            ("EUS", "MAN")
        );
        assert_eq!(v.toc_str(), Some("VT"));
        assert_eq!(v.departure.to_string(), "2026-12-01 9:30:00.0");
    }

    #[test]
    fn seconds_are_accepted_in_times() {
        assert!(
            request("EUS", "MAN", "2026-12-01", "09:30:15")
                .validate(TODAY)
                .is_ok()
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let e = request("E1S", "MANC", "2026-13-01", "25:00")
            .validate(TODAY)
            .unwrap_err();
        assert_eq!(
            fields(e),
            ["origin", "destination", "departure_date", "departure_time"]
        );
    }

    #[test]
    fn origin_and_destination_must_differ() {
        let e = request("eus", "EUS", "2026-12-01", "09:30")
            .validate(TODAY)
            .unwrap_err();
        assert_eq!(fields(e), ["destination"]);
    }

    #[test]
    fn dates_outside_the_range_are_rejected() {
        let e = request("EUS", "MAN", "2027-11-25", "09:30")
            .validate(TODAY)
            .unwrap_err();
        assert_eq!(fields(e), ["departure_date"]);
        let e = request("EUS", "MAN", "2014-03-31", "09:30")
            .validate(TODAY)
            .unwrap_err();
        assert_eq!(fields(e), ["departure_date"]);
        assert!(
            request("EUS", "MAN", "2027-11-24", "09:30")
                .validate(TODAY)
                .is_ok()
        );
    }

    #[test]
    fn a_body_passing_the_shape_check_deserialises() {
        let full = r#"{"origin":"EUS","destination":"MAN","departure_date":"2026-12-01",
            "departure_time":"09:30","include_fares":true,"toc":null,"use_cache":false}"#;
        let r = crate::service::shape::parse_body::<PredictRequest>(full.as_bytes()).unwrap();
        assert!(r.include_fares && !r.use_cache && r.toc.is_none());
    }

    #[test]
    fn a_malformed_toc_is_rejected() {
        let mut r = request("EUS", "MAN", "2026-12-01", "09:30");
        r.toc = Some("AVANTI".to_owned());
        assert_eq!(fields(r.validate(TODAY).unwrap_err()), ["toc"]);
    }
}
