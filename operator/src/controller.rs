//! The reconciler of `SectorUniverse`: a fixed pipeline per reconcile.
//!
//! 1. validate the spec (problems → Degraded condition, Warning Event, backoff);
//! 2. read the universe's credentials (generating missing ones) and its live state from Redis;
//! 3. decide the bot replicas (autoscaler with a scale-down window);
//! 4. build every child (pure) and apply it with server-side apply, deleting switched-off ones;
//! 5. carry the admin fields to the control hash (each change once, one Event each);
//! 6. write the status (only when it changed; a tick that alone moved at most every
//!    `STATUS_TICK_REFRESH_SECONDS`) and an Event per phase change.
//!
//! Errors requeue with exponential backoff; a healthy universe is revisited every `resync` to
//! refresh its status and bot count.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::{Client, Resource, ResourceExt};
use sector_store::ControlStore;
use tracing::Instrument;

use crate::apply::{AppliedCache, apply_all};
use crate::autoscale::{Stabilizer, recommended};
use crate::children::{self, Credentials, Inputs};
use crate::control::{self, AdminAction};
use crate::crd::{BotReplicas, Phase, SectorUniverse, SectorUniverseStatus};
use crate::error::Error;
use crate::game_config;
use crate::gateway_api::GatewayApi;
use crate::live::{self, Connections, Connector, Live};
use crate::metrics::Metrics;
use crate::names::Names;
use crate::settings::Settings;
use crate::status::{self, Observation};
use crate::validate;

/// Requeue while a universe is coming up or its Redis is unreachable.
const SHORT_REQUEUE: Duration = Duration::from_secs(5);
/// Backoff bounds after errors.
const BACKOFF_MIN: Duration = Duration::from_secs(5);
const BACKOFF_MAX: Duration = Duration::from_secs(300);
/// Events scanned for the last `run_end` when a run changed.
const WINNER_SCAN: usize = 2000;

/// Shared by every reconcile.
pub struct Context<C: Connector> {
    pub client: Client,
    pub settings: Settings,
    pub recorder: Recorder,
    pub metrics: Arc<Metrics>,
    pub connections: Connections<C>,
    /// What was applied, so unchanged children are not sent again.
    pub applied: AppliedCache,
    /// Whether HTTPRoutes can exist in the cluster (the runner discovers it at start).
    pub gateway_api: GatewayApi,
    memory: Mutex<HashMap<String, Memory>>,
}

/// What the operator remembers about one universe between reconciles.
#[derive(Debug, Default)]
struct Memory {
    bots: Option<Stabilizer>,
    failures: u32,
    /// The status this replica last wrote.
    written: Option<WrittenStatus>,
}

/// A status write of this replica: when (paces the tick-only refreshes) and what, for the
/// universe with this uid (the watch cache may not have caught up with it at the next reconcile,
/// and deciding from the older status would repeat phase-change and scaling Events).
#[derive(Debug)]
struct WrittenStatus {
    at: Instant,
    uid: String,
    status: SectorUniverseStatus,
}

impl<C: Connector> Context<C> {
    pub fn new(client: Client, settings: Settings, connector: C, metrics: Arc<Metrics>) -> Self {
        let reporter =
            Reporter { controller: "sector-operator".into(), instance: Some(settings.pod_name.clone()) };
        Self {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            settings,
            metrics,
            connections: Connections::new(connector),
            applied: AppliedCache::default(),
            gateway_api: GatewayApi::default(),
            memory: Mutex::new(HashMap::new()),
        }
    }

    /// The universe with the status this replica last wrote when that is newer than the watch
    /// cache's copy (only the leader writes the status, so its own last write is the latest).
    fn with_latest_status(&self, su: &SectorUniverse, key: &str) -> SectorUniverse {
        let mut su = su.clone();
        let uid = su.metadata.uid.clone();
        let written = self.memory(key, |m| {
            m.written.as_ref().filter(|w| Some(&w.uid) == uid.as_ref()).map(|w| w.status.clone())
        });
        if let Some(status) = written {
            su.status = Some(status);
        }
        su
    }

