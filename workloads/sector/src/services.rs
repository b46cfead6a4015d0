//! The long-running workloads (`sector bot`, later `sector sim` and `sector api`): a tokio
//! runtime, logging, a store connection retried with backoff, and graceful shutdown.

use std::time::Duration;

use anyhow::{Context, Result};
use sector_store::{Keys, RedisStore};

use crate::telemetry::{self, LogFormat};

/// Completes on SIGINT or SIGTERM (Kubernetes stops pods with SIGTERM); one definition for
/// every workload, kept with the API, whose standalone example needs it too.
pub use sector_api::shutdown_signal;

/// Connects to Redis, retrying while it is unavailable (it may start after us); a bad URL
/// fails at once.
pub async fn connect_redis(url: &str, keys: Keys) -> Result<RedisStore> {
    let mut delay = Duration::from_millis(200);
    loop {
        match RedisStore::connect(url, keys.clone()).await {
            Ok(store) => return Ok(store),
            Err(error) if error.is_unavailable() => {
                tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "redis unavailable");
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = shutdown_signal() => anyhow::bail!("interrupted while waiting for redis"),
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(error) => return Err(error).context("connecting to redis"),
        }
    }
}

/// Runs `body` on a multi-threaded runtime with logging set up from the environment.
pub fn run_service<F: Future<Output = Result<()>>>(body: impl FnOnce() -> F) -> Result<()> {
    let format = LogFormat::from_env().map_err(anyhow::Error::msg)?;
    telemetry::init(format);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    runtime.block_on(body())
}

/// `sector bot`: one bot replica, configured from the environment (WIRE.md §2.4).
pub fn bot() -> Result<()> {
    run_service(|| async {
        let config = sector_bot::BotConfig::from_env().context("bot configuration")?;
        let url = config.redis_url.clone().context("REDIS_URL is required")?;
        let store = connect_redis(&url, config.keys.clone()).await?;
        sector_bot::run(store, config, shutdown_signal()).await?;
        Ok(())
    })
}

/// `sector sim`: a simulation worker (leader or standby), configured from the environment
/// (WIRE.md §2.3).
pub fn sim() -> Result<()> {
    run_service(|| async {
        let config = sector_sim::SimConfig::from_env().context("sim configuration")?;
        sector_sim::run(config, shutdown_signal()).await?;
        Ok(())
    })
}

/// `sector api`: the HTTP API (WIRE.md §2.2, §8). Refuses to start without `JWT_SECRET`.
pub fn api() -> Result<()> {
    run_service(|| async {
        let config = sector_api::ApiConfig::from_env().context("api configuration")?;
        sector_api::run(config).await?;
        Ok(())
    })
}

/// `sector frontend`: the web UI, `/ws`, `/snapshot`, `/tail`, `/preview` and the `/api/*`
/// proxy (WIRE.md §2.5, §9).
pub fn frontend() -> Result<()> {
    run_service(|| async {
        let config = sector_frontend::FrontendConfig::from_env().context("frontend configuration")?;
        let redis = config.redis.clone().context("REDIS_URL is required")?;
        let store = connect_redis(&redis.url, redis.keys).await?;
        sector_frontend::run(store, config, shutdown_signal()).await?;
        Ok(())
    })
}

/// `sector minter`: award tokens for run winners (WIRE.md §11, with real minting).
pub fn minter() -> Result<()> {
    run_service(|| async {
        let config = sector_minter::MinterConfig::from_env().context("minter configuration")?;
        sector_minter::run(config, shutdown_signal()).await?;
        Ok(())
    })
}
