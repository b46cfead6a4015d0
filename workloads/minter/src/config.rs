//! The minter's configuration, parsed once from environment variables into a typed struct.
//! Every problem names its variable. Names are matched case-insensitively, as in the other
//! services; booleans accept `true/false`, `1/0`, `yes/no`, `on/off`, `t/f`, `y/n`.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `PORT` | 9100 | HTTP port (0.0.0.0) |
//! | `MINTER_API_KEY` | — | Bearer key of `POST /mint`; required unless `MINTER_ALLOW_NO_AUTH` |
//! | `MINTER_ALLOW_NO_AUTH` | false | development only: serve `POST /mint` without a key |
//! | `MINTER_RPC_URL` | — | Ethereum JSON-RPC endpoint (http or https) |
//! | `MINTER_CONTRACT` | — | address of the deployed `SectorAward` contract |
//! | `MINTER_PRIVATE_KEY` | — | hex key of the contract's minter account |
//! | `MINTER_CHAIN_ID` | the node's | refuse to sign for any other chain |
//! | `REDIS_URL` | — | idempotency records and the universe's award queue |
//! | `UNIVERSE_KEY` | `sector:universe_id` | key prefix of the universe's Redis keys (as the other services) |
//! | `MINTER_UNIVERSE` | `default` | name of the universe awards are minted for (part of the idempotency key) |
//! | `MINTER_DISPATCH` | true | drain the universe's award queue (`{p}:awards`) |
//! | `MINTER_RPC_TIMEOUT_MS` | 10000 | one JSON-RPC call |
//! | `MINTER_RECEIPT_TIMEOUT_MS` | 60000 | waiting for a mint transaction to be mined |
//! | `MINTER_RETRY_MAX_MS` | 60000 | cap of the dispatcher's retry backoff |

use std::fmt;
use std::time::Duration;

use sector_store::Keys;
use sector_store::settings::{EnvVars, SettingsError, keys_from_env};

/// Default HTTP port (WIRE.md §1).
pub const DEFAULT_PORT: u16 = 9100;
/// Default universe name in idempotency keys.
pub const DEFAULT_UNIVERSE: &str = "default";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "MINTER_API_KEY is empty: set it (callers send `Authorization: Bearer <key>`), or set \
         MINTER_ALLOW_NO_AUTH=true for local development only"
    )]
    NoApiKey,
    #[error("{var}={value:?}: {reason}")]
    Invalid { var: &'static str, value: String, reason: String },
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

/// A value kept out of logs and `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub struct MinterConfig {
    pub port: u16,
    /// `None` only when `MINTER_ALLOW_NO_AUTH` is set.
    pub api_key: Option<Secret>,
    pub rpc_url: String,
    /// `0x` + 40 lower-case hex digits.
    pub contract: String,
    /// 64 hex digits, without `0x`.
    pub private_key: Secret,
    pub chain_id: Option<u64>,
    /// `None`: no Redis (an embedding caller supplies the store).
    pub redis_url: Option<String>,
    pub keys: Keys,
    pub universe: String,
    pub dispatch: bool,
    pub rpc_timeout: Duration,
    pub receipt_timeout: Duration,
    pub retry_max: Duration,
}

