//! Test support: the reconciler against an in-memory Kubernetes API (`kube-fake-client`) and a
//! real `redis-server` standing in for the universe's Redis.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service, ServiceAccount};
use k8s_openapi::api::events::v1::Event as K8sEvent;
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::ApiResource;
use kube::runtime::controller::Action;
use kube::{Client, Resource};
use sector_operator::cache::Cache;
use sector_operator::controller::{Context, reconcile};
use sector_operator::crd::SectorUniverse;
use sector_operator::error::Error;
use sector_operator::live::Connector;
use sector_operator::metrics::Metrics;
use sector_operator::settings::Settings;
use sector_store::testing::RedisServer;
use sector_store::{Commit, CommitStore, Keys, LeaseStore, RedisStore, SimStatus, StoreResult};
use serde_json::{Value, json};

pub const NS: &str = "games";

/// Connects every universe to the one test Redis (the URL the operator computes names a
/// cluster Service that does not exist here).
pub struct TestRedis {
    pub url: String,
}

impl Connector for TestRedis {
    type Store = RedisStore;

    async fn connect(&self, _key: &str, _url: &str) -> StoreResult<RedisStore> {
        RedisStore::connect(&self.url, Keys::default()).await
    }
}

pub struct Harness {
    pub client: Client,
    pub ctx: Arc<Context<TestRedis>>,
    /// The watch caches, filled from the in-memory API before each reconcile (as the watches
    /// would have by then).
    cache: Cache,
    pub redis: RedisServer,
    /// The test's own connection, playing the simulation's part.
    pub store: RedisStore,
}

pub fn settings() -> Settings {
    Settings {
        default_image: "sector:test".into(),
        pod_name: "operator-0".into(),
        bot_scale_down_window: Duration::ZERO,
        // The harness fills the caches before every reconcile: nothing trails.
        cache_lag: Duration::ZERO,
        // Every reconcile sees its Redis read, however loaded the test machine.
        redis_wait: Duration::from_secs(5),
        ..Settings::default()
    }
}

/// Requests the operator sent for children (objects named `<universe>-…`; the tests' universe
/// names have no dash, so their own GETs of universes are not counted).
#[derive(Debug, Default)]
pub struct ChildRequests {
    pub gets: AtomicUsize,
    pub patches: AtomicUsize,
    pub deletes: AtomicUsize,
}

impl ChildRequests {
    pub fn total(&self) -> usize {
        self.gets.load(Ordering::SeqCst)
            + self.patches.load(Ordering::SeqCst)
            + self.deletes.load(Ordering::SeqCst)
    }
}

/// The in-memory API, counting the requests sent for children.
pub async fn counting_fake_client() -> (Client, Arc<ChildRequests>) {
    let counts = Arc::new(ChildRequests::default());
    let (gets, patches, deletes) = (counts.clone(), counts.clone(), counts.clone());
    let funcs = kube_fake_client::interceptor::Funcs::new()
        .get(move |c| {
            if c.name.contains('-') {
                gets.gets.fetch_add(1, Ordering::SeqCst);
            }
            Ok(None)
        })
        .patch(move |c| {
            if c.name.contains('-') {
                patches.patches.fetch_add(1, Ordering::SeqCst);
            }
            Ok(None)
        })
        .delete(move |c| {
            if c.name.contains('-') {
                deletes.deletes.fetch_add(1, Ordering::SeqCst);
            }
            Ok(None)
        });
    let client = kube_fake_client::ClientBuilder::new()
        .with_resource::<SectorUniverse>()
        .with_status_subresource::<SectorUniverse>()
        .with_status_subresource::<Deployment>()
        .with_status_subresource::<StatefulSet>()
        .with_interceptor_funcs(funcs)
        .build()
        .await
        .expect("fake client");
    (client, counts)
}

pub async fn fake_client() -> Client {
    kube_fake_client::ClientBuilder::new()
        .with_resource::<SectorUniverse>()
        .with_status_subresource::<SectorUniverse>()
        .with_status_subresource::<Deployment>()
        .with_status_subresource::<StatefulSet>()
        .build()
        .await
        .expect("fake client")
}

pub async fn harness() -> Harness {
    harness_with(settings()).await
}

/// Gateway API's HTTPRoute, only so the in-memory API serves the kind, like a cluster with
/// Gateway API installed (the operator builds routes as JSON).
#[derive(kube::CustomResource, Clone, Debug, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "HTTPRoute",
    plural = "httproutes",
    namespaced
)]
pub struct HTTPRouteSpec {
    #[serde(flatten)]
    pub fields: serde_json::Map<String, Value>,
}

