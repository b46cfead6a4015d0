//! `sector-bot`: the bot worker. It plays every faction no human holds by running the puppet AI
//! ([`sector_ai`]) on the published snapshot and posting the orders (BOT_AI.md §2, WIRE.md §10).
//!
//! Bot replicas scale out: each heartbeats into the store ([`Membership`]) and drives only the
//! factions it wins by rendezvous hashing over the live members ([`rendezvous`]), so every
//! bot-played faction has exactly one driver and a dead replica's factions move to the others
//! within the heartbeat TTL. Orders go through an [`OrderSink`]: [`HttpSink`] (the API, with the
//! bot token) or [`StoreSink`] (the order stream directly, for `sector dev`).
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let config = sector_bot::BotConfig::from_env()?;
//! let store = sector_store::MemoryStore::new();
//! let worker = sector_bot::Worker::from_config(store, config)?;
//! let metrics = worker.metrics(); // read while it runs
//! // Any future works as the shutdown signal, e.g. ctrl-c in a binary.
//! worker.run(tokio::time::sleep(std::time::Duration::from_secs(60))).await;
//! println!("{:?}", metrics.snapshot());
//! # Ok(())
//! # }
//! ```

mod config;
mod error;
mod http_sink;
mod membership;
mod metrics;
pub mod rendezvous;
mod sink;
mod store_sink;
mod throttle;
mod worker;

pub use config::{
    BotConfig, ConfigError, DEFAULT_API_CANDIDATES, DEFAULT_EVENT_BLOCK, DEFAULT_HEARTBEAT_TTL,
    DEFAULT_MAX_ORDERS, DEFAULT_POLL_INTERVAL, MIN_HEARTBEAT_TTL, SinkKind, default_member_id,
};
pub use error::BotError;
pub use http_sink::{BOT_TOKEN_HEADER, HttpSink, HttpSinkOptions};
pub use membership::{HeartbeatTask, Membership};
pub use metrics::{BotMetrics, MetricsSnapshot};
pub use sink::{AnySink, OrderBatch, OrderSink, SinkError, WireOrder};
pub use store_sink::{StoreSink, stream_entry};
pub use worker::{Action, Delivery, Step, Worker};

/// Runs a bot replica on `store` with the sink `config` names until `shutdown` completes. Fails
/// only at start-up (e.g. the HTTP sink without a token); store and API trouble while running
/// is logged and retried. Build a [`Worker`] instead to read its [`BotMetrics`].
pub async fn run<S: sector_store::Store>(
    store: S,
    config: BotConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<(), BotError> {
    Worker::from_config(store, config)?.run(shutdown).await;
    Ok(())
}
