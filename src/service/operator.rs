//! Which operator's figures answer a journey: the one asked for, else the route catalogue's,
//! else the origin station's facility owner, else the national figures (flagged as degraded).

use serde::{Deserialize, Serialize};
use time::Date;
use time::format_description::well_known::Iso8601;

use crate::domain::Route;
use crate::error::{Error, FieldError, Result};
use crate::model::OperatorPriors;
use crate::service::request::validation;
use crate::store::stations::StationRow;
use crate::store::{Db, operators, punctuality, routes, stations};

/// The ORR series used when no operator is known.
pub const NATIONAL_SERIES: &str = "Great Britain";

/// How the operator was chosen (`basis.operator_choice`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperatorChoice {
    /// The request named it (`toc`).
    Requested,
    /// The request named it, and the route catalogue lists another operator on this route (the
    /// catalogue holds one operator per flow, so this may still be a real service: the figures
    /// are the requested operator's, and `assumptions` says so).
    RequestedNotInCatalogue,
    /// The route catalogue lists it for this flow.
    RouteCatalogue,
    /// It manages the origin station.
    OriginFacilityOwner,
    /// None is known: national figures.
    National,
    /// No direct service: the final leg's operator of a planned itinerary.
    JourneyLegs,
}

crate::domain::spelled!(OperatorChoice {
    Requested => "requested",
    RequestedNotInCatalogue => "requested_not_in_catalogue",
    RouteCatalogue => "route_catalogue",
    OriginFacilityOwner => "origin_facility_owner",
    National => "national",
    JourneyLegs => "journey_legs",
});

/// The operator whose figures answer a request.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedOperator {
    /// ATOC code, `None` for national figures.
    pub toc: Option<String>,
    /// Name to show.
    pub name: String,
    /// ORR 3138 series whose priors apply.
    pub series: String,
    /// `DR15`/`DR30`, when an operator is known.
    pub delay_repay_scheme: Option<String>,
    /// How it was chosen.
    pub choice: OperatorChoice,
    /// What the answer must say about the choice (an assumption), e.g. that the catalogue lists
    /// another operator on the route.
    pub note: Option<String>,
}

/// Both stations of a journey, checked to exist.
#[derive(Debug, Clone, PartialEq)]
pub struct Journey {
    /// Origin station.
    pub origin: StationRow,
    /// Destination station.
    pub destination: StationRow,
}

/// Looks both stations up; an unknown one is a 422 naming its field.
pub async fn find_journey(db: &Db, route: Route) -> Result<Journey> {
    let (origin, destination) = (route.origin(), route.destination());
    let (o, d) = stations::find_two_stations(db, origin, destination).await?;
    let mut errors = Vec::new();
    if o.is_none() {
        errors.push(FieldError::new(
            "origin",
            format!("no station with CRS code '{origin}'"),
        ));
    }
    if d.is_none() {
        errors.push(FieldError::new(
            "destination",
            format!("no station with CRS code '{destination}'"),
        ));
    }
    match (o, d) {
        (Some(origin), Some(destination)) => Ok(Journey {
            origin,
            destination,
        }),
        _ => Err(match validation(errors) {
            Error::Validation {
                message, fields, ..
            } => Error::Validation {
                code: "unknown_station",
                message,
                fields,
            },
            other => other,
        }),
    }
}

/// For endpoints whose stations are path segments: an unknown station is a missing resource
/// (404 `unknown_station`) rather than invalid input.
pub fn unknown_station_as_not_found(e: Error) -> Error {
    match e {
        Error::Validation {
            code: "unknown_station",
            message,
            ..
        } => Error::NotFound {
            code: "unknown_station",
            message,
        },
        other => other,
    }
}

