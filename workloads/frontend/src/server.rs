//! Serving the frontend: on a given listener ([`serve`], what `sector dev` and tests use) or as
//! the `frontend` workload from its configuration ([`run`]: Redis, `BIND_ADDRESS:PORT`, plus
//! `BIND_ADDRESS:METRICS_PORT` for `/metrics` when set).

use std::net::SocketAddr;

use sector_store::{RedisStore, StoreError};
use tokio::net::TcpListener;
use tokio::sync::watch;

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

/// Serves [`crate::metrics_router`] (`/metrics` only) on `listener` until `shutdown` completes.
pub async fn serve_metrics(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, crate::metrics_router(state)).with_graceful_shutdown(shutdown).await
}

/// Runs the `frontend` workload on `store` (connected by the caller), listening on
/// `BIND_ADDRESS:PORT` (and `BIND_ADDRESS:METRICS_PORT` if set) until `shutdown`.
pub async fn run(
    store: RedisStore,
    config: FrontendConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    let (host, port, metrics_port) = (config.bind_address, config.port, config.metrics_port);
    let state = AppState::new(store, config)?;
    let listener = bind(SocketAddr::new(host, port), "frontend", "binding the frontend port").await?;
    let metrics_listener = match metrics_port {
        Some(port) => Some(bind(SocketAddr::new(host, port), "metrics", "binding the metrics port").await?),
        None => None,
    };
    // One shutdown stops both listeners.
    let (stop, stopped) = watch::channel(false);
    let until_stopped = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let main = serve(state.clone(), listener, until_stopped());
    let metrics = async {
        match metrics_listener {
            Some(listener) => serve_metrics(state, listener, until_stopped()).await,
            None => Ok(()),
        }
    };
    tokio::try_join!(main, metrics)
        .map(|_| ())
        .map_err(|source| RunError::Io { what: "serving HTTP", source })
}

async fn bind(addr: SocketAddr, role: &'static str, what: &'static str) -> Result<TcpListener, RunError> {
    let listener = TcpListener::bind(addr).await.map_err(|source| RunError::Io { what, source })?;
    let local =
        listener.local_addr().map_err(|source| RunError::Io { what: "reading the bound address", source })?;
    tracing::info!(%local, role, "frontend listening");
    Ok(listener)
}
