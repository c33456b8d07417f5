//! Handlers for single and batch predictions.

use std::time::Instant;

use axum::extract::State;

use crate::cache::Kind;
use crate::error::Result;
use crate::http::cached::Cached;
use crate::http::envelope::ErrorEnvelope;
use crate::http::extract::{Json, RequestId};
use crate::service::batch::{self, BatchRequest, BatchResponse};
use crate::service::predict::{self, PredictResponse};
use crate::service::request::PredictRequest;
use crate::state::AppState;

/// Predicts how late a journey will arrive.
///
/// On time and 5/10/15/30/60+ minutes late, expected delay, percentiles, confidence and what
/// the numbers rest on; with `include_fares`, the fares with expected Delay Repay priced in.
/// `delay_N_probability` is P(arrival N or more minutes late); `on_time_probability` is
/// P(less than 1 minute late, early counts as on time). Unknown fields are rejected (422).
#[utoipa::path(
    post,
    path = "/api/predict",
    tag = "predictions",
    operation_id = "predict",
    request_body = PredictRequest,
    responses(
        (status = 200, description = "The prediction", body = PredictResponse),
        (status = 400, description = "`malformed_json`: the body is not JSON", body = ErrorEnvelope),
        (status = 404, description = "`unknown_station`: a well-formed CRS code that is no station", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`: the body is too large", body = ErrorEnvelope),
        (status = 415, description = "`unsupported_media_type`: no `Content-Type: application/json`", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: a field is missing, malformed or out of range (including a past date before the earliest loaded ORR rail period, named in the message), an unknown field, or origin equals destination; `fields` names each. `unknown_operator`: `toc` is no operator's code. `no_service`: the departure is on Christmas Day, when no trains run in Great Britain", body = ErrorEnvelope),
    ),
)]
pub async fn predict(
    State(state): State<AppState>,
    RequestId(id): RequestId,
    Json(req): Json<PredictRequest>,
) -> Result<Cached<PredictResponse>> {
    let started = Instant::now();
    let (response, status) = predict::predict_one(&state, &req, &id).await?;
    Ok(Cached(response, status, started, Kind::Prediction))
}

/// Predicts 1 to 10 journeys at once.
///
/// Concurrently unless `parallel` is false. One bad route does not fail the batch: its result
/// is null and its error is listed under its `route_index`, with the same `code`, `message` and
/// `fields` as `POST /api/predict` would answer for it (a route that is not a JSON object, has a
/// missing, unknown or wrongly typed field, or fails validation all fail alone). Only a malformed
/// envelope rejects the whole batch.
#[utoipa::path(
    post,
    path = "/api/predict/batch",
    tag = "predictions",
    operation_id = "predict_batch",
    request_body = BatchRequest,
    responses(
        (status = 200, description = "One result per route, in request order", body = BatchResponse),
        (status = 400, description = "`malformed_json`: the body is not JSON", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`: the body is too large", body = ErrorEnvelope),
        (status = 415, description = "`unsupported_media_type`: no `Content-Type: application/json`", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: the envelope is malformed: `routes` missing or not an array, no routes or more than 10, `parallel` not a boolean, or an unknown top-level field. Problems inside a route never give a 422 here: they are that route's entry in `errors`", body = ErrorEnvelope),
    ),
)]
pub async fn predict_batch(
    State(state): State<AppState>,
    RequestId(id): RequestId,
    Json(req): Json<BatchRequest>,
) -> Result<Json<BatchResponse>> {
    Ok(Json(batch::predict_batch(&state, req, &id).await?))
}
