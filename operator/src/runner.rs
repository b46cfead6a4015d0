//! Wires the reconciler into kube's controller runtime: watch `SectorUniverse`s and the children
//! the operator manages (a child's change or deletion triggers its universe's reconcile).
//!
//! A universe's own watch events trigger a reconcile only when its spec (generation) changed or
//! it is being deleted: the operator writes the status itself, and reacting to those writes
//! would make it re-trigger itself forever. The periodic requeue (`RESYNC_SECONDS`) covers the
//! rest.

use std::fmt::Debug;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, DynamicObject, ListParams};
use kube::runtime::controller::{self, Controller};
use kube::runtime::reflector::{self, ObjectRef};
use kube::runtime::{Predicate, PredicateConfig, WatchStreamExt, predicates, watcher};
use kube::{Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;

use crate::apply::AppliedCache;
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
    // triggers are filtered.
    let (reader, writer) = reflector::store();
    let events = watcher(universes, watcher::Config::default().any_semantic())
        .default_backoff()
        .reflect(writer)
        .applied_objects();
    let controller = Controller::for_stream(triggers(events), reader)
        .with_config(controller::Config::default().concurrency(ctx.settings.concurrency));
    let controller = owns::<Secret, C>(controller, &ctx, ns, &owned);
    let controller = owns::<ConfigMap, C>(controller, &ctx, ns, &owned);
    let controller = owns::<Service, C>(controller, &ctx, ns, &owned);
    let controller = owns::<StatefulSet, C>(controller, &ctx, ns, &owned);
    let controller = owns::<Deployment, C>(controller, &ctx, ns, &owned);
    let controller = owns::<NetworkPolicy, C>(controller, &ctx, ns, &owned);
    let controller = owns::<Ingress, C>(controller, &ctx, ns, &owned);
    let controller = owns::<PodDisruptionBudget, C>(controller, &ctx, ns, &owned);
    let controller = owns::<ServiceAccount, C>(controller, &ctx, ns, &owned);
    let controller = owns::<Role, C>(controller, &ctx, ns, &owned);
    let controller = owns::<RoleBinding, C>(controller, &ctx, ns, &owned);
    let controller = owns_http_routes(controller, &ctx, ns, &owned).await;
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

/// Watches HTTPRoutes like the other children, if the cluster serves Gateway API: without its
/// CRDs a watch would fail forever. (Installing Gateway API later takes an operator restart to
/// watch routes; they are still applied and re-applied every `REAPPLY_SECONDS` meanwhile.)
async fn owns_http_routes<C: Connector>(
    controller: Controller<SectorUniverse>,
    ctx: &Arc<Context<C>>,
    ns: Option<&str>,
    config: &watcher::Config,
) -> Controller<SectorUniverse> {
    match ctx.gateway_api.discover(&ctx.client).await {
        Ok(true) => {
            tracing::info!("Gateway API served: watching HTTPRoutes");
            let resource = http_route::resource();
            let api: Api<DynamicObject> = match ns {
                Some(ns) => Api::namespaced_with(ctx.client.clone(), ns, &resource),
                None => Api::all_with(ctx.client.clone(), &resource),
            };
            let mapper = child_mapper::<DynamicObject, C>(ctx, resource.kind.clone());
            controller.watches_with(api, resource, config.clone(), mapper)
        }
        Ok(false) => {
            tracing::info!(
                "Gateway API not installed: HTTPRoutes are not watched (ingress.gateway needs it)"
            );
            controller
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot list the API groups: HTTPRoutes are not watched");
            controller
        }
    }
}

/// Watches a child kind: a change or deletion of a child makes the operator forget what it
/// applied there (so it is applied again) and reconciles the owning universe.
fn owns<K, C: Connector>(
    controller: Controller<SectorUniverse>,
    ctx: &Arc<Context<C>>,
    ns: Option<&str>,
    config: &watcher::Config,
) -> Controller<SectorUniverse>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + Debug
        + Send
        + Sync
        + 'static,
{
    let mapper = child_mapper::<K, C>(ctx, K::kind(&()).into_owned());
    controller.watches(api::<K>(&ctx.client, ns), config.clone(), mapper)
}

/// Maps a child's event to its universe, forgetting what was applied to the child.
fn child_mapper<K: Resource, C: Connector>(
    ctx: &Arc<Context<C>>,
    kind: String,
) -> impl Fn(K) -> Vec<ObjectRef<SectorUniverse>> + Send + Sync + 'static {
    let ctx = ctx.clone();
    move |child: K| {
        let namespace = child.namespace().unwrap_or_default();
        ctx.applied.invalidate(&AppliedCache::key(&namespace, &kind, &child.name_any()));
        child
            .owner_references()
            .iter()
            .filter(|o| o.kind == "SectorUniverse" && o.api_version.starts_with("sector.dev/"))
            .map(|o| ObjectRef::new(&o.name).within(&namespace))
            .collect()
    }
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