/// The in-memory API of a cluster with Gateway API.
pub async fn fake_client_with_gateway_api() -> Client {
    kube_fake_client::ClientBuilder::new()
        .with_resource::<SectorUniverse>()
        .with_status_subresource::<SectorUniverse>()
        .with_status_subresource::<Deployment>()
        .with_status_subresource::<StatefulSet>()
        .with_resource::<HTTPRoute>()
        .build()
        .await
        .expect("fake client")
}

pub async fn harness_with(settings: Settings) -> Harness {
    harness_on(settings, fake_client().await).await
}

/// A harness on a given in-memory API.
pub async fn harness_on(settings: Settings, client: Client) -> Harness {
    let redis = RedisServer::start().expect("redis-server starts (apt-get install -y redis-server)");
    let store = redis.store(Keys::default()).await.expect("connect to test redis");
    let connector = TestRedis { url: redis.url() };
    let ctx = Arc::new(Context::new(client.clone(), settings, connector, Arc::new(Metrics::new())));
    let routes: Api<HTTPRoute> = Api::namespaced(client.clone(), NS);
    let routes_served = routes.list(&ListParams::default()).await.is_ok();
    let cache = ctx.cache_to_fill(routes_served);
    Harness { client, ctx, cache, redis, store }
}

impl Harness {
    pub fn universes(&self) -> Api<SectorUniverse> {
        Api::namespaced(self.client.clone(), NS)
    }

    /// Creates a universe from its spec (JSON).
    pub async fn create(&self, name: &str, spec: Value) -> SectorUniverse {
        let su: SectorUniverse = serde_json::from_value(json!({
            "apiVersion": "sector.dev/v1alpha1",
            "kind": "SectorUniverse",
            "metadata": {"name": name, "namespace": NS},
            "spec": spec,
        }))
        .expect("valid universe");
        self.universes().create(&PostParams::default(), &su).await.expect("create universe")
    }

    /// Merge-patches the spec (like `kubectl patch --type merge`).
    pub async fn patch_spec(&self, name: &str, spec: Value) {
        self.universes()
            .patch(name, &PatchParams::default(), &Patch::Merge(json!({ "spec": spec })))
            .await
            .expect("patch spec");
    }

    pub async fn get(&self, name: &str) -> SectorUniverse {
        self.universes().get(name).await.expect("universe exists")
    }

    /// One reconcile of the universe as stored now, with the watch caches up to date.
    pub async fn reconcile(&self, name: &str) -> Result<Action, Error> {
        self.sync_cache().await;
        reconcile(Arc::new(self.get(name).await), self.ctx.clone()).await
    }

    /// A reconcile once the universe's Redis reads running in the background have ended (a
    /// read that outlasts its reconcile triggers another one in the operator).
    pub async fn reconcile_after_redis_reads(&self, name: &str) -> Result<Action, Error> {
        let key = format!("{NS}/{name}");
        for _ in 0..100 {
            if !self.ctx.probes.running(&key) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.reconcile(name).await
    }

    /// Brings the watch caches up to date with the in-memory API.
    pub async fn sync_cache(&self) {
        self.cache.relist(&self.client, &self.ctx.applied).await.expect("list for the caches");
    }

    /// Every object the operator manages in the namespace, keyed `Kind/name`, without the
    /// fields the API server owns (versions, uids, timestamps, managed fields).
    pub async fn children(&self) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        for resource in child_resources() {
            let api: Api<DynamicObject> = Api::namespaced_with(self.client.clone(), NS, &resource);
            let list = api.list(&ListParams::default()).await.expect("list children");
            for object in list.items {
                let name = object.metadata.name.clone().unwrap_or_default();
                let mut value = serde_json::to_value(&object).expect("object serializes");
                normalize(&mut value);
                out.insert(format!("{}/{name}", resource.kind), value);
            }
        }
        out
    }

    /// Resource versions of every child.
    pub async fn versions(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for resource in child_resources() {
            let api: Api<DynamicObject> = Api::namespaced_with(self.client.clone(), NS, &resource);
            for object in api.list(&ListParams::default()).await.expect("list").items {
                out.insert(
                    format!("{}/{}", resource.kind, object.metadata.name.clone().unwrap_or_default()),
                    object.metadata.resource_version.clone().unwrap_or_default(),
                );
            }
        }
        out
    }

