//! Cache invalidation for operators: bearer-token check (constant time), input validation, and
//! the prefixes to drop. Reaches every instance: Redis keys are unlinked and a pub/sub message
//! makes each instance drop its in-process entries.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::cache::{Kind, key};
use crate::domain::Crs;
use crate::domain::crs::NOT_A_CRS;
use crate::error::{Error, FieldError, Result};
use crate::service::request::validation;
use crate::service::shape::{BodyShape, Expect, Field};
use crate::state::AppState;

/// Checks `Authorization: Bearer <token>` against `RAILFAIR_ADMIN_TOKEN`: 403 when no token is
/// configured (admin disabled), 401 when it is missing or wrong.
pub fn authorize(configured: Option<&str>, authorization: Option<&str>) -> Result<()> {
    let Some(expected) = configured else {
        return Err(Error::Forbidden {
            code: "admin_disabled",
            message: "admin endpoints are disabled: no RAILFAIR_ADMIN_TOKEN is configured"
                .to_owned(),
        });
    };
    let given = authorization.and_then(bearer_token).unwrap_or_default();
    // Constant time, so the comparison does not reveal how much of a guess was right.
    if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) && !given.is_empty() {
        Ok(())
    } else {
        Err(Error::Unauthorized(
            "a valid 'Authorization: Bearer <token>' header is required".to_owned(),
        ))
    }
}

/// The token of an `Authorization: Bearer <token>` value. The scheme is matched without regard
/// to case (RFC 9110 §11.1: `bearer` and `BEARER` are the same scheme); the token is not.
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// What to invalidate (JSON body, or query parameters for compatibility).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InvalidateRequest {
    /// `prediction`, `fare`, `route_stats`, `popular_routes`, `stations`, `journey` or `all`
    /// (required, in the body or the query).
    #[schema(example = "prediction")]
    #[param(example = "prediction")]
    pub cache_type: Option<String>,
    /// With `destination`, narrows to one route.
    #[schema(example = "EUS", pattern = "^[A-Za-z]{3}$")]
    #[param(example = "EUS", pattern = "^[A-Za-z]{3}$")]
    pub origin: Option<String>,
    /// With `origin`, narrows to one route.
    #[schema(example = "MAN", pattern = "^[A-Za-z]{3}$")]
    #[param(example = "MAN", pattern = "^[A-Za-z]{3}$")]
    pub destination: Option<String>,
}

impl BodyShape for InvalidateRequest {
    const FIELDS: &'static [Field] = &[
        Field::nullable("cache_type", Expect::String),
        Field::nullable("origin", Expect::String),
        Field::nullable("destination", Expect::String),
    ];
}

/// How many entries were dropped.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Invalidated {
    /// From this instance's in-process tier (other instances drop theirs on the pub/sub message).
    pub local: u64,
    /// From Redis (null without Redis or while it is unavailable, including when the other
    /// instances could not be told).
    pub redis: Option<u64>,
}

/// `POST /api/cache/invalidate` response.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct InvalidateResponse {
    /// `success`.
    pub status: &'static str,
    /// The kind invalidated.
    pub cache_type: String,
    /// Route origin, when narrowed.
    pub origin: Option<String>,
    /// Route destination, when narrowed.
    pub destination: Option<String>,
    /// Counts.
    pub invalidated: Invalidated,
}

/// Validates the request and invalidates. Kinds not keyed by route (`popular_routes`,
/// `stations`), and journeys (a plan between two stations rides on other flows' trains), are
/// dropped whole even when a route is given: every entry may involve it.
pub async fn invalidate(state: &AppState, req: InvalidateRequest) -> Result<InvalidateResponse> {
    let mut errors = Vec::new();
    let cache_type = req
        .cache_type
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let kinds: Vec<Kind> = match cache_type.as_str() {
        "all" => Kind::ALL.to_vec(),
        name => match Kind::parse(name) {
            Some(kind) => vec![kind],
            None => {
                errors.push(FieldError::new(
                    "cache_type",
                    "must be prediction, fare, route_stats, popular_routes, stations, journey or all",
                ));
                Vec::new()
            }
        },
    };
    let origin = req.origin.as_deref().map(|o| (o, Crs::parse(o)));
    let destination = req.destination.as_deref().map(|d| (d, Crs::parse(d)));
    let route = match (origin, destination) {
        (None, None) => None,
        (Some((_, Some(o))), Some((_, Some(d)))) => Some((o, d)),
        (o, d) => {
            for (field, value) in [("origin", o), ("destination", d)] {
                match value {
                    None => errors.push(FieldError::new(
                        field,
                        "give both origin and destination, or neither",
                    )),
                    Some((_, None)) => errors.push(FieldError::new(field, NOT_A_CRS)),
                    Some(_) => {}
                }
            }
            None
        }
    };
    if !errors.is_empty() {
        return Err(validation(errors));
    }
    let mut total = Invalidated {
        local: 0,
        redis: None,
    };
    // Journeys are planned on the built service days: dropping journeys drops those too, so a
    // timetable imported since is planned on at once.
    if kinds.contains(&Kind::Journey) {
        state.service_days.clear();
    }
    for kind in kinds {
        let prefix = match (kind, route) {
            (Kind::Prediction | Kind::Fare | Kind::RouteStats, Some((o, d))) => {
                key::route_prefix(kind, o, d)
            }
            _ => key::kind_prefix(kind),
        };
        let (local, redis) = state.cache.invalidate(&prefix).await;
        total.local += local;
        if let Some(n) = redis {
            total.redis = Some(total.redis.unwrap_or(0) + n);
        }
    }
    tracing::info!(cache.type = %cache_type, invalidated.local = total.local, invalidated.redis = ?total.redis, "cache invalidated");
    let warm_state = state.clone();
    tokio::spawn(async move {
        crate::service::warm::warm(&warm_state).await;
    });
    Ok(InvalidateResponse {
        status: "success",
        cache_type,
        origin: route.map(|(o, _)| o.to_string()),
        destination: route.map(|(_, d)| d.to_string()),
        invalidated: total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_configured_token_disables_the_endpoint() {
        let e = authorize(None, Some("Bearer x")).unwrap_err();
        assert_eq!(e.status(), axum::http::StatusCode::FORBIDDEN);
        assert_eq!(e.code(), "admin_disabled");
    }

    #[test]
    fn a_missing_or_wrong_token_is_401() {
        for header in [
            None,
            Some("Bearer wrong"),
            Some("secret"),
            Some("Bearer "),
            Some("Basic secret"),
        ] {
            let e = authorize(Some("secret"), header).unwrap_err();
            assert_eq!(
                e.status(),
                axum::http::StatusCode::UNAUTHORIZED,
                "{header:?}"
            );
        }
        assert!(authorize(Some("secret"), Some("Bearer secret")).is_ok());
    }

    #[test]
    fn the_scheme_is_case_insensitive_the_token_is_not() {
        for header in ["bearer secret", "BEARER secret", "bEaReR  secret "] {
            assert!(authorize(Some("secret"), Some(header)).is_ok(), "{header}");
        }
        assert!(authorize(Some("secret"), Some("Bearer SECRET")).is_err());
        assert!(authorize(Some("secret"), Some("Bearersecret")).is_err());
    }
}
