//! Establishing the authoritative state when the worker takes the lease, and again after store
//! errors (when a commit's fate is unknown or Redis may have lost writes).
//!
//! The store is the source of truth: the saved state plus the applied-orders records after its
//! tick, replayed with [`SimState::replay`], give exactly the state of the last committed tick
//! (whoever committed it). Only when the store holds no saved state at all (a Redis that came
//! back empty) does the worker's own memory win: it re-seeds the store from it. With neither,
//! a fresh run starts.
//!
//! Then the order intake is rebuilt from the consumer group: this worker's own pending entries
//! and (XAUTOCLAIM) every entry a dead worker read but never committed. Entries are acknowledged
//! only in the commit that applies them, so nothing is lost or applied twice.

use std::time::Duration;

use sector_core::snapshot::Snapshot;
use sector_store::{Commit, Lease, SimPhase, SimStatus, Store, StoreError};

use crate::error::SimError;
use crate::events::{snapshot_event, snapshot_json};
use crate::intake::Inbox;
use crate::metrics::KindLabel;
use crate::restart::{self, Cause, Plan};
use crate::seeds::SeedSource;
use crate::state::{SimState, TickRecord};
use crate::worker::{Memory, Run, Worker};

/// Applied-orders records read per page while replaying.
const REPLAY_PAGE: usize = 256;
/// Pending order entries taken over at most at once.
pub(crate) const RECLAIM_MAX: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The store agrees with this worker's memory.
    Resumed,
    /// State taken from the store (takeover, or the store was ahead of / behind memory).
    Restored,
    /// The store had no state; written back from memory.
    Reseeded,
    /// Nothing to resume: a new run.
    Fresh,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Resumed => "resumed",
            Outcome::Restored => "restored",
            Outcome::Reseeded => "reseeded",
            Outcome::Fresh => "fresh",
        }
    }
}

pub(crate) struct Established {
    pub memory: Memory,
    pub inbox: Inbox,
    /// The applied-orders log has a gap after the saved state: save the state at the next tick
    /// so later recoveries do not need the missing records.
    pub force_state_save: bool,
    pub outcome: Outcome,
}

enum Saved {
    Restored { run: Box<Run>, replayed: usize, gap: bool },
    Empty,
    Unreadable(String),
}

/// The saved state with the log replayed onto it.
async fn load_saved<S: Store>(store: &S) -> Result<Saved, StoreError> {
    let Some(saved) = store.saved_state().await? else { return Ok(Saved::Empty) };
    let mut state = match SimState::decode(&saved.data) {
        Ok(state) => state,
        Err(error) => return Ok(Saved::Unreadable(error.to_string())),
    };
    if state.world.tick != saved.tick {
        return Ok(Saved::Unreadable(format!(
            "saved state is tagged tick {} but holds tick {}",
            saved.tick, state.world.tick
        )));
    }
    let (mut replayed, mut gap) = (0, false);
    let mut after = saved.tick;
    'pages: loop {
        let records = store.applied_after(&saved.universe, Some(after), REPLAY_PAGE).await?;
        let full_page = records.len() == REPLAY_PAGE;
        for record in records {
            if record.tick != state.world.tick + 1 {
                tracing::error!(
                    expected = state.world.tick + 1,
                    found = record.tick,
                    "applied-orders log has a gap"
                );
                gap = true;
                break 'pages;
            }
            let parsed = match TickRecord::from_json(&record.orders_json) {
                Ok(parsed) => parsed,
                Err(error) => {
                    tracing::error!(tick = record.tick, %error, "unreadable applied-orders record; replay stops");
                    gap = true;
                    break 'pages;
                }
            };
            if !state.replay(&parsed) {
                tracing::error!(tick = record.tick, "route replay disagrees with the recorded orders");
            }
            replayed += 1;
            after = record.tick;
        }
        if !full_page {
            break;
        }
    }
    Ok(Saved::Restored { run: Box::new(Run { universe: saved.universe, state }), replayed, gap })
}

