//! What the operator knows of its universes' objects without asking the API server: caches
//! fed by the same watches that trigger reconciles. A reconcile reads credentials, workload
//! readiness, the existence of switched-off children and the causes of trouble (pods, volume
//! claims, storage classes) from here, so a settled fleet costs no GETs.
//!
//! Each kind keeps only a small record per object (see [`record`]): at a thousand universes,
//! full objects would be most of the operator's memory.

mod record;
mod store;

pub use record::{ClaimRecord, PodRecord};
pub use store::{Entry, Recorded, Store};

use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod, Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, DynamicObject, ListParams};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;

use crate::apply::AppliedCache;
use crate::causes::{self, Cause};
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
        /// The caches of every watched kind; clones share them.
        #[derive(Clone)]
        pub struct Cache {
            $(pub $field: Store<<$kind as Recorded>::Record>,)*
            /// `None` when the cluster does not serve Gateway API.
            pub http_routes: Option<Store<()>>,
        }

        impl Cache {
            /// Empty caches, nothing listed yet.
            pub fn new() -> Self {
                Self {
                    $($field: Store::new(<$kind as k8s_openapi::Resource>::KIND),)*
                    http_routes: Some(Store::new(http_route::KIND)),
                }
            }

            /// Every watched kind has been listed once (before that, a missing object may
            /// only mean the list has not arrived, and a reconcile would recreate credentials).
            pub fn ready(&self) -> bool {
                self.unsynced().is_empty()
            }

            /// The kinds not listed yet (for the log while waiting).
            pub fn unsynced(&self) -> Vec<&'static str> {
                let mut out = Vec::new();
                $(if !self.$field.listed() {
                    out.push(self.$field.kind());
                })*
                if let Some(routes) = self.http_routes.as_ref().filter(|s| !s.listed()) {
                    out.push(routes.kind());
                }
                out
            }

            /// Objects cached, all kinds together.
            pub fn len(&self) -> usize {
                0 $(+ self.$field.len())* + self.http_routes.as_ref().map_or(0, Store::len)
            }

            /// Lists every kind (all namespaces) into the caches at once, as the watches'
            /// initial lists do, and forgets in `applied` the children gone since the last list
            /// (as a watch's delete events make the runner do). For a process without watches:
            /// the reconcile bench and tests on an in-memory API.
            pub async fn relist(&self, client: &Client, applied: &AppliedCache) -> Result<(), kube::Error> {
                $(relist_kind::<$kind>(Api::all(client.clone()), &self.$field, applied).await?;)*
                if let Some(routes) = &self.http_routes {
                    let resource = http_route::resource();
                    relist_kind::<DynamicObject>(Api::all_with(client.clone(), &resource), routes, applied).await?;
                }
                Ok(())
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

impl Default for Cache {
    fn default() -> Self {
        Self::new()
    }
}

impl Cache {
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the child `kind`/`name` exists in `namespace`.
    pub fn presence(&self, kind: &str, namespace: &str, name: &str) -> Presence {
        let fingerprint = match kind {
            "Secret" => self.secrets.get(namespace, name).map(|e| e.fingerprint),
            "ConfigMap" => self.config_maps.get(namespace, name).map(|e| e.fingerprint),
            "Service" => self.services.get(namespace, name).map(|e| e.fingerprint),
            "ServiceAccount" => self.service_accounts.get(namespace, name).map(|e| e.fingerprint),
            "StatefulSet" => self.stateful_sets.get(namespace, name).map(|e| e.fingerprint),
            "Deployment" => self.deployments.get(namespace, name).map(|e| e.fingerprint),
            "NetworkPolicy" => self.network_policies.get(namespace, name).map(|e| e.fingerprint),
            "Ingress" => self.ingresses.get(namespace, name).map(|e| e.fingerprint),
            "PodDisruptionBudget" => self.pod_disruption_budgets.get(namespace, name).map(|e| e.fingerprint),
            "Role" => self.roles.get(namespace, name).map(|e| e.fingerprint),
            "RoleBinding" => self.role_bindings.get(namespace, name).map(|e| e.fingerprint),
            http_route::KIND => match &self.http_routes {
                Some(store) => store.get(namespace, name).map(|e| e.fingerprint),
                None => return Presence::Unknown,
            },
            _ => return Presence::Unknown,
        };
        fingerprint.map_or(Presence::Absent, Presence::Present)
    }

    /// The universe's Secret (its data only).
    pub fn secret(&self, namespace: &str, name: &str) -> Option<Arc<Secret>> {
        self.secrets.get(namespace, name).map(|e| e.record)
    }

    /// The causes of trouble among the universe's pods and volume claims.
    pub fn causes(&self, namespace: &str, universe: &str) -> Vec<Cause> {
        let ours = |u: &Option<Box<str>>| u.as_deref() == Some(universe);
        let pods = self.pods.in_namespace(namespace, |p| ours(&p.universe) && !p.causes.is_empty());
        let claims: Vec<_> =
            self.claims.in_namespace(namespace, |c| ours(&c.universe)).into_iter().map(|c| c.claim).collect();
        let classes = if claims.is_empty() { Vec::new() } else { self.storage_classes.records() };
        causes::causes(pods.into_iter().flat_map(|p| p.causes), &claims, &classes)
    }

    /// The cluster does not serve HTTPRoutes: their presence is unknown.
    pub fn without_http_routes(mut self) -> Self {
        self.http_routes = None;
        self
    }
}

async fn relist_kind<K>(
    api: Api<K>,
    store: &Store<K::Record>,
    applied: &AppliedCache,
) -> Result<(), kube::Error>
where
    K: Resource + Recorded + Clone + DeserializeOwned + std::fmt::Debug + 'static,
{
    let objects = api.list(&ListParams::default()).await?.items;
    let listed: std::collections::BTreeSet<(String, String)> = objects
        .iter()
        .map(|o| (o.meta().namespace.clone().unwrap_or_default(), o.meta().name.clone().unwrap_or_default()))
        .collect();
    for (namespace, name) in store.keys().into_iter().filter(|o| !listed.contains(o)) {
        applied.invalidate(&AppliedCache::key(&namespace, store.kind(), &name));
    }
    store.fill(&objects);
    Ok(())
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
    fn presence_reads_the_caches_and_needs_every_list_first() {
        let cache = Cache::new();
        assert!(!cache.ready());
        assert!(cache.unsynced().contains(&"Secret"));
        let deployment = Deployment { metadata: meta("blue-api", Some(2), "7"), ..Deployment::default() };
        cache.deployments.fill([&deployment]);
        assert_eq!(cache.presence("Deployment", "games", "blue-api"), Presence::Present("g2".into()));
        assert_eq!(cache.presence("Deployment", "games", "blue-sim"), Presence::Absent);
        assert_eq!(cache.presence("Deployment", "other", "blue-api"), Presence::Absent);
        assert!(!cache.ready(), "the other kinds are not listed yet");
        cache.secrets.fill::<Secret>([]);
        cache.config_maps.fill::<ConfigMap>([]);
        cache.services.fill::<Service>([]);
        cache.service_accounts.fill::<ServiceAccount>([]);
        cache.stateful_sets.fill::<StatefulSet>([]);
        cache.network_policies.fill::<NetworkPolicy>([]);
        cache.ingresses.fill::<Ingress>([]);
        cache.pod_disruption_budgets.fill::<PodDisruptionBudget>([]);
        cache.roles.fill::<Role>([]);
        cache.role_bindings.fill::<RoleBinding>([]);
        cache.pods.fill::<Pod>([]);
        cache.claims.fill::<PersistentVolumeClaim>([]);
        cache.storage_classes.fill::<StorageClass>([]);
        assert_eq!(cache.unsynced(), ["HTTPRoute"], "HTTPRoutes are watched in this cache");
        assert!(cache.clone().without_http_routes().ready());
        cache.http_routes.as_ref().unwrap().fill::<DynamicObject>([]);
        assert!(cache.ready());
        assert_eq!(
            cache.clone().without_http_routes().presence(http_route::KIND, "games", "x"),
            Presence::Unknown
        );
    }

    #[test]
    fn a_relist_is_swapped_in_whole_and_events_keep_the_cache_current() {
        use kube::runtime::watcher::Event;
        let store: Store<()> = Store::new("ConfigMap");
        let config = |name: &str, version: &str| ConfigMap {
            metadata: meta(name, None, version),
            ..ConfigMap::default()
        };
        store.apply(&Event::Apply(config("a", "1")));
        assert!(!store.listed(), "an event before the first list does not make the kind listed");
        store.apply(&Event::<ConfigMap>::Init);
        store.apply(&Event::InitApply(config("b", "2")));
        assert_eq!(
            store.keys(),
            [("games".to_owned(), "a".to_owned())],
            "the list is not visible before it ends"
        );
        store.apply(&Event::<ConfigMap>::InitDone);
        assert!(store.listed());
        assert_eq!(
            store.keys(),
            [("games".to_owned(), "b".to_owned())],
            "what the list did not show is gone"
        );
        store.apply(&Event::Apply(config("b", "3")));
        assert_eq!(store.get("games", "b").map(|e| e.fingerprint), Some("v3".to_owned()));
        store.apply(&Event::Delete(config("b", "3")));
        assert!(store.is_empty());
    }

    #[test]
    fn a_universes_causes_come_from_its_own_pods_and_claims() {
        use k8s_openapi::api::core::v1::{ContainerState, ContainerStateWaiting, ContainerStatus, PodStatus};
        let labelled = |name: &str, universe: &str| ObjectMeta {
            labels: Some([(crate::names::UNIVERSE_LABEL.to_owned(), universe.to_owned())].into()),
            ..meta(name, None, "1")
        };
        let pulling = |name: &str, universe: &str| Pod {
            metadata: labelled(name, universe),
            spec: None,
            status: Some(PodStatus {
                container_statuses: Some(vec![ContainerStatus {
                    name: "api".into(),
                    image: "sector:bad".into(),
                    state: Some(ContainerState {
                        waiting: Some(ContainerStateWaiting {
                            reason: Some("ErrImagePull".into()),
                            message: None,
                        }),
                        ..ContainerState::default()
                    }),
                    ..ContainerStatus::default()
                }]),
                ..PodStatus::default()
            }),
        };
        let healthy = Pod { metadata: labelled("blue-sim-0", "blue"), ..Pod::default() };
        let cache = Cache::new();
        cache.pods.fill([&pulling("blue-api-0", "blue"), &pulling("red-api-0", "red"), &healthy]);
        let claim: PersistentVolumeClaim = serde_json::from_value(serde_json::json!({
            "metadata": { "name": "data-blue-redis-0", "namespace": "games", "labels": { crate::names::UNIVERSE_LABEL: "blue" } },
            "spec": { "storageClassName": "fast" },
            "status": { "phase": "Pending" }
        }))
        .unwrap();
        cache.claims.fill([&claim]);
        cache.storage_classes.fill::<StorageClass>([]);
        let found: Vec<String> = cache.causes("games", "blue").into_iter().map(|c| c.message).collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("StorageClass \"fast\" does not exist"), "{found:?}");
        assert!(found[1].contains("blue-api-0 cannot pull image sector:bad"), "{found:?}");
        assert!(cache.causes("other", "blue").is_empty());
        assert_eq!(cache.causes("games", "red").len(), 1);
    }
}
