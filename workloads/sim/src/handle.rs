//! Starting and stopping a worker: [`spawn`] runs it as tasks of the current tokio runtime and
//! returns a [`SimHandle`]; [`run_with_store`] and [`run`] run it until a shutdown future
//! completes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use sector_store::{RedisStore, Store};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::backoff::Backoff;
use crate::config::{ConfigError, SimConfig};
use crate::error::SimError;
use crate::http::{self, AppState};
use crate::metrics::Metrics;
use crate::status::WorkerStatus;
use crate::worker::Worker;
use crate::{frontend_wait, lease_loop};

/// A running worker.
pub struct SimHandle {
    worker: JoinHandle<Result<(), SimError>>,
    /// The HTTP servers (main port, metrics port).
    http: Vec<JoinHandle<()>>,
    http_addr: Option<SocketAddr>,
    metrics_addr: Option<SocketAddr>,
    shutdown: watch::Sender<bool>,
    status: watch::Receiver<WorkerStatus>,
    metrics: Arc<Metrics>,
}

/// Starts a worker on `store`: binds the HTTP port (if configured), then runs the lease loop
/// in a task.
pub async fn spawn<S: Store>(store: S, config: SimConfig) -> Result<SimHandle, SimError> {
    config.validate()?;
    let cfg = Arc::new(config);
    let metrics = Arc::new(Metrics::new());
    let (status_tx, status_rx) = watch::channel(WorkerStatus::default());
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let state = AppState { metrics: metrics.clone(), status: status_rx.clone() };
    let mut http = Vec::new();
    let metrics_addr = match cfg.metrics_port {
        Some(port) => {
            let (listener, addr) = http::bind(cfg.bind_address, port).await?;
            tracing::info!(%addr, "sim metrics listening (/metrics)");
            let router = http::metrics_router(state.clone());
            http.push(tokio::spawn(http::serve(listener, router, shutdown_rx.clone())));
            Some(addr)
        }
        None => None,
    };
    let http_addr = match cfg.http_port {
        Some(port) => {
            let (listener, addr) = http::bind(cfg.bind_address, port).await?;
            tracing::info!(%addr, metrics = metrics_addr.is_none(), "sim HTTP listening (/health, /ready)");
            let router = http::router(state, metrics_addr.is_none());
            http.push(tokio::spawn(http::serve(listener, router, shutdown_rx.clone())));
            Some(addr)
        }
        None => None,
    };
    tracing::info!(
        worker = cfg.worker_id,
        consumer = cfg.consumer,
        lease_ttl_ms = cfg.lease_ttl.as_millis() as u64,
        tick_ms = cfg.tick_period.as_millis() as u64,
        systems = cfg.game.simulation.number_of_systems,
        "sim worker starting"
    );
    let mut worker = Worker {
        store,
        cfg,
        metrics: metrics.clone(),
        status: status_tx,
        shutdown: shutdown_rx,
        memory: None,
    };
    // Every log line of the worker names it (two workers may share a process in tests and dev).
    let span = tracing::info_span!("sim", worker = %worker.cfg.worker_id);
    let task = tokio::spawn(
        async move {
            if worker.cfg.wait_for_frontend {
                let url = worker.cfg.frontend_health_url.clone();
                if !frontend_wait::wait(&url, &mut worker.shutdown).await {
                    return Ok(());
                }
            }
            lease_loop::run(worker).await
        }
        .instrument(span),
    );
    Ok(SimHandle {
        worker: task,
        http,
        http_addr,
        metrics_addr,
        shutdown: shutdown_tx,
        status: status_rx,
        metrics,
    })
}

impl SimHandle {
    /// The address `/health`, `/ready` (and `/metrics` without a metrics port) listen on.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    /// The address of the `METRICS_PORT` listener (`/metrics`), if configured.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// The current status.
    pub fn status(&self) -> WorkerStatus {
        self.status.borrow().clone()
    }

    /// A receiver of status changes (e.g. `wait_for` a role or tick).
    pub fn subscribe(&self) -> watch::Receiver<WorkerStatus> {
        self.status.clone()
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Graceful stop: the leader saves its full state and releases the lease.
    pub async fn stop(self) -> Result<(), SimError> {
        let _ = self.shutdown.send(true);
        let result = match self.worker.await {
            Ok(result) => result,
            Err(error) => Err(SimError::Task(error.to_string())),
        };
        for http in self.http {
            let _ = http.await;
        }
        result
    }

    /// Stops the tasks at once, like a crash: nothing is saved and the lease is not released
    /// (a standby takes over when it expires).
    pub fn abort(self) {
        self.worker.abort();
        for http in &self.http {
            http.abort();
        }
    }

    /// Runs until `shutdown` completes (then stops gracefully) or the worker ends by itself.
    pub async fn run_until(mut self, shutdown: impl Future<Output = ()>) -> Result<(), SimError> {
        tokio::select! {
            () = shutdown => self.stop().await,
            joined = &mut self.worker => {
                let _ = self.shutdown.send(true);
                for http in self.http.drain(..) {
                    let _ = http.await;
                }
                joined.map_err(|e| SimError::Task(e.to_string()))?
            }
        }
    }
}

/// Runs a worker on `store` until `shutdown` completes.
pub async fn run_with_store<S: Store>(
    store: S,
    config: SimConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<(), SimError> {
    spawn(store, config).await?.run_until(shutdown).await
}

/// Runs a worker on Redis (`config.redis_url`) until `shutdown` completes. An unreachable Redis
/// is retried with backoff; only a bad URL fails at once.
pub async fn run(config: SimConfig, shutdown: impl Future<Output = ()>) -> Result<(), SimError> {
    let url = config.redis_url.clone().ok_or(ConfigError::Missing { var: "REDIS_URL" })?;
    tokio::pin!(shutdown);
    let mut backoff = Backoff::new(config.backoff_max);
    let store = loop {
        match RedisStore::connect(&url, config.keys.clone()).await {
            Ok(store) => break store,
            Err(error) if error.is_unavailable() => {
                tracing::warn!(%error, "redis unreachable; retrying");
                tokio::select! {
                    () = &mut shutdown => return Ok(()),
                    () = tokio::time::sleep(backoff.next_delay()) => {}
                }
            }
            Err(error) => return Err(error.into()),
        }
    };
    run_with_store(store, config, shutdown).await
}
