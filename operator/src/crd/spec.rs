//! `SectorUniverse` spec: what a cluster admin asks for. Every field is optional; the defaults
//! (documented on each field and applied by the operator, not by the API server, so a newer
//! operator's defaults reach existing universes) give a working universe.
//!
//! Admin actions are plain spec fields (`paused`, `botsOnly`, `restartGeneration`), changed with
//! `kubectl patch --type merge`; the operator carries them to the universe's Redis control hash.

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::{CustomResource, KubeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::status::SectorUniverseStatus;

/// A complete, isolated Sector game universe: Redis, simulation, API, frontend, bots, ingress.
#[derive(CustomResource, KubeSchema, Deserialize, Serialize, Clone, Debug, Default, PartialEq)]
#[kube(
    group = "sector.dev",
    version = "v1alpha1",
    kind = "SectorUniverse",
    plural = "sectoruniverses",
    singular = "sectoruniverse",
    namespaced,
    shortname = "su",
    shortname = "universe",
    category = "sector",
    status = "SectorUniverseStatus",
    derive = "Default",
    derive = "PartialEq",
    doc = "A Sector universe: the operator reconciles it into Redis, the simulation, the API, the \
           frontend, the bots and their ingress, and carries the admin fields (paused, botsOnly, \
           restartGeneration) to the running simulation.",
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(name = "Run", type_ = "string", json_path = ".status.run"),
    printcolumn(name = "Tick", type_ = "integer", json_path = ".status.tick"),
    printcolumn(name = "Paused", type_ = "boolean", json_path = ".spec.paused"),
    printcolumn(name = "BotsOnly", type_ = "boolean", json_path = ".spec.botsOnly"),
    printcolumn(name = "Bots", type_ = "integer", json_path = ".status.botReplicas.current"),
    printcolumn(name = "URL", type_ = "string", json_path = ".status.url"),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp"),
    validation = Rule::new(
        "(has(self.spec.restartGeneration) ? self.spec.restartGeneration : 0) >= \
         (has(oldSelf.spec.restartGeneration) ? oldSelf.spec.restartGeneration : 0)"
    )
    .message("spec.restartGeneration may only increase (bump it to start a new run)")
    .field_path(".spec.restartGeneration"),
    validation = Rule::new(
        "(has(self.spec.world) && has(self.spec.world.seed) ? self.spec.world.seed : '') == \
         (has(oldSelf.spec.world) && has(oldSelf.spec.world.seed) ? oldSelf.spec.world.seed : '') || \
         (has(self.spec.restartGeneration) ? self.spec.restartGeneration : 0) > \
         (has(oldSelf.spec.restartGeneration) ? oldSelf.spec.restartGeneration : 0)"
    )
    .message("spec.world.seed is fixed within a run: change it together with a spec.restartGeneration bump")
    .field_path(".spec.world.seed"),
    // On the whole object rather than on spec.redis: a transition rule only runs where the old
    // object had the field, and adding storage to a universe without a redis section must be
    // refused too. retentionPolicy is left out: the StatefulSet lets it change.
    validation = Rule::new(
        "(has(self.spec.redis) && has(self.spec.redis.storage)) == \
         (has(oldSelf.spec.redis) && has(oldSelf.spec.redis.storage)) && \
         (!(has(self.spec.redis) && has(self.spec.redis.storage)) || \
          (self.spec.redis.storage.size == oldSelf.spec.redis.storage.size && \
           (has(self.spec.redis.storage.storageClassName) ? self.spec.redis.storage.storageClassName : '') == \
           (has(oldSelf.spec.redis.storage.storageClassName) ? oldSelf.spec.redis.storage.storageClassName : '')))"
    )
    .message(
        "spec.redis.storage is fixed once the universe exists (the Redis StatefulSet's volumeClaimTemplates \
         are immutable): its size and storageClassName cannot change and it cannot be added or removed; \
         create a new universe with the storage you want (only retentionPolicy may change)"
    )
    .field_path(".spec.redis.storage"),
    validation = Rule::new("self.metadata.name.matches('^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$')")
        .message("the universe name must be a DNS label of at most 40 characters (its children append suffixes)")
)]
#[serde(rename_all = "camelCase")]
pub struct SectorUniverseSpec {
    /// Container image holding the `sector` binary. Default: the operator's `SECTOR_IMAGE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub image: Option<String>,

    /// Pull policy of the workload containers. Default: IfNotPresent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<PullPolicy>,

    /// The map and pace of the game.
    #[serde(default, skip_serializing_if = "is_default")]
    pub world: WorldSpec,

    /// Admin action: stop the simulation from advancing (API, frontend and bots stay up). The
    /// simulation obeys at its next tick; no pod restarts.
    #[serde(default, skip_serializing_if = "is_default")]
    pub paused: bool,

    /// Admin action: clear and refuse human claims; bots play every faction.
    #[serde(default, skip_serializing_if = "is_default")]
    pub bots_only: bool,

