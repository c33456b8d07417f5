//! The OpenAPI 3.1 document and the pages that serve it. The operations come from the
//! `#[utoipa::path]` annotations of the handlers registered in `http::routes`, so the document
//! lists exactly what the router serves; this file adds only what no single handler owns: the
//! info block, tags, the admin security scheme, the error responses every route shares, and the
//! headers every cached answer carries.

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::Object;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder, Type,
};
use utoipa::{OpenApi as _, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

use crate::http::envelope::ErrorEnvelope;
use crate::service::admin::InvalidateRequest;

/// Where the generated document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";
/// Where the interactive documentation page (Swagger UI, served from our binary) lives.
pub const DOCS_PATH: &str = "/docs";
/// Name of the bearer-token security scheme that guards the admin endpoints.
pub const ADMIN_TOKEN: &str = "admin_token";

/// The document's introduction: the conventions every operation shares.
const DESCRIPTION: &str = "\
How likely is a UK train to arrive late, and which ticket is really the best value once Delay \
Repay compensation is priced in?

- **Times.** `departure_time` (input) and local departure times in responses \
(`2026-12-01T09:30:00`) are **Europe/London wall time**, ISO 8601 without offset. Timestamps \
(`prediction_timestamp`, `metadata.timestamp`) are RFC 3339 UTC. Dates are `YYYY-MM-DD`.
- **Stations** are CRS codes: three letters, case-insensitive and trimmed on input, upper case \
on output. A well-formed code that is not a known station is `unknown_station`.
- **Numbers are numbers**: probabilities in [0, 1], percentages in [0, 100], prices in pounds.
- **Errors**: every status >= 400 answers with the `ErrorEnvelope` (`fields` only for \
validation errors, 422). A known path with the wrong method is 405 with `Allow`; an unknown \
path is 404 `not_found`.
- **Headers**: every response carries `X-Request-Id` (the client's when it sent a sane one, else \
a new UUID). Cacheable endpoints also send `X-Cache-Status` (`HIT`, `MISS`, `STALE`, `BYPASS`) \
and `Server-Timing`; the body has the same shape however it was served. Cacheable GETs (stations, \
route statistics, popular routes, fares) send `ETag` (a matching `If-None-Match` gets 304) and \
`Cache-Control: public, max-age=<seconds>`, the TTL of that kind in the service's own cache \
(stations and fares a day, route statistics 6 h, popular routes 30 min by default; `no-cache` on \
a `STALE` answer); every error and every admin answer is `Cache-Control: no-store`.
- **Limits**: `/api/*` is rate limited per client with a token bucket (429 `rate_limited` with \
`Retry-After`, the seconds until the next request is allowed). Admin calls (`/api/cache/...`) \
have a bucket of their own. The `X-RateLimit-*` headers describe that one bucket, on a 200 and a \
429 alike (the model is the IETF draft \"RateLimit header fields for HTTP\"): \
`X-RateLimit-Limit` is its capacity (the burst), `X-RateLimit-Remaining` the requests left in it, \
`X-RateLimit-Reset` the seconds until it is full again. Any route may answer 503 with \
`Retry-After` when a dependency is down or the service is overloaded.

This document is generated from the handlers the router serves. `/openapi.json` (this document) \
and `/docs` (its interactive page) are not listed: they describe the API, they are not part of it.";

/// The fixed parts of the document; `routes()` adds the operations.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "RailFair API",
        version = env!("CARGO_PKG_VERSION"),
        description = DESCRIPTION,
        license(name = "MIT", identifier = "MIT"),
    ),
    // The envelope is referenced by the shared responses, and the invalidation body by a
    // reference that does not register it (see `admin::invalidate`).
    components(schemas(ErrorEnvelope<'static>, InvalidateRequest)),
    tags(
        (name = "predictions", description = "Arrival-delay predictions, with fares on request"),
        (name = "journeys", description = "Journey planning with the risk of every connection"),
        (name = "routes", description = "Route reliability and the most requested routes"),
        (name = "fares", description = "Fares with expected Delay Repay priced in"),
        (name = "stations", description = "Station search and lookup"),
        (name = "service", description = "Service card, health, readiness, data sources, figures"),
        (name = "admin", description = "Operator actions; bearer token required"),
    )
)]
struct ApiDoc;

/// The document before any operation is added.
pub fn base() -> OpenApi {
    ApiDoc::openapi()
}

/// Names of the shared responses in `components.responses`: a bug, unavailability (a
/// dependency down, overload, or the request timeout), the rate limiter's refusal, and a body
/// over the size limit.
const INTERNAL_ERROR: &str = "InternalError";
const UNAVAILABLE: &str = "Unavailable";
const RATE_LIMITED: &str = "RateLimited";
const PAYLOAD_TOO_LARGE: &str = "PayloadTooLarge";

/// The operations answered through the cache (handlers returning `http::cached::Cached`), by
/// operation id, with what their `X-Cache-Status` may say: their 200 carries it and
/// `Server-Timing`. `tests/api/openapi.rs` checks this list against the headers real answers
/// carry.
const CACHED: &[(&str, &str)] = &[
    (
        "predict",
        "`HIT`, `MISS`, `STALE` or `BYPASS` (`use_cache: false`)",
    ),
    ("popular_routes", CACHE_STATUS),
    ("route_stats", CACHE_STATUS),
    ("fares", CACHE_STATUS),
    ("search_stations", CACHE_STATUS),
    ("station", CACHE_STATUS),
];

/// `X-Cache-Status` of an operation that always uses the cache.
const CACHE_STATUS: &str = "`HIT`, `MISS` or `STALE`";

/// Completes the document built from the handlers: the admin security scheme, and on every
/// operation the responses no handler produces itself (500 for bugs; 503 from the request
/// timeout or load shedding; 429 from the rate limiter on `/api/*`; 413 from the body limit,
/// which refuses an oversized body on any route, before any handler). Done after the routes
/// are added so that a route added later gets them too.
pub fn complete(mut api: OpenApi) -> OpenApi {
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        ADMIN_TOKEN,
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "`Authorization: Bearer <RAILFAIR_ADMIN_TOKEN>`. With no token configured \
                     the admin endpoints answer 403 `admin_disabled`.",
                ))
                .build(),
        ),
    );
    components.responses.insert(
        INTERNAL_ERROR.to_owned(),
        error_response(
            "A bug (`internal_error`). The cause is logged with the request id, never sent.",
            false,
        ),
    );
    components.responses.insert(
        UNAVAILABLE.to_owned(),
        error_response(
            "A dependency is down, the service is overloaded, or the request timed out \
             (`unavailable`, `database_unavailable`); retry after `Retry-After` seconds.",
            true,
        ),
    );
    components.responses.insert(
        RATE_LIMITED.to_owned(),
        error_response(
            "Too many requests from this client (`rate_limited`); retry after `Retry-After` \
             seconds.",
            true,
        ),
    );
    components.responses.insert(
        PAYLOAD_TOO_LARGE.to_owned(),
        error_response(
            "The request body is larger than `BODY_LIMIT_BYTES` (`payload_too_large`); refused \
             before it is read, on any route.",
            false,
        ),
    );
    for (path, item) in &mut api.paths.paths {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            add_cache_headers(operation);
            add_shared_response(operation, "413", PAYLOAD_TOO_LARGE);
            add_shared_response(operation, "500", INTERNAL_ERROR);
            add_shared_response(operation, "503", UNAVAILABLE);
            if path.starts_with("/api/") {
                add_shared_response(operation, "429", RATE_LIMITED);
            }
        }
    }
    api
}

