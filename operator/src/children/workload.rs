//! The Deployment shape shared by the `sector` workloads.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use sha2::{Digest, Sha256};

use super::Inputs;
use super::meta::component_meta;
use super::pod::{SECTOR_UID, pod_security, sector_volumes};
use crate::names::{CONFIG_HASH_ANNOTATION, Component};

/// How a workload's pods are replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollout {
    /// Old pods go before new ones start (sim: one lease holder at a time anyway).
    Recreate,
    RollingUpdate,
}

/// Options of [`deployment`].
#[derive(Debug, Clone)]
pub struct Workload {
    pub component: Component,
    pub replicas: i32,
    pub container: Container,
    pub rollout: Rollout,
    /// ServiceAccount with its token mounted (API only); others run token-less.
    pub service_account: Option<String>,
}

pub fn deployment(i: &Inputs, w: Workload) -> Deployment {
    let n = i.names();
    let strategy = strategy(w.rollout);
    Deployment {
        metadata: component_meta(i, n.of(w.component), w.component),
        spec: Some(DeploymentSpec {
            replicas: Some(w.replicas),
            revision_history_limit: Some(3),
            selector: LabelSelector {
                match_labels: Some(n.selector(w.component)),
                ..LabelSelector::default()
            },
            strategy: Some(strategy),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(n.component_labels(w.component)),
                    annotations: Some(BTreeMap::from([(
                        CONFIG_HASH_ANNOTATION.to_owned(),
                        config_hash(i.game_config),
                    )])),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    automount_service_account_token: Some(w.service_account.is_some()),
                    service_account_name: w.service_account,
                    // Service links would put every Service of the namespace into the env.
                    enable_service_links: Some(false),
                    security_context: Some(pod_security(SECTOR_UID)),
                    termination_grace_period_seconds: Some(30),
                    containers: vec![w.container],
                    volumes: Some(sector_volumes(i)),
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        status: None,
    }
}

/// The Deployment strategy of a rollout. `rollingUpdate` is spelled out (the API server's own
/// defaults, 25%/25%) rather than left to defaulting: a defaulted field belongs to no field
/// manager, so a later apply switching to Recreate could not drop it and the API server would
/// refuse "rollingUpdate may not be set when type is Recreate". Owned by the operator, it is
/// removed by simply being omitted.
fn strategy(rollout: Rollout) -> DeploymentStrategy {
    match rollout {
        Rollout::Recreate => DeploymentStrategy { type_: Some("Recreate".to_owned()), rolling_update: None },
        Rollout::RollingUpdate => DeploymentStrategy {
            type_: Some("RollingUpdate".to_owned()),
            rolling_update: Some(RollingUpdateDeployment {
                max_surge: Some(IntOrString::String("25%".to_owned())),
                max_unavailable: Some(IntOrString::String("25%".to_owned())),
            }),
        },
    }
}

/// Short stable hash of the game config text.
pub fn config_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// A ClusterIP Service in front of a component's HTTP port.
pub fn service(i: &Inputs, component: Component, port: i32) -> k8s_openapi::api::core::v1::Service {
    use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    let n = i.names();
    Service {
        metadata: component_meta(i, n.of(component), component),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_owned()),
            selector: Some(n.selector(component)),
            ports: Some(vec![ServicePort {
                name: Some("http".to_owned()),
                port,
                target_port: Some(IntOrString::String("http".to_owned())),
                protocol: Some("TCP".to_owned()),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::children::testing::child;

    /// The sim Deployment's `spec.strategy` for a universe with or without a standby.
    fn sim_strategy(standby: bool) -> Value {
        let sim = child(json!({"sim": {"standby": standby}}), "sim-deployment");
        sim.expect("sim deployment")["spec"]["strategy"].clone()
    }

    #[test]
    fn rolling_updates_own_their_parameters_and_recreate_has_none() {
        assert_eq!(
            sim_strategy(true),
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
        );
        // No rollingUpdate key at all: omitted, the operator's apply removes the one it owned.
        assert_eq!(sim_strategy(false), json!({"type": "Recreate"}));
    }
}
