//! Snapshot in memory.

use super::MemoryStore;
use crate::error::StoreResult;
use crate::snapshot::{SnapshotStore, StoredSnapshot};

impl SnapshotStore for MemoryStore {
    async fn snapshot(&self) -> StoreResult<Option<StoredSnapshot>> {
        Ok(self.lock().snapshot.clone())
    }
}
