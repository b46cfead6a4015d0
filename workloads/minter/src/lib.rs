//! `sector-minter`: award tokens for run winners, on an Ethereum chain.
//!
//! When a run ends with a winning faction held by a human, the sim's run-end commit queues an
//! award job in the universe's Redis (`{p}:awards`, see `sector_store::AwardStore`). This service
//! drains that queue ([`dispatch`]) and also serves the reference minter's HTTP API (WIRE.md §11):
//!
//! - `GET /health` → `{"status": "ok"}`; `GET /ready` → 200 once Redis and the chain answer.
//! - `POST /mint` with `Authorization: Bearer <MINTER_API_KEY>` and the §11 body (plus an
//!   optional `universe` name) mints an ERC-721 award (`contracts/SectorAward.sol`, optionally
//!   soulbound per ERC-5192) to `address`, signed with `MINTER_PRIVATE_KEY`. The answer carries
//!   the reference's fields plus `tx_hash`, `token_id`, `contract`, `chain_id`, `block_number`,
//!   `token_uri` and `already_minted`.
//!
//! Each (universe, run) is minted at most once, under concurrency and across crashes ([`mint`]);
//! repeats answer with the same token. Errors: 400 bad address or ids, 401 missing or wrong key,
//! 409 run already awarded to another address, 422 malformed body, 502 the chain refused or
//! answered wrongly, 503 the chain or Redis is unreachable or the transaction is still pending
//! (`Retry-After`; the dispatcher retries with backoff).
//!
//! Differences from the reference placeholder: it mints; an empty `MINTER_API_KEY` refuses to
//! start unless `MINTER_ALLOW_NO_AUTH` is set; the key is compared in constant time; credentials
//! are checked before the body (as the API does).

mod auth;
pub mod chain;
pub mod config;
pub mod dispatch;
mod error;
pub mod ledger;
pub mod metadata;
pub mod mint;
pub mod record;
pub mod request;
mod routes;
mod rpc;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sector_store::{RedisStore, Store, StoreError};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use chain::Chain;
pub use config::{ConfigError, MinterConfig, Secret};
pub use error::HttpError;
pub use ledger::{ChainError, Ledger};
pub use mint::{MintError, MintOutcome, MintTiming, Minter};
pub use routes::{AppState, MAX_BODY_BYTES, router};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("REDIS_URL is required: the minter keeps its idempotency records in Redis")]
    NoRedis,
    #[error("redis: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("{what}: {source}")]
    Io {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// A running minter: HTTP server and (if configured) the award dispatcher.
pub struct Service {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    dispatcher: Option<JoinHandle<()>>,
}

impl Service {
    /// The address the HTTP server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving (in-flight requests finish) and stops the dispatcher.
    pub async fn stop(self) -> Result<(), RunError> {
        let _ = self.shutdown.send(true);
        if let Some(dispatcher) = self.dispatcher {
            let _ = dispatcher.await;
        }
        match self.http.await {
            Ok(result) => result.map_err(|source| RunError::Io { what: "serving HTTP", source }),
            Err(error) => {
                Err(RunError::Io { what: "HTTP task", source: std::io::Error::other(error.to_string()) })
            }
        }
    }
}

/// Starts the minter on `store` (any backend: `sector dev` may pass its in-process store),
/// listening on `bind`.
pub async fn start<S: Store>(store: S, config: &MinterConfig, bind: SocketAddr) -> Result<Service, RunError> {
    let chain = Chain::new(
        &config.rpc_url,
        &config.contract,
        &config.private_key,
        config.rpc_timeout,
        config.chain_id,
    )?;
    tracing::info!(
        contract = config.contract,
        signer = chain.signer(),
        universe = config.universe,
        dispatch = config.dispatch,
        auth = config.api_key.is_some(),
        "minter starting"
    );
    let timing = MintTiming {
        lock_ttl: config.lock_ttl(),
        receipt_timeout: config.receipt_timeout,
        busy_wait: config.receipt_timeout + config.rpc_timeout * 2,
    };
    let minter = Arc::new(Minter::new(store.clone(), chain, timing));
    let listener = TcpListener::bind(bind)
        .await
        .map_err(|source| RunError::Io { what: "binding the minter port", source })?;
    let addr =
        listener.local_addr().map_err(|source| RunError::Io { what: "reading the bound address", source })?;
    let (shutdown, stopped) = watch::channel(false);
    let dispatcher = config.dispatch.then(|| {
        let dispatcher = dispatch::Dispatcher {
            store: store.clone(),
            minter: minter.clone(),
            universe: config.universe.clone(),
            retry_max: config.retry_max,
            idle_poll: dispatch::IDLE_POLL,
        };
        tokio::spawn(dispatcher.run(stopped.clone()))
    });
    let app = router(AppState {
        minter,
        store,
        api_key: config.api_key.clone(),
        universe: config.universe.clone(),
    });
    let mut http_stop = stopped;
    let http = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = http_stop.wait_for(|stop| *stop).await;
            })
            .await
    });
    tracing::info!(%addr, "minter listening");
    Ok(Service { addr, shutdown, http, dispatcher })
}

/// Runs `sector minter`: connects to Redis (retrying while it starts), serves on
/// `0.0.0.0:PORT` and drains the award queue until `shutdown` completes.
pub async fn run(config: MinterConfig, shutdown: impl Future<Output = ()>) -> Result<(), RunError> {
    let url = config.redis_url.clone().ok_or(RunError::NoRedis)?;
    tokio::pin!(shutdown);
    let mut delay = Duration::from_millis(200);
    let store = loop {
        match RedisStore::connect(&url, config.keys.clone()).await {
            Ok(store) => break store,
            Err(error) if error.is_unavailable() => {
                tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "redis unavailable");
                tokio::select! {
                    () = &mut shutdown => return Ok(()),
                    () = tokio::time::sleep(delay) => {}
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(error) => return Err(error.into()),
        }
    };
    let service = start(store, &config, SocketAddr::from(([0, 0, 0, 0], config.port))).await?;
    shutdown.await;
    service.stop().await
}
