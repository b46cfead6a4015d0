//! The worker's configuration, parsed once from environment variables (WIRE.md §2.1, §2.3)
//! into a typed struct. Every problem is reported with the variable's name.
//!
//! Variable names are matched case-insensitively, as the reference services did. Booleans
//! accept `true/false`, `1/0`, `yes/no`, `on/off`, `t/f`, `y/n` (any case).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use sector_store::{DEFAULT_ORDER_GROUP, DEFAULT_PREFIX, Keys};

use crate::seeds;

/// Default lease TTL: a few seconds, so a standby takes over quickly after a crash (the
/// reference's 60 s blocked a replacement for a minute, KNOWN_DEFECTS F5).
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_millis(5000);
/// Default port of `/health`, `/ready` and `/metrics`.
pub const DEFAULT_HTTP_PORT: u16 = 9300;
/// Order messages handed to one tick at most (the reference's read limit).
pub const DEFAULT_ORDER_BATCH: usize = 50;
/// Full state saved every this many ticks; a taking-over worker replays at most this many.
pub const DEFAULT_STATE_EVERY: u64 = 10;
/// Cap of the exponential backoff after store errors.
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is required (no default; see WIRE.md §2.1)")]
    Missing { var: &'static str },
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

/// Everything the worker needs, typed.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// `REDIS_URL`; `None` when the worker runs on an in-process store (`sector dev`).
    pub redis_url: Option<String>,
    /// Key names (`EVENT_STREAM`, `ORDER_STREAM`, `SNAPSHOT_KEY`, `ORDER_GROUP`, and the
    /// prefix the other keys derive from).
    pub keys: Keys,
    /// `EVENT_STREAM_MAXLEN`: approximate cap of the event stream.
    pub event_max_len: usize,
    /// `SNAPSHOT_EVERY`: the snapshot hash is saved when tick % N = 0.
    pub snapshot_every: u64,
    /// `STATE_EVERY`: the full state (world, routes, revocations) is saved when tick % N = 0.
    pub state_every: u64,
    /// `ORDER_BLOCK_MS`: how long a tick's order read may wait for the first message. Default 0
    /// (do not wait): ticks are paced anyway, and Redis resolves `BLOCK` timeouts only at its
    /// `hz` (every 100 ms by default), so the reference's 1 ms made an idle tick take ~100 ms.
    pub order_block: Duration,
    /// `ORDER_BATCH`: order messages handed to one tick at most.
    pub order_batch: usize,
    /// `LEASE_TTL_MS`.
    pub lease_ttl: Duration,
    /// `WORKER_ID`: the lease holder id; default host name plus a random suffix.
    pub worker_id: String,
    /// `ORDER_CONSUMER`: this worker's consumer name in the order group (stable for the
    /// worker's lifetime); default `sim-{WORKER_ID}`.
    pub consumer: String,
    /// `RESET_UNIVERSE_ON_START`: when the worker has to start a fresh run (no saved state to
    /// resume), take a new universe id instead of reusing the current one.
    pub reset_universe_on_start: bool,
    /// Time between tick starts: `TICK_MS` if set, else the game's `tick_delay`.
    pub tick_period: Duration,
    /// `BIND_ADDRESS` (default 0.0.0.0): the address `SIM_HTTP_PORT` and `METRICS_PORT` listen on.
    pub bind_address: std::net::IpAddr,
    /// `SIM_HTTP_PORT` (0 = ephemeral); `None` (`off`) = no HTTP server.
    pub http_port: Option<u16>,
    /// `METRICS_PORT`: when set, `/metrics` is served on its own listener on this port (0 =
    /// ephemeral, for tests) and `SIM_HTTP_PORT` answers 404 for it. `None`: `/metrics` on
    /// `SIM_HTTP_PORT`.
    pub metrics_port: Option<u16>,
    /// The game tuning (`SIM_CONFIG` file, else the shipped defaults).
    pub game: sector_core::Config,
    /// `SECTOR_SEED`: map seed of new runs, overriding the game config's `sector_seed`.
    pub seed: Option<String>,
    /// `STORE_BACKOFF_MAX_MS`: cap of the retry backoff after store errors.
    pub backoff_max: Duration,
    /// `WAIT_FOR_FRONTEND` / `FRONTEND_HEALTH_URL` (WIRE.md §2.3).
    pub wait_for_frontend: bool,
    pub frontend_health_url: String,
}

