//! Where admin actions go. Outside a cluster (or in an unmanaged deployment) the API writes the
//! universe's control hash itself ([`ControlWriter::Store`]). In a universe managed by the
//! Sector operator (`SECTOR_UNIVERSE_NAME` set), the `SectorUniverse` resource is the source of
//! truth: the API merge-patches its spec ([`ControlWriter::Kubernetes`]) and the operator
//! carries the change to the control hash, so `kubectl get su` and the game always agree.
//!
//! Spec fields written: `paused`, `botsOnly`, `restartGeneration` (bumped) and `restartSeed`
//! (the next run's seed; `null` for a random one). The operator grants the API's
//! ServiceAccount `get` and `patch` on that one object.

use std::path::PathBuf;
use std::time::Duration;

use sector_store::{ControlPatch, Store};
use serde_json::{Value, json};

use crate::error::ApiError;

/// Where the pod's ServiceAccount credentials are mounted.
const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// Optimistic-concurrency retries of a restart (two admins bumping at once).
const RESTART_ATTEMPTS: usize = 3;

/// The `SectorUniverse` this API belongs to (`SECTOR_UNIVERSE_NAME`,
/// `SECTOR_UNIVERSE_NAMESPACE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedUniverse {
    pub name: String,
    pub namespace: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ControlWriterError {
    #[error(
        "SECTOR_UNIVERSE_NAME is set but SECTOR_UNIVERSE_NAMESPACE is not (and no service account namespace file)"
    )]
    NoNamespace,
    #[error("kubernetes client setup: {0}")]
    Setup(String),
}

impl ManagedUniverse {
    /// From the variables (`lookup` returns non-empty values only); `None` when the API is not
    /// managed by the operator.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ControlWriterError> {
        let Some(name) =
            lookup("SECTOR_UNIVERSE_NAME").map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())
        else {
            return Ok(None);
        };
        let namespace = lookup("SECTOR_UNIVERSE_NAMESPACE")
            .or_else(|| std::fs::read_to_string(format!("{SERVICE_ACCOUNT_DIR}/namespace")).ok())
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .ok_or(ControlWriterError::NoNamespace)?;
        Ok(Some(Self { name, namespace }))
    }
}

/// How to reach the Kubernetes API from inside the pod.
#[derive(Debug, Clone)]
pub struct KubernetesTarget {
    /// `https://host:port` of the API server.
    pub base_url: String,
    /// File with the ServiceAccount token, read per request (kubelet rotates it).
    pub token_file: PathBuf,
    pub universe: ManagedUniverse,
}

/// Patches the `SectorUniverse` spec through the Kubernetes API.
#[derive(Debug, Clone)]
pub struct KubernetesWriter {
    http: reqwest::Client,
    target: KubernetesTarget,
}

/// Where admin actions are written.
#[derive(Debug, Clone, Default)]
pub enum ControlWriter {
    /// The control hash, directly.
    #[default]
    Store,
    /// The `SectorUniverse` spec.
    Kubernetes(KubernetesWriter),
}

