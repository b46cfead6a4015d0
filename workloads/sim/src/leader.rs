//! The leader's session: from taking the lease to losing it (or shutting down).
//!
//! Each iteration renews the lease, re-establishes state after store errors, applies control
//! (GAME_RULES.md §10, WIRE.md §7.2 with the fixes of KNOWN_DEFECTS F), then ticks. Store errors
//! never end the session by themselves: they are retried with capped exponential backoff, and
//! the next successful iteration first re-establishes the state from the store (a failed
//! commit may or may not have landed; Redis may have lost writes). The session ends when a
//! fenced write or renewal says the lease is gone, or when the lease has surely expired during
//! an outage.

use std::time::{Duration, Instant};

use sector_core::outcome;
use sector_store::{Commit, SimPhase, SimStatus, Store};

use crate::backoff::Backoff;
use crate::control::{self, Action};
use crate::error::SimError;
use crate::events::{snapshot_event, snapshot_json};
use crate::intake::Inbox;
use crate::recovery::{self, Outcome, RECLAIM_MAX};
use crate::restart;
use crate::status::Role;
use crate::tick;
use crate::worker::{Memory, Worker};

/// Consumers idle this long with nothing pending are deleted from the order group (F2).
const PRUNE_IDLE: Duration = Duration::from_secs(600);
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// How long a foreign universe id must persist before the worker restarts into it.
const MOVED_GRACE: Duration = Duration::from_millis(500);

/// Why a session ended.
#[derive(Debug)]
pub(crate) enum Exit {
    Shutdown,
    /// The lease is gone. `Some` when it was only presumed expired (the store was unreachable):
    /// the standby first checks whether it is in fact still held.
    LeaseLost(Option<sector_store::Lease>),
}

pub(crate) struct Session {
    pub lease: sector_store::Lease,
    pub last_renewed: Instant,
    pub memory: Memory,
    pub inbox: Inbox,
    /// Last phase recorded in the control hash.
    pub phase: Option<SimPhase>,
    pub force_state_save: bool,
    pub needs_resync: bool,
    pub last_reclaim: Instant,
    pub last_prune: Instant,
    /// A universe id seen in the store that differs from the run's, and since when.
    pub moved: Option<(String, Instant)>,
}

/// How long to wait between iterations that do not tick (paused, start gate).
fn idle_delay(period: Duration) -> Duration {
    period.clamp(Duration::from_millis(10), Duration::from_millis(250))
}

pub(crate) async fn lead<S: Store>(w: &mut Worker<S>, lease: sector_store::Lease) -> Result<Exit, SimError> {
    w.set_role(Role::Leader, Some(&lease));
    let ttl = w.cfg.lease_ttl;
    let mut backoff = Backoff::new(w.cfg.backoff_max);
    let mut last_renewed = Instant::now();
    let established = loop {
        if w.stopping() {
            release(w, &lease).await;
            return Ok(Exit::Shutdown);
        }
        match recovery::establish(w, &lease, w.memory.as_ref()).await {
            Ok(established) => break established,
            Err(SimError::Store(error)) => {
                w.store_failed("recovery", &error);
                if error.is_fenced() {
                    return Ok(Exit::LeaseLost(None));
                }
                w.sleep(backoff.next_delay()).await;
                match w.store.renew_lease(&lease, ttl).await {
                    Ok(()) => last_renewed = Instant::now(),
                    Err(error) if error.is_fenced() => return Ok(Exit::LeaseLost(None)),
                    Err(_) if last_renewed.elapsed() >= ttl => return Ok(Exit::LeaseLost(Some(lease))),
                    Err(_) => {}
                }
            }
            Err(fatal) => {
                release(w, &lease).await;
                return Err(fatal);
            }
        }
    };
    w.store_ok();
    if established.outcome != Outcome::Resumed {
        tracing::info!(outcome = established.outcome.as_str(), "leading");
    }
    let now = Instant::now();
    let mut s = Session {
        lease,
        last_renewed,
        memory: established.memory,
        inbox: established.inbox,
        phase: None,
        force_state_save: established.force_state_save,
        needs_resync: false,
        last_reclaim: now,
        last_prune: now - PRUNE_EVERY,
        moved: None,
    };
    w.set_position(&s.memory.run, None);

    let exit = loop {
        if w.stopping() {
            stop(w, &s).await;
            break Ok(Exit::Shutdown);
        }
        match iteration(w, &mut s).await {
            Ok(delay) => {
                backoff.reset();
                w.store_ok();
                w.sleep(delay).await;
            }
            Err(SimError::Store(error)) => {
                w.store_failed("tick loop", &error);
                if error.is_fenced() {
                    break Ok(Exit::LeaseLost(None));
                }
                s.needs_resync = true;
                if s.last_renewed.elapsed() >= ttl {
                    tracing::warn!("lease presumed expired while the store was failing; standing by");
                    break Ok(Exit::LeaseLost(Some(s.lease.clone())));
                }
                w.sleep(backoff.next_delay()).await;
            }
            Err(fatal) => {
                release(w, &s.lease).await;
                break Err(fatal);
            }
        }
    };
    w.memory = Some(s.memory);
    exit
}

