//! The replica counts of a Deployment or StatefulSet: all the operator reads of a workload to
//! tell whether it is ready and rolled out (from the watch cache, or from an apply's reply).

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use serde_json::Value;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkloadState {
    pub generation: i64,
    /// `spec.replicas` (1 when unset, as the API server defaults it).
    pub wanted: i64,
    pub observed: i64,
    pub ready: i64,
    pub updated: i64,
    pub total: i64,
}

impl WorkloadState {
    /// From an object as JSON (a server-side apply's reply).
    pub fn of_json(data: &Value, generation: Option<i64>) -> Self {
        let int = |path: &str| data.pointer(path).and_then(Value::as_i64);
        Self {
            generation: generation.unwrap_or(0),
            wanted: int("/spec/replicas").unwrap_or(1),
            observed: int("/status/observedGeneration").unwrap_or(0),
            ready: int("/status/readyReplicas").unwrap_or(0),
            updated: int("/status/updatedReplicas").unwrap_or(0),
            total: int("/status/replicas").unwrap_or(0),
        }
    }

    pub fn of_deployment(d: &Deployment) -> Self {
        let status = d.status.as_ref();
        Self {
            generation: d.metadata.generation.unwrap_or(0),
            wanted: i64::from(d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)),
            observed: status.and_then(|s| s.observed_generation).unwrap_or(0),
            ready: i64::from(status.and_then(|s| s.ready_replicas).unwrap_or(0)),
            updated: i64::from(status.and_then(|s| s.updated_replicas).unwrap_or(0)),
            total: i64::from(status.and_then(|s| s.replicas).unwrap_or(0)),
        }
    }

    pub fn of_stateful_set(s: &StatefulSet) -> Self {
        let status = s.status.as_ref();
        Self {
            generation: s.metadata.generation.unwrap_or(0),
            wanted: i64::from(s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)),
            observed: status.and_then(|s| s.observed_generation).unwrap_or(0),
            ready: i64::from(status.and_then(|s| s.ready_replicas).unwrap_or(0)),
            updated: i64::from(status.and_then(|s| s.updated_replicas).unwrap_or(0)),
            total: i64::from(status.map_or(0, |s| s.replicas)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_and_json_workloads_read_alike() {
        let json = serde_json::json!({
            "metadata": { "name": "blue-sim", "generation": 4 },
            "spec": { "replicas": 2 },
            "status": { "observedGeneration": 3, "readyReplicas": 1, "updatedReplicas": 2, "replicas": 3 }
        });
        let typed: Deployment = serde_json::from_value(json.clone()).unwrap();
        let expected =
            WorkloadState { generation: 4, wanted: 2, observed: 3, ready: 1, updated: 2, total: 3 };
        assert_eq!(WorkloadState::of_deployment(&typed), expected);
        assert_eq!(WorkloadState::of_json(&json, Some(4)), expected);
        let set: StatefulSet = serde_json::from_value(json).unwrap();
        assert_eq!(WorkloadState::of_stateful_set(&set), expected);
        let fresh = WorkloadState::of_json(&serde_json::json!({}), None);
        assert_eq!((fresh.wanted, fresh.ready), (1, 0), "spec.replicas defaults to 1");
    }
}
