//! Handlers for the service card, health, readiness and data sources.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::{Error, Result};
use crate::http::extract::Json;
use crate::service::health::Readiness;
use crate::service::{health as health_service, sources as sources_service};
use crate::state::AppState;

/// `GET /`
pub async fn service_card(State(state): State<AppState>) -> Json<health_service::ServiceCard> {
    Json(health_service::service_card(&state).await)
}

/// `GET /health`: 200 when healthy or degraded, 503 only when the database cannot answer.
pub async fn health(State(state): State<AppState>) -> Response {
    let health = health_service::health(&state).await;
    let status = if health.status == "unhealthy" {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    // A 503 health answer is a report, not a failed request: it keeps its own body.
    (status, axum::Json(health)).into_response()
}

/// `GET /ready`: 200 once reference data is loaded, 503 before and while shutting down.
pub async fn ready(State(state): State<AppState>) -> Result<Json<Readiness>> {
    if state.lifecycle.is_ready() {
        Ok(Json(Readiness::READY))
    } else {
        let message = if state.lifecycle.is_shutting_down() {
            "shutting down"
        } else {
            "still loading reference data"
        };
        Err(Error::Unavailable {
            code: "not_ready",
            message: message.to_owned(),
            retry_after_secs: 1,
        })
    }
}

/// `GET /api/statistics`
pub async fn statistics(
    State(state): State<AppState>,
) -> Json<crate::service::statistics::Statistics> {
    Json(crate::service::statistics::statistics(&state))
}

/// `GET /api/sources`
pub async fn sources(State(state): State<AppState>) -> Result<Json<sources_service::Sources>> {
    Ok(Json(sources_service::sources(&state.db).await?))
}
