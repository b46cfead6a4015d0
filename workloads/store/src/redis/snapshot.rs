//! Snapshot hash on Redis.

use ::redis::cmd;

use super::RedisStore;
use crate::error::StoreResult;
use crate::snapshot::{SnapshotStore, StoredSnapshot};

impl SnapshotStore for RedisStore {
    async fn snapshot(&self) -> StoreResult<Option<StoredSnapshot>> {
        let (data, tick): (Option<String>, Option<String>) =
            self.query_retry(cmd("HMGET").arg(self.keys.snapshot()).arg("data").arg("tick")).await?;
        Ok(data.map(|data| StoredSnapshot { data, tick: tick.and_then(|t| t.trim().parse().ok()) }))
    }
}
