//! Handlers for route statistics, popular routes and fares.

use std::time::Instant;

use axum::extract::{Path, State};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::http::cached::Cached;
use crate::http::extract::Query;
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
) -> Result<Cached<PopularRoutes>> {
    let started = Instant::now();
    let limit = parse_limit(params.limit.as_deref(), 10)?;
    let (popular, status) = routes::cached_popular_routes(&state, limit).await?;
    Ok(Cached(popular, status, started))
}

/// `GET /api/routes/{origin}/{destination}/stats`
pub async fn stats(
    State(state): State<AppState>,
    Path((origin, destination)): Path<(String, String)>,
) -> Result<Cached<RouteStats>> {
    let started = Instant::now();
    let origin = parse_crs("origin", &origin)?;
    let destination = parse_crs("destination", &destination)?;
    if origin == destination {
        return Err(Error::invalid("destination", "must differ from origin"));
    }
    let (stats, status) = routes::cached_route_stats(&state, origin, destination).await?;
    Ok(Cached(stats, status, started))
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
) -> Result<Cached<FaresBlock>> {
    let started = Instant::now();
    let (block, status) = fares::fares_for(
        &state,
        &origin,
        &destination,
        params.date.as_deref(),
        params.time.as_deref(),
    )
    .await?;
    Ok(Cached(block, status, started))
}
