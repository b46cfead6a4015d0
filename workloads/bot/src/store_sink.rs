//! The in-process order sink: appends the batch to the order stream itself, tagged
//! `source: "bot"` as the API would have tagged it (WIRE.md §6.1, §8.9). For `sector dev`, where
//! the bot shares the store with the sim and posting to an API would be a needless hop.
//!
//! The API's human-faction filter is not repeated here: the worker already dropped human
//! factions, and the sim drops bot orders for human factions once more.

use sector_store::{DEFAULT_ORDER_MAX_LEN, OrderStore};
use serde::Serialize;

use crate::sink::{OrderSink, SinkError, WireOrder};

/// Writes order batches straight into the store's order stream.
#[derive(Debug, Clone)]
pub struct StoreSink<S> {
    store: S,
}

impl<S> StoreSink<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }
}

/// An order-stream entry's order: the API's serialization (no null fields) with `source`.
#[derive(Serialize)]
struct StreamOrder<'a> {
    faction: &'a str,
    origin_id: u32,
    target_id: u32,
    reason: &'a str,
    source: &'static str,
}

#[derive(Serialize)]
struct StreamBatch<'a> {
    orders: Vec<StreamOrder<'a>>,
}

/// The order-stream entry for a batch (JSON text).
pub fn stream_entry(orders: &[WireOrder]) -> Result<String, serde_json::Error> {
    let orders = orders
        .iter()
        .map(|o| StreamOrder {
            faction: &o.faction,
            origin_id: o.origin_id,
            target_id: o.target_id,
            reason: &o.reason,
            source: "bot",
        })
        .collect();
    serde_json::to_string(&StreamBatch { orders })
}

impl<S: OrderStore + Send + Sync> OrderSink for StoreSink<S> {
    async fn send(&mut self, orders: &[WireOrder]) -> Result<(), SinkError> {
        let json = stream_entry(orders)?;
        self.store.append_orders(&json, DEFAULT_ORDER_MAX_LEN).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_tagged_as_bot_orders() -> Result<(), serde_json::Error> {
        let order = WireOrder { faction: "L".into(), origin_id: 1, target_id: 2, reason: "r".into() };
        assert_eq!(
            stream_entry(&[order])?,
            r#"{"orders":[{"faction":"L","origin_id":1,"target_id":2,"reason":"r","source":"bot"}]}"#
        );
        Ok(())
    }
}
