//! Order stream and consumer group in memory, with Redis's semantics: a group cursor
//! (last-delivered id), a pending-entries list with owner, delivery time and count, and consumers
//! with a last-seen time.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use tokio::time::Instant;

use super::{MemoryStore, State};
use crate::error::StoreResult;
use crate::orders::OrderStore;
use crate::stream::{EntryId, StreamEntry};
use crate::validate::non_empty;

#[derive(Debug)]
pub(super) struct Group {
    last_delivered: EntryId,
    pending: BTreeMap<EntryId, Pending>,
    /// Consumer name → last time it read or claimed.
    consumers: HashMap<String, Instant>,
}

#[derive(Debug)]
struct Pending {
    consumer: String,
    delivered_at: Instant,
}

impl Group {
    /// The group, created at the stream's end (`$`) if missing (as the Redis backend
    /// recreates it).
    fn ensure(state: &mut State) -> &mut Self {
        let end = state.orders.last_generated();
        state.group.get_or_insert_with(|| Self {
            last_delivered: end,
            pending: BTreeMap::new(),
            consumers: HashMap::new(),
        })
    }

    pub(super) fn ack(&mut self, ids: &[EntryId]) -> u64 {
        ids.iter().filter(|id| self.pending.remove(id).is_some()).count() as u64
    }

    /// Oldest entry the group still needs: the oldest pending one, else the one after the cursor.
    fn floor(&self) -> EntryId {
        self.pending.keys().next().copied().unwrap_or(self.last_delivered)
    }
}

fn entry(state: &State, id: EntryId) -> StreamEntry {
    StreamEntry { id, data: state.orders.get(id).cloned() }
}

impl OrderStore for MemoryStore {
    async fn ensure_order_group(&self) -> StoreResult<()> {
        Group::ensure(&mut self.lock());
        Ok(())
    }

    async fn append_orders(&self, batch_json: &str, max_len: usize) -> StoreResult<EntryId> {
        let id = {
            let mut state = self.lock();
            let id = state.orders.append(batch_json);
            if max_len > 0 && state.orders.len() > max_len {
                // Trim only what the group has consumed (A12); see lua/orders_append.lua.
                match state.group.as_ref().map(Group::floor) {
                    Some(floor) => state.orders.trim_before(floor),
                    None => state.orders.trim_to(max_len),
                }
            }
            id
        };
        self.inner.orders_appended.notify_waiters();
        Ok(id)
    }

    async fn read_orders(
        &self,
        consumer: &str,
        count: usize,
        block: Duration,
    ) -> StoreResult<Vec<StreamEntry>> {
        let consumer = non_empty(consumer, "consumer")?;
        let count = count.max(1);
        self.wait_for(&self.inner.orders_appended, block, |state| {
            let last_delivered = Group::ensure(state).last_delivered;
            let fresh = state.orders.after(last_delivered, count);
            let now = Instant::now();
            let group = Group::ensure(state);
            group.consumers.insert(consumer.to_owned(), now);
            for e in &fresh {
                group.last_delivered = e.id;
                group.pending.insert(e.id, Pending { consumer: consumer.to_owned(), delivered_at: now });
            }
            Ok(fresh)
        })
        .await
    }

    async fn pending_orders(&self, consumer: &str, count: usize) -> StoreResult<Vec<StreamEntry>> {
        let consumer = non_empty(consumer, "consumer")?;
        let mut state = self.lock();
        let now = Instant::now();
        let Some(group) = state.group.as_mut() else { return Ok(Vec::new()) };
        group.consumers.insert(consumer.to_owned(), now);
        let mut ids = Vec::new();
        // Re-reading counts as a delivery (as XREADGROUP with id 0 does): resets the idle time.
        for (id, p) in group.pending.iter_mut().filter(|(_, p)| p.consumer == consumer).take(count.max(1)) {
            p.delivered_at = now;
            ids.push(*id);
        }
        Ok(ids.into_iter().map(|id| entry(&state, id)).collect())
    }

    async fn claim_stale_orders(
        &self,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> StoreResult<Vec<StreamEntry>> {
        let consumer = non_empty(consumer, "consumer")?;
        let mut state = self.lock();
        let now = Instant::now();
        let mut ids = Vec::new();
        let mut gone = Vec::new();
        {
            let State { group, orders, .. } = &mut *state;
            let Some(group) = group.as_mut() else { return Ok(Vec::new()) };
            group.consumers.insert(consumer.to_owned(), now);
            for (id, p) in group.pending.iter_mut() {
                if ids.len() >= count {
                    break;
                }
                if now.duration_since(p.delivered_at) < min_idle {
                    continue;
                }
                if orders.get(*id).is_none() {
                    gone.push(*id); // deleted entries leave the PEL, as with XAUTOCLAIM
                    continue;
                }
                p.consumer = consumer.to_owned();
                p.delivered_at = now;
                ids.push(*id);
            }
            for id in gone {
                group.pending.remove(&id);
            }
        }
        if !ids.is_empty() {
            tracing::info!(consumer, count = ids.len(), "claimed stale order entries");
        }
        Ok(ids.into_iter().map(|id| entry(&state, id)).collect())
    }

    async fn ack_orders(&self, ids: &[EntryId]) -> StoreResult<u64> {
        Ok(self.lock().group.as_mut().map(|g| g.ack(ids)).unwrap_or(0))
    }

    async fn prune_order_consumers(&self, min_idle: Duration) -> StoreResult<Vec<String>> {
        let mut state = self.lock();
        let Some(group) = state.group.as_mut() else { return Ok(Vec::new()) };
        let now = Instant::now();
        let mut removed: Vec<String> = group
            .consumers
            .iter()
            .filter(|(name, seen)| {
                now.duration_since(**seen) >= min_idle
                    && !group.pending.values().any(|p| &p.consumer == *name)
            })
            .map(|(name, _)| name.clone())
            .collect();
        removed.sort();
        for name in &removed {
            group.consumers.remove(name);
        }
        Ok(removed)
    }

    async fn order_stream_len(&self) -> StoreResult<u64> {
        Ok(self.lock().orders.len() as u64)
    }
}
