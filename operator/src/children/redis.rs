//! The universe's Redis: a one-replica StatefulSet behind a headless Service, password from the
//! Secret, optional PVC and AOF persistence. The PVC's fate when the universe is deleted follows
//! `redis.storage.retentionPolicy` (the StatefulSet's `persistentVolumeClaimRetentionPolicy`).

use k8s_openapi::api::apps::v1::{
    StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetSpec,
};
use k8s_openapi::api::core::v1::{
    Container, PersistentVolumeClaim, PersistentVolumeClaimSpec, PodSpec, PodTemplateSpec, Probe, Service,
    ServicePort, ServiceSpec, TCPSocketAction, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::Inputs;
use super::meta::component_meta;
use super::pod::{container_security, env_secret, pod_security, port, resources, tmp_volume};
use crate::names::{Component, REDIS_PASSWORD_KEY, REDIS_PORT};

/// The `redis` user of the official Redis images.
const REDIS_UID: i64 = 999;
const DATA_VOLUME: &str = "data";

/// Headless: it governs the StatefulSet and resolves to the one pod.
pub fn service(i: &Inputs) -> Service {
    let n = i.names();
    Service {
        metadata: component_meta(i, n.of(Component::Redis), Component::Redis),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".to_owned()),
            selector: Some(n.selector(Component::Redis)),
            ports: Some(vec![ServicePort {
                name: Some("redis".to_owned()),
                port: REDIS_PORT,
                target_port: Some(IntOrString::String("redis".to_owned())),
                protocol: Some("TCP".to_owned()),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

pub fn stateful_set(i: &Inputs) -> StatefulSet {
    let n = i.names();
    let spec = &i.spec().redis;
    let mut args = vec![
        "--requirepass".to_owned(),
        "$(REDIS_PASSWORD)".to_owned(),
        "--dir".to_owned(),
        "/data".to_owned(),
        "--appendonly".to_owned(),
        if spec.append_only { "yes" } else { "no" }.to_owned(),
    ];
    if spec.storage.is_none() {
        // Without a volume that outlives the pod, snapshots only cost I/O.
        args.extend(["--save".to_owned(), String::new()]);
    }
    let tcp = |period: i32| Probe {
        tcp_socket: Some(TCPSocketAction {
            port: IntOrString::String("redis".to_owned()),
            ..TCPSocketAction::default()
        }),
        period_seconds: Some(period),
        timeout_seconds: Some(2),
        failure_threshold: Some(3),
        ..Probe::default()
    };
    let container = Container {
        name: "redis".to_owned(),
        image: Some(spec.image.clone().unwrap_or_else(|| i.settings.redis_image.clone())),
        image_pull_policy: Some(i.spec().image_pull_policy.unwrap_or_default().as_str().to_owned()),
        command: Some(vec!["redis-server".to_owned()]),
        args: Some(args),
        env: Some(vec![env_secret("REDIS_PASSWORD", &n.secret(), REDIS_PASSWORD_KEY)]),
        ports: Some(vec![port("redis", REDIS_PORT)]),
        liveness_probe: Some(tcp(10)),
        readiness_probe: Some(tcp(5)),
        resources: Some(resources(spec.resources.as_ref(), ["100m", "64Mi", "1", "512Mi"])),
        security_context: Some(container_security()),
        volume_mounts: Some(vec![
            VolumeMount {
                name: DATA_VOLUME.to_owned(),
                mount_path: "/data".to_owned(),
                ..VolumeMount::default()
            },
            VolumeMount { name: "tmp".to_owned(), mount_path: "/tmp".to_owned(), ..VolumeMount::default() },
        ]),
        ..Container::default()
    };
    let mut volumes = vec![tmp_volume()];
    let claims = match &spec.storage {
        Some(storage) => Some(vec![PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(DATA_VOLUME.to_owned()),
                labels: Some(n.component_labels(Component::Redis)),
                ..ObjectMeta::default()
            },
            spec: Some(PersistentVolumeClaimSpec {
                access_modes: Some(vec!["ReadWriteOnce".to_owned()]),
                storage_class_name: storage.storage_class_name.clone(),
                resources: Some(VolumeResourceRequirements {
                    requests: Some([("storage".to_owned(), Quantity(storage.size.clone()))].into()),
                    ..VolumeResourceRequirements::default()
                }),
                ..PersistentVolumeClaimSpec::default()
            }),
            status: None,
        }]),
        None => {
            volumes.push(Volume {
                name: DATA_VOLUME.to_owned(),
                empty_dir: Some(Default::default()),
                ..Volume::default()
            });
            None
        }
    };
    StatefulSet {
        metadata: component_meta(i, n.of(Component::Redis), Component::Redis),
        spec: Some(StatefulSetSpec {
            replicas: Some(1),
            service_name: Some(n.of(Component::Redis)),
            selector: LabelSelector {
                match_labels: Some(n.selector(Component::Redis)),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(n.component_labels(Component::Redis)),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    security_context: Some(pod_security(REDIS_UID)),
                    containers: vec![container],
                    volumes: Some(volumes),
                    ..PodSpec::default()
                }),
            },
            volume_claim_templates: claims,
            persistent_volume_claim_retention_policy: spec.storage.as_ref().map(|storage| {
                StatefulSetPersistentVolumeClaimRetentionPolicy {
                    when_deleted: Some(storage.retention_policy.unwrap_or_default().as_str().to_owned()),
                    // One replica, never scaled to zero by the operator: say so anyway, so a
                    // manual scale-down keeps the data.
                    when_scaled: Some("Retain".to_owned()),
                }
            }),
            ..StatefulSetSpec::default()
        }),
        status: None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::children::testing::child;

    fn retention(redis: Value) -> Value {
        let set = child(json!({"redis": redis}), "redis-statefulset").expect("statefulset");
        set["spec"].get("persistentVolumeClaimRetentionPolicy").cloned().unwrap_or(Value::Null)
    }

    #[test]
    fn the_volume_is_kept_unless_the_spec_says_delete() {
        assert_eq!(
            retention(json!({"storage": {"size": "1Gi"}})),
            json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
        );
        assert_eq!(
            retention(json!({"storage": {"size": "1Gi", "retentionPolicy": "Delete"}})),
            json!({"whenDeleted": "Delete", "whenScaled": "Retain"})
        );
        assert_eq!(retention(json!({})), Value::Null, "no volume, no policy");
    }
}