impl KubernetesWriter {
    /// In-cluster: the API server from `KUBERNETES_SERVICE_HOST`/`_PORT`, trusting the
    /// ServiceAccount's CA.
    pub fn in_cluster(universe: ManagedUniverse) -> Result<Self, ControlWriterError> {
        let host = std::env::var("KUBERNETES_SERVICE_HOST").map_err(|_| {
            ControlWriterError::Setup("KUBERNETES_SERVICE_HOST is not set (not in a pod?)".into())
        })?;
        let port = std::env::var("KUBERNETES_SERVICE_PORT").unwrap_or_else(|_| "443".into());
        let host = if host.contains(':') { format!("[{host}]") } else { host };
        let ca = std::fs::read(format!("{SERVICE_ACCOUNT_DIR}/ca.crt"))
            .map_err(|e| ControlWriterError::Setup(format!("reading the service account CA: {e}")))?;
        let ca = reqwest::Certificate::from_pem(&ca).map_err(|e| ControlWriterError::Setup(e.to_string()))?;
        let http = reqwest::Client::builder()
            .add_root_certificate(ca)
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ControlWriterError::Setup(e.to_string()))?;
        let target = KubernetesTarget {
            base_url: format!("https://{host}:{port}"),
            token_file: PathBuf::from(format!("{SERVICE_ACCOUNT_DIR}/token")),
            universe,
        };
        Ok(Self { http, target })
    }

    /// Against any API server URL (tests).
    pub fn new(http: reqwest::Client, target: KubernetesTarget) -> Self {
        Self { http, target }
    }

    fn url(&self) -> String {
        let u = &self.target.universe;
        format!(
            "{}/apis/sector.dev/v1alpha1/namespaces/{}/sectoruniverses/{}",
            self.target.base_url.trim_end_matches('/'),
            u.namespace,
            u.name
        )
    }

    async fn token(&self) -> Result<String, ApiError> {
        // A tiny file on a tmpfs, read once per admin action: not worth a blocking-pool hop.
        std::fs::read_to_string(&self.target.token_file)
            .map(|t| t.trim().to_owned())
            .map_err(|e| ApiError::Unavailable(format!("kubernetes token: {e}")))
    }

    async fn get(&self) -> Result<Value, ApiError> {
        let response = self
            .http
            .get(self.url())
            .bearer_auth(self.token().await?)
            .send()
            .await
            .map_err(|e| ApiError::Unavailable(format!("kubernetes api: {e}")))?;
        read(response).await
    }

    /// Merge-patches the resource; `Ok(None)` on a resourceVersion conflict (409).
    async fn patch(&self, body: &Value) -> Result<Option<Value>, ApiError> {
        let response = self
            .http
            .patch(self.url())
            .bearer_auth(self.token().await?)
            .header(reqwest::header::CONTENT_TYPE, "application/merge-patch+json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| ApiError::Unavailable(format!("kubernetes api: {e}")))?;
        if response.status() == reqwest::StatusCode::CONFLICT {
            return Ok(None);
        }
        read(response).await.map(Some)
    }

    async fn patch_spec(&self, spec: Value) -> Result<Value, ApiError> {
        self.patch(&json!({ "spec": spec }))
            .await?
            .ok_or_else(|| ApiError::Unavailable("kubernetes api: unexpected conflict".into()))
    }
}

async fn read(response: reqwest::Response) -> Result<Value, ApiError> {
    let status = response.status();
    let body = response.text().await.map_err(|e| ApiError::Unavailable(format!("kubernetes api: {e}")))?;
    if !status.is_success() {
        let message = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_owned))
            .unwrap_or(body);
        return Err(ApiError::Unavailable(format!("kubernetes api: {status}: {message}")));
    }
    serde_json::from_str(&body).map_err(|e| ApiError::Unavailable(format!("kubernetes api: {e}")))
}

fn spec_bool(resource: &Value, field: &str) -> bool {
    resource["spec"][field].as_bool().unwrap_or(false)
}

impl ControlWriter {
    /// `Kubernetes` for a managed universe, else `Store`.
    pub fn for_universe(managed: Option<&ManagedUniverse>) -> Result<Self, ControlWriterError> {
        match managed {
            Some(universe) => Ok(Self::Kubernetes(KubernetesWriter::in_cluster(universe.clone())?)),
            None => Ok(Self::Store),
        }
    }

