//! Fares for a journey and their value once Delay Repay is priced in: load the fares valid on
//! the travel date (one function per kind, which the cache layer will wrap), then price each
//! ticket's expected compensation from the predicted delay distribution.

use serde::{Deserialize, Serialize};
use time::{Date, PrimitiveDateTime};

use crate::domain::Crs;
use crate::error::Result;
use crate::model::DayType;
use crate::model::delay_repay::{self, Journey, Scheme};
use crate::service::operator;
use crate::service::predict::PredictionCore;
use crate::store::{Db, fares};

/// Weekday departures in this window are peak: off-peak and super off-peak tickets are not
/// valid. A simplification of the feed's per-flow restriction codes, reported as an assumption.
pub const MORNING_PEAK: (u8, u8, u8, u8) = (6, 0, 9, 29);

/// Whether off-peak tickets are valid at a departure time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeBand {
    /// Working weekday 06:00–09:29: anytime and advance tickets only.
    Peak,
    /// Any other time, and all day at weekends and on bank holidays.
    OffPeak,
}

impl TimeBand {
    /// The band of a departure on a day of `day_type`: weekends, bank holidays and Boxing Day
    /// are off-peak all day; 27–31 December keeps the weekday morning peak on working weekdays
    /// (operators differ, and claiming off-peak validity there would overstate it).
    pub fn of(departure: PrimitiveDateTime, day_type: DayType) -> Self {
        let weekend = match day_type {
            DayType::Weekday => false,
            DayType::ChristmasToNewYear => DayType::of(departure.date()) != DayType::Weekday,
            DayType::Saturday | DayType::Sunday | DayType::BankHoliday | DayType::BoxingDay => true,
        };
        let minutes = u16::from(departure.hour()) * 60 + u16::from(departure.minute());
        let (h0, m0, h1, m1) = MORNING_PEAK;
        let (start, end) = (
            u16::from(h0) * 60 + u16::from(m0),
            u16::from(h1) * 60 + u16::from(m1),
        );
        if !weekend && (start..=end).contains(&minutes) {
            Self::Peak
        } else {
            Self::OffPeak
        }
    }
}

/// Everything the fares of a journey depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FaresKey {
    /// Origin.
    pub origin: Crs,
    /// Destination.
    pub destination: Crs,
    /// Travel date (fare validity).
    pub date: Date,
    /// Peak or off-peak departure.
    pub band: TimeBand,
}

/// One ticket as loaded (cacheable; no Delay Repay yet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TicketFare {
    /// `ADVANCE`, `OFF_PEAK`, `SUPER_OFF_PEAK`, `ANYTIME` or `OTHER`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Ticket type code.
    pub code: String,
    /// Ticket type description.
    pub description: String,
    /// `standard`, `first` or `both`.
    pub class: String,
    /// `single` or `return`.
    pub journey: String,
    /// Price in pounds.
    pub price: f64,
    /// Whether the ticket can be used for this departure time.
    pub valid_at_departure: bool,
    /// Restriction code, if any.
    pub restriction: Option<String>,
}

/// The fares of a journey on a date (the cacheable part of the `fares` block).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaresCore {
    /// Tickets valid on the date, cheapest first.
    pub tickets: Vec<TicketFare>,
    /// `rdg_fares_feed` or `sample`.
    pub data_source: String,
    /// Travel date.
    pub fares_valid_on: String,
    /// Origin CRS.
    pub origin: String,
    /// Destination CRS.
    pub destination: String,
}

/// Why a response has no fares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaresStatus {
    /// `include_fares` was false.
    NotRequested,
    /// No fares are loaded at all.
    NoFareData,
    /// Fares are loaded but none for this flow and date.
    NoFaresForFlow,
}

