//! Only the universe's own pods (and the operator, which writes the control hash) reach its
//! Redis.
//!
//! The workload pods themselves get no policy: their `http` ports must stay reachable from the
//! ingress controller and each other, and their `metrics` port (9090) from whatever scrapes
//! them, wherever it runs. `/metrics` is kept off the internet by the port split instead: no
//! Service the Ingress routes to includes the `metrics` port.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::Inputs;
use super::meta::component_meta;
use crate::names::{Component, OPERATOR_APP_NAME, REDIS_PORT};

pub fn redis(i: &Inputs) -> NetworkPolicy {
    let n = i.names();
    let selector = |labels: BTreeMap<String, String>| LabelSelector {
        match_labels: Some(labels),
        ..LabelSelector::default()
    };
    let universe_pods = NetworkPolicyPeer {
        pod_selector: Some(selector(n.universe_selector())),
        ..NetworkPolicyPeer::default()
    };
    let operator = NetworkPolicyPeer {
        namespace_selector: Some(selector(BTreeMap::from([(
            "kubernetes.io/metadata.name".to_owned(),
            i.settings.operator_namespace.clone(),
        )]))),
        pod_selector: Some(selector(BTreeMap::from([(
            "app.kubernetes.io/name".to_owned(),
            OPERATOR_APP_NAME.to_owned(),
        )]))),
        ..NetworkPolicyPeer::default()
    };
    NetworkPolicy {
        metadata: component_meta(i, n.of(Component::Redis), Component::Redis),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(selector(n.selector(Component::Redis))),
            policy_types: Some(vec!["Ingress".to_owned()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![universe_pods, operator]),
                ports: Some(vec![NetworkPolicyPort {
                    port: Some(IntOrString::Int(REDIS_PORT)),
                    protocol: Some("TCP".to_owned()),
                    ..NetworkPolicyPort::default()
                }]),
            }]),
            ..NetworkPolicySpec::default()
        }),
    }
}
