//! The fenced commit: everything a tick (or a run start) writes, applied atomically and only
//! while the caller still holds the lease.
//!
//! One commit = one Lua script on Redis (one critical section in process): check the lease,
//! validate, then append the events, append the tick's applied-orders record, save the snapshot
//! hash and the full state, acknowledge the consumed orders, record the sim status, remove
//! faction claims (eliminated factions, bots-only, a new run), consume a legacy restart
//! request, and score a decided run (leaderboard, award job for a human winner). If the lease moved, nothing is written and the caller gets [`StoreError::Fenced`]:
//! a worker that lost the lease can neither drop a claim nor swallow a restart request. Because the
//! applied-orders log and the acknowledgements change together, "acked" always means "recorded
//! in the log", which is what lets a standby (saved state + log records after its tick) and
//! `sector replay` reproduce a run exactly.

use crate::control::SimStatus;
use crate::error::{StoreError, StoreResult};
use crate::events::DEFAULT_EVENT_MAX_LEN;
use crate::lease::Lease;
use crate::stream::EntryId;

/// What one commit writes. Build with [`Commit::tick`] or [`Commit::run_start`] and the
/// chainable setters; everything but the universe is optional.
#[derive(Debug, Clone)]
pub struct Commit<'a> {
    /// The run these writes belong to (names the applied-orders log and tags the saved state).
    pub universe: &'a str,
    /// Run start / restart: set `{p}:universe_id` to `universe` and start its applied-orders
    /// log afresh (an earlier log under the same id is deleted).
    pub start_run: bool,
    /// Events appended in order (a tick's delta; at a restart `run_end` then `snapshot`).
    pub events: Vec<&'a str>,
    /// Approximate cap on the event stream (MAXLEN ~).
    pub event_max_len: usize,
    /// The tick's applied-orders record.
    pub applied: Option<AppliedWrite<'a>>,
    /// Snapshot hash update: `tick` and `data` (JSON text).
    pub snapshot: Option<(u64, &'a str)>,
    /// Full saved world state: `tick` and the serialized state.
    pub state: Option<(u64, &'a [u8])>,
    /// Order entries consumed by this tick, acknowledged in the same step.
    pub ack: &'a [EntryId],
    /// Sim status recorded in the control hash.
    pub status: Option<&'a SimStatus>,
    /// Factions of `universe` whose claim is removed (eliminated factions), like
    /// [`crate::ClaimStore::revoke_faction`]: the faction→player key, the player→faction key if
    /// it still names that faction, and the faction's membership of the human set.
    pub revoke_claims: Vec<&'a str>,
    /// Universes whose claims are all removed, like [`crate::ClaimStore::clear_claims`].
    pub clear_claims: Vec<&'a str>,
    /// A legacy restart request acted on (the raw value read by
    /// [`crate::ControlStore::peek_restart_request`]): `{p}:restart` is deleted if it still holds
    /// exactly this value; a newer request written meanwhile is left for later.
    pub consume_restart_request: Option<&'a str>,
    /// A decided run, scored in this commit (the one publishing its `run_end` event).
    pub award: Option<RunAward<'a>>,
}

/// The winner of an ended run. The commit adds a win to the faction's leaderboard entry and, if a
/// human held the faction in that run (its claim is read inside the commit, before any claim
/// removal of the same commit), a win to the player's entry and an award job to the queue
/// (see [`crate::AwardStore`], [`crate::LeaderboardStore`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunAward<'a> {
    /// The run that ended (its claims name the winner's player).
    pub universe: &'a str,
    /// The winning faction's id.
    pub faction: &'a str,
    /// Its name (the `run_end` event's `winner_label`).
    pub label: &'a str,
    /// The last tick of the run.
    pub tick: u64,
}

/// One applied-orders record: the tick number and the direct orders handed to the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppliedWrite<'a> {
    pub tick: u64,
    /// JSON text (the sim's choice of shape; replay parses it back).
    pub orders_json: &'a str,
}

/// A record read back from the applied-orders log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRecord {
    pub tick: u64,
    pub orders_json: String,
}

/// The saved full world state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedState {
    pub universe: String,
    pub tick: u64,
    pub data: Vec<u8>,
}

/// What a successful commit produced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommitReceipt {
    /// Ids of the appended events, in order.
    pub event_ids: Vec<EntryId>,
    /// How many of the `ack` ids were pending (the rest had been acknowledged already).
    pub acked: u64,
    /// For each faction of `revoke_claims`, in order: the player whose claim was removed (`None`:
    /// the faction was not claimed).
    pub revoked: Vec<Option<String>>,
    /// How many factions were claimed in the `clear_claims` universes (summed).
    pub claims_cleared: u64,
    /// Whether `consume_restart_request` deleted the restart key (`false`: it was gone or held
    /// another value).
    pub restart_request_consumed: bool,
    /// The player awarded for the run in `award` (`None`: no award, or no human held the winner).
    pub awarded: Option<String>,
}

