//! What the operator knows of its universes' objects without asking the API server: reflector
//! stores fed by the same watches that trigger reconciles. A reconcile reads credentials,
//! workload readiness, the existence of switched-off children and the causes of trouble (pods,
//! volume claims, storage classes) from here, so a settled fleet costs no GETs.
//!
//! Objects are trimmed before they are stored (managed fields, pod templates, config data):
//! the operator reads none of that back, and a fleet of a thousand universes would otherwise
//! keep megabytes of its own manifests in memory.

use std::sync::Mutex;

use futures::FutureExt;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod, Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, DynamicObject, ListParams};
use kube::runtime::reflector::{ObjectRef, Store, store::Writer};
use kube::runtime::watcher;
use kube::{Client, Resource};
use serde::de::DeserializeOwned;

use crate::apply::AppliedCache;
use crate::children::http_route;

/// Whether a child exists, as the cache sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    /// It exists; the fingerprint changes when anything but its status does.
    Present(String),
    Absent,
    /// Its kind is not watched (HTTPRoutes without Gateway API): the cache cannot tell.
    Unknown,
}

/// Kinds whose `metadata.generation` moves with their spec but not their status: their
/// fingerprint is the generation, so a status update (pods becoming ready) is not mistaken for
/// a change the operator must undo. Other kinds have no status, so any new version is a change.
fn has_status(kind: &str) -> bool {
    matches!(kind, "Deployment" | "StatefulSet" | "Ingress" | "PodDisruptionBudget" | http_route::KIND)
}

/// The fingerprint of an object's non-status content (see [`has_status`]).
pub fn fingerprint(kind: &str, meta: &ObjectMeta) -> String {
    match meta.generation {
        Some(generation) if has_status(kind) => format!("g{generation}"),
        _ => format!("v{}", meta.resource_version.as_deref().unwrap_or_default()),
    }
}

macro_rules! kinds {
    ($($field:ident: $kind:ty),* $(,)?) => {
        /// Readers of every watched kind.
        #[derive(Clone)]
        pub struct Cache {
            $(pub $field: Store<$kind>,)*
            /// `None` when the cluster does not serve Gateway API.
            pub http_routes: Option<Store<DynamicObject>>,
        }

        /// The writing halves, handed once to the watches (or to a test that fills them).
        pub struct Writers {
            $(pub $field: Writer<$kind>,)*
            pub http_routes: Writer<DynamicObject>,
        }

        impl Cache {
            /// Empty stores and their writers.
            pub fn new() -> (Self, Writers) {
                $(let $field = Writer::<$kind>::default();)*
                let http_routes = Writer::new(http_route::resource());
                let cache = Self {
                    $($field: $field.as_reader(),)*
                    http_routes: Some(http_routes.as_reader()),
                };
                (cache, Writers { $($field,)* http_routes })
            }

            /// Every watched kind has been listed once (before that, a missing object may
            /// only mean the list has not arrived, and a reconcile would recreate credentials).
            pub fn ready(&self) -> bool {
                $(self.$field.wait_until_ready().now_or_never().is_some_and(|r| r.is_ok()) &&)*
                self.http_routes
                    .as_ref()
                    .is_none_or(|s| s.wait_until_ready().now_or_never().is_some_and(|r| r.is_ok()))
            }

            /// The kinds not listed yet (for the log while waiting).
            pub fn unsynced(&self) -> Vec<&'static str> {
                let mut out = Vec::new();
                $(if self.$field.wait_until_ready().now_or_never().is_none() {
                    out.push(<$kind as k8s_openapi::Resource>::KIND);
                })*
                out
            }

            /// Objects cached, all kinds together.
            pub fn len(&self) -> usize {
                0 $(+ self.$field.len())* + self.http_routes.as_ref().map_or(0, Store::len)
            }

            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }
    };
}

kinds! {
    secrets: Secret,
    config_maps: ConfigMap,
    services: Service,
    service_accounts: ServiceAccount,
    stateful_sets: StatefulSet,
    deployments: Deployment,
    network_policies: NetworkPolicy,
    ingresses: Ingress,
    pod_disruption_budgets: PodDisruptionBudget,
    roles: Role,
    role_bindings: RoleBinding,
    pods: Pod,
    claims: PersistentVolumeClaim,
    storage_classes: StorageClass,
}