    fn memory<T>(&self, key: &str, f: impl FnOnce(&mut Memory) -> T) -> T {
        let mut map = self.memory.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(map.entry(key.to_owned()).or_default())
    }

    async fn event(&self, su: &SectorUniverse, type_: EventType, reason: &str, note: String) {
        self.event_with_action(su, type_, reason, reason, note).await;
    }

    /// An Event whose `action` tells it apart from others of the same reason: kube's recorder
    /// folds Events with the same reason and action into one series (keeping the first note), so
    /// e.g. each phase change needs an action of its own to be recorded as itself.
    async fn event_with_action(
        &self,
        su: &SectorUniverse,
        type_: EventType,
        reason: &str,
        action: &str,
        note: String,
    ) {
        let event =
            Event { type_, reason: reason.into(), note: Some(note), action: action.into(), secondary: None };
        if let Err(e) = self.recorder.publish(&event, &su.object_ref(&())).await {
            // Events are for humans; failing to record one must not fail the reconcile.
            tracing::warn!(error = %e, reason, "could not record an event");
        }
    }
}

/// Reconciles one universe (the entry point the controller runtime calls).
pub async fn reconcile<C: Connector>(su: Arc<SectorUniverse>, ctx: Arc<Context<C>>) -> Result<Action, Error> {
    let started = Instant::now();
    let name = su.metadata.name.clone().ok_or(Error::MissingMetadata("name"))?;
    let namespace = su.metadata.namespace.clone().ok_or(Error::MissingMetadata("namespace"))?;
    let span = tracing::info_span!("reconcile", universe = %name, namespace = %namespace);
    let key = format!("{namespace}/{name}");
    let su = ctx.with_latest_status(&su, &key);
    let result = reconcile_inner(&su, &ctx, &namespace, &name).instrument(span).await;
    match &result {
        Ok(_) => ctx.memory(&key, |m| m.failures = 0),
        Err(e) => tracing::warn!(universe = %key, error = %e, "reconcile failed"),
    }
    ctx.metrics.reconciled(started.elapsed().as_secs_f64(), result.as_ref().err().map(Error::metric_label));
    result
}

/// Requeue with exponential backoff per universe.
pub fn error_policy<C: Connector>(su: Arc<SectorUniverse>, _error: &Error, ctx: Arc<Context<C>>) -> Action {
    let key = format!("{}/{}", su.namespace().unwrap_or_default(), su.name_any());
    let failures = ctx.memory(&key, |m| {
        m.failures = m.failures.saturating_add(1);
        m.failures
    });
    Action::requeue(backoff(failures))
}

/// Delay after the `failures`-th consecutive failure: 5 s, 10 s, 20 s, ... up to 5 minutes.
pub fn backoff(failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
    BACKOFF_MIN.saturating_mul(factor).min(BACKOFF_MAX)
}

