//! The bot worker's configuration, parsed once from environment variables (WIRE.md §2.1,
//! §2.4, BOT_AI.md §2) into a typed struct. Every problem names its variable.
//!
//! Variable names are matched case-insensitively, as the reference services did.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sector_store::{DEFAULT_PREFIX, Keys};

/// `BOT_POLL_INTERVAL` default (the reference's 1.0 s).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// `BOT_MAX_ORDERS` default.
pub const DEFAULT_MAX_ORDERS: usize = 200;
/// `BOT_EVENT_BLOCK_MS` default.
pub const DEFAULT_EVENT_BLOCK: Duration = Duration::from_millis(1000);
/// `BOT_HEARTBEAT_TTL_MS` default: a dead replica's factions move to the others within this.
pub const DEFAULT_HEARTBEAT_TTL: Duration = Duration::from_millis(3000);
/// Smallest accepted heartbeat TTL (heartbeats go out every TTL/3).
pub const MIN_HEARTBEAT_TTL: Duration = Duration::from_millis(30);

/// Fixed discovery candidates tried after `BOT_API_URL` and the Kubernetes service variables
/// (WIRE.md §10).
pub const DEFAULT_API_CANDIDATES: [&str; 2] =
    ["http://api:8000", "http://api.sector-sim.svc.cluster.local:8000"];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is required (no default; see WIRE.md §2.1)")]
    Missing { var: &'static str },
    #[error(
        "BOT_API_TOKEN is empty: the bot posts its orders to the API with this token and cannot \
         run without it (set it to the API's BOT_API_TOKEN, or use BOT_ORDER_SINK=store)"
    )]
    MissingToken,
    #[error("{var}={value:?}: {reason}")]
    Invalid { var: &'static str, value: String, reason: String },
    #[error(
        "{var}={value:?} is not supported: key names derive from one prefix (here {prefix:?}), \
         so it must be {expected:?}"
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
}

/// Where the bot's orders go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkKind {
    /// `POST /orders` on the API with the bot token (the deployed path).
    Http,
    /// Straight into the order stream with `source: "bot"` (`sector dev`: one process, no API).
    Store,
}

/// Everything the worker needs, typed. (`Debug` redacts the token.)
#[derive(Clone)]
pub struct BotConfig {
    /// `REDIS_URL`; `None` for an in-process store (`sector dev`).
    pub redis_url: Option<String>,
    /// Key names (`EVENT_STREAM`, `ORDER_STREAM`, `SNAPSHOT_KEY`, and the prefix of the rest).
    pub keys: Keys,
    /// `BOT_ORDER_SINK` (`http` | `store`, default `http`).
    pub sink: SinkKind,
    /// `BOT_API_URL` without its trailing slash; `None` when unset or empty.
    pub api_url: Option<String>,
    /// `API_SERVICE_HOST` / `API_SERVICE_PORT` (both needed to form a candidate).
    pub api_service_host: Option<String>,
    pub api_service_port: Option<u16>,
    /// `BOT_API_TOKEN`; never empty when `sink` is [`SinkKind::Http`].
    pub api_token: String,
    /// `BOT_POLL_INTERVAL` (seconds, float): the fallback cadence when no event wakes the bot
    /// (event block 0, or a failed event read) and the pause after errors.
    pub poll_interval: Duration,
    /// `BOT_MAX_ORDERS`: orders posted per tick at most (after dropping other replicas' and
    /// human factions).
    pub max_orders: usize,
    /// `BOT_EVENT_BLOCK_MS`: how long one wait for new events may block.
    pub event_block: Duration,
    /// `BOT_MEMBER_ID`: this replica's name in the membership (default host name + random
    /// suffix, so two replicas on one host never collide).
    pub member_id: String,
    /// `BOT_HEARTBEAT_TTL_MS`: membership TTL; heartbeats are sent every TTL/3.
    pub heartbeat_ttl: Duration,
    /// The game tuning the AI's tunables come from (`SIM_CONFIG` file, else the shipped
    /// defaults) — the same file the sim reads, so both agree.
    pub game: sector_core::Config,
}

