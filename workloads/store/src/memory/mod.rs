//! The in-process implementation of the store contract, for `sector dev` (api, sim, bots and
//! frontend as tasks of one process, no Redis).
//!
//! All data sits behind one mutex, so every operation, the fenced commit and claims included, is
//! trivially atomic. The mutex is a std one: it is never held across an await, which is what
//! tokio recommends for short critical sections. Waiting (blocking stream reads) uses tokio's
//! `Notify` and timers. TTLs are checked lazily against tokio's clock.

mod awards;
mod claims;
mod commit;
mod control;
mod events;
mod leaderboard;
mod lease;
mod members;
mod mints;
mod orders;
mod player_orders;
mod sessions;
mod snapshot;
mod stream;
mod universe;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::commit::SavedState;
use crate::error::StoreResult;
use crate::lease::Lease;
use crate::snapshot::StoredSnapshot;
use crate::stream::StreamEntry;

use self::claims::UniverseClaims;
use self::orders::Group;
use self::stream::MemStream;

/// The store in this process's memory. Clones share the data.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Inner {
    state: Mutex<State>,
    /// Woken on every event append (blocked `read_events_after`).
    events_appended: Notify,
    /// Woken on every order append (blocked `read_orders`).
    orders_appended: Notify,
}

/// A value with an expiry time.
#[derive(Debug, Clone)]
struct Expiring<T> {
    value: T,
    expires_at: Instant,
}

impl<T> Expiring<T> {
    fn new(value: T, ttl: Duration) -> Self {
        Self { value, expires_at: Instant::now() + ttl }
    }

    fn live(&self) -> bool {
        Instant::now() < self.expires_at
    }
}

/// Drops an expired value, then returns what is left.
fn live<T>(slot: &mut Option<Expiring<T>>) -> Option<&mut Expiring<T>> {
    if slot.as_ref().is_some_and(|e| !e.live()) {
        *slot = None;
    }
    slot.as_mut()
}

/// Everything the store holds.
#[derive(Default)]
struct State {
    universe: Option<String>,
    lease: Option<Expiring<Lease>>,
    lease_token: u64,
    orders: MemStream,
    group: Option<Group>,
    events: MemStream,
    /// Applied-orders log per universe, keyed by tick.
    applied: HashMap<String, BTreeMap<u64, String>>,
    snapshot: Option<StoredSnapshot>,
    saved: Option<SavedState>,
    /// Control hash fields, encoded like on Redis so both backends share the decoding.
    control: BTreeMap<String, String>,
    claims: HashMap<String, UniverseClaims>,
    /// The legacy restart key (`{p}:restart` on Redis); nothing in one process but tests sets it.
    legacy_restart: Option<String>,
    nonces: HashMap<String, Expiring<String>>,
    sessions: HashMap<String, Expiring<String>>,
    address_sessions: HashMap<String, Expiring<BTreeSet<String>>>,
    members: HashMap<String, Instant>,
    /// The award queue (`{p}:awards`).
    awards: MemStream,
    /// Wins per player address and per faction, and the faction names at their last win.
    player_wins: HashMap<String, u64>,
    faction_wins: HashMap<String, u64>,
    faction_names: HashMap<String, String>,
    /// Mint records and locks, keyed by (universe, run).
    mint_records: HashMap<(String, String), String>,
    mint_locks: HashMap<(String, String), Expiring<String>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Locks the data. A panic while holding the lock cannot leave a half-done update (every
    /// update checks before it writes), so a poisoned lock is simply taken over.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `read` until it returns something or `block` has passed, waking on `notify`.
    async fn wait_for<F>(
        &self,
        notify: &Notify,
        block: Duration,
        mut read: F,
    ) -> StoreResult<Vec<StreamEntry>>
    where
        F: FnMut(&mut State) -> StoreResult<Vec<StreamEntry>>,
    {
        let deadline = Instant::now() + block;
        loop {
            // Register interest before looking, so an append between the look and the wait
            // still wakes us.
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let found = read(&mut self.lock())?;
            if !found.is_empty() || block.is_zero() {
                return Ok(found);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Ok(Vec::new());
            }
        }
    }
}
