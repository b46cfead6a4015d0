//! The frontend worker's configuration, parsed once from environment variables (WIRE.md §2.1,
//! §2.5) into a typed struct.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use crate::hub::FrameResend;
use sector_store::settings::{EnvVars, REDIS_VARS, RedisSettings, SettingsError};

/// Default listening port (`PORT`).
pub const DEFAULT_PORT: u16 = 9000;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("SIM_CONFIG={path}: {source}")]
    GameConfig {
        path: PathBuf,
        #[source]
        source: sector_core::config::ConfigError,
    },
}

/// How `/ws` treats its clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsSettings {
    /// `WS_PING_MS`: a ping control frame is sent this often.
    pub ping_interval: Duration,
    /// `WS_IDLE_TIMEOUT_MS`: a client silent this long (no pong, no message) is closed.
    pub idle_timeout: Duration,
    /// `WS_SEND_TIMEOUT_MS`: a client whose socket does not take one message in this time is
    /// dropped (its TCP window stayed closed).
    pub send_timeout: Duration,
    /// `WS_CLIENT_QUEUE`: events a client may fall behind before it is resynced with a fresh
    /// snapshot instead of being buffered without bound.
    pub client_queue: usize,
    /// `WS_REPLAY_EVENTS`: recent events kept in memory for `?after=` resumption.
    pub replay_events: usize,
    /// `WS_MAX_CLIENTS`: further connections are refused with 503.
    pub max_clients: usize,
    /// `WS_FRAME_RESEND_MS` (0 = off): the current frame is sent again this long after a run's
    /// first snapshot, for clients that missed or mis-ordered it.
    pub frame_resend_after: Option<Duration>,
    /// `WS_IDLE_FRAME_MS` (0 = off): the current frame is sent again when nothing was sent for
    /// this long.
    pub idle_frame_every: Option<Duration>,
}

impl WsSettings {
    pub fn frame_resend(&self) -> FrameResend {
        FrameResend { after_snapshot: self.frame_resend_after, when_idle: self.idle_frame_every }
    }
}

impl Default for WsSettings {
    fn default() -> Self {
        Self {
            ping_interval: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(45),
            send_timeout: Duration::from_secs(10),
            client_queue: 128,
            replay_events: 2048,
            max_clients: 20_000,
            frame_resend_after: Some(Duration::from_millis(500)),
            idle_frame_every: Some(Duration::from_secs(5)),
        }
    }
}

/// Per-client-IP limit of `/preview` (generation costs CPU).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviewLimit {
    pub per_minute: u32,
    pub burst: u32,
}

#[derive(Debug, Clone)]
pub struct FrontendConfig {
    /// Shared Redis settings; `None` when `sector dev` runs the worker on an in-process store.
    pub redis: Option<RedisSettings>,
    /// `API_URL` (no trailing slash): where `/api/*` is proxied.
    pub api_url: String,
    /// `BIND_ADDRESS` (default 0.0.0.0): the address `PORT` and `METRICS_PORT` listen on.
    pub bind_address: IpAddr,
    /// `PORT`.
    pub port: u16,
    /// `METRICS_PORT`: when set, `/metrics` is served only on this port and `PORT`
    /// answers 404 for it, so the public ingress never exposes it. Unset: on `PORT`.
    pub metrics_port: Option<u16>,
    pub ws: WsSettings,
    /// `PROXY_TIMEOUT_MS`: the whole upstream exchange of one proxied request.
    pub proxy_timeout: Duration,
    /// `MAX_PROXY_BODY_BYTES`: larger request bodies get 413 without reaching the API.
    pub max_proxy_body: usize,
    /// `TAIL_MAX`: largest `count` of `/tail`.
    pub tail_max: usize,
    /// `PREVIEW_CACHE`: generated previews kept (by effective seed).
    pub preview_cache: usize,
    /// `RATE_LIMIT_PREVIEW_PER_MINUTE` / `_BURST`; `None` = off.
    pub preview_limit: Option<PreviewLimit>,
    /// `SIM_CONFIG` (else the shipped defaults): map size and factions of `/preview`.
    pub game: sector_core::Config,
}

const KNOWN: &[&str] = &[
    "API_URL",
    "BIND_ADDRESS",
    "PORT",
    "METRICS_PORT",
    "WS_PING_MS",
    "WS_IDLE_TIMEOUT_MS",
    "WS_SEND_TIMEOUT_MS",
    "WS_CLIENT_QUEUE",
    "WS_REPLAY_EVENTS",
    "WS_MAX_CLIENTS",
    "WS_FRAME_RESEND_MS",
    "WS_IDLE_FRAME_MS",
    "PROXY_TIMEOUT_MS",
    "MAX_PROXY_BODY_BYTES",
    "TAIL_MAX",
    "PREVIEW_CACHE",
    "RATE_LIMIT_PREVIEW_PER_MINUTE",
    "RATE_LIMIT_PREVIEW_BURST",
    "SIM_CONFIG",
];

