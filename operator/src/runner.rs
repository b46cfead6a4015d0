//! Wires the reconciler into kube's controller runtime: watch `SectorUniverse`s and the children
//! the operator manages (a child's change or deletion triggers its universe's reconcile).
//!
//! A universe's own watch events trigger a reconcile only when its spec (generation) changed or
//! it is being deleted: the operator writes the status itself, and reacting to those writes
//! would make it re-trigger itself forever. The periodic requeue (`RESYNC_SECONDS`) covers the
//! rest.

use std::fmt::Debug;
use std::sync::Arc;

use futures::{Stream, StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod, Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, DynamicObject, ListParams};
use kube::runtime::controller::{self, Controller};
use kube::runtime::reflector::{self, ObjectRef};
use kube::runtime::{Predicate, PredicateConfig, WatchStreamExt, predicates, watcher};
use kube::{Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;

use crate::apply::AppliedCache;
use crate::cache::{Cache, Recorded, Store};
use crate::children::http_route;
use crate::controller::{Context, error_policy, reconcile};
use crate::crd::SectorUniverse;
use crate::live::Connector;
use crate::names::{FIELD_MANAGER, MANAGED_BY_LABEL};

#[derive(Debug, thiserror::Error)]
#[error(
    "cannot list SectorUniverses ({0}); is the CRD installed? (`kubectl apply -f crds/sectoruniverse.yaml` \
     or install the chart)"
)]
pub struct CrdMissing(#[source] kube::Error);

fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// Runs the controller until `shutdown` resolves.
pub async fn run<C: Connector>(
    ctx: Arc<Context<C>>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) -> Result<(), CrdMissing> {
    let client = ctx.client.clone();
    let ns = ctx.settings.watch_namespace.clone();
    let ns = ns.as_deref();
    let universes: Api<SectorUniverse> = api(&client, ns);
    universes.list(&ListParams::default().limit(1)).await.map_err(CrdMissing)?;

    let owned = watcher::Config::default().labels(&format!("{MANAGED_BY_LABEL}={FIELD_MANAGER}"));
    // The store sees every event (reconciles read the newest object from it); only the
    // triggers are filtered. A deleted universe's memory goes with it.
    let (reader, writer) = reflector::store();
    let forget = ctx.clone();
    let events = watcher(universes, watcher::Config::default().any_semantic())
        .default_backoff()
        // Reconciles read the universe from this store; its managed fields are never read.
        .modify(|su| su.metadata.managed_fields = None)
        .reflect(writer)
        .inspect_ok(move |event| {
            if let watcher::Event::Delete(su) = event {
                forget.forget(&format!("{}/{}", su.namespace().unwrap_or_default(), su.name_any()));
            }
        })
        .applied_objects();
    let routes_served = discover_http_routes(&ctx).await;
    let Cache {
        secrets,
        config_maps,
        services,
        service_accounts,
        stateful_sets,
        deployments,
        network_policies,
        ingresses,
        pod_disruption_budgets,
        roles,
        role_bindings,
        pods,
        claims,
        storage_classes,
        http_routes,
    } = ctx.cache_to_fill(routes_served);
    let controller = Controller::for_stream(triggers(events), reader)
        .with_config(controller::Config::default().concurrency(ctx.settings.concurrency));
    let controller = owns(controller, &ctx, api::<Secret>(&client, ns), &owned, secrets);
    let controller = owns(controller, &ctx, api::<ConfigMap>(&client, ns), &owned, config_maps);
    let controller = owns(controller, &ctx, api::<Service>(&client, ns), &owned, services);
    let controller = owns(controller, &ctx, api::<StatefulSet>(&client, ns), &owned, stateful_sets);
    let controller = owns(controller, &ctx, api::<Deployment>(&client, ns), &owned, deployments);
    let controller = owns(controller, &ctx, api::<NetworkPolicy>(&client, ns), &owned, network_policies);
    let controller = owns(controller, &ctx, api::<Ingress>(&client, ns), &owned, ingresses);
    let controller =
        owns(controller, &ctx, api::<PodDisruptionBudget>(&client, ns), &owned, pod_disruption_budgets);
    let controller = owns(controller, &ctx, api::<ServiceAccount>(&client, ns), &owned, service_accounts);
    let controller = owns(controller, &ctx, api::<Role>(&client, ns), &owned, roles);
    let controller = owns(controller, &ctx, api::<RoleBinding>(&client, ns), &owned, role_bindings);
    // Pods, claims and storage classes only feed the cache (the causes in the status): their
    // workload's status changes trigger the reconcile, and a universe that is not ready is
    // revisited every few seconds.
    let controller = cached_only(controller, &ctx, api::<Pod>(&client, ns), &owned, pods);
    let controller = cached_only(controller, &ctx, api::<PersistentVolumeClaim>(&client, ns), &owned, claims);
    let controller = cached_only(
        controller,
        &ctx,
        Api::<StorageClass>::all(client.clone()),
        &watcher::Config::default(),
        storage_classes,
    );
    let controller = if let Some(http_routes) = http_routes {
        let resource = http_route::resource();
        let routes: Api<DynamicObject> = match ns {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
            None => Api::all_with(client.clone(), &resource),
        };
        let stream = cached_stream(&ctx, routes, &owned, http_routes);
        controller.watches_stream_with(stream, child_mapper, resource)
    } else {
        controller
    };
    // A Redis read that ended after its reconcile moved on brings the universe back.
    let controller = match ctx.probes.take_finished() {
        Some(finished) => controller
            .reconcile_on(futures::stream::unfold(finished, |mut finished| async move {
                finished.recv().await.map(|universe| (universe, finished))
            })),
        None => controller,
    };
    tokio::spawn(report_cache_sync(ctx.clone()));
    controller
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, ctx)
        .for_each(|result| async move {
            match result {
                Ok((object, _)) => tracing::debug!(universe = %object, "reconciled"),
                Err(e) => tracing::debug!(error = %e, "reconcile error"),
            }
        })
        .await;
    Ok(())
}

