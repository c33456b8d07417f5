//! Handlers for station search and lookup.

use axum::extract::{Path, State};
use serde::Deserialize;

use crate::error::Result;
use crate::http::extract::{Json, Query};
use crate::service::stations::{self, SearchQuery, StationDetail, StationList};
use crate::state::AppState;

/// Query parameters of `GET /api/stations`, taken as text so validation can name the field.
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    limit: Option<String>,
}

/// `GET /api/stations?q=&limit=`
pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Json<StationList>> {
    let query = SearchQuery::parse(params.q.as_deref(), params.limit.as_deref())?;
    Ok(Json(stations::search(&state.db, &query).await?))
}

/// `GET /api/stations/{crs}`
pub async fn station(
    State(state): State<AppState>,
    Path(crs): Path<String>,
) -> Result<Json<StationDetail>> {
    let crs = stations::parse_crs("crs", &crs)?;
    Ok(Json(stations::station(&state.db, crs).await?))
}
