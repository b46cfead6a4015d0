//! The operator keeps its own CRD current. Helm installs a chart's `crds/` once and never
//! upgrades them, so after a chart upgrade a new operator would run against the old schema (new
//! fields pruned, new rules missing). With `MANAGE_CRD` (the default) the leader server-side
//! applies `SectorUniverse::crd()` under its field manager at start, forcing conflicts (Helm or
//! `kubectl apply` may own fields from the first install), and waits until the API server reports
//! the CRD Established before it reconciles anything.

use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::wait::Condition;
use kube::runtime::wait::conditions;
use kube::{Client, CustomResourceExt, ResourceExt};

use crate::crd::SectorUniverse;
use crate::names::FIELD_MANAGER;

/// The CRD's name (`<plural>.<group>`); the chart's RBAC names it in `resourceNames`.
pub const CRD_NAME: &str = "sectoruniverses.sector.dev";

/// How often the CRD is read while waiting for it to be Established.
const POLL: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum CrdInstallError {
    #[error(
        "applying the CustomResourceDefinition {CRD_NAME} (server-side apply as {FIELD_MANAGER}; needs get, \
         create and patch on customresourcedefinitions, or set MANAGE_CRD=false and upgrade it yourself): {0}"
    )]
    Apply(#[source] kube::Error),
    #[error("reading the CustomResourceDefinition {CRD_NAME}: {0}")]
    Read(#[source] kube::Error),
    #[error("the CustomResourceDefinition {CRD_NAME} is not Established after {0:?}: {1}")]
    NotEstablished(Duration, String),
}

/// What [`ensure`] did to the CRD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// The apply request: the CRD exactly as the types define it (what `crdgen` writes to `crds/`),
/// under the operator's field manager, taking over fields another manager set.
pub fn apply_request() -> (PatchParams, CustomResourceDefinition) {
    (PatchParams::apply(FIELD_MANAGER).force(), SectorUniverse::crd())
}

/// Applies the CRD and waits up to `timeout` for it to be Established.
pub async fn ensure(client: &Client, timeout: Duration) -> Result<Outcome, CrdInstallError> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let before = api.get_opt(CRD_NAME).await.map_err(CrdInstallError::Read)?;
    let (params, crd) = apply_request();
    let after = api.patch(CRD_NAME, &params, &Patch::Apply(&crd)).await.map_err(CrdInstallError::Apply)?;
    let outcome = match before {
        None => Outcome::Created,
        Some(b) if b.resource_version() != after.resource_version() => Outcome::Updated,
        Some(_) => Outcome::Unchanged,
    };
    let deadline = tokio::time::Instant::now() + timeout;
    let mut current = Some(after);
    loop {
        if conditions::is_crd_established().matches_object(current.as_ref()) {
            return Ok(outcome);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(CrdInstallError::NotEstablished(timeout, conditions_text(current.as_ref())));
        }
        tokio::time::sleep(POLL).await;
        current = api.get_opt(CRD_NAME).await.map_err(CrdInstallError::Read)?;
    }
}

/// The CRD's conditions as `Type=Status (reason: message)`, for the timeout error.
fn conditions_text(crd: Option<&CustomResourceDefinition>) -> String {
    let Some(crd) = crd else { return "it is gone".to_owned() };
    let listed: Vec<String> = crd
        .status
        .iter()
        .flat_map(|s| s.conditions.iter().flatten())
        .map(|c| {
            format!(
                "{}={} ({}: {})",
                c.type_,
                c.status,
                c.reason.as_deref().unwrap_or_default(),
                c.message.as_deref().unwrap_or_default()
            )
        })
        .collect();
    if listed.is_empty() { "no conditions reported".to_owned() } else { listed.join("; ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_applies_the_generated_crd_as_the_operator() {
        let (params, crd) = apply_request();
        assert_eq!(params.field_manager.as_deref(), Some(FIELD_MANAGER));
        assert!(params.force, "conflicts with the first installer's fields are taken over");
        assert_eq!(crd.metadata.name.as_deref(), Some(CRD_NAME));
        let body = serde_json::to_value(&crd).expect("serializes");
        assert_eq!(body["apiVersion"], "apiextensions.k8s.io/v1");
        assert_eq!(body["kind"], "CustomResourceDefinition");
        // Exactly what crds/sectoruniverse.yaml holds (tests/crd.rs keeps that file current).
        let yaml = crate::crd::crd_yaml().expect("yaml");
        let file: serde_json::Value = serde_yaml::from_str(&yaml).expect("parses");
        assert_eq!(body, file);
    }
}
