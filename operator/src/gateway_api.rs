//! Whether the cluster serves Gateway API (`gateway.networking.k8s.io/v1`), so the operator
//! does not send a DELETE for every universe's HTTPRoute to a cluster that has no such kind:
//! the API server answers those with a plain-text 404 that the client logs as a warning each
//! time. Learned once at start from the API group list; an HTTPRoute applied successfully later
//! (Gateway API installed since) proves it served.

use std::sync::atomic::{AtomicU8, Ordering};

use kube::Client;

use crate::children::http_route;

const UNKNOWN: u8 = 0;
const SERVED: u8 = 1;
const ABSENT: u8 = 2;

/// What the operator knows about Gateway API in its cluster.
#[derive(Debug)]
pub struct GatewayApi(AtomicU8);

impl Default for GatewayApi {
    fn default() -> Self {
        Self(AtomicU8::new(UNKNOWN))
    }
}

impl GatewayApi {
    /// Records what discovery or an apply showed.
    pub fn set_served(&self, served: bool) {
        self.0.store(if served { SERVED } else { ABSENT }, Ordering::Relaxed);
    }

    /// HTTPRoutes may exist (served, or not known to be absent): deleting one is worth a try.
    pub fn may_have_routes(&self) -> bool {
        self.0.load(Ordering::Relaxed) != ABSENT
    }

    pub fn served(&self) -> bool {
        self.0.load(Ordering::Relaxed) == SERVED
    }

    /// Asks the API server's group list (always JSON, never a 404) whether the group's v1 is
    /// served, and records the answer.
    pub async fn discover(&self, client: &Client) -> Result<bool, kube::Error> {
        let groups = client.list_api_groups().await?;
        let served = groups.groups.iter().any(|g| {
            g.name == http_route::GROUP && g.versions.iter().any(|v| v.version == http_route::VERSION)
        });
        self.set_served(served);
        Ok(served)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_known_absence_rules_routes_out() {
        let api = GatewayApi::default();
        assert!(api.may_have_routes() && !api.served(), "unknown: try, the 404 is handled");
        api.set_served(false);
        assert!(!api.may_have_routes());
        api.set_served(true);
        assert!(api.may_have_routes() && api.served());
    }
}
