//! The one error type of the API and its HTTP rendering: `{"detail": "<message>"}` for every
//! error, `{"detail": [<validation item>, …]}` for 422 (WIRE.md §1.1).
//!
//! Input problems are always 4xx. A 5xx (503) means a dependency (the store) is down or
//! holds data we cannot read: never the client's fault.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sector_store::StoreError;

use crate::validation::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 422: request validation failed.
    #[error("request validation failed")]
    Validation(Vec<FieldError>),
    /// 400 with a message.
    #[error("{0}")]
    BadRequest(String),
    /// 401 with a message.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 403 with a message.
    #[error("{0}")]
    Forbidden(&'static str),
    /// 404 with a message.
    #[error("{0}")]
    NotFound(&'static str),
    /// 409 with a message.
    #[error("{0}")]
    Conflict(&'static str),
    /// 413: the body exceeds the configured limit.
    #[error("request body too large (limit {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    /// 429 with the time until a retry can succeed.
    #[error("rate limit exceeded")]
    RateLimited { retry_after: Duration },
    /// 503: the store is unreachable or returned data we cannot use.
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        // Inputs are validated before they reach the store, so any store error is the store's.
        tracing::error!(%error, "store error");
        match &error {
            StoreError::Unavailable(source) => Self::Unavailable(format!("redis error: {source}")),
            _ => Self::Unavailable(format!("store error: {error}")),
        }
    }
}

/// A JSON response with the given status (compact serialization).
pub fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => raw_json_response(status, bytes),
        Err(error) => {
            tracing::error!(%error, "response serialization failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
        }
    }
}

/// A response whose body is already JSON text.
pub fn raw_json_response(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[derive(serde::Serialize)]
struct Detail<'a, T: serde::Serialize> {
    detail: &'a T,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = match &self {
            Self::Validation(items) => json_response(status, &Detail { detail: items }),
            other => json_response(status, &Detail { detail: &other.to_string() }),
        };
        if let Self::RateLimited { retry_after } = self {
            // Whole seconds, rounded up so a client that waits exactly this long succeeds.
            let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        response
    }
}