    /// Ends the run and starts a new one (optionally from `seed`), unpaused and open to humans.
    /// Returns the restart generation requested.
    pub async fn restart<S: Store>(&self, store: &S, seed: Option<String>) -> Result<i64, ApiError> {
        match self {
            Self::Store => {
                let universe = store.universe_id().await?;
                let control = store.control(&universe).await?;
                // Above both the requested and the applied generation, so the sim sees a new request.
                let generation = control
                    .restart_generation
                    .max(control.status.applied_restart_generation.unwrap_or(0))
                    .saturating_add(1);
                store
                    .update_control(&ControlPatch {
                        paused: Some(false),
                        bots_only: Some(false),
                        restart_generation: Some(generation),
                        restart_seed: Some(seed),
                    })
                    .await?;
                Ok(generation)
            }
            Self::Kubernetes(k) => {
                for _ in 0..RESTART_ATTEMPTS {
                    let current = k.get().await?;
                    let version = current["metadata"]["resourceVersion"].clone();
                    let applied = current["status"]["appliedRestartGeneration"].as_i64().unwrap_or(0);
                    let generation = current["spec"]["restartGeneration"]
                        .as_i64()
                        .unwrap_or(0)
                        .max(applied)
                        .saturating_add(1);
                    // The resourceVersion makes the bump conditional: a concurrent bump is a 409
                    // and this one is retried on top of it, so two requests mean two restarts.
                    let body = json!({
                        "metadata": {"resourceVersion": version},
                        "spec": {
                            "restartGeneration": generation,
                            "restartSeed": seed,
                            "paused": false,
                            "botsOnly": false,
                        },
                    });
                    if k.patch(&body).await?.is_some() {
                        return Ok(generation);
                    }
                }
                Err(ApiError::Unavailable("kubernetes api: the universe kept changing; retry".into()))
            }
        }
    }

    /// Clears and refuses human claims.
    pub async fn bots_only<S: Store>(&self, store: &S, universe: &str) -> Result<u64, ApiError> {
        match self {
            Self::Store => {
                // Flag first: the claim script checks it atomically, so no claim can land after the clear.
                store
                    .update_control(&ControlPatch { bots_only: Some(true), ..ControlPatch::default() })
                    .await?;
                Ok(store.clear_claims(universe).await?)
            }
            Self::Kubernetes(k) => {
                // The operator writes the flag to the control hash and the sim clears the
                // claims in its next tick commit.
                k.patch_spec(json!({ "botsOnly": true })).await?;
                Ok(0)
            }
        }
    }

    /// Whether the run is paused as the writer's source of truth says.
    pub async fn paused<S: Store>(&self, store: &S, universe: &str) -> Result<bool, ApiError> {
        match self {
            Self::Store => Ok(store.control(universe).await?.paused),
            Self::Kubernetes(k) => Ok(spec_bool(&k.get().await?, "paused")),
        }
    }

