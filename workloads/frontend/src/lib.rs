//! `sector-frontend`: the frontend worker (WIRE.md §9): the web UI, `/snapshot`, `/tail`,
//! `/preview`, the `/ws` live feed (one event-stream reader per process, fanned out) and the
//! `/api/*` proxy to the API.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = sector_frontend::FrontendConfig::from_env()?;
//! let url = config.redis.as_ref().map(|r| r.url.clone()).unwrap_or_default();
//! let keys = config.redis.as_ref().map(|r| r.keys.clone()).unwrap_or_default();
//! let store = sector_store::RedisStore::connect(&url, keys).await?;
//! sector_frontend::run(store, config, std::future::pending()).await?;
//! # Ok(()) }
//! ```

mod assets;
mod config;
mod error;
mod frame;
mod hub;
mod lean;
mod metrics;
mod payload;
mod preview;
mod protocol;
mod proxy;
mod routes;
mod server;
mod state;
mod ws;

use axum::Router;
use axum::routing::{any, get};
use tower_http::trace::TraceLayer;

pub use config::{ConfigError, FrontendConfig, PreviewLimit, WsSettings};
pub use error::FrontendError;
pub use hub::{FrameResend, Hub, Outgoing, Subscription};
pub use metrics::Metrics;
pub use payload::Payload;
pub use protocol::{LEAN as LEAN_PROTOCOL, LEAN_DEFLATE as LEAN_DEFLATE_PROTOCOL, Protocol};
pub use server::{RunError, run, serve, serve_metrics};
pub use state::{AppState, StateError};

/// All routes of the frontend worker; `/metrics` only without `METRICS_PORT` (see
/// [`metrics_router`]).
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    if state.config().metrics_port.is_none() {
        router = router.route("/metrics", get(routes::metrics));
    }
    router
        .route("/", get(assets::index))
        .route("/assets/{*path}", get(assets::asset))
        .route("/snapshot", get(routes::snapshot))
        .route("/tail", get(routes::tail))
        .route("/preview", get(preview::handler))
        .route("/ws", get(ws::handler))
        .route("/health", get(routes::health))
        .route("/ready", get(routes::ready))
        .route("/api", any(proxy::redirect_root))
        .route("/api/", any(proxy::handler))
        .route("/api/{*path}", any(proxy::handler))
        .fallback(routes::not_found)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The listener of `METRICS_PORT`: `/metrics` only, so scrapers reach it while the public port
/// does not serve it.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(routes::metrics))
        .fallback(routes::not_found)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
