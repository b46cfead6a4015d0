//! The API's configuration, parsed once from environment variables (WIRE.md §2.1, §2.2) into
//! a typed struct. Every problem is reported with the variable's name.
//!
//! Variable names are matched case-insensitively, as the reference services did. Security
//! fixes (KNOWN_DEFECTS A1, A2, A3, A10) live here as configuration rules: no default JWT
//! secret outside dev mode, no default bot token, explicit admin addresses, and CORS
//! credentials only for explicit origins.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use sector_store::{DEFAULT_PREFIX, Keys};

use crate::wallet;

/// Default listening port (`PORT`).
pub const DEFAULT_PORT: u16 = 8000;
/// Default token and session lifetime (`JWT_TTL_SECONDS`).
pub const DEFAULT_JWT_TTL: Duration = Duration::from_secs(86_400);
/// Default login nonce lifetime (`AUTH_NONCE_TTL_SECONDS`).
pub const DEFAULT_NONCE_TTL: Duration = Duration::from_secs(300);
/// Default cap on orders in one `POST /orders` (`MAX_ORDERS_PER_REQUEST`).
pub const DEFAULT_MAX_ORDERS: usize = 200;
/// Default request body limit (`MAX_BODY_BYTES`); the largest legal order batch is ~20 KiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// Default lifetime of cached store reads (`READ_CACHE_MS`: snapshot, bot-path claims): well
/// below the 300 ms tick, so a client never sees a snapshot older than one tick, while a
/// burst of readers costs one store read per window.
pub const DEFAULT_READ_CACHE: Duration = Duration::from_millis(50);
/// Shortest accepted `JWT_SECRET`: HS256 keys should carry at least 256 bits.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is required (no default; see WIRE.md §2.1)")]
    Missing { var: &'static str },
    #[error(
        "JWT_SECRET is required: set it to a random string of at least {MIN_JWT_SECRET_BYTES} bytes \
         (there is no default secret outside `sector dev`; KNOWN_DEFECTS A3)"
    )]
    MissingJwtSecret,
    #[error("{var}: {reason}")]
    Invalid { var: &'static str, reason: String },
    #[error(
        "{var}={value:?} is not supported: key names derive from one prefix (here {prefix:?}), so it \
         must be {expected:?}"
    )]
    KeyName { var: &'static str, value: String, prefix: String, expected: String },
    #[error("SIM_CONFIG={path}: {source}")]
    GameConfig {
        path: PathBuf,
        #[source]
        source: sector_core::config::ConfigError,
    },
    #[error("environment variable {var} is not valid UTF-8")]
    NotUnicode { var: String },
    #[error("cannot draw a random JWT secret for dev mode: {0}")]
    Random(String),
}

/// A credential whose value must never reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(value: impl Into<Vec<u8>>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { f.write_str("Secret(empty)") } else { f.write_str("Secret(***)") }
    }
}

/// `CORS_ALLOW_ORIGINS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// `*` (the default): any origin, but without credentials (A10).
    Any,
    /// Explicit origins: echoed back with credentials allowed.
    List(Vec<String>),
}

/// A per-client-IP rate limit: `per_minute` requests sustained, bursts of `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_minute: u32,
    pub burst: u32,
}

