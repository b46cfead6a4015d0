//! Where the bot's orders go: the [`OrderSink`] trait and the order shape it carries.
//!
//! Two implementations: [`crate::HttpSink`] (`POST /orders` on the API with the bot token, the
//! deployed path) and [`crate::StoreSink`] (straight into the order stream, for `sector dev`
//! where api, sim and bots share one process and there is no API hop to go through).

use sector_ai::BotOrder;
use sector_store::OrderStore;
use serde::Serialize;

use crate::config::{BotConfig, ConfigError, SinkKind};
use crate::http_sink::{HttpSink, HttpSinkOptions};
use crate::store_sink::StoreSink;

/// One order as the bot posts it: exactly the four keys of WIRE.md §10, in this order (no
/// `fleet_id`: the rules pick the stack; no `source`: the API sets it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WireOrder {
    pub faction: String,
    pub origin_id: u32,
    pub target_id: u32,
    pub reason: String,
}

impl From<BotOrder> for WireOrder {
    fn from(order: BotOrder) -> Self {
        Self {
            faction: order.faction,
            origin_id: order.origin_id,
            target_id: order.target_id,
            reason: order.reason,
        }
    }
}

/// The request body: `{"orders": [...]}`.
#[derive(Debug, Serialize)]
pub struct OrderBatch<'a> {
    pub orders: &'a [WireOrder],
}

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// No discovery candidate answered `GET /health`.
    #[error("no API answered /health (tried {tried})")]
    NoApi { tried: String },
    /// The API answered the post with a non-2xx status.
    #[error("POST {url} answered {status}")]
    Status { url: String, status: u16 },
    /// Transport trouble (connect, timeout, TLS).
    #[error("POST {url}: {source}")]
    Transport {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The in-process order stream refused the batch.
    #[error("order stream: {0}")]
    Store(#[from] sector_store::StoreError),
    #[error("encoding orders: {0}")]
    Encode(#[from] serde_json::Error),
}

/// A destination for one tick's orders. `send` is never called with an empty list (the
/// reference did not post empty batches either).
pub trait OrderSink: Send {
    /// Delivers the batch, in order (the order decides which stack moves where, BOT_AI.md §8).
    fn send(&mut self, orders: &[WireOrder]) -> impl Future<Output = Result<(), SinkError>> + Send;
}

/// The sink [`BotConfig::sink`] names, chosen at run time.
#[derive(Debug)]
pub enum AnySink<S> {
    /// Boxed: the HTTP client state dwarfs the store handle.
    Http(Box<HttpSink>),
    Store(StoreSink<S>),
}

impl<S> AnySink<S> {
    /// The configured sink; the HTTP sink refuses an empty token.
    pub fn from_config(config: &BotConfig, store: S) -> Result<Self, ConfigError> {
        Ok(match config.sink {
            SinkKind::Http => Self::Http(Box::new(HttpSink::new(HttpSinkOptions::from_config(config))?)),
            SinkKind::Store => Self::Store(StoreSink::new(store)),
        })
    }
}

impl<S: OrderStore + Send + Sync> OrderSink for AnySink<S> {
    async fn send(&mut self, orders: &[WireOrder]) -> Result<(), SinkError> {
        match self {
            Self::Http(sink) => sink.send(orders).await,
            Self::Store(sink) => sink.send(orders).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shape_has_exactly_the_four_keys() -> Result<(), serde_json::Error> {
        let order: WireOrder =
            BotOrder { faction: "F2".into(), origin_id: 3, target_id: 8, reason: "expand".into() }.into();
        let json = serde_json::to_string(&OrderBatch { orders: &[order] })?;
        assert_eq!(json, r#"{"orders":[{"faction":"F2","origin_id":3,"target_id":8,"reason":"expand"}]}"#);
        Ok(())
    }
}