fn meta_of<K>(store: &Store<K>, namespace: &str, name: &str) -> Option<ObjectMeta>
where
    K: Resource + Clone + 'static,
    K::DynamicType: Default + Eq + std::hash::Hash + Clone,
{
    store.get(&ObjectRef::new(name).within(namespace)).map(|o| o.meta().clone())
}

impl Cache {
    /// Whether the child `kind`/`name` exists in `namespace`.
    pub fn presence(&self, kind: &str, namespace: &str, name: &str) -> Presence {
        let meta = match kind {
            "Secret" => meta_of(&self.secrets, namespace, name),
            "ConfigMap" => meta_of(&self.config_maps, namespace, name),
            "Service" => meta_of(&self.services, namespace, name),
            "ServiceAccount" => meta_of(&self.service_accounts, namespace, name),
            "StatefulSet" => meta_of(&self.stateful_sets, namespace, name),
            "Deployment" => meta_of(&self.deployments, namespace, name),
            "NetworkPolicy" => meta_of(&self.network_policies, namespace, name),
            "Ingress" => meta_of(&self.ingresses, namespace, name),
            "PodDisruptionBudget" => meta_of(&self.pod_disruption_budgets, namespace, name),
            "Role" => meta_of(&self.roles, namespace, name),
            "RoleBinding" => meta_of(&self.role_bindings, namespace, name),
            http_route::KIND => match &self.http_routes {
                Some(store) => store
                    .get(&ObjectRef::new_with(name, http_route::resource()).within(namespace))
                    .map(|o| o.metadata.clone()),
                None => return Presence::Unknown,
            },
            _ => return Presence::Unknown,
        };
        meta.map_or(Presence::Absent, |m| Presence::Present(fingerprint(kind, &m)))
    }

    pub fn secret(&self, namespace: &str, name: &str) -> Option<std::sync::Arc<Secret>> {
        self.secrets.get(&ObjectRef::new(name).within(namespace))
    }

    pub fn deployment(&self, namespace: &str, name: &str) -> Option<std::sync::Arc<Deployment>> {
        self.deployments.get(&ObjectRef::new(name).within(namespace))
    }

    pub fn stateful_set(&self, namespace: &str, name: &str) -> Option<std::sync::Arc<StatefulSet>> {
        self.stateful_sets.get(&ObjectRef::new(name).within(namespace))
    }

    /// The cluster does not serve HTTPRoutes: their presence is unknown.
    pub fn without_http_routes(mut self) -> Self {
        self.http_routes = None;
        self
    }
}

/// Drops what the operator never reads back, before an object enters the cache.
pub trait Trim {
    fn trim(&mut self);
}

/// Keeps what the operator reads of any object: name, namespace, uid, versions (the
/// fingerprint) and the universe label (pods and claims are found by it).
fn trim_meta(meta: &mut ObjectMeta) {
    meta.managed_fields = None;
    meta.annotations = None;
    meta.owner_references = None;
    meta.finalizers = None;
    meta.generate_name = None;
    if let Some(labels) = &mut meta.labels {
        labels.retain(|k, _| k == crate::names::UNIVERSE_LABEL);
    }
}

macro_rules! trim_meta_only {
    ($($kind:ty),*) => {
        $(impl Trim for $kind {
            fn trim(&mut self) {
                trim_meta(&mut self.metadata);
            }
        })*
    };
}

// Secrets keep their data (the credentials are read from here); the rest is small. Claims keep
// their spec (the StorageClass named) and phase.
trim_meta_only!(
    Secret,
    Service,
    ServiceAccount,
    NetworkPolicy,
    Ingress,
    PodDisruptionBudget,
    RoleBinding,
    StorageClass,
    PersistentVolumeClaim,
    DynamicObject
);

impl Trim for ConfigMap {
    fn trim(&mut self) {
        trim_meta(&mut self.metadata);
        self.data = None;
        self.binary_data = None;
    }
}