/// Loads the fares of a journey, or the reason there are none.
pub async fn load_fares(
    db: &Db,
    key: &FaresKey,
) -> Result<std::result::Result<FaresCore, FaresStatus>> {
    let data_source = match fares::fare_sources(db).await? {
        (true, _) => "rdg_fares_feed",
        (false, true) => "sample",
        (false, false) => return Ok(Err(FaresStatus::NoFareData)),
    };
    let journey = operator::find_journey(db, key.origin, key.destination).await?;
    let (Some(o), Some(d)) = (
        journey.origin.nlc.as_deref(),
        journey.destination.nlc.as_deref(),
    ) else {
        return Ok(Err(FaresStatus::NoFaresForFlow));
    };
    let date = key.date.to_string();
    let flows = fares::fares_between(db, o, d).await?;
    let mut tickets: Vec<TicketFare> = flows
        .iter()
        .filter(|f| {
            f.valid_from <= date
                && date <= f.valid_until
                && f.ticket_valid_from <= date
                && date <= f.ticket_valid_until
        })
        .map(|f| {
            let off_peak = matches!(f.kind.as_str(), "OFF_PEAK" | "SUPER_OFF_PEAK");
            TicketFare {
                valid_at_departure: !(off_peak && key.band == TimeBand::Peak),
                kind: f.kind.clone(),
                code: f.ticket_code.clone(),
                description: f.description.clone(),
                class: f.class.clone(),
                journey: f.journey.clone(),
                price: f.price_pence as f64 / 100.0,
                restriction: f.restriction.clone(),
            }
        })
        .collect();
    if tickets.is_empty() {
        return Ok(Err(FaresStatus::NoFaresForFlow));
    }
    tickets.sort_by(|a, b| {
        a.price
            .total_cmp(&b.price)
            .then_with(|| a.code.cmp(&b.code))
    });
    tickets.dedup_by(|a, b| a.code == b.code && a.price == b.price);
    Ok(Ok(FaresCore {
        tickets,
        data_source: data_source.to_owned(),
        fares_valid_on: date,
        origin: journey.origin.crs,
        destination: journey.destination.crs,
    }))
}

/// The fares of a flow, or why there are none, as cached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaresLookup(pub std::result::Result<FaresCore, FaresStatus>);

/// Loads the fares of a journey through the cache.
pub async fn cached_fares(
    state: &crate::state::AppState,
    key: &FaresKey,
    use_cache: bool,
) -> Result<(std::sync::Arc<FaresLookup>, crate::cache::CacheStatus)> {
    let cache_key = crate::cache::key::fare(key.origin, key.destination, key.date, key.band);
    state
        .cache
        .get_or_load(crate::cache::Kind::Fare, &cache_key, use_cache, || async {
            Ok(FaresLookup(load_fares(&state.db, key).await?))
        })
        .await
}

/// One ticket of the response, with its expected Delay Repay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PricedTicket {
    /// The ticket.
    #[serde(flatten)]
    pub fare: TicketFare,
    /// Expected Delay Repay compensation in pounds, from the predicted delay distribution.
    pub expected_delay_repay: f64,
    /// Price minus expected compensation, in pounds.
    pub effective_price: f64,
}

/// The cheapest ticket usable at the departure time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cheapest {
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its price in pounds.
    pub price: f64,
    /// Saving against the cheapest anytime single, pounds.
    pub savings_amount: f64,
    /// Saving against the cheapest anytime single, percent.
    pub savings_percentage: f64,
}

/// The operator's scheme and the expected refund share of a single ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DelayRepaySummary {
    /// `DR15` or `DR30` (null when no operator is known).
    pub scheme: Option<String>,
    /// Expected share of a single fare refunded.
    pub expected_refund_share: f64,
}

/// Where the fares come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaresMeta {
    /// Origin CRS.
    pub origin: String,
    /// Destination CRS.
    pub destination: String,
    /// `rdg_fares_feed`, or `sample` for the built-in made-up prices.
    pub data_source: String,
    /// Travel date the fares are valid on.
    pub fares_valid_on: String,
    /// Always true for the sample set: these are not real prices.
    pub is_sample: bool,
    /// Assumptions behind validity and compensation.
    pub assumptions: Vec<String>,
}

