//! The simulation worker: one active replica (it holds the Redis lease); with `sim.standby` a
//! second one waits for the lease and takes over from the last snapshot.

use k8s_openapi::api::apps::v1::Deployment;

use super::Inputs;
use super::pod::{env, env_field, resources, sector_container, with_ports, with_probes};
use super::workload::{Rollout, Workload, deployment as workload};
use crate::names::{Component, SIM_HTTP_PORT};

/// Short, so a standby takes over within seconds of a crash.
const LEASE_TTL_MS: &str = "5000";

pub fn deployment(i: &Inputs) -> Deployment {
    let spec = i.spec();
    let mut vars = vec![
        env("SIM_HTTP_PORT", SIM_HTTP_PORT.to_string()),
        env("TICK_MS", spec.world.tick_ms().to_string()),
        env("LEASE_TTL_MS", LEASE_TTL_MS),
        env_field("WORKER_ID", "metadata.name"),
    ];
    if let Some(seed) = &spec.world.seed {
        vars.push(env("SECTOR_SEED", seed.clone()));
    }
    // No Service exposes the sim, but `/metrics` gets the same port as on the other workloads
    // so one scrape config fits all.
    let mut container =
        with_probes(with_ports(sector_container(i, Component::Sim, vars), SIM_HTTP_PORT, true));
    container.resources = Some(resources(spec.sim.resources.as_ref(), ["200m", "128Mi", "2", "512Mi"]));
    let replicas = spec.sim_replicas();
    workload(
        i,
        Workload {
            component: Component::Sim,
            replicas,
            container,
            // One replica: never two at once (the lease would fence one anyway, but Recreate
            // avoids the wait). With a standby, replace one pod at a time so one always runs.
            rollout: if replicas == 1 { Rollout::Recreate } else { Rollout::RollingUpdate },
            service_account: None,
        },
    )
}