/// Everything the API needs, typed.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Set by `sector dev` only (never read from the environment): allows a missing
    /// `JWT_SECRET` (a random per-process secret is drawn) and a missing `REDIS_URL` (the
    /// caller runs on an in-process store).
    pub dev_mode: bool,
    /// `REDIS_URL`; `None` only in dev mode.
    pub redis_url: Option<String>,
    /// Key names (`EVENT_STREAM`, `ORDER_STREAM`, `SNAPSHOT_KEY` and the prefix of the rest).
    pub keys: Keys,
    /// `BIND_ADDRESS` (default 0.0.0.0): the address `PORT` and `METRICS_PORT` listen on.
    pub bind_address: std::net::IpAddr,
    /// `PORT`.
    pub port: u16,
    /// `METRICS_PORT`: when set, `/metrics` is served only on this port and the main
    /// port answers 404 for it, so an ingress in front of `PORT` never exposes it. Unset: `/metrics`
    /// on the main port, as before.
    pub metrics_port: Option<u16>,
    /// `JWT_SECRET` (HS256 key).
    pub jwt_secret: Secret,
    /// `JWT_TTL_SECONDS`: token and session lifetime.
    pub jwt_ttl: Duration,
    /// `AUTH_NONCE_TTL_SECONDS`.
    pub nonce_ttl: Duration,
    /// `BOT_API_TOKEN`; empty disables bot access (A2: no default).
    pub bot_token: Secret,
    /// `ADMIN_ADDRESSES`: lower-case wallet addresses allowed on `/admin/*` (A1).
    pub admin_addresses: BTreeSet<String>,
    /// `CORS_ALLOW_ORIGINS`.
    pub cors: CorsOrigins,
    /// `MAX_ORDERS_PER_REQUEST`.
    pub max_orders: usize,
    /// `MAX_BODY_BYTES`.
    pub max_body_bytes: usize,
    /// `RATE_LIMIT_AUTH_PER_MINUTE` / `RATE_LIMIT_AUTH_BURST` (`/auth/*`); `None` = off.
    pub auth_rate: Option<RateLimit>,
    /// `RATE_LIMIT_ORDERS_PER_MINUTE` / `RATE_LIMIT_ORDERS_BURST` (`/orders` without a valid
    /// bot token); `None` = off.
    pub orders_rate: Option<RateLimit>,
    /// `READ_CACHE_MS` (0 = read the store on every request).
    pub read_cache: Duration,
    /// `TRUSTED_PROXY_HOPS`: reverse proxies in front of the API that append the address they
    /// saw to `X-Forwarded-For` (the ingress, the frontend's `/api` proxy). Rate limits key on
    /// the address that many hops back; 0 (the default) keys on the TCP peer.
    pub trusted_proxy_hops: usize,
    /// The game tuning (`SIM_CONFIG` file, else the shipped defaults): configured factions.
    pub game: sector_core::Config,
    /// `SECTOR_UNIVERSE_NAME` / `SECTOR_UNIVERSE_NAMESPACE`: the operator-managed
    /// `SectorUniverse` whose spec `/admin/*` patches (`None`: write the control hash).
    pub managed: Option<crate::control_writer::ManagedUniverse>,
}

impl ApiConfig {
    /// Defaults for tests and `sector dev`: dev mode, no Redis, a random JWT secret, bot access
    /// disabled, no admins.
    pub fn dev() -> Result<Self, ConfigError> {
        Self::from_vars(Vec::<(String, String)>::new(), true)
    }

