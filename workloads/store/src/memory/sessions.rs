//! Nonces and sessions in memory.

use std::collections::BTreeSet;
use std::time::Duration;

use super::{Expiring, MemoryStore};
use crate::error::StoreResult;
use crate::sessions::SessionStore;
use crate::validate::{address as check_address, jti as check_jti, ttl_ms};

impl SessionStore for MemoryStore {
    async fn put_nonce(&self, address: &str, nonce: &str, ttl: Duration) -> StoreResult<()> {
        let address = check_address(address)?;
        ttl_ms(ttl, "nonce ttl")?;
        self.lock().nonces.insert(address, Expiring::new(nonce.to_owned(), ttl));
        Ok(())
    }

    async fn take_nonce(&self, address: &str) -> StoreResult<Option<String>> {
        let address = check_address(address)?;
        Ok(self.lock().nonces.remove(&address).filter(Expiring::live).map(|e| e.value))
    }

    async fn create_session(&self, jti: &str, address: &str, ttl: Duration) -> StoreResult<()> {
        let jti = check_jti(jti)?;
        let address = check_address(address)?;
        ttl_ms(ttl, "session ttl")?;
        let mut state = self.lock();
        state.sessions.insert(jti.to_owned(), Expiring::new(address.clone(), ttl));
        let fresh = Expiring::new(BTreeSet::new(), ttl);
        let set = state.address_sessions.entry(address).or_insert_with(|| fresh.clone());
        if !set.live() {
            *set = fresh.clone();
        }
        set.value.insert(jti.to_owned());
        // The index lives as long as its longest session.
        set.expires_at = set.expires_at.max(fresh.expires_at);
        Ok(())
    }

    async fn session_address(&self, jti: &str) -> StoreResult<Option<String>> {
        let jti = check_jti(jti)?;
        let mut state = self.lock();
        match state.sessions.get(jti) {
            Some(s) if s.live() => Ok(Some(s.value.clone())),
            Some(_) => {
                state.sessions.remove(jti);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn revoke_session(&self, jti: &str) -> StoreResult<bool> {
        let jti = check_jti(jti)?;
        let mut state = self.lock();
        let Some(session) = state.sessions.remove(jti).filter(Expiring::live) else { return Ok(false) };
        if let Some(set) = state.address_sessions.get_mut(&session.value) {
            set.value.remove(jti);
        }
        Ok(true)
    }

    async fn revoke_address_sessions(&self, address: &str) -> StoreResult<u64> {
        let address = check_address(address)?;
        let mut state = self.lock();
        let Some(set) = state.address_sessions.remove(&address).filter(Expiring::live) else { return Ok(0) };
        let revoked =
            set.value.iter().filter(|jti| state.sessions.remove(*jti).is_some_and(|s| s.live())).count()
                as u64;
        tracing::info!(address, revoked, "sessions revoked");
        Ok(revoked)
    }
}
