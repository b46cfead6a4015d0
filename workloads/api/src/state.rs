//! The one shared state of every handler: store, configuration and the derived pieces
//! (token keys, rate limiters, metrics, snapshot cache), behind one `Arc` so cloning per
//! request is a reference-count bump.

use std::sync::Arc;

use sector_store::Store;

use crate::config::ApiConfig;
use crate::control_writer::ControlWriter;
use crate::error::ApiError;
use crate::jwt::{JwtKeys, PresentedClaims, TokenError};
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiters;
use crate::read_cache::ReadCache;
use crate::verified_tokens::{self, VerifiedTokens};

/// A configured (human-claimable) faction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FactionInfo {
    pub id: String,
    pub name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("game configuration: {0}")]
    Game(#[from] sector_core::config::ConfigError),
    #[error("admin control: {0}")]
    Control(#[from] crate::control_writer::ControlWriterError),
}

pub struct AppState<S> {
    inner: Arc<Inner<S>>,
}

impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

struct Inner<S> {
    store: S,
    config: ApiConfig,
    jwt: JwtKeys,
    tokens: VerifiedTokens,
    /// The game config's factions: what humans may claim before the sim saved a snapshot.
    configured: Arc<[FactionInfo]>,
    league_id: String,
    metrics: Metrics,
    limiters: RateLimiters,
    reads: ReadCache,
    control: ControlWriter,
}

impl<S: Store> AppState<S> {
    pub fn new(store: S, config: ApiConfig) -> Result<Self, StateError> {
        let control = ControlWriter::for_universe(config.managed.as_ref())?;
        Self::with_control_writer(store, config, control)
    }

    /// As [`Self::new`], with an explicit destination for admin actions (tests, tools).
    pub fn with_control_writer(
        store: S,
        config: ApiConfig,
        control: ControlWriter,
    ) -> Result<Self, StateError> {
        let factions = config
            .game
            .configured_factions()?
            .into_iter()
            .map(|f| FactionInfo { id: f.id, name: f.name })
            .collect();
        let inner = Inner {
            jwt: JwtKeys::new(config.jwt_secret.expose(), config.jwt_ttl),
            tokens: VerifiedTokens::new(verified_tokens::DEFAULT_CAPACITY),
            league_id: config.game.world.league_faction_id.clone(),
            metrics: Metrics::new(),
            limiters: RateLimiters::new(config.auth_rate, config.orders_rate, config.trusted_proxy_hops),
            reads: ReadCache::new(config.read_cache),
            control,
            configured: factions,
            store,
            config,
        };
        Ok(Self { inner: Arc::new(inner) })
    }

    pub fn store(&self) -> &S {
        &self.inner.store
    }

    pub fn config(&self) -> &ApiConfig {
        &self.inner.config
    }

    /// Where `/admin/*` actions go: the control hash, or the managed `SectorUniverse`.
    pub fn control_writer(&self) -> &ControlWriter {
        &self.inner.control
    }

    pub fn jwt(&self) -> &JwtKeys {
        &self.inner.jwt
    }

    /// Verifies a presented token, remembering recent ones (`verified_tokens.rs`).
    pub fn verify_token(&self, token: &str) -> Result<Arc<PresentedClaims>, TokenError> {
        self.inner.tokens.verify(&self.inner.jwt, token)
    }

    /// The factions of this process's game config (`SIM_CONFIG`), in configuration order. The
    /// running sim may play another set (the config changed mid-run): use
    /// [`Self::claimable_factions`] for anything about the current run.
    pub fn configured_factions(&self) -> &[FactionInfo] {
        &self.inner.configured
    }

    /// The factions humans may claim in the current run, in registry order: the configured
    /// factions of the sim's stored snapshot, so claims follow the map the sim plays even when
    /// `world.factions` changed since it started; the config's before the first snapshot. Read
    /// through the snapshot cache (the list is derived once per snapshot refresh).
    pub async fn claimable_factions(&self) -> Result<Arc<[FactionInfo]>, ApiError> {
        match self.reads().snapshot(self.store()).await? {
            Some(view) if !view.claimable.is_empty() => Ok(view.claimable.clone()),
            _ => Ok(self.inner.configured.clone()),
        }
    }

    /// The League's faction id (`world.league_faction_id`).
    pub fn league_id(&self) -> &str {
        &self.inner.league_id
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub fn limiters(&self) -> &RateLimiters {
        &self.inner.limiters
    }

    /// Short-lived cached store reads (snapshot, bot-path claims).
    pub fn reads(&self) -> &ReadCache {
        &self.inner.reads
    }
}