    /// Admin action: bump to end the current run and start a fresh one (a reset). Each value is
    /// applied once; status.appliedRestartGeneration records the last one applied. May only
    /// increase.
    #[serde(default, skip_serializing_if = "is_default")]
    #[schemars(range(min = 0))]
    pub restart_generation: i64,

    /// Map seed of the run started by the next restartGeneration bump (default: world.seed, else
    /// random). Lets a reset pick a map without changing world.seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 256))]
    pub restart_seed: Option<String>,

    /// The public API (`sector api`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub api: ComponentSpec,

    /// The web frontend and WebSocket server (`sector frontend`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub frontend: ComponentSpec,

    /// The simulation worker (`sector sim`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub sim: SimSpec,

    /// Bot workers (`sector bot`), autoscaled on the number of factions no human holds.
    #[serde(default, skip_serializing_if = "is_default")]
    pub bots: BotsSpec,

    /// The universe's own Redis.
    #[serde(default, skip_serializing_if = "is_default")]
    pub redis: RedisSpec,

    /// Exposure at a host name: `/` and `/ws` to the frontend, `/api` to the API, through two
    /// Ingress objects or (with ingress.gateway) a Gateway API HTTPRoute.
    #[serde(default, skip_serializing_if = "is_default")]
    pub ingress: IngressSpec,

    /// Who may administer the universe, and where its credentials come from.
    #[serde(default, skip_serializing_if = "is_default")]
    pub auth: AuthSpec,

    /// Optional award minting for run winners (`sector minter`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub minter: MinterSpec,
}

/// Image pull policy.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum PullPolicy {
    Always,
    #[default]
    IfNotPresent,
    Never,
}

impl PullPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "Always",
            Self::IfNotPresent => "IfNotPresent",
            Self::Never => "Never",
        }
    }
}

/// The map and pace of the game. Map settings (seed, systems, factions) take effect at the start
/// of a run.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorldSpec {
    /// Map seed of new runs. Absent: a random seed per run (the current one is in status.seed).
    /// Fixed within a run: change it only together with a restartGeneration bump.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 256))]
    pub seed: Option<String>,

    /// Number of star systems. Default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 6, max = 500))]
    pub systems: Option<i32>,

    /// Number of configured (human-claimable) factions; the League and rebels come on top.
    /// Default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 12))]
    pub factions: Option<i32>,

    /// Milliseconds between ticks. Default 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 20, max = 60000))]
    pub tick_ms: Option<i32>,
}

/// A stateless HTTP component (api, frontend).
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComponentSpec {
    /// Pod replicas. Default 1; with 2 or more a PodDisruptionBudget keeps one up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 50))]
    pub replicas: Option<i32>,

    /// Container resources. Default: small requests and limits (see the operator docs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
}

/// The simulation worker: one active replica holding the Redis lease.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimSpec {
    /// Run a standby replica that takes over from the last snapshot when the active one dies.
    #[serde(default, skip_serializing_if = "is_default")]
    pub standby: bool,

    /// Container resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
}

/// Bot autoscaling: replicas = clamp(ceil(bot-played factions / factionsPerReplica),
/// minReplicas, maxReplicas), where bot-played factions are those no human holds (League and
/// rebels included).
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    validation = Rule::new(
        "(has(self.minReplicas) ? self.minReplicas : 1) <= (has(self.maxReplicas) ? self.maxReplicas : 4)"
    ).message("bots.minReplicas must not exceed bots.maxReplicas (defaults 1 and 4)")
)]
pub struct BotsSpec {
    /// Fewest bot replicas. Default 1; 0 lets bots stop when humans hold every faction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub min_replicas: Option<i32>,

    /// Most bot replicas. Default 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub max_replicas: Option<i32>,

    /// Bot-played factions one replica drives. Default 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub factions_per_replica: Option<i32>,

    /// Container resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
}

/// The universe's Redis (one replica; a generated password; reachable only from the universe's
/// pods and the operator).
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedisSpec {
    /// Redis image. Default: the operator's `REDIS_IMAGE` (redis:7.2-alpine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub image: Option<String>,

    /// Append-only-file persistence (survives Redis restarts when storage is set).
    #[serde(default, skip_serializing_if = "is_default")]
    pub append_only: bool,

    /// Persistent storage. Absent: an emptyDir (data lives as long as the pod).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<StorageSpec>,

    /// Container resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
}

/// A PersistentVolumeClaim template. Fixed once the universe exists (a StatefulSet's volume
/// claim templates are immutable): only retentionPolicy may change.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StorageSpec {
    /// Requested size, e.g. `1Gi`. Cannot change once set.
    #[schemars(length(min = 1))]
    pub size: String,

    /// Storage class. Absent: the cluster default. Cannot change once set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<String>,

    /// What happens to the Redis volume (PersistentVolumeClaim `data-NAME-redis-0`) when the
    /// universe is deleted: Retain (default) keeps it, so re-creating the universe under the
    /// same name finds its data again (delete the claim by hand to free the volume); Delete
    /// removes it with the universe. Scaling never deletes it. May change at any time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_policy: Option<RetentionPolicy>,
}

