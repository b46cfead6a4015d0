//! The deployed order sink: `POST {api}/orders` with the bot token (WIRE.md §8.9, §10).
//!
//! The API's base URL is discovered lazily — the first candidate whose `GET /health` answers 2xx
//! within the health timeout — and cached. Any failed post (transport error or non-2xx)
//! forgets it, so the next batch runs discovery again: after an API rollout or a service move
//! the bot finds the API again without a restart. "No API" warnings are rate-limited.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue};

use crate::config::{BotConfig, ConfigError};
use crate::sink::{OrderBatch, OrderSink, SinkError, WireOrder};
use crate::throttle::WarnThrottle;

/// Header carrying the bot credential.
pub const BOT_TOKEN_HEADER: &str = "X-Bot-Token";

/// Settings of [`HttpSink`].
#[derive(Clone)]
pub struct HttpSinkOptions {
    /// Base URLs tried in order (no trailing slash).
    pub candidates: Vec<String>,
    /// `BOT_API_TOKEN`; must be non-empty.
    pub token: String,
    /// Time a `GET /health` probe may take (the reference's 3 s).
    pub health_timeout: Duration,
    /// Time a `POST /orders` may take (the reference's 5 s).
    pub post_timeout: Duration,
    /// At most one "API unavailable" / "post failed" warning per this period (the reference's
    /// 15 s).
    pub warn_every: Duration,
}

/// Without the token: options end up in logs.
impl std::fmt::Debug for HttpSinkOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSinkOptions")
            .field("candidates", &self.candidates)
            .field("token", &"<redacted>")
            .field("health_timeout", &self.health_timeout)
            .field("post_timeout", &self.post_timeout)
            .field("warn_every", &self.warn_every)
            .finish()
    }
}

impl HttpSinkOptions {
    /// The reference's timings with the candidates and token from `config`.
    pub fn from_config(config: &BotConfig) -> Self {
        Self {
            candidates: config.api_candidates(),
            token: config.api_token.clone(),
            health_timeout: Duration::from_secs(3),
            post_timeout: Duration::from_secs(5),
            warn_every: Duration::from_secs(15),
        }
    }
}

/// Posts order batches to the API.
#[derive(Debug)]
pub struct HttpSink {
    client: reqwest::Client,
    token: HeaderValue,
    options: HttpSinkOptions,
    base: Option<String>,
    no_api_warning: WarnThrottle,
    post_warning: WarnThrottle,
}

impl HttpSink {
    /// Fails on an empty or unusable token (a clear start-up error rather than 401s later).
    pub fn new(options: HttpSinkOptions) -> Result<Self, ConfigError> {
        if options.token.is_empty() {
            return Err(ConfigError::MissingToken);
        }
        let mut token = HeaderValue::from_str(&options.token).map_err(|_| ConfigError::Invalid {
            var: "BOT_API_TOKEN",
            value: "<redacted>".into(),
            reason: "contains characters not allowed in an HTTP header".into(),
        })?;
        token.set_sensitive(true);
        // The API is an in-cluster service: a proxy configured for outbound traffic must not
        // capture it.
        let client = reqwest::Client::builder().use_rustls_tls().no_proxy().build().map_err(|e| {
            ConfigError::Invalid {
                var: "BOT_API_URL",
                value: String::new(),
                reason: format!("HTTP client: {e}"),
            }
        })?;
        let warn_every = options.warn_every;
        Ok(Self {
            client,
            token,
            options,
            base: None,
            no_api_warning: WarnThrottle::new(warn_every),
            post_warning: WarnThrottle::new(warn_every),
        })
    }

    /// The cached API base URL, if discovery has found one and no post has failed since.
    pub fn cached_base(&self) -> Option<&str> {
        self.base.as_deref()
    }

    /// The cached base URL, running discovery first if none is cached.
    async fn base(&mut self) -> Result<String, SinkError> {
        if let Some(base) = &self.base {
            return Ok(base.clone());
        }
        for candidate in &self.options.candidates {
            if self.healthy(candidate).await {
                tracing::info!(api = %candidate, "API found");
                self.no_api_warning.reset();
                self.base = Some(candidate.clone());
                return Ok(candidate.clone());
            }
        }
        let tried = self.options.candidates.join(", ");
        if let Some(suppressed) = self.no_api_warning.ready() {
            tracing::warn!(tried = %tried, suppressed, "API unavailable: no candidate answered /health");
        }
        Err(SinkError::NoApi { tried })
    }

    async fn healthy(&self, base: &str) -> bool {
        let url = format!("{base}/health");
        match self.client.get(&url).timeout(self.options.health_timeout).send().await {
            Ok(response) => response.status().is_success(),
            Err(error) => {
                tracing::debug!(%url, %error, "health probe failed");
                false
            }
        }
    }

    async fn post(&self, base: &str, body: String) -> Result<(), SinkError> {
        let url = format!("{base}/orders");
        let response = self
            .client
            .post(&url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(BOT_TOKEN_HEADER, self.token.clone())
            .body(body)
            .timeout(self.options.post_timeout)
            .send()
            .await
            .map_err(|source| SinkError::Transport { url: url.clone(), source })?;
        // The response body is ignored (WIRE.md §10).
        let status = response.status();
        if status.is_success() { Ok(()) } else { Err(SinkError::Status { url, status: status.as_u16() }) }
    }
}

impl OrderSink for HttpSink {
    async fn send(&mut self, orders: &[WireOrder]) -> Result<(), SinkError> {
        let body = serde_json::to_string(&OrderBatch { orders })?;
        let base = self.base().await?;
        match self.post(&base, body).await {
            Ok(()) => {
                self.post_warning.reset();
                Ok(())
            }
            Err(error) => {
                // Whatever went wrong, the next batch starts with a fresh discovery.
                self.base = None;
                if let Some(suppressed) = self.post_warning.ready() {
                    tracing::warn!(%error, suppressed, "posting orders failed; API address forgotten");
                }
                Err(error)
            }
        }
    }
}
