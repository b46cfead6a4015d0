//! The Gateway API route, when `ingress.gateway` is set: one `HTTPRoute`
//! (gateway.networking.k8s.io/v1) for the universe's host instead of the two Ingress objects.
//! `/api` goes to the API with the prefix replaced by `/` (a `URLRewrite` filter, part of every
//! conformant implementation, unlike ingress-nginx's rewrite annotation); `/`, WebSockets
//! included, goes to the frontend.
//!
//! Built as plain JSON: the Gateway API types are not in k8s-openapi, and a route this small
//! does not justify another crate. Only standard-channel v1 fields are used, so every Gateway
//! API version since v1.0 accepts it (server-side apply refuses fields a CRD does not declare).

use kube::core::ApiResource;
use serde_json::{Value, json};

use super::Inputs;
use super::meta::universe_meta;
use crate::names::{API_PORT, Component, FRONTEND_PORT};

pub const GROUP: &str = "gateway.networking.k8s.io";
pub const VERSION: &str = "v1";
pub const KIND: &str = "HTTPRoute";
pub const PLURAL: &str = "httproutes";

/// The API resource of `HTTPRoute`.
pub fn resource() -> ApiResource {
    ApiResource {
        group: GROUP.to_owned(),
        version: VERSION.to_owned(),
        api_version: format!("{GROUP}/{VERSION}"),
        kind: KIND.to_owned(),
        plural: PLURAL.to_owned(),
    }
}

/// The route, or `None` when the universe is not exposed through a Gateway.
pub fn http_route(i: &Inputs) -> Result<Option<Value>, serde_json::Error> {
    let spec = &i.spec().ingress;
    let (true, Some(host), Some(gateway)) = (spec.enabled, &spec.host, &spec.gateway) else {
        return Ok(None);
    };
    let n = i.names();
    let mut metadata = universe_meta(i, n.http_route());
    if !spec.annotations.is_empty() {
        metadata.annotations = Some(spec.annotations.clone());
    }
    let parent_refs: Vec<Value> = gateway
        .parent_refs
        .iter()
        .map(|p| {
            let mut parent = json!({"group": GROUP, "kind": "Gateway", "name": p.name});
            if let Some(namespace) = &p.namespace {
                parent["namespace"] = json!(namespace);
            }
            if let Some(section) = &p.section_name {
                parent["sectionName"] = json!(section);
            }
            parent
        })
        .collect();
    let backend = |component: Component, port: i32| json!([{"name": n.of(component), "port": port}]);
    Ok(Some(json!({
        "apiVersion": format!("{GROUP}/{VERSION}"),
        "kind": KIND,
        "metadata": serde_json::to_value(metadata)?,
        "spec": {
            "parentRefs": parent_refs,
            "hostnames": [host],
            "rules": [
                {
                    // PathPrefix matches whole segments: `/api` and `/api/...`, not `/apix`.
                    "matches": [{"path": {"type": "PathPrefix", "value": "/api"}}],
                    "filters": [{
                        "type": "URLRewrite",
                        "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}},
                    }],
                    "backendRefs": backend(Component::Api, API_PORT),
                },
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": backend(Component::Frontend, FRONTEND_PORT),
                },
            ],
        },
    })))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::children::testing::child;

    #[test]
    fn only_an_enabled_ingress_with_a_gateway_gets_a_route() {
        let gateway = json!({"parentRefs": [{"name": "public"}]});
        let route = |ingress| child(json!({"ingress": ingress}), "http-route");
        assert!(route(json!({"enabled": true, "host": "b.example", "gateway": gateway})).is_some());
        assert!(route(json!({"enabled": false, "host": "b.example", "gateway": gateway})).is_none());
        assert!(route(json!({"enabled": true, "host": "b.example"})).is_none());
    }

    #[test]
    fn the_route_replaces_both_ingress_objects() {
        let spec = json!({"ingress": {"enabled": true, "host": "b.example",
                                      "gateway": {"parentRefs": [{"name": "public"}]}}});
        assert!(child(spec.clone(), "ingress").is_none());
        assert!(child(spec, "api-ingress").is_none());
        let spec = json!({"ingress": {"enabled": true, "host": "b.example"}});
        assert!(child(spec.clone(), "ingress").is_some());
        assert!(child(spec, "api-ingress").is_some());
    }
}
