//! The `GET /api/fares/{origin}/{destination}` use case: validate the query, load the journey's
//! fares and its prediction (each through the cache), and price the one with the other.

use time::{OffsetDateTime, PrimitiveDateTime};

use crate::cache::CacheStatus;
use crate::domain::{Route, TimeBand};
use crate::error::{Error, FieldError, Result};
use crate::service::fares::{FaresBlock, FaresKey, FaresStatus, cached_fares, price};
use crate::service::operator;
use crate::service::predict::{self, cached_body_of};
use crate::service::request::{ValidRequest, check_date_range, parse_date, parse_time, validation};
use crate::state::AppState;

/// Fares of a journey on a date and time, priced with the journey's predicted delays
/// (`GET /api/fares/{origin}/{destination}?date=&time=`).
pub async fn fares_for(
    state: &AppState,
    origin: &str,
    destination: &str,
    date: Option<&str>,
    time: Option<&str>,
) -> Result<(FaresBlock, CacheStatus)> {
    let mut errors = Vec::new();
    let route = Route::parse_fields(origin, destination, &mut errors);
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
    let (Some(route), Some(date), Some(time)) = (route, date, time) else {
        return Err(validation(errors));
    };
    if !errors.is_empty() {
        return Err(validation(errors));
    }
    let departure = PrimitiveDateTime::new(date, time);
    let journey = operator::find_journey(&state.db, route)
        .await
        .map_err(operator::unknown_station_as_not_found)?;
    let day = predict::departure_day(&journey.origin, date, "date")?;
    predict::check_loaded_periods(&state.db, date, OffsetDateTime::now_utc().date(), "date")
        .await?;
    let key = FaresKey {
        route,
        date,
        band: TimeBand::of(departure, day.day_type),
    };
    let (loaded, status) = cached_fares(state, &key, &journey, true).await?;
    let fares = match &loaded.0 {
        Ok(fares) => fares,
        Err(status) => {
            return Err(Error::NotFound {
                code: "no_fares",
                message: match status {
                    FaresStatus::NoFareData => "no fares are loaded".to_owned(),
                    _ => format!(
                        "no fare valid on {date} between {} and {}",
                        route.origin(),
                        route.destination()
                    ),
                },
            });
        }
    };
    let valid = ValidRequest {
        route,
        departure,
        include_fares: false,
        toc: None,
        use_cache: true,
    };
    // The stations are found and the day checked above (naming `date`, not `departure_date`).
    let (body, _) = cached_body_of(state, &valid, &journey, day).await?;
    let prediction = &body.prediction;
    Ok((
        price(
            fares,
            prediction.delay_repay_scheme.as_deref(),
            prediction.bands.into(),
        ),
        status,
    ))
}