    /// Reads the process environment (production rules: `JWT_SECRET` and the shared Redis
    /// settings are required).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_mode(false)
    }

    /// Reads the process environment in dev mode (what `sector dev` calls).
    pub fn from_env_dev() -> Result<Self, ConfigError> {
        Self::from_env_mode(true)
    }

    fn from_env_mode(dev_mode: bool) -> Result<Self, ConfigError> {
        let mut vars = Vec::new();
        for (name, value) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            match value.into_string() {
                Ok(value) => vars.push((name, value)),
                // Only variables we read must be UTF-8; others may be anything.
                Err(_) if is_known(&name) => return Err(ConfigError::NotUnicode { var: name }),
                Err(_) => {}
            }
        }
        Self::from_vars(vars, dev_mode)
    }

    /// Parses the given variables (names case-insensitive), e.g. for tests.
    pub fn from_vars<K: AsRef<str>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
        dev_mode: bool,
    ) -> Result<Self, ConfigError> {
        let env = Env(vars.into_iter().map(|(k, v)| (k.as_ref().to_ascii_uppercase(), v.into())).collect());

        let shared = |var: &'static str| -> Result<Option<String>, ConfigError> {
            match env.non_empty(var) {
                Some(v) => Ok(Some(v)),
                None if dev_mode => Ok(None),
                None => Err(ConfigError::Missing { var }),
            }
        };
        let redis_url = shared("REDIS_URL")?;
        let event_stream = shared("EVENT_STREAM")?;
        let order_stream = shared("ORDER_STREAM")?;
        let snapshot_key = shared("SNAPSHOT_KEY")?;
        let mut keys = Keys::new(key_prefix(&env)?);
        if let Some(v) = event_stream {
            keys = keys.with_event_stream(v);
        }
        if let Some(v) = order_stream {
            keys = keys.with_order_stream(v);
        }
        if let Some(v) = snapshot_key {
            keys = keys.with_snapshot_key(v);
        }
        // The sim's consumer group: appends trim only what it has consumed (A12), so they must
        // name the group the sim reads with.
        if let Some(v) = env.non_empty("ORDER_GROUP") {
            keys = keys.with_order_group(v.trim());
        }

        let jwt_secret = match env.non_empty("JWT_SECRET") {
            Some(s) if s.len() < MIN_JWT_SECRET_BYTES && !dev_mode => {
                return Err(ConfigError::Invalid {
                    var: "JWT_SECRET",
                    reason: format!("must be at least {MIN_JWT_SECRET_BYTES} bytes long (got {})", s.len()),
                });
            }
            Some(s) => Secret::new(s),
            None if dev_mode => {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes).map_err(|e| ConfigError::Random(e.to_string()))?;
                Secret::new(bytes.to_vec())
            }
            None => return Err(ConfigError::MissingJwtSecret),
        };

        let game = match env.non_empty("SIM_CONFIG") {
            Some(path) => {
                let path = PathBuf::from(path);
                sector_core::Config::from_file(&path)
                    .map_err(|source| ConfigError::GameConfig { path, source })?
            }
            None => sector_core::Config::default(),
        };
        game.configured_factions().map_err(|source| ConfigError::GameConfig {
            path: PathBuf::from("(shipped defaults)"),
            source,
        })?;

        let bind_address = match env.non_empty("BIND_ADDRESS") {
            Some(raw) => raw.trim().parse().map_err(|_| ConfigError::Invalid {
                var: "BIND_ADDRESS",
                reason: format!("{raw:?} is not an IP address (e.g. 0.0.0.0, 127.0.0.1, ::)"),
            })?,
            None => std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        };
        let port = env.number("PORT", 0u16)?.unwrap_or(DEFAULT_PORT);
        let metrics_port = env.number("METRICS_PORT", 1u16)?;
        if metrics_port == Some(port) {
            return Err(ConfigError::Invalid {
                var: "METRICS_PORT",
                reason: format!("must differ from PORT ({port})"),
            });
        }

        Ok(Self {
            dev_mode,
            redis_url,
            keys,
            bind_address,
            port,
            metrics_port,
            jwt_secret,
            jwt_ttl: Duration::from_secs(
                env.number("JWT_TTL_SECONDS", 1u64)?.unwrap_or(DEFAULT_JWT_TTL.as_secs()),
            ),
            nonce_ttl: Duration::from_secs(
                env.number("AUTH_NONCE_TTL_SECONDS", 1u64)?.unwrap_or(DEFAULT_NONCE_TTL.as_secs()),
            ),
            bot_token: Secret::new(
                env.string("BOT_API_TOKEN").map(|t| t.trim().to_owned()).unwrap_or_default(),
            ),
            admin_addresses: admin_addresses(&env)?,
            cors: cors_origins(&env)?,
            max_orders: env.number("MAX_ORDERS_PER_REQUEST", 1usize)?.unwrap_or(DEFAULT_MAX_ORDERS),
            max_body_bytes: env.number("MAX_BODY_BYTES", 1024usize)?.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            auth_rate: rate_limit(&env, "RATE_LIMIT_AUTH_PER_MINUTE", "RATE_LIMIT_AUTH_BURST", 60, 20)?,
            orders_rate: rate_limit(
                &env,
                "RATE_LIMIT_ORDERS_PER_MINUTE",
                "RATE_LIMIT_ORDERS_BURST",
                600,
                40,
            )?,
            trusted_proxy_hops: env.number("TRUSTED_PROXY_HOPS", 0usize)?.unwrap_or(0),
            read_cache: env
                .number("READ_CACHE_MS", 0u64)?
                .map(Duration::from_millis)
                .unwrap_or(DEFAULT_READ_CACHE),
            game,
            managed: crate::control_writer::ManagedUniverse::from_lookup(|var| env.non_empty(var)).map_err(
                |e| ConfigError::Invalid { var: "SECTOR_UNIVERSE_NAMESPACE", reason: e.to_string() },
            )?,
        })
    }

    /// Whether `address` (lower-case) may use `/admin/*`.
    pub fn is_admin(&self, address: &str) -> bool {
        self.admin_addresses.contains(address)
    }
}

