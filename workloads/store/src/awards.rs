//! Award jobs: one per run won by a human-claimed faction, queued for the minter.
//!
//! The sim never talks to the minter. The fenced commit that ends a run (and publishes its
//! `run_end` event) looks up the winning faction's player in the ended run's claims and, if there
//! is one, appends an award job to `{p}:awards` (a stream, one field `data` = the [`Award`] as
//! JSON) in the same atomic step ([`crate::Commit::award`]). So a job exists exactly when the run
//! ended with a human winner, once, whichever worker committed it and however often a failed
//! commit was retried. The minter drains the queue at its own pace: a slow or absent chain never
//! delays a tick or the next run.
//!
//! Delivery is at least once: a job stays queued until [`AwardStore::complete_award`] removes it,
//! so the consumer must be idempotent per run (the minter is: one token per universe and run).

use serde::{Deserialize, Serialize};

use crate::error::StoreResult;
use crate::stream::EntryId;

/// Approximate cap on the award queue, so jobs nobody drains (no minter deployed) cannot grow it
/// without bound; at one job per won run it is never reached by a drained queue.
pub const AWARD_QUEUE_MAX_LEN: usize = 10_000;

/// What the winner of a run is awarded for, as queued at run end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Award {
    /// The run that ended (WIRE.md's `universe_id`).
    pub universe_id: String,
    /// The winning faction's id.
    pub winner: String,
    /// The winning faction's name (the `run_end` event's `winner_label`).
    pub winner_label: String,
    /// The last tick of the run.
    pub tick: u64,
    /// The wallet address (lower-case) of the player who held the winning faction.
    pub address: String,
    /// The faction the player held (the winner).
    pub faction: String,
}

/// A queued award with its stream id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardJob {
    pub id: EntryId,
    /// `None` when the entry does not hold an [`Award`] (written by something else); the consumer
    /// should log and complete it rather than retry it forever.
    pub award: Option<Award>,
}

impl AwardJob {
    /// Unix seconds at which the job was queued (from the stream id's milliseconds).
    pub fn queued_at(&self) -> u64 {
        self.id.ms / 1000
    }
}

pub trait AwardStore {
    /// Up to `count` queued jobs, oldest first (jobs stay queued until completed).
    fn pending_awards(&self, count: usize) -> impl Future<Output = StoreResult<Vec<AwardJob>>> + Send;

    /// Removes a job from the queue; `false` if it was not there (completed already).
    fn complete_award(&self, id: EntryId) -> impl Future<Output = StoreResult<bool>> + Send;
}

/// Parses a queued entry's `data`.
pub(crate) fn parse_award(data: Option<&str>) -> Option<Award> {
    data.and_then(|d| serde_json::from_str(d).ok())
}
