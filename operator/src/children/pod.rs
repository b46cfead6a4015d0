//! Pieces shared by the workload pods: hardened security contexts, env vars, HTTP probes,
//! default resources, the config volume.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource, EnvVar,
    EnvVarSource, HTTPGetAction, ObjectFieldSelector, PodSecurityContext, Probe, ResourceRequirements,
    SeccompProfile, SecretKeySelector, SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::Inputs;
use crate::crd::{ResourceList, Resources, SecretKeyRef};
use crate::names::{
    BOT_TOKEN_KEY, CONFIG_DIR, Component, EVENT_STREAM, JWT_SECRET_KEY, ORDER_STREAM, REDIS_PASSWORD_KEY,
    REDIS_PORT, SIM_CONFIG_FILE, SNAPSHOT_KEY,
};

/// User and group of the `sector` image (the Dockerfile creates them).
pub const SECTOR_UID: i64 = 10001;

const CONFIG_VOLUME: &str = "config";
const TMP_VOLUME: &str = "tmp";

/// Pod security: non-root, the runtime's default seccomp profile.
pub fn pod_security(uid: i64) -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(uid),
        run_as_group: Some(uid),
        fs_group: Some(uid),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_owned(),
            ..SeccompProfile::default()
        }),
        ..PodSecurityContext::default()
    }
}

/// Container security: read-only root filesystem, no privilege escalation, no capabilities.
pub fn container_security() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        capabilities: Some(Capabilities { drop: Some(vec!["ALL".to_owned()]), ..Capabilities::default() }),
        ..SecurityContext::default()
    }
}

pub fn env(name: &str, value: impl Into<String>) -> EnvVar {
    EnvVar { name: name.to_owned(), value: Some(value.into()), ..EnvVar::default() }
}

pub fn env_secret(name: &str, secret: &str, key: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.to_owned(),
                key: key.to_owned(),
                optional: Some(false),
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

/// An env var from a field of the pod (downward API), e.g. `metadata.name`.
pub fn env_field(name: &str, path: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.to_owned(),
                ..ObjectFieldSelector::default()
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

/// The shared Redis settings (WIRE.md §2.1). The password comes from the Secret and is put into
/// the URL by Kubernetes' `$(VAR)` interpolation, which needs `REDIS_PASSWORD` listed first.
pub fn redis_env(i: &Inputs) -> Vec<EnvVar> {
    let n = i.names();
    vec![
        env_secret("REDIS_PASSWORD", &n.secret(), REDIS_PASSWORD_KEY),
        env("REDIS_URL", format!("redis://:$(REDIS_PASSWORD)@{}:{REDIS_PORT}/0", n.of(Component::Redis))),
        env("EVENT_STREAM", EVENT_STREAM),
        env("ORDER_STREAM", ORDER_STREAM),
        env("SNAPSHOT_KEY", SNAPSHOT_KEY),
    ]
}

/// Env of every `sector` workload: Redis, the game config, JSON logs.
pub fn common_env(i: &Inputs) -> Vec<EnvVar> {
    let mut vars = redis_env(i);
    vars.push(env("SIM_CONFIG", format!("{CONFIG_DIR}/{SIM_CONFIG_FILE}")));
    vars.push(env("LOG_FORMAT", "json"));
    vars
}

/// The bot API token: the referenced Secret key, else the generated one.
pub fn bot_token_env(i: &Inputs) -> EnvVar {
    let generated = SecretKeyRef { name: i.names().secret(), key: BOT_TOKEN_KEY.to_owned() };
    let r = i.spec().auth.bot_token_ref.as_ref().unwrap_or(&generated);
    env_secret("BOT_API_TOKEN", &r.name, &r.key)
}

/// The JWT secret: the referenced Secret key, else the generated one.
pub fn jwt_secret_env(i: &Inputs) -> EnvVar {
    let generated = SecretKeyRef { name: i.names().secret(), key: JWT_SECRET_KEY.to_owned() };
    let r = i.spec().auth.jwt_secret_ref.as_ref().unwrap_or(&generated);
    env_secret("JWT_SECRET", &r.name, &r.key)
}

pub fn http_probe(path: &str, port: i32, period: i32, failures: i32) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::Int(port),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(period),
        timeout_seconds: Some(2),
        failure_threshold: Some(failures),
        ..Probe::default()
    }
}