impl FrontendConfig {
    /// Defaults for `sector dev` and tests: no Redis, the given API base URL.
    pub fn dev(api_url: impl Into<String>) -> Self {
        Self {
            redis: None,
            api_url: api_url.into().trim_end_matches('/').to_owned(),
            bind_address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: DEFAULT_PORT,
            metrics_port: None,
            ws: WsSettings::default(),
            proxy_timeout: Duration::from_secs(5),
            max_proxy_body: 1024 * 1024,
            tail_max: 1000,
            preview_cache: 32,
            preview_limit: Some(PreviewLimit { per_minute: 30, burst: 10 }),
            game: sector_core::Config::default(),
        }
    }

    /// Reads the process environment: `REDIS_URL`, `EVENT_STREAM`, `ORDER_STREAM`,
    /// `SNAPSHOT_KEY` and `API_URL` are required.
    pub fn from_env() -> Result<Self, ConfigError> {
        let known: Vec<&str> = KNOWN.iter().chain(REDIS_VARS).copied().collect();
        Self::from_vars(&EnvVars::from_process(&known)?)
    }

    pub fn from_vars(env: &EnvVars) -> Result<Self, ConfigError> {
        let redis = RedisSettings::from_env(env)?;
        let api_url = env.http_url("API_URL")?.ok_or(SettingsError::Missing { var: "API_URL" })?;
        let mut config = Self::dev(api_url);
        config.redis = Some(redis);
        config.apply_overrides(env)?;
        Ok(config)
    }