impl<'a> Commit<'a> {
    /// A tick commit in the current run.
    pub fn tick(universe: &'a str) -> Self {
        Self {
            universe,
            start_run: false,
            events: Vec::new(),
            event_max_len: DEFAULT_EVENT_MAX_LEN,
            applied: None,
            snapshot: None,
            state: None,
            ack: &[],
            status: None,
            revoke_claims: Vec::new(),
            clear_claims: Vec::new(),
            consume_restart_request: None,
            award: None,
        }
    }

    /// The first writes of a new run (start-up with a fresh universe, restart, winner restart).
    pub fn run_start(universe: &'a str) -> Self {
        Self { start_run: true, ..Self::tick(universe) }
    }

    pub fn event(mut self, event_json: &'a str) -> Self {
        self.events.push(event_json);
        self
    }

    pub fn event_max_len(mut self, max_len: usize) -> Self {
        self.event_max_len = max_len;
        self
    }

    pub fn applied(mut self, tick: u64, orders_json: &'a str) -> Self {
        self.applied = Some(AppliedWrite { tick, orders_json });
        self
    }

    pub fn snapshot(mut self, tick: u64, snapshot_json: &'a str) -> Self {
        self.snapshot = Some((tick, snapshot_json));
        self
    }

    pub fn state(mut self, tick: u64, data: &'a [u8]) -> Self {
        self.state = Some((tick, data));
        self
    }

    pub fn ack(mut self, ids: &'a [EntryId]) -> Self {
        self.ack = ids;
        self
    }

    pub fn status(mut self, status: &'a SimStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Removes the claims of these factions of the commit's universe (eliminated factions);
    /// repeated calls add to the list.
    pub fn revoke_claims(mut self, factions: &[&'a str]) -> Self {
        self.revoke_claims.extend_from_slice(factions);
        self
    }

    /// Removes every claim of the commit's universe.
    pub fn clear_claims(self) -> Self {
        let universe = self.universe;
        self.clear_claims_of(universe)
    }

    /// Removes every claim of another universe (e.g. the run a restart ends).
    pub fn clear_claims_of(mut self, universe: &'a str) -> Self {
        if !self.clear_claims.contains(&universe) {
            self.clear_claims.push(universe);
        }
        self
    }

    /// Deletes the legacy restart request if `{p}:restart` still holds exactly `raw_value`.
    pub fn consume_restart_request(mut self, raw_value: &'a str) -> Self {
        self.consume_restart_request = Some(raw_value);
        self
    }

    /// Scores the ended run `universe` won by `faction` (named `label`) at `tick`: leaderboard
    /// wins and, for a human winner, an award job.
    pub fn award(mut self, universe: &'a str, faction: &'a str, label: &'a str, tick: u64) -> Self {
        self.award = Some(RunAward { universe, faction, label, tick });
        self
    }

    /// Checks that need no stored data; run by both backends before touching anything. A commit
    /// needs no applied record: one with only a status or only claim removals is fine.
    pub(crate) fn validate(&self) -> StoreResult<()> {
        if self.universe.is_empty() {
            return Err(StoreError::invalid("commit", "universe must not be empty"));
        }
        if !self.events.is_empty() && self.event_max_len == 0 {
            return Err(StoreError::invalid("commit", "event_max_len must be at least 1"));
        }
        if self.revoke_claims.iter().any(|f| f.is_empty()) {
            return Err(StoreError::invalid("commit", "revoked faction must not be empty"));
        }
        if self.clear_claims.iter().any(|u| u.is_empty()) {
            return Err(StoreError::invalid("commit", "universe of cleared claims must not be empty"));
        }
        if let Some(award) = &self.award
            && (award.universe.is_empty() || award.faction.is_empty())
        {
            return Err(StoreError::invalid("commit", "award universe and faction must not be empty"));
        }
        Ok(())
    }
}

/// The error for an applied record that does not come after the log's last tick.
pub(crate) fn tick_not_after(universe: &str, tick: u64, last: u64) -> StoreError {
    StoreError::invalid(
        "commit",
        format!("applied-orders record for tick {tick} does not follow tick {last} in universe {universe}"),
    )
}

pub trait CommitStore {
    /// Applies `commit` atomically if `lease` is still the stored lease; `Fenced` (and nothing
    /// written) otherwise. `Invalid` (and nothing written) if the applied record's tick does not
    /// come after the last one in the run's log (a duplicate or stale tick).
    fn commit(
        &self,
        lease: &Lease,
        commit: &Commit<'_>,
    ) -> impl Future<Output = StoreResult<CommitReceipt>> + Send;

    /// The saved full state, if any.
    fn saved_state(&self) -> impl Future<Output = StoreResult<Option<SavedState>>> + Send;

    /// Up to `count` applied-orders records of `universe` with tick greater than `after_tick`
    /// (`None`: from the first), in tick order.
    fn applied_after(
        &self,
        universe: &str,
        after_tick: Option<u64>,
        count: usize,
    ) -> impl Future<Output = StoreResult<Vec<AppliedRecord>>> + Send;
}
