//! `sector-operator`: reconciles `SectorUniverse` resources. Serves `/metrics` and `/health`,
//! takes the leader Lease before reconciling, applies its own CRD (`MANAGE_CRD`), logs JSON in a
//! cluster.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use sector_operator::controller::Context;
use sector_operator::leader::LeaseLock;
use sector_operator::live::RedisConnector;
use sector_operator::metrics::Metrics;
use sector_operator::settings::Settings;
use sector_operator::{crd_install, http, runner, telemetry};
use tokio::sync::watch;

/// How long a freshly applied CRD may take to be Established (name checks, usually a second).
const CRD_ESTABLISH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init().map_err(anyhow::Error::msg)?;
    sector_operator::install_crypto_provider();
    let settings = Settings::from_env()?;
    let client = kube::Client::try_default().await.context("connecting to the Kubernetes API")?;
    let metrics = Arc::new(Metrics::new());

    let addr = SocketAddr::from(([0, 0, 0, 0], settings.metrics_port));
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
    let router = http::router(metrics.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "metrics server stopped");
        }
    });
    tracing::info!(%addr, image = %settings.default_image, "sector-operator starting");

    // `stop` turns true on SIGTERM/SIGINT or when leadership is lost.
    let (stop_tx, stop_rx) = watch::channel(false);
    let signal_tx = stop_tx.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = signal_tx.send(true);
    });

    let lock = LeaseLock::new(
        client.clone(),
        &settings.operator_namespace,
        &settings.lease_name,
        &settings.pod_name,
        settings.lease_duration,
    );
    let lost = Arc::new(std::sync::atomic::AtomicBool::new(false));
    if settings.leader_election {
        if !acquire(&lock, stop_rx.clone()).await {
            return Ok(());
        }
        metrics.set_leader(true);
        tracing::info!(identity = lock.identity(), "leading");
        tokio::spawn(keep_leading(lock.clone(), stop_tx.clone(), lost.clone(), metrics.clone()));
    }

    // After the election, so only the leader writes the CRD (a follower of an older version
    // never rolls it back while the new leader runs).
    if settings.manage_crd {
        let outcome = crd_install::ensure(&client, CRD_ESTABLISH_TIMEOUT).await?;
        tracing::info!(crd = crd_install::CRD_NAME, ?outcome, "CRD applied and Established");
    } else {
        tracing::info!(crd = crd_install::CRD_NAME, "MANAGE_CRD=false: the CRD is left as installed");
    }

    let ctx = Arc::new(Context::new(client, settings.clone(), RedisConnector, metrics.clone()));
    let mut stop = stop_rx.clone();
    runner::run(ctx, async move {
        let _ = stop.wait_for(|s| *s).await;
    })
    .await?;

    if lost.load(std::sync::atomic::Ordering::SeqCst) {
        // Restart as a follower rather than risk two leaders.
        anyhow::bail!("lost the leader lease");
    }
    if settings.leader_election
        && let Err(e) = lock.release().await
    {
        tracing::warn!(error = %e, "could not release the leader lease");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Waits for the lease; `false` if asked to stop first.
async fn acquire(lock: &LeaseLock, mut stop: watch::Receiver<bool>) -> bool {
    loop {
        match lock.try_acquire_or_renew().await {
            Ok(true) => return true,
            Ok(false) => tracing::debug!("another replica leads; waiting"),
            Err(e) => tracing::warn!(error = %e, "leader election"),
        }
        tokio::select! {
            _ = tokio::time::sleep(lock.retry_period()) => {}
            _ = stop.wait_for(|s| *s) => return false,
        }
    }
}

/// Renews the lease; stops the process's work if it cannot for a whole lease duration.
async fn keep_leading(
    lock: LeaseLock,
    stop: watch::Sender<bool>,
    lost: Arc<std::sync::atomic::AtomicBool>,
    metrics: Arc<Metrics>,
) {
    let mut last_renewal = Instant::now();
    let deadline = lock.retry_period() * 3;
    loop {
        tokio::time::sleep(lock.retry_period()).await;
        if *stop.borrow() {
            return;
        }
        match lock.try_acquire_or_renew().await {
            Ok(true) => last_renewal = Instant::now(),
            Ok(false) => break,
            Err(e) if last_renewal.elapsed() < deadline => {
                tracing::warn!(error = %e, "renewing the leader lease")
            }
            Err(_) => break,
        }
    }
    tracing::error!("leader lease lost; stopping");
    metrics.set_leader(false);
    lost.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = stop.send(true);
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