impl Trim for Role {
    fn trim(&mut self) {
        trim_meta(&mut self.metadata);
        self.rules = None;
    }
}

// Workloads: the replica counts (spec and status) and generations, nothing else.
impl Trim for Deployment {
    fn trim(&mut self) {
        trim_meta(&mut self.metadata);
        let replicas = self.spec.as_ref().and_then(|s| s.replicas);
        self.spec = Some(DeploymentSpec { replicas, ..DeploymentSpec::default() });
        if let Some(status) = &mut self.status {
            status.conditions = None;
        }
    }
}

impl Trim for StatefulSet {
    fn trim(&mut self) {
        trim_meta(&mut self.metadata);
        let replicas = self.spec.as_ref().and_then(|s| s.replicas);
        self.spec = Some(StatefulSetSpec { replicas, ..StatefulSetSpec::default() });
        if let Some(status) = &mut self.status {
            status.conditions = None;
            status.current_revision = None;
            status.update_revision = None;
        }
    }
}

impl Trim for Pod {
    fn trim(&mut self) {
        trim_meta(&mut self.metadata);
        // The causes of trouble are all in the status (images too): the scheduling condition
        // and the containers' states.
        self.spec = None;
        if let Some(status) = &mut self.status {
            if let Some(conditions) = &mut status.conditions {
                conditions.retain(|c| c.type_ == "PodScheduled" && c.status == "False");
            }
            for container in status
                .container_statuses
                .iter_mut()
                .flatten()
                .chain(status.init_container_statuses.iter_mut().flatten())
            {
                container.image_id = String::new();
                container.container_id = None;
                container.volume_mounts = None;
                container.resources = None;
                container.allocated_resources = None;
                container.user = None;
            }
            status.host_ip = None;
            status.host_ips = None;
            status.pod_ip = None;
            status.pod_ips = None;
            status.start_time = None;
            status.qos_class = None;
            status.ephemeral_container_statuses = None;
            status.resource_claim_statuses = None;
        }
    }
}

/// A guard so the writers are handed out once (to the runner's watches).
#[derive(Default)]
pub struct WritersSlot(Mutex<Option<Writers>>);

impl WritersSlot {
    pub fn new(writers: Writers) -> Self {
        Self(Mutex::new(Some(writers)))
    }

    pub fn take(&self) -> Option<Writers> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }
}

impl Writers {
    /// Lists every kind (all namespaces) into the stores at once, as the watches' initial lists
    /// do, and forgets in `applied` the children gone since the last list (as a watch's delete
    /// events make the runner do). For a process without watches: the reconcile bench and
    /// tests on an in-memory API.
    pub async fn relist(
        &mut self,
        client: &Client,
        applied: &AppliedCache,
        http_routes: bool,
    ) -> Result<(), kube::Error> {
        macro_rules! relist {
            ($($field:ident: $kind:ty),*) => {
                $(relist_kind::<$kind>(Api::all(client.clone()), &mut self.$field, applied, <$kind as k8s_openapi::Resource>::KIND).await?;)*
            };
        }
        relist!(secrets: Secret, config_maps: ConfigMap, services: Service, service_accounts: ServiceAccount,
            stateful_sets: StatefulSet, deployments: Deployment, network_policies: NetworkPolicy,
            ingresses: Ingress, pod_disruption_budgets: PodDisruptionBudget, roles: Role,
            role_bindings: RoleBinding, pods: Pod, claims: PersistentVolumeClaim, storage_classes: StorageClass);
        if http_routes {
            let resource = http_route::resource();
            relist_kind(
                Api::all_with(client.clone(), &resource),
                &mut self.http_routes,
                applied,
                http_route::KIND,
            )
            .await?;
        }
        Ok(())
    }
}