impl SimConfig {
    /// Defaults for an in-process run on the given game config (no Redis, default keys).
    pub fn new(game: sector_core::Config) -> Self {
        let worker_id = seeds::default_worker_id();
        let tick_period = Duration::from_secs_f64(game.simulation.tick_delay.max(0.0));
        Self {
            redis_url: None,
            keys: Keys::default(),
            event_max_len: sector_store::DEFAULT_EVENT_MAX_LEN,
            snapshot_every: 1,
            state_every: DEFAULT_STATE_EVERY,
            order_block: Duration::ZERO,
            order_batch: DEFAULT_ORDER_BATCH,
            lease_ttl: DEFAULT_LEASE_TTL,
            consumer: format!("sim-{worker_id}"),
            worker_id,
            reset_universe_on_start: true,
            tick_period,
            bind_address: std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            http_port: Some(DEFAULT_HTTP_PORT),
            metrics_port: None,
            game,
            seed: None,
            backoff_max: DEFAULT_BACKOFF_MAX,
            wait_for_frontend: false,
            frontend_health_url: "http://frontend:9000/".to_owned(),
        }
    }

    /// Checks values a caller may have set by hand (`from_vars` already enforces them).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |var: &'static str, value: String, reason: &str| {
            Err(ConfigError::Invalid { var, value, reason: reason.to_owned() })
        };
        if self.lease_ttl < Duration::from_millis(1) {
            return bad("LEASE_TTL_MS", format!("{:?}", self.lease_ttl), "must be at least 1 ms");
        }
        if self.snapshot_every == 0 {
            return bad("SNAPSHOT_EVERY", "0".into(), "must be at least 1");
        }
        if self.state_every == 0 {
            return bad("STATE_EVERY", "0".into(), "must be at least 1");
        }
        if self.order_batch == 0 {
            return bad("ORDER_BATCH", "0".into(), "must be at least 1");
        }
        if self.event_max_len == 0 {
            return bad("EVENT_STREAM_MAXLEN", "0".into(), "must be at least 1");
        }
        if self.worker_id.is_empty() {
            return bad("WORKER_ID", String::new(), "must not be empty");
        }
        if self.consumer.is_empty() {
            return bad("ORDER_CONSUMER", String::new(), "must not be empty");
        }
        if let Some(port) = self.metrics_port.filter(|p| *p != 0 && Some(*p) == self.http_port) {
            return bad("METRICS_PORT", port.to_string(), "must differ from SIM_HTTP_PORT");
        }
        Ok(())
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
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
        Self::from_vars(vars)
    }

    /// Parses the given variables (names case-insensitive), e.g. for tests.
    pub fn from_vars<K: AsRef<str>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ConfigError> {
        let env = Env(vars.into_iter().map(|(k, v)| (k.as_ref().to_ascii_uppercase(), v.into())).collect());

        let redis_url = env.required("REDIS_URL")?;
        let event_stream = env.required("EVENT_STREAM")?;
        let order_stream = env.required("ORDER_STREAM")?;
        let snapshot_key = env.required("SNAPSHOT_KEY")?;
        let prefix = key_prefix(&env)?;
        let order_group = env.string("ORDER_GROUP").unwrap_or_else(|| DEFAULT_ORDER_GROUP.to_owned());
        if order_group.is_empty() {
            return Err(env.invalid("ORDER_GROUP", "must not be empty"));
        }
        let keys = Keys::new(prefix)
            .with_event_stream(event_stream)
            .with_order_stream(order_stream)
            .with_snapshot_key(snapshot_key)
            .with_order_group(order_group);

        let game = match env.string("SIM_CONFIG").filter(|p| !p.is_empty()) {
            Some(path) => {
                let path = PathBuf::from(path);
                sector_core::Config::from_file(&path)
                    .map_err(|source| ConfigError::GameConfig { path, source })?
            }
            None => sector_core::Config::default(),
        };
        let mut config = SimConfig::new(game);
        config.redis_url = Some(redis_url);
        config.keys = keys;
        if let Some(n) = env.number::<usize>("EVENT_STREAM_MAXLEN", 1)? {
            config.event_max_len = n;
        }
        if let Some(n) = env.number::<u64>("SNAPSHOT_EVERY", 1)? {
            config.snapshot_every = n;
        }
        if let Some(n) = env.number::<u64>("STATE_EVERY", 1)? {
            config.state_every = n;
        }
        if let Some(ms) = env.number::<u64>("ORDER_BLOCK_MS", 0)? {
            config.order_block = Duration::from_millis(ms);
        }
        if let Some(n) = env.number::<usize>("ORDER_BATCH", 1)? {
            config.order_batch = n;
        }
        if let Some(ms) = env.number::<u64>("LEASE_TTL_MS", 100)? {
            config.lease_ttl = Duration::from_millis(ms);
        }
        if let Some(ms) = env.number::<u64>("STORE_BACKOFF_MAX_MS", 10)? {
            config.backoff_max = Duration::from_millis(ms);
        }
        if let Some(id) = env.string("WORKER_ID").filter(|v| !v.trim().is_empty()) {
            config.worker_id = id.trim().to_owned();
        }
        config.consumer = match env.string("ORDER_CONSUMER").filter(|v| !v.trim().is_empty()) {
            Some(consumer) => consumer.trim().to_owned(),
            None => format!("sim-{}", config.worker_id),
        };
        if let Some(reset) = env.boolean("RESET_UNIVERSE_ON_START")? {
            config.reset_universe_on_start = reset;
        }
        if let Some(ms) = env.number::<u64>("TICK_MS", 0)? {
            config.tick_period = Duration::from_millis(ms);
            // Clients animate with the published `tick_delay_ms`, so it follows the real pace.
            if ms > 0 {
                config.game.simulation.tick_delay = ms as f64 / 1000.0;
            }
        }
        if let Some(raw) = env.string("BIND_ADDRESS").filter(|v| !v.trim().is_empty()) {
            config.bind_address = raw.trim().parse().map_err(|_| {
                env.invalid("BIND_ADDRESS", "not an IP address (e.g. 0.0.0.0, 127.0.0.1, ::)")
            })?;
        }
        config.http_port = match env.string("SIM_HTTP_PORT").map(|v| v.trim().to_ascii_lowercase()) {
            None => Some(DEFAULT_HTTP_PORT),
            Some(v) if v == "off" || v == "none" || v == "disabled" => None,
            Some(v) => {
                Some(v.parse().map_err(|_| env.invalid("SIM_HTTP_PORT", "expected a port number or `off`"))?)
            }
        };
        config.metrics_port = env.number::<u16>("METRICS_PORT", 1)?;
        if config.metrics_port.is_some() && config.metrics_port == config.http_port {
            return Err(env.invalid("METRICS_PORT", "must differ from SIM_HTTP_PORT"));
        }
        if let Some(seed) = env.string("SECTOR_SEED").filter(|s| !s.trim().is_empty()) {
            config.seed = Some(seed);
        }
        if let Some(wait) = env.boolean("WAIT_FOR_FRONTEND")? {
            config.wait_for_frontend = wait;
        }
        if let Some(url) = env.string("FRONTEND_HEALTH_URL").filter(|u| !u.is_empty()) {
            config.frontend_health_url = url;
        }
        Ok(config)
    }
}

