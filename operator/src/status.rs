//! The status of a universe from what one reconcile observed. Pure: conditions keep their
//! `lastTransitionTime` while their status does not change, so an unchanged universe yields an
//! identical status (and no write). [`change`] tells a status where only the tick (or the
//! wording of a lasting Redis failure) moved from one with news, so the reconciler can refresh
//! those at a slower pace.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use sector_store::SimPhase;
use serde_json::{Value, json};

use crate::crd::{BotReplicas, Phase, SectorUniverseStatus};
use crate::live::Live;

pub const READY: &str = "Ready";
pub const REDIS_READY: &str = "RedisReady";
pub const SIMULATION_RUNNING: &str = "SimulationRunning";
pub const PAUSED: &str = "Paused";
pub const DEGRADED: &str = "Degraded";

/// Everything a reconcile learned.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    pub generation: Option<i64>,
    /// Spec problems (nothing was applied).
    pub invalid: Vec<String>,
    /// Children that failed to apply, with the error.
    pub apply_errors: Vec<String>,
    /// The live state, or why it could not be read.
    pub live: Option<Result<Live, String>>,
    /// Workloads not ready yet (names).
    pub not_ready: Vec<String>,
    pub bots: Option<BotReplicas>,
    pub url: Option<String>,
    /// Winner found for a run that ended since the last status (`None`: keep the previous).
    pub new_winner: Option<String>,
    /// A restart asked in the spec that the simulation has not applied yet.
    pub restart_unapplied: bool,
    pub spec_paused: bool,
    /// The first read of the universe's Redis has not answered yet (`live` says where).
    pub redis_connecting: bool,
    /// Why workloads are not ready, most fundamental first (pods, volume claims).
    pub causes: Vec<crate::causes::Cause>,
}