/// Resolves the operator for a journey. A requested `toc` that is no operator is a 422
/// `unknown_operator`. One the route catalogue does not list on this route is used as asked, with
/// choice `requested_not_in_catalogue` and a note naming the catalogue's operator: the catalogue
/// holds one operator per flow, so refusing would turn away real services (Southern between
/// Victoria and Gatwick, say), while answering without a word would hide that the figures are not
/// the route's main operator's.
pub async fn resolve(
    db: &Db,
    journey: &Journey,
    requested: Option<&str>,
) -> Result<ResolvedOperator> {
    let route = route_for(db, journey).await?;
    let (toc, choice) = if let Some(toc) = requested {
        (Some(toc.to_owned()), OperatorChoice::Requested)
    } else if let Some(route) = route.clone() {
        (Some(route.toc), OperatorChoice::RouteCatalogue)
    } else if let Some(owner) = journey.origin.facility_owner_toc.clone() {
        (Some(owner), OperatorChoice::OriginFacilityOwner)
    } else {
        (None, OperatorChoice::National)
    };
    let Some(toc) = toc else {
        return Ok(ResolvedOperator {
            toc: None,
            name: "National average".to_owned(),
            series: NATIONAL_SERIES.to_owned(),
            delay_repay_scheme: None,
            choice,
            note: None,
        });
    };
    match operators::find_operator(db, &toc).await? {
        Some(op) => {
            let listed = route
                .filter(|r| choice == OperatorChoice::Requested && r.toc != op.toc)
                .map(|r| r.toc);
            let (choice, note) = match listed {
                Some(listed) => (
                    OperatorChoice::RequestedNotInCatalogue,
                    Some(not_in_catalogue(db, journey, &op, &listed).await?),
                ),
                None => (choice, None),
            };
            Ok(ResolvedOperator {
                toc: Some(op.toc),
                name: op.name,
                series: op.orr_series,
                delay_repay_scheme: Some(op.delay_repay_scheme),
                choice,
                note,
            })
        }
        None if choice == OperatorChoice::Requested => Err(Error::Validation {
            code: "unknown_operator",
            message: format!("toc: no operator with code '{toc}'"),
            fields: vec![FieldError::new(
                "toc",
                format!("no operator with code '{toc}'"),
            )],
        }),
        // Catalogue and station rows reference known operators; if one does not, answer
        // nationally rather than fail the traveller.
        None => Ok(ResolvedOperator {
            toc: None,
            name: "National average".to_owned(),
            series: NATIONAL_SERIES.to_owned(),
            delay_repay_scheme: None,
            choice: OperatorChoice::National,
            note: None,
        }),
    }
}

/// The note for a requested operator the catalogue does not list on the journey's route, naming
/// the one it does (with its full name when the operator table knows it).
async fn not_in_catalogue(
    db: &Db,
    journey: &Journey,
    requested: &operators::OperatorRow,
    listed: &str,
) -> Result<String> {
    let listed = match operators::find_operator(db, listed).await? {
        Some(op) => format!("{} ({})", op.toc, op.name),
        None => listed.to_owned(),
    };
    Ok(format!(
        "the route catalogue lists {listed} on {}→{}, not the requested {} ({}); the figures \
         are {}'s own (the catalogue holds one operator per flow, so {} may still run it)",
        journey.origin.crs,
        journey.destination.crs,
        requested.toc,
        requested.name,
        requested.toc,
        requested.toc
    ))
}

async fn route_for(db: &Db, journey: &Journey) -> Result<Option<routes::RouteRow>> {
    routes::find_route(db, journey.origin.crs, journey.destination.crs).await
}

/// The ORR priors of a series and the last day of data behind them; `None` when the series has
/// no figures loaded.
pub async fn load_priors(db: &Db, series: &str) -> Result<Option<(OperatorPriors, Option<Date>)>> {
    let rows = punctuality::priors_for_series(db, series).await?;
    let data_through = rows
        .first()
        .and_then(|r| Date::parse(&r.data_through, &Iso8601::DATE).ok());
    let priors = OperatorPriors::from_periods(rows.iter().filter_map(|r| {
        let period = u8::try_from(r.period).ok()?;
        Some((period, r.shares()))
    }));
    Ok(priors.map(|p| (p, data_through)))
}