/// Variables this module reads (for the UTF-8 check).
const KNOWN: &[&str] = &[
    "REDIS_URL",
    "EVENT_STREAM",
    "ORDER_STREAM",
    "SNAPSHOT_KEY",
    "ORDER_GROUP",
    "BIND_ADDRESS",
    "PORT",
    "METRICS_PORT",
    "JWT_SECRET",
    "JWT_TTL_SECONDS",
    "AUTH_NONCE_TTL_SECONDS",
    "BOT_API_TOKEN",
    "ADMIN_ADDRESSES",
    "CORS_ALLOW_ORIGINS",
    "MAX_ORDERS_PER_REQUEST",
    "MAX_BODY_BYTES",
    "RATE_LIMIT_AUTH_PER_MINUTE",
    "RATE_LIMIT_AUTH_BURST",
    "RATE_LIMIT_ORDERS_PER_MINUTE",
    "RATE_LIMIT_ORDERS_BURST",
    "READ_CACHE_MS",
    "TRUSTED_PROXY_HOPS",
    "SIM_CONFIG",
    "UNIVERSE_KEY",
    "HUMAN_FACTIONS_KEY",
    "PLAYER_FACTION_PREFIX",
    "FACTION_PLAYER_PREFIX",
    "RESTART_KEY",
    "BOTS_ONLY_KEY",
    "PAUSE_KEY",
    "SESSION_KEY_PREFIX",
    "ADDRESS_SESSION_PREFIX",
    "NONCE_KEY_PREFIX",
    "SECTOR_UNIVERSE_NAME",
    "SECTOR_UNIVERSE_NAMESPACE",
];

fn is_known(name: &str) -> bool {
    KNOWN.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// The key prefix, from `UNIVERSE_KEY` (`{prefix}:universe_id`, default `sector`). The store
/// derives every other key from it, so the reference's per-key variables are accepted only
/// with the derived value (as in the sim's configuration).
fn key_prefix(env: &Env) -> Result<String, ConfigError> {
    let prefix = match env.string("UNIVERSE_KEY") {
        None => DEFAULT_PREFIX.to_owned(),
        Some(key) => match key.strip_suffix(":universe_id") {
            Some(prefix) if !prefix.is_empty() => prefix.to_owned(),
            _ => {
                return Err(ConfigError::KeyName {
                    var: "UNIVERSE_KEY",
                    expected: format!("{DEFAULT_PREFIX}:universe_id"),
                    prefix: DEFAULT_PREFIX.to_owned(),
                    value: key,
                });
            }
        },
    };
    let derived = [
        ("HUMAN_FACTIONS_KEY", "human_factions"),
        ("PLAYER_FACTION_PREFIX", "player:faction"),
        ("FACTION_PLAYER_PREFIX", "faction:player"),
        ("RESTART_KEY", "restart"),
        ("BOTS_ONLY_KEY", "bots_only"),
        ("PAUSE_KEY", "pause"),
        ("SESSION_KEY_PREFIX", "session"),
        ("ADDRESS_SESSION_PREFIX", "session:addr"),
        ("NONCE_KEY_PREFIX", "auth:nonce"),
    ];
    for (var, suffix) in derived {
        let expected = format!("{prefix}:{suffix}");
        if let Some(value) = env.string(var)
            && value != expected
        {
            return Err(ConfigError::KeyName { var, value, prefix: prefix.clone(), expected });
        }
    }
    Ok(prefix)
}

fn admin_addresses(env: &Env) -> Result<BTreeSet<String>, ConfigError> {
    let raw = env.string("ADMIN_ADDRESSES").unwrap_or_default();
    let mut admins = BTreeSet::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let address = wallet::normalize_address(item).ok_or_else(|| ConfigError::Invalid {
            var: "ADMIN_ADDRESSES",
            reason: format!("{item:?} is not a wallet address (0x followed by 40 hex digits)"),
        })?;
        admins.insert(address);
    }
    Ok(admins)
}

