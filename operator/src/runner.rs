//! Wires the reconciler into kube's controller runtime: watch `SectorUniverse`s and the children
//! the operator manages (a child's change or deletion triggers its universe's reconcile).

use std::fmt::Debug;
use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, ListParams};
use kube::runtime::controller::{self, Controller};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::{Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;

use crate::apply::AppliedCache;
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
    let controller = Controller::new(universes, watcher::Config::default().any_semantic())
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
    let mapper_ctx = ctx.clone();
    let mapper = move |child: K| {
        let namespace = child.namespace().unwrap_or_default();
        let key = AppliedCache::key(&namespace, &K::kind(&()), &child.name_any());
        mapper_ctx.applied.invalidate(&key);
        child
            .owner_references()
            .iter()
            .filter(|o| o.kind == "SectorUniverse" && o.api_version.starts_with("sector.dev/"))
            .map(|o| ObjectRef::new(&o.name).within(&namespace))
            .collect::<Vec<_>>()
    };
    controller.watches(api::<K>(&ctx.client, ns), config.clone(), mapper)
}
