//! Handler for `POST /api/cache/invalidate`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};

use crate::error::{FieldError, Result};
use crate::http::envelope::ErrorEnvelope;
use crate::http::extract::{Json, Query, declares_json, not_json};
use crate::service::admin::{self, InvalidateRequest, InvalidateResponse};
use crate::service::request::validation;
use crate::service::shape::parse_body;
use crate::state::AppState;

/// Invalidates cached entries on every running instance.
///
/// Drops one kind of entry (or all), optionally narrowed to one route. What to drop comes in
/// the JSON body or, for compatibility, the query string.
#[utoipa::path(
    post,
    path = "/api/cache/invalidate",
    tag = "admin",
    operation_id = "invalidate_cache",
    params(InvalidateRequest),
    // A reference rather than the type, so the body is documented as optional (it may be
    // empty) without also claiming that a JSON `null` is accepted.
    request_body(
        content = ref("#/components/schemas/InvalidateRequest"),
        content_type = "application/json",
        description = "What to invalidate: in the body, or (with an empty body) in the query parameters, not both",
    ),
    // The scheme `openapi::ADMIN_TOKEN` names (the macro takes only a literal here).
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "How many entries were dropped", body = InvalidateResponse),
        (status = 400, description = "`malformed_json`: the body is not JSON", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`: the bearer token is missing or wrong (the scheme `Bearer` is matched in any case; the token exactly)", body = ErrorEnvelope,
            headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`admin_disabled`: no `RAILFAIR_ADMIN_TOKEN` is configured", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`: the body is too large", body = ErrorEnvelope),
        (status = 415, description = "`unsupported_media_type`: a body without `Content-Type: application/json`", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: unknown `cache_type`, a malformed code, only one of origin and destination, an unknown or wrongly typed field, or parameters in the query string beside a body; `fields` names each", body = ErrorEnvelope),
    ),
)]
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
    } else if !declares_json(&headers) {
        // The same media-type rule as every other JSON endpoint.
        return Err(not_json());
    } else {
        // One source or the other: beside a body, a query string would be silently ignored, and
        // a caller who added `?cache_type=all` would invalidate less than they asked for.
        let in_query: Vec<FieldError> = [
            ("cache_type", query.cache_type.is_some()),
            ("origin", query.origin.is_some()),
            ("destination", query.destination.is_some()),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(field, _)| {
            FieldError::new(
                field,
                "given in the query string beside a JSON body; send one or the other",
            )
        })
        .collect();
        if !in_query.is_empty() {
            return Err(validation(in_query));
        }
        parse_body::<InvalidateRequest>(&body)?
    };
    Ok(Json(admin::invalidate(&state, req).await?))
}
