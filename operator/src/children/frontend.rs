//! The web frontend: UI, `/ws`, and the `/api/*` proxy to the API Service.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;

use super::Inputs;
use super::pod::{env, resources, sector_container, with_ports, with_probes};
use super::workload::{self, Rollout, Workload};
use crate::names::{API_PORT, Component, FRONTEND_PORT};

pub fn deployment(i: &Inputs) -> Deployment {
    let spec = i.spec();
    let vars = vec![
        env("PORT", FRONTEND_PORT.to_string()),
        env("API_URL", i.names().service_url(Component::Api, API_PORT)),
    ];
    // `/metrics` on its own port: the Ingress routes `/` to this Service's `http` port.
    let mut container =
        with_probes(with_ports(sector_container(i, Component::Frontend, vars), FRONTEND_PORT, true));
    container.resources = Some(resources(spec.frontend.resources.as_ref(), ["100m", "64Mi", "1", "256Mi"]));
    workload::deployment(
        i,
        Workload {
            component: Component::Frontend,
            replicas: spec.frontend.replicas(),
            container,
            rollout: Rollout::RollingUpdate,
            service_account: None,
        },
    )
}

pub fn service(i: &Inputs) -> Service {
    workload::service(i, Component::Frontend, FRONTEND_PORT)
}
