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

/// What a volume claim says about its provisioning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub name: String,
    pub pending: bool,
    /// The StorageClass it names, if any (none: the cluster's default).
    pub class: Option<String>,
}

impl Claim {
    pub fn of(claim: &PersistentVolumeClaim) -> Self {
        Self {
            name: claim.name_any(),
            pending: claim.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Pending"),
            class: claim.spec.as_ref().and_then(|s| s.storage_class_name.clone()).filter(|n| !n.is_empty()),
        }
    }
}

/// A StorageClass as a pending claim's cause names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub name: String,
    pub default: bool,
    pub provisioner: String,
}

impl Class {
    pub fn of(class: &StorageClass) -> Self {
        Self {
            name: class.name_any(),
            default: DEFAULT_CLASS_ANNOTATIONS
                .iter()
                .any(|a| class.annotations().get(*a).is_some_and(|v| v == "true")),
            provisioner: class.provisioner.clone(),
        }
    }
}

/// The causes found in one universe's pods (see [`pod_causes`]) and claims, sorted and without
/// repeats.
pub fn causes(
    pod_causes: impl IntoIterator<Item = Cause>,
    claims: &[Claim],
    classes: &[Class],
) -> Vec<Cause> {
    let mut out: Vec<Cause> = claims.iter().filter_map(|c| pending_claim(c, classes)).collect();
    out.extend(pod_causes);
    out.sort();
    out.dedup();
    out
}

fn pending_claim(claim: &Claim, classes: &[Class]) -> Option<Cause> {
    if !claim.pending {
        return None;
    }
    let detail = match &claim.class {
        None => match classes.iter().find(|c| c.default) {
            None => "it names no StorageClass and the cluster has no default StorageClass (set \
                     spec.redis.storage.storageClassName, or mark a StorageClass as the default)"
                .to_owned(),
            Some(default) => format!("waiting for a volume from the default StorageClass {:?}", default.name),
        },
        Some(class_name) => match classes.iter().find(|c| &c.name == class_name) {
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
        message: format!("PersistentVolumeClaim {} is Pending: {detail}", claim.name),
    })
}

/// The causes of trouble one pod shows (kept per pod in the cache, computed as it changes).
pub fn pod_causes(pod: &Pod) -> Vec<Cause> {
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
        let none: [Class; 0] = [];
        let claims = |class, phase| [Claim::of(&claim(class, phase))];
        let found = causes([], &claims(None, "Pending"), &none);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].reason, Reason::VolumePending);
        assert!(found[0].message.contains("data-blue-redis-0 is Pending"), "{}", found[0].message);
        assert!(found[0].message.contains("no default StorageClass"), "{}", found[0].message);

        let fast = Class::of(&class("fast", false));
        let found = causes([], &claims(Some("slow"), "Pending"), std::slice::from_ref(&fast));
        assert!(found[0].message.contains("StorageClass \"slow\" does not exist"), "{}", found[0].message);
        let found = causes([], &claims(Some("fast"), "Pending"), std::slice::from_ref(&fast));
        assert!(found[0].message.contains("provisioner example.com/disk"), "{}", found[0].message);
        let standard = Class::of(&class("standard", true));
        let found = causes([], &claims(None, "Pending"), &[fast, standard]);
        assert!(found[0].message.contains("default StorageClass \"standard\""), "{}", found[0].message);
        assert!(causes([], &claims(None, "Bound"), &none).is_empty());
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
        let pods = [&crashing, &pulling, &unschedulable, &creating, &pulling];
        let found = causes(pods.into_iter().flat_map(pod_causes), &[], &[]);
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
