//! Starting a run: at first start-up, on an administrative restart, and after a winner
//! (GAME_RULES.md §10.3). One fenced `run_start` commit writes everything: the `run_end` event
//! of the ended run (if any), the new world's `snapshot` event, the snapshot hash, the saved
//! state, the run's first applied-orders record (its seed), the universe id, the applied
//! restart generation, the clearing of the claims of the new universe and of the ended run, the
//! consumption of the legacy restart request acted on (if any), and the ended run's score: a
//! leaderboard win for the winning faction and, if a human held it, for that player plus an award
//! job for the minter (read from the ended run's claims inside the commit, before they are
//! cleared). Being part of the fenced commit that publishes `run_end`, a run is scored exactly
//! once, whichever worker ends it and however often a failed commit is retried.

use sector_core::snapshot::Snapshot;
use sector_core::{World, generator};
use sector_store::{Commit, FIRST_UNIVERSE, Lease, SimPhase, SimStatus, Store};

use crate::error::SimError;
use crate::events::{run_end_event, snapshot_event, snapshot_json};
use crate::metrics::ReasonLabel;
use crate::seeds::{self, SeedSource};
use crate::state::{SimState, TickRecord};
use crate::worker::{Run, Worker};

/// Attempts at generating a world before giving up (a seed can fail lane building, B14).
const GENERATE_ATTEMPTS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// Nothing to resume: the worker's first run.
    Startup,
    /// `restartGeneration` bump or a legacy restart request.
    Admin,
    /// The universe id was changed by someone else (a legacy API restart whose request was
    /// lost, KNOWN_DEFECTS F6): the new universe gets its own world.
    UniverseMoved,
    /// A faction won (§10.2).
    Winner,
    /// The saved state could not be read.
    Unreadable,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Startup => "startup",
            Cause::Admin => "admin",
            Cause::UniverseMoved => "universe_moved",
            Cause::Winner => "winner",
            Cause::Unreadable => "unreadable_state",
        }
    }
}

/// How to start the next run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub cause: Cause,
    /// Explicit universe id; `None`: the next id after the current one (INCR semantics).
    pub universe: Option<String>,
    pub seed: SeedSource,
    /// Restart generation applied by this restart (recorded in the control hash).
    pub applied_generation: Option<i64>,
    /// The ended run's last tick and winner (id, label): a `run_end` event is published when
    /// a run ended.
    pub ended: Option<(u64, Option<(String, String)>)>,
    /// The new run starts ticking without a human claim.
    pub auto_start: bool,
    /// Raw value of the legacy restart request (`{p}:restart`) this restart acts on; consumed in
    /// the run-start commit if the key still holds it.
    pub legacy_request: Option<String>,
}

impl Plan {
    pub fn new(cause: Cause) -> Self {
        Self {
            cause,
            universe: None,
            seed: SeedSource::Configured,
            applied_generation: None,
            ended: None,
            auto_start: false,
            legacy_request: None,
        }
    }
}

/// The id after `current` (and after `key`, the stored counter, when it is ahead): INCR for
/// numeric ids; a free-form id (set by an admin restart) gets a numbered suffix.
pub(crate) fn next_universe(key: &str, current: Option<&str>) -> String {
    let numeric = [Some(key), current].into_iter().flatten().filter_map(|id| id.parse::<u64>().ok()).max();
    if let Some(n) = numeric {
        return n.saturating_add(1).to_string();
    }
    let base = current.unwrap_or(key);
    if base.is_empty() {
        return FIRST_UNIVERSE.to_owned();
    }
    match base.rsplit_once('-') {
        Some((stem, n)) if n.parse::<u64>().is_ok() => {
            format!("{stem}-{}", n.parse::<u64>().unwrap_or(0).saturating_add(1))
        }
        _ => format!("{base}-2"),
    }
}

