//! Handler for journey planning.

use std::time::Instant;

use axum::extract::State;

use crate::cache::Kind;
use crate::error::Result;
use crate::http::cached::Cached;
use crate::http::envelope::ErrorEnvelope;
use crate::http::extract::{Json, RequestId};
use crate::service::journey::{self, JourneyPlanRequest, JourneyPlanResponse};
use crate::state::AppState;

/// Plans journeys between two stations, with the risk of every connection.
///
/// Up to 5 itineraries leaving at or after `departure_time` with at most `max_changes` changes
/// between trains (0–3, default 2), best expected arrival first: legs (trains, and stated
/// Underground or walking transfers between stations), each change's slack, minimum connection
/// time and `p_missed_connection`, and the whole journey's arrival delay at the destination with
/// the same figures as a prediction. The timetable is the imported CIF one when it has trains
/// that day (`timetable_source: "cif"`), else an APPROXIMATE one generated from the route
/// catalogue (`"approximate"`, its assumptions listed). With `arrive_by: true`,
/// `departure_time` is the latest arrival: the latest departures (within 12 hours before) that
/// arrive by then, latest first. With `include_fares`, the through fares with Delay Repay priced
/// on the best itinerary (the rule is stated in `fares.delay_repay_rule`).
#[utoipa::path(
    post,
    path = "/api/journey/plan",
    tag = "journeys",
    operation_id = "plan_journey",
    request_body = JourneyPlanRequest,
    responses(
        (status = 200, description = "The planned itineraries", body = JourneyPlanResponse, headers(
            ("X-Cache-Status" = String, description = "`HIT`, `MISS`, `STALE` or `BYPASS` (`use_cache: false`)"),
            ("Server-Timing" = String, description = "The cache tier that answered and the total time"),
        )),
        (status = 400, description = "`malformed_json`: the body is not JSON", body = ErrorEnvelope),
        (status = 404, description = "`no_journey`: no journey within `max_changes` that day, or none arriving in time with `arrive_by` (the message says why, e.g. a station the timetable does not serve)", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`: the body is too large", body = ErrorEnvelope),
        (status = 415, description = "`unsupported_media_type`: no `Content-Type: application/json`", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: a field is missing, malformed or out of range (`max_changes` outside 0–3, a past date before the earliest loaded ORR rail period, origin equals destination, an unknown field); `fields` names each. `unknown_station`: a well-formed CRS code that is no station. `no_service`: the departure is on Christmas Day, when no trains run in Great Britain", body = ErrorEnvelope),
    ),
)]
pub async fn plan(
    State(state): State<AppState>,
    RequestId(id): RequestId,
    Json(req): Json<JourneyPlanRequest>,
) -> Result<Cached<JourneyPlanResponse>> {
    let started = Instant::now();
    let (response, status) = journey::plan_journey(&state, &req, &id).await?;
    Ok(Cached(response, status, started, Kind::Journey))
}
