//! Control, applied before every tick: what the operator/API want (control hash and the
//! reference's legacy keys), and what the worker does about it this iteration.
//!
//! Order of precedence: a decided run (winner) ends first, merged with any pending admin
//! restart so the two never both fire (KNOWN_DEFECTS F6); then an admin restart (works while
//! paused or waiting); then pause; then the start gate; then a tick.

use sector_core::outcome;
use sector_store::{ClaimStore, Control, ControlStore, RestartRequest, StoreResult, UniverseStore};

use crate::restart::{Cause, Plan};
use crate::seeds::SeedSource;
use crate::worker::Run;

/// The store's view, read at the start of an iteration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Observed {
    pub control: Control,
    /// Human-claimed factions of the current universe.
    pub humans: Vec<String>,
    /// The stored universe id.
    pub universe_key: String,
    /// The stored id differs from the run's and has for a while (set by the leader: a legacy
    /// API increments the id a moment before it writes its restart request, which should win).
    pub universe_moved: bool,
}

pub(crate) async fn observe<S>(store: &S, universe: &str) -> StoreResult<Observed>
where
    S: ControlStore + ClaimStore + UniverseStore,
{
    // Independent reads, issued together on the multiplexed connection.
    let (control, humans, universe_key) =
        tokio::try_join!(store.control(universe), store.human_factions(universe), store.universe_id())?;
    Ok(Observed { control, humans, universe_key, universe_moved: false })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    Restart(Plan),
    Pause,
    /// Start gate (F9, kept): tick 0, no human claim, not bots-only.
    Wait,
    Tick,
}

/// An administrative restart, if one is pending: a legacy request, a `restartGeneration` above
/// the applied one, or a universe id moved by someone else.
pub(crate) fn admin_restart(obs: &Observed, legacy: Option<&RestartRequest>, run: &Run) -> Option<Plan> {
    let generation = obs.control.restart_pending().then_some(obs.control.restart_generation);
    let moved = obs.universe_moved && obs.universe_key != run.universe;
    if legacy.is_none() && generation.is_none() && !moved {
        return None;
    }
    let mut plan =
        Plan::new(if legacy.is_some() || generation.is_some() { Cause::Admin } else { Cause::UniverseMoved });
    plan.applied_generation = generation;
    plan.seed = match (legacy.and_then(|r| r.seed.clone()), &obs.control.restart_seed) {
        (Some(seed), _) => SeedSource::Requested(seed),
        (None, Some(seed)) if generation.is_some() => SeedSource::Requested(seed.clone()),
        _ => SeedSource::Configured,
    };
    plan.universe = match legacy.and_then(|r| r.universe_id.clone()) {
        Some(id) => Some(id),
        // The API took a new id (legacy `/admin/restart`): the new world goes there.
        None if moved => Some(obs.universe_key.clone()),
        None => None,
    };
    plan.ended = Some((run.state.world.tick, None));
    Some(plan)
}

pub(crate) fn decide(run: &Run, obs: &Observed, legacy: Option<&RestartRequest>) -> Action {
    let world = &run.state.world;
    let admin = admin_restart(obs, legacy, run);
    // Only a processed tick can decide a run (a one-faction map would otherwise restart forever).
    if world.tick > 0
        && let Some(winner) = outcome::winner(world)
    {
        let mut plan = admin.unwrap_or_else(|| Plan::new(Cause::Winner));
        plan.cause = Cause::Winner;
        plan.ended = Some((
            world.tick,
            Some((world.faction_id(winner).to_owned(), world.faction_name(winner).to_owned())),
        ));
        // A bots-only run goes on by itself after a winner (F9 fix).
        plan.auto_start = obs.control.bots_only || run.state.auto_start;
        return Action::Restart(plan);
    }
    if let Some(plan) = admin {
        return Action::Restart(plan);
    }
    if obs.control.paused {
        return Action::Pause;
    }
    if world.tick == 0 && obs.humans.is_empty() && !obs.control.bots_only && !run.state.auto_start {
        return Action::Wait;
    }
    Action::Tick
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::SimState;
    use sector_core::{Config, generator};
    use sector_store::SimStatus;

    fn run_at(tick: u64) -> Run {
        let mut config = Config::default();
        config.simulation.number_of_systems = 12;
        let mut world = generator::generate(&config, 3).unwrap();
        world.tick = tick;
        Run { universe: "4".into(), state: SimState::new(world) }
    }

    fn observed() -> Observed {
        Observed {
            control: Control::default(),
            humans: vec![],
            universe_key: "4".into(),
            universe_moved: false,
        }
    }

    #[test]
    fn gate_pause_and_tick() {
        let run = run_at(0);
        let mut obs = observed();
        assert_eq!(decide(&run, &obs, None), Action::Wait);
        obs.control.bots_only = true;
        assert_eq!(decide(&run, &obs, None), Action::Tick);
        obs.control.bots_only = false;
        obs.humans = vec!["F1".into()];
        assert_eq!(decide(&run, &obs, None), Action::Tick);
        obs.control.paused = true;
        assert_eq!(decide(&run, &obs, None), Action::Pause);
        let mut auto = run_at(0);
        auto.state.auto_start = true;
        assert_eq!(decide(&auto, &observed(), None), Action::Tick);
        assert_eq!(decide(&run_at(5), &observed(), None), Action::Tick, "the gate applies at tick 0 only");
    }

    #[test]
    fn restarts() {
        let run = run_at(7);
        let mut obs = observed();
        obs.control.paused = true;
        obs.control.restart_generation = 2;
        obs.control.restart_seed = Some("abc".into());
        obs.control.status = SimStatus { applied_restart_generation: Some(1), ..SimStatus::default() };
        let Action::Restart(plan) = decide(&run, &obs, None) else { panic!("restart expected while paused") };
        assert_eq!(plan.cause, Cause::Admin);
        assert_eq!(plan.applied_generation, Some(2));
        assert_eq!(plan.seed, SeedSource::Requested("abc".into()));
        assert_eq!(plan.universe, None);
        assert_eq!(plan.ended, Some((7, None)));

        let legacy = RestartRequest { universe_id: Some("9".into()), seed: None };
        let Action::Restart(plan) = decide(&run, &observed(), Some(&legacy)) else { panic!() };
        assert_eq!((plan.universe.as_deref(), &plan.seed), (Some("9"), &SeedSource::Configured));

        let mut won = run_at(3);
        let f1 = won.state.world.registry.find("F1").unwrap();
        won.state.world.systems.iter_mut().for_each(|s| s.owner = Some(f1));
        won.state.world.fleets.retain(|f| f.owner == f1);
        let mut bots = observed();
        bots.control.bots_only = true;
        let Action::Restart(plan) = decide(&won, &bots, Some(&legacy)) else { panic!("winner expected") };
        assert_eq!(plan.cause, Cause::Winner);
        assert_eq!(plan.universe.as_deref(), Some("9"), "a pending admin restart is merged, not run twice");
        assert_eq!(
            plan.ended,
            Some((3, Some(("F1".to_owned(), won.state.world.faction_name(f1).to_owned()))))
        );
        assert!(plan.auto_start);

        let mut moved = observed();
        moved.universe_key = "5".into();
        assert_eq!(decide(&run, &moved, None), Action::Tick, "not before the move is confirmed");
        moved.universe_moved = true;
        let Action::Restart(plan) = decide(&run, &moved, None) else { panic!() };
        assert_eq!((plan.cause, plan.universe.as_deref()), (Cause::UniverseMoved, Some("5")));
    }
}
