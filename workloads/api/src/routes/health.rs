//! Liveness, readiness and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use sector_store::Store;

use super::models::{ErrorDetail, StatusOk};
use crate::error::ApiError;
use crate::state::AppState;

/// Liveness: the process serves HTTP. It does not touch the store, so a Redis outage makes the
/// pods unready (`/ready`) instead of restarting every one of them. (The bot worker discovers
/// the API with this.)
#[utoipa::path(get, path = "/health", tag = "service",
    responses((status = 200, description = "The process is up", body = StatusOk)))]
pub async fn health() -> Json<StatusOk> {
    Json(StatusOk::new("ok"))
}

/// Readiness: the store answers a ping and the sim has saved a snapshot.
#[utoipa::path(get, path = "/ready", tag = "service",
    responses(
        (status = 200, description = "Ready", body = StatusOk),
        (status = 503, description = "Store unreachable (`redis error: …`) or no snapshot yet", body = ErrorDetail),
    ))]
pub async fn ready<S: Store>(State(state): State<AppState<S>>) -> Result<Json<StatusOk>, ApiError> {
    // An explicit round trip: the snapshot below may come from the read cache.
    state.store().event_stream_len().await?;
    match state.reads().snapshot(state.store()).await? {
        Some(_) => Ok(Json(StatusOk::new("ready"))),
        None => Err(ApiError::Unavailable("no snapshot yet".into())),
    }
}

/// Prometheus / OpenMetrics text. With `METRICS_PORT` set it is served only on that port (the
/// main port answers 404), so it is not reachable through an ingress.
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "Metrics", content_type = "application/openmetrics-text", body = String)))]
pub async fn metrics<S: Store>(State(state): State<AppState<S>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        state.metrics().render(),
    )
}
