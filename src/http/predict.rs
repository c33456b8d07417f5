//! Handlers for single and batch predictions.

use std::time::Instant;

use axum::extract::State;

use crate::error::Result;
use crate::http::cached::Cached;
use crate::http::extract::{Json, RequestId};
use crate::service::batch::{self, BatchRequest, BatchResponse};
use crate::service::predict::{self, PredictResponse};
use crate::service::request::PredictRequest;
use crate::state::AppState;

/// `POST /api/predict`
pub async fn predict(
    State(state): State<AppState>,
    RequestId(id): RequestId,
    Json(req): Json<PredictRequest>,
) -> Result<Cached<PredictResponse>> {
    let started = Instant::now();
    let (response, status) = predict::predict_one(&state, &req, &id).await?;
    Ok(Cached(response, status, started))
}

/// `POST /api/predict/batch`
pub async fn predict_batch(
    State(state): State<AppState>,
    RequestId(id): RequestId,
    Json(req): Json<BatchRequest>,
) -> Result<Json<BatchResponse>> {
    Ok(Json(batch::predict_batch(&state, req, &id).await?))
}