    /// The optional variables, on top of the current values.
    pub fn apply_overrides(&mut self, env: &EnvVars) -> Result<(), ConfigError> {
        let ms = |var: &'static str, min: u64| -> Result<Option<Duration>, SettingsError> {
            Ok(env.number(var, min)?.map(Duration::from_millis))
        };
        if let Some(address) = env.ip_addr("BIND_ADDRESS")? {
            self.bind_address = address;
        }
        if let Some(port) = env.number("PORT", 0u16)? {
            self.port = port;
        }
        if let Some(port) = env.number("METRICS_PORT", 1u16)? {
            self.metrics_port = Some(port);
        }
        if self.metrics_port == Some(self.port) {
            return Err(SettingsError::Invalid {
                var: "METRICS_PORT",
                value: self.port.to_string(),
                reason: "must differ from PORT".into(),
            }
            .into());
        }
        let ws = &mut self.ws;
        ws.ping_interval = ms("WS_PING_MS", 10)?.unwrap_or(ws.ping_interval);
        ws.idle_timeout = ms("WS_IDLE_TIMEOUT_MS", 10)?.unwrap_or(ws.idle_timeout);
        ws.send_timeout = ms("WS_SEND_TIMEOUT_MS", 10)?.unwrap_or(ws.send_timeout);
        ws.client_queue = env.number("WS_CLIENT_QUEUE", 1usize)?.unwrap_or(ws.client_queue);
        ws.replay_events = env.number("WS_REPLAY_EVENTS", 0usize)?.unwrap_or(ws.replay_events);
        ws.max_clients = env.number("WS_MAX_CLIENTS", 1usize)?.unwrap_or(ws.max_clients);
        let off_if_zero = |d: Duration| (!d.is_zero()).then_some(d);
        if let Some(after) = ms("WS_FRAME_RESEND_MS", 0)? {
            ws.frame_resend_after = off_if_zero(after);
        }
        if let Some(every) = ms("WS_IDLE_FRAME_MS", 0)? {
            ws.idle_frame_every = off_if_zero(every);
        }
        self.proxy_timeout = ms("PROXY_TIMEOUT_MS", 1)?.unwrap_or(self.proxy_timeout);
        self.max_proxy_body = env.number("MAX_PROXY_BODY_BYTES", 1024usize)?.unwrap_or(self.max_proxy_body);
        self.tail_max = env.number("TAIL_MAX", 1usize)?.unwrap_or(self.tail_max);
        self.preview_cache = env.number("PREVIEW_CACHE", 1usize)?.unwrap_or(self.preview_cache);
        let per_minute = env.number("RATE_LIMIT_PREVIEW_PER_MINUTE", 0u32)?;
        let burst = env.number("RATE_LIMIT_PREVIEW_BURST", 1u32)?;
        match (per_minute, self.preview_limit) {
            (Some(0), _) => self.preview_limit = None,
            (Some(per_minute), current) => {
                let burst = burst.or(current.map(|c| c.burst)).unwrap_or(10);
                self.preview_limit = Some(PreviewLimit { per_minute, burst });
            }
            (None, Some(current)) => {
                self.preview_limit = Some(PreviewLimit { burst: burst.unwrap_or(current.burst), ..current });
            }
            (None, None) => {}
        }
        if let Some(path) = env.non_empty("SIM_CONFIG") {
            let path = PathBuf::from(path);
            self.game = sector_core::Config::from_file(&path)
                .map_err(|source| ConfigError::GameConfig { path, source })?;
        }
        Ok(())
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
            ("API_URL", "http://api:8000/"),
        ]
    }

    fn parse(extra: &[(&'static str, &'static str)]) -> Result<FrontendConfig, ConfigError> {
        let mut vars = base();
        vars.extend_from_slice(extra);
        FrontendConfig::from_vars(&EnvVars::from_pairs(vars))
    }

    #[test]
    fn defaults_and_required_variables() {
        let c = parse(&[]).unwrap();
        assert_eq!(c.api_url, "http://api:8000", "trailing slash ignored");
        assert_eq!(c.port, DEFAULT_PORT);
        assert_eq!(c.bind_address, IpAddr::V4(Ipv4Addr::UNSPECIFIED), "all interfaces, as in a cluster");
        assert_eq!(c.metrics_port, None, "metrics on PORT unless METRICS_PORT is set");
        assert_eq!(c.ws, WsSettings::default());
        assert_eq!(c.redis.unwrap().url, "redis://localhost:6379/0");
        for missing in ["REDIS_URL", "EVENT_STREAM", "ORDER_STREAM", "SNAPSHOT_KEY", "API_URL"] {
            let vars: Vec<_> = base().into_iter().filter(|(k, _)| *k != missing).collect();
            let error = FrontendConfig::from_vars(&EnvVars::from_pairs(vars)).unwrap_err();
            assert!(error.to_string().starts_with(missing), "{missing}: {error}");
        }
    }

    #[test]
    fn the_readme_documents_every_variable_read() {
        let read: Vec<&str> = KNOWN.iter().chain(REDIS_VARS).copied().collect();
        sector_store::testing::assert_readme_documents(
            include_str!("../README.md"),
            "## Configuration",
            &read,
        );
    }

    #[test]
    fn overrides_and_bad_values() {
        let c = parse(&[("PORT", "9100"), ("WS_CLIENT_QUEUE", "16"), ("RATE_LIMIT_PREVIEW_PER_MINUTE", "0")])
            .unwrap();
        assert_eq!((c.port, c.ws.client_queue, c.preview_limit), (9100, 16, None));
        let c = parse(&[("RATE_LIMIT_PREVIEW_BURST", "3")]).unwrap();
        assert_eq!(c.preview_limit, Some(PreviewLimit { per_minute: 30, burst: 3 }));
        assert_eq!(parse(&[("METRICS_PORT", "9090")]).unwrap().metrics_port, Some(9090));
        let same = parse(&[("PORT", "9090"), ("METRICS_PORT", "9090")]).unwrap_err().to_string();
        assert_eq!(same, "METRICS_PORT=\"9090\": must differ from PORT");
        assert_eq!(
            parse(&[("BIND_ADDRESS", " 127.0.0.1 ")]).unwrap().bind_address,
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        );
        assert_eq!(parse(&[("BIND_ADDRESS", "::")]).unwrap().bind_address, "::".parse::<IpAddr>().unwrap());
        assert_eq!(
            parse(&[("BIND_ADDRESS", "localhost")]).unwrap_err().to_string(),
            "BIND_ADDRESS=\"localhost\": is not an IP address (e.g. 0.0.0.0, 127.0.0.1, ::)"
        );
        assert!(parse(&[("METRICS_PORT", "0")]).unwrap_err().to_string().starts_with("METRICS_PORT"));
        assert!(parse(&[("API_URL", "api:8000")]).unwrap_err().to_string().starts_with("API_URL"));
        let c = parse(&[("WS_FRAME_RESEND_MS", "0"), ("WS_IDLE_FRAME_MS", "2000")]).unwrap();
        assert_eq!((c.ws.frame_resend_after, c.ws.idle_frame_every), (None, Some(Duration::from_secs(2))));
        assert!(
            parse(&[("WS_IDLE_FRAME_MS", "soon")]).unwrap_err().to_string().starts_with("WS_IDLE_FRAME_MS")
        );
        assert!(parse(&[("WS_CLIENT_QUEUE", "0")]).unwrap_err().to_string().starts_with("WS_CLIENT_QUEUE"));
        assert!(
            parse(&[("SIM_CONFIG", "/nonexistent.json")]).unwrap_err().to_string().starts_with("SIM_CONFIG")
        );
    }
}