/// The new status.
pub fn build(previous: Option<&SectorUniverseStatus>, obs: &Observation, now: &Time) -> SectorUniverseStatus {
    let prev = previous.cloned().unwrap_or_default();
    let mut status = SectorUniverseStatus {
        observed_generation: obs.generation,
        conditions: prev.conditions.clone(),
        // Values the universe last reported survive a reconcile that could not read them.
        run: prev.run.clone(),
        tick: prev.tick,
        seed: prev.seed.clone(),
        human_factions: prev.human_factions.clone(),
        applied_restart_generation: prev.applied_restart_generation,
        bot_replicas: obs.bots.clone().or(prev.bot_replicas.clone()),
        url: obs.url.clone().or(prev.url.clone()),
        last_winner: obs.new_winner.clone().or(prev.last_winner.clone()),
        phase: None,
        message: None,
    };
    let live = match &obs.live {
        Some(Ok(live)) => {
            status.run = live.run().map(str::to_owned).or(status.run);
            status.tick = live.tick().map(|t| i64::try_from(t).unwrap_or(i64::MAX)).or(status.tick);
            status.seed = live.seed.clone().or(status.seed);
            status.human_factions = live.humans.clone();
            status.applied_restart_generation =
                live.control.status.applied_restart_generation.or(status.applied_restart_generation);
            Some(live)
        }
        _ => None,
    };
    let sim_phase = live.and_then(|l| l.control.status.phase.clone());
    let generation = obs.generation;
    let mut set = |kind: &str, ok: bool, reason: &str, message: String| {
        set_condition(&mut status.conditions, kind, ok, reason, message, generation, now);
    };

    // RedisReady
    match &obs.live {
        Some(Ok(_)) => set(REDIS_READY, true, "Reachable", "the operator reads the control hash".into()),
        Some(Err(e)) if obs.redis_connecting => set(REDIS_READY, false, "Connecting", e.clone()),
        Some(Err(e)) => set(REDIS_READY, false, "Unreachable", e.clone()),
        None => set(REDIS_READY, false, "NotChecked", "not checked: the spec is invalid".into()),
    }

    // SimulationRunning and Paused, from what the sim recorded.
    let (running, run_reason, run_message) = match &sim_phase {
        Some(SimPhase::Running) => (true, "Running", "the simulation advances".to_owned()),
        Some(SimPhase::WaitingForPlayers) => {
            (true, "WaitingForPlayers", "tick 0: waiting for the first player to claim a faction".to_owned())
        }
        Some(SimPhase::Paused) => (false, "Paused", "the simulation is paused".to_owned()),
        Some(SimPhase::Restarting) => {
            (false, "Restarting", "the simulation is starting a new run".to_owned())
        }
        Some(SimPhase::Starting) => (false, "Starting", "the simulation is starting".to_owned()),
        Some(SimPhase::Stopped) => (false, "Stopped", "the simulation stopped".to_owned()),
        Some(SimPhase::Other(p)) => (false, "Unknown", format!("the simulation reports phase {p:?}")),
        None => (false, "NotReported", "the simulation has not reported yet".to_owned()),
    };
    set(SIMULATION_RUNNING, running, run_reason, run_message);
    let sim_paused = sim_phase == Some(SimPhase::Paused);
    let (paused_reason, paused_message) = match (obs.spec_paused, sim_paused) {
        (true, true) => ("PausedBySpec", "spec.paused is true and the simulation applied it"),
        (true, false) => ("Pausing", "spec.paused is true; the simulation pauses at its next tick"),
        (false, true) => ("Resuming", "spec.paused is false; the simulation resumes at its next tick"),
        (false, false) => ("NotPaused", "the simulation is not paused"),
    };
    set(PAUSED, sim_paused, paused_reason, paused_message.to_owned());

    // Degraded, and the phase.
    let (phase, message) = if !obs.invalid.is_empty() {
        let message = obs.invalid.join("; ");
        set(DEGRADED, true, "InvalidSpec", message.clone());
        (Phase::Degraded, format!("invalid spec: {message}"))
    } else if !obs.apply_errors.is_empty() {
        let message = obs.apply_errors.join("; ");
        set(DEGRADED, true, "ApplyFailed", message.clone());
        (Phase::Degraded, format!("children could not be applied: {message}"))
    } else if let Some(Err(e)) = &obs.live {
        let first_start = prev.run.is_none();
        // What keeps Redis down, when the cluster says (a volume, a pod): the admin's lead.
        let why = obs.causes.first().map(|c| format!(" ({})", c.message)).unwrap_or_default();
        if first_start {
            set(DEGRADED, false, "Starting", "waiting for Redis to come up".into());
            (Phase::Pending, format!("waiting for Redis: {e}{why}"))
        } else {
            set(DEGRADED, true, "RedisUnreachable", format!("{e}{why}"));
            (Phase::Degraded, format!("Redis is unreachable: {e}{why}"))
        }
    } else {
        set(DEGRADED, false, "AsExpected", "every child is applied".into());
        if obs.restart_unapplied || sim_phase == Some(SimPhase::Restarting) {
            (Phase::Resetting, "a new run is starting (restartGeneration)".to_owned())
        } else if sim_paused {
            (Phase::Paused, "paused by spec.paused".to_owned())
        } else if running {
            (Phase::Running, run_message_for(&sim_phase))
        } else {
            (Phase::Pending, "waiting for the simulation to start".to_owned())
        }
    };

    // Ready: the game is up for players. When workloads are not, the causes found in the
    // cluster come first (the reason of the most fundamental one).
    let ready_message = if obs.not_ready.is_empty() {
        None
    } else {
        let waiting = format!("not ready yet: {}", obs.not_ready.join(", "));
        Some(match obs.causes.first() {
            None => ("WorkloadsNotReady", waiting),
            Some(first) => {
                let causes: Vec<&str> = obs.causes.iter().map(|c| c.message.as_str()).collect();
                (first.reason.as_str(), format!("{}; {waiting}", causes.join("; ")))
            }
        })
    };
    match (phase, ready_message) {
        (Phase::Running | Phase::Paused, None) => {
            set(READY, true, "Ready", "every workload is ready and the simulation runs".into())
        }
        (_, Some((reason, m))) => set(READY, false, reason, m),
        (p, None) => set(READY, false, p.as_str(), message.clone()),
    }

    status.phase = Some(phase);
    status.message = Some(message);
    status
}