impl std::fmt::Debug for BotConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let token = if self.api_token.is_empty() { "<empty>" } else { "<redacted>" };
        f.debug_struct("BotConfig")
            .field("redis_url", &self.redis_url.as_deref().map(redact_password))
            .field("keys", &self.keys)
            .field("sink", &self.sink)
            .field("api_url", &self.api_url)
            .field("api_service_host", &self.api_service_host)
            .field("api_service_port", &self.api_service_port)
            .field("api_token", &token)
            .field("poll_interval", &self.poll_interval)
            .field("max_orders", &self.max_orders)
            .field("event_block", &self.event_block)
            .field("member_id", &self.member_id)
            .field("heartbeat_ttl", &self.heartbeat_ttl)
            .finish_non_exhaustive()
    }
}

impl Default for BotConfig {
    fn default() -> Self {
        Self::in_process()
    }
}

impl BotConfig {
    /// Defaults for an in-process run (`sector dev`): no Redis, default keys, orders written
    /// straight to the store.
    pub fn in_process() -> Self {
        Self {
            redis_url: None,
            keys: Keys::default(),
            sink: SinkKind::Store,
            api_url: None,
            api_service_host: None,
            api_service_port: None,
            api_token: String::new(),
            poll_interval: DEFAULT_POLL_INTERVAL,
            max_orders: DEFAULT_MAX_ORDERS,
            event_block: DEFAULT_EVENT_BLOCK,
            member_id: default_member_id(),
            heartbeat_ttl: DEFAULT_HEARTBEAT_TTL,
            game: sector_core::Config::default(),
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut vars = Vec::new();
        for (name, value) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            match value.into_string() {
                Ok(value) => vars.push((name, value)),
                // Only variables we read must be UTF-8; others may hold anything.
                Err(_) if is_known(&name) => return Err(ConfigError::NotUnicode { var: name }),
                Err(_) => {}
            }
        }
        Self::from_vars(vars)
    }

    /// Parses the given variables (names case-insensitive), e.g. for tests.
    pub fn from_vars<K: AsRef<str>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ConfigError> {
        let env = Env(vars.into_iter().map(|(k, v)| (k.as_ref().to_ascii_uppercase(), v.into())).collect());

        // WIRE.md §2.1: all four shared settings are required, even where unused.
        let redis_url = env.required("REDIS_URL")?;
        let event_stream = env.required("EVENT_STREAM")?;
        let order_stream = env.required("ORDER_STREAM")?;
        let snapshot_key = env.required("SNAPSHOT_KEY")?;
        let keys = Keys::new(key_prefix(&env)?)
            .with_event_stream(event_stream)
            .with_order_stream(order_stream)
            .with_snapshot_key(snapshot_key);

        let mut config = Self::in_process();
        config.redis_url = Some(redis_url);
        config.keys = keys;
        config.sink = match env.trimmed("BOT_ORDER_SINK").map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("http") => SinkKind::Http,
            Some("store") => SinkKind::Store,
            Some(_) => return Err(env.invalid("BOT_ORDER_SINK", "expected `http` or `store`")),
        };
        if let Some(game) = env.trimmed("SIM_CONFIG") {
            let path = PathBuf::from(game);
            config.game = sector_core::Config::from_file(&path)
                .map_err(|source| ConfigError::GameConfig { path, source })?;
        }
        config.api_url = match env.trimmed("BOT_API_URL") {
            None => None,
            Some(url) => Some(base_url(&url).map_err(|reason| env.invalid("BOT_API_URL", reason))?),
        };
        config.api_service_host = env.trimmed("API_SERVICE_HOST");
        config.api_service_port = env.number::<u16>("API_SERVICE_PORT", 1)?;
        config.api_token = env.string("BOT_API_TOKEN").unwrap_or_default();
        if config.sink == SinkKind::Http && config.api_token.is_empty() {
            return Err(ConfigError::MissingToken);
        }
        if let Some(seconds) = env.trimmed("BOT_POLL_INTERVAL") {
            config.poll_interval = match seconds.parse::<f64>() {
                Ok(s) if (0.0..=3600.0).contains(&s) => Duration::from_secs_f64(s),
                _ => return Err(env.invalid("BOT_POLL_INTERVAL", "expected seconds between 0 and 3600")),
            };
        }
        if let Some(n) = env.number::<usize>("BOT_MAX_ORDERS", 1)? {
            config.max_orders = n;
        }
        if let Some(ms) = env.number::<u64>("BOT_EVENT_BLOCK_MS", 0)? {
            config.event_block = Duration::from_millis(ms);
        }
        if let Some(id) = env.trimmed("BOT_MEMBER_ID") {
            config.member_id = id;
        }
        if let Some(ms) = env.number::<u64>("BOT_HEARTBEAT_TTL_MS", MIN_HEARTBEAT_TTL.as_millis() as u64)? {
            config.heartbeat_ttl = Duration::from_millis(ms);
        }
        Ok(config)
    }

    /// API discovery candidates in order, de-duplicated (WIRE.md §10): `BOT_API_URL`, the
    /// Kubernetes service variables, then the fixed defaults.
    pub fn api_candidates(&self) -> Vec<String> {
        let mut candidates: Vec<String> = Vec::new();
        let service = match (&self.api_service_host, self.api_service_port) {
            (Some(host), Some(port)) => Some(format!("http://{host}:{port}")),
            _ => None,
        };
        let all = self.api_url.iter().cloned().chain(service).chain(DEFAULT_API_CANDIDATES.map(String::from));
        for candidate in all {
            if !candidates.contains(&candidate) {
                candidates.push(candidate);
            }
        }
        candidates
    }

    /// Interval between membership heartbeats: a third of the TTL, so one lost heartbeat does
    /// not drop the replica.
    pub fn heartbeat_interval(&self) -> Duration {
        self.heartbeat_ttl / 3
    }
}

