//! `sector-store`: the persistence contract every Sector service shares.
//!
//! The contract is a set of focused async traits (one per concept: universe id, lease, orders,
//! events, snapshot, fenced commit, control, claims, sessions, a player's order request, bot
//! membership, award queue, leaderboard, mint records), bundled by [`Store`]. Two implementations:
//! - [`RedisStore`]: Redis with the key names and shapes of WIRE.md §3, auto-reconnecting;
//! - [`MemoryStore`]: in-process, for `sector dev` (one process, no Redis).
//!
//! Both pass one conformance suite (`tests/`). Errors tell the caller what to do:
//! [`StoreError::Unavailable`] (retry with backoff), [`StoreError::Fenced`] (lease lost),
//! [`StoreError::Invalid`] (malformed data or arguments).

mod awards;
mod claims;
mod commit;
mod control;
mod error;
mod events;
mod keys;
mod leaderboard;
mod lease;
mod members;
pub mod memory;
mod mints;
mod orders;
mod player_orders;
pub mod redis;
mod sessions;
pub mod settings;
mod snapshot;
mod stream;
#[cfg(feature = "testing")]
pub mod testing;
mod universe;
mod validate;

pub use crate::memory::MemoryStore;
pub use crate::redis::{RedisOptions, RedisStore};
pub use awards::{AWARD_QUEUE_MAX_LEN, Award, AwardJob, AwardStore};
pub use claims::{ClaimOutcome, ClaimStore};
pub use commit::{AppliedRecord, AppliedWrite, Commit, CommitReceipt, CommitStore, RunAward, SavedState};
pub use control::{
    Control, ControlPatch, ControlStore, LegacyRestart, RestartRequest, SimPhase, SimStatus,
    field as control_field, parse_bool,
};
pub use error::{BoxError, StoreError, StoreResult};
pub use events::{DEFAULT_EVENT_MAX_LEN, EventStore};
pub use keys::{DEFAULT_ORDER_GROUP, DEFAULT_PREFIX, Keys};
pub use leaderboard::{FactionWins, Leaderboard, LeaderboardStore, MAX_LEADERBOARD_LIMIT, PlayerWins};
pub use lease::{Lease, LeaseStore};
pub use members::MemberStore;
pub use mints::MintStore;
pub use orders::{DEFAULT_ORDER_MAX_LEN, OrderStore};
pub use player_orders::{PlayerBatch, PlayerOrderStore, PlayerOrders, PlayerOrdersOutcome};
pub use sessions::SessionStore;
pub use snapshot::{SnapshotStore, StoredSnapshot};
pub use stream::{EntryId, StreamEntry};
pub use universe::{FIRST_UNIVERSE, UniverseStore};

/// All the store traits, for method calls on a concrete store (`use sector_store::prelude::*;`).
pub mod prelude {
    pub use crate::{
        AwardStore, ClaimStore, CommitStore, ControlStore, EventStore, LeaderboardStore, LeaseStore,
        MemberStore, MintStore, OrderStore, PlayerOrderStore, SessionStore, SnapshotStore, Store,
        UniverseStore,
    };
}

/// Everything a Sector service may need from its store. Implemented by every type that
/// implements all the focused traits; write services generic over `S: Store`.
pub trait Store:
    UniverseStore
    + LeaseStore
    + OrderStore
    + PlayerOrderStore
    + EventStore
    + SnapshotStore
    + CommitStore
    + ControlStore
    + ClaimStore
    + SessionStore
    + MemberStore
    + AwardStore
    + LeaderboardStore
    + MintStore
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: UniverseStore
        + LeaseStore
        + OrderStore
        + PlayerOrderStore
        + EventStore
        + SnapshotStore
        + CommitStore
        + ControlStore
        + ClaimStore
        + SessionStore
        + MemberStore
        + AwardStore
        + LeaderboardStore
        + MintStore
        + Clone
        + Send
        + Sync
        + 'static
{
}
