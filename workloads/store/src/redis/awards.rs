//! The award queue on Redis: the stream `{p}:awards`, read with XRANGE, completed with XDEL.

use ::redis::{Value, cmd};

use super::{RedisStore, reply};
use crate::awards::{AwardJob, AwardStore, parse_award};
use crate::error::StoreResult;
use crate::stream::EntryId;

impl AwardStore for RedisStore {
    async fn pending_awards(&self, count: usize) -> StoreResult<Vec<AwardJob>> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let value: Value = self
            .query_retry(cmd("XRANGE").arg(self.keys.awards()).arg("-").arg("+").arg("COUNT").arg(count))
            .await?;
        Ok(reply::entries(value)?
            .into_iter()
            .map(|entry| AwardJob { id: entry.id, award: parse_award(entry.data.as_deref()) })
            .collect())
    }

    async fn complete_award(&self, id: EntryId) -> StoreResult<bool> {
        // XDEL is idempotent, so a retry after a lost reply is harmless.
        let removed: u64 = self.query_retry(cmd("XDEL").arg(self.keys.awards()).arg(id.to_string())).await?;
        Ok(removed > 0)
    }
}
