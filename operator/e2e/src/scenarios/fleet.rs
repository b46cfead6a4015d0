//! A fleet benchmark, run only when named (`cluster-e2e fleet`, or `operator/bench/fleet.sh`):
//! N universes (`SECTOR_FLEET_UNIVERSES`, default 100) applied at once, their Redis reachable
//! or not (`SECTOR_FLEET_REDIS` = `reachable` | `unreachable`). It reports how long until every
//! universe has all its children and a status, each universe's first-reconcile latency, the
//! settled fleet's API requests per universe per minute, and the operator's memory and CPU,
//! ending with `fleet: key=value` lines. It fails only when something is broken (no status
//! or children after a generous limit), never on a figure.
//!
//! Reachable Redis is one `redis-server` for the whole fleet (a server per universe would
//! measure Redis, not the operator): every universe's Service name maps to it and it accepts
//! each universe's password as its Secret appears. Unreachable: no Redis, names unresolvable.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::serde::de::DeserializeOwned;
use kube::api::{Api, DeleteParams, PartialObjectMeta};
use kube::runtime::watcher;
use sector_operator::crd::SectorUniverse;
use sector_operator::names::{REDIS_PASSWORD_KEY, UNIVERSE_LABEL};

/// Universes created at once.
const CREATORS: usize = 16;

use super::support::{phase, registry, wait_all_workloads_ready};
use crate::api_requests::{self, Rates};
use crate::suite::Suite;
use crate::universe_redis::UniverseRedis;
use crate::wait;

/// How long the fleet may take to start before the benchmark counts it as broken.
const LIMIT: Duration = Duration::from_secs(15 * 60);
/// After settling, so the last status updates of the start are not measured.
const QUIET: Duration = Duration::from_secs(30);
const WINDOW: Duration = Duration::from_secs(60);
const NAMESPACE: &str = "e2e-fleet";

/// When the universe watch saw each universe: first at all, and first with a phase.
#[derive(Debug, Clone)]
struct Seen {
    created: Instant,
    status: Option<Instant>,
    phase: String,
}

type SeenMap = Arc<Mutex<BTreeMap<String, Seen>>>;

pub async fn run(s: &mut Suite) -> Result<()> {
    let count: usize =
        std::env::var("SECTOR_FLEET_UNIVERSES").ok().and_then(|n| n.parse().ok()).unwrap_or(100);
    let mode = std::env::var("SECTOR_FLEET_REDIS").unwrap_or_else(|_| "reachable".into());
    let reachable = match mode.as_str() {
        "reachable" => true,
        "unreachable" => false,
        other => bail!("SECTOR_FLEET_REDIS={other}: reachable or unreachable"),
    };
    if count == 0 {
        bail!("SECTOR_FLEET_UNIVERSES must be at least 1");
    }
    // Measured as deployed: the chart's default resync and windows, not the suite's short ones
    // (the settled fleet's reads follow the resync). Same identity, so it holds the Lease at once.
    let chart_defaults = s.chart_default_env().await?;
    let suite_env = std::mem::replace(&mut s.launch.env, chart_defaults);
    let measured = async {
        restart_operators(s).await?;
        fleet(s, count, reachable, &mode).await
    }
    .await;
    if measured.is_err() {
        // Not waited for: a following run's setup removes what is left.
        let api: Api<Namespace> = Api::all(s.client.clone());
        let _ = api.delete(&format!("{NAMESPACE}-{mode}"), &DeleteParams::default()).await;
    }
    s.launch.env = suite_env;
    restart_operators(s).await?;
    measured
}

/// The suite's operator replicas, stopped and started again with `s.launch` as it is now.
async fn restart_operators(s: &mut Suite) -> Result<()> {
    let identities: Vec<String> = s.operators.iter().map(|o| o.identity.clone()).collect();
    for mut operator in s.operators.drain(..) {
        operator.stop().await?;
    }
    for identity in identities {
        s.start_operator(&identity).await?;
    }
    Ok(())
}