impl MinterConfig {
    /// Defaults around the three chain settings (for tests and embedding).
    pub fn new(rpc_url: impl Into<String>, contract: &str, private_key: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            port: DEFAULT_PORT,
            api_key: None,
            rpc_url: check_rpc_url(rpc_url.into())?,
            contract: check_contract(contract)?,
            private_key: check_private_key(private_key)?,
            chain_id: None,
            redis_url: None,
            keys: Keys::default(),
            universe: DEFAULT_UNIVERSE.to_owned(),
            dispatch: true,
            rpc_timeout: Duration::from_secs(10),
            receipt_timeout: Duration::from_secs(60),
            retry_max: Duration::from_secs(60),
        })
    }

    /// How long a mint attempt may hold a run's lock: every RPC call of an attempt plus the wait
    /// for its receipt, with room to spare (an expired lock is safe, only wasteful).
    pub fn lock_ttl(&self) -> Duration {
        self.rpc_timeout * 8 + self.receipt_timeout
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_vars(&EnvVars::from_process(KNOWN)?)
    }

    /// Parses the given variables (names case-insensitive).
    pub fn from_vars<K: AsRef<str>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ConfigError> {
        Self::from_env_vars(&EnvVars::from_pairs(vars))
    }

    fn from_env_vars(env: &EnvVars) -> Result<Self, ConfigError> {
        let mut config = Self::new(
            env.required("MINTER_RPC_URL")?,
            &env.required("MINTER_CONTRACT")?,
            &env.required("MINTER_PRIVATE_KEY")?,
        )?;

        let allow_no_auth = env.bool("MINTER_ALLOW_NO_AUTH")?.unwrap_or(false);
        config.api_key =
            match env.string("MINTER_API_KEY").map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()) {
                Some(key) => Some(Secret::new(key)),
                None if allow_no_auth => {
                    tracing::warn!(
                        "MINTER_ALLOW_NO_AUTH is set: POST /mint accepts unauthenticated requests"
                    );
                    None
                }
                None => return Err(ConfigError::NoApiKey),
            };
        if let Some(port) = env.number::<u16>("PORT", 0)? {
            config.port = port;
        }
        config.chain_id = env.number::<u64>("MINTER_CHAIN_ID", 1)?;
        config.redis_url = env.string("REDIS_URL").filter(|u| !u.trim().is_empty());
        config.keys = Keys::new(keys_from_env(env)?.prefix());
        if let Some(universe) = env.string("MINTER_UNIVERSE").filter(|u| !u.is_empty()) {
            if !is_universe_name(&universe) {
                return Err(invalid("MINTER_UNIVERSE", &universe, UNIVERSE_NAME_RULE));
            }
            config.universe = universe;
        }
        if let Some(dispatch) = env.bool("MINTER_DISPATCH")? {
            config.dispatch = dispatch;
        }
        if let Some(ms) = env.number::<u64>("MINTER_RPC_TIMEOUT_MS", 100)? {
            config.rpc_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = env.number::<u64>("MINTER_RECEIPT_TIMEOUT_MS", 100)? {
            config.receipt_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = env.number::<u64>("MINTER_RETRY_MAX_MS", 10)? {
            config.retry_max = Duration::from_millis(ms);
        }
        Ok(config)
    }
}

/// What a universe name may hold (it is part of Redis key names).
pub const UNIVERSE_NAME_RULE: &str = "1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'";

pub fn is_universe_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

const KNOWN: &[&str] = &[
    "PORT",
    "MINTER_API_KEY",
    "MINTER_ALLOW_NO_AUTH",
    "MINTER_RPC_URL",
    "MINTER_CONTRACT",
    "MINTER_PRIVATE_KEY",
    "MINTER_CHAIN_ID",
    "REDIS_URL",
    "UNIVERSE_KEY",
    "MINTER_UNIVERSE",
    "MINTER_DISPATCH",
    "MINTER_RPC_TIMEOUT_MS",
    "MINTER_RECEIPT_TIMEOUT_MS",
    "MINTER_RETRY_MAX_MS",
];

fn invalid(var: &'static str, value: &str, reason: &str) -> ConfigError {
    ConfigError::Invalid { var, value: value.to_owned(), reason: reason.to_owned() }
}