async fn reconcile_inner<C: Connector>(
    su: &SectorUniverse,
    ctx: &Context<C>,
    namespace: &str,
    name: &str,
) -> Result<Action, Error> {
    let key = format!("{namespace}/{name}");
    let previous = su.status.as_ref();
    let mut obs = Observation {
        generation: su.metadata.generation,
        spec_paused: su.spec.paused,
        ..Observation::default()
    };

    // 1. Validate.
    let problems = validate::problems(su);
    let game = match game_config::game_config(&su.spec.world) {
        Ok(game) if problems.is_empty() => Some(game),
        _ => None,
    };
    let Some(game) = game else {
        obs.invalid = problems.clone();
        let message = problems.join("; ");
        let already_reported =
            previous.and_then(|s| status::condition(s, status::DEGRADED)).is_some_and(|c| {
                c.reason == "InvalidSpec" && c.message == message && c.observed_generation == obs.generation
            });
        if !already_reported {
            ctx.event(su, EventType::Warning, "InvalidSpec", message.clone()).await;
        }
        write_status(su, ctx, namespace, name, &obs).await?;
        return Err(Error::InvalidSpec(message));
    };
    let game_json = game_config::game_config_json(&game)?;

    // 2. Credentials and live state.
    let names = Names::new(name);
    let secrets: Api<Secret> = Api::namespaced(ctx.client.clone(), namespace);
    let existing = secrets.get_opt(&names.secret()).await?;
    let credentials = Credentials::from_existing_or_generate(existing.as_ref())?;
    let url = live::redis_url(name, namespace, &ctx.settings.cluster_domain, &credentials.redis_password);
    let store = ctx.connections.get(&key, &url).await;
    let live = match &store {
        Ok(store) => live::observe(store).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };

    // 3. Bot replicas.
    let configured = su.spec.world.factions();
    // Before the first snapshot every configured faction and the League are bot-played.
    let bot_played = live.as_ref().ok().and_then(Live::bot_played).unwrap_or(configured.saturating_add(1));
    let recommendation = recommended(&su.spec.bots, bot_played);
    let previous_desired = previous.and_then(|s| s.bot_replicas.as_ref()).map(|b| b.desired);
    let window = ctx.settings.bot_scale_down_window;
    let bot_replicas = ctx.memory(&key, |m| {
        let now = Instant::now();
        let stabilizer = m.bots.get_or_insert_with(|| match previous_desired {
            Some(desired) => Stabilizer::starting_at(desired, now),
            None => Stabilizer::default(),
        });
        let stabilized = stabilizer.stabilize(recommendation, now, window);
        // The spec's bounds win over remembered recommendations (e.g. maxReplicas lowered).
        stabilized
            .clamp(su.spec.bots.min_replicas(), su.spec.bots.max_replicas().max(su.spec.bots.min_replicas()))
    });

    // 4. Children.
    let inputs = Inputs {
        universe: su,
        settings: &ctx.settings,
        credentials: &credentials,
        game_config: &game_json,
        bot_replicas,
    };
    let mut wanted = children::build_all(&inputs)?;
    if !ctx.gateway_api.may_have_routes() {
        // No Gateway API in the cluster: no route to delete (a route wanted is still applied,
        // and fails with a clear message).
        wanted.retain(|c| c.resource.group != children::http_route::GROUP || c.object.is_some());
    }
    let applied = apply_all(&ctx.client, namespace, &wanted, &ctx.applied, ctx.settings.reapply).await;
    if applied.written.iter().any(|w| w.starts_with(children::http_route::KIND)) {
        ctx.gateway_api.set_served(true);
    }
    obs.apply_errors = applied.errors.clone();
    obs.not_ready = applied.not_ready.clone();
    obs.url = Some(children::url(&inputs));
    obs.bots = Some(BotReplicas {
        desired: bot_replicas,
        current: applied.bot_replicas,
        bot_played_factions: bot_played,
    });
    for child in &applied.deleted {
        ctx.event(
            su,
            EventType::Normal,
            "ChildDeleted",
            format!("{child} deleted: switched off in the spec"),
        )
        .await;
    }
    if previous_desired.is_some_and(|d| d != bot_replicas) || (previous_desired.is_none() && bot_replicas > 0)
    {
        let note = format!(
            "bot replicas {} → {bot_replicas} ({bot_played} bot-played factions)",
            previous_desired.unwrap_or(0)
        );
        let action = format!("ScaleTo{bot_replicas}");
        ctx.event_with_action(su, EventType::Normal, "BotsScaled", &action, note).await;
    }

    // 5. Admin fields → control hash.
    let mut live = live;
    if let (Ok(store), Ok(state)) = (&store, &mut live)
        && let Some((patch, actions)) = control::sync(&su.spec, &state.control, applied.sim_rolled_out)
    {
        match store.update_control(&patch).await {
            Ok(()) => {
                for action in &actions {
                    record_action(su, ctx, action).await;
                }
                // Reflect what was written, so this status already shows the intent.
                state.control.paused = patch.paused.unwrap_or(state.control.paused);
                state.control.bots_only = patch.bots_only.unwrap_or(state.control.bots_only);
                state.control.restart_generation =
                    patch.restart_generation.unwrap_or(state.control.restart_generation);
            }
            Err(e) => live = Err(format!("writing the control hash: {e}")),
        }
    }
    if let Ok(state) = &live {
        obs.restart_unapplied = control::restart_unapplied(&su.spec, &state.control);
        // A run changed since the last status: find out who won the one that ended.
        let previous_run = previous.and_then(|s| s.run.as_deref());
        if let (Some(before), Some(now), Ok(store)) = (previous_run, state.run(), &store)
            && before != now
        {
            match live::last_winner(store, WINNER_SCAN).await {
                Ok(winner) => obs.new_winner = winner,
                Err(e) => tracing::debug!(error = %e, "could not read the last winner"),
            }
        }
        let applied_before = previous.and_then(|s| s.applied_restart_generation).unwrap_or(0);
        if let Some(applied_now) = state.control.status.applied_restart_generation
            && applied_now > applied_before
        {
            let note = format!("restartGeneration {applied_now} applied: run {}", state.run().unwrap_or("?"));
            ctx.event(su, EventType::Normal, "RestartApplied", note).await;
        }
    }
    obs.live = Some(live);
    if let Some(Err(e)) = &obs.live {
        // A store that fails is reconnected next time.
        tracing::debug!(error = %e, "universe redis not readable");
        ctx.connections.forget(&key);
    }

    // 6. Status.
    let new = write_status(su, ctx, namespace, name, &obs).await?;
    if !obs.apply_errors.is_empty() {
        let message = obs.apply_errors.join("; ");
        ctx.event(su, EventType::Warning, "ApplyFailed", message.clone()).await;
        return Err(Error::Apply(message));
    }
    Ok(match new.phase {
        Some(Phase::Running | Phase::Paused) if obs.not_ready.is_empty() => {
            Action::requeue(ctx.settings.resync)
        }
        _ => Action::requeue(SHORT_REQUEUE),
    })
}

