//! Batch predictions: 1 to 10 routes, answered in parallel; one bad route does not fail the batch.
//! Only the envelope's shape (and its size) can reject the whole batch: each route is checked on
//! its own, and a route of the wrong shape gets the error the single endpoint would give it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::task::JoinSet;

use crate::error::{Error, FieldError, Result};
use crate::service::predict::{PredictResponse, predict_one};
use crate::service::request::PredictRequest;
use crate::service::shape::{BodyShape, Expect, Field, parse_value};
use crate::state::AppState;

/// Most routes in one batch.
pub const MAX_BATCH: usize = 10;

/// `POST /api/predict/batch` body.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The predictions wanted, 1 to 10. Each is checked on its own: a route that is not a valid
    /// prediction request fails alone, with the error `POST /api/predict` would give it.
    #[schema(value_type = Vec<PredictRequest>, min_items = 1, max_items = 10)]
    pub routes: Vec<Value>,
    /// Answer the routes concurrently (default true).
    #[serde(default = "default_true")]
    pub parallel: bool,
}

fn default_true() -> bool {
    true
}

impl BodyShape for BatchRequest {
    const FIELDS: &'static [Field] = &[
        Field::required("routes", Expect::Array),
        Field::optional("parallel", Expect::Bool),
    ];
}

/// One failed route of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BatchError {
    /// Index of the route in the request.
    pub route_index: usize,
    /// What went wrong, as in our error envelope.
    pub error: BatchErrorBody,
}

/// The error of one route.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BatchErrorBody {
    /// Stable code.
    pub code: &'static str,
    /// What to fix.
    pub message: String,
    /// Offending fields, for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// `POST /api/predict/batch` response.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BatchResponse {
    /// Identifies this batch (the request id).
    pub batch_id: String,
    /// Routes asked for.
    pub total_routes: usize,
    /// Routes answered.
    pub successful: usize,
    /// Routes that failed.
    pub failed: usize,
    /// One entry per route, in request order; null where it failed.
    pub results: Vec<Option<PredictResponse>>,
    /// The failures, or null when there are none.
    pub errors: Option<Vec<BatchError>>,
    /// Time spent, ms.
    pub processing_time_ms: f64,
    /// Whether routes were answered concurrently.
    pub parallel_processing: bool,
}

/// Answers a batch.
pub async fn predict_batch(
    state: &AppState,
    batch: BatchRequest,
    request_id: &str,
) -> Result<BatchResponse> {
    let started = std::time::Instant::now();
    let total = batch.routes.len();
    if !(1..=MAX_BATCH).contains(&total) {
        return Err(Error::invalid(
            "routes",
            format!("must hold 1 to {MAX_BATCH} routes, got {total}"),
        ));
    }
    let mut outcomes: Vec<Option<Result<PredictResponse>>> = (0..total).map(|_| None).collect();
    let mut routes = Vec::with_capacity(total);
    for (i, item) in batch.routes.into_iter().enumerate() {
        match parse_value::<PredictRequest>(item) {
            Ok(route) => routes.push((i, route)),
            Err(e) => outcomes[i] = Some(Err(e)),
        }
    }
    if batch.parallel {
        let mut set = JoinSet::new();
        for (i, route) in routes {
            let state = state.clone();
            let id = format!("{request_id}-{i}");
            set.spawn(async move { (i, predict_one(&state, &route, &id).await.map(|(r, _)| r)) });
        }
        while let Some(joined) = set.join_next().await {
            let (i, outcome) =
                joined.map_err(|e| Error::Internal(format!("batch task failed: {e}")))?;
            outcomes[i] = Some(outcome);
        }
    } else {
        for (i, route) in routes {
            outcomes[i] = Some(
                predict_one(state, &route, &format!("{request_id}-{i}"))
                    .await
                    .map(|(r, _)| r),
            );
        }
    }
    let mut results = Vec::with_capacity(total);
    let mut errors = Vec::new();
    for (i, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Some(Ok(r)) => results.push(Some(r)),
            Some(Err(e)) if e.status().is_server_error() => return Err(e),
            Some(Err(e)) => {
                results.push(None);
                errors.push(BatchError {
                    route_index: i,
                    error: BatchErrorBody {
                        code: e.code(),
                        message: e.public_message(),
                        fields: e.fields().to_vec(),
                    },
                });
            }
            None => return Err(Error::Internal(format!("batch route {i} was not answered"))),
        }
    }
    Ok(BatchResponse {
        batch_id: request_id.to_owned(),
        total_routes: total,
        successful: total - errors.len(),
        failed: errors.len(),
        results,
        errors: (!errors.is_empty()).then_some(errors),
        processing_time_ms: (started.elapsed().as_secs_f64() * 1e5).round() / 100.0,
        parallel_processing: batch.parallel,
    })
}