/// The `fares` block of a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaresBlock {
    /// Cheapest standard-class advance single, pounds.
    pub advance: Option<f64>,
    /// Cheapest standard-class off-peak single valid at the departure time (null in the peak).
    pub off_peak: Option<f64>,
    /// Cheapest standard-class anytime single.
    pub anytime: Option<f64>,
    /// Cheapest ticket usable at the departure time.
    pub cheapest: Option<Cheapest>,
    /// Every ticket, with expected compensation.
    pub tickets: Vec<PricedTicket>,
    /// The operator's Delay Repay scheme.
    pub delay_repay: DelayRepaySummary,
    /// Provenance.
    pub meta: FaresMeta,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Prices the loaded fares with the prediction's delay distribution.
pub fn price(fares: &FaresCore, prediction: &PredictionCore) -> FaresBlock {
    let scheme = prediction
        .delay_repay_scheme
        .as_deref()
        .and_then(Scheme::from_code);
    let bands = prediction.bands.into();
    let share = |journey: Journey| {
        scheme.map_or(0.0, |s| {
            delay_repay::expected_refund_share(s, journey, &bands)
        })
    };
    let tickets: Vec<PricedTicket> = fares
        .tickets
        .iter()
        .map(|t| {
            let journey = if t.journey == "return" {
                Journey::Return
            } else {
                Journey::Single
            };
            let refund = round2(t.price * share(journey));
            PricedTicket {
                fare: t.clone(),
                expected_delay_repay: refund,
                effective_price: round2(t.price - refund),
            }
        })
        .collect();
    let cheapest_single = |kinds: &[&str], usable_only: bool| {
        fares
            .tickets
            .iter()
            .filter(|t| t.journey == "single" && t.class != "first")
            .filter(|t| kinds.contains(&t.kind.as_str()))
            .filter(|t| !usable_only || t.valid_at_departure)
            .map(|t| t.price)
            .min_by(f64::total_cmp)
    };
    let anytime = cheapest_single(&["ANYTIME"], false);
    let cheapest = fares
        .tickets
        .iter()
        .filter(|t| t.journey == "single" && t.class != "first" && t.valid_at_departure)
        .min_by(|a, b| a.price.total_cmp(&b.price))
        .map(|t| {
            let saving = anytime.map_or(0.0, |a| (a - t.price).max(0.0));
            Cheapest {
                kind: t.kind.clone(),
                price: t.price,
                savings_amount: round2(saving),
                savings_percentage: anytime
                    .filter(|a| *a > 0.0)
                    .map_or(0.0, |a| (saving / a * 1000.0).round() / 10.0),
            }
        });
    let mut assumptions = vec![format!(
        "off-peak and super off-peak tickets are taken as invalid for working-weekday departures {:02}:{:02}-{:02}:{:02}, and valid all day at weekends, on bank holidays and on Boxing Day (restriction codes are not evaluated)",
        MORNING_PEAK.0, MORNING_PEAK.1, MORNING_PEAK.2, MORNING_PEAK.3
    )];
    assumptions.push(
        "expected Delay Repay = sum over delay bands of P(band) x refund share x price, from the predicted delay distribution".to_owned(),
    );
    if fares.data_source == "sample" {
        assumptions.push("SAMPLE prices for demonstration: not real fares".to_owned());
    }
    FaresBlock {
        advance: cheapest_single(&["ADVANCE"], false),
        off_peak: cheapest_single(&["OFF_PEAK", "SUPER_OFF_PEAK"], true),
        anytime,
        cheapest,
        tickets,
        delay_repay: DelayRepaySummary {
            scheme: prediction.delay_repay_scheme.clone(),
            expected_refund_share: (share(Journey::Single) * 10_000.0).round() / 10_000.0,
        },
        meta: FaresMeta {
            origin: fares.origin.clone(),
            destination: fares.destination.clone(),
            data_source: fares.data_source.clone(),
            fares_valid_on: fares.fares_valid_on.clone(),
            is_sample: fares.data_source == "sample",
            assumptions,
        },
    }
}

