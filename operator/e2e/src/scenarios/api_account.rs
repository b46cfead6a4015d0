//! The API's ServiceAccount (its pods' identity) may change the admin fields of its own
//! universe and nothing else: not the image, the admins, secret references, labels, the
//! status, another universe, or any other object. The real API server enforces it (RBAC plus
//! the chart's ValidatingAdmissionPolicy).

use anyhow::{Result, ensure};
use sector_operator::names::Names;

use super::admin_actions::{NAME, NS};
use crate::suite::{Suite, token_kubeconfig};

pub async fn run(s: &mut Suite) -> Result<()> {
    let account = Names::new(NAME).api_account();
    s.apply(NS, "apiVersion: sector.dev/v1alpha1\nkind: SectorUniverse\nmetadata: {name: other}\nspec: {}\n")
        .await?;
    s.observed(NS, "other").await?;
    let token = s.kubectl.run(&["create", "token", &account, "-n", NS, "--duration=1h"]).await?;
    let kubeconfig = token_kubeconfig(s, &account, token.trim())?;
    let api = s.kubectl.as_user(&kubeconfig);
    let patch = |name: &str, body: &str| {
        ["patch", "sectoruniverse", name, "-n", NS, "--type", "merge", "-p", body].map(str::to_owned)
    };

    // Allowed: the admin fields of its own universe.
    for body in
        [r#"{"spec":{"paused":true}}"#, r#"{"spec":{"botsOnly":false}}"#, r#"{"spec":{"paused":false}}"#]
    {
        api.run(&patch(NAME, body)).await?;
    }
    let restart = s.universe(NS, NAME).await?.spec.restart_generation + 1;
    let body = format!(r#"{{"spec":{{"restartGeneration":{restart},"restartSeed":"from-api"}}}}"#);
    api.run(&patch(NAME, &body)).await?;

    // Refused: everything else about its universe.
    for body in [
        r#"{"spec":{"image":"attacker/sector:evil"}}"#,
        r#"{"spec":{"auth":{"admins":["0x000000000000000000000000000000000000dead"]}}}"#,
        r#"{"spec":{"auth":{"jwtSecretRef":{"name":"stolen","key":"k"}}}}"#,
        r#"{"spec":{"world":{"systems":40}}}"#,
        r#"{"metadata":{"labels":{"owned":"yes"}}}"#,
    ] {
        let message = api.refused(&patch(NAME, body), None).await?;
        ensure!(!message.trim().is_empty(), "refusal of {body} has no message");
        let refused_by_policy =
            message.contains("denied") || message.contains("Forbidden") || message.contains("forbidden");
        ensure!(refused_by_policy, "{body}: refused for another reason: {message}");
    }
    // Refused: other objects, other verbs.
    let message = api.refused(&patch("other", r#"{"spec":{"paused":true}}"#), None).await?;
    ensure!(message.contains("forbidden"), "patching another universe: {message}");
    for cmd in [
        vec![
            "patch",
            "sectoruniverse",
            NAME,
            "-n",
            NS,
            "--subresource=status",
            "--type",
            "merge",
            "-p",
            r#"{"status":{"phase":"Running"}}"#,
        ],
        vec!["delete", "sectoruniverse", NAME, "-n", NS],
        vec!["get", "secrets", "-n", NS],
        vec!["get", "sectoruniverses", "-n", NS],
    ] {
        let message = api.refused(&cmd, None).await?;
        ensure!(message.contains("forbidden"), "`kubectl {}` as the API account: {message}", cmd.join(" "));
    }
    let su = s.universe(NS, NAME).await?;
    ensure!(su.spec.image.is_none() && su.spec.auth.admins.is_empty(), "a refused change was stored");
    ensure!(su.spec.restart_generation == restart, "the allowed restart was not stored");
    Ok(())
}
