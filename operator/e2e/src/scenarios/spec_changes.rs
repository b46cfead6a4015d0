//! Spec changes on a live universe, each applied cleanly to its children by the real API server
//! (or refused by it up front with a message), never leaving the universe failing to apply.

use std::time::Duration;

use anyhow::{Result, ensure};
use k8s_openapi::api::apps::v1::Deployment;

use super::support::{assert_applied_cleanly, deployment, patch, wait_workloads_ready};
use crate::suite::Suite;
use crate::wait;

const NAME: &str = "green";

/// Waits until the Deployment satisfies `check`, which says what it saw otherwise.
async fn wait_deployment(
    s: &Suite,
    ns: &str,
    name: &str,
    what: &str,
    check: impl Fn(&Deployment) -> Result<(), String>,
) -> Result<()> {
    let check = &check;
    wait::until(what, Duration::from_secs(60), || async move {
        let d = deployment(s, ns, name).await?;
        Ok(check(&d))
    })
    .await
}

fn strategy(d: &Deployment) -> (String, bool, i32) {
    let spec = d.spec.clone().unwrap_or_default();
    let strategy = spec.strategy.unwrap_or_default();
    (strategy.type_.unwrap_or_default(), strategy.rolling_update.is_some(), spec.replicas.unwrap_or(1))
}

fn containers(d: &Deployment) -> Vec<k8s_openapi::api::core::v1::Container> {
    d.spec.clone().and_then(|s| s.template.spec).map(|p| p.containers).unwrap_or_default()
}

pub async fn run(s: &mut Suite) -> Result<()> {
    let ns = s.namespace("e2e-changes").await?;
    s.apply(&ns, &format!("apiVersion: sector.dev/v1alpha1\nkind: SectorUniverse\nmetadata: {{name: {NAME}}}\nspec: {{sim: {{standby: true}}}}\n")).await?;
    s.observed(&ns, NAME).await?;
    wait_workloads_ready(s, &ns, NAME).await?;
    let sim = format!("{NAME}-sim");
    wait_deployment(s, &ns, &sim, "a standby sim rolling one pod at a time", |d| match strategy(d) {
        (t, _, 2) if t == "RollingUpdate" => Ok(()),
        other => Err(format!("strategy/replicas {other:?}")),
    })
    .await?;

    // Standby off: one replica, Recreate (no rollingUpdate left behind), and back again.
    patch(s, &ns, NAME, serde_json::json!({ "spec": { "sim": { "standby": false } } })).await?;
    wait_deployment(s, &ns, &sim, "a single sim with Recreate", |d| match strategy(d) {
        (t, false, 1) if t == "Recreate" => Ok(()),
        other => Err(format!("strategy, rollingUpdate present, replicas: {other:?}")),
    })
    .await?;
    assert_applied_cleanly(s, &ns, NAME).await?;
    patch(s, &ns, NAME, serde_json::json!({ "spec": { "sim": { "standby": true } } })).await?;
    wait_deployment(s, &ns, &sim, "the standby back", |d| match strategy(d) {
        (t, true, 2) if t == "RollingUpdate" => Ok(()),
        other => Err(format!("strategy, rollingUpdate present, replicas: {other:?}")),
    })
    .await?;
    assert_applied_cleanly(s, &ns, NAME).await?;

    // Redis storage cannot change under a StatefulSet: refused up front, naming the field.
    let refusal = s
        .kubectl
        .refused(
            &[
                "patch",
                "su",
                NAME,
                "-n",
                &ns,
                "--type",
                "merge",
                "-p",
                r#"{"spec":{"redis":{"storage":{"size":"1Gi"}}}}"#,
            ],
            None,
        )
        .await?;
    ensure!(
        refusal.contains("spec.redis.storage"),
        "storage change refused without naming the field: {refusal}"
    );

    // Resources.
    patch(
        s,
        &ns,
        NAME,
        serde_json::json!({ "spec": { "api": { "resources": { "limits": { "cpu": "1500m" } } } } }),
    )
    .await?;
    wait_deployment(s, &ns, &format!("{NAME}-api"), "the API's new CPU limit", |d| {
        let limit = containers(d)
            .first()
            .and_then(|c| c.resources.clone())
            .and_then(|r| r.limits)
            .and_then(|l| l.get("cpu").cloned());
        match limit {
            Some(q) if q.0 == "1500m" => Ok(()),
            other => Err(format!("cpu limit {other:?}")),
        }
    })
    .await?;

    // Bot bounds.
    patch(s, &ns, NAME, serde_json::json!({ "spec": { "bots": { "minReplicas": 2, "maxReplicas": 2 } } }))
        .await?;
    wait_deployment(s, &ns, &format!("{NAME}-bots"), "bots pinned to 2", |d| match strategy(d).2 {
        2 => Ok(()),
        n => Err(format!("{n} replicas")),
    })
    .await?;

    // Image: every sector workload rolls to it.
    patch(s, &ns, NAME, serde_json::json!({ "spec": { "image": "sector:e2e-next" } })).await?;
    for component in ["api", "frontend", "sim", "bots"] {
        wait_deployment(
            s,
            &ns,
            &format!("{NAME}-{component}"),
            &format!("{component} on the new image"),
            |d| {
                let images: Vec<String> = containers(d).into_iter().filter_map(|c| c.image).collect();
                if images.iter().all(|i| i == "sector:e2e-next") && !images.is_empty() {
                    Ok(())
                } else {
                    Err(format!("images {images:?}"))
                }
            },
        )
        .await?;
    }
    wait_workloads_ready(s, &ns, NAME).await?;
    assert_applied_cleanly(s, &ns, NAME).await?;
    Ok(())
}
