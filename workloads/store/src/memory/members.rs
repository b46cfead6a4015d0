//! Bot membership in memory: member → expiry instant.

use std::time::Duration;

use tokio::time::Instant;

use super::MemoryStore;
use crate::error::StoreResult;
use crate::members::MemberStore;
use crate::validate::{non_empty, ttl_ms};

impl MemberStore for MemoryStore {
    async fn heartbeat(&self, member: &str, ttl: Duration) -> StoreResult<()> {
        let member = non_empty(member, "member")?;
        ttl_ms(ttl, "member ttl")?;
        let now = Instant::now();
        let mut state = self.lock();
        state.members.retain(|_, expires| *expires > now);
        state.members.insert(member.to_owned(), now + ttl);
        Ok(())
    }

    async fn live_members(&self) -> StoreResult<Vec<String>> {
        let now = Instant::now();
        let mut members: Vec<String> = self
            .lock()
            .members
            .iter()
            .filter(|(_, expires)| **expires > now)
            .map(|(m, _)| m.clone())
            .collect();
        members.sort();
        Ok(members)
    }

    async fn leave(&self, member: &str) -> StoreResult<()> {
        self.lock().members.remove(member);
        Ok(())
    }
}
