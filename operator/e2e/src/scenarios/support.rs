//! Small checks several scenarios share.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::api::{Api, ListParams};
use sector_operator::crd::SectorUniverse;

use crate::suite::Suite;
use crate::wait;

pub const SETTLE: Duration = Duration::from_secs(90);

/// A condition of the universe's status by type.
pub fn condition<'a>(su: &'a SectorUniverse, kind: &str) -> Option<&'a Condition> {
    su.status.as_ref()?.conditions.iter().find(|c| c.type_ == kind)
}

pub fn phase(su: &SectorUniverse) -> String {
    su.status.as_ref().and_then(|s| s.phase).map(|p| p.to_string()).unwrap_or_else(|| "none".into())
}

/// Waits until the universe reports `phase`.
pub async fn wait_phase(s: &Suite, namespace: &str, name: &str, wanted: &str) -> Result<SectorUniverse> {
    let api = &s.universes(namespace);
    wait::until(&format!("{name} in phase {wanted}"), SETTLE, || async move {
        let su = api.get(name).await?;
        let now = phase(&su);
        Ok(if now == wanted {
            Ok(su)
        } else {
            Err(format!(
                "phase {now}: {}",
                su.status.as_ref().and_then(|s| s.message.clone()).unwrap_or_default()
            ))
        })
    })
    .await
}

/// Waits until every Deployment and StatefulSet of the universe has all its replicas ready
/// (kwok marks scheduled pods Running and Ready; the controllers count them).
pub async fn wait_workloads_ready(s: &Suite, namespace: &str, universe: &str) -> Result<()> {
    let selector = format!("sector.dev/universe={universe}");
    let deployments: Api<Deployment> = Api::namespaced(s.client.clone(), namespace);
    let sets: Api<StatefulSet> = Api::namespaced(s.client.clone(), namespace);
    let (deployments, sets, selector) = (&deployments, &sets, &selector);
    wait::until(&format!("{universe}'s workloads ready"), SETTLE, || async move {
        let mut waiting = Vec::new();
        let lp = ListParams::default().labels(selector);
        let deployments = deployments.list(&lp).await?.items;
        if deployments.is_empty() {
            return Ok(Err("no Deployments yet".into()));
        }
        for d in deployments {
            let wanted = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let ready = d.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0);
            if ready != wanted {
                waiting.push(format!("Deployment/{} {ready}/{wanted}", d.metadata.name.unwrap_or_default()));
            }
        }
        for set in sets.list(&lp).await?.items {
            let wanted = set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let ready = set.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0);
            if ready != wanted {
                waiting
                    .push(format!("StatefulSet/{} {ready}/{wanted}", set.metadata.name.unwrap_or_default()));
            }
        }
        Ok(if waiting.is_empty() { Ok(()) } else { Err(waiting.join(", ")) })
    })
    .await
}

/// Waits until every Deployment and StatefulSet in the namespace has all its replicas ready
/// and updated: a fleet has settled only once the controllers stop writing too.
pub async fn wait_all_workloads_ready(s: &Suite, namespace: &str, limit: Duration) -> Result<()> {
    let deployments: Api<Deployment> = Api::namespaced(s.client.clone(), namespace);
    let sets: Api<StatefulSet> = Api::namespaced(s.client.clone(), namespace);
    let (deployments, sets) = (&deployments, &sets);
    wait::until("every workload of the fleet ready", limit, || async move {
        let mut waiting = 0;
        for d in deployments.list(&Default::default()).await?.items {
            let status = d.status.unwrap_or_default();
            let wanted = d.spec.and_then(|s| s.replicas).unwrap_or(1);
            waiting += usize::from(
                status.ready_replicas.unwrap_or(0) != wanted
                    || status.updated_replicas.unwrap_or(0) != wanted,
            );
        }
        for set in sets.list(&Default::default()).await?.items {
            let wanted = set.spec.and_then(|s| s.replicas).unwrap_or(1);
            waiting += usize::from(set.status.and_then(|s| s.ready_replicas).unwrap_or(0) != wanted);
        }
        Ok(if waiting == 0 { Ok(()) } else { Err(format!("{waiting} workloads not ready")) })
    })
    .await
}

pub async fn deployment(s: &Suite, namespace: &str, name: &str) -> Result<Deployment> {
    let api: Api<Deployment> = Api::namespaced(s.client.clone(), namespace);
    api.get(name).await.with_context(|| format!("Deployment {name}"))
}

/// Merge-patches a universe as an admin does with `kubectl patch --type merge`.
pub async fn patch(s: &Suite, namespace: &str, name: &str, patch: serde_json::Value) -> Result<()> {
    s.kubectl
        .run(&["patch", "sectoruniverse", name, "-n", namespace, "--type", "merge", "-p", &patch.to_string()])
        .await?;
    Ok(())
}

/// The universe is not failing to apply its children (a spec change that the API server
/// refuses for a child shows up here, and in ApplyFailed Events).
pub async fn assert_applied_cleanly(s: &Suite, namespace: &str, name: &str) -> Result<()> {
    let su = s.observed(namespace, name).await?;
    if let Some(c) = condition(&su, "Degraded")
        && c.status == "True"
        && c.reason == "ApplyFailed"
    {
        bail!("{name} is Degraded: {}", c.message);
    }
    let failures = s.event_count(namespace, name, "ApplyFailed").await?;
    if failures > 0 {
        bail!("{name} recorded {failures} ApplyFailed events");
    }
    Ok(())
}

/// The factions a universe's registry holds: the configured ones and the League.
pub fn registry(factions: usize) -> Vec<String> {
    let mut ids: Vec<String> = (1..=factions).map(|i| format!("F{i}")).collect();
    ids.push("L".into());
    ids
}
