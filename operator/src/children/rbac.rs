//! The API's ServiceAccount and its right to `get` and `patch` this one `SectorUniverse`, so the
//! API's `/admin/*` endpoints change the resource (the single source of truth) rather than Redis.

use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use kube::Resource;

use super::Inputs;
use super::meta::universe_meta;
use crate::crd::SectorUniverse;

pub fn service_account(i: &Inputs) -> ServiceAccount {
    ServiceAccount { metadata: universe_meta(i, i.names().api_account()), ..ServiceAccount::default() }
}

pub fn role(i: &Inputs) -> Role {
    Role {
        metadata: universe_meta(i, i.names().api_account()),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![SectorUniverse::group(&()).into_owned()]),
            resources: Some(vec![SectorUniverse::plural(&()).into_owned()]),
            resource_names: Some(vec![i.name().to_owned()]),
            verbs: vec!["get".to_owned(), "patch".to_owned()],
            ..PolicyRule::default()
        }]),
    }
}

pub fn role_binding(i: &Inputs) -> RoleBinding {
    let account = i.names().api_account();
    RoleBinding {
        metadata: universe_meta(i, account.clone()),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_owned(),
            kind: "Role".to_owned(),
            name: account.clone(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_owned(),
            name: account,
            namespace: Some(i.namespace().to_owned()),
            ..Subject::default()
        }]),
    }
}
