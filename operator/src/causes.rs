//! Why a universe's workloads are not ready, in terms an admin can act on: a volume claim that
//! cannot be provisioned (and what is wrong with its StorageClass), pods the scheduler cannot
//! place, images that cannot be pulled, containers that crash or cannot start. Pure: read from
//! the pods, claims and storage classes the watch caches hold.

use k8s_openapi::api::core::v1::{ContainerStatus, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::ResourceExt;

/// One cause, most fundamental first when sorted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cause {
    pub reason: Reason,
    pub message: String,
}

/// The condition reason a cause sets (in order of what to fix first: a pod waiting for its
/// volume is unschedulable because of the volume).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    VolumePending,
    Unschedulable,
    ImagePullFailed,
    CrashLooping,
    ContainerCannotStart,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VolumePending => "VolumePending",
            Self::Unschedulable => "Unschedulable",
            Self::ImagePullFailed => "ImagePullFailed",
            Self::CrashLooping => "CrashLooping",
            Self::ContainerCannotStart => "ContainerCannotStart",
        }
    }
}

const DEFAULT_CLASS_ANNOTATIONS: [&str; 2] =
    ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"];

fn is_default(class: &StorageClass) -> bool {
    DEFAULT_CLASS_ANNOTATIONS.iter().any(|a| class.annotations().get(*a).is_some_and(|v| v == "true"))
}

/// The causes found in one universe's pods and claims, sorted and without repeats.
pub fn causes<'a>(
    pods: impl IntoIterator<Item = &'a Pod>,
    claims: impl IntoIterator<Item = &'a PersistentVolumeClaim>,
    classes: &[&StorageClass],
) -> Vec<Cause> {
    let mut out: Vec<Cause> = claims.into_iter().filter_map(|c| pending_claim(c, classes)).collect();
    for pod in pods {
        out.extend(pod_causes(pod));
    }
    out.sort();
    out.dedup();
    out
}

fn pending_claim(claim: &PersistentVolumeClaim, classes: &[&StorageClass]) -> Option<Cause> {
    let phase = claim.status.as_ref().and_then(|s| s.phase.as_deref());
    if phase != Some("Pending") {
        return None;
    }
    let name = claim.name_any();
    let named = claim.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()).filter(|n| !n.is_empty());
    let detail = match named {
        None => match classes.iter().find(|c| is_default(c)) {
            None => "it names no StorageClass and the cluster has no default StorageClass (set \
                     spec.redis.storage.storageClassName, or mark a StorageClass as the default)"
                .to_owned(),
            Some(default) => {
                format!("waiting for a volume from the default StorageClass {:?}", default.name_any())
            }
        },
        Some(class_name) => match classes.iter().find(|c| c.name_any() == class_name) {
            None => format!(
                "StorageClass {class_name:?} does not exist (fix spec.redis.storage.storageClassName)"
            ),
            Some(class) => format!(
                "waiting for StorageClass {class_name:?} (provisioner {}) to provision a volume",
                class.provisioner
            ),
        },
    };
    Some(Cause {
        reason: Reason::VolumePending,
        message: format!("PersistentVolumeClaim {name} is Pending: {detail}"),
    })
}

fn pod_causes(pod: &Pod) -> Vec<Cause> {
    let name = pod.name_any();
    let Some(status) = &pod.status else { return Vec::new() };
    let mut out = Vec::new();
    let unschedulable = status.conditions.iter().flatten().find(|c| {
        c.type_ == "PodScheduled" && c.status == "False" && c.reason.as_deref() == Some("Unschedulable")
    });
    if let Some(condition) = unschedulable {
        let why = condition.message.as_deref().unwrap_or("no reason given");
        out.push(Cause {
            reason: Reason::Unschedulable,
            message: format!("pod {name} cannot be scheduled: {why}"),
        });
    }
    let containers =
        status.init_container_statuses.iter().flatten().chain(status.container_statuses.iter().flatten());
    out.extend(containers.filter_map(|c| container_cause(&name, c)));
    out
}

