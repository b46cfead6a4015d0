//! Mint records on Redis: the lock is `SET NX PX` with a compare-and-delete release; the record
//! is written by a script that checks the lock first.

use std::time::Duration;

use ::redis::{Value, cmd};

use super::RedisStore;
use super::scripts::{LEASE_RELEASE, MINT_RECORD_PUT};
use crate::error::StoreResult;
use crate::mints::{MintStore, check_key};
use crate::validate::{non_empty, ttl_ms};

impl MintStore for RedisStore {
    async fn lock_mint(&self, universe: &str, run: &str, holder: &str, ttl: Duration) -> StoreResult<bool> {
        check_key(universe, run)?;
        let holder = non_empty(holder, "mint lock holder")?;
        let ms = ttl_ms(ttl, "mint lock")?;
        let reply: Value = self
            .query(cmd("SET").arg(self.keys.mint_lock(universe, run)).arg(holder).arg("NX").arg("PX").arg(ms))
            .await?;
        Ok(!matches!(reply, Value::Nil))
    }

    async fn unlock_mint(&self, universe: &str, run: &str, holder: &str) -> StoreResult<()> {
        check_key(universe, run)?;
        // The lease's compare-and-delete: only the holder's own lock goes.
        let mut inv = LEASE_RELEASE.prepare_invoke();
        inv.key(self.keys.mint_lock(universe, run)).arg(holder);
        let _: i64 = self.invoke_retry(&inv).await?;
        Ok(())
    }

    async fn mint_record(&self, universe: &str, run: &str) -> StoreResult<Option<String>> {
        check_key(universe, run)?;
        self.query_retry(cmd("GET").arg(self.keys.mint_record(universe, run))).await
    }

    async fn put_mint_record(
        &self,
        universe: &str,
        run: &str,
        holder: &str,
        record: &str,
    ) -> StoreResult<bool> {
        check_key(universe, run)?;
        let mut inv = MINT_RECORD_PUT.prepare_invoke();
        inv.key(self.keys.mint_lock(universe, run))
            .key(self.keys.mint_record(universe, run))
            .arg(holder)
            .arg(record);
        // Idempotent (the same record under the same lock), so a lost reply may be retried.
        let stored: i64 = self.invoke_retry(&inv).await?;
        Ok(stored == 1)
    }
}
