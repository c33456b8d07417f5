//! The HTTP layer: every route in one place, the middleware stack, and the error envelope.
//! Handlers only extract, call a use case in `service`, and serialise. Each handler carries
//! its OpenAPI description, from which `/openapi.json` and `/docs` are generated.

mod admin;
mod cache_control;
mod cached;
mod cors;
pub mod envelope;
mod etag;
pub mod extract;
mod journey;
pub mod limits;
mod meta;
mod metrics;
pub mod openapi;
mod predict;
pub mod rate_limit;
mod request_id;
mod routes;
mod stations;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::{MatchedPath, Request};
use axum::http::{Method, Response, StatusCode, Uri, header};
use axum::middleware;
use tower::ServiceBuilder;
use tower_http::body::Limited;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::limit::{RequestBodyLimitLayer, ResponseBody};
use tower_http::map_request_body::MapRequestBodyLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Error;
use crate::state::AppState;

/// Builds the whole application: routes, fallbacks and middleware. Tests drive the returned
/// router directly with `tower::ServiceExt::oneshot`, no socket needed.
pub fn router(state: AppState) -> Router {
    let http = &state.config.http;
    // Outermost first (design §6). Why this order:
    // - Sensitive headers are marked before anything can log them.
    // - A client's request id is checked, then kept or replaced, before the trace span opens so
    //   the span records it; it is copied to the response after everything inside has run, so
    //   every response — errors from any layer included — carries it.
    // - CORS sits outside everything that can refuse a request, so a browser can read our 4xx/5xx
    //   too, and it answers preflights before they count against the rate limit.
    // - Cache-Control is set outside the envelope renderer and the ETag layer, so it sees every
    //   final status: errors from any layer get `no-store`, and a 304 the freshness of its 200.
    // - Compression wraps the envelope renderer and the ETag layer: both work on the identity
    //   body, and compression then encodes whatever they produced.
    // - The envelope renderer sits outside every layer that can refuse a request (panic, timeout,
    //   shedding, body limit, rate limit), so their 4xx/5xx get our error body and request id.
    // - The timeout is outside load shedding, so time spent in the handler counts and a stuck
    //   request frees its in-flight slot when it times out.
    // - Shedding comes before the body limit and the rate limiter: when we are overloaded we do
    //   not spend work on anything else.
    // - Metrics and timing sit just inside the request id, not innermost where design §6 lists
    //   them: refusals (429, 413, 503 from shedding or the timeout) and CORS preflights must be
    //   counted and timed too, and api.md promises `X-Process-Time-Ms` on every response.
    // - The rate limiter is innermost: a refused request has already passed the cheap checks.
    let layers = ServiceBuilder::new()
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
        ]))
        .layer(middleware::map_request(request_id::drop_unsafe_request_id))
        .layer(SetRequestIdLayer::new(
            request_id::X_REQUEST_ID,
            MakeRequestUuid,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(request_finished),
        )
        .layer(PropagateRequestIdLayer::new(request_id::X_REQUEST_ID))
        .layer(middleware::from_fn_with_state(
            state.metrics.requests.clone(),
            metrics::track,
        ))
        .option_layer(cors::layer(&http.cors_origins))
        .layer(middleware::from_fn_with_state(
            cache_control::Freshness::of(&state.cache),
            cache_control::set,
        ))
        .layer(
            CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(SizeAbove::new(COMPRESS_ABOVE_BYTES))),
        )
        .layer(middleware::from_fn(envelope::render_errors))
        .layer(middleware::from_fn(etag::conditional_get))
        .layer(CatchPanicLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            state.config.request_timeout,
        ))
        .layer(middleware::from_fn_with_state(
            state.in_flight.clone(),
            limits::shed_load,
        ))
        .layer(middleware::map_response_with_state(
            http.body_limit_bytes,
            limits::name_body_limit::<ResponseBody<Body>>,
        ))
        // One limit for every body, however it is read: a declared `Content-Length` over it is
        // refused before any of the body is read, and a body without one (or that lies) is cut
        // off at the limit as it is read. axum's own per-extractor limit would be a second one.
        // The limited body is boxed back into axum's `Body` for the middleware inside.
        .layer(RequestBodyLimitLayer::new(http.body_limit_bytes))
        .layer(MapRequestBodyLayer::new(Body::new::<Limited<Body>>))
        .layer(DefaultBodyLimit::disable())
        .option_layer(
            state
                .rate_limiter
                .clone()
                .map(|l| middleware::from_fn_with_state(l, rate_limit::rate_limit)),
        );
    routes()
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(layers)
        .with_state(state)
}

/// Responses smaller than this are sent uncompressed: below about a kilobyte the CPU spent
/// costs more than the bytes saved.
const COMPRESS_ABOVE_BYTES: u16 = 1024;

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
        .routes(routes!(meta::metrics))
        .routes(routes!(predict::predict))
        .routes(routes!(predict::predict_batch))
        .routes(routes!(journey::plan))
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

/// One line per request, inside its span (route template, request id): the status as a number and
/// the latency in milliseconds as a number, so log collectors can filter and aggregate them.
fn request_finished<B>(response: &Response<B>, latency: Duration, _span: &tracing::Span) {
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1e3,
        "request finished"
    );
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
