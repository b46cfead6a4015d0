//! What the cache keeps of each watched kind (beside every object's fingerprint): nothing for
//! the children whose existence is all that matters, the credentials of a Secret, the replica
//! counts of a workload, the causes of trouble a pod shows, and what a claim and a storage
//! class say about provisioning.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod, Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::DynamicObject;

use super::store::Recorded;
use crate::causes::{self, Cause, Claim, Class};
use crate::names::UNIVERSE_LABEL;
use crate::workload_state::WorkloadState;

macro_rules! existence_only {
    ($($kind:ty),*) => {
        $(impl Recorded for $kind {
            type Record = ();
            fn record(&self) {}
        })*
    };
}

existence_only!(
    ConfigMap,
    Service,
    ServiceAccount,
    NetworkPolicy,
    Ingress,
    PodDisruptionBudget,
    Role,
    RoleBinding,
    DynamicObject
);

/// The credentials are read from the universe's Secret: its data alone.
impl Recorded for Secret {
    type Record = Arc<Secret>;
    fn record(&self) -> Arc<Secret> {
        Arc::new(Secret { data: self.data.clone(), ..Secret::default() })
    }
}

impl Recorded for Deployment {
    type Record = WorkloadState;
    fn record(&self) -> WorkloadState {
        WorkloadState::of_deployment(self)
    }
}

impl Recorded for StatefulSet {
    type Record = WorkloadState;
    fn record(&self) -> WorkloadState {
        WorkloadState::of_stateful_set(self)
    }
}

/// The universe an object belongs to, by its label.
fn universe_of(meta: &ObjectMeta) -> Option<Box<str>> {
    meta.labels.as_ref()?.get(UNIVERSE_LABEL).map(|u| u.as_str().into())
}

/// A pod: its universe and the causes of trouble it shows (none for a healthy pod).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRecord {
    pub universe: Option<Box<str>>,
    pub causes: Vec<Cause>,
}

impl Recorded for Pod {
    type Record = PodRecord;
    fn record(&self) -> PodRecord {
        PodRecord { universe: universe_of(&self.metadata), causes: causes::pod_causes(self) }
    }
}

/// A volume claim: its universe and its provisioning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRecord {
    pub universe: Option<Box<str>>,
    pub claim: Claim,
}

impl Recorded for PersistentVolumeClaim {
    type Record = ClaimRecord;
    fn record(&self) -> ClaimRecord {
        ClaimRecord { universe: universe_of(&self.metadata), claim: Claim::of(self) }
    }
}

impl Recorded for StorageClass {
    type Record = Class;
    fn record(&self) -> Class {
        Class::of(self)
    }
}