/// Variables this module reads (for the UTF-8 check).
const KNOWN: &[&str] = &[
    "REDIS_URL",
    "EVENT_STREAM",
    "ORDER_STREAM",
    "SNAPSHOT_KEY",
    "EVENT_STREAM_MAXLEN",
    "SNAPSHOT_EVERY",
    "STATE_EVERY",
    "ORDER_BLOCK_MS",
    "ORDER_BATCH",
    "LEASE_KEY",
    "LEASE_TTL_MS",
    "WORKER_ID",
    "RESET_UNIVERSE_ON_START",
    "ORDER_GROUP",
    "ORDER_CONSUMER",
    "WAIT_FOR_FRONTEND",
    "FRONTEND_HEALTH_URL",
    "TICK_MS",
    "SIM_HTTP_PORT",
    "BIND_ADDRESS",
    "METRICS_PORT",
    "SIM_CONFIG",
    "SECTOR_SEED",
    "STORE_BACKOFF_MAX_MS",
    "UNIVERSE_KEY",
    "HUMAN_FACTIONS_KEY",
    "PLAYER_FACTION_PREFIX",
    "FACTION_PLAYER_PREFIX",
    "RESTART_KEY",
    "BOTS_ONLY_KEY",
    "PAUSE_KEY",
    "SESSION_KEY_PREFIX",
    "ADDRESS_SESSION_PREFIX",
];