/// Whether a volume outlives its universe.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum RetentionPolicy {
    #[default]
    Retain,
    Delete,
}

impl RetentionPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Retain => "Retain",
            Self::Delete => "Delete",
        }
    }
}

/// Exposure of the universe at a host name (Ingress objects or a Gateway API HTTPRoute).
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    validation = Rule::new("!has(self.enabled) || !self.enabled || has(self.host)")
        .message("ingress.host is required when ingress.enabled is true"),
    validation = Rule::new("!has(self.tlsSecretName) || has(self.host)")
        .message("ingress.tlsSecretName needs ingress.host"),
    validation = Rule::new("!has(self.gateway) || !has(self.className)")
        .message("ingress.className selects an IngressClass: with ingress.gateway the HTTPRoute attaches to gateway.parentRefs instead"),
    validation = Rule::new("!has(self.gateway) || !has(self.tlsSecretName)")
        .message("ingress.tlsSecretName is for the Ingress objects: with ingress.gateway the Gateway's listener terminates TLS")
)]
pub struct IngressSpec {
    /// Expose the universe at host: Ingress objects, or an HTTPRoute with gateway.
    #[serde(default, skip_serializing_if = "is_default")]
    pub enabled: bool,

    /// Host name players use, e.g. `blue.sector.example.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub host: Option<String>,

    /// IngressClass of the Ingress objects. Absent: the cluster default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,

    /// Secret holding the TLS certificate for host, for the Ingress objects. Absent: plain HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_secret_name: Option<String>,

    /// Extra annotations of the Ingress objects, or of the HTTPRoute with gateway (e.g. for
    /// cert-manager or external-dns).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub annotations: std::collections::BTreeMap<String, String>,

    /// Route through Gateway API instead of Ingress objects: the operator creates one HTTPRoute
    /// (gateway.networking.k8s.io/v1) for host, attached to these Gateways, with `/api` sent to
    /// the API (prefix replaced by `/`, which every Gateway API implementation supports) and `/`
    /// (WebSockets included) to the frontend. Absent: two Ingress objects whose `/api` prefix
    /// strip only ingress-nginx understands. Needs ingress.enabled and ingress.host; excludes
    /// className and tlsSecretName (TLS is the Gateway listener's business).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewaySpec>,
}

/// Where the universe's HTTPRoute attaches.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    /// The Gateways (or listeners of them) the HTTPRoute attaches to; each must allow routes
    /// from the universe's namespace.
    #[schemars(length(min = 1, max = 32))]
    pub parent_refs: Vec<GatewayParentRef>,
}

/// A Gateway (gateway.networking.k8s.io) the HTTPRoute attaches to.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GatewayParentRef {
    /// Name of the Gateway.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,

    /// Namespace of the Gateway. Absent: the universe's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub namespace: Option<String>,

    /// Listener of the Gateway to attach to. Absent: every listener that accepts the route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub section_name: Option<String>,
}

/// Administration and credentials.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthSpec {
    /// Wallet addresses (0x + 40 hex digits) allowed to call the API's /admin endpoints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 100), inner(regex(pattern = "^0x[0-9a-fA-F]{40}$")))]
    pub admins: Vec<String>,

    /// Secret key holding the API's JWT signing secret (at least 32 bytes). Absent: generated
    /// into the universe's Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_secret_ref: Option<SecretKeyRef>,

    /// Secret key holding the bot API token. Absent: generated into the universe's Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_token_ref: Option<SecretKeyRef>,
}

/// A key of a Secret in the universe's namespace.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretKeyRef {
    /// Secret name.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Key within the Secret.
    #[schemars(length(min = 1, max = 253))]
    pub key: String,
}

/// Award minting for run winners.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    validation = Rule::new(
        "!has(self.enabled) || !self.enabled || (has(self.rpcUrl) && has(self.contractAddress) && has(self.privateKeyRef))"
    )
    .message("minter.rpcUrl, minter.contractAddress and minter.privateKeyRef are required when minter.enabled is true")
)]
pub struct MinterSpec {
    /// Run the minter.
    #[serde(default, skip_serializing_if = "is_default")]
    pub enabled: bool,

    /// Ethereum JSON-RPC endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc_url: Option<String>,

    /// Award token contract address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^0x[0-9a-fA-F]{40}$"))]
    pub contract_address: Option<String>,

    /// Chain id of the RPC endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub chain_id: Option<i64>,

    /// Secret key holding the minting account's private key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key_ref: Option<SecretKeyRef>,

    /// Container resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
}

/// Container resources: requests and limits of cpu and memory.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    /// What the scheduler reserves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<ResourceList>,
    /// The most the container may use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceList>,
}

/// Amounts of cpu and memory.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceList {
    /// CPU, e.g. `250m` or `1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "quantity_schema")]
    pub cpu: Option<Quantity>,
    /// Memory, e.g. `128Mi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "quantity_schema")]
    pub memory: Option<Quantity>,
}

/// A Kubernetes quantity (number or string), without k8s-openapi's page-long description.
fn quantity_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "x-kubernetes-int-or-string": true })
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}
