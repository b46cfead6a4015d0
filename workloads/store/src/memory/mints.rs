//! Mint records and their locks in memory.

use std::time::Duration;

use super::{Expiring, MemoryStore};
use crate::error::StoreResult;
use crate::mints::{MintStore, check_key};
use crate::validate::{non_empty, ttl_ms};

fn key(universe: &str, run: &str) -> (String, String) {
    (universe.to_owned(), run.to_owned())
}

impl MintStore for MemoryStore {
    async fn lock_mint(&self, universe: &str, run: &str, holder: &str, ttl: Duration) -> StoreResult<bool> {
        check_key(universe, run)?;
        non_empty(holder, "mint lock holder")?;
        ttl_ms(ttl, "mint lock")?;
        let mut state = self.lock();
        let k = key(universe, run);
        if state.mint_locks.get(&k).is_some_and(Expiring::live) {
            return Ok(false);
        }
        state.mint_locks.insert(k, Expiring::new(holder.to_owned(), ttl));
        Ok(true)
    }

    async fn unlock_mint(&self, universe: &str, run: &str, holder: &str) -> StoreResult<()> {
        check_key(universe, run)?;
        let mut state = self.lock();
        let k = key(universe, run);
        if state.mint_locks.get(&k).is_some_and(|held| held.live() && held.value == holder) {
            state.mint_locks.remove(&k);
        }
        Ok(())
    }

    async fn mint_record(&self, universe: &str, run: &str) -> StoreResult<Option<String>> {
        check_key(universe, run)?;
        Ok(self.lock().mint_records.get(&key(universe, run)).cloned())
    }

    async fn put_mint_record(
        &self,
        universe: &str,
        run: &str,
        holder: &str,
        record: &str,
    ) -> StoreResult<bool> {
        check_key(universe, run)?;
        let mut state = self.lock();
        let k = key(universe, run);
        if !state.mint_locks.get(&k).is_some_and(|held| held.live() && held.value == holder) {
            return Ok(false);
        }
        state.mint_records.insert(k, record.to_owned());
        Ok(true)
    }
}
