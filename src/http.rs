//! The HTTP layer: every route in one place, the middleware stack, and the error envelope.
//! Handlers only extract, call a use case in `service`, and serialise. Each handler carries
//! its OpenAPI description, from which `/openapi.json` and `/docs` are generated.

mod admin;
mod cached;
pub mod envelope;
pub mod extract;
mod meta;
pub mod openapi;
mod predict;
mod routes;
mod stations;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware;
use tower::ServiceBuilder;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Error;
use crate::state::AppState;

/// Builds the whole application: routes, fallbacks and middleware. Tests drive the returned
/// router directly with `tower::ServiceExt::oneshot`, no socket needed.
pub fn router(state: AppState) -> Router {
    let request_timeout = state.config.request_timeout;
    // Outermost first. The request id is set before the trace span opens so the span can
    // record it, and propagated to the response after everything inside has run. The envelope
    // renderer sits inside those (it needs the id) and outside the panic catcher and timeout,
    // so the 500s and 503s they produce get our envelope too.
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(middleware::from_fn(envelope::render_errors))
        .layer(CatchPanicLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            request_timeout,
        ));
    routes()
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(layers)
        .with_state(state)
}

/// The route table: every path and method the service answers, and the OpenAPI document
/// generated from the same list, so the two cannot drift apart.
///
/// Add a route only as `.routes(routes!(module::handler))`, with a `#[utoipa::path(...)]` on
/// the handler giving its method and path. A plain `.route(...)` would be served but missing
/// from `/openapi.json`; `tests/api/openapi.rs` fails when that happens.
fn routes() -> Router<AppState> {
    let (router, api) = OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(meta::service_card))
        .routes(routes!(meta::health))
        .routes(routes!(meta::ready))
        .routes(routes!(meta::sources))
        .routes(routes!(meta::statistics))
        .routes(routes!(predict::predict))
        .routes(routes!(predict::predict_batch))
        .routes(routes!(admin::invalidate))
        .routes(routes!(routes::popular))
        .routes(routes!(routes::stats))
        .routes(routes!(routes::fares))
        .routes(routes!(stations::search))
        .routes(routes!(stations::station))
        .split_for_parts();
    // The documentation is served beside the API, not described by it (see `openapi`).
    router.merge(openapi::docs(openapi::complete(api)))
}

/// The request's trace span: route template (never the raw path) and request id.
fn request_span(req: &Request) -> tracing::Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), route, request_id = %request_id)
}

async fn not_found(method: Method, uri: Uri) -> Error {
    Error::NotFound {
        code: "not_found",
        message: format!("no route for {method} {}", uri.path()),
    }
}

async fn method_not_allowed(method: Method) -> Error {
    Error::MethodNotAllowed {
        method: method.to_string(),
    }
}
