//! Lease in memory.

use std::time::Duration;

use super::{Expiring, MemoryStore, live};
use crate::error::StoreResult;
use crate::lease::{Lease, LeaseStore};
use crate::validate::{non_empty, ttl_ms};

impl LeaseStore for MemoryStore {
    async fn acquire_lease(&self, holder: &str, ttl: Duration) -> StoreResult<Option<Lease>> {
        let holder = non_empty(holder, "lease holder")?;
        ttl_ms(ttl, "lease ttl")?;
        let mut state = self.lock();
        if live(&mut state.lease).is_some() {
            return Ok(None);
        }
        state.lease_token += 1;
        let lease = Lease { holder: holder.to_owned(), token: state.lease_token };
        state.lease = Some(Expiring::new(lease.clone(), ttl));
        tracing::info!(holder, token = lease.token, "lease acquired");
        Ok(Some(lease))
    }

    async fn renew_lease(&self, lease: &Lease, ttl: Duration) -> StoreResult<()> {
        ttl_ms(ttl, "lease ttl")?;
        let mut state = self.lock();
        match live(&mut state.lease) {
            Some(held) if held.value == *lease => {
                *held = Expiring::new(lease.clone(), ttl);
                Ok(())
            }
            _ => {
                tracing::warn!(holder = lease.holder, token = lease.token, "lease lost");
                Err(lease.fenced())
            }
        }
    }

    async fn release_lease(&self, lease: &Lease) -> StoreResult<bool> {
        let mut state = self.lock();
        let held = live(&mut state.lease).is_some_and(|held| held.value == *lease);
        if held {
            state.lease = None;
        }
        Ok(held)
    }

    async fn lease_holder(&self) -> StoreResult<Option<Lease>> {
        Ok(live(&mut self.lock().lease).map(|held| held.value.clone()))
    }
}