/// Writes the worker's memory back into a store that lost everything.
async fn reseed<S: Store>(w: &Worker<S>, lease: &Lease, memory: &Memory) -> Result<Memory, SimError> {
    let run = &memory.run;
    let tick = run.state.world.tick;
    let snapshot: Snapshot = run.state.world.snapshot();
    let event = snapshot_event(&snapshot);
    let text = snapshot_json(&snapshot);
    let bytes = run.state.encode();
    let status = SimStatus {
        run: Some(run.universe.clone()),
        tick: Some(tick),
        phase: Some(SimPhase::Restarting),
        applied_restart_generation: None,
    };
    let commit = Commit::run_start(&run.universe)
        .event_max_len(w.cfg.event_max_len)
        .event(&event)
        .snapshot(tick, &text)
        .state(tick, &bytes)
        .status(&status);
    w.store.commit(lease, &commit).await?;
    tracing::warn!(
        universe = run.universe,
        tick,
        "store held no saved state; re-seeded it from this worker's memory"
    );
    Ok(Memory { run: run.clone(), prev_frame: Some(snapshot) })
}

/// A first run: a new universe id if configured, and any restart generation already set
/// counts as applied by it (with its seed).
async fn fresh<S: Store>(w: &Worker<S>, lease: &Lease, cause: Cause) -> Result<Memory, SimError> {
    let key = w.store.universe_id().await?;
    let control = w.store.control(&key).await?;
    let mut plan = Plan::new(cause);
    plan.universe = (!w.cfg.reset_universe_on_start).then(|| key.clone());
    if control.restart_pending() {
        if let Some(seed) = &control.restart_seed {
            plan.seed = SeedSource::Requested(seed.clone());
        }
        plan.applied_generation = Some(control.restart_generation);
    }
    let (run, snapshot) = restart::start_run(w, lease, &plan, &key, None).await?;
    Ok(Memory { run, prev_frame: Some(snapshot) })
}

/// This worker's pending entries plus every entry another consumer read and never committed.
pub(crate) async fn reclaim<S: Store>(w: &Worker<S>) -> Result<Inbox, StoreError> {
    w.store.ensure_order_group().await?;
    let own = w.store.pending_orders(&w.cfg.consumer, RECLAIM_MAX).await?;
    // Only the lease holder commits, and it now is us: whatever others hold pending can never
    // be committed by them, so no idle time is needed.
    let claimed = w.store.claim_stale_orders(&w.cfg.consumer, Duration::ZERO, RECLAIM_MAX).await?;
    let mut inbox = Inbox::default();
    let (own_count, claimed_count) = (own.len(), claimed.len());
    for (id, reason) in inbox.add(own).into_iter().chain(inbox.add(claimed)) {
        tracing::warn!(entry = %id, reason = reason.as_str(), "malformed order message; it will be acknowledged and skipped");
    }
    if own_count + claimed_count > 0 {
        tracing::info!(
            own = own_count,
            claimed = claimed_count,
            inbox = inbox.len(),
            "pending orders taken over"
        );
    }
    Ok(inbox)
}

pub(crate) async fn establish<S: Store>(
    w: &Worker<S>,
    lease: &Lease,
    memory: Option<&Memory>,
) -> Result<Established, SimError> {
    let mut force_state_save = false;
    let (memory, outcome) = match load_saved(&w.store).await? {
        Saved::Restored { run, replayed, gap } => {
            force_state_save = gap;
            match memory {
                Some(memory) if memory.run == *run => {
                    tracing::info!(
                        universe = run.universe,
                        tick = run.state.world.tick,
                        "store agrees with memory; resuming"
                    );
                    (memory.clone(), Outcome::Resumed)
                }
                _ => {
                    tracing::info!(
                        universe = run.universe,
                        tick = run.state.world.tick,
                        replayed,
                        memory_tick = memory.map(|m| m.run.state.world.tick),
                        "state restored from the store"
                    );
                    (Memory { run: *run, prev_frame: None }, Outcome::Restored)
                }
            }
        }
        Saved::Empty => match memory {
            Some(memory) => (reseed(w, lease, memory).await?, Outcome::Reseeded),
            None => (fresh(w, lease, Cause::Startup).await?, Outcome::Fresh),
        },
        Saved::Unreadable(reason) => {
            tracing::error!(reason, "saved state unreadable; starting a new run");
            (fresh(w, lease, Cause::Unreadable).await?, Outcome::Fresh)
        }
    };
    let inbox = reclaim(w).await?;
    w.metrics.recoveries.get_or_create(&KindLabel { kind: outcome.as_str() }).inc();
    Ok(Established { memory, inbox, force_state_save, outcome })
}
