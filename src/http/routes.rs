//! Handlers for route statistics, popular routes and fares.

use std::time::Instant;

use axum::extract::State;
use serde::Deserialize;

use crate::cache::Kind;
use crate::domain::Route;
use crate::error::Result;
use crate::http::cached::Cached;
use crate::http::envelope::ErrorEnvelope;
use crate::http::extract::{Path, Query};
use crate::service::fare_quote;
use crate::service::fares::FaresBlock;
use crate::service::request::parse_limit;
use crate::service::routes::{self, PopularRoutes, RouteStats};
use crate::state::AppState;

/// The two stations of a route as path segments, taken as text so that `Route::parse_segments`
/// names the one at fault.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(names("origin", "destination"), parameter_in = Path)]
pub struct RoutePath(
    /// Origin CRS code (any case)
    #[param(example = "EUS", pattern = "^[A-Za-z]{3}$")]
    String,
    /// Destination CRS code (any case)
    #[param(example = "MAN", pattern = "^[A-Za-z]{3}$")]
    String,
);

/// Query parameters of `GET /api/routes/popular`, taken as text so validation can name the field.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PopularParams {
    /// Routes wanted, 1–100 (default 10); anything else is a 422.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, example = 10)]
    limit: Option<String>,
}

/// The most requested routes.
///
/// Counted over the last 30 days from the service's own prediction requests, most requested
/// first; the route catalogue's routes then fill the list up to `limit` (all of it before there
/// is any traffic). Each entry's `ranked_by` says which (`requests` or `route_catalogue`); each
/// comes with its route's reliability.
#[utoipa::path(
    get,
    path = "/api/routes/popular",
    tag = "routes",
    operation_id = "popular_routes",
    params(PopularParams),
    responses(
        (status = 200, description = "Requested routes first by count, then catalogue routes up to `limit`", body = PopularRoutes),
        (status = 400, description = "`malformed_query`: the query string cannot be read", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: `limit` is not a whole number from 1 to 100", body = ErrorEnvelope),
    ),
)]
pub async fn popular(
    State(state): State<AppState>,
    Query(params): Query<PopularParams>,
) -> Result<Cached<PopularRoutes>> {
    let started = Instant::now();
    let limit = parse_limit(params.limit.as_deref(), 10)?;
    let (popular, status) = routes::cached_popular_routes(&state, limit).await?;
    Ok(Cached(popular, status, started, Kind::PopularRoutes))
}

/// Reliability statistics of a route.
///
/// PPM, lateness shares, mean and median delay, reliability score and grade; from the route's
/// own history when there is any, else its operator's ORR figures. The operator is the one
/// `POST /api/predict` uses for the pair when no `toc` is given (route catalogue, else the
/// origin station's manager).
#[utoipa::path(
    get,
    path = "/api/routes/{origin}/{destination}/stats",
    tag = "routes",
    operation_id = "route_stats",
    params(RoutePath),
    responses(
        (status = 200, description = "The route's statistics", body = RouteStats),
        (status = 400, description = "`malformed_path`: a code is not valid percent-encoded UTF-8", body = ErrorEnvelope),
        (status = 404, description = "`unknown_station`, or `unknown_route`: neither route history nor ORR figures are loaded for the pair's operator, or no operator is known for the pair (not a direct route in the route catalogue, and the origin station is not managed by a train operator whose figures are held) and the planner finds no journey between its stations on an ordinary weekday either (predictions for such a pair use national figures). A pair with no operator that the planner connects is answered from its best planned journey (`statistics.source: journey_legs`, with `planned_journey`)", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: a code is not three letters, or origin equals destination", body = ErrorEnvelope),
    ),
)]
pub async fn stats(
    State(state): State<AppState>,
    Path(RoutePath(origin, destination)): Path<RoutePath>,
) -> Result<Cached<RouteStats>> {
    let started = Instant::now();
    let route = Route::parse_segments(&origin, &destination)?;
    let (stats, status) = routes::cached_route_stats(&state, route).await?;
    Ok(Cached(stats, status, started, Kind::RouteStats))
}

/// Query parameters of `GET /api/fares/{origin}/{destination}`. Both are required; they are
/// optional here only so that a missing one is our 422 naming it, not a bare 400.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FaresParams {
    /// Travel date, `YYYY-MM-DD` (fare validity).
    #[param(value_type = String, required = true, format = Date, example = "2026-12-01")]
    date: Option<String>,
    /// Departure time, `HH:MM` or `HH:MM:SS`, Europe/London wall time (decides whether
    /// off-peak tickets are valid).
    #[param(value_type = String, required = true, example = "09:30", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")]
    time: Option<String>,
}

/// The fares of a journey on a date.
///
/// Cheapest first, each with its expected Delay Repay compensation and effective price (price
/// minus expected refund).
#[utoipa::path(
    get,
    path = "/api/fares/{origin}/{destination}",
    tag = "fares",
    operation_id = "fares",
    params(RoutePath, FaresParams),
    responses(
        (status = 200, description = "The fares block", body = FaresBlock),
        (status = 400, description = "`malformed_query` or `malformed_path`: the query string cannot be read, or a code is not valid percent-encoded UTF-8", body = ErrorEnvelope),
        (status = 404, description = "`unknown_station`, or no fare exists for the flow on that date", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: a code, `date` or `time` is missing or malformed, or the date is out of range (a past date before the earliest loaded ORR rail period names the range). `no_service`: the date is Christmas Day, when no trains run in Great Britain", body = ErrorEnvelope),
    ),
)]
pub async fn fares(
    State(state): State<AppState>,
    Path(RoutePath(origin, destination)): Path<RoutePath>,
    Query(params): Query<FaresParams>,
) -> Result<Cached<FaresBlock>> {
    let started = Instant::now();
    let (block, status) = fare_quote::fares_for(
        &state,
        &origin,
        &destination,
        params.date.as_deref(),
        params.time.as_deref(),
    )
    .await?;
    Ok(Cached(block, status, started, Kind::Fare))
}
