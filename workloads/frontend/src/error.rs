//! The frontend's errors and their HTTP rendering: `{"detail": "<message>"}` for every error
//! (KNOWN_DEFECTS G3: the reference's `/snapshot` 404 used `{"error": …}`), and the API's
//! `{"detail": [<item>]}` shape for query validation (WIRE.md §1.1).

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum FrontendError {
    /// 422 for one query parameter.
    #[error("{msg}")]
    BadQuery { kind: &'static str, param: &'static str, input: Value, msg: String },
    #[error("{0}")]
    NotFound(&'static str),
    #[error("request body too large (limit {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    #[error("rate limit exceeded")]
    RateLimited { retry_after: Duration },
    /// 502: the upstream answered badly or could not be reached.
    #[error("{0}")]
    BadGateway(String),
    /// 504: the upstream did not answer in time.
    #[error("{0}")]
    GatewayTimeout(String),
    /// 503: a dependency (the store) is unavailable.
    #[error("{0}")]
    Unavailable(String),
}

impl FrontendError {
    /// A query parameter that is present but unusable.
    pub fn bad_query(param: &'static str, input: &str, msg: impl Into<String>) -> Self {
        Self::BadQuery { kind: "value_error", param, input: Value::String(input.to_owned()), msg: msg.into() }
    }

    /// A required query parameter that is missing.
    pub fn missing_query(param: &'static str) -> Self {
        Self::BadQuery { kind: "missing", param, input: Value::Null, msg: "Field required".into() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadQuery { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::GatewayTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl From<sector_store::StoreError> for FrontendError {
    fn from(error: sector_store::StoreError) -> Self {
        tracing::error!(%error, "store error");
        Self::Unavailable(format!("store error: {error}"))
    }
}

impl IntoResponse for FrontendError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            Self::BadQuery { kind, param, input, msg } => {
                json!({"detail": [{"type": kind, "loc": ["query", param], "msg": msg, "input": input}]})
            }
            other => json!({"detail": other.to_string()}),
        };
        let mut response = (status, Json(body)).into_response();
        if let Self::RateLimited { retry_after } = self {
            let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}