async fn iteration<S: Store>(w: &mut Worker<S>, s: &mut Session) -> Result<Duration, SimError> {
    // Ticks are paced from iteration start to iteration start (fixed rate, no drift from the
    // store round trips); a slow iteration is not made up for later.
    let began = Instant::now();
    w.store.renew_lease(&s.lease, w.cfg.lease_ttl).await?;
    s.last_renewed = Instant::now();
    if s.needs_resync {
        resync(w, s).await?;
    }
    housekeeping(w, s).await?;

    let universe = s.memory.run.universe.clone();
    // A legacy restart request is read, not taken: it is deleted only by the fenced commit of
    // the restart it causes (compare-and-delete), so a lease lost before that commit cannot lose
    // it, and a newer request written meanwhile survives for the next iteration.
    let (mut obs, legacy) =
        tokio::try_join!(control::observe(&w.store, &universe), w.store.peek_restart_request())?;
    obs.universe_moved = universe_moved(s, &obs.universe_key);
    // Bots-only: the human claims are removed in this iteration's fenced commit (the tick's or
    // the run start's, or one of their own), and ignored from here on.
    let clear_claims = obs.control.bots_only && !obs.humans.is_empty();
    if clear_claims {
        obs.humans.clear();
    }

    let period = w.cfg.tick_period;
    let action = control::decide(&s.memory.run, &obs, legacy.as_ref().map(|l| &l.request));
    if clear_claims && matches!(action, Action::Pause | Action::Wait) {
        let receipt = w.store.commit(&s.lease, &Commit::tick(&universe).clear_claims()).await?;
        tracing::info!(universe, cleared = receipt.claims_cleared, "bots-only: human claims cleared");
    }
    match action {
        Action::Restart(mut plan) => {
            // Any restart acts on a waiting legacy request (a winner restart merges it), and the
            // run start's commit clears the ended run's claims, bots-only or not.
            plan.legacy_request = legacy.map(|l| l.raw);
            let (run, snapshot) =
                restart::start_run(w, &s.lease, &plan, &obs.universe_key, Some(&s.memory.run)).await?;
            s.memory = Memory { run, prev_frame: Some(snapshot) };
            s.moved = None;
            s.force_state_save = false;
            s.phase = Some(SimPhase::Restarting);
            w.metrics.paused.set(0);
            w.set_position(&s.memory.run, Some(SimPhase::Restarting));
            Ok(idle_delay(period))
        }
        Action::Pause => {
            w.metrics.paused.set(1);
            record_phase(w, s, SimPhase::Paused).await?;
            Ok(idle_delay(period))
        }
        Action::Wait => {
            w.metrics.paused.set(0);
            if s.memory.prev_frame.is_none() {
                publish_initial_snapshot(w, s).await?;
            } else {
                record_phase(w, s, SimPhase::WaitingForPlayers).await?;
            }
            Ok(idle_delay(period))
        }
        Action::Tick => {
            w.metrics.paused.set(0);
            tick::tick(w, s, &obs.humans, clear_claims).await?;
            let world = &s.memory.run.state.world;
            // A decided run ends at once, not a period later.
            if outcome::winner(world).is_some() {
                return Ok(Duration::ZERO);
            }
            Ok(period.saturating_sub(began.elapsed()))
        }
    }
}

/// Whether the stored universe id has differed from the run's for at least [`MOVED_GRACE`].
fn universe_moved(s: &mut Session, key: &str) -> bool {
    if key == s.memory.run.universe {
        s.moved = None;
        return false;
    }
    match &s.moved {
        Some((seen, since)) if seen == key => since.elapsed() >= MOVED_GRACE,
        _ => {
            tracing::info!(key, universe = s.memory.run.universe, "universe id changed in the store");
            s.moved = Some((key.to_owned(), Instant::now()));
            false
        }
    }
}