fn container_cause(pod: &str, container: &ContainerStatus) -> Option<Cause> {
    let waiting = container.state.as_ref()?.waiting.as_ref()?;
    let reason = waiting.reason.as_deref()?;
    let said = waiting.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
    let who = format!("container {} of pod {pod}", container.name);
    let cause = match reason {
        "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName" | "ErrImageNeverPull" => Cause {
            reason: Reason::ImagePullFailed,
            message: format!("{who} cannot pull image {} ({reason}){said}", container.image),
        },
        "CrashLoopBackOff" => {
            let last = container.last_state.as_ref().and_then(|s| s.terminated.as_ref());
            let exit = last.map_or_else(String::new, |t| {
                let why = t.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
                let said = t.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
                format!("; last exit code {}{why}{said}", t.exit_code)
            });
            Cause {
                reason: Reason::CrashLooping,
                message: format!("{who} is crash-looping ({} restarts{exit})", container.restart_count),
            }
        }
        "CreateContainerConfigError" | "CreateContainerError" | "RunContainerError" => Cause {
            reason: Reason::ContainerCannotStart,
            message: format!("{who} cannot start ({reason}){said}"),
        },
        // ContainerCreating, PodInitializing: on its way.
        _ => return None,
    };
    Some(cause)
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{
        ContainerState, ContainerStateTerminated, ContainerStateWaiting, PersistentVolumeClaimSpec,
        PersistentVolumeClaimStatus, PodCondition, PodStatus,
    };
    use kube::api::ObjectMeta;

    use super::*;

    fn claim(class: Option<&str>, phase: &str) -> PersistentVolumeClaim {
        PersistentVolumeClaim {
            metadata: ObjectMeta { name: Some("data-blue-redis-0".into()), ..ObjectMeta::default() },
            spec: Some(PersistentVolumeClaimSpec {
                storage_class_name: class.map(str::to_owned),
                ..PersistentVolumeClaimSpec::default()
            }),
            status: Some(PersistentVolumeClaimStatus { phase: Some(phase.into()), ..Default::default() }),
        }
    }

    fn class(name: &str, default: bool) -> StorageClass {
        let annotations =
            default.then(|| [(DEFAULT_CLASS_ANNOTATIONS[0].to_owned(), "true".to_owned())].into());
        StorageClass {
            metadata: ObjectMeta { name: Some(name.into()), annotations, ..ObjectMeta::default() },
            provisioner: "example.com/disk".into(),
            ..StorageClass::default()
        }
    }

    fn pod(status: PodStatus) -> Pod {
        Pod {
            metadata: ObjectMeta { name: Some("blue-api-1".into()), ..ObjectMeta::default() },
            spec: None,
            status: Some(status),
        }
    }

    fn waiting(reason: &str, message: &str) -> ContainerStatus {
        ContainerStatus {
            name: "api".into(),
            image: "sector:bad".into(),
            restart_count: 4,
            state: Some(ContainerState {
                waiting: Some(ContainerStateWaiting {
                    reason: Some(reason.into()),
                    message: Some(message.into()),
                }),
                ..ContainerState::default()
            }),
            ..ContainerStatus::default()
        }
    }

    fn messages(causes: &[Cause]) -> Vec<(&str, &str)> {
        causes.iter().map(|c| (c.reason.as_str(), c.message.as_str())).collect()
    }

    #[test]
    fn a_pending_claim_says_what_is_wrong_with_its_storage_class() {
        let none: [&StorageClass; 0] = [];
        let found = causes([], [&claim(None, "Pending")], &none);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].reason, Reason::VolumePending);
        assert!(found[0].message.contains("data-blue-redis-0 is Pending"), "{}", found[0].message);
        assert!(found[0].message.contains("no default StorageClass"), "{}", found[0].message);

        let fast = class("fast", false);
        let found = causes([], [&claim(Some("slow"), "Pending")], &[&fast]);
        assert!(found[0].message.contains("StorageClass \"slow\" does not exist"), "{}", found[0].message);
        let found = causes([], [&claim(Some("fast"), "Pending")], &[&fast]);
        assert!(found[0].message.contains("provisioner example.com/disk"), "{}", found[0].message);
        let standard = class("standard", true);
        let found = causes([], [&claim(None, "Pending")], &[&fast, &standard]);
        assert!(found[0].message.contains("default StorageClass \"standard\""), "{}", found[0].message);
        assert!(causes([], [&claim(None, "Bound")], &none).is_empty());
    }

    #[test]
    fn pods_name_the_scheduler_and_kubelet_reasons() {
        let unschedulable = pod(PodStatus {
            conditions: Some(vec![PodCondition {
                type_: "PodScheduled".into(),
                status: "False".into(),
                reason: Some("Unschedulable".into()),
                message: Some("0/1 nodes are available: 1 Insufficient cpu.".into()),
                ..PodCondition::default()
            }]),
            ..PodStatus::default()
        });
        let pulling = pod(PodStatus {
            container_statuses: Some(vec![waiting(
                "ImagePullBackOff",
                "Back-off pulling image \"sector:bad\"",
            )]),
            ..PodStatus::default()
        });
        let mut crashing = waiting("CrashLoopBackOff", "back-off 40s restarting failed container");
        crashing.last_state = Some(ContainerState {
            terminated: Some(ContainerStateTerminated {
                exit_code: 3,
                reason: Some("Error".into()),
                ..ContainerStateTerminated::default()
            }),
            ..ContainerState::default()
        });
        let crashing = pod(PodStatus { container_statuses: Some(vec![crashing]), ..PodStatus::default() });
        let creating = pod(PodStatus {
            container_statuses: Some(vec![waiting("ContainerCreating", "")]),
            ..PodStatus::default()
        });
        let none: [&StorageClass; 0] = [];
        let found = causes([&crashing, &pulling, &unschedulable, &creating, &pulling], [], &none);
        assert_eq!(
            messages(&found),
            [
                (
                    "Unschedulable",
                    "pod blue-api-1 cannot be scheduled: 0/1 nodes are available: 1 Insufficient cpu."
                ),
                (
                    "ImagePullFailed",
                    "container api of pod blue-api-1 cannot pull image sector:bad (ImagePullBackOff): Back-off \
                     pulling image \"sector:bad\""
                ),
                (
                    "CrashLooping",
                    "container api of pod blue-api-1 is crash-looping (4 restarts; last exit code 3 (Error))"
                ),
            ]
        );
    }
}
