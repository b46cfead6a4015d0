//! PodDisruptionBudgets: only where a component has more than one replica (with one, a budget
//! of one available pod would block node drains forever).

use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::Inputs;
use super::meta::component_meta;
use crate::names::Component;

pub fn api(i: &Inputs) -> Option<PodDisruptionBudget> {
    budget(i, Component::Api, i.spec().api.replicas())
}

pub fn frontend(i: &Inputs) -> Option<PodDisruptionBudget> {
    budget(i, Component::Frontend, i.spec().frontend.replicas())
}

pub fn sim(i: &Inputs) -> Option<PodDisruptionBudget> {
    budget(i, Component::Sim, i.spec().sim_replicas())
}

fn budget(i: &Inputs, component: Component, replicas: i32) -> Option<PodDisruptionBudget> {
    if replicas < 2 {
        return None;
    }
    let n = i.names();
    Some(PodDisruptionBudget {
        metadata: component_meta(i, n.of(component), component),
        spec: Some(PodDisruptionBudgetSpec {
            min_available: Some(IntOrString::Int(1)),
            selector: Some(LabelSelector {
                match_labels: Some(n.selector(component)),
                ..LabelSelector::default()
            }),
            ..PodDisruptionBudgetSpec::default()
        }),
        status: None,
    })
}
