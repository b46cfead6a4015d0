//! Serving the frontend: on a given listener ([`serve`], what `sector dev` and tests use) or as
//! the `frontend` workload from its configuration ([`run`]: Redis, `0.0.0.0:PORT`).

use std::net::SocketAddr;

use sector_store::{RedisStore, StoreError};
use tokio::net::TcpListener;

use crate::config::FrontendConfig;
use crate::state::{AppState, StateError};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("REDIS_URL is not set (only `sector dev` runs the frontend without Redis)")]
    NoRedis,
    #[error("cannot reach redis: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("{what}: {source}")]
    Io {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// Serves the frontend on `listener` until `shutdown` completes.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = crate::router(state);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Runs the `frontend` workload on `store` (connected by the caller), listening on
/// `0.0.0.0:PORT` until `shutdown`.
pub async fn run(
    store: RedisStore,
    config: FrontendConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    let port = config.port;
    let state = AppState::new(store, config)?;
    let listener = TcpListener::bind(SocketAddr::from(([0, 0, 0, 0], port)))
        .await
        .map_err(|source| RunError::Io { what: "binding the frontend port", source })?;
    let local =
        listener.local_addr().map_err(|source| RunError::Io { what: "reading the bound address", source })?;
    tracing::info!(%local, "frontend listening");
    serve(state, listener, shutdown).await.map_err(|source| RunError::Io { what: "serving HTTP", source })
}
