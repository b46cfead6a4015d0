//! `/metrics` (OpenMetrics) and `/health` on the operator's metrics port.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::metrics::Metrics;

pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new().route("/metrics", get(metrics_text)).route("/health", get(health)).with_state(metrics)
}

async fn metrics_text(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], metrics.encode())
}

/// Liveness: the process serves HTTP. (A follower is healthy too; it waits for the lease.)
async fn health() -> &'static str {
    "ok"
}