/// A base URL: http(s), with a host, trailing slashes removed.
fn base_url(raw: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("expected an http:// or https:// URL with a host".into());
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

/// The URL with its password (the operator generates one for Redis) replaced by `***`.
fn redact_password(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Cannot fail for a URL that already has a password (it has a host).
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "<unparsable>".to_owned(),
    }
}

/// Host name plus a random suffix: unique per process even when two replicas share a host name.
pub fn default_member_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "bot".to_owned());
    format!("{host}-{:06x}", entropy() & 0xff_ffff)
}

/// 64 bits from the OS-seeded hasher keys, the clock and the process id (not cryptographic;
/// enough for an id suffix).
fn entropy() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    hasher.write_u128(now);
    hasher.write_u32(std::process::id());
    hasher.finish()
}

/// Variables this module reads (for the UTF-8 check).
const KNOWN: &[&str] = &[
    "REDIS_URL",
    "EVENT_STREAM",
    "ORDER_STREAM",
    "SNAPSHOT_KEY",
    "UNIVERSE_KEY",
    "HUMAN_FACTIONS_KEY",
    "FACTION_PLAYER_PREFIX",
    "SIM_CONFIG",
    "BOT_ORDER_SINK",
    "BOT_API_URL",
    "BOT_API_TOKEN",
    "BOT_POLL_INTERVAL",
    "BOT_MAX_ORDERS",
    "BOT_EVENT_BLOCK_MS",
    "BOT_MEMBER_ID",
    "BOT_HEARTBEAT_TTL_MS",
    "API_SERVICE_HOST",
    "API_SERVICE_PORT",
];

fn is_known(name: &str) -> bool {
    KNOWN.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// The key prefix, from `UNIVERSE_KEY` (`{prefix}:universe_id`, default `sector`). The store
/// derives the other keys from it, so the reference's per-key variables are accepted only with
/// the derived value (a clear error beats silently reading other keys than configured).
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
    for (var, suffix) in
        [("HUMAN_FACTIONS_KEY", "human_factions"), ("FACTION_PLAYER_PREFIX", "faction:player")]
    {
        let expected = format!("{prefix}:{suffix}");
        if let Some(value) = env.string(var)
            && value != expected
        {
            return Err(ConfigError::KeyName { var, value, prefix: prefix.clone(), expected });
        }
    }
    Ok(prefix)
}

