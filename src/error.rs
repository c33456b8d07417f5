//! The one error type. Each variant knows its HTTP status and stable `code`; the HTTP layer turns
//! it into our envelope. Internal causes are logged once (5xx only) and never sent to clients.

use axum::http::StatusCode;
use serde::Serialize;

/// Result with our error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One invalid input field, named as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field (or query parameter) name.
    #[schema(example = "origin")]
    pub field: String,
    /// What is wrong with it, in words the caller can act on.
    #[schema(example = "'XY1' is not a CRS code (three letters)")]
    pub message: String,
}

impl FieldError {
    /// A field error from anything string-like.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A validation error over several fields.
pub fn validation(fields: Vec<FieldError>) -> Error {
    let message = fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join("; ");
    Error::Validation {
        code: "validation_failed",
        message,
        fields,
    }
}

/// Everything that can go wrong, from a bad request to a bad import file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400: the request could not be read (malformed JSON or query string).
    #[error("{message}")]
    BadRequest {
        /// Stable machine-readable code.
        code: &'static str,
        /// What to fix.
        message: String,
    },
    /// 422: well-formed but invalid input, with the offending fields.
    #[error("{message}")]
    Validation {
        /// Stable machine-readable code.
        code: &'static str,
        /// Summary of the problem.
        message: String,
        /// The fields at fault.
        fields: Vec<FieldError>,
    },
    /// 404: no such resource.
    #[error("{message}")]
    NotFound {
        /// Stable machine-readable code.
        code: &'static str,
        /// What was not found.
        message: String,
    },
    /// 401: credentials missing or wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the action is not allowed at all (e.g. admin endpoints with no token configured).
    #[error("{message}")]
    Forbidden {
        /// Stable machine-readable code.
        code: &'static str,
        /// Why.
        message: String,
    },
    /// 405: the path exists but not with this method.
    #[error("method {method} is not allowed here")]
    MethodNotAllowed {
        /// The method the client used.
        method: String,
    },
    /// 415: the body is not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 413: the request body is larger than `BODY_LIMIT_BYTES`.
    #[error("request body is too large{}", limit_bytes.map(|n| format!(" (limit: {n} bytes)")).unwrap_or_default())]
    PayloadTooLarge {
        /// The configured limit, when the layer that refused the body knows it.
        limit_bytes: Option<usize>,
    },
    /// 429: this client sent more requests than its rate limit allows.
    #[error("rate limit exceeded; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the next request would be allowed (at least 1).
        retry_after_secs: u32,
    },
    /// 503: a dependency is down or the service is not ready; try again later.
    #[error("{message}")]
    Unavailable {
        /// Stable machine-readable code.
        code: &'static str,
        /// What is unavailable.
        message: String,
        /// Seconds the client should wait (sent as `Retry-After`).
        retry_after_secs: u32,
    },
    /// A database failure; a pool timeout is 503, anything else a 500.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed at startup.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A bug or unexpected failure (500; the cause is logged, not sent).
    #[error("internal error: {0}")]
    Internal(String),
    /// An official data file could not be imported; names the file and, when known, the line.
    #[error("{file}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Import {
        /// The file being imported.
        file: String,
        /// 1-based physical line, when the problem has one.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// A configuration variable has a value we cannot use.
    #[error("configuration variable {var}: {message}")]
    Config {
        /// The environment variable at fault.
        var: &'static str,
        /// Why its value was rejected.
        message: String,
    },
    /// A command's input or own check failed (e.g. `eval`: a bad `--holdout-from`, or the model
    /// did not beat the baselines).
    #[error("{0}")]
    CheckFailed(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl Error {
    /// A single-field validation error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = message.into();
        Self::Validation {
            code: "validation_failed",
            message: format!("{field}: {message}"),
            fields: vec![FieldError::new(field, message)],
        }
    }

    /// The HTTP status this error maps to.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(e) if is_transient(e) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(_)
            | Self::Migrate(_)
            | Self::Internal(_)
            | Self::Import { .. }
            | Self::Config { .. }
            | Self::CheckFailed(_)
            | Self::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code sent in the envelope.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Validation { code, .. }
            | Self::NotFound { code, .. }
            | Self::Forbidden { code, .. }
            | Self::Unavailable { code, .. } => code,
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Unauthorized(_) => "unauthorized",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::RateLimited { .. } => "rate_limited",
            Self::Database(e) if is_transient(e) => "database_unavailable",
            _ => "internal_error",
        }
    }

    /// The message safe to show a client: internal causes are replaced by a generic sentence.
    pub fn public_message(&self) -> String {
        match self.status() {
            StatusCode::INTERNAL_SERVER_ERROR => {
                "internal error; it has been logged with this request id".to_owned()
            }
            _ if matches!(self, Self::Database(_)) => {
                "the database is busy or unavailable; try again shortly".to_owned()
            }
            _ => self.to_string(),
        }
    }

    /// Seconds to send as `Retry-After`, for errors that have one.
    pub fn retry_after_secs(&self) -> Option<u32> {
        match self {
            Self::Unavailable {
                retry_after_secs, ..
            }
            | Self::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            Self::Database(e) if is_transient(e) => Some(1),
            _ => None,
        }
    }

    /// The per-field details of a validation error (empty otherwise).
    pub fn fields(&self) -> &[FieldError] {
        match self {
            Self::Validation { fields, .. } => fields,
            _ => &[],
        }
    }
}

/// A pool that is exhausted or closing, or a lock held past `busy_timeout` (SQLITE_BUSY = 5,
/// SQLITE_LOCKED = 6), is a passing condition (503), not a bug.
fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("5" | "6")),
        _ => false,
    }
}
