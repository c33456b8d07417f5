//! Handlers for route statistics, popular routes and fares.

use axum::extract::{Path, State};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::http::extract::{Json, Query};
use crate::service::fares::{self, FaresBlock};
use crate::service::request::parse_limit;
use crate::service::routes::{self, PopularRoutes, RouteStats};
use crate::service::stations::parse_crs;
use crate::state::AppState;

/// Query parameters of `GET /api/routes/popular`.
#[derive(Debug, Deserialize)]
pub struct PopularParams {
    limit: Option<String>,
}

/// `GET /api/routes/popular?limit=`
pub async fn popular(
    State(state): State<AppState>,
    Query(params): Query<PopularParams>,
) -> Result<Json<PopularRoutes>> {
    let limit = parse_limit(params.limit.as_deref(), 10)?;
    Ok(Json(routes::popular_routes(&state.db, limit).await?))
}

/// `GET /api/routes/{origin}/{destination}/stats`
pub async fn stats(
    State(state): State<AppState>,
    Path((origin, destination)): Path<(String, String)>,
) -> Result<Json<RouteStats>> {
    let origin = parse_crs("origin", &origin)?;
    let destination = parse_crs("destination", &destination)?;
    if origin == destination {
        return Err(Error::invalid("destination", "must differ from origin"));
    }
    Ok(Json(
        routes::route_stats(&state.db, origin, destination).await?,
    ))
}

/// Query parameters of `GET /api/fares/{origin}/{destination}`.
#[derive(Debug, Deserialize)]
pub struct FaresParams {
    date: Option<String>,
    time: Option<String>,
}

/// `GET /api/fares/{origin}/{destination}?date=&time=`
pub async fn fares(
    State(state): State<AppState>,
    Path((origin, destination)): Path<(String, String)>,
    Query(params): Query<FaresParams>,
) -> Result<Json<FaresBlock>> {
    Ok(Json(
        fares::fares_for(
            &state,
            &origin,
            &destination,
            params.date.as_deref(),
            params.time.as_deref(),
        )
        .await?,
    ))
}