/// The Swagger UI page at `/docs` over `api`, which it serves at `/openapi.json`. Its HTML,
/// JavaScript and CSS are compiled into the binary (feature `vendored`): the page works offline.
pub fn docs(api: OpenApi) -> SwaggerUi {
    SwaggerUi::new(DOCS_PATH).url(OPENAPI_PATH, api)
}

/// References the shared response `name` under `status`, unless the handler documents its own
/// (e.g. `/health` answers 503 with its health report, not the envelope).
fn add_shared_response(operation: &mut Operation, status: &str, name: &str) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| Ref::from_response_name(name).into());
}

/// Documents `X-Cache-Status` and `Server-Timing` on the 200 of a [`CACHED`] operation.
fn add_cache_headers(operation: &mut Operation) {
    let Some((_, cache_status)) = CACHED
        .iter()
        .find(|(id, _)| operation.operation_id.as_deref() == Some(*id))
    else {
        return;
    };
    let Some(RefOr::T(ok)) = operation.responses.responses.get_mut("200") else {
        return;
    };
    for (name, description) in [
        ("X-Cache-Status", *cache_status),
        (
            "Server-Timing",
            "The cache tier that answered and the total time",
        ),
    ] {
        ok.headers.insert(
            name.to_owned(),
            HeaderBuilder::new()
                .schema(Some(Object::with_type(Type::String)))
                .description(Some(description))
                .build()
                .into(),
        );
    }
}

/// An error response in our envelope, with `Retry-After` when the client should come back.
fn error_response(description: &str, retry_after: bool) -> RefOr<Response> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(ErrorEnvelope::name())))
        .build();
    let mut response = ResponseBuilder::new()
        .description(description)
        .content("application/json", content);
    if retry_after {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(Object::with_type(Type::Integer)))
                .description(Some("Seconds to wait before trying again."))
                .build(),
        );
    }
    response.build().into()
}
