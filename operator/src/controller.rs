//! The reconciler of `SectorUniverse`: a fixed pipeline per reconcile.
//!
//! 1. validate the spec (problems → Degraded condition, Warning Event, backoff);
//! 2. read the universe's credentials from the watch cache (generating missing ones);
//! 3. build every child (pure) and apply what differs from the cache with server-side apply,
//!    deleting switched-off ones the cache shows — before any Redis round trip, so a
//!    universe's objects exist while its Redis is down;
//! 4. read the live state from Redis, bounded by `REDIS_TIMEOUT_MS` and skipped while a
//!    universe's Redis is in its retry backoff; correct the bot replicas (autoscaler with a
//!    scale-down window) from it;
//! 5. carry the admin fields to the control hash (each change once, one Event each);
//! 6. write the status (only when it changed; a tick that alone moved at most every
//!    `STATUS_TICK_REFRESH_SECONDS`), naming the causes of trouble found in the cache, and an
//!    Event per phase change.
//!
//! Errors requeue with exponential backoff; a healthy universe is revisited every `resync` to
//! refresh its status and bot count. Reconciles wait until every watch cache is listed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::reflector::ObjectRef;
use kube::{Client, Resource, ResourceExt};
use sector_store::ControlStore;
use tracing::Instrument;

use crate::apply::{Applied, AppliedCache, Timing, apply_all};
use crate::autoscale::{Stabilizer, recommended};
use crate::cache::Cache;
use crate::children::{self, Credentials, Inputs};
use crate::control::{self, AdminAction};
use crate::crd::{BotReplicas, Phase, SectorUniverse, SectorUniverseStatus};
use crate::error::Error;
use crate::game_config;
use crate::gateway_api::GatewayApi;
use crate::live::{self, Connections, Connector, Live};
use crate::metrics::Metrics;
use crate::names::Component;
use crate::names::Names;
use crate::redis_probe::Probes;
use crate::settings::Settings;
use crate::status::{self, Observation};
use crate::validate;

/// Requeue while a universe is coming up.
const SHORT_REQUEUE: Duration = Duration::from_secs(5);
/// Requeue while the watch caches are being listed.
const CACHE_WAIT: Duration = Duration::from_secs(1);
/// Redis reads running at once, all universes together.
const REDIS_READS_AT_ONCE: usize = 64;
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
    pub connections: Arc<Connections<C>>,
    /// Redis reads in flight (see [`crate::redis_probe`]).
    pub probes: Probes<C::Store>,
    /// What was applied, so unchanged children are not sent again.
    pub applied: AppliedCache,
    /// Whether HTTPRoutes can exist in the cluster (the runner discovers it at start).
    pub gateway_api: GatewayApi,
    /// The watched objects (see [`crate::cache`]).
    pub cache: Mutex<Cache>,
    memory: Mutex<HashMap<String, Memory>>,
}

/// What the operator remembers about one universe between reconciles.
#[derive(Debug, Default)]
struct Memory {
    bots: Option<Stabilizer>,
    failures: u32,
    /// The status this replica last wrote.
    written: Option<WrittenStatus>,
    /// Credentials generated for a Secret the cache does not show yet (uid, credentials): the
    /// next reconcile must not generate others.
    generated: Option<(String, Credentials)>,
    /// The last live state read from the universe's Redis.
    live: Option<Live>,
    redis: RedisHealth,
}

/// How reaching a universe's Redis went lately.
#[derive(Debug, Default)]
struct RedisHealth {
    failures: u32,
    /// Not tried again before this (unless its StatefulSet became ready since).
    retry_at: Option<Instant>,
    last_error: Option<String>,
    /// Whether its StatefulSet was ready at the last failure.
    set_ready_at_failure: bool,
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
        let cache = Cache::new();
        Self {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            settings,
            metrics,
            connections: Arc::new(Connections::new(connector)),
            probes: Probes::new(REDIS_READS_AT_ONCE),
            applied: AppliedCache::default(),
            gateway_api: GatewayApi::default(),
            cache: Mutex::new(cache),
            memory: Mutex::new(HashMap::new()),
        }
    }

    /// The readers of the watch caches.
    pub fn cache(&self) -> Cache {
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// The caches for the watches (or a test) to fill, once it is known whether HTTPRoutes are
    /// watched (without Gateway API their presence is unknown).
    pub fn cache_to_fill(&self, http_routes_watched: bool) -> Cache {
        let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !http_routes_watched {
            *cache = cache.clone().without_http_routes();
        }
        cache.clone()
    }

    /// Forgets what was remembered about a universe that is gone.
    pub fn forget(&self, key: &str) {
        self.memory.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key);
        self.connections.forget(key);
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
        Err(Error::Gone) => tracing::debug!(universe = %key, "deleted while being reconciled"),
        Err(e) => tracing::warn!(universe = %key, error = %e, "reconcile failed"),
    }
    ctx.metrics.reconciled(started.elapsed().as_secs_f64(), result.as_ref().err().map(Error::metric_label));
    result
}

