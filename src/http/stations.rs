//! Handlers for station search and lookup.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use serde::Deserialize;

use crate::cache::Kind;
use crate::domain::Crs;
use crate::error::Result;
use crate::http::cached::Cached;
use crate::http::envelope::ErrorEnvelope;
use crate::http::extract::{Path, Query};
use crate::service::stations::{self, SearchQuery, StationDetail, StationList};
use crate::state::AppState;

/// Query parameters of `GET /api/stations`, taken as text so validation can name the field.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Name words or CRS code, at most 100 characters; absent or empty lists the busiest
    /// stations.
    #[param(example = "manc", max_length = 100)]
    q: Option<String>,
    /// Results wanted, 1–100 (default 10); anything else is a 422.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, example = 10)]
    limit: Option<String>,
}

/// Station search for autocomplete.
///
/// By name words or CRS code, best match first; no `q` lists the busiest stations. `lat`/`lon`
/// are null for a station with no known position (one the NaPTAN extract the service was loaded
/// from lacks, such as stations opened since); `GET /api/stations/{crs}` says why.
#[utoipa::path(
    get,
    path = "/api/stations",
    tag = "stations",
    operation_id = "search_stations",
    params(SearchParams),
    responses(
        (status = 200, description = "Matching stations, best first", body = StationList),
        (status = 400, description = "`malformed_query`: the query string cannot be read", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: `q` is too long or `limit` is not 1 to 100", body = ErrorEnvelope),
    ),
)]
pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Cached<Arc<StationList>>> {
    let started = Instant::now();
    let query = SearchQuery::parse(params.q.as_deref(), params.limit.as_deref())?;
    let (list, status) = stations::cached_search(&state, &query).await?;
    Ok(Cached(list, status, started, Kind::Stations))
}

/// One station by CRS code.
///
/// Name, position, NLC, TIPLOCs, region, facility owner and annual usage. When `lat`/`lon` are
/// null, `location_note` says why (it is absent otherwise).
#[utoipa::path(
    get,
    path = "/api/stations/{crs}",
    tag = "stations",
    operation_id = "station",
    params(("crs" = String, Path, description = "CRS code (any case)", example = "MAN", pattern = "^[A-Za-z]{3}$")),
    responses(
        (status = 200, description = "The station", body = StationDetail),
        (status = 400, description = "`malformed_path`: the code is not valid percent-encoded UTF-8", body = ErrorEnvelope),
        (status = 404, description = "`unknown_station`: no station has this code", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: not a CRS code (three letters)", body = ErrorEnvelope),
    ),
)]
pub async fn station(
    State(state): State<AppState>,
    Path(crs): Path<String>,
) -> Result<Cached<Arc<StationDetail>>> {
    let started = Instant::now();
    let crs = Crs::parse_segment("crs", &crs)?;
    let (detail, status) = stations::cached_station(&state, crs).await?;
    Ok(Cached(detail, status, started, Kind::Stations))
}
