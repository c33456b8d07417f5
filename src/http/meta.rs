//! Handlers for the service card, health, readiness, data sources, statistics and the
//! Prometheus scrape.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::{Error, Result};
use crate::http::envelope::ErrorEnvelope;
use crate::http::extract::Json;
use crate::service::health::{self as health_service, Health, Readiness, ServiceCard};
use crate::service::sources::{self as sources_service, Sources};
use crate::service::statistics::{self as statistics_service, Statistics};
use crate::state::AppState;

/// The service card: name, version, status and which optional features are live.
#[utoipa::path(
    get,
    path = "/",
    tag = "service",
    operation_id = "service_card",
    responses((status = 200, description = "The service card", body = ServiceCard)),
)]
pub async fn service_card(State(state): State<AppState>) -> Json<ServiceCard> {
    Json(health_service::service_card(&state).await)
}

/// Liveness and dependency checks.
///
/// 200 when healthy or degraded (Redis down is degraded, not unhealthy: the service still
/// answers); 503 only when the database cannot answer.
#[utoipa::path(
    get,
    path = "/health",
    tag = "service",
    operation_id = "health",
    responses(
        (status = 200, description = "`healthy` or `degraded`: the service answers", body = Health),
        (status = 503, description = "`unhealthy`: the database cannot answer (the same report)", body = Health),
    ),
)]
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

/// Readiness for traffic.
///
/// 200 once reference data is loaded; 503 before that and while shutting down.
#[utoipa::path(
    get,
    path = "/ready",
    tag = "service",
    operation_id = "ready",
    responses(
        (status = 200, description = "Ready for traffic", body = Readiness),
        (status = 503, description = "`not_ready`: still loading reference data, or shutting down", body = ErrorEnvelope,
            headers(("Retry-After" = u32, description = "Seconds to wait before asking again"))),
    ),
)]
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

/// Operational figures as numbers: cache hits, misses and tiers, and the database pool.
#[utoipa::path(
    get,
    path = "/api/statistics",
    tag = "service",
    operation_id = "statistics",
    responses((status = 200, description = "The figures now", body = Statistics)),
)]
pub async fn statistics(State(state): State<AppState>) -> Json<Statistics> {
    Json(statistics_service::statistics(&state).await)
}

/// The content type of the Prometheus text exposition format.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Prometheus metrics.
///
/// The text exposition format (never JSON): request counts and latency histograms by route
/// template, cache outcomes by tier, breaker state, database and Redis timings, process figures.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    operation_id = "metrics",
    responses((
        status = 200,
        description = "Prometheus text exposition format 0.0.4",
        content_type = "text/plain; version=0.0.4; charset=utf-8",
        body = String
    )),
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let body = crate::service::scrape::scrape(&state);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROMETHEUS_TEXT),
        )],
        body,
    )
        .into_response()
}

/// The data sources behind the answers.
///
/// Each with its licence, the attribution line to show, when it was imported and how recent
/// the loaded data is.
#[utoipa::path(
    get,
    path = "/api/sources",
    tag = "service",
    operation_id = "sources",
    responses((status = 200, description = "Every data source", body = Sources)),
)]
pub async fn sources(State(state): State<AppState>) -> Result<Json<Sources>> {
    Ok(Json(sources_service::sources(&state.db).await?))
}
