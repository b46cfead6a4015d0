//! `sector-api`: Sector's public HTTP API (WIRE.md §8) over the shared store.
//!
//! Wallet login (EIP-191 `personal_sign`, single-use nonces, HS256 tokens backed by
//! server-side sessions, logout), faction claims (atomic, idempotent), orders (validated,
//! bot token or player), snapshot and events, admin control through the control hash, plus
//! `/health` (liveness: the process only), `/ready` (the store answers and a snapshot exists),
//! `/metrics` (on its own listener with `METRICS_PORT`) and `/openapi.json`. The reference's
//! security defects (KNOWN_DEFECTS section A) are fixed; see the crate README for the list.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = sector_api::ApiConfig::from_env()?;
//! sector_api::run(config).await?;
//! # Ok(()) }
//! ```

mod auth;
mod config;
pub mod control_writer;
mod cors;
mod error;
mod json_text;
mod jwt;
mod metrics;
mod openapi;
mod rate_limit;
mod read_cache;
mod routes;
mod server;
mod state;
mod validation;
mod verified_tokens;
mod wallet;

use axum::Router;
use axum::body::{Bytes, HttpBody};
use axum::extract::State;
use axum::http::Response;
use axum::middleware::{from_fn_with_state, map_response_with_state};
use axum::response::IntoResponse;
use sector_store::Store;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

pub use config::{ApiConfig, ConfigError, CorsOrigins, RateLimit, Secret};
pub use error::ApiError;
pub use openapi::ApiDoc;
pub use server::{RunError, run, serve, serve_metrics, shutdown_signal};
pub use state::{AppState, FactionInfo, StateError};
pub use wallet::{DevWallet, login_message, normalize_address};

/// The full API: routes plus tracing, metrics, CORS and the body size limit. With
/// `METRICS_PORT` configured it has no `/metrics` (see [`metrics_router`]).
pub fn router<S: Store>(state: AppState<S>) -> Router {
    let limit = state.config().max_body_bytes;
    let cors = cors::layer(&state.config().cors);
    routes::routes(state.clone()).layer(
        ServiceBuilder::new()
            .layer(TraceLayer::new_for_http())
            .layer(from_fn_with_state(state, metrics::track::<S>))
            .layer(cors)
            .layer(map_response_with_state(limit, json_413))
            .layer(RequestBodyLimitLayer::new(limit)),
    )
}

/// The metrics listener of `METRICS_PORT`: `/metrics` only (no CORS, no request metrics: only
/// scrapers reach this port).
pub fn metrics_router<S: Store>(state: AppState<S>) -> Router {
    routes::metrics_routes(state).layer(TraceLayer::new_for_http())
}

/// The body limit layer answers an oversized `Content-Length` itself, in plain text; every
/// error of this API is `{"detail": …}`.
async fn json_413<B>(State(limit): State<usize>, response: Response<B>) -> axum::response::Response
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return ApiError::PayloadTooLarge { limit }.into_response();
    }
    response.into_response()
}