    /// Plays the workload controllers: every Deployment and StatefulSet reports all its
    /// replicas updated and ready.
    pub async fn roll_out(&self) {
        let deployments: Api<Deployment> = Api::namespaced(self.client.clone(), NS);
        for d in deployments.list(&ListParams::default()).await.expect("list").items {
            let replicas = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let status = json!({"status": {
                "observedGeneration": d.metadata.generation,
                "replicas": replicas, "updatedReplicas": replicas,
                "readyReplicas": replicas, "availableReplicas": replicas,
            }});
            let name = d.metadata.name.clone().unwrap_or_default();
            deployments
                .patch_status(&name, &PatchParams::default(), &Patch::Merge(status))
                .await
                .expect("status");
        }
        let sets: Api<StatefulSet> = Api::namespaced(self.client.clone(), NS);
        for s in sets.list(&ListParams::default()).await.expect("list").items {
            let status = json!({"status": {
                "observedGeneration": s.metadata.generation,
                "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1,
            }});
            let name = s.metadata.name.clone().unwrap_or_default();
            sets.patch_status(&name, &PatchParams::default(), &Patch::Merge(status)).await.expect("status");
        }
    }

    /// Someone else (e.g. `kubectl scale`) changes a Deployment's replicas.
    pub async fn client_patch_deployment_replicas(&self, name: &str, replicas: i32) {
        let deployments: Api<Deployment> = Api::namespaced(self.client.clone(), NS);
        let params = PatchParams { field_manager: Some("kubectl".into()), ..PatchParams::default() };
        deployments
            .patch(name, &params, &Patch::Merge(json!({"spec": {"replicas": replicas}})))
            .await
            .expect("patch deployment");
    }

    /// Events recorded for the universe: (reason, note).
    pub async fn events(&self) -> Vec<(String, String)> {
        let api: Api<K8sEvent> = Api::namespaced(self.client.clone(), NS);
        let mut events: Vec<K8sEvent> = api.list(&ListParams::default()).await.expect("events").items;
        events.sort_by_key(|e| e.event_time.as_ref().map(|t| t.0));
        events.into_iter().map(|e| (e.reason.unwrap_or_default(), e.note.unwrap_or_default())).collect()
    }

    pub async fn reasons(&self) -> Vec<String> {
        self.events().await.into_iter().map(|(r, _)| r).collect()
    }

    /// The simulation's part: records its status in the control hash.
    pub async fn sim_reports(&self, status: SimStatus) {
        use sector_store::ControlStore;
        self.store.record_status(&status).await.expect("record sim status");
    }

    /// As [`Self::sim_reports`], on a new connection (after the server restarted).
    pub async fn sim_reports_on_fresh_store(&self, status: SimStatus) {
        use sector_store::ControlStore;
        let store = self.redis.store(Keys::default()).await.expect("connect");
        store.record_status(&status).await.expect("record sim status");
    }

    /// The simulation's part: saves a snapshot of run `run` with this faction registry.
    pub async fn save_snapshot(&self, run: &str, factions: &[&str], seed: u64, tick: u64) {
        let factions: Vec<Value> =
            factions.iter().map(|id| json!({"id": id, "name": id, "color": "#ffffff"})).collect();
        let snapshot = json!({"tick": tick, "generator_seed": seed, "factions": factions}).to_string();
        let lease = self
            .store
            .acquire_lease("test-sim", Duration::from_secs(30))
            .await
            .expect("lease")
            .expect("lease is free");
        let commit = Commit::run_start(run).snapshot(tick, &snapshot);
        self.store.commit(&lease, &commit).await.expect("commit snapshot");
        self.store.release_lease(&lease).await.expect("release");
    }
}

/// Every kind the operator creates.
pub fn child_resources() -> Vec<ApiResource> {
    vec![
        ApiResource::erase::<Secret>(&()),
        ApiResource::erase::<ConfigMap>(&()),
        ApiResource::erase::<Service>(&()),
        ApiResource::erase::<StatefulSet>(&()),
        ApiResource::erase::<NetworkPolicy>(&()),
        ApiResource::erase::<ServiceAccount>(&()),
        ApiResource::erase::<Role>(&()),
        ApiResource::erase::<RoleBinding>(&()),
        ApiResource::erase::<Deployment>(&()),
        ApiResource::erase::<PodDisruptionBudget>(&()),
        ApiResource::erase::<Ingress>(&()),
    ]
}

fn normalize(value: &mut Value) {
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in ["resourceVersion", "uid", "creationTimestamp", "managedFields", "generation"] {
            meta.remove(key);
        }
    }
    if let Some(obj) = value.as_object_mut() {
        obj.remove("status");
    }
}

/// The owner reference every child must carry.
pub fn owner_uid(su: &SectorUniverse) -> String {
    su.meta().uid.clone().expect("created objects have a uid")
}
