//! The scenarios, in the order they run. Each uses its own namespace; later ones may rely on
//! the operator replicas the suite started (failover changes them, so it runs late).

mod admin_actions;
mod api_account;
mod autoscale;
mod crd;
mod deletion;
mod examples;
mod failover;
mod fairness;
mod fleet;
mod invalid_specs;
mod scale;
mod spec_changes;
mod status_causes;
mod support;

use std::time::Duration;

use crate::harness::Scenario;

macro_rules! scenario {
    ($name:literal, $secs:literal, $module:ident) => {
        Scenario { name: $name, limit: Duration::from_secs($secs), run: |s| Box::pin($module::run(s)) }
    };
}

pub fn all() -> Vec<Scenario> {
    vec![
        scenario!("crd", 120, crd),
        scenario!("examples", 240, examples),
        scenario!("invalid-specs", 120, invalid_specs),
        scenario!("spec-changes", 240, spec_changes),
        scenario!("admin-actions", 180, admin_actions),
        scenario!("api-account", 120, api_account),
        scenario!("bot-autoscaling", 180, autoscale),
        scenario!("fairness", 150, fairness),
        scenario!("status-causes", 240, status_causes),
        scenario!("deletion", 180, deletion),
        scenario!("operator-failover", 180, failover),
        scenario!("scale", 600, scale),
        Scenario { name: "crd-upgrade", limit: Duration::from_secs(120), run: |s| Box::pin(crd::upgrade(s)) },
    ]
}

/// Benchmarks: run only when named on the command line (`cluster-e2e fleet`), never by default.
pub fn on_demand() -> Vec<Scenario> {
    vec![scenario!("fleet", 3600, fleet)]
}