fn run_message_for(phase: &Option<SimPhase>) -> String {
    match phase {
        Some(SimPhase::WaitingForPlayers) => "waiting for the first player to claim a faction".into(),
        _ => "the simulation runs".into(),
    }
}

/// Sets a condition, keeping its transition time when its status is unchanged.
pub fn set_condition(
    conditions: &mut Vec<Condition>,
    kind: &str,
    ok: bool,
    reason: &str,
    message: String,
    generation: Option<i64>,
    now: &Time,
) {
    let status = if ok { "True" } else { "False" }.to_owned();
    let last_transition_time = conditions
        .iter()
        .find(|c| c.type_ == kind && c.status == status)
        .map_or_else(|| now.clone(), |c| c.last_transition_time.clone());
    let condition = Condition {
        type_: kind.to_owned(),
        status,
        reason: reason.to_owned(),
        message,
        observed_generation: generation,
        last_transition_time,
    };
    match conditions.iter_mut().find(|c| c.type_ == kind) {
        Some(existing) => *existing = condition,
        None => conditions.push(condition),
    }
}

/// The condition of `kind`, if set.
pub fn condition<'a>(status: &'a SectorUniverseStatus, kind: &str) -> Option<&'a Condition> {
    status.conditions.iter().find(|c| c.type_ == kind)
}

/// The status (`True`/`False`) of the condition of `kind`, if set.
pub fn condition_status<'a>(status: &'a SectorUniverseStatus, kind: &str) -> Option<&'a str> {
    condition(status, kind).map(|c| c.status.as_str())
}

/// How a new status differs from the one the universe has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    None,
    /// Only `tick` moved, or only the wording of why Redis stays unreachable (a slow resolver
    /// answers "lookup failed" one time and times out the next): not news worth a write per
    /// reconcile.
    Minor,
    /// Anything else (which carries the current tick and wording along).
    Other,
}

/// What changed from `previous` to `new`.
pub fn change(previous: Option<&SectorUniverseStatus>, new: &SectorUniverseStatus) -> Change {
    let Some(previous) = previous else { return Change::Other };
    if previous == new {
        return Change::None;
    }
    let mut same = SectorUniverseStatus { tick: previous.tick, ..new.clone() };
    let unreachable = |s: &SectorUniverseStatus| {
        condition(s, REDIS_READY).is_some_and(|c| c.status == "False" && c.reason == "Unreachable")
    };
    if unreachable(previous) && unreachable(&same) {
        // Ready repeats the phase message unless it names causes found in the cluster, which
        // are news.
        let ready_is_phase =
            condition(previous, READY).is_some_and(|c| Some(&c.message) == previous.message.as_ref());
        let kinds: &[&str] =
            if ready_is_phase { &[REDIS_READY, DEGRADED, READY] } else { &[REDIS_READY, DEGRADED] };
        same.message.clone_from(&previous.message);
        for kind in kinds {
            let before = condition(previous, kind).map(|c| c.message.clone());
            if let (Some(before), Some(now)) =
                (before, same.conditions.iter_mut().find(|c| c.type_ == **kind))
            {
                now.message = before;
            }
        }
    }
    if same == *previous { Change::Minor } else { Change::Other }
}