/// Re-establishes the state from the store after errors.
async fn resync<S: Store>(w: &mut Worker<S>, s: &mut Session) -> Result<(), SimError> {
    let established = recovery::establish(w, &s.lease, Some(&s.memory)).await?;
    if established.outcome == Outcome::Resumed {
        tracing::info!(tick = established.memory.run.state.world.tick, "store reachable again; state intact");
    } else {
        tracing::warn!(
            outcome = established.outcome.as_str(),
            from_tick = s.memory.run.state.world.tick,
            to_tick = established.memory.run.state.world.tick,
            "store reachable again; state re-established from the store"
        );
    }
    s.memory = established.memory;
    s.inbox = established.inbox;
    s.force_state_save |= established.force_state_save;
    s.phase = None;
    s.needs_resync = false;
    w.set_position(&s.memory.run, None);
    Ok(())
}

/// Periodic order-group upkeep: take over entries a worker that lost the lease read after the
/// takeover (it can never commit them), and delete consumers that are long gone.
async fn housekeeping<S: Store>(w: &Worker<S>, s: &mut Session) -> Result<(), SimError> {
    let ttl = w.cfg.lease_ttl;
    if s.last_reclaim.elapsed() >= ttl {
        let claimed = w.store.claim_stale_orders(&w.cfg.consumer, ttl * 2, RECLAIM_MAX).await?;
        s.inbox.add(claimed);
        s.last_reclaim = Instant::now();
    }
    if s.last_prune.elapsed() >= PRUNE_EVERY {
        w.store.prune_order_consumers(PRUNE_IDLE).await?;
        s.last_prune = Instant::now();
    }
    Ok(())
}

fn status(s: &Session, phase: SimPhase) -> SimStatus {
    SimStatus {
        run: Some(s.memory.run.universe.clone()),
        tick: Some(s.memory.run.state.world.tick),
        phase: Some(phase),
        applied_restart_generation: None,
    }
}

/// Records a phase change in the control hash (fenced).
async fn record_phase<S: Store>(w: &Worker<S>, s: &mut Session, phase: SimPhase) -> Result<(), SimError> {
    if s.phase.as_ref() == Some(&phase) {
        return Ok(());
    }
    let status = status(s, phase.clone());
    w.store.commit(&s.lease, &Commit::tick(&s.memory.run.universe).status(&status)).await?;
    tracing::info!(universe = s.memory.run.universe, tick = s.memory.run.state.world.tick, phase = %phase, "phase");
    w.set_position(&s.memory.run, Some(phase.clone()));
    s.phase = Some(phase);
    Ok(())
}

/// At the start gate with no frame published yet (e.g. after a takeover): publish the world so
/// clients see the map while players join (WIRE.md §7.2 step 4).
async fn publish_initial_snapshot<S: Store>(w: &Worker<S>, s: &mut Session) -> Result<(), SimError> {
    let snapshot = s.memory.run.state.world.snapshot();
    let event = snapshot_event(&snapshot);
    let text = snapshot_json(&snapshot);
    let status = status(s, SimPhase::WaitingForPlayers);
    let tick = s.memory.run.state.world.tick;
    let commit = Commit::tick(&s.memory.run.universe)
        .event_max_len(w.cfg.event_max_len)
        .event(&event)
        .snapshot(tick, &text)
        .status(&status);
    w.store.commit(&s.lease, &commit).await?;
    s.memory.prev_frame = Some(snapshot);
    s.phase = Some(SimPhase::WaitingForPlayers);
    w.set_position(&s.memory.run, Some(SimPhase::WaitingForPlayers));
    tracing::info!(universe = s.memory.run.universe, "waiting for players (start gate)");
    Ok(())
}

/// Graceful stop: save the full state (so the next leader replays nothing) and release the
/// lease, so a standby takes over at once instead of after the TTL.
async fn stop<S: Store>(w: &Worker<S>, s: &Session) {
    const STOP_TIMEOUT: Duration = Duration::from_secs(2);
    if s.needs_resync {
        // Memory may disagree with the store (a commit of unknown fate): leave the store as is.
        release(w, &s.lease).await;
        return;
    }
    let tick = s.memory.run.state.world.tick;
    let bytes = s.memory.run.state.encode();
    let status = status(s, SimPhase::Stopped);
    let commit = Commit::tick(&s.memory.run.universe).state(tick, &bytes).status(&status);
    match tokio::time::timeout(STOP_TIMEOUT, w.store.commit(&s.lease, &commit)).await {
        Ok(Ok(_)) => tracing::info!(universe = s.memory.run.universe, tick, "final state saved"),
        Ok(Err(error)) => w.store_failed("final state save", &error),
        Err(_) => tracing::warn!("final state save timed out"),
    }
    release(w, &s.lease).await;
}

async fn release<S: Store>(w: &Worker<S>, lease: &sector_store::Lease) {
    match w.store.release_lease(lease).await {
        Ok(released) => tracing::info!(released, token = lease.token, "lease released"),
        Err(error) => w.store_failed("release lease", &error),
    }
}
