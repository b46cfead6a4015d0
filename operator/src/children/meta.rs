//! Metadata every child carries: name, namespace, labels and the controller owner reference
//! (so deleting the universe deletes its children).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Resource;

use super::Inputs;
use crate::names::Component;

/// Metadata of a child not tied to one component (Secret, ConfigMap, RBAC, Ingress).
pub fn universe_meta(i: &Inputs, name: String) -> ObjectMeta {
    meta(i, name, i.names().labels())
}

/// Metadata of a component's object.
pub fn component_meta(i: &Inputs, name: String, component: Component) -> ObjectMeta {
    meta(i, name, i.names().component_labels(component))
}

fn meta(i: &Inputs, name: String, labels: std::collections::BTreeMap<String, String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        namespace: Some(i.namespace().to_owned()),
        labels: Some(labels),
        owner_references: i.universe.controller_owner_ref(&()).map(|r| vec![r]),
        ..ObjectMeta::default()
    }
}