/// Generates a world for the plan's seed; a seed whose map cannot be built is replaced by a
/// random one (logged) rather than stopping the universe.
fn generate(config: &crate::SimConfig, source: &SeedSource) -> Result<(World, i64), SimError> {
    let (mut seed, mut random) = seeds::choose(source, config);
    let mut attempt = 1;
    loop {
        match generator::generate(&config.game, seed) {
            Ok(world) => {
                tracing::info!(seed, random, systems = world.systems.len(), "world generated");
                return Ok((world, seed));
            }
            Err(error) if attempt < GENERATE_ATTEMPTS => {
                tracing::warn!(seed, %error, "world generation failed; trying a random seed");
                seed = seeds::random_seed();
                random = true;
                attempt += 1;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// Starts the run `plan` describes and commits it under `lease`. `key` is the stored universe
/// id, `previous` the run that ends (if any).
pub(crate) async fn start_run<S: Store>(
    w: &Worker<S>,
    lease: &Lease,
    plan: &Plan,
    key: &str,
    previous: Option<&Run>,
) -> Result<(Run, Snapshot), SimError> {
    let universe = match &plan.universe {
        Some(id) if !id.is_empty() => id.clone(),
        _ => next_universe(key, previous.map(|r| r.universe.as_str())),
    };
    let (world, seed) = generate(&w.cfg, &plan.seed)?;
    let mut state = SimState::new(world);
    state.auto_start = plan.auto_start;
    let snapshot = state.world.snapshot();

    let run_end = plan.ended.as_ref().map(|(tick, winner)| {
        run_end_event(winner.as_ref().map(|(id, label)| (id.as_str(), label.as_str())), *tick)
    });
    let snapshot_event = snapshot_event(&snapshot);
    let snapshot_text = snapshot_json(&snapshot);
    let state_bytes = state.encode();
    let record = TickRecord::run_start(seed).to_json();
    let status = SimStatus {
        applied_restart_generation: plan.applied_generation,
        run: Some(universe.clone()),
        tick: Some(0),
        phase: Some(SimPhase::Restarting),
    };
    // Claims of the new universe start empty (they may exist if an API took the id before the
    // restart); the ended run's claims are dropped so per-run keys do not pile up (F7).
    let mut commit = Commit::run_start(&universe).event_max_len(w.cfg.event_max_len).clear_claims();
    if let Some(previous) = previous {
        commit = commit.clear_claims_of(&previous.universe);
    }
    if let Some(raw) = &plan.legacy_request {
        commit = commit.consume_restart_request(raw);
    }
    if let Some(run_end) = &run_end {
        commit = commit.event(run_end);
    }
    if let (Some(previous), Some((tick, Some((winner, label))))) = (previous, &plan.ended) {
        commit = commit.award(&previous.universe, winner, label, *tick);
    }
    commit = commit
        .event(&snapshot_event)
        .snapshot(0, &snapshot_text)
        .state(0, &state_bytes)
        .applied(0, &record)
        .status(&status);
    let receipt = w.store.commit(lease, &commit).await?;

    w.metrics.runs_started.get_or_create(&ReasonLabel { reason: plan.cause.as_str() }).inc();
    tracing::info!(
        cause = plan.cause.as_str(),
        universe,
        seed,
        ended_tick = plan.ended.as_ref().map(|(t, _)| *t),
        winner = plan.ended.as_ref().and_then(|(_, w)| w.as_ref()).map(|(id, _)| id.as_str()),
        applied_generation = plan.applied_generation,
        claims_cleared = receipt.claims_cleared,
        awarded = receipt.awarded.as_deref(),
        legacy_request_consumed = receipt.restart_request_consumed,
        "new run started"
    );
    Ok((Run { universe, state }, snapshot))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_universe_ids() {
        assert_eq!(next_universe("4", Some("4")), "5");
        assert_eq!(next_universe("7", Some("4")), "8", "an id taken by the API is skipped");
        assert_eq!(next_universe("1", None), "2");
        assert_eq!(next_universe("run-a", Some("run-a")), "run-a-2");
        assert_eq!(next_universe("run-a-2", Some("run-a-2")), "run-a-3");
        assert_eq!(next_universe("", None), "1");
    }
}
