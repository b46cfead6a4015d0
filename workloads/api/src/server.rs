//! Serving the router: on a given listener ([`serve`], what `sector dev` and tests use) or as
//! the `api` workload from its configuration ([`run`]: Redis, `0.0.0.0:PORT`, stop on
//! SIGINT/SIGTERM).

use std::net::SocketAddr;
use std::time::Duration;

use sector_store::{RedisStore, Store, StoreError};
use tokio::net::TcpListener;

use crate::config::ApiConfig;
use crate::state::{AppState, StateError};

/// How long [`run`] keeps trying to reach Redis at start-up.
const CONNECT_ATTEMPTS: u32 = 30;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("REDIS_URL is not set (only `sector dev` runs the API without Redis)")]
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

/// Serves the API on `listener` until `shutdown` completes. Peer addresses are passed to the
/// handlers (per-IP rate limits).
pub async fn serve<S: Store>(
    state: AppState<S>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = crate::router(state);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Runs the `api` workload: connects to Redis (retrying while it starts), listens on
/// `0.0.0.0:PORT` and serves until SIGINT or SIGTERM.
pub async fn run(config: ApiConfig) -> Result<(), RunError> {
    let url = config.redis_url.clone().ok_or(RunError::NoRedis)?;
    let store = connect(&url, &config).await?;
    let port = config.port;
    let state = AppState::new(store, config)?;
    let listener = TcpListener::bind(SocketAddr::from(([0, 0, 0, 0], port)))
        .await
        .map_err(|source| RunError::Io { what: "binding the API port", source })?;
    let local =
        listener.local_addr().map_err(|source| RunError::Io { what: "reading the bound address", source })?;
    tracing::info!(%local, "api listening");
    serve(state, listener, shutdown_signal())
        .await
        .map_err(|source| RunError::Io { what: "serving HTTP", source })
}

async fn connect(url: &str, config: &ApiConfig) -> Result<RedisStore, RunError> {
    let mut attempt = 1;
    loop {
        match RedisStore::connect(url, config.keys.clone()).await {
            Ok(store) => return Ok(store),
            Err(error) if error.is_unavailable() && attempt < CONNECT_ATTEMPTS => {
                tracing::warn!(%error, attempt, "redis not reachable yet; retrying");
                attempt += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
