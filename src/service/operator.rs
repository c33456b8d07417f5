//! Which operator's figures answer a journey: the one asked for, else the route catalogue's,
//! else the origin station's facility owner, else the national figures (flagged as degraded).

use time::Date;
use time::format_description::well_known::Iso8601;

use crate::domain::Crs;
use crate::error::{Error, FieldError, Result};
use crate::model::OperatorPriors;
use crate::service::request::validation;
use crate::store::stations::StationRow;
use crate::store::{Db, operators, punctuality, routes, stations};

/// The ORR series used when no operator is known.
pub const NATIONAL_SERIES: &str = "Great Britain";

/// How the operator was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorChoice {
    /// The request named it (`toc`).
    Requested,
    /// The route catalogue lists it for this flow.
    RouteCatalogue,
    /// It manages the origin station.
    OriginFacilityOwner,
    /// None is known: national figures.
    National,
}

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
pub async fn find_journey(db: &Db, origin: Crs, destination: Crs) -> Result<Journey> {
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

/// Resolves the operator for a journey; an unknown requested `toc` is a 422.
pub async fn resolve(
    db: &Db,
    journey: &Journey,
    requested: Option<&str>,
) -> Result<ResolvedOperator> {
    let (toc, choice) = if let Some(toc) = requested {
        (Some(toc.to_owned()), OperatorChoice::Requested)
    } else if let Some(route) = route_for(db, journey).await? {
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
        });
    };
    match operators::find_operator(db, &toc).await? {
        Some(op) => Ok(ResolvedOperator {
            toc: Some(op.toc),
            name: op.name,
            series: op.orr_series,
            delay_repay_scheme: Some(op.delay_repay_scheme),
            choice,
        }),
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
        }),
    }
}

async fn route_for(db: &Db, journey: &Journey) -> Result<Option<routes::RouteRow>> {
    match (
        Crs::parse(&journey.origin.crs),
        Crs::parse(&journey.destination.crs),
    ) {
        (Some(o), Some(d)) => routes::find_route(db, o, d).await,
        _ => Ok(None),
    }
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
