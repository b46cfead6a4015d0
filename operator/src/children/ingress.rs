//! Ingress: `/` and `/ws` to the frontend; `/api` to the API with the prefix stripped (the API
//! serves `/snapshot`, not `/api/snapshot`). The strip is a regex path plus ingress-nginx's
//! `rewrite-target`, which applies to a whole Ingress, hence two objects. Other controllers:
//! use `ingress.gateway` (an HTTPRoute, see http_route.rs) with a Gateway API implementation,
//! add their own rewrite through `ingress.annotations`, or send `/api` through the frontend's
//! `/api/*` proxy.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule, IngressServiceBackend,
    IngressSpec, IngressTLS, ServiceBackendPort,
};

use super::Inputs;
use super::meta::universe_meta;
use crate::names::{API_PORT, Component, FRONTEND_PORT};

pub fn frontend(i: &Inputs) -> Option<Ingress> {
    let n = i.names();
    let backend = backend(&n.of(Component::Frontend), FRONTEND_PORT);
    let paths = vec![path("/ws", "Prefix", backend.clone()), path("/", "Prefix", backend)];
    // WebSockets stay open for a long time; the default 60 s read timeout would cut them.
    let extra = [
        ("nginx.ingress.kubernetes.io/proxy-read-timeout", "3600"),
        ("nginx.ingress.kubernetes.io/proxy-send-timeout", "3600"),
    ];
    ingress(i, n.ingress(), paths, &extra)
}

pub fn api(i: &Inputs) -> Option<Ingress> {
    let n = i.names();
    let paths =
        vec![path("/api(/|$)(.*)", "ImplementationSpecific", backend(&n.of(Component::Api), API_PORT))];
    let extra = [
        ("nginx.ingress.kubernetes.io/use-regex", "true"),
        ("nginx.ingress.kubernetes.io/rewrite-target", "/$2"),
    ];
    ingress(i, n.api_ingress(), paths, &extra)
}

fn ingress(i: &Inputs, name: String, paths: Vec<HTTPIngressPath>, extra: &[(&str, &str)]) -> Option<Ingress> {
    let spec = &i.spec().ingress;
    // With a gateway the HTTPRoute (http_route.rs) takes both objects' place.
    if !spec.enabled || spec.gateway.is_some() {
        return None;
    }
    let host = spec.host.clone()?;
    let mut annotations: BTreeMap<String, String> =
        extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    annotations.extend(spec.annotations.clone());
    let mut metadata = universe_meta(i, name);
    metadata.annotations = Some(annotations);
    Some(Ingress {
        metadata,
        spec: Some(IngressSpec {
            ingress_class_name: spec.class_name.clone(),
            tls: spec.tls_secret_name.as_ref().map(|secret| {
                vec![IngressTLS { hosts: Some(vec![host.clone()]), secret_name: Some(secret.clone()) }]
            }),
            rules: Some(vec![IngressRule { host: Some(host), http: Some(HTTPIngressRuleValue { paths }) }]),
            ..IngressSpec::default()
        }),
        status: None,
    })
}

fn backend(service: &str, port: i32) -> IngressBackend {
    IngressBackend {
        service: Some(IngressServiceBackend {
            name: service.to_owned(),
            port: Some(ServiceBackendPort { number: Some(port), ..ServiceBackendPort::default() }),
        }),
        ..IngressBackend::default()
    }
}

fn path(path: &str, kind: &str, backend: IngressBackend) -> HTTPIngressPath {
    HTTPIngressPath { path: Some(path.to_owned()), path_type: kind.to_owned(), backend }
}
