//! Specs the API server itself refuses (OpenAPI schema and CEL rules of the CRD), each with a
//! message that names the field, so a bad `kubectl apply` fails at once instead of producing a
//! universe that the operator can only mark Degraded.

use anyhow::{Result, ensure};

use super::support::patch;
use crate::suite::Suite;

fn universe(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: sector.dev/v1alpha1\nkind: SectorUniverse\nmetadata: {{name: {name}}}\nspec: {spec}\n"
    )
}

async fn refused(s: &Suite, ns: &str, yaml: &str, names: &[&str]) -> Result<()> {
    let message = s.kubectl.refused(&["apply", "--server-side", "-n", ns, "-f", "-"], Some(yaml)).await?;
    for name in names {
        ensure!(message.contains(name), "refusal of {yaml:?} does not name {name:?}: {message}");
    }
    Ok(())
}

async fn patch_refused(s: &Suite, ns: &str, name: &str, patch: &str, names: &[&str]) -> Result<()> {
    let args = ["patch", "sectoruniverse", name, "-n", ns, "--type", "merge", "-p", patch];
    let message = s.kubectl.refused(&args, None).await?;
    for expected in names {
        ensure!(message.contains(expected), "refusal of patch {patch} does not name {expected:?}: {message}");
    }
    Ok(())
}

pub async fn run(s: &mut Suite) -> Result<()> {
    let ns = s.namespace("e2e-invalid").await?;
    // Schema: types, bounds, unknown fields.
    refused(s, &ns, &universe("bad", "{world: {systems: 5}}"), &["spec.world.systems"]).await?;
    refused(s, &ns, &universe("bad", "{world: {factions: 13}}"), &["spec.world.factions"]).await?;
    refused(s, &ns, &universe("bad", "{world: {tickMs: fast}}"), &["spec.world.tickMs"]).await?;
    refused(s, &ns, &universe("bad", "{bots: {maxReplicas: -1}}"), &["spec.bots.maxReplicas"]).await?;
    refused(s, &ns, &universe("bad", "{colour: red}"), &["colour"]).await?;
    // CEL rules.
    refused(
        s,
        &ns,
        &universe("bad", "{bots: {minReplicas: 5, maxReplicas: 2}}"),
        &["bots.minReplicas must not exceed"],
    )
    .await?;
    refused(s, &ns, &universe("bad", "{ingress: {enabled: true}}"), &["ingress.host is required"]).await?;
    refused(s, &ns, &universe(&"x".repeat(45), "{}"), &["at most 40 characters"]).await?;
    let nothing = s.kubectl.run(&["get", "su", "-n", &ns, "-o", "name"]).await?;
    ensure!(nothing.trim().is_empty(), "a refused spec left an object: {nothing}");

    // Transition rules on a live universe.
    s.apply(&ns, &universe("live", "{restartGeneration: 2, world: {seed: alpha}}")).await?;
    patch_refused(
        s,
        &ns,
        "live",
        r#"{"spec":{"restartGeneration":1}}"#,
        &["spec.restartGeneration may only increase"],
    )
    .await?;
    patch_refused(s, &ns, "live", r#"{"spec":{"world":{"seed":"beta"}}}"#, &["spec.world.seed is fixed"])
        .await?;
    // The same seed change with a restart is a new run: accepted.
    patch(
        s,
        &ns,
        "live",
        serde_json::json!({ "spec": { "world": { "seed": "beta" }, "restartGeneration": 3 } }),
    )
    .await?;
    let su = s.universe(&ns, "live").await?;
    ensure!(su.spec.restart_generation == 3, "restartGeneration not stored");
    Ok(())
}