/// Fares of a journey on a date and time, priced with the journey's predicted delays
/// (`GET /api/fares/{origin}/{destination}?date=&time=`).
pub async fn fares_for(
    state: &crate::state::AppState,
    origin: &str,
    destination: &str,
    date: Option<&str>,
    time: Option<&str>,
) -> Result<(FaresBlock, crate::cache::CacheStatus)> {
    use crate::error::{Error, FieldError};
    use crate::service::request::{check_date_range, parse_date, parse_time, validation};
    let mut errors = Vec::new();
    let origin = Crs::parse(origin);
    if origin.is_none() {
        errors.push(FieldError::new(
            "origin",
            "must be a CRS code (three letters)",
        ));
    }
    let destination = Crs::parse(destination);
    if destination.is_none() {
        errors.push(FieldError::new(
            "destination",
            "must be a CRS code (three letters)",
        ));
    }
    if origin.is_some() && origin == destination {
        errors.push(FieldError::new("destination", "must differ from origin"));
    }
    let date = match date.map(parse_date) {
        None => {
            errors.push(FieldError::new("date", "required, as YYYY-MM-DD"));
            None
        }
        Some(None) => {
            errors.push(FieldError::new("date", "must be a date as YYYY-MM-DD"));
            None
        }
        Some(Some(d)) => {
            errors.extend(check_date_range(
                "date",
                d,
                time::OffsetDateTime::now_utc().date(),
            ));
            Some(d)
        }
    };
    let time = match time.map(parse_time) {
        None => {
            errors.push(FieldError::new("time", "required, as HH:MM"));
            None
        }
        Some(None) => {
            errors.push(FieldError::new(
                "time",
                "must be a time as HH:MM or HH:MM:SS",
            ));
            None
        }
        Some(t) => t,
    };
    let (Some(origin), Some(destination), Some(date), Some(time)) =
        (origin, destination, date, time)
    else {
        return Err(validation(errors));
    };
    if !errors.is_empty() {
        return Err(validation(errors));
    }
    let departure = PrimitiveDateTime::new(date, time);
    let journey = operator::find_journey(&state.db, origin, destination)
        .await
        .map_err(operator::unknown_station_as_not_found)?;
    let day = crate::service::predict::departure_day(&journey.origin, date, "date")?;
    crate::service::predict::check_loaded_periods(
        &state.db,
        date,
        time::OffsetDateTime::now_utc().date(),
        "date",
    )
    .await?;
    let key = FaresKey {
        origin,
        destination,
        date,
        band: TimeBand::of(departure, day.day_type),
    };
    let (loaded, status) = cached_fares(state, &key, true)
        .await
        .map_err(operator::unknown_station_as_not_found)?;
    let fares = match &loaded.0 {
        Ok(fares) => fares,
        Err(status) => {
            return Err(Error::NotFound {
                code: "no_fares",
                message: match status {
                    FaresStatus::NoFareData => "no fares are loaded".to_owned(),
                    _ => format!("no fare valid on {date} between {origin} and {destination}"),
                },
            });
        }
    };
    let valid = crate::service::request::ValidRequest {
        origin,
        destination,
        departure,
        include_fares: false,
        toc: None,
        use_cache: true,
    };
    let (body, _) = crate::service::predict::cached_body(state, &valid).await?;
    Ok((price(fares, &body.prediction), status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn weekday_mornings_are_peak_and_weekends_never() {
        let band = |at: PrimitiveDateTime| TimeBand::of(at, DayType::of(at.date()));
        assert_eq!(band(datetime!(2026-12-01 07:45)), TimeBand::Peak);
        assert_eq!(band(datetime!(2026-12-01 09:30)), TimeBand::OffPeak);
        assert_eq!(band(datetime!(2026-12-05 07:45)), TimeBand::OffPeak);
    }

    #[test]
    fn bank_holidays_and_boxing_day_are_off_peak_all_day() {
        let at = datetime!(2026-08-31 07:45);
        assert_eq!(TimeBand::of(at, DayType::BankHoliday), TimeBand::OffPeak);
        assert_eq!(TimeBand::of(at, DayType::BoxingDay), TimeBand::OffPeak);
        // 27-31 December keeps the morning peak on working weekdays, not at weekends.
        let tuesday = datetime!(2026-12-29 07:45);
        assert_eq!(
            TimeBand::of(tuesday, DayType::ChristmasToNewYear),
            TimeBand::Peak
        );
        let saturday = datetime!(2029-12-29 07:45);
        assert_eq!(
            TimeBand::of(saturday, DayType::ChristmasToNewYear),
            TimeBand::OffPeak
        );
    }
}
