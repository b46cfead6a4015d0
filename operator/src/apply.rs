//! Applies a universe's children: server-side apply under one field manager for the wanted
//! ones, delete for the ones the spec switched off, and reports which workloads are not ready.
//!
//! Nothing is sent for a child that is already as wanted. The operator remembers what it
//! applied (a hash of the content, and the child's fingerprint in the reply, see
//! [`crate::cache::fingerprint`]) and compares with the watch cache: a child is applied again
//! only when the wanted content changed, the cached child is gone or was changed by someone
//! else, or `reapply` passed (drift in fields the cache does not reflect is repaired then). A
//! status update (pods becoming ready) changes no fingerprint and sends nothing. A
//! switched-off child is deleted only when the cache shows it. Readiness is read from the
//! cache too, so a settled universe costs no request at all.
//!
//! Children are applied in two waves, each concurrently: what others refer to (Secret,
//! ConfigMap, ServiceAccount, Role, Services, policies) first, then the RoleBinding, the
//! workloads and the routes.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::future::join_all;
use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use serde_json::Value;

use crate::cache::{self, Cache, Presence};
use crate::children::Child;
use crate::names::FIELD_MANAGER;
use crate::workload_state::WorkloadState;

/// When children are sent again.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Everything is applied again after this, whatever the cache says.
    pub reapply: Duration,
    /// How long a child just applied may be missing from (or older in) the cache before the
    /// operator believes the cache: watch events trail the writes that cause them.
    pub cache_lag: Duration,
}

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

/// What this replica applied (or deleted), by child.
#[derive(Debug, Default)]
pub struct AppliedCache(Mutex<HashMap<String, Record>>);

#[derive(Debug, Clone)]
struct Record {
    hash: u64,
    /// The child's fingerprint in the apply's reply (`None` for a deletion).
    fingerprint: Option<String>,
    at: Instant,
}

impl AppliedCache {
    /// The cache key of a child: `namespace/Kind/name`.
    pub fn key(namespace: &str, kind: &str, name: &str) -> String {
        format!("{namespace}/{kind}/{name}")
    }

    /// Forgets a child (it was deleted), so the next reconcile applies it again at once.
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

    fn get(&self, key: &str) -> Option<Record> {
        self.lock().get(key).cloned()
    }

