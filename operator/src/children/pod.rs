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

/// Name of the container port the workload serves on (its Service targets it by this name).
pub const HTTP_PORT_NAME: &str = "http";
/// Name and number of the container port `/metrics` is served on (`METRICS_PORT`). No Service
/// the ingress routes to includes it, so it is reachable in-cluster (scrapers, port-forward)
/// but never from the internet.
pub const METRICS_PORT_NAME: &str = "metrics";
pub const METRICS_PORT: i32 = 9090;

/// An HTTP GET probe of `path` on the named container port.
pub fn http_probe(path: &str, port_name: &str, period: i32, failures: i32) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::String(port_name.to_owned()),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(period),
        timeout_seconds: Some(2),
        failure_threshold: Some(failures),
        ..Probe::default()
    }
}

/// The probes of an HTTP workload, all on its `http` port:
/// - startup on `/health`, every 2 s, up to 30 failures: a slow start (image pull done, Redis
///   still coming up) gets a minute before liveness may kill it;
/// - liveness on `/health`, which checks the process only, so a Redis outage never restarts
///   the pods;
/// - readiness on `/ready`, which checks the dependencies (Redis), so an outage takes the pods
///   out of their Service until it is over.
pub fn with_probes(mut c: Container) -> Container {
    c.startup_probe = Some(http_probe("/health", HTTP_PORT_NAME, 2, 30));
    c.liveness_probe = Some(http_probe("/health", HTTP_PORT_NAME, 10, 3));
    c.readiness_probe = Some(http_probe("/ready", HTTP_PORT_NAME, 5, 2));
    c
}

/// The named `http` port and, with `metrics`, a separate `metrics` port plus `METRICS_PORT` so
/// the workload serves `/metrics` there and answers 404 for it on `http`.
pub fn with_ports(mut c: Container, http: i32, metrics: bool) -> Container {
    let mut ports = vec![port(HTTP_PORT_NAME, http)];
    if metrics {
        ports.push(port(METRICS_PORT_NAME, METRICS_PORT));
        c.env.get_or_insert_with(Vec::new).push(env("METRICS_PORT", METRICS_PORT.to_string()));
    }
    c.ports = Some(ports);
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

#[cfg(test)]
mod tests {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::Service;
    use serde_json::json;

    use super::*;

    /// Every child of a universe with every HTTP workload (minter, ingress) switched on.
    fn children() -> Vec<(String, serde_json::Value)> {
        crate::children::testing::children(json!({
            "ingress": {"enabled": true, "host": "blue.example.com"},
            "minter": {"enabled": true, "rpcUrl": "http://chain:8545"},
        }))
        .into_iter()
        .filter_map(|(id, object)| object.map(|o| (id, o)))
        .collect()
    }

    fn deployment(children: &[(String, serde_json::Value)], id: &str) -> Container {
        let (_, object) = children.iter().find(|(i, _)| i == id).unwrap_or_else(|| panic!("{id} missing"));
        let d: Deployment = serde_json::from_value(object.clone()).expect("deployment");
        let mut containers = d.spec.expect("spec").template.spec.expect("pod").containers;
        assert_eq!(containers.len(), 1, "{id}");
        containers.remove(0)
    }

    fn probe(p: &Option<Probe>) -> (String, IntOrString, i32, i32) {
        let p = p.as_ref().expect("probe");
        let get = p.http_get.as_ref().expect("http probe");
        (
            get.path.clone().expect("path"),
            get.port.clone(),
            p.period_seconds.expect("period"),
            p.failure_threshold.expect("failures"),
        )
    }

    fn env_value(c: &Container, name: &str) -> Option<String> {
        c.env.as_ref()?.iter().find(|e| e.name == name).and_then(|e| e.value.clone())
    }

    #[test]
    fn http_workloads_probe_liveness_readiness_and_startup_on_the_http_port() {
        let children = children();
        let http = || IntOrString::String("http".into());
        for (id, port) in [
            ("api-deployment", crate::names::API_PORT),
            ("frontend-deployment", crate::names::FRONTEND_PORT),
            ("sim-deployment", crate::names::SIM_HTTP_PORT),
            ("minter-deployment", crate::names::MINTER_PORT),
        ] {
            let c = deployment(&children, id);
            assert_eq!(probe(&c.startup_probe), ("/health".into(), http(), 2, 30), "{id} startup");
            assert_eq!(probe(&c.liveness_probe), ("/health".into(), http(), 10, 3), "{id} liveness");
            assert_eq!(probe(&c.readiness_probe), ("/ready".into(), http(), 5, 2), "{id} readiness");
            let named: Vec<(Option<String>, i32)> =
                c.ports.iter().flatten().map(|p| (p.name.clone(), p.container_port)).collect();
            assert!(named.contains(&(Some("http".into()), port)), "{id}: {named:?}");
        }
        // The bots serve no HTTP: nothing to probe.
        let bots = deployment(&children, "bots-deployment");
        assert!(bots.startup_probe.is_none() && bots.liveness_probe.is_none() && bots.ports.is_none());
    }

    #[test]
    fn metrics_get_their_own_port_which_no_service_exposes() {
        let children = children();
        for id in ["api-deployment", "frontend-deployment", "sim-deployment"] {
            let c = deployment(&children, id);
            let metrics: Vec<i32> = c
                .ports
                .iter()
                .flatten()
                .filter(|p| p.name.as_deref() == Some("metrics"))
                .map(|p| p.container_port)
                .collect();
            assert_eq!(metrics, [METRICS_PORT], "{id}");
            assert_eq!(env_value(&c, "METRICS_PORT").as_deref(), Some("9090"), "{id}");
        }
        let minter = deployment(&children, "minter-deployment");
        assert_eq!(env_value(&minter, "METRICS_PORT"), None, "the minter has no /metrics");
        // The Services (what the Ingress routes to) carry the `http` port only.
        for id in ["api-service", "frontend-service", "minter-service"] {
            let (_, object) = children.iter().find(|(i, _)| i == id).expect("service");
            let service: Service = serde_json::from_value(object.clone()).expect("service");
            let ports: Vec<_> = service
                .spec
                .expect("spec")
                .ports
                .expect("ports")
                .into_iter()
                .map(|p| (p.name, p.target_port))
                .collect();
            assert_eq!(ports, [(Some("http".into()), Some(IntOrString::String("http".into())))], "{id}");
        }
    }
}
