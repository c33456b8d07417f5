//! Fares for a journey and their value once Delay Repay is priced in: load the fares valid on
//! the travel date (through the cache, as the `fare` kind), then price each ticket's expected
//! compensation from a predicted delay distribution. Used by the prediction use case and by
//! `fare_quote` (`GET /api/fares`); it never calls either.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::cache::{CacheStatus, Kind, key as cache_key};
use crate::domain::ticket::{Journey, TicketClass, TicketKind};
use crate::domain::time_band::{MORNING_PEAK, TimeBand};
use crate::domain::{Crs, Route};
use crate::error::Result;
use crate::model::DelayRepayBands;
use crate::model::delay_repay::{self, Scheme};
use crate::service::operator::Journey as Stations;
use crate::state::AppState;
use crate::store::{Db, fares};

/// Everything the fares of a journey depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FaresKey {
    /// Origin and destination.
    pub route: Route,
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
    pub kind: TicketKind,
    /// Ticket type code.
    pub code: String,
    /// Ticket type description.
    pub description: String,
    /// `standard`, `first` or `both`.
    pub class: TicketClass,
    /// `single` or `return`.
    pub journey: Journey,
    /// Price in pounds.
    pub price: f64,
    /// Whether the ticket can be used for this departure time.
    pub valid_at_departure: bool,
    /// Restriction code, if any.
    pub restriction: Option<String>,
}

/// Where loaded fares come from (`data_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaresSource {
    /// The RDG fares feed.
    RdgFaresFeed,
    /// The built-in made-up prices (demonstration only).
    Sample,
}

crate::domain::spelled!(FaresSource {
    RdgFaresFeed => "rdg_fares_feed",
    Sample => "sample",
});

/// The fares of a journey on a date (the cacheable part of the `fares` block).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaresCore {
    /// Tickets valid on the date, cheapest first.
    pub tickets: Vec<TicketFare>,
    /// `rdg_fares_feed` or `sample`.
    pub data_source: FaresSource,
    /// Travel date.
    pub fares_valid_on: String,
    /// Origin CRS.
    pub origin: Crs,
    /// Destination CRS.
    pub destination: Crs,
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

/// Loads the fares of a journey (`key`'s stations), or the reason there are none.
pub async fn load_fares(
    db: &Db,
    key: &FaresKey,
    journey: &Stations,
) -> Result<std::result::Result<FaresCore, FaresStatus>> {
    let data_source = match fares::fare_sources(db).await? {
        (true, _) => FaresSource::RdgFaresFeed,
        (false, true) => FaresSource::Sample,
        (false, false) => return Ok(Err(FaresStatus::NoFareData)),
    };
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
            let off_peak = matches!(f.kind, TicketKind::OffPeak | TicketKind::SuperOffPeak);
            TicketFare {
                valid_at_departure: !(off_peak && key.band == TimeBand::Peak),
                kind: f.kind,
                code: f.ticket_code.clone(),
                description: f.description.clone(),
                class: f.class,
                journey: f.journey,
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
        data_source,
        fares_valid_on: date,
        origin: journey.origin.crs,
        destination: journey.destination.crs,
    }))
}

/// The fares of a flow, or why there are none, as cached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaresLookup(pub std::result::Result<FaresCore, FaresStatus>);

/// Loads the fares of a journey (`key`'s stations) through the cache.
pub async fn cached_fares(
    state: &AppState,
    key: &FaresKey,
    journey: &Stations,
    use_cache: bool,
) -> Result<(std::sync::Arc<FaresLookup>, CacheStatus)> {
    let cache_key = cache_key::fare(
        key.route.origin(),
        key.route.destination(),
        key.date,
        key.band,
    );
    state
        .cache
        .get_or_load(Kind::Fare, &cache_key, use_cache, || async {
            Ok(FaresLookup(load_fares(&state.db, key, journey).await?))
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
    pub kind: TicketKind,
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
    #[schema(value_type = String)]
    pub origin: Crs,
    /// Destination CRS.
    #[schema(value_type = String)]
    pub destination: Crs,
    /// `rdg_fares_feed`, or `sample` for the built-in made-up prices.
    pub data_source: FaresSource,
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
    /// Cheapest standard-class off-peak single (`OFF_PEAK` only) valid at the departure time
    /// (null in the peak, or when the flow has none).
    pub off_peak: Option<f64>,
    /// Cheapest standard-class super off-peak single (`SUPER_OFF_PEAK`) valid at the departure
    /// time (null in the peak, or when the flow has none).
    pub super_off_peak: Option<f64>,
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

/// Prices the loaded fares with a prediction's Delay Repay scheme (its code, when the operator
/// is known) and band probabilities.
pub fn price(
    fares: &FaresCore,
    delay_repay_scheme: Option<&str>,
    bands: DelayRepayBands,
) -> FaresBlock {
    let scheme = delay_repay_scheme.and_then(Scheme::from_code);
    let share = |journey: Journey| {
        scheme.map_or(0.0, |s| {
            delay_repay::expected_refund_share(s, journey, &bands)
        })
    };
    let tickets: Vec<PricedTicket> = fares
        .tickets
        .iter()
        .map(|t| {
            let refund = round2(t.price * share(t.journey));
            PricedTicket {
                fare: t.clone(),
                expected_delay_repay: refund,
                effective_price: round2(t.price - refund),
            }
        })
        .collect();
    let cheapest_single = |kind: TicketKind, usable_only: bool| {
        fares
            .tickets
            .iter()
            .filter(|t| t.journey == Journey::Single && t.class != TicketClass::First)
            .filter(|t| t.kind == kind)
            .filter(|t| !usable_only || t.valid_at_departure)
            .map(|t| t.price)
            .min_by(f64::total_cmp)
    };
    let anytime = cheapest_single(TicketKind::Anytime, false);
    let cheapest = fares
        .tickets
        .iter()
        .filter(|t| {
            t.journey == Journey::Single && t.class != TicketClass::First && t.valid_at_departure
        })
        .min_by(|a, b| a.price.total_cmp(&b.price))
        .map(|t| {
            let saving = anytime.map_or(0.0, |a| (a - t.price).max(0.0));
            Cheapest {
                kind: t.kind,
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
    if fares.data_source == FaresSource::Sample {
        assumptions.push("SAMPLE prices for demonstration: not real fares".to_owned());
    }
    FaresBlock {
        advance: cheapest_single(TicketKind::Advance, false),
        off_peak: cheapest_single(TicketKind::OffPeak, true),
        super_off_peak: cheapest_single(TicketKind::SuperOffPeak, true),
        anytime,
        cheapest,
        tickets,
        delay_repay: DelayRepaySummary {
            scheme: delay_repay_scheme.map(str::to_owned),
            expected_refund_share: (share(Journey::Single) * 10_000.0).round() / 10_000.0,
        },
        meta: FaresMeta {
            origin: fares.origin,
            destination: fares.destination,
            data_source: fares.data_source,
            fares_valid_on: fares.fares_valid_on.clone(),
            is_sample: fares.data_source == FaresSource::Sample,
            assumptions,
        },
    }
}
