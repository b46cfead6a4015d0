//! Deleting a universe removes every child through the garbage collector (owner references;
//! kube-controller-manager does the work, the operator has no finalizer), and the Redis data
//! claim follows `spec.redis.storage.retentionPolicy`: Retain (the default) keeps it, Delete
//! removes it with the StatefulSet.

use std::time::Duration;

use anyhow::{Result, ensure};
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::api::{Api, DeleteParams};

use super::examples::fresh_volume;
use super::support::wait_workloads_ready;
use crate::suite::{Suite, children_of};
use crate::wait;

pub async fn run(s: &mut Suite) -> Result<()> {
    let ns = s.namespace("e2e-delete").await?;
    for (name, policy) in [("keep", "Retain"), ("drop", "Delete")] {
        fresh_volume(s, &format!("e2e-delete-{name}"), "1Gi").await?;
        let yaml = format!(
            "apiVersion: sector.dev/v1alpha1\nkind: SectorUniverse\nmetadata: {{name: {name}}}\n\
             spec: {{redis: {{storage: {{size: 1Gi, retentionPolicy: {policy}}}}}}}\n"
        );
        s.apply(&ns, &yaml).await?;
    }
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(s.client.clone(), &ns);
    for name in ["keep", "drop"] {
        s.observed(&ns, name).await?;
        wait_workloads_ready(s, &ns, name).await?;
        let children = children_of(s, &ns, name).await?;
        ensure!(children.len() >= 8, "{name} has only {} children", children.len());
    }

    let universes = s.universes(&ns);
    for name in ["keep", "drop"] {
        universes.delete(name, &DeleteParams::foreground()).await?;
    }
    let (shared, ns_ref, claims) = (&*s, ns.as_str(), &claims);
    for name in ["keep", "drop"] {
        wait::until(&format!("{name}'s children to be collected"), Duration::from_secs(90), || async move {
            let left = children_of(shared, ns_ref, name).await?;
            let pods = shared
                .kubectl
                .run(&[
                    "get",
                    "pods",
                    "-n",
                    ns_ref,
                    "-l",
                    &format!("sector.dev/universe={name}"),
                    "-o",
                    "name",
                ])
                .await?;
            Ok(if left.is_empty() && pods.trim().is_empty() {
                Ok(())
            } else {
                Err(format!("{} children, pods {:?}", left.len(), pods.trim()))
            })
        })
        .await?;
    }
    wait::until("the Delete policy's claim to go", Duration::from_secs(60), || async move {
        Ok(match claims.get_opt("data-drop-redis-0").await? {
            None => Ok(()),
            Some(c) => Err(format!("still there (deletion at {:?})", c.metadata.deletion_timestamp)),
        })
    })
    .await?;
    let kept = claims.get_opt("data-keep-redis-0").await?;
    ensure!(
        kept.is_some_and(|c| c.metadata.deletion_timestamp.is_none()),
        "the Retain policy's claim was deleted"
    );
    Ok(())
}
