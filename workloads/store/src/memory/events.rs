//! Event stream in memory.

use std::time::Duration;

use super::MemoryStore;
use crate::error::{StoreError, StoreResult};
use crate::events::EventStore;
use crate::stream::{EntryId, StreamEntry};

impl EventStore for MemoryStore {
    async fn append_event(&self, event_json: &str, max_len: usize) -> StoreResult<EntryId> {
        if max_len == 0 {
            return Err(StoreError::invalid("event max_len", "must be at least 1"));
        }
        let id = {
            let mut state = self.lock();
            let id = state.events.append(event_json);
            state.events.trim_to(max_len);
            id
        };
        self.inner.events_appended.notify_waiters();
        Ok(id)
    }

    async fn read_events_after(
        &self,
        after: EntryId,
        count: usize,
        block: Duration,
    ) -> StoreResult<Vec<StreamEntry>> {
        let count = count.max(1);
        self.wait_for(&self.inner.events_appended, block, |state| Ok(state.events.after(after, count))).await
    }

    async fn latest_events(&self, count: usize) -> StoreResult<Vec<StreamEntry>> {
        Ok(self.lock().events.latest(count))
    }

    async fn last_event_id(&self) -> StoreResult<Option<EntryId>> {
        Ok(self.lock().events.last())
    }

    async fn event_stream_len(&self) -> StoreResult<u64> {
        Ok(self.lock().events.len() as u64)
    }
}
