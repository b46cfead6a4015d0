//! Liveness, readiness and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use sector_store::Store;

use super::models::{ErrorDetail, StatusOk};
use crate::error::ApiError;
use crate::state::AppState;

/// Pings the store (the bot worker discovers the API with this).
#[utoipa::path(get, path = "/health", tag = "service",
    responses(
        (status = 200, description = "Store reachable", body = StatusOk),
        (status = 503, description = "Store unreachable", body = ErrorDetail),
    ))]
pub async fn health<S: Store>(State(state): State<AppState<S>>) -> Result<Json<StatusOk>, ApiError> {
    state.store().event_stream_len().await?;
    Ok(Json(StatusOk::new("ok")))
}

/// Ready to serve players: store reachable and a snapshot saved by the sim.
#[utoipa::path(get, path = "/ready", tag = "service",
    responses(
        (status = 200, description = "Ready", body = StatusOk),
        (status = 503, description = "Store unreachable or no snapshot yet", body = ErrorDetail),
    ))]
pub async fn ready<S: Store>(State(state): State<AppState<S>>) -> Result<Json<StatusOk>, ApiError> {
    match state.reads().snapshot(state.store()).await? {
        Some(_) => Ok(Json(StatusOk::new("ready"))),
        None => Err(ApiError::Unavailable("no snapshot yet".into())),
    }
}

/// Prometheus / OpenMetrics text.
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "Metrics", content_type = "application/openmetrics-text", body = String)))]
pub async fn metrics<S: Store>(State(state): State<AppState<S>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        state.metrics().render(),
    )
}
