//! Handler for `POST /api/cache/invalidate`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};

use crate::error::{Error, FieldError, Result};
use crate::http::extract::{Json, Query};
use crate::service::admin::{self, InvalidateRequest, InvalidateResponse};
use crate::state::AppState;

/// `POST /api/cache/invalidate`: bearer token; JSON body or (for compatibility) query parameters.
pub async fn invalidate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<InvalidateRequest>,
    body: Bytes,
) -> Result<Json<InvalidateResponse>> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    admin::authorize(state.config.admin_token.as_deref(), authorization)?;
    let req = if body.iter().all(u8::is_ascii_whitespace) {
        query
    } else {
        serde_json::from_slice::<InvalidateRequest>(&body).map_err(|e| {
            if e.is_data() {
                Error::Validation {
                    code: "validation_failed",
                    message: format!("invalid request body: {e}"),
                    fields: vec![FieldError::new("body", e.to_string())],
                }
            } else {
                Error::BadRequest {
                    code: "malformed_json",
                    message: format!("malformed JSON: {e}"),
                }
            }
        })?
    };
    Ok(Json(admin::invalidate(&state, req).await?))
}
