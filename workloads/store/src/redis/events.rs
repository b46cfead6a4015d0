//! Event stream on Redis.

use std::time::Duration;

use ::redis::{Value, cmd};

use super::{RedisStore, block_ms, reply};
use crate::error::{StoreError, StoreResult};
use crate::events::EventStore;
use crate::stream::{EntryId, StreamEntry};

impl EventStore for RedisStore {
    async fn append_event(&self, event_json: &str, max_len: usize) -> StoreResult<EntryId> {
        if max_len == 0 {
            return Err(StoreError::invalid("event max_len", "must be at least 1"));
        }
        let id: String = self
            .query(
                cmd("XADD")
                    .arg(self.keys.events())
                    .arg("MAXLEN")
                    .arg("~")
                    .arg(max_len)
                    .arg("*")
                    .arg("data")
                    .arg(event_json),
            )
            .await?;
        id.parse()
    }

    async fn read_events_after(
        &self,
        after: EntryId,
        count: usize,
        block: Duration,
    ) -> StoreResult<Vec<StreamEntry>> {
        let mut c = cmd("XREAD");
        c.arg("COUNT").arg(count.max(1));
        if !block.is_zero() {
            c.arg("BLOCK").arg(block_ms(block));
        }
        c.arg("STREAMS").arg(self.keys.events()).arg(after.to_string());
        let value: Value = self.query_blocking(&c, block).await?;
        reply::read_entries(value)
    }

    async fn latest_events(&self, count: usize) -> StoreResult<Vec<StreamEntry>> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let value: Value = self
            .query_retry(cmd("XREVRANGE").arg(self.keys.events()).arg("+").arg("-").arg("COUNT").arg(count))
            .await?;
        let mut entries = reply::entries(value)?;
        entries.reverse();
        Ok(entries)
    }

    async fn last_event_id(&self) -> StoreResult<Option<EntryId>> {
        let value: Value = self
            .query_retry(cmd("XREVRANGE").arg(self.keys.events()).arg("+").arg("-").arg("COUNT").arg(1))
            .await?;
        Ok(reply::entries(value)?.pop().map(|e| e.id))
    }

    async fn event_stream_len(&self) -> StoreResult<u64> {
        self.query_retry(cmd("XLEN").arg(self.keys.events())).await
    }
}