async fn fleet(s: &mut Suite, count: usize, reachable: bool, mode: &str) -> Result<()> {
    // One namespace per mode: the next run does not wait for this one's deletion.
    let ns = s.namespace(&format!("{NAMESPACE}-{mode}")).await?;
    let names: Vec<String> = (0..count).map(|i| format!("u{i:04}")).collect();

    // Watched from before the apply, so each universe's first event is its creation.
    let seen: SeenMap = Arc::default();
    let (listed, watch_ready) = tokio::sync::oneshot::channel();
    let watch = tokio::spawn(watch_universes(s.universes(&ns), seen.clone(), listed));
    watch_ready.await.context("the universe watch ended before listing")?;

    let (redis, passwords) = if reachable {
        let redis = s.shared_redis(&ns, &names).await?;
        // One running simulation: every universe reads the same keys, which is fine here.
        redis
            .play_sim("run-1", 1, "running", &registry(5).iter().map(String::as_str).collect::<Vec<_>>())
            .await?;
        let secrets: Api<Secret> = Api::namespaced(s.client.clone(), &ns);
        let passwords = tokio::spawn(accept_passwords(secrets, redis.connection().await?));
        (Some(redis), Some(passwords))
    } else {
        (None, None)
    };

    let (children, child_watches) = ChildWatch::start(s, &ns).await?;

    // Created CREATORS at a time, as a GitOps tool syncing a folder of universes does
    // (`kubectl apply` sends one object after another: 83 s for 1,000 here).
    let applied = Instant::now();
    let universes = s.universes(&ns);
    let created: Vec<kube::Result<SectorUniverse>> = futures::stream::iter(&names)
        .map(|name| {
            let universe = SectorUniverse::new(name, Default::default());
            let universes = universes.clone();
            async move { universes.create(&Default::default(), &universe).await }
        })
        .buffer_unordered(CREATORS)
        .collect()
        .await;
    if let Some(Err(e)) = created.into_iter().find(Result::is_err) {
        bail!("creating the universes: {e}");
    }
    let apply_seconds = applied.elapsed().as_secs_f64();
    println!("{count} universes created ({CREATORS} requests at a time) in {apply_seconds:.1} s");

    // Children are counted once a second (at that resolution) from their watches; statuses
    // come from the universe watch.
    let mut children_done: BTreeMap<String, f64> = BTreeMap::new();
    let everything_seconds = loop {
        let complete = children.complete();
        let at = applied.elapsed().as_secs_f64();
        for name in complete {
            children_done.entry(name).or_insert(at);
        }
        let statuses = seen.lock().unwrap().values().filter(|v| v.status.is_some()).count();
        if children_done.len() >= count && statuses >= count {
            break at;
        }
        if applied.elapsed() > LIMIT {
            // What a starved fleet looks like is a result too: say who is still waiting.
            let seen = seen.lock().unwrap();
            let waiting: Vec<&str> = names
                .iter()
                .filter(|n| {
                    !children_done.contains_key(*n) || seen.get(*n).is_none_or(|v| v.status.is_none())
                })
                .map(String::as_str)
                .collect();
            println!("fleet: universes={count}");
            println!("fleet: redis={mode}");
            println!("fleet: with_children_after_limit={}", children_done.len());
            println!("fleet: with_status_after_limit={statuses}");
            bail!(
                "after {LIMIT:?}: {}/{count} universes have all their children, {statuses}/{count} a status; \
                 waiting: {}",
                children_done.len(),
                waiting.join(" ")
            );
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    println!(
        "{count} universes have all their children and a status {everything_seconds:.1} s after the apply"
    );
    let first: BTreeMap<String, Seen> = seen.lock().unwrap().clone();
    // First-reconcile latency: from the universe's creation (as the watch saw it) to its first
    // status.
    let mut latencies: Vec<(f64, &str)> = first
        .iter()
        .filter_map(|(name, v)| {
            Some((v.status?.duration_since(v.created).as_secs_f64() * 1000.0, name.as_str()))
        })
        .collect();
    latencies.sort_by(|a, b| a.0.total_cmp(&b.0));
    let rank =
        |p: f64| latencies[((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1];
    let (median, p95, slowest) = (rank(0.5), rank(0.95), rank(1.0));
    let all_status_seconds = first
        .values()
        .filter_map(|v| v.status)
        .map(|t| t.saturating_duration_since(applied).as_secs_f64())
        .fold(0.0, f64::max);
    let all_children_seconds = children_done.values().copied().fold(0.0, f64::max);

    // Settled: every universe Running (reachable; unreachable ones stay Pending), and the
    // controllers done with their pods, so neither is still writing for the start.
    if reachable {
        let seen = &seen;
        wait::until(&format!("{count} universes Running"), LIMIT, || async move {
            let running = seen.lock().unwrap().values().filter(|v| v.phase == "Running").count();
            Ok(if running == count { Ok(()) } else { Err(format!("{running}/{count} Running")) })
        })
        .await?;
    }
    // Quick (`SECTOR_FLEET_QUICK=1`): the operator's own figures only. Waiting for the
    // controllers and kwok to run thousands of pods takes a quarter of an hour at 1,000
    // universes, and the requests of an unsettled fleet say nothing; they are not measured.
    let quick = std::env::var("SECTOR_FLEET_QUICK").is_ok_and(|v| v == "1");
    if !quick {
        wait_all_workloads_ready(s, &ns, LIMIT).await?;
    }
    let settled_seconds = applied.elapsed().as_secs_f64();
    println!("settled {settled_seconds:.1} s after the apply; measuring in {QUIET:?}");
    tokio::time::sleep(QUIET).await;

    let operator = s.operators.first().context("no operator running")?;
    let at_settle = operator.usage()?;
    let before = api_requests::read(s).await?;
    tokio::time::sleep(WINDOW).await;
    let after = if quick { before.clone() } else { api_requests::read(s).await? };
    let operator = s.operators.first().context("no operator running")?;
    let at_end = operator.usage()?;
    let rates = Rates::between(&before, &after, count, WINDOW);
    println!("settled fleet, {count} universes, requests per universe per minute (verb resource):");
    rates.print();
    let phases: BTreeMap<String, usize> = seen.lock().unwrap().values().fold(BTreeMap::new(), |mut m, v| {
        *m.entry(v.phase.clone()).or_insert(0) += 1;
        m
    });

    let cpu_in_window = at_end.cpu_seconds - at_settle.cpu_seconds;
    let mib = |kib: u64| kib as f64 / 1024.0;
    let mut report = vec![
        format!("universes={count}"),
        format!("redis={mode}"),
        format!("resync_seconds={}", s.launch.chart_env("RESYNC_SECONDS")?),
        format!("apply_seconds={apply_seconds:.1}"),
        format!("all_children_and_status_seconds={everything_seconds:.1}"),
        format!("all_children_seconds={all_children_seconds:.1}"),
        format!("all_status_seconds={all_status_seconds:.3}"),
        format!("first_reconcile_ms_min={:.0}", latencies[0].0),
        format!("first_reconcile_ms_median={:.0}", median.0),
        format!("first_reconcile_ms_p95={:.0}", p95.0),
        format!("first_reconcile_ms_max={:.0}", slowest.0),
        format!("first_reconcile_slowest={}", slowest.1),
        format!("first_reconcile_max_over_median={:.2}", slowest.0 / median.0.max(1.0)),
        format!("settled_seconds={settled_seconds:.1}"),
        format!("phases={}", phases.iter().map(|(p, n)| format!("{p}:{n}")).collect::<Vec<_>>().join(",")),
        format!("quick={quick}"),
        format!("writes_per_universe_minute={:.3}", rates.writes),
        format!("reads_per_universe_minute={:.3}", rates.reads),
    ];
    report.extend(
        rates.rows.iter().map(|(verb, resource, rate)| format!("requests.{verb}.{resource}={rate:.3}")),
    );
    report.extend([
        format!("operator_rss_mib={:.1}", mib(at_end.rss_kib)),
        format!("operator_peak_rss_mib={:.1}", mib(at_end.peak_rss_kib)),
        format!("operator_cpu_seconds_at_settle={:.2}", at_settle.cpu_seconds),
        format!("operator_cpu_seconds_in_window={cpu_in_window:.2}"),
        format!("operator_cpu_percent_in_window={:.1}", cpu_in_window / WINDOW.as_secs_f64() * 100.0),
    ]);

    watch.abort();
    child_watches.iter().for_each(tokio::task::JoinHandle::abort);
    if let Some(passwords) = passwords {
        passwords.abort();
    }
    drop(redis);
    // The figures first: deleting a large fleet (the garbage collector, thousands of pods) takes
    // minutes.
    for line in report {
        println!("fleet: {line}");
    }
    // Kept (`SECTOR_FLEET_KEEP=1`): the settled fleet stays for experiments with the operator
    // run by hand (allocator, cache settings) until the next suite run removes it.
    if std::env::var("SECTOR_FLEET_KEEP").is_ok_and(|v| v == "1") {
        println!("fleet: kept namespace {ns}");
        return Ok(());
    }
    if quick {
        let api: Api<Namespace> = Api::all(s.client.clone());
        api.delete(&ns, &DeleteParams::default()).await?;
        return Ok(());
    }
    let deleted = Instant::now();
    delete_namespace(s, &ns).await?;
    println!("fleet: delete_seconds={:.1}", deleted.elapsed().as_secs_f64());
    Ok(())
}

/// Records, per universe, when it was first seen and first had a phase, and its latest phase.
async fn watch_universes(api: Api<SectorUniverse>, seen: SeenMap, listed: tokio::sync::oneshot::Sender<()>) {
    let mut listed = Some(listed);
    let mut events = watcher(api, watcher::Config::default()).boxed();
    while let Some(event) = events.next().await {
        let now = Instant::now();
        let su = match event {
            Ok(watcher::Event::Apply(su) | watcher::Event::InitApply(su)) => su,
            Ok(watcher::Event::InitDone) => {
                if let Some(listed) = listed.take() {
                    let _ = listed.send(());
                }
                continue;
            }
            // Deletions, restarts of the watch, and errors (the watcher retries).
            _ => continue,
        };
        let Some(name) = su.metadata.name.clone() else { continue };
        let has_phase = su.status.as_ref().is_some_and(|s| s.phase.is_some());
        let mut seen = seen.lock().unwrap();
        let entry = seen.entry(name).or_insert(Seen { created: now, status: None, phase: String::new() });
        if has_phase && entry.status.is_none() {
            entry.status = Some(now);
        }
        entry.phase = phase(&su);
    }
}

/// Adds each universe's Redis password to the shared server as its Secret appears.
async fn accept_passwords(secrets: Api<Secret>, mut connection: redis::aio::MultiplexedConnection) {
    let config = watcher::Config::default().labels(UNIVERSE_LABEL);
    let mut events = watcher(secrets, config).boxed();
    let mut accepted = BTreeSet::new();
    while let Some(event) = events.next().await {
        let Ok(watcher::Event::Apply(secret) | watcher::Event::InitApply(secret)) = event else { continue };
        let Some(password) = secret.data.as_ref().and_then(|d| d.get(REDIS_PASSWORD_KEY)) else { continue };
        let password = String::from_utf8_lossy(&password.0).into_owned();
        if accepted.insert(password.clone())
            && let Err(e) = UniverseRedis::accept_password(&mut connection, &password).await
        {
            println!("could not add a universe's password to the shared Redis: {e:#}");
        }
    }
}

/// The children each universe has, by kind, as metadata watches see them. Watched rather than
/// listed every second: at 1,000 universes those lists (14,000 objects a second) were load on
/// the API server the operator competes for, which no real deployment has.
#[derive(Clone, Default)]
struct ChildWatch {
    seen: Arc<Mutex<BTreeMap<String, ChildNames>>>,
    /// The kinds every universe of the fleet has, and how many of each.
    wanted: Vec<(&'static str, usize)>,
}

/// One universe's children: names by kind.
type ChildNames = BTreeMap<&'static str, BTreeSet<String>>;

impl ChildWatch {
    /// Starts one metadata watch per child kind a minimal universe gets (14 objects of 9
    /// kinds); resolves once every one has listed.
    async fn start(s: &Suite, ns: &str) -> Result<(Self, Vec<tokio::task::JoinHandle<()>>)> {
        let mut children = Self::default();
        let mut listed = Vec::new();
        let mut tasks = Vec::new();
        macro_rules! watch {
            ($($kind:ty: $count:expr),*) => {
                children.wanted = vec![$((stringify!($kind), $count)),*];
                $({
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    let api: Api<PartialObjectMeta<$kind>> = Api::namespaced(s.client.clone(), ns);
                    tasks.push(tokio::spawn(children.clone().follow(stringify!($kind), api, tx)));
                    listed.push(rx);
                })*
            };
        }
        watch!(
            ConfigMap: 1,
            Deployment: 4,
            NetworkPolicy: 1,
            Role: 1,
            RoleBinding: 1,
            Secret: 1,
            Service: 3,
            ServiceAccount: 1,
            StatefulSet: 1
        );
        for rx in listed {
            rx.await.context("a child watch ended before listing")?;
        }
        Ok((children, tasks))
    }

    async fn follow<K>(
        self,
        kind: &'static str,
        api: Api<PartialObjectMeta<K>>,
        listed: tokio::sync::oneshot::Sender<()>,
    ) where
        K: kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
            + Clone
            + DeserializeOwned
            + Debug
            + Send
            + Sync
            + 'static,
    {
        let mut listed = Some(listed);
        let config = watcher::Config::default().labels(UNIVERSE_LABEL);
        let mut events = watcher(api, config).boxed();
        while let Some(event) = events.next().await {
            let (object, present) = match event {
                Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)) => (o, true),
                Ok(watcher::Event::Delete(o)) => (o, false),
                Ok(watcher::Event::InitDone) => {
                    if let Some(listed) = listed.take() {
                        let _ = listed.send(());
                    }
                    continue;
                }
                Ok(watcher::Event::Init) | Err(_) => continue,
            };
            let Some(universe) = object.metadata.labels.as_ref().and_then(|l| l.get(UNIVERSE_LABEL)) else {
                continue;
            };
            let name = object.metadata.name.clone().unwrap_or_default();
            let mut all = self.seen.lock().unwrap();
            let names = all.entry(universe.clone()).or_default().entry(kind).or_default();
            if present {
                names.insert(name);
            } else {
                names.remove(&name);
            }
        }
    }

    /// The universes that have every child.
    fn complete(&self) -> BTreeSet<String> {
        let all = self.seen.lock().unwrap();
        all.iter()
            .filter(|(_, kinds)| {
                self.wanted.iter().all(|(kind, wanted)| kinds.get(kind).map_or(0, BTreeSet::len) >= *wanted)
            })
            .map(|(universe, _)| universe.clone())
            .collect()
    }
}

/// Deletes the fleet and waits until it is gone, so a following run starts on a clean cluster.
async fn delete_namespace(s: &Suite, ns: &str) -> Result<()> {
    let api: Api<Namespace> = Api::all(s.client.clone());
    api.delete(ns, &DeleteParams::default()).await?;
    let api = &api;
    wait::until(&format!("namespace {ns} to go"), LIMIT, || async move {
        Ok(match api.get_opt(ns).await? {
            None => Ok(()),
            Some(_) => Err("still terminating".to_owned()),
        })
    })
    .await
}
