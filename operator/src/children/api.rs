//! The public API. It runs under its own ServiceAccount and knows its universe
//! (`SECTOR_UNIVERSE_NAME` / `SECTOR_UNIVERSE_NAMESPACE`), so `/admin/*` patches the resource.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;

use super::Inputs;
use super::pod::{
    bot_token_env, env, env_field, jwt_secret_env, resources, sector_container, with_ports, with_probes,
};
use super::workload::{self, Rollout, Workload};
use crate::names::{API_PORT, Component};

pub fn deployment(i: &Inputs) -> Deployment {
    let spec = i.spec();
    let mut vars = vec![
        env("PORT", API_PORT.to_string()),
        jwt_secret_env(i),
        bot_token_env(i),
        env("ADMIN_ADDRESSES", spec.auth.admins.join(",")),
        env("SECTOR_UNIVERSE_NAME", i.name()),
        env_field("SECTOR_UNIVERSE_NAMESPACE", "metadata.namespace"),
    ];
    if spec.ingress.enabled {
        // Behind the ingress every request comes from the controller's address: key the per-IP
        // rate limits on the client address it appends to X-Forwarded-For instead.
        vars.push(env("TRUSTED_PROXY_HOPS", "1"));
    }
    // `/metrics` on its own port: the Ingress routes `/api` to this Service's `http` port.
    let mut container = with_probes(with_ports(sector_container(i, Component::Api, vars), API_PORT, true));
    container.resources = Some(resources(spec.api.resources.as_ref(), ["100m", "64Mi", "1", "256Mi"]));
    workload::deployment(
        i,
        Workload {
            component: Component::Api,
            replicas: spec.api.replicas(),
            container,
            rollout: Rollout::RollingUpdate,
            service_account: Some(i.names().api_account()),
        },
    )
}

pub fn service(i: &Inputs) -> Service {
    workload::service(i, Component::Api, API_PORT)
}