/// Liveness on `/health`, readiness on `/ready`.
pub fn with_probes(mut c: Container, port: i32) -> Container {
    c.liveness_probe = Some(http_probe("/health", port, 10, 3));
    c.readiness_probe = Some(http_probe("/ready", port, 5, 2));
    c
}

pub fn port(name: &str, number: i32) -> ContainerPort {
    ContainerPort {
        name: Some(name.to_owned()),
        container_port: number,
        protocol: Some("TCP".to_owned()),
        ..ContainerPort::default()
    }
}

/// The spec's resources, else small defaults: `[cpu request, memory request, cpu limit, memory
/// limit]`. An amount the spec leaves out keeps its default, so every container has both.
pub fn resources(spec: Option<&Resources>, default: [&str; 4]) -> ResourceRequirements {
    let q = |v: &str| Quantity(v.to_owned());
    let list = |given: Option<&ResourceList>, cpu: &str, memory: &str| {
        let given = given.cloned().unwrap_or_default();
        BTreeMap::from([
            ("cpu".to_owned(), given.cpu.unwrap_or_else(|| q(cpu))),
            ("memory".to_owned(), given.memory.unwrap_or_else(|| q(memory))),
        ])
    };
    ResourceRequirements {
        requests: Some(list(spec.and_then(|r| r.requests.as_ref()), default[0], default[1])),
        limits: Some(list(spec.and_then(|r| r.limits.as_ref()), default[2], default[3])),
        ..ResourceRequirements::default()
    }
}

/// A `sector <subcommand>` container with the common env, security and mounts.
pub fn sector_container(i: &Inputs, component: Component, mut extra_env: Vec<EnvVar>) -> Container {
    let mut vars = common_env(i);
    vars.append(&mut extra_env);
    Container {
        name: component.as_str().to_owned(),
        image: Some(i.image().to_owned()),
        image_pull_policy: Some(i.spec().image_pull_policy.unwrap_or_default().as_str().to_owned()),
        args: Some(vec![subcommand(component).to_owned()]),
        env: Some(vars),
        security_context: Some(container_security()),
        volume_mounts: Some(vec![
            VolumeMount {
                name: CONFIG_VOLUME.to_owned(),
                mount_path: CONFIG_DIR.to_owned(),
                read_only: Some(true),
                ..VolumeMount::default()
            },
            VolumeMount {
                name: TMP_VOLUME.to_owned(),
                mount_path: "/tmp".to_owned(),
                ..VolumeMount::default()
            },
        ]),
        ..Container::default()
    }
}

fn subcommand(component: Component) -> &'static str {
    match component {
        Component::Bots => "bot",
        other => other.as_str(),
    }
}

/// Volumes of a `sector` pod: the game config and a small writable /tmp.
pub fn sector_volumes(i: &Inputs) -> Vec<Volume> {
    vec![
        Volume {
            name: CONFIG_VOLUME.to_owned(),
            config_map: Some(ConfigMapVolumeSource {
                name: i.names().config_map(),
                ..ConfigMapVolumeSource::default()
            }),
            ..Volume::default()
        },
        tmp_volume(),
    ]
}

pub fn tmp_volume() -> Volume {
    Volume {
        name: TMP_VOLUME.to_owned(),
        empty_dir: Some(EmptyDirVolumeSource {
            size_limit: Some(Quantity("16Mi".to_owned())),
            ..EmptyDirVolumeSource::default()
        }),
        ..Volume::default()
    }
}
