//! `examples/minimal.yaml` and `examples/full.yaml` applied as the docs say: every child exists,
//! is owned by its universe and managed by the operator's field manager; pods come up Ready
//! (kwok); the status progresses Pending → Running once Redis answers and the simulation
//! reports, with one PhaseChanged Event per change; the full example runs the operator's
//! default image (the example pins none).

use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};

use super::support::{condition, registry, wait_phase, wait_workloads_ready};
use crate::suite::{Suite, children_of, kind_name, uid_of};
use crate::wait;

const FULL_PREREQUISITES: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: red-auth}
stringData: {jwt-secret: e2e-jwt-secret-0123456789abcdef0123456789, bot-token: e2e-bot-token-0123456789abcdef}
---
apiVersion: v1
kind: Secret
metadata: {name: red-tls}
type: kubernetes.io/tls
stringData: {tls.crt: not-a-real-certificate, tls.key: not-a-real-key}
---
apiVersion: v1
kind: Secret
metadata: {name: red-minter}
stringData: {private-key: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"}
"#;

/// A fresh, unbound volume for a Redis claim (no provisioner runs in the test cluster; a
/// volume left Released by an earlier run would never bind again).
pub async fn fresh_volume(s: &Suite, name: &str, size: &str) -> Result<()> {
    let dir = s.run_dir.join("volumes").join(name);
    s.kubectl.run(&["delete", "pv", name, "--ignore-not-found", "--wait=true"]).await?;
    let yaml = format!(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {name}}}\nspec:\n  capacity: {{storage: {size}}}\n  \
         accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Retain\n  hostPath: {{path: {}}}\n",
        dir.display()
    );
    s.kubectl.run_with(&["apply", "-f", "-"], Some(&yaml)).await?;
    Ok(())
}

pub async fn run(s: &mut Suite) -> Result<()> {
    let ns = s.namespace("e2e-examples").await?;
    s.apply(&ns, FULL_PREREQUISITES).await?;
    fresh_volume(s, "e2e-examples-red", "2Gi").await?;
    for example in ["minimal", "full"] {
        let path = s.root.join(format!("examples/{example}.yaml"));
        s.kubectl.run(&["apply", "--server-side", "-n", &ns, "-f", &path.to_string_lossy()]).await?;
    }
    let default_image = s.launch.chart_env("SECTOR_IMAGE")?;

    for (universe, factions, expect_kinds) in [
        (
            "blue",
            5,
            &[
                "Secret",
                "ConfigMap",
                "Service",
                "StatefulSet",
                "Deployment",
                "ServiceAccount",
                "Role",
                "RoleBinding",
            ][..],
        ),
        ("red", 8, &["Ingress", "PodDisruptionBudget"][..]),
    ] {
        let first = wait_phase(s, &ns, universe, "Pending").await?;
        ensure!(
            condition(&first, "RedisReady").is_some_and(|c| c.status == "False"),
            "{universe}: RedisReady should be False before its Redis answers"
        );
        let redis = s.universe_redis(&ns, universe).await?;
        let ids = registry(factions);
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        redis.play_sim("run-1", 12, "running", &ids).await?;
        let su = wait_phase(s, &ns, universe, "Running").await?;
        wait_workloads_ready(s, &ns, universe).await?;

        let status = su.status.clone().unwrap_or_default();
        ensure!(status.observed_generation == su.metadata.generation, "{universe}: observedGeneration lags");
        for kind in ["Ready", "RedisReady", "SimulationRunning", "Paused", "Degraded"] {
            let c = condition(&su, kind).with_context(|| format!("{universe}: no {kind} condition"))?;
            ensure!(
                c.observed_generation == su.metadata.generation,
                "{universe}: {kind} has a stale generation"
            );
        }
        ensure!(
            condition(&su, "RedisReady").is_some_and(|c| c.status == "True"),
            "{universe}: RedisReady not True"
        );
        ensure!(status.run.as_deref() == Some("run-1"), "{universe}: status.run is {:?}", status.run);

        // Every child: owned by the universe (controller), applied by the operator's manager.
        let uid = uid_of(&su);
        let children = children_of(s, &ns, universe).await?;
        let kinds: Vec<String> =
            children.iter().map(|c| c["kind"].as_str().unwrap_or_default().to_owned()).collect();
        for kind in expect_kinds {
            ensure!(kinds.iter().any(|k| k == kind), "{universe}: no {kind} child among {kinds:?}");
        }
        for child in &children {
            let owned = child["metadata"]["ownerReferences"].as_array().is_some_and(|refs| {
                refs.iter().any(|r| {
                    r["uid"] == uid.as_str() && r["kind"] == "SectorUniverse" && r["controller"] == true
                })
            });
            ensure!(owned, "{} is not controlled by {universe}", kind_name(child));
            let applied = child["metadata"]["managedFields"].as_array().is_some_and(|fields| {
                fields.iter().any(|f| f["manager"] == "sector-operator" && f["operation"] == "Apply")
            });
            ensure!(applied, "{} has no server-side apply by sector-operator", kind_name(child));
            if child["kind"] == "Deployment" {
                for container in
                    child["spec"]["template"]["spec"]["containers"].as_array().into_iter().flatten()
                {
                    let image = container["image"].as_str().unwrap_or_default();
                    ensure!(
                        image == default_image,
                        "{}: image {image}, expected the operator's default {default_image}",
                        kind_name(child)
                    );
                }
            }
        }

        // One PhaseChanged Event per change: a chain new → … → Running, no repeats.
        let (shared, ns_ref) = (&*s, ns.as_str());
        let changes =
            wait::until(&format!("{universe}'s phase Events"), Duration::from_secs(30), || async move {
                let events = shared.events(ns_ref, universe).await?;
                let changes: Vec<(String, i32)> = events
                    .iter()
                    .filter(|e| e.reason.as_deref() == Some("PhaseChanged"))
                    .map(|e| (e.note.clone().unwrap_or_default(), e.series.as_ref().map_or(1, |s| s.count)))
                    .collect();
                Ok(if changes.last().is_some_and(|(note, _)| note.contains("→ Running")) {
                    Ok(changes)
                } else {
                    Err(format!("phase events so far: {changes:?}"))
                })
            })
            .await?;
        let mut from = "new".to_owned();
        for (note, count) in &changes {
            ensure!(*count <= 1, "{universe}: phase event repeated {count} times: {note}");
            let (transition, _) = note.split_once(':').unwrap_or((note, ""));
            let Some((before, after)) = transition.split_once(" → ") else {
                bail!("unexpected note {note:?}")
            };
            ensure!(before.trim() == from, "{universe}: phase events do not chain: {changes:?}");
            from = after.trim().to_owned();
        }
        ensure!(from == "Running", "{universe}: last phase event ends in {from}");
    }

    // The full example's Redis keeps its data on the claim it asked for.
    let pvcs = s.kubectl.run(&["get", "pvc", "-n", &ns, "-o", "jsonpath={.items[*].status.phase}"]).await?;
    ensure!(pvcs.split_whitespace().any(|p| p == "Bound"), "red's Redis claim is not Bound: {pvcs:?}");
    Ok(())
}
