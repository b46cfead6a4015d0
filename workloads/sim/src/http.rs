//! `/health`, `/ready` and `/metrics` on a small HTTP port.
//!
//! - `/health`: 200 while the process runs (liveness; never touches the store, so a Redis
//!   outage does not get the pod restarted).
//! - `/ready`: 200 for a leader holding a world, or a standby that reaches the store (ready to
//!   take over); 503 otherwise (starting, stopped, store unreachable). The body reports role,
//!   run, tick and phase either way.
//! - `/metrics`: Prometheus/OpenMetrics text; with `METRICS_PORT` only on that port's own
//!   listener ([`metrics_router`]), and 404 here.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::error::SimError;
use crate::metrics::Metrics;
use crate::status::WorkerStatus;

#[derive(Clone)]
pub(crate) struct AppState {
    pub metrics: Arc<Metrics>,
    pub status: watch::Receiver<WorkerStatus>,
}

/// `/health` and `/ready`, plus `/metrics` when `with_metrics` (no separate metrics port).
pub(crate) fn router(state: AppState, with_metrics: bool) -> Router {
    let router = Router::new().route("/health", get(health)).route("/ready", get(ready));
    let router = if with_metrics { router.route("/metrics", get(metrics)) } else { router };
    router.fallback(not_found).with_state(state)
}

/// The `METRICS_PORT` listener: `/metrics` only.
pub(crate) fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics)).fallback(not_found).with_state(state)
}

async fn not_found() -> impl IntoResponse {
    json(StatusCode::NOT_FOUND, serde_json::json!({"detail": "Not Found"}))
}

fn json(code: StatusCode, body: serde_json::Value) -> impl IntoResponse {
    (code, [(header::CONTENT_TYPE, "application/json")], body.to_string())
}

async fn health() -> impl IntoResponse {
    json(StatusCode::OK, serde_json::json!({"status": "ok"}))
}

async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let status = state.status.borrow().clone();
    let ready = status.ready();
    let body = serde_json::json!({
        "ready": ready,
        "role": status.role.as_str(),
        "universe": status.universe,
        "tick": status.tick,
        "phase": status.phase.as_ref().map(|p| p.as_str().to_owned()),
        "store_ok": status.store_ok,
    });
    json(if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, body)
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        state.metrics.render(),
    )
}

/// Binds `host:port` (0 = an ephemeral port).
pub(crate) async fn bind(host: std::net::IpAddr, port: u16) -> Result<(TcpListener, SocketAddr), SimError> {
    let listener = TcpListener::bind(SocketAddr::new(host, port))
        .await
        .map_err(|source| SimError::Io { what: "binding the HTTP port", source })?;
    let addr =
        listener.local_addr().map_err(|source| SimError::Io { what: "reading the bound address", source })?;
    Ok((listener, addr))
}

/// Serves `router` until `shutdown` turns true.
pub(crate) async fn serve(listener: TcpListener, router: Router, mut shutdown: watch::Receiver<bool>) {
    let stop = async move {
        while !*shutdown.borrow() {
            if shutdown.changed().await.is_err() {
                break;
            }
        }
    };
    if let Err(error) = axum::serve(listener, router).with_graceful_shutdown(stop).await {
        tracing::error!(%error, "HTTP server failed");
    }
}
