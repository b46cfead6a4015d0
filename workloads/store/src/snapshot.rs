//! The snapshot hash (`SNAPSHOT_KEY`, fields `data` and `tick`) that the API, frontend and bots
//! read. Written only through the fenced [`crate::Commit`].

use crate::error::StoreResult;

/// The stored public snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSnapshot {
    /// Snapshot JSON text (WIRE.md §4).
    pub data: String,
    /// The `tick` field; `None` if missing or not a number (no reader of the reference used it).
    pub tick: Option<u64>,
}

pub trait SnapshotStore {
    /// The stored snapshot; `None` before the first save or if the hash lacks `data`.
    fn snapshot(&self) -> impl Future<Output = StoreResult<Option<StoredSnapshot>>> + Send;
}
