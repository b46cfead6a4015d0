//! The award queue in memory.

use super::MemoryStore;
use crate::awards::{AwardJob, AwardStore, parse_award};
use crate::error::StoreResult;
use crate::stream::EntryId;

impl AwardStore for MemoryStore {
    async fn pending_awards(&self, count: usize) -> StoreResult<Vec<AwardJob>> {
        let state = self.lock();
        Ok(state
            .awards
            .after(EntryId::ZERO, count)
            .into_iter()
            .map(|entry| AwardJob { id: entry.id, award: parse_award(entry.data.as_deref()) })
            .collect())
    }

    async fn complete_award(&self, id: EntryId) -> StoreResult<bool> {
        Ok(self.lock().awards.remove(id))
    }
}
