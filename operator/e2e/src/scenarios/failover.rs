//! Two operator replicas: one holds the Lease and works, the other waits. Killing the leader
//! (no graceful release) hands the Lease to the other within the lease duration, and it carries
//! on: the next admin change is written to the control hash once, with one Event.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::Api;

use super::admin_actions::{NAME, NS, admin_change};
use crate::suite::{OPERATOR_NAMESPACE, Suite};
use crate::wait;

async fn holder(leases: &Api<Lease>, name: &str) -> Result<Option<String>> {
    Ok(leases.get_opt(name).await?.and_then(|l| l.spec).and_then(|s| s.holder_identity))
}

pub async fn run(s: &mut Suite) -> Result<()> {
    let lease = s.launch.chart_env("LEASE_NAME")?;
    let leases: Api<Lease> = Api::namespaced(s.client.clone(), OPERATOR_NAMESPACE);
    s.start_operator("sector-operator-e2e-1").await?;
    let identities: Vec<String> = s.operators.iter().map(|o| o.identity.clone()).collect();
    ensure!(identities.len() == 2, "expected two replicas, have {identities:?}");

    let leader = holder(&leases, &lease).await?.context("nobody holds the lease")?;
    let index = identities
        .iter()
        .position(|i| *i == leader)
        .with_context(|| format!("lease held by {leader}, not a replica"))?;
    let follower = identities[1 - index].clone();
    s.operators[index].kill().await?;
    s.operators.remove(index);
    let (leases, lease_ref, follower_ref) = (&leases, lease.as_str(), follower.as_str());
    wait::until("the follower to take the lease", Duration::from_secs(40), || async move {
        let now = holder(leases, lease_ref).await?;
        Ok(if now.as_deref() == Some(follower_ref) { Ok(()) } else { Err(format!("held by {now:?}")) })
    })
    .await?;
    println!("lease moved from {leader} to {follower}");

    // The new leader acts, once.
    let paused = s.universe(NS, NAME).await?.spec.paused;
    admin_change(
        s,
        NS,
        NAME,
        serde_json::json!({ "paused": !paused }),
        if paused { "Resumed" } else { "Paused" },
        move |c| c.paused != paused,
    )
    .await?;
    Ok(())
}
