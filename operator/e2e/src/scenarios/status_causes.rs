//! A universe that is not Ready says why, in terms an admin can act on, read from the
//! operator's watch caches and shown by `kubectl describe`:
//! - a Redis volume claim left Pending: no default StorageClass in this cluster, or a named
//!   StorageClass that does not exist (the real PV controller leaves the claims Pending);
//! - a pod the real scheduler cannot place (more CPU asked than the fake node's 1,000);
//! - an image that cannot be pulled and a container that crash-loops, reported on a pod's
//!   status as a kubelet does (kwok plays the kubelet and never pulls or runs anything, so the
//!   test writes what a kubelet would; the ReplicaSet controller then counts the pod unready).

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::json;

use super::support::condition;
use crate::suite::Suite;
use crate::wait;

const LIMIT: Duration = Duration::from_secs(60);

fn universe(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: sector.dev/v1alpha1\nkind: SectorUniverse\nmetadata: {{name: {name}}}\nspec: {spec}\n---\n"
    )
}

/// Waits until the universe's Ready condition has `reason` and a message with every `parts`;
/// returns the message.
async fn wait_cause(s: &Suite, ns: &str, name: &str, reason: &str, parts: &[&str]) -> Result<String> {
    let api = &s.universes(ns);
    wait::until(&format!("{name}: Ready reason {reason}"), LIMIT, || async move {
        let su = api.get(name).await?;
        let ready =
            condition(&su, "Ready").map(|c| (c.reason.clone(), c.message.clone())).unwrap_or_default();
        Ok(if ready.0 == reason && parts.iter().all(|p| ready.1.contains(p)) {
            Ok(ready.1)
        } else {
            Err(format!("Ready {}: {}", ready.0, ready.1))
        })
    })
    .await
}

/// The pod of a universe's component, once the scheduler placed it and kwok started it.
async fn running_pod(s: &Suite, ns: &str, universe: &str, component: &str) -> Result<Pod> {
    let pods: Api<Pod> = Api::namespaced(s.client.clone(), ns);
    let selector = format!("sector.dev/universe={universe},app.kubernetes.io/component={component}");
    let (pods, selector) = (&pods, &selector);
    wait::until(&format!("{universe}'s {component} pod running"), LIMIT, || async move {
        let list = pods.list(&ListParams::default().labels(selector)).await?.items;
        let running = list.into_iter().find(|p| {
            p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
                && p.status.as_ref().and_then(|s| s.pod_ip.as_ref()).is_some()
        });
        Ok(running.ok_or_else(|| "no running pod yet".to_owned()))
    })
    .await
}

/// Reports on a pod's status what a kubelet reports for a container stuck in `waiting`.
async fn kubelet_reports(
    s: &Suite,
    ns: &str,
    pod: &Pod,
    container: &str,
    state: serde_json::Value,
) -> Result<()> {
    let pods: Api<Pod> = Api::namespaced(s.client.clone(), ns);
    let name = pod.metadata.name.clone().context("pod name")?;
    let status = json!({"status": {
        "conditions": [
            {"type": "PodScheduled", "status": "True"},
            {"type": "Initialized", "status": "True"},
            {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady"},
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
        ],
        "containerStatuses": [state.as_object().cloned().map(|mut o| {
            o.insert("name".into(), json!(container));
            o.insert("ready".into(), json!(false));
            o
        })],
    }});
    pods.patch_status(&name, &PatchParams::default(), &Patch::Strategic(status)).await?;
    Ok(())
}

pub async fn run(s: &mut Suite) -> Result<()> {
    let ns = s.namespace("e2e-causes").await?;
    let yaml = [
        universe("nodefault", "{redis: {storage: {size: 1Gi}}}"),
        universe("noclass", "{redis: {storage: {size: 1Gi, storageClassName: fast-ssd}}}"),
        universe("toobig", "{api: {resources: {requests: {cpu: \"5000\"}, limits: {cpu: \"5000\"}}}}"),
        universe("broken", "{}"),
    ]
    .concat();
    s.apply(&ns, &yaml).await?;

    wait_cause(
        s,
        &ns,
        "nodefault",
        "VolumePending",
        &["data-nodefault-redis-0 is Pending", "no default StorageClass"],
    )
    .await?;
    let message =
        wait_cause(s, &ns, "noclass", "VolumePending", &["StorageClass \"fast-ssd\" does not exist"]).await?;
    let su = s.universe(&ns, "noclass").await?;
    let summary = su.status.and_then(|st| st.message).unwrap_or_default();
    ensure!(
        summary.contains("fast-ssd"),
        "the phase message leads to the claim too: {summary:?} (Ready: {message})"
    );
    let described = s.kubectl.run(&["describe", "sectoruniverse", "nodefault", "-n", &ns]).await?;
    ensure!(
        described.contains("no default StorageClass"),
        "kubectl describe does not show the cause:\n{described}"
    );

    wait_cause(
        s,
        &ns,
        "toobig",
        "Unschedulable",
        &["toobig-api-", "cannot be scheduled", "Insufficient cpu"],
    )
    .await?;

    let pod = running_pod(s, &ns, "broken", "api").await?;
    let image = "registry.invalid/sector:missing";
    kubelet_reports(s, &ns, &pod, "api", json!({
        "image": image, "imageID": "", "restartCount": 0,
        "state": {"waiting": {"reason": "ImagePullBackOff", "message": format!("Back-off pulling image \"{image}\"")}},
    }))
    .await?;
    wait_cause(s, &ns, "broken", "ImagePullFailed", &["container api of pod", "cannot pull image", image])
        .await?;

    kubelet_reports(s, &ns, &pod, "api", json!({
        "image": "sector:e2e", "imageID": "", "restartCount": 6,
        "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s restarting failed container"}},
        "lastState": {"terminated": {"exitCode": 101, "reason": "Error"}},
    }))
    .await?;
    wait_cause(s, &ns, "broken", "CrashLooping", &["is crash-looping", "6 restarts", "last exit code 101"])
        .await?;
    // Unschedulable pods and failing universes keep the scheduler and the operator busy; later
    // scenarios measure a quiet cluster.
    s.kubectl.run(&["delete", "namespace", &ns, "--wait=false"]).await?;
    Ok(())
}