/// Requeue with exponential backoff per universe.
pub fn error_policy<C: Connector>(su: Arc<SectorUniverse>, error: &Error, ctx: Arc<Context<C>>) -> Action {
    if matches!(error, Error::Gone) {
        return Action::await_change();
    }
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
    ctx: &Arc<Context<C>>,
    namespace: &str,
    name: &str,
) -> Result<Action, Error> {
    let cache = ctx.cache();
    if !cache.ready() {
        tracing::debug!(unsynced = ?cache.unsynced(), "waiting for the watch caches");
        return Ok(Action::requeue(CACHE_WAIT));
    }
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

    // 2. Credentials.
    let names = Names::new(name);
    let credentials = credentials(ctx, &cache, su, &key, &names)?;

    // 3. Children, with the bot replicas last decided (corrected below from the live state).
    let remembered = ctx.memory(&key, |m| m.live.clone());
    let mut bot_played = bot_played_factions(su, remembered.as_ref());
    let mut bot_replicas = last_bots(ctx, su, &key, bot_played);
    let build = |bot_replicas: i32| {
        let inputs = Inputs {
            universe: su,
            settings: &ctx.settings,
            credentials: &credentials,
            game_config: &game_json,
            bot_replicas,
        };
        let mut wanted = children::build_all(&inputs)?;
        if !ctx.gateway_api.may_have_routes() {
            // No Gateway API in the cluster: no route to delete (a route wanted is still
            // applied, and fails with a clear message).
            wanted.retain(|c| c.resource.group != children::http_route::GROUP || c.object.is_some());
        }
        Ok::<_, Error>((wanted, children::url(&inputs)))
    };
    let (wanted, url) = build(bot_replicas)?;
    let mut applied = apply_children(ctx, &cache, namespace, &wanted).await;

    // 4. Live state.
    let redis_set_ready =
        cache.stateful_sets.get(namespace, &names.of(Component::Redis)).is_some_and(|s| s.record.ready >= 1);
    let (store, read) = read_live(ctx, su, &key, &credentials, redis_set_ready).await;
    let live = match read {
        LiveRead::Read(state) => Ok(state),
        LiveRead::Failed(error) => Err(error),
        // The read goes on in the background: meanwhile what was known stands (the last state
        // read, or the last failure), so a slow answer does not flap the status.
        LiveRead::Pending(waiting) => {
            let known =
                ctx.memory(&key, |m| m.live.clone().map(Ok).or_else(|| m.redis.last_error.clone().map(Err)));
            known.unwrap_or_else(|| {
                obs.redis_connecting = true;
                Err(waiting)
            })
        }
    };
    if let Ok(state) = &live {
        ctx.memory(&key, |m| m.live = Some(state.clone()));
        bot_played = bot_played_factions(su, Some(state));
        let corrected = decide_bots(ctx, su, &key, bot_played);
        if corrected != bot_replicas {
            bot_replicas = corrected;
            let (wanted, _) = build(bot_replicas)?;
            let again = apply_children(ctx, &cache, namespace, &wanted).await;
            applied.errors = again.errors;
            applied.not_ready = again.not_ready;
            applied.bot_replicas = again.bot_replicas;
            applied.sim_rolled_out = again.sim_rolled_out;
            applied.written.extend(again.written);
        }
    }
    obs.apply_errors = applied.errors.clone();
    obs.not_ready = applied.not_ready.clone();
    obs.url = Some(url);
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
    let previous_desired = previous.and_then(|s| s.bot_replicas.as_ref()).map(|b| b.desired);
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
    if let (Some(store), Ok(state)) = (&store, &mut live)
        && let Some((patch, actions)) = control::sync(&su.spec, &state.control, applied.sim_rolled_out)
    {
        let written = tokio::time::timeout(ctx.settings.redis_timeout, store.update_control(&patch)).await;
        let timed_out = || format!("no answer within {} ms", ctx.settings.redis_timeout.as_millis());
        match written.map_err(|_| timed_out()).and_then(|r| r.map_err(|e| e.to_string())) {
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
            Err(e) => {
                let message = format!("writing the control hash: {e}");
                redis_failed(ctx, &key, &message, redis_set_ready);
                live = Err(message);
            }
        }
    }
    if let Ok(state) = &live {
        obs.restart_unapplied = control::restart_unapplied(&su.spec, &state.control);
        // A run changed since the last status: find out who won the one that ended.
        let previous_run = previous.and_then(|s| s.run.as_deref());
        if let (Some(before), Some(now), Some(store)) = (previous_run, state.run(), &store)
            && before != now
        {
            let scan =
                tokio::time::timeout(ctx.settings.redis_timeout, live::last_winner(store, WINNER_SCAN));
            match scan.await {
                Ok(Ok(winner)) => obs.new_winner = winner,
                Ok(Err(e)) => tracing::debug!(error = %e, "could not read the last winner"),
                Err(_) => tracing::debug!("reading the last winner timed out"),
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
    let redis_down = live.is_err();
    obs.live = Some(live);

    // 6. Status, with the causes of trouble when something is not ready.
    if !obs.not_ready.is_empty() || redis_down {
        obs.causes = cache.causes(namespace, name);
    }
    let new = write_status(su, ctx, namespace, name, &obs).await?;
    if !obs.apply_errors.is_empty() {
        let message = obs.apply_errors.join("; ");
        ctx.event(su, EventType::Warning, "ApplyFailed", message.clone()).await;
        return Err(Error::Apply(message));
    }
    let retry_redis =
        ctx.memory(&key, |m| m.redis.retry_at).map(|at| at.saturating_duration_since(Instant::now()));
    Ok(match (new.phase, retry_redis) {
        (_, Some(wait)) if redis_down => {
            Action::requeue(wait.max(SHORT_REQUEUE).min(ctx.settings.resync.max(SHORT_REQUEUE)))
        }
        (Some(Phase::Running | Phase::Paused), _) if obs.not_ready.is_empty() => {
            Action::requeue(ctx.settings.resync)
        }
        _ => Action::requeue(SHORT_REQUEUE),
    })
}

/// The universe's credentials: from its Secret in the cache, else the ones generated for it a
/// moment ago (the cache trails the apply that created the Secret), else new ones.
fn credentials<C: Connector>(
    ctx: &Context<C>,
    cache: &Cache,
    su: &SectorUniverse,
    key: &str,
    names: &Names,
) -> Result<Credentials, Error> {
    let namespace = su.metadata.namespace.as_deref().unwrap_or_default();
    let uid = su.metadata.uid.clone().unwrap_or_default();
    if let Some(secret) = cache.secret(namespace, &names.secret()) {
        let credentials = Credentials::from_existing_or_generate(Some(&secret))?;
        ctx.memory(key, |m| m.generated = None);
        return Ok(credentials);
    }
    let remembered =
        ctx.memory(key, |m| m.generated.as_ref().filter(|(u, _)| *u == uid).map(|(_, c)| c.clone()));
    match remembered {
        Some(credentials) => Ok(credentials),
        None => {
            let credentials = Credentials::from_existing_or_generate(None)?;
            ctx.memory(key, |m| m.generated = Some((uid, credentials.clone())));
            Ok(credentials)
        }
    }
}

/// Registry factions no human holds; before the first snapshot every configured faction and
/// the League.
fn bot_played_factions(su: &SectorUniverse, live: Option<&Live>) -> i32 {
    live.and_then(Live::bot_played).unwrap_or(su.spec.world.factions().saturating_add(1))
}

/// The bot replicas decided last (without a new recommendation), within the spec's bounds;
/// before any decision, what the status says or what `bot_played` factions need.
fn last_bots<C: Connector>(ctx: &Context<C>, su: &SectorUniverse, key: &str, bot_played: i32) -> i32 {
    let bots = &su.spec.bots;
    let previous_desired = su.status.as_ref().and_then(|s| s.bot_replicas.as_ref()).map(|b| b.desired);
    let last = ctx.memory(key, |m| m.bots.as_ref().and_then(Stabilizer::peek)).or(previous_desired);
    last.unwrap_or_else(|| recommended(bots, bot_played))
        .clamp(bots.min_replicas(), bots.max_replicas().max(bots.min_replicas()))
}

/// The bot replicas for `bot_played` factions, after the scale-down window and within the
/// spec's bounds.
fn decide_bots<C: Connector>(ctx: &Context<C>, su: &SectorUniverse, key: &str, bot_played: i32) -> i32 {
    let recommendation = recommended(&su.spec.bots, bot_played);
    let previous_desired = su.status.as_ref().and_then(|s| s.bot_replicas.as_ref()).map(|b| b.desired);
    let window = ctx.settings.bot_scale_down_window;
    ctx.memory(key, |m| {
        let now = Instant::now();
        let stabilizer = m.bots.get_or_insert_with(|| match previous_desired {
            Some(desired) => Stabilizer::starting_at(desired, now),
            None => Stabilizer::default(),
        });
        let stabilized = stabilizer.stabilize(recommendation, now, window);
        // The spec's bounds win over remembered recommendations (e.g. maxReplicas lowered).
        stabilized
            .clamp(su.spec.bots.min_replicas(), su.spec.bots.max_replicas().max(su.spec.bots.min_replicas()))
    })
}

async fn apply_children<C: Connector>(
    ctx: &Context<C>,
    cache: &Cache,
    namespace: &str,
    wanted: &[children::Child],
) -> Applied {
    let timing = Timing { reapply: ctx.settings.reapply, cache_lag: ctx.settings.cache_lag };
    let applied = apply_all(&ctx.client, namespace, wanted, cache, &ctx.applied, timing).await;
    if applied.written.iter().any(|w| w.starts_with(children::http_route::KIND)) {
        ctx.gateway_api.set_served(true);
    }
    applied
}

/// Reads the universe's live state (see [`crate::redis_probe`]): a read takes at most
/// `REDIS_TIMEOUT_MS`, and the reconcile waits for it at most `Settings::redis_wait` (200 ms). While a
/// universe's Redis is in its retry backoff it is not tried (unless its StatefulSet became
/// ready since, which is worth a try at once). A read still running answers `Pending`.
async fn read_live<C: Connector>(
    ctx: &Arc<Context<C>>,
    su: &SectorUniverse,
    key: &str,
    credentials: &Credentials,
    redis_set_ready: bool,
) -> (Option<C::Store>, LiveRead) {
    let name = su.metadata.name.clone().unwrap_or_default();
    let namespace = su.metadata.namespace.clone().unwrap_or_default();
    let address = live::redis_address(&name, &namespace, &ctx.settings.cluster_domain);
    if !ctx.probes.pending(key) {
        let backing_off = ctx.memory(key, |m| {
            let waiting = m.redis.retry_at.is_some_and(|at| at > Instant::now());
            let news = redis_set_ready && !m.redis.set_ready_at_failure;
            (waiting && !news).then(|| m.redis.last_error.clone().unwrap_or_default())
        });
        if let Some(error) = backing_off {
            return (None, LiveRead::Failed(error));
        }
    }
    let url = live::redis_url(&name, &namespace, &ctx.settings.cluster_domain, &credentials.redis_password);
    let timeout = ctx.settings.redis_timeout;
    let (connections, store_key) = (ctx.connections.clone(), key.to_owned());
    let read = async move {
        let attempt = async {
            let store = connections.get(&store_key, &url).await.map_err(|e| e.to_string())?;
            let state = live::observe(&store).await.map_err(|e| e.to_string())?;
            Ok::<_, String>((store, state))
        };
        tokio::time::timeout(timeout, attempt)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} ms", timeout.as_millis())))
    };
    let universe = ObjectRef::new(&name).within(&namespace);
    match ctx.probes.read(key, universe, ctx.settings.redis_wait, read).await {
        Some(Ok((store, state))) => {
            ctx.memory(key, |m| m.redis = RedisHealth::default());
            (Some(store), LiveRead::Read(state))
        }
        Some(Err(e)) => {
            let message = format!("cannot reach Redis at {address}: {e}");
            tracing::debug!(error = %message, "universe redis not readable");
            redis_failed(ctx, key, &message, redis_set_ready);
            (None, LiveRead::Failed(message))
        }
        None => (None, LiveRead::Pending(format!("waiting for an answer from Redis at {address}"))),
    }
}

/// How reading a universe's Redis went.
enum LiveRead {
    Read(Live),
    Failed(String),
    /// Still running in the background.
    Pending(String),
}

/// Records a failure to reach a universe's Redis: its store is reopened next time, after a
/// backoff of 5 s, 10 s, 20 s … up to `REDIS_RETRY_MAX_SECONDS`.
fn redis_failed<C: Connector>(ctx: &Context<C>, key: &str, message: &str, redis_set_ready: bool) {
    ctx.connections.forget(key);
    let max = ctx.settings.redis_retry_max;
    ctx.memory(key, |m| {
        m.live = None;
        m.redis.failures = m.redis.failures.saturating_add(1);
        m.redis.retry_at = Some(Instant::now() + backoff(m.redis.failures).min(max));
        m.redis.last_error = Some(message.to_owned());
        m.redis.set_ready_at_failure = redis_set_ready;
    });
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
        status::Change::Minor
            if ctx
                .memory(&key, |m| m.written.as_ref().map(|w| w.at))
                .is_some_and(|at| at.elapsed() < ctx.settings.status_tick_refresh) =>
        {
            return Ok(new);
        }
        status::Change::Minor | status::Change::Other => {}
    }
    let api: Api<SectorUniverse> = Api::namespaced(ctx.client.clone(), namespace);
    let patched =
        api.patch_status(name, &PatchParams::default(), &Patch::Merge(status::merge_patch(&new)?)).await;
    match patched {
        Err(kube::Error::Api(e)) if e.code == 404 => return Err(Error::Gone),
        other => other?,
    };
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