async fn relist_kind<K>(
    api: Api<K>,
    writer: &mut Writer<K>,
    applied: &AppliedCache,
    kind: &str,
) -> Result<(), kube::Error>
where
    K: Resource + Trim + Clone + DeserializeOwned + std::fmt::Debug + 'static,
    K::DynamicType: Eq + std::hash::Hash + Clone,
{
    let objects = api.list(&ListParams::default()).await?.items;
    let id =
        |o: &K| (o.meta().namespace.clone().unwrap_or_default(), o.meta().name.clone().unwrap_or_default());
    let listed: std::collections::BTreeSet<_> = objects.iter().map(id).collect();
    for (namespace, name) in writer.as_reader().state().iter().map(|o| id(o)).filter(|o| !listed.contains(o))
    {
        applied.invalidate(&AppliedCache::key(&namespace, kind, &name));
    }
    fill(writer, objects);
    Ok(())
}

/// Replaces a store's content with `objects`, as a watch's initial list does.
pub fn fill<K>(writer: &mut Writer<K>, objects: Vec<K>)
where
    K: Resource + Trim + Clone + 'static,
    K::DynamicType: Eq + std::hash::Hash + Clone,
{
    writer.apply_watcher_event(&watcher::Event::Init);
    for mut object in objects {
        object.trim();
        writer.apply_watcher_event(&watcher::Event::InitApply(object));
    }
    writer.apply_watcher_event(&watcher::Event::InitDone);
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::api::ObjectMeta;

    fn meta(name: &str, generation: Option<i64>, version: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.into()),
            namespace: Some("games".into()),
            generation,
            resource_version: Some(version.into()),
            ..ObjectMeta::default()
        }
    }

    #[test]
    fn status_updates_keep_a_workloads_fingerprint_but_not_a_secrets() {
        assert_eq!(fingerprint("Deployment", &meta("a", Some(3), "10")), "g3");
        assert_eq!(fingerprint("Deployment", &meta("a", Some(3), "11")), "g3");
        assert_eq!(fingerprint("Secret", &meta("a", Some(1), "10")), "v10");
        assert_ne!(fingerprint("Secret", &meta("a", Some(1), "11")), "v10");
    }

    #[test]
    fn presence_reads_the_stores_and_needs_every_list_first() {
        let (cache, mut writers) = Cache::new();
        assert!(!cache.ready());
        assert!(cache.unsynced().contains(&"Secret"));
        let deployment = Deployment { metadata: meta("blue-api", Some(2), "7"), ..Deployment::default() };
        fill(&mut writers.deployments, vec![deployment]);
        assert_eq!(cache.presence("Deployment", "games", "blue-api"), Presence::Present("g2".into()));
        assert_eq!(cache.presence("Deployment", "games", "blue-sim"), Presence::Absent);
        assert_eq!(cache.presence("Deployment", "other", "blue-api"), Presence::Absent);
        assert!(!cache.ready(), "the other kinds are not listed yet");
        fill(&mut writers.secrets, vec![]);
        fill(&mut writers.config_maps, vec![]);
        fill(&mut writers.services, vec![]);
        fill(&mut writers.service_accounts, vec![]);
        fill(&mut writers.stateful_sets, vec![]);
        fill(&mut writers.network_policies, vec![]);
        fill(&mut writers.ingresses, vec![]);
        fill(&mut writers.pod_disruption_budgets, vec![]);
        fill(&mut writers.roles, vec![]);
        fill(&mut writers.role_bindings, vec![]);
        fill(&mut writers.pods, vec![]);
        fill(&mut writers.claims, vec![]);
        fill(&mut writers.storage_classes, vec![]);
        assert!(!cache.ready(), "HTTPRoutes are watched in this cache");
        assert!(cache.clone().without_http_routes().ready());
        fill(&mut writers.http_routes, vec![]);
        assert!(cache.ready());
        assert_eq!(
            cache.clone().without_http_routes().presence(http_route::KIND, "games", "x"),
            Presence::Unknown
        );
    }

    #[test]
    fn trimmed_objects_keep_what_the_operator_reads() {
        let mut pod = Pod {
            metadata: ObjectMeta { managed_fields: Some(vec![Default::default()]), ..meta("p", None, "1") },
            spec: Some(Default::default()),
            status: Some(Default::default()),
        };
        pod.trim();
        assert!(pod.metadata.managed_fields.is_none() && pod.spec.is_none() && pod.status.is_some());
    }
}
