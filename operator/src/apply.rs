//! Applies a universe's children: server-side apply under one field manager for the wanted
//! ones, delete for the ones the spec switched off, and reports which workloads are not ready.
//!
//! A child whose desired content was applied recently is not sent again: the operator
//! remembers a hash of what it applied. A steady universe therefore costs a few GETs per
//! reconcile (workloads, for their readiness) instead of one write per child, which matters
//! with many universes and a short resync. The memory is dropped for a child when a watch
//! event shows it changed or went away (the runner calls [`AppliedCache::invalidate`]), and
//! everything is re-applied every `reapply` period regardless, so drift is always repaired.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use serde_json::Value;

use crate::children::Child;
use crate::names::FIELD_MANAGER;

/// What applying the children found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// `Kind/name: error` of each child that failed.
    pub errors: Vec<String>,
    /// Workloads with fewer ready replicas than wanted.
    pub not_ready: Vec<String>,
    /// The sim Deployment runs its current template on every replica.
    pub sim_rolled_out: bool,
    /// Replicas of the bot Deployment, as its status reports.
    pub bot_replicas: i32,
    /// Children deleted because the spec switched them off.
    pub deleted: Vec<String>,
    /// Children written (created or changed) this time.
    pub written: Vec<String>,
}

/// Hashes of what was last applied (or deleted), by child.
#[derive(Debug, Default)]
pub struct AppliedCache(Mutex<HashMap<String, (u64, Instant)>>);

impl AppliedCache {
    /// The cache key of a child: `namespace/Kind/name`.
    pub fn key(namespace: &str, kind: &str, name: &str) -> String {
        format!("{namespace}/{kind}/{name}")
    }

    /// Forgets a child, so the next reconcile applies it again.
    pub fn invalidate(&self, key: &str) {
        self.lock().remove(key);
    }

    /// Children remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn fresh(&self, key: &str, hash: u64, reapply: Duration) -> bool {
        self.lock().get(key).is_some_and(|(h, at)| *h == hash && at.elapsed() < reapply)
    }

    fn record(&self, key: String, hash: u64) {
        self.lock().insert(key, (hash, Instant::now()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, Instant)>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn content_hash(object: Option<&Value>) -> u64 {
    let mut hasher = DefaultHasher::new();
    // serde_json maps are ordered, so equal content gives equal text.
    object.map(Value::to_string).hash(&mut hasher);
    hasher.finish()
}

fn is_workload(child: &Child) -> bool {
    matches!(child.kind(), "Deployment" | "StatefulSet")
}

/// Applies (or deletes) every child in order. A failing child does not stop the others.
pub async fn apply_all(
    client: &Client,
    namespace: &str,
    children: &[Child],
    cache: &AppliedCache,
    reapply: Duration,
) -> Applied {
    let mut out = Applied::default();
    let params = PatchParams::apply(FIELD_MANAGER).force();
    for child in children {
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &child.resource);
        let key = AppliedCache::key(namespace, child.kind(), &child.name);
        let label = format!("{}/{}", child.kind(), child.name);
        let hash = content_hash(child.object.as_ref());
        let fresh = cache.fresh(&key, hash, reapply);
        match &child.object {
            Some(_) if fresh && !is_workload(child) => {}
            Some(object) => {
                // Unchanged workload: read it for its readiness; apply only if it is gone.
                let current = if fresh { api.get_opt(&child.name).await } else { Ok(None) };
                let result = match current {
                    Ok(Some(current)) => Ok(current),
                    Ok(None) => {
                        let applied = api.patch(&child.name, &params, &Patch::Apply(object)).await;
                        if applied.is_ok() {
                            out.written.push(label.clone());
                            cache.record(key.clone(), hash);
                        }
                        applied
                    }
                    Err(e) => Err(e),
                };
                match result {
                    Ok(current) => observe_workload(child, &current, &mut out),
                    Err(kube::Error::Api(status)) if status.code == 404 => {
                        // Applying creates what is missing, so a 404 means the kind itself is.
                        cache.invalidate(&key);
                        let kind = format!("{} {}", child.resource.api_version, child.kind());
                        out.errors.push(format!(
                            "{label}: the cluster does not serve {kind} (install its CRDs, e.g. Gateway API for an HTTPRoute)"
                        ));
                    }
                    Err(e) => {
                        cache.invalidate(&key);
                        out.errors.push(format!("{label}: {}", brief(&e)));
                    }
                }
            }
            None if fresh => {}
            None => match api.delete(&child.name, &DeleteParams::background()).await {
                Ok(_) => {
                    tracing::info!(child = %label, "deleted: switched off in the spec");
                    out.deleted.push(label);
                    cache.record(key, hash);
                }
                // Already gone, or its kind is not served at all: either way nothing to delete.
                Err(kube::Error::Api(status)) if status.code == 404 => cache.record(key, hash),
                Err(e) => out.errors.push(format!("{label}: {}", brief(&e))),
            },
        }
    }
    out
}

/// Readiness of a Deployment or StatefulSet as the API server reports it.
fn observe_workload(child: &Child, object: &DynamicObject, out: &mut Applied) {
    if !is_workload(child) {
        return;
    }
    let int = |path: &str| object.data.pointer(path).and_then(Value::as_i64).unwrap_or(0);
    let wanted = object.data.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
    let generation = object.metadata.generation.unwrap_or(0);
    let observed = int("/status/observedGeneration");
    let ready = int("/status/readyReplicas");
    let updated = int("/status/updatedReplicas");
    let total = int("/status/replicas");
    if ready < wanted {
        out.not_ready.push(format!("{}/{} ({ready}/{wanted} ready)", child.kind(), child.name));
    }
    match child.id {
        "sim-deployment" => {
            out.sim_rolled_out = observed >= generation && updated == wanted && total == wanted
        }
        "bots-deployment" => out.bot_replicas = i32::try_from(total).unwrap_or(i32::MAX),
        _ => {}
    }
}

/// The API server's message without kube's wrapping.
fn brief(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
        other => other.to_string(),
    }
}