/// The variables, keyed by upper-case name.
struct Env(HashMap<String, String>);

impl Env {
    fn string(&self, var: &str) -> Option<String> {
        self.0.get(var).cloned()
    }

    /// The value trimmed; unset or blank = `None`.
    fn trimmed(&self, var: &str) -> Option<String> {
        self.0.get(var).map(|v| v.trim()).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    fn required(&self, var: &'static str) -> Result<String, ConfigError> {
        self.string(var).filter(|v| !v.is_empty()).ok_or(ConfigError::Missing { var })
    }

    fn invalid(&self, var: &'static str, reason: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { var, value: self.string(var).unwrap_or_default(), reason: reason.into() }
    }

    /// An integer of at least `min`; unset or blank = `None`.
    fn number<T>(&self, var: &'static str, min: T) -> Result<Option<T>, ConfigError>
    where
        T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
    {
        let Some(raw) = self.trimmed(var) else { return Ok(None) };
        match raw.parse::<T>() {
            Ok(n) if n >= min => Ok(Some(n)),
            Ok(_) => Err(self.invalid(var, format!("must be at least {min}"))),
            Err(_) => Err(self.invalid(var, "expected a whole number")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("REDIS_URL", "redis://localhost:6379/0"),
            ("EVENT_STREAM", "sector:events"),
            ("ORDER_STREAM", "sector:orders"),
            ("SNAPSHOT_KEY", "sector:snapshot"),
            ("BOT_API_TOKEN", "0xDEADBEEF"),
        ]
    }

    fn parse(extra: &[(&'static str, &'static str)]) -> Result<BotConfig, ConfigError> {
        let mut vars = base();
        vars.extend_from_slice(extra);
        BotConfig::from_vars(vars)
    }

    #[test]
    fn defaults() -> Result<(), ConfigError> {
        let config = parse(&[])?;
        assert_eq!(config.redis_url.as_deref(), Some("redis://localhost:6379/0"));
        assert_eq!(config.keys.events(), "sector:events");
        assert_eq!(config.sink, SinkKind::Http);
        assert_eq!(config.api_token, "0xDEADBEEF");
        assert_eq!(config.poll_interval, DEFAULT_POLL_INTERVAL);
        assert_eq!(config.max_orders, 200);
        assert_eq!(config.event_block, Duration::from_millis(1000));
        assert_eq!(config.heartbeat_ttl, Duration::from_millis(3000));
        assert_eq!(config.heartbeat_interval(), Duration::from_millis(1000));
        assert!(!config.member_id.is_empty());
        assert_eq!(config.api_candidates(), DEFAULT_API_CANDIDATES.map(String::from).to_vec());
        Ok(())
    }

    #[test]
    fn empty_token_is_a_clear_start_up_error() {
        let vars = base().into_iter().map(|(k, v)| (k, if k == "BOT_API_TOKEN" { "" } else { v }));
        let err = BotConfig::from_vars(vars).err();
        assert!(matches!(err, Some(ConfigError::MissingToken)), "{err:?}");
        assert!(err.is_some_and(|e| e.to_string().starts_with("BOT_API_TOKEN is empty")));
        // The in-process sink needs no token.
        let vars =
            base().into_iter().filter(|(k, _)| *k != "BOT_API_TOKEN").chain([("BOT_ORDER_SINK", "store")]);
        assert!(BotConfig::from_vars(vars).is_ok_and(|c| c.sink == SinkKind::Store));
    }

    #[test]
    fn values_are_typed_and_names_case_insensitive() -> Result<(), ConfigError> {
        let config = parse(&[
            ("bot_poll_interval", "0.1"),
            ("BOT_MAX_ORDERS", "50"),
            ("Bot_Event_Block_Ms", "100"),
            ("BOT_MEMBER_ID", " bot-a "),
            ("BOT_HEARTBEAT_TTL_MS", "900"),
            ("BOT_API_URL", "http://api.local:8000/"),
            ("API_SERVICE_HOST", "10.0.0.7"),
            ("API_SERVICE_PORT", "8000"),
        ])?;
        assert_eq!(config.poll_interval, Duration::from_millis(100));
        assert_eq!(config.max_orders, 50);
        assert_eq!(config.event_block, Duration::from_millis(100));
        assert_eq!(config.member_id, "bot-a");
        assert_eq!(config.heartbeat_ttl, Duration::from_millis(900));
        assert_eq!(
            config.api_candidates(),
            [
                "http://api.local:8000",
                "http://10.0.0.7:8000",
                "http://api:8000",
                "http://api.sector-sim.svc.cluster.local:8000"
            ]
        );
        // De-duplicated, first occurrence kept.
        let config = parse(&[
            ("BOT_API_URL", "http://api:8000/"),
            ("API_SERVICE_HOST", "api"),
            ("API_SERVICE_PORT", "8000"),
        ])?;
        assert_eq!(config.api_candidates(), DEFAULT_API_CANDIDATES.map(String::from).to_vec());
        Ok(())
    }

    #[test]
    fn bad_values_name_the_variable() {
        let message = |extra: &[(&'static str, &'static str)]| parse(extra).err().map(|e| e.to_string());
        assert_eq!(
            message(&[("BOT_POLL_INTERVAL", "-1")]).as_deref(),
            Some("BOT_POLL_INTERVAL=\"-1\": expected seconds between 0 and 3600")
        );
        assert_eq!(
            message(&[("BOT_MAX_ORDERS", "0")]).as_deref(),
            Some("BOT_MAX_ORDERS=\"0\": must be at least 1")
        );
        assert_eq!(
            message(&[("BOT_EVENT_BLOCK_MS", "soon")]).as_deref(),
            Some("BOT_EVENT_BLOCK_MS=\"soon\": expected a whole number")
        );
        assert!(message(&[("BOT_HEARTBEAT_TTL_MS", "10")]).is_some_and(|m| m.contains("at least 30")));
        assert!(
            message(&[("API_SERVICE_PORT", "99999")]).is_some_and(|m| m.starts_with("API_SERVICE_PORT="))
        );
        assert!(message(&[("BOT_API_URL", "api:8000")]).is_some_and(|m| m.starts_with("BOT_API_URL=")));
        assert!(
            message(&[("BOT_ORDER_SINK", "carrier-pigeon")]).is_some_and(|m| m.contains("`http` or `store`"))
        );
        assert!(matches!(
            BotConfig::from_vars([("REDIS_URL", "redis://x")]).err(),
            Some(ConfigError::Missing { var: "EVENT_STREAM" })
        ));
    }

    #[test]
    fn key_names_must_follow_the_prefix() {
        let config =
            parse(&[("UNIVERSE_KEY", "u7:universe_id"), ("HUMAN_FACTIONS_KEY", "u7:human_factions")]);
        assert!(config.is_ok_and(|c| c.keys.human_factions("1") == "u7:human_factions:1"));
        let err = parse(&[("FACTION_PLAYER_PREFIX", "other:faction:player")]).err();
        assert!(matches!(err, Some(ConfigError::KeyName { var: "FACTION_PLAYER_PREFIX", .. })), "{err:?}");
    }

    #[test]
    fn debug_output_hides_the_token() -> Result<(), ConfigError> {
        let shown = format!("{:?}", parse(&[("REDIS_URL", "redis://:hunter2@redis:6379/0")])?);
        assert!(!shown.contains("DEADBEEF") && shown.contains("<redacted>"), "{shown}");
        assert!(!shown.contains("hunter2") && shown.contains("redis://:***@redis:6379/0"), "{shown}");
        Ok(())
    }

    #[test]
    fn member_ids_differ() {
        assert_ne!(default_member_id(), default_member_id());
    }
}