    fn record(&self, key: String, hash: u64, fingerprint: Option<String>) {
        self.lock().insert(key, Record { hash, fingerprint, at: Instant::now() });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
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

/// Children that refer to others: a RoleBinding to its Role (the API server checks the Role
/// exists and grants nothing beyond the binder's rights), workloads to their Secret,
/// ConfigMap and ServiceAccount, routes to their Services.
fn second_wave(child: &Child) -> bool {
    is_workload(child)
        || matches!(child.kind(), "RoleBinding" | "Ingress" | "HTTPRoute" | "PodDisruptionBudget")
}

/// Whether a wanted child must be sent: see the module comment.
fn needs_apply(record: Option<&Record>, hash: u64, presence: &Presence, timing: Timing) -> bool {
    let Some(record) = record else { return true };
    if record.hash != hash || record.fingerprint.is_none() || record.at.elapsed() >= timing.reapply {
        return true;
    }
    if record.at.elapsed() < timing.cache_lag {
        return false;
    }
    match presence {
        Presence::Present(fingerprint) => record.fingerprint.as_ref() != Some(fingerprint),
        Presence::Absent => true,
        Presence::Unknown => false,
    }
}

/// Whether a switched-off child must be deleted.
fn needs_delete(record: Option<&Record>, hash: u64, presence: &Presence, timing: Timing) -> bool {
    let recently_deleted = record.is_some_and(|r| {
        r.hash == hash && r.fingerprint.is_none() && r.at.elapsed() < timing.cache_lag.min(timing.reapply)
    });
    match presence {
        Presence::Present(_) => !recently_deleted,
        Presence::Absent => false,
        // Unwatched kind: try once per reapply period.
        Presence::Unknown => !record.is_some_and(|r| r.hash == hash && r.at.elapsed() < timing.reapply),
    }
}

enum Outcome {
    Unchanged,
    Written(Result<Box<DynamicObject>, kube::Error>),
    Deleted(Result<(), kube::Error>),
}

/// Applies (or deletes) every child. A failing child does not stop the others.
pub async fn apply_all(
    client: &Client,
    namespace: &str,
    children: &[Child],
    cache: &Cache,
    applied: &AppliedCache,
    timing: Timing,
) -> Applied {
    let mut out = Applied::default();
    for wave in [false, true] {
        let batch: Vec<&Child> = children.iter().filter(|c| second_wave(c) == wave).collect();
        let outcomes =
            join_all(batch.iter().map(|child| apply_one(client, namespace, child, cache, applied, timing)))
                .await;
        for (child, outcome) in batch.into_iter().zip(outcomes) {
            record_outcome(namespace, child, outcome, cache, applied, &mut out);
        }
    }
    out
}

async fn apply_one(
    client: &Client,
    namespace: &str,
    child: &Child,
    cache: &Cache,
    applied: &AppliedCache,
    timing: Timing,
) -> Outcome {
    let key = AppliedCache::key(namespace, child.kind(), &child.name);
    let hash = content_hash(child.object.as_ref());
    let record = applied.get(&key);
    let presence = cache.presence(child.kind(), namespace, &child.name);
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &child.resource);
    match &child.object {
        Some(object) if needs_apply(record.as_ref(), hash, &presence, timing) => {
            let params = PatchParams::apply(FIELD_MANAGER).force();
            Outcome::Written(api.patch(&child.name, &params, &Patch::Apply(object)).await.map(Box::new))
        }
        Some(_) => Outcome::Unchanged,
        None if needs_delete(record.as_ref(), hash, &presence, timing) => {
            Outcome::Deleted(api.delete(&child.name, &DeleteParams::background()).await.map(|_| ()))
        }
        None => Outcome::Unchanged,
    }
}

fn record_outcome(
    namespace: &str,
    child: &Child,
    outcome: Outcome,
    cache: &Cache,
    applied: &AppliedCache,
    out: &mut Applied,
) {
    let key = AppliedCache::key(namespace, child.kind(), &child.name);
    let label = format!("{}/{}", child.kind(), child.name);
    let hash = content_hash(child.object.as_ref());
    match outcome {
        Outcome::Unchanged if child.object.is_some() => observe_cached(namespace, child, cache, out),
        Outcome::Unchanged => {}
        Outcome::Written(Ok(reply)) => {
            out.written.push(label);
            applied.record(key, hash, Some(cache::fingerprint(child.kind(), &reply.metadata)));
            if is_workload(child) {
                let state = WorkloadState::of_json(&reply.data, reply.metadata.generation);
                observe(state, child, out);
            }
        }
        Outcome::Written(Err(kube::Error::Api(status)))
            if status.code == 404 && status.message.contains("could not find the requested resource") =>
        {
            // Applying creates what is missing, so this 404 means the kind itself is.
            applied.invalidate(&key);
            let kind = format!("{} {}", child.resource.api_version, child.kind());
            out.errors.push(format!(
                "{label}: the cluster does not serve {kind} (install its CRDs, e.g. Gateway API for an HTTPRoute)"
            ));
        }
        Outcome::Written(Err(e)) => {
            applied.invalidate(&key);
            out.errors.push(format!("{label}: {}", brief(&e)));
        }
        Outcome::Deleted(result) => match result {
            Ok(()) => {
                tracing::info!(child = %label, "deleted: switched off in the spec");
                out.deleted.push(label);
                applied.record(key, hash, None);
            }
            // Already gone, or its kind is not served at all: either way nothing to delete.
            Err(kube::Error::Api(status)) if status.code == 404 => applied.record(key, hash, None),
            Err(e) => out.errors.push(format!("{label}: {}", brief(&e))),
        },
    }
}

/// Readiness of an unchanged workload, from the cache.
fn observe_cached(namespace: &str, child: &Child, cache: &Cache, out: &mut Applied) {
    let state = match child.kind() {
        "Deployment" => cache.deployments.get(namespace, &child.name),
        "StatefulSet" => cache.stateful_sets.get(namespace, &child.name),
        _ => return,
    };
    match state {
        Some(entry) => observe(entry.record, child, out),
        // Applied a moment ago; the watch has not shown it yet.
        None => out.not_ready.push(format!("{}/{} (not observed yet)", child.kind(), child.name)),
    }
}

/// Adds what a workload's replica counts say to `out`.
fn observe(state: WorkloadState, child: &Child, out: &mut Applied) {
    if state.ready < state.wanted {
        out.not_ready.push(format!(
            "{}/{} ({}/{} ready)",
            child.kind(),
            child.name,
            state.ready,
            state.wanted
        ));
    }
    match child.id {
        "sim-deployment" => {
            out.sim_rolled_out = state.observed >= state.generation
                && state.updated == state.wanted
                && state.total == state.wanted
        }
        "bots-deployment" => out.bot_replicas = i32::try_from(state.total).unwrap_or(i32::MAX),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn record(hash: u64, fingerprint: Option<&str>, age: Duration) -> Record {
        Record { hash, fingerprint: fingerprint.map(str::to_owned), at: Instant::now() - age }
    }

    const REAPPLY: Timing = Timing { reapply: Duration::from_secs(600), cache_lag: Duration::from_secs(15) };
    const SETTLED: Duration = Duration::from_secs(60);

    #[test]
    fn a_child_as_applied_is_not_sent_again() {
        let present = Presence::Present("g2".into());
        assert!(needs_apply(None, 1, &present, REAPPLY), "never applied by this replica");
        assert!(!needs_apply(Some(&record(1, Some("g2"), SETTLED)), 1, &present, REAPPLY));
        assert!(needs_apply(Some(&record(1, Some("g2"), SETTLED)), 2, &present, REAPPLY), "content changed");
        assert!(
            needs_apply(Some(&record(1, Some("g1"), SETTLED)), 1, &present, REAPPLY),
            "changed by someone"
        );
        assert!(needs_apply(Some(&record(1, Some("g2"), SETTLED)), 1, &Presence::Absent, REAPPLY), "deleted");
        assert!(
            needs_apply(Some(&record(1, Some("g2"), REAPPLY.reapply)), 1, &present, REAPPLY),
            "periodic repair"
        );
        assert!(
            !needs_apply(Some(&record(1, Some("g2"), Duration::ZERO)), 1, &Presence::Absent, REAPPLY),
            "just applied: the cache trails"
        );
    }

    #[test]
    fn a_switched_off_child_is_deleted_only_when_the_cache_shows_it() {
        let present = Presence::Present("v9".into());
        assert!(!needs_delete(None, 0, &Presence::Absent, REAPPLY));
        assert!(needs_delete(None, 0, &present, REAPPLY));
        assert!(!needs_delete(Some(&record(0, None, Duration::ZERO)), 0, &present, REAPPLY), "just deleted");
        assert!(needs_delete(Some(&record(0, None, SETTLED)), 0, &present, REAPPLY), "came back");
        assert!(needs_delete(None, 0, &Presence::Unknown, REAPPLY));
        assert!(!needs_delete(Some(&record(0, None, SETTLED)), 0, &Presence::Unknown, REAPPLY));
    }
}