fn check_rpc_url(url: String) -> Result<String, ConfigError> {
    let lower = url.to_ascii_lowercase();
    if (lower.starts_with("http://") || lower.starts_with("https://")) && url.len() > "http://".len() {
        Ok(url)
    } else {
        Err(invalid("MINTER_RPC_URL", &url, "expected an http:// or https:// URL"))
    }
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn check_contract(address: &str) -> Result<String, ConfigError> {
    let address = address.trim();
    match address.strip_prefix("0x").or_else(|| address.strip_prefix("0X")) {
        Some(hex) if hex.len() == 40 && is_hex(hex) => Ok(format!("0x{}", hex.to_ascii_lowercase())),
        _ => Err(invalid("MINTER_CONTRACT", address, "expected a 0x-prefixed 20-byte hex address")),
    }
}

fn check_private_key(key: &str) -> Result<Secret, ConfigError> {
    let key = key.trim();
    let hex = key.strip_prefix("0x").or_else(|| key.strip_prefix("0X")).unwrap_or(key);
    if hex.len() == 64 && is_hex(hex) {
        Ok(Secret::new(hex.to_ascii_lowercase()))
    } else {
        // The value itself is never echoed.
        Err(invalid("MINTER_PRIVATE_KEY", "***", "expected 32 bytes of hex (64 digits, optional 0x)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d";

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("MINTER_RPC_URL", "http://127.0.0.1:8545"),
            ("MINTER_CONTRACT", "0xE78A0F7E598Cc8b0Bb87894B0F60dD2a88d6a8Ab"),
            ("MINTER_PRIVATE_KEY", KEY),
            ("MINTER_API_KEY", " s3cret "),
        ]
    }

    fn parse(extra: &[(&'static str, &'static str)]) -> Result<MinterConfig, ConfigError> {
        let mut vars = base();
        vars.extend_from_slice(extra);
        MinterConfig::from_vars(vars)
    }

    #[test]
    fn defaults() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.port, DEFAULT_PORT);
        assert_eq!(config.api_key.as_ref().map(Secret::expose), Some("s3cret"));
        assert_eq!(config.contract, "0xe78a0f7e598cc8b0bb87894b0f60dd2a88d6a8ab");
        assert_eq!(config.private_key.expose(), &KEY[2..]);
        assert_eq!((config.universe.as_str(), config.dispatch, config.chain_id), ("default", true, None));
        assert_eq!(config.keys.awards(), "sector:awards");
        assert!(!format!("{config:?}").contains(&KEY[2..]), "the key never shows in Debug output");
    }

    #[test]
    fn the_api_key_is_required_unless_explicitly_waived() {
        let vars = |extra: &[(&'static str, &'static str)]| {
            let mut vars: Vec<_> = base().into_iter().filter(|(k, _)| *k != "MINTER_API_KEY").collect();
            vars.extend_from_slice(extra);
            MinterConfig::from_vars(vars)
        };
        assert!(matches!(vars(&[]), Err(ConfigError::NoApiKey)));
        assert!(matches!(vars(&[("MINTER_API_KEY", "  ")]), Err(ConfigError::NoApiKey)));
        assert!(vars(&[("minter_allow_no_auth", "yes")]).unwrap().api_key.is_none());
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = |extra| parse(extra).unwrap_err().to_string();
        assert!(err(&[("MINTER_RPC_URL", "127.0.0.1:8545")]).starts_with("MINTER_RPC_URL="));
        assert!(err(&[("MINTER_CONTRACT", "0x1234")]).starts_with("MINTER_CONTRACT="));
        let key = err(&[("MINTER_PRIVATE_KEY", "0xnot-a-key")]);
        assert!(key.starts_with("MINTER_PRIVATE_KEY=\"***\""), "{key}");
        assert!(err(&[("PORT", "http")]).starts_with("PORT="));
        assert!(err(&[("MINTER_UNIVERSE", "a:b")]).starts_with("MINTER_UNIVERSE="));
        assert!(err(&[("UNIVERSE_KEY", "sector")]).starts_with("UNIVERSE_KEY="));
        assert!(err(&[("MINTER_DISPATCH", "maybe")]).starts_with("MINTER_DISPATCH="));
        let missing = MinterConfig::from_vars([("MINTER_RPC_URL", "http://x")]).unwrap_err();
        assert_eq!(missing.to_string(), "MINTER_CONTRACT is required (it has no default)");
    }

    #[test]
    fn overrides() {
        let config = parse(&[
            ("port", "0"),
            ("MINTER_CHAIN_ID", "1337"),
            ("REDIS_URL", "redis://127.0.0.1:6379/0"),
            ("UNIVERSE_KEY", "blue:universe_id"),
            ("MINTER_UNIVERSE", "blue"),
            ("MINTER_DISPATCH", "off"),
            ("MINTER_RECEIPT_TIMEOUT_MS", "5000"),
        ])
        .unwrap();
        assert_eq!((config.port, config.chain_id), (0, Some(1337)));
        assert_eq!(config.redis_url.as_deref(), Some("redis://127.0.0.1:6379/0"));
        assert_eq!((config.keys.awards(), config.universe.as_str()), ("blue:awards".to_owned(), "blue"));
        assert!(!config.dispatch);
        assert_eq!(config.receipt_timeout, Duration::from_secs(5));
    }

    #[test]
    fn universe_names() {
        assert!(is_universe_name("blue-7.a_b"));
        assert!(!is_universe_name("") && !is_universe_name("a:b") && !is_universe_name(&"x".repeat(65)));
    }
}
