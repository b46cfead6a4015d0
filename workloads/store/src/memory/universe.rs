//! Universe id in memory.

use super::MemoryStore;
use crate::error::{StoreError, StoreResult};
use crate::universe::{FIRST_UNIVERSE, UniverseStore};

impl UniverseStore for MemoryStore {
    async fn universe_id(&self) -> StoreResult<String> {
        Ok(self.lock().universe.get_or_insert_with(|| FIRST_UNIVERSE.to_owned()).clone())
    }

    async fn incr_universe(&self) -> StoreResult<String> {
        let mut state = self.lock();
        let current = match &state.universe {
            None => 0,
            Some(id) => id.parse::<i64>().map_err(|_| {
                StoreError::invalid("redis value", format!("universe id {id:?} is not an integer"))
            })?,
        };
        let next = current
            .checked_add(1)
            .ok_or_else(|| StoreError::invalid("redis value", "universe id would overflow"))?
            .to_string();
        state.universe = Some(next.clone());
        Ok(next)
    }

    async fn set_universe(&self, id: &str) -> StoreResult<()> {
        if id.is_empty() {
            return Err(StoreError::invalid("universe id", "must not be empty"));
        }
        self.lock().universe = Some(id.to_owned());
        Ok(())
    }
}