fn cors_origins(env: &Env) -> Result<CorsOrigins, ConfigError> {
    let raw = env.string("CORS_ALLOW_ORIGINS").unwrap_or_default();
    let items: Vec<String> =
        raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    if items.is_empty() || items.iter().any(|o| o == "*") {
        return Ok(CorsOrigins::Any);
    }
    if let Some(bad) = items.iter().find(|o| axum::http::HeaderValue::from_str(o).is_err()) {
        return Err(ConfigError::Invalid {
            var: "CORS_ALLOW_ORIGINS",
            reason: format!("{bad:?} is not a valid origin"),
        });
    }
    Ok(CorsOrigins::List(items))
}

fn rate_limit(
    env: &Env,
    rate_var: &'static str,
    burst_var: &'static str,
    default_rate: u32,
    default_burst: u32,
) -> Result<Option<RateLimit>, ConfigError> {
    let per_minute = env.number(rate_var, 0u32)?.unwrap_or(default_rate);
    if per_minute == 0 {
        return Ok(None);
    }
    let burst = env.number(burst_var, 1u32)?.unwrap_or(default_burst);
    Ok(Some(RateLimit { per_minute, burst }))
}

/// The variables, keyed by upper-case name.
struct Env(HashMap<String, String>);

impl Env {
    fn string(&self, var: &str) -> Option<String> {
        self.0.get(var).cloned()
    }

    fn non_empty(&self, var: &str) -> Option<String> {
        self.string(var).filter(|v| !v.trim().is_empty())
    }

