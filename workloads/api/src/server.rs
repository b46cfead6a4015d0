//! Serving the router: on a given listener ([`serve`], what `sector dev` and tests use) or as
//! the `api` workload from its configuration ([`run`]: Redis, `BIND_ADDRESS:PORT`, plus
//! `BIND_ADDRESS:METRICS_PORT` for `/metrics` when set, stop on SIGINT/SIGTERM).

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

/// Serves [`crate::metrics_router`] (`/metrics` only) on `listener` until `shutdown` completes.
pub async fn serve_metrics<S: Store>(
    state: AppState<S>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, crate::metrics_router(state)).with_graceful_shutdown(shutdown).await
}

/// Runs the `api` workload: connects to Redis (retrying while it starts), listens on
/// `BIND_ADDRESS:PORT` (and `BIND_ADDRESS:METRICS_PORT` if set) and serves until SIGINT or SIGTERM.
pub async fn run(config: ApiConfig) -> Result<(), RunError> {
    let url = config.redis_url.clone().ok_or(RunError::NoRedis)?;
    let store = connect(&url, &config).await?;
    let (host, port, metrics_port) = (config.bind_address, config.port, config.metrics_port);
    let state = AppState::new(store, config)?;
    let listener = bind(SocketAddr::new(host, port), "api", "binding the API port").await?;
    let metrics_listener = match metrics_port {
        Some(port) => Some(bind(SocketAddr::new(host, port), "metrics", "binding the metrics port").await?),
        None => None,
    };
    // One signal stops both listeners.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };
    tokio::spawn(async move {
        shutdown_signal().await;
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
    tracing::info!(%local, role, "api listening");
    Ok(listener)
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