/// A JSON merge patch setting `status` exactly: fields absent from it are sent as null, so a
/// value that no longer applies is removed rather than left behind.
pub fn merge_patch(status: &SectorUniverseStatus) -> Result<Value, serde_json::Error> {
    let mut body = serde_json::to_value(status)?;
    if let Value::Object(map) = &mut body {
        for key in [
            "phase",
            "message",
            "observedGeneration",
            "conditions",
            "run",
            "tick",
            "seed",
            "humanFactions",
            "botReplicas",
            "appliedRestartGeneration",
            "url",
            "lastWinner",
        ] {
            map.entry(key).or_insert(Value::Null);
        }
    }
    Ok(json!({ "status": body }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::jiff::Timestamp;
    use sector_store::{Control, SimStatus};

    fn time(secs: i64) -> Time {
        Time(Timestamp::from_second(secs).unwrap())
    }

    fn live(phase: SimPhase) -> Live {
        Live {
            control: Control {
                status: SimStatus {
                    run: Some("3".into()),
                    tick: Some(42),
                    phase: Some(phase),
                    applied_restart_generation: Some(1),
                },
                ..Control::default()
            },
            humans: vec!["F1".into()],
            registry: Some(vec!["F1".into(), "F2".into()]),
            seed: Some("77".into()),
            snapshot_tick: Some(41),
        }
    }

    #[test]
    fn a_running_universe_is_ready() {
        let obs = Observation {
            generation: Some(2),
            live: Some(Ok(live(SimPhase::Running))),
            ..Observation::default()
        };
        let s = build(None, &obs, &time(100));
        assert_eq!(s.phase, Some(Phase::Running));
        assert_eq!((s.run.as_deref(), s.tick, s.seed.as_deref()), (Some("3"), Some(42), Some("77")));
        assert_eq!(s.applied_restart_generation, Some(1));
        for (kind, expected) in [
            (READY, "True"),
            (REDIS_READY, "True"),
            (SIMULATION_RUNNING, "True"),
            (PAUSED, "False"),
            (DEGRADED, "False"),
        ] {
            assert_eq!(condition(&s, kind).map(|c| c.status.as_str()), Some(expected), "{kind}");
        }
        // Same observation later: identical status, transition times kept.
        assert_eq!(build(Some(&s), &obs, &time(200)), s);
    }

    #[test]
    fn pausing_and_paused() {
        let obs = Observation {
            live: Some(Ok(live(SimPhase::Running))),
            spec_paused: true,
            ..Observation::default()
        };
        let s = build(None, &obs, &time(1));
        assert_eq!(condition(&s, PAUSED).map(|c| c.reason.as_str()), Some("Pausing"));
        let obs = Observation { live: Some(Ok(live(SimPhase::Paused))), ..obs };
        let s2 = build(Some(&s), &obs, &time(5));
        assert_eq!(s2.phase, Some(Phase::Paused));
        let paused = condition(&s2, PAUSED).unwrap();
        assert_eq!((paused.status.as_str(), paused.last_transition_time.clone()), ("True", time(5)));
    }

    #[test]
    fn invalid_spec_and_unreachable_redis_are_explained() {
        let obs = Observation {
            invalid: vec!["bots.minReplicas (5) must not exceed bots.maxReplicas (2)".into()],
            ..Observation::default()
        };
        let s = build(None, &obs, &time(1));
        assert_eq!(s.phase, Some(Phase::Degraded));
        let degraded = condition(&s, DEGRADED).unwrap();
        assert_eq!((degraded.status.as_str(), degraded.reason.as_str()), ("True", "InvalidSpec"));
        assert!(degraded.message.contains("minReplicas (5)"));

        let obs = Observation { live: Some(Err("connection refused".into())), ..Observation::default() };
        assert_eq!(build(None, &obs, &time(1)).phase, Some(Phase::Pending));
        let running = build(
            None,
            &Observation { live: Some(Ok(live(SimPhase::Running))), ..Observation::default() },
            &time(1),
        );
        let s = build(Some(&running), &obs, &time(2));
        assert_eq!(s.phase, Some(Phase::Degraded));
        assert_eq!(s.tick, Some(42), "last known values are kept");
    }

    #[test]
    fn not_ready_workloads_name_the_cause_found_in_the_cluster() {
        use crate::causes::{Cause, Reason};
        let obs = Observation {
            live: Some(
                Err("cannot reach Redis at blue-redis.games.svc.cluster.local:6379: timed out".into()),
            ),
            not_ready: vec!["StatefulSet/blue-redis (0/1 ready)".into()],
            causes: vec![Cause {
                reason: Reason::VolumePending,
                message: "PersistentVolumeClaim data-blue-redis-0 is Pending: no default StorageClass".into(),
            }],
            ..Observation::default()
        };
        let s = build(None, &obs, &time(1));
        let ready = condition(&s, READY).unwrap();
        assert_eq!((ready.status.as_str(), ready.reason.as_str()), ("False", "VolumePending"));
        assert!(
            ready.message.starts_with("PersistentVolumeClaim data-blue-redis-0 is Pending"),
            "{}",
            ready.message
        );
        assert!(
            ready.message.ends_with("not ready yet: StatefulSet/blue-redis (0/1 ready)"),
            "{}",
            ready.message
        );
        let message = s.message.clone().unwrap();
        assert!(message.contains("blue-redis.games.svc.cluster.local:6379"), "{message}");
        assert!(message.contains("no default StorageClass"), "{message}");
        let redis = condition(&s, REDIS_READY).unwrap();
        assert!(redis.message.contains("blue-redis.games.svc.cluster.local:6379"), "{}", redis.message);

        let obs = Observation { causes: vec![], ..obs };
        assert_eq!(condition(&build(None, &obs, &time(1)), READY).unwrap().reason, "WorkloadsNotReady");
    }

    #[test]
    fn a_pending_restart_is_resetting() {
        let obs = Observation {
            live: Some(Ok(live(SimPhase::Running))),
            restart_unapplied: true,
            ..Observation::default()
        };
        assert_eq!(build(None, &obs, &time(1)).phase, Some(Phase::Resetting));
    }

    #[test]
    fn a_moving_tick_alone_is_told_apart_from_other_changes() {
        let obs = Observation { live: Some(Ok(live(SimPhase::Running))), ..Observation::default() };
        let s = build(None, &obs, &time(1));
        assert_eq!(change(None, &s), Change::Other);
        assert_eq!(change(Some(&s), &s), Change::None);
        let later = SectorUniverseStatus { tick: Some(43), ..s.clone() };
        assert_eq!(change(Some(&s), &later), Change::Minor);
        let paused = SectorUniverseStatus { phase: Some(Phase::Paused), ..later.clone() };
        assert_eq!(change(Some(&s), &paused), Change::Other);
        let untouched_tick = SectorUniverseStatus { phase: Some(Phase::Paused), ..s.clone() };
        assert_eq!(change(Some(&s), &untouched_tick), Change::Other);
    }

    #[test]
    fn the_wording_of_an_unreachable_redis_alone_is_a_minor_change() {
        let failing = |e: &str| Observation {
            live: Some(Err(format!("cannot reach Redis at blue-redis.games.svc.cluster.local:6379: {e}"))),
            ..Observation::default()
        };
        let s = build(None, &failing("failed to lookup address information"), &time(1));
        let later = build(Some(&s), &failing("no answer within 1500 ms"), &time(2));
        assert_ne!(s, later);
        assert_eq!(change(Some(&s), &later), Change::Minor);
        let reachable = build(
            Some(&s),
            &Observation { live: Some(Ok(live(SimPhase::Running))), ..Observation::default() },
            &time(3),
        );
        assert_eq!(change(Some(&s), &reachable), Change::Other);
    }

    #[test]
    fn merge_patch_nulls_absent_fields() {
        let patch =
            merge_patch(&SectorUniverseStatus { phase: Some(Phase::Running), ..Default::default() }).unwrap();
        assert_eq!(patch["status"]["phase"], "Running");
        assert!(patch["status"]["lastWinner"].is_null());
        assert!(patch["status"].as_object().unwrap().contains_key("lastWinner"));
    }
}