    /// An integer of at least `min`; unset or blank = `None`.
    fn number<T>(&self, var: &'static str, min: T) -> Result<Option<T>, ConfigError>
    where
        T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
    {
        let Some(raw) = self.non_empty(var) else { return Ok(None) };
        match raw.trim().parse::<T>() {
            Ok(n) if n >= min => Ok(Some(n)),
            Ok(_) => Err(ConfigError::Invalid { var, reason: format!("{raw:?} must be at least {min}") }),
            Err(_) => Err(ConfigError::Invalid { var, reason: format!("{raw:?} is not a whole number") }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("REDIS_URL", "redis://localhost:6379/0"),
            ("EVENT_STREAM", "sector:events"),
            ("ORDER_STREAM", "sector:orders"),
            ("SNAPSHOT_KEY", "sector:snapshot"),
            ("JWT_SECRET", SECRET),
        ]
    }

    fn parse(extra: &[(&'static str, &'static str)]) -> Result<ApiConfig, ConfigError> {
        let mut vars = base();
        vars.extend_from_slice(extra);
        ApiConfig::from_vars(vars, false)
    }

    #[test]
    fn defaults() {
        let c = parse(&[]).unwrap();
        assert!(!c.dev_mode);
        assert_eq!(c.port, DEFAULT_PORT);
        assert_eq!(c.metrics_port, None, "metrics on the main port unless METRICS_PORT is set");
        assert_eq!(c.bind_address, std::net::IpAddr::from([0, 0, 0, 0]), "all interfaces, as in a cluster");
        assert_eq!(c.jwt_ttl, DEFAULT_JWT_TTL);
        assert_eq!(c.nonce_ttl, DEFAULT_NONCE_TTL);
        assert!(c.bot_token.is_empty(), "no default bot token (A2)");
        assert!(c.admin_addresses.is_empty(), "no admins by default (A1)");
        assert_eq!(c.cors, CorsOrigins::Any);
        assert_eq!(c.max_orders, 200);
        assert_eq!(c.keys.snapshot(), "sector:snapshot");
        assert_eq!(c.keys.order_group(), "sim");
        assert_eq!(c.auth_rate, Some(RateLimit { per_minute: 60, burst: 20 }));
    }

    #[test]
    fn appends_trim_by_the_sims_order_group() {
        assert_eq!(parse(&[("ORDER_GROUP", "sim-blue")]).unwrap().keys.order_group(), "sim-blue");
        assert_eq!(parse(&[("ORDER_GROUP", " ")]).unwrap().keys.order_group(), "sim", "blank = default");
    }

    #[test]
    fn jwt_secret_is_required_outside_dev_mode() {
        let vars: Vec<_> = base().into_iter().filter(|(k, _)| *k != "JWT_SECRET").collect();
        let err = ApiConfig::from_vars(vars.clone(), false).unwrap_err();
        assert!(matches!(err, ConfigError::MissingJwtSecret), "{err}");
        let short = parse(&[("JWT_SECRET", "dev-secret")]).unwrap_err();
        assert!(short.to_string().contains("at least 32 bytes"), "{short}");
        let dev = ApiConfig::from_vars(vars, true).unwrap();
        assert_eq!(dev.jwt_secret.expose().len(), 32);
        assert_ne!(dev.jwt_secret, ApiConfig::dev().unwrap().jwt_secret, "random per process");
        assert_eq!(format!("{:?}", dev.jwt_secret), "Secret(***)");
    }

    #[test]
    fn shared_settings_required_outside_dev_mode() {
        let err = ApiConfig::from_vars([("JWT_SECRET", SECRET)], false).unwrap_err();
        assert_eq!(err.to_string(), "REDIS_URL is required (no default; see WIRE.md §2.1)");
        let dev = ApiConfig::dev().unwrap();
        assert!(dev.redis_url.is_none() && dev.dev_mode);
    }

    #[test]
    fn typed_values_and_names_case_insensitive() {
        let c = parse(&[
            ("port", "9001"),
            ("Admin_Addresses", " 0xAbCdEf0123456789abcdef0123456789ABCDEF01 , "),
            ("CORS_ALLOW_ORIGINS", "https://a.example, https://b.example"),
            ("BOT_API_TOKEN", " tok "),
            ("RATE_LIMIT_AUTH_PER_MINUTE", "0"),
            ("READ_CACHE_MS", "0"),
        ])
        .unwrap();
        assert_eq!(c.port, 9001);
        assert!(c.is_admin("0xabcdef0123456789abcdef0123456789abcdef01"));
        assert_eq!(c.cors, CorsOrigins::List(vec!["https://a.example".into(), "https://b.example".into()]));
        assert_eq!(c.bot_token.expose(), b"tok");
        assert_eq!(c.auth_rate, None);
        assert_eq!(c.read_cache, Duration::ZERO);
    }

    #[test]
    fn the_readme_documents_every_variable_read() {
        sector_store::testing::assert_readme_documents(
            include_str!("../README.md"),
            "## Configuration",
            KNOWN,
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = parse(&[("ADMIN_ADDRESSES", "0x1234")]).unwrap_err();
        assert!(err.to_string().starts_with("ADMIN_ADDRESSES: \"0x1234\""), "{err}");
        let err = parse(&[("JWT_TTL_SECONDS", "0")]).unwrap_err();
        assert_eq!(err.to_string(), "JWT_TTL_SECONDS: \"0\" must be at least 1");
        let err = parse(&[("MAX_ORDERS_PER_REQUEST", "many")]).unwrap_err();
        assert_eq!(err.to_string(), "MAX_ORDERS_PER_REQUEST: \"many\" is not a whole number");
        let err = parse(&[("METRICS_PORT", "8000")]).unwrap_err();
        assert_eq!(err.to_string(), "METRICS_PORT: must differ from PORT (8000)");
        let err = parse(&[("METRICS_PORT", "0")]).unwrap_err();
        assert_eq!(err.to_string(), "METRICS_PORT: \"0\" must be at least 1");
        assert_eq!(parse(&[("METRICS_PORT", "9090")]).unwrap().metrics_port, Some(9090));
        let err = parse(&[("BIND_ADDRESS", "example.org")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "BIND_ADDRESS: \"example.org\" is not an IP address (e.g. 0.0.0.0, 127.0.0.1, ::)"
        );
        assert_eq!(
            parse(&[("BIND_ADDRESS", "127.0.0.1")]).unwrap().bind_address,
            std::net::IpAddr::from([127, 0, 0, 1])
        );
        let err = parse(&[("SESSION_KEY_PREFIX", "other:session")]).unwrap_err();
        assert!(matches!(err, ConfigError::KeyName { var: "SESSION_KEY_PREFIX", .. }), "{err}");
    }
}
