//! Universe id on Redis: `{p}:universe_id`.

use ::redis::cmd;

use super::RedisStore;
use crate::error::{StoreError, StoreResult};
use crate::universe::{FIRST_UNIVERSE, UniverseStore};

impl UniverseStore for RedisStore {
    async fn universe_id(&self) -> StoreResult<String> {
        // SET NX GET: one round trip that both creates a missing id and reads an existing one.
        let old: Option<String> = self
            .query_retry(cmd("SET").arg(self.keys.universe_id()).arg(FIRST_UNIVERSE).arg("NX").arg("GET"))
            .await?;
        Ok(old.unwrap_or_else(|| FIRST_UNIVERSE.to_owned()))
    }

    async fn incr_universe(&self) -> StoreResult<String> {
        let id: i64 = self.query(cmd("INCR").arg(self.keys.universe_id())).await?;
        Ok(id.to_string())
    }

    async fn set_universe(&self, id: &str) -> StoreResult<()> {
        if id.is_empty() {
            return Err(StoreError::invalid("universe id", "must not be empty"));
        }
        self.query_retry::<()>(cmd("SET").arg(self.keys.universe_id()).arg(id)).await
    }
}