async fn record_action<C: Connector>(su: &SectorUniverse, ctx: &Context<C>, action: &AdminAction) {
    tracing::info!(action = action.reason(), "admin action written to the control hash");
    ctx.metrics.admin_action(action.reason());
    ctx.event(su, EventType::Normal, action.reason(), action.note()).await;
}

/// Builds the status; patches it and records a phase-change Event when it differs.
async fn write_status<C: Connector>(
    su: &SectorUniverse,
    ctx: &Context<C>,
    namespace: &str,
    name: &str,
    obs: &Observation,
) -> Result<SectorUniverseStatus, Error> {
    let previous = su.status.as_ref();
    let new = status::build(previous, obs, &Time(Timestamp::now()));
    let key = format!("{namespace}/{name}");
    match status::change(previous, &new) {
        status::Change::None => return Ok(new),
        // Writing every tick would cost a write per universe per resync for nothing but a
        // number; with no write remembered (a new leader), refresh once.
        status::Change::TickOnly
            if ctx
                .memory(&key, |m| m.written.as_ref().map(|w| w.at))
                .is_some_and(|at| at.elapsed() < ctx.settings.status_tick_refresh) =>
        {
            return Ok(new);
        }
        status::Change::TickOnly | status::Change::Other => {}
    }
    let api: Api<SectorUniverse> = Api::namespaced(ctx.client.clone(), namespace);
    api.patch_status(name, &PatchParams::default(), &Patch::Merge(status::merge_patch(&new)?)).await?;
    let uid = su.metadata.uid.clone().unwrap_or_default();
    ctx.memory(&key, |m| {
        m.written = Some(WrittenStatus { at: Instant::now(), uid, status: new.clone() });
    });
    let before = previous.and_then(|s| s.phase);
    if before != new.phase
        && let Some(phase) = new.phase
    {
        let from = before.map_or("new", Phase::as_str);
        let type_ = if phase == Phase::Degraded { EventType::Warning } else { EventType::Normal };
        let note = format!("{from} → {phase}: {}", new.message.as_deref().unwrap_or_default());
        ctx.event_with_action(su, type_, "PhaseChanged", phase.as_str(), note).await;
    }
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        assert_eq!(backoff(1), Duration::from_secs(5));
        assert_eq!(backoff(2), Duration::from_secs(10));
        assert_eq!(backoff(4), Duration::from_secs(40));
        assert_eq!(backoff(30), Duration::from_secs(300));
        assert_eq!(backoff(0), Duration::from_secs(5));
    }
}