/// Logs once every watch cache is listed, or which are not after a while (missing RBAC for a
/// kind keeps the operator from reconciling anything, so say so).
async fn report_cache_sync<C: Connector>(ctx: Arc<Context<C>>) {
    let started = std::time::Instant::now();
    let mut warned = false;
    loop {
        let cache = ctx.cache();
        if cache.ready() {
            tracing::info!(
                objects = cache.len(),
                took_ms = started.elapsed().as_millis() as u64,
                "watch caches listed"
            );
            return;
        }
        if !warned && started.elapsed() > std::time::Duration::from_secs(30) {
            tracing::warn!(
                unsynced = ?cache.unsynced(),
                "watch caches still not listed after 30 s: no universe is reconciled until they are (RBAC for these kinds?)"
            );
            warned = true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A watch feeding a cache (each object's record), deletions forgotten by the apply memory (so
/// a deleted child is applied again at once), errors logged.
fn cached_stream<K, C: Connector>(
    ctx: &Arc<Context<C>>,
    api: Api<K>,
    config: &watcher::Config,
    store: Store<K::Record>,
) -> impl Stream<Item = Result<K, watcher::Error>> + Send + 'static
where
    K: Resource + Recorded + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + std::hash::Hash + Clone + Send + Sync,
{
    let ctx = ctx.clone();
    watcher(api, config.clone())
        .default_backoff()
        .inspect(move |event| match event {
            Ok(event) => {
                store.apply(event);
                if let watcher::Event::Delete(child) = event {
                    let namespace = child.namespace().unwrap_or_default();
                    ctx.applied.invalidate(&AppliedCache::key(&namespace, store.kind(), &child.name_any()));
                }
            }
            Err(e) => tracing::warn!(kind = store.kind(), error = %e, "watch failed; retrying"),
        })
        .touched_objects()
}

/// Watches a child kind into the cache: a change or deletion of a child reconciles its universe.
fn owns<K, C: Connector>(
    controller: Controller<SectorUniverse>,
    ctx: &Arc<Context<C>>,
    api: Api<K>,
    config: &watcher::Config,
    store: Store<K::Record>,
) -> Controller<SectorUniverse>
where
    K: Resource<DynamicType = ()> + Recorded + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    into_cache(controller, ctx, api, config, store, child_mapper::<K>)
}

/// Watches a kind into the cache only.
fn cached_only<K, C: Connector>(
    controller: Controller<SectorUniverse>,
    ctx: &Arc<Context<C>>,
    api: Api<K>,
    config: &watcher::Config,
    store: Store<K::Record>,
) -> Controller<SectorUniverse>
where
    K: Resource<DynamicType = ()> + Recorded + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    into_cache(controller, ctx, api, config, store, |_: K| std::iter::empty())
}

/// Watches a kind into its cache store; `mapper` names the universes each event reconciles.
fn into_cache<K, C: Connector, I>(
    controller: Controller<SectorUniverse>,
    ctx: &Arc<Context<C>>,
    api: Api<K>,
    config: &watcher::Config,
    store: Store<K::Record>,
    mapper: impl Fn(K) -> I + Sync + Send + 'static,
) -> Controller<SectorUniverse>
where
    K: Resource<DynamicType = ()> + Recorded + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    I: IntoIterator<Item = ObjectRef<SectorUniverse>> + 'static,
    I::IntoIter: Send,
{
    controller.watches_stream(cached_stream(ctx, api, config, store), mapper)
}

/// Whether the cluster serves Gateway API, so HTTPRoutes can be watched: without its CRDs a
/// watch would fail forever. (Installing Gateway API later takes an operator restart to watch
/// routes; they are still applied and re-applied every `REAPPLY_SECONDS` meanwhile.)
async fn discover_http_routes<C: Connector>(ctx: &Arc<Context<C>>) -> bool {
    match ctx.gateway_api.discover(&ctx.client).await {
        Ok(true) => {
            tracing::info!("Gateway API served: watching HTTPRoutes");
            true
        }
        Ok(false) => {
            tracing::info!(
                "Gateway API not installed: HTTPRoutes are not watched (ingress.gateway needs it)"
            );
            false
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot list the API groups: HTTPRoutes are not watched");
            false
        }
    }
}

/// Maps a child's event to its owning universe.
fn child_mapper<K: Resource>(child: K) -> Vec<ObjectRef<SectorUniverse>> {
    let namespace = child.namespace().unwrap_or_default();
    child
        .owner_references()
        .iter()
        .filter(|o| o.kind == "SectorUniverse" && o.api_version.starts_with("sector.dev/"))
        .map(|o| ObjectRef::new(&o.name).within(&namespace))
        .collect()
}

/// The universe events worth a reconcile: a new generation (spec change) or a deletion starting.
/// Status writes and other metadata changes pass by (the operator uses no labels, annotations
/// or finalizers of its universes).
pub fn triggers<S>(events: S) -> impl Stream<Item = Result<SectorUniverse, watcher::Error>> + Send + 'static
where
    S: Stream<Item = Result<SectorUniverse, watcher::Error>> + Send + 'static,
{
    let deleting = |su: &SectorUniverse| Some(u64::from(su.metadata.deletion_timestamp.is_some()));
    events.predicate_filter(predicates::generation.combine(deleting), PredicateConfig::default())
}

#[cfg(test)]
mod tests {
    use futures::{StreamExt, stream};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use k8s_openapi::jiff::Timestamp;

    use super::*;
    use crate::crd::{Phase, SectorUniverseSpec, SectorUniverseStatus};

    fn universe(generation: i64, resource_version: &str) -> SectorUniverse {
        let mut su = SectorUniverse::new("blue", SectorUniverseSpec::default());
        su.metadata.namespace = Some("games".into());
        su.metadata.uid = Some("u-1".into());
        su.metadata.generation = Some(generation);
        su.metadata.resource_version = Some(resource_version.into());
        su
    }

    #[tokio::test]
    async fn status_writes_do_not_trigger_but_spec_changes_and_deletion_do() {
        let created = universe(1, "1");
        let mut status_written = universe(1, "2");
        status_written.status = Some(SectorUniverseStatus { tick: Some(9), ..Default::default() });
        let mut relabelled = universe(1, "3");
        relabelled.metadata.labels = Some([("team".to_owned(), "red".to_owned())].into());
        let mut spec_changed = universe(2, "4");
        spec_changed.spec.paused = true;
        let mut status_again = spec_changed.clone();
        status_again.metadata.resource_version = Some("5".into());
        status_again.status = Some(SectorUniverseStatus { phase: Some(Phase::Paused), ..Default::default() });
        let mut deleting = status_again.clone();
        deleting.metadata.resource_version = Some("6".into());
        deleting.metadata.deletion_timestamp = Some(Time(Timestamp::UNIX_EPOCH));

        let events = [created, status_written, relabelled, spec_changed, status_again, deleting];
        let passed: Vec<String> = triggers(stream::iter(events.map(Ok)))
            .map(|r| r.expect("no errors").metadata.resource_version.unwrap_or_default())
            .collect()
            .await;
        assert_eq!(passed, ["1", "4", "6"]);
    }
}
