//! Order stream and consumer group on Redis.

use std::time::Duration;

use ::redis::{Value, cmd};

use super::errors::{is_busy_group, is_no_group};
use super::scripts::{ORDERS_APPEND, ORDERS_PRUNE};
use super::{RedisStore, block_ms, map_err, reply};
use crate::error::StoreResult;
use crate::orders::OrderStore;
use crate::stream::{EntryId, StreamEntry};
use crate::validate::non_empty;

/// XAUTOCLAIM scans at most this many pending entries per call (Redis's own default is 100).
const AUTOCLAIM_BATCH: usize = 100;

impl RedisStore {
    async fn xreadgroup(
        &self,
        consumer: &str,
        count: usize,
        block: Option<Duration>,
        from: &str,
    ) -> StoreResult<Vec<StreamEntry>> {
        let mut c = cmd("XREADGROUP");
        c.arg("GROUP").arg(self.keys.order_group()).arg(consumer).arg("COUNT").arg(count.max(1));
        if let Some(block) = block {
            c.arg("BLOCK").arg(block_ms(block));
        }
        c.arg("STREAMS").arg(self.keys.orders()).arg(from);
        let value: Value = self.query_blocking(&c, block.unwrap_or_default()).await?;
        reply::read_entries(value)
    }
}

impl OrderStore for RedisStore {
    async fn ensure_order_group(&self) -> StoreResult<()> {
        let mut conn = self.conn.clone();
        let created: Result<(), _> = cmd("XGROUP")
            .arg("CREATE")
            .arg(self.keys.orders())
            .arg(self.keys.order_group())
            .arg("$")
            .arg("MKSTREAM")
            .query_async(&mut conn)
            .await;
        match created {
            Ok(()) => {
                tracing::info!(
                    stream = self.keys.orders(),
                    group = self.keys.order_group(),
                    "order group created"
                );
                Ok(())
            }
            Err(e) if is_busy_group(&e) => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }

    async fn append_orders(&self, batch_json: &str, max_len: usize) -> StoreResult<EntryId> {
        let mut inv = ORDERS_APPEND.prepare_invoke();
        inv.key(self.keys.orders()).arg(batch_json).arg(max_len).arg(self.keys.order_group());
        let id: String = self.invoke(&inv).await?;
        id.parse()
    }

    async fn read_orders(
        &self,
        consumer: &str,
        count: usize,
        block: Duration,
    ) -> StoreResult<Vec<StreamEntry>> {
        let consumer = non_empty(consumer, "consumer")?;
        let block = (!block.is_zero()).then_some(block);
        match self.xreadgroup(consumer, count, block, ">").await {
            Err(e) if is_no_group(&e) => {
                // The stream (and with it the group) vanished, e.g. FLUSHALL: recreate at the end.
                tracing::warn!(group = self.keys.order_group(), "order group missing; recreating");
                self.ensure_order_group().await?;
                self.xreadgroup(consumer, count, block, ">").await
            }
            other => other,
        }
    }

    async fn pending_orders(&self, consumer: &str, count: usize) -> StoreResult<Vec<StreamEntry>> {
        let consumer = non_empty(consumer, "consumer")?;
        match self.xreadgroup(consumer, count, None, "0").await {
            Err(e) if is_no_group(&e) => Ok(Vec::new()),
            other => other,
        }
    }

    async fn claim_stale_orders(
        &self,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> StoreResult<Vec<StreamEntry>> {
        let consumer = non_empty(consumer, "consumer")?;
        let min_idle_ms = u64::try_from(min_idle.as_millis()).unwrap_or(u64::MAX);
        let mut claimed = Vec::new();
        let mut cursor = EntryId::ZERO.to_string();
        while claimed.len() < count {
            let batch = (count - claimed.len()).min(AUTOCLAIM_BATCH);
            let result: StoreResult<Value> = self
                .query(
                    cmd("XAUTOCLAIM")
                        .arg(self.keys.orders())
                        .arg(self.keys.order_group())
                        .arg(consumer)
                        .arg(min_idle_ms)
                        .arg(&cursor)
                        .arg("COUNT")
                        .arg(batch),
                )
                .await;
            let value = match result {
                Err(e) if is_no_group(&e) => return Ok(Vec::new()),
                other => other?,
            };
            let mut parts = reply::items(value)?.into_iter();
            let next = parts.next().as_ref().and_then(reply::text).unwrap_or_default();
            claimed.extend(reply::entries(parts.next().unwrap_or(Value::Nil))?);
            if next.is_empty() || next == "0-0" {
                break;
            }
            cursor = next;
        }
        if !claimed.is_empty() {
            tracing::info!(consumer, count = claimed.len(), "claimed stale order entries");
        }
        Ok(claimed)
    }

    async fn ack_orders(&self, ids: &[EntryId]) -> StoreResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut c = cmd("XACK");
        c.arg(self.keys.orders()).arg(self.keys.order_group());
        for id in ids {
            c.arg(id.to_string());
        }
        self.query_retry(&c).await
    }

    async fn prune_order_consumers(&self, min_idle: Duration) -> StoreResult<Vec<String>> {
        let mut inv = ORDERS_PRUNE.prepare_invoke();
        inv.key(self.keys.orders())
            .arg(self.keys.order_group())
            .arg(u64::try_from(min_idle.as_millis()).unwrap_or(u64::MAX));
        let removed: Vec<String> = self.invoke(&inv).await?;
        if !removed.is_empty() {
            tracing::info!(?removed, "pruned idle order consumers");
        }
        Ok(removed)
    }

    async fn order_stream_len(&self) -> StoreResult<u64> {
        self.query_retry(cmd("XLEN").arg(self.keys.orders())).await
    }
}
