//! Names and labels of a universe's children, in one place so builders, the network policy and
//! the tests agree.

use std::collections::BTreeMap;

/// Field manager of every server-side apply the operator makes.
pub const FIELD_MANAGER: &str = "sector-operator";
/// Label naming the universe a child belongs to.
pub const UNIVERSE_LABEL: &str = "sector.dev/universe";
pub const COMPONENT_LABEL: &str = "app.kubernetes.io/component";
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Value of `app.kubernetes.io/name` on the operator's own pods (the chart sets it), which the
/// Redis network policy lets in.
pub const OPERATOR_APP_NAME: &str = "sector-operator";
/// Pod-template annotation with a hash of the game config, so pods roll when it changes (they
/// read it once at start).
pub const CONFIG_HASH_ANNOTATION: &str = "sector.dev/config-hash";

/// Longest universe name: children append up to `-frontend` / `-redis-<revision hash>`, and
/// Service and label values are limited to 63 characters.
pub const MAX_UNIVERSE_NAME: usize = 40;

/// Ports.
pub const API_PORT: i32 = 8000;
pub const FRONTEND_PORT: i32 = 9000;
pub const SIM_HTTP_PORT: i32 = 9300;
pub const MINTER_PORT: i32 = 9100;
pub const REDIS_PORT: i32 = 6379;

/// Redis keys of WIRE.md §2.1 (each universe has its own Redis, so the defaults fit).
pub const EVENT_STREAM: &str = "sector:events";
pub const ORDER_STREAM: &str = "sector:orders";
pub const SNAPSHOT_KEY: &str = "sector:snapshot";

/// Keys of the universe's generated Secret.
pub const JWT_SECRET_KEY: &str = "jwt-secret";
pub const BOT_TOKEN_KEY: &str = "bot-token";
pub const REDIS_PASSWORD_KEY: &str = "redis-password";
pub const MINTER_API_KEY_KEY: &str = "minter-api-key";

/// Mount point and file name of the game config.
pub const CONFIG_DIR: &str = "/etc/sector";
pub const SIM_CONFIG_FILE: &str = "sim_config.json";

/// A workload of the universe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    Redis,
    Api,
    Frontend,
    Sim,
    Bots,
    Minter,
}

impl Component {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Redis => "redis",
            Self::Api => "api",
            Self::Frontend => "frontend",
            Self::Sim => "sim",
            Self::Bots => "bots",
            Self::Minter => "minter",
        }
    }
}

/// Names of one universe's children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    universe: String,
}

impl Names {
    pub fn new(universe: &str) -> Self {
        Self { universe: universe.to_owned() }
    }

    pub fn universe(&self) -> &str {
        &self.universe
    }

    /// `{universe}-{component}`: Deployment, Service, PDB, ... of a component.
    pub fn of(&self, component: Component) -> String {
        format!("{}-{}", self.universe, component.as_str())
    }

    pub fn secret(&self) -> String {
        format!("{}-credentials", self.universe)
    }

    pub fn config_map(&self) -> String {
        format!("{}-config", self.universe)
    }

    /// ServiceAccount, Role and RoleBinding of the API.
    pub fn api_account(&self) -> String {
        self.of(Component::Api)
    }

    /// The Ingress of `/` and `/ws` (frontend).
    pub fn ingress(&self) -> String {
        self.universe.clone()
    }

    /// The Ingress of `/api` (rewritten to the API's own paths).
    pub fn api_ingress(&self) -> String {
        format!("{}-api", self.universe)
    }

    /// The Gateway API HTTPRoute (`/` and `/api`), in place of both Ingress objects.
    pub fn http_route(&self) -> String {
        self.universe.clone()
    }

    /// Labels every child carries.
    pub fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("app.kubernetes.io/name".to_owned(), "sector".to_owned()),
            ("app.kubernetes.io/instance".to_owned(), self.universe.clone()),
            ("app.kubernetes.io/part-of".to_owned(), "sector".to_owned()),
            (MANAGED_BY_LABEL.to_owned(), FIELD_MANAGER.to_owned()),
            (UNIVERSE_LABEL.to_owned(), self.universe.clone()),
        ])
    }

    /// Labels of a component's objects and pods.
    pub fn component_labels(&self, component: Component) -> BTreeMap<String, String> {
        let mut labels = self.labels();
        labels.insert(COMPONENT_LABEL.to_owned(), component.as_str().to_owned());
        labels
    }

    /// The (immutable) selector of a component's pods.
    pub fn selector(&self, component: Component) -> BTreeMap<String, String> {
        BTreeMap::from([
            (UNIVERSE_LABEL.to_owned(), self.universe.clone()),
            (COMPONENT_LABEL.to_owned(), component.as_str().to_owned()),
        ])
    }

    /// Selector of every pod of the universe.
    pub fn universe_selector(&self) -> BTreeMap<String, String> {
        BTreeMap::from([(UNIVERSE_LABEL.to_owned(), self.universe.clone())])
    }

    /// In-namespace base URL of a component's Service.
    pub fn service_url(&self, component: Component, port: i32) -> String {
        format!("http://{}:{port}", self.of(component))
    }
}
