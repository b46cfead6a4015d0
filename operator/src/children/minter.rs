//! The award minter, when `minter.enabled`: mints tokens for run winners through an Ethereum
//! JSON-RPC endpoint.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;

use super::Inputs;
use super::pod::{env, env_secret, resources, sector_container, with_ports, with_probes};
use super::workload::{self, Rollout, Workload};
use crate::names::{Component, MINTER_API_KEY_KEY, MINTER_PORT};

pub fn deployment(i: &Inputs) -> Option<Deployment> {
    let spec = &i.spec().minter;
    if !spec.enabled {
        return None;
    }
    let mut vars = vec![env("PORT", MINTER_PORT.to_string())];
    if let Some(url) = &spec.rpc_url {
        vars.push(env("MINTER_RPC_URL", url.clone()));
    }
    if let Some(address) = &spec.contract_address {
        vars.push(env("MINTER_CONTRACT", address.clone()));
    }
    if let Some(chain) = spec.chain_id {
        vars.push(env("MINTER_CHAIN_ID", chain.to_string()));
    }
    if let Some(key) = &spec.private_key_ref {
        vars.push(env_secret("MINTER_PRIVATE_KEY", &key.name, &key.key));
    }
    vars.push(env_secret("MINTER_API_KEY", &i.names().secret(), MINTER_API_KEY_KEY));
    // Awards are kept per universe in Redis under this name.
    vars.push(env("MINTER_UNIVERSE", i.name()));
    // The minter has no `/metrics`, so no metrics port.
    let mut container =
        with_probes(with_ports(sector_container(i, Component::Minter, vars), MINTER_PORT, false));
    container.resources = Some(resources(spec.resources.as_ref(), ["50m", "32Mi", "500m", "128Mi"]));
    Some(workload::deployment(
        i,
        Workload {
            component: Component::Minter,
            replicas: 1,
            container,
            // One minting account: never two minters sending transactions at once.
            rollout: Rollout::Recreate,
            service_account: None,
        },
    ))
}

pub fn service(i: &Inputs) -> Option<Service> {
    i.spec().minter.enabled.then(|| workload::service(i, Component::Minter, MINTER_PORT))
}
