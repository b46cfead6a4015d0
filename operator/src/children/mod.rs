//! The children of a universe, built by pure functions of the spec (no client, no clock): one
//! module per child kind. [`build_all`] lists every child the operator manages, with `None` for
//! the ones the spec switches off (the reconciler deletes those).

mod api;
mod bots;
mod config_map;
mod frontend;
pub mod http_route;
mod ingress;
mod meta;
mod minter;
mod network_policy;
mod pdb;
mod pod;
mod rbac;
mod redis;
mod secret;
mod sim;
#[cfg(test)]
mod testing;
mod workload;

use kube::core::{ApiResource, Resource};
use serde::Serialize;
use serde_json::Value;

use crate::crd::SectorUniverse;
use crate::names::Names;
use crate::settings::Settings;

pub use secret::{Credentials, RandomError};

/// What a builder needs besides the spec: operator settings, the universe's credentials (read
/// from or generated into its Secret), the game config text and the autoscaler's bot count.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub universe: &'a SectorUniverse,
    pub settings: &'a Settings,
    pub credentials: &'a Credentials,
    /// `sim_config.json` text.
    pub game_config: &'a str,
    pub bot_replicas: i32,
}

impl Inputs<'_> {
    pub fn name(&self) -> &str {
        self.universe.metadata.name.as_deref().unwrap_or_default()
    }

    pub fn namespace(&self) -> &str {
        self.universe.metadata.namespace.as_deref().unwrap_or_default()
    }

    pub fn names(&self) -> Names {
        Names::new(self.name())
    }

    pub fn spec(&self) -> &crate::crd::SectorUniverseSpec {
        &self.universe.spec
    }

    pub fn image(&self) -> &str {
        self.spec().image.as_deref().unwrap_or(&self.settings.default_image)
    }
}

/// One child object: which kind and name, and its desired content (`None`: must not exist).
#[derive(Debug, Clone, PartialEq)]
pub struct Child {
    /// Stable id of the child within a universe, e.g. `api-deployment`.
    pub id: &'static str,
    pub resource: ApiResource,
    pub name: String,
    pub object: Option<Value>,
}

impl Child {
    fn new<K>(id: &'static str, name: String, object: Option<K>) -> Result<Self, serde_json::Error>
    where
        K: Resource<DynamicType = ()> + Serialize,
    {
        Ok(Self {
            id,
            resource: ApiResource::erase::<K>(&()),
            name,
            object: object.map(serde_json::to_value).transpose()?,
        })
    }

    /// A child of a kind without Rust types (built as JSON), e.g. a Gateway API route.
    fn dynamic(id: &'static str, resource: ApiResource, name: String, object: Option<Value>) -> Self {
        Self { id, resource, name, object }
    }

    pub fn kind(&self) -> &str {
        &self.resource.kind
    }
}

/// Every child of the universe, in apply order (credentials and config before the workloads
/// that mount them; Redis before its clients).
pub fn build_all(i: &Inputs) -> Result<Vec<Child>, serde_json::Error> {
    let n = i.names();
    use crate::names::Component::*;
    Ok(vec![
        Child::new("secret", n.secret(), Some(secret::secret(i)))?,
        Child::new("config-map", n.config_map(), Some(config_map::config_map(i)))?,
        Child::new("redis-service", n.of(Redis), Some(redis::service(i)))?,
        Child::new("redis-statefulset", n.of(Redis), Some(redis::stateful_set(i)))?,
        Child::new("redis-network-policy", n.of(Redis), Some(network_policy::redis(i)))?,
        Child::new("api-service-account", n.api_account(), Some(rbac::service_account(i)))?,
        Child::new("api-role", n.api_account(), Some(rbac::role(i)))?,
        Child::new("api-role-binding", n.api_account(), Some(rbac::role_binding(i)))?,
        Child::new("sim-deployment", n.of(Sim), Some(sim::deployment(i)))?,
        Child::new("sim-pdb", n.of(Sim), pdb::sim(i))?,
        Child::new("api-deployment", n.of(Api), Some(api::deployment(i)))?,
        Child::new("api-service", n.of(Api), Some(api::service(i)))?,
        Child::new("api-pdb", n.of(Api), pdb::api(i))?,
        Child::new("frontend-deployment", n.of(Frontend), Some(frontend::deployment(i)))?,
        Child::new("frontend-service", n.of(Frontend), Some(frontend::service(i)))?,
        Child::new("frontend-pdb", n.of(Frontend), pdb::frontend(i))?,
        Child::new("bots-deployment", n.of(Bots), Some(bots::deployment(i)))?,
        Child::new("minter-deployment", n.of(Minter), minter::deployment(i))?,
        Child::new("minter-service", n.of(Minter), minter::service(i))?,
        Child::new("ingress", n.ingress(), ingress::frontend(i))?,
        Child::new("api-ingress", n.api_ingress(), ingress::api(i))?,
        Child::dynamic("http-route", http_route::resource(), n.http_route(), http_route::http_route(i)?),
    ])
}

/// Where players reach the universe: the ingress host (`http` through a Gateway, whose listener
/// the operator does not read), else the frontend Service in-cluster.
pub fn url(i: &Inputs) -> String {
    let ingress = &i.spec().ingress;
    match (&ingress.host, ingress.enabled) {
        (Some(host), true) => {
            let scheme = if ingress.tls_secret_name.is_some() { "https" } else { "http" };
            format!("{scheme}://{host}/")
        }
        _ => format!(
            "http://{}.{}.svc:{}/",
            i.names().of(crate::names::Component::Frontend),
            i.namespace(),
            crate::names::FRONTEND_PORT
        ),
    }
}