fn is_known(name: &str) -> bool {
    KNOWN.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// The key prefix, from `UNIVERSE_KEY` (`{prefix}:universe_id`, default `sector`). The
/// store derives every other key from that prefix, so the reference's per-key variables are
/// accepted only with the derived value (a clear error beats silently ignoring them).
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
        ("LEASE_KEY", "lease"),
        ("HUMAN_FACTIONS_KEY", "human_factions"),
        ("PLAYER_FACTION_PREFIX", "player:faction"),
        ("FACTION_PLAYER_PREFIX", "faction:player"),
        ("RESTART_KEY", "restart"),
        ("BOTS_ONLY_KEY", "bots_only"),
        ("PAUSE_KEY", "pause"),
        ("SESSION_KEY_PREFIX", "session"),
        ("ADDRESS_SESSION_PREFIX", "session:addr"),
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

/// The variables, keyed by upper-case name.
struct Env(HashMap<String, String>);

impl Env {
    fn string(&self, var: &str) -> Option<String> {
        self.0.get(var).cloned()
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
        let Some(raw) = self.string(var).filter(|v| !v.trim().is_empty()) else { return Ok(None) };
        match raw.trim().parse::<T>() {
            Ok(n) if n >= min => Ok(Some(n)),
            Ok(_) => Err(self.invalid(var, format!("must be at least {min}"))),
            Err(_) => Err(self.invalid(var, "expected a whole number")),
        }
    }

    fn boolean(&self, var: &'static str) -> Result<Option<bool>, ConfigError> {
        let Some(raw) = self.string(var).filter(|v| !v.trim().is_empty()) else { return Ok(None) };
        parse_bool(&raw)
            .map(Some)
            .ok_or_else(|| self.invalid(var, "expected true/false, 1/0, yes/no, on/off, t/f or y/n"))
    }
}

/// WIRE.md §2.1 booleans. (Unlike the store's control-hash reader, an empty value is not a
/// boolean here: an unset variable is simply absent.)
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "off" | "f" | "n" => Some(false),
        _ => None,
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
        ]
    }

    fn parse(extra: &[(&'static str, &'static str)]) -> Result<SimConfig, ConfigError> {
        let mut vars = base();
        vars.extend_from_slice(extra);
        SimConfig::from_vars(vars)
    }

    #[test]
    fn defaults() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.redis_url.as_deref(), Some("redis://localhost:6379/0"));
        assert_eq!(config.keys.events(), "sector:events");
        assert_eq!(config.keys.order_group(), "sim");
        assert_eq!(config.lease_ttl, DEFAULT_LEASE_TTL);
        assert_eq!(config.tick_period, Duration::from_millis(300));
        assert_eq!(config.snapshot_every, 1);
        assert_eq!(config.http_port, Some(DEFAULT_HTTP_PORT));
        assert_eq!(config.metrics_port, None, "metrics on SIM_HTTP_PORT unless METRICS_PORT is set");
        assert_eq!(
            config.bind_address,
            std::net::IpAddr::from([0, 0, 0, 0]),
            "all interfaces, as in a cluster"
        );
        assert!(config.reset_universe_on_start);
        assert!(config.consumer.starts_with("sim-") && config.consumer.ends_with(&config.worker_id));
    }

    #[test]
    fn required_shared_settings() {
        let err = SimConfig::from_vars([("REDIS_URL", "redis://x")]).unwrap_err();
        assert!(matches!(err, ConfigError::Missing { var: "EVENT_STREAM" }), "{err}");
        let err = SimConfig::from_vars(Vec::<(&str, &str)>::new()).unwrap_err();
        assert_eq!(err.to_string(), "REDIS_URL is required (no default; see WIRE.md §2.1)");
    }

    #[test]
    fn names_are_case_insensitive_and_values_typed() {
        let config = parse(&[
            ("tick_ms", "20"),
            ("Lease_TTL_MS", "1500"),
            ("RESET_UNIVERSE_ON_START", "No"),
            ("wait_for_frontend", "y"),
            ("SIM_HTTP_PORT", "0"),
            ("WORKER_ID", "sim-a"),
            ("ORDER_GROUP", "g2"),
        ])
        .unwrap();
        assert_eq!(config.tick_period, Duration::from_millis(20));
        assert_eq!(config.game.simulation.tick_delay, 0.02);
        assert_eq!(config.lease_ttl, Duration::from_millis(1500));
        assert!(!config.reset_universe_on_start && config.wait_for_frontend);
        assert_eq!(config.http_port, Some(0));
        assert_eq!((config.worker_id.as_str(), config.consumer.as_str()), ("sim-a", "sim-sim-a"));
        assert_eq!(config.keys.order_group(), "g2");
        assert_eq!(parse(&[("SIM_HTTP_PORT", "off")]).unwrap().http_port, None);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = parse(&[("LEASE_TTL_MS", "soon")]).unwrap_err();
        assert_eq!(err.to_string(), "LEASE_TTL_MS=\"soon\": expected a whole number");
        let err = parse(&[("SNAPSHOT_EVERY", "0")]).unwrap_err();
        assert_eq!(err.to_string(), "SNAPSHOT_EVERY=\"0\": must be at least 1");
        let err = parse(&[("RESET_UNIVERSE_ON_START", "maybe")]).unwrap_err();
        assert!(err.to_string().starts_with("RESET_UNIVERSE_ON_START=\"maybe\": expected true/false"));
        assert_eq!(parse(&[("METRICS_PORT", "9090")]).unwrap().metrics_port, Some(9090));
        let err = parse(&[("METRICS_PORT", "9300")]).unwrap_err();
        assert_eq!(err.to_string(), "METRICS_PORT=\"9300\": must differ from SIM_HTTP_PORT");
        let err = parse(&[("METRICS_PORT", "0")]).unwrap_err();
        assert_eq!(err.to_string(), "METRICS_PORT=\"0\": must be at least 1");
        let err = parse(&[("BIND_ADDRESS", "any")]).unwrap_err();
        assert_eq!(err.to_string(), "BIND_ADDRESS=\"any\": not an IP address (e.g. 0.0.0.0, 127.0.0.1, ::)");
        assert_eq!(
            parse(&[("BIND_ADDRESS", "::1")]).unwrap().bind_address,
            "::1".parse::<std::net::IpAddr>().unwrap()
        );
        let err = parse(&[("SIM_CONFIG", "/nonexistent/sim_config.json")]).unwrap_err();
        assert!(matches!(err, ConfigError::GameConfig { .. }), "{err}");
    }

    #[test]
    fn key_names_must_follow_the_prefix() {
        let config = parse(&[("UNIVERSE_KEY", "u7:universe_id"), ("LEASE_KEY", "u7:lease")]).unwrap();
        assert_eq!(config.keys.lease(), "u7:lease");
        let err = parse(&[("LEASE_KEY", "other:lease")]).unwrap_err();
        assert!(matches!(err, ConfigError::KeyName { var: "LEASE_KEY", .. }), "{err}");
        assert!(parse(&[("PAUSE_KEY", "sector:pause"), ("SESSION_KEY_PREFIX", "sector:session")]).is_ok());
    }

    #[test]
    fn validate_catches_hand_set_values() {
        let mut config = SimConfig::new(sector_core::Config::default());
        assert!(config.validate().is_ok());
        config.state_every = 0;
        assert!(matches!(config.validate(), Err(ConfigError::Invalid { var: "STATE_EVERY", .. })));
    }

    #[test]
    fn booleans() {
        for t in ["true", "1", "YES", "on", "t", "Y"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["false", "0", "no", "OFF", "f", "n"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool(""), None);
        assert_eq!(parse_bool("2"), None);
    }
}