    /// Pauses or resumes the run.
    pub async fn set_paused<S: Store>(&self, store: &S, paused: bool) -> Result<(), ApiError> {
        match self {
            Self::Store => {
                store
                    .update_control(&ControlPatch { paused: Some(paused), ..ControlPatch::default() })
                    .await?;
                Ok(())
            }
            Self::Kubernetes(k) => k.patch_spec(json!({ "paused": paused })).await.map(|_| ()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::get;
    use sector_store::MemoryStore;
    use sector_store::prelude::*;

    use super::*;

    /// A stand-in for the Kubernetes API: one SectorUniverse; the first `conflicts` patches
    /// answer 409; every patch is recorded with its content type and token.
    #[derive(Default)]
    struct FakeApi {
        resource: Mutex<Value>,
        patches: Mutex<Vec<(String, String, Value)>>,
        conflicts: Mutex<usize>,
    }

    async fn get_su(State(api): State<Arc<FakeApi>>) -> axum::Json<Value> {
        axum::Json(api.resource.lock().unwrap().clone())
    }

    async fn patch_su(
        State(api): State<Arc<FakeApi>>,
        headers: HeaderMap,
        body: String,
    ) -> (StatusCode, String) {
        let header =
            |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let patch: Value = serde_json::from_str(&body).unwrap();
        api.patches.lock().unwrap().push((header("content-type"), header("authorization"), patch.clone()));
        let mut conflicts = api.conflicts.lock().unwrap();
        if *conflicts > 0 {
            *conflicts -= 1;
            // Someone else bumped meanwhile.
            let mut resource = api.resource.lock().unwrap();
            let bumped = resource["spec"]["restartGeneration"].as_i64().unwrap_or(0) + 1;
            resource["spec"]["restartGeneration"] = json!(bumped);
            resource["metadata"]["resourceVersion"] = json!("2");
            return (StatusCode::CONFLICT, json!({"message": "conflict"}).to_string());
        }
        let mut resource = api.resource.lock().unwrap();
        for (k, v) in patch["spec"].as_object().unwrap() {
            resource["spec"][k] = v.clone();
        }
        (StatusCode::OK, resource.to_string())
    }

    async fn fake_api(conflicts: usize) -> (Arc<FakeApi>, KubernetesWriter) {
        let api = Arc::new(FakeApi::default());
        *api.resource.lock().unwrap() = json!({
            "metadata": {"name": "blue", "namespace": "games", "resourceVersion": "1"},
            "spec": {"restartGeneration": 2, "paused": false},
            "status": {"appliedRestartGeneration": 2},
        });
        *api.conflicts.lock().unwrap() = conflicts;
        let path = "/apis/sector.dev/v1alpha1/namespaces/games/sectoruniverses/blue";
        let app = Router::new().route(path, get(get_su).patch(patch_su)).with_state(api.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let token_file =
            std::env::temp_dir().join(format!("sector-api-token-{}-{}", std::process::id(), addr.port()));
        std::fs::write(&token_file, "tok-123\n").unwrap();
        let target = KubernetesTarget {
            base_url: format!("http://{addr}"),
            token_file,
            universe: ManagedUniverse { name: "blue".into(), namespace: "games".into() },
        };
        (api, KubernetesWriter::new(reqwest::Client::new(), target))
    }

    #[tokio::test]
    async fn managed_admin_actions_patch_the_universe_spec() {
        let (api, writer) = fake_api(1).await;
        let control = ControlWriter::Kubernetes(writer);
        let store = MemoryStore::new();

        // One conflicting bump meanwhile: retried on top of it, so this one is generation 4.
        let generation = control.restart(&store, Some("seed-9".into())).await.unwrap();
        assert_eq!(generation, 4);
        control.set_paused(&store, true).await.unwrap();
        assert!(control.paused(&store, "1").await.unwrap());
        assert_eq!(control.bots_only(&store, "1").await.unwrap(), 0);

        let patches = api.patches.lock().unwrap().clone();
        assert_eq!(patches.len(), 4);
        for (content_type, auth, _) in &patches {
            assert_eq!(
                (content_type.as_str(), auth.as_str()),
                ("application/merge-patch+json", "Bearer tok-123")
            );
        }
        assert_eq!(patches[0].2["metadata"]["resourceVersion"], "1");
        assert_eq!(patches[1].2["metadata"]["resourceVersion"], "2");
        assert_eq!(
            patches[1].2["spec"],
            json!({"restartGeneration": 4, "restartSeed": "seed-9", "paused": false, "botsOnly": false})
        );
        assert_eq!(patches[2].2, json!({"spec": {"paused": true}}));
        assert_eq!(patches[3].2, json!({"spec": {"botsOnly": true}}));
        // Nothing went to the control hash: the operator carries the spec there.
        assert_eq!(store.control("1").await.unwrap(), sector_store::Control::default());
    }

    #[tokio::test]
    async fn api_server_errors_are_unavailable_with_its_message() {
        let (_api, writer) = fake_api(0).await;
        let mut target = writer.target.clone();
        target.universe.name = "missing".into();
        let control = ControlWriter::Kubernetes(KubernetesWriter::new(reqwest::Client::new(), target));
        let err = control.set_paused(&MemoryStore::new(), true).await.unwrap_err();
        assert!(matches!(err, ApiError::Unavailable(ref m) if m.contains("404")), "{err:?}");
    }

    #[test]
    fn managed_only_with_a_name() {
        let none = ManagedUniverse::from_lookup(|_| None).unwrap();
        assert_eq!(none, None);
        let managed = ManagedUniverse::from_lookup(|v| match v {
            "SECTOR_UNIVERSE_NAME" => Some("blue".into()),
            "SECTOR_UNIVERSE_NAMESPACE" => Some("games".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(managed, Some(ManagedUniverse { name: "blue".into(), namespace: "games".into() }));
    }
}
