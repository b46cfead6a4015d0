//! `GET /preview?seed=`: the tick-0 snapshot of the world a seed generates, without touching
//! the live run (WIRE.md §9.1). Bounded: the seed is the only input (the map size is the
//! worker's configuration), results are cached by effective seed, and each client IP is rate
//! limited, since generation costs CPU (about 15 ms at 10,000 systems).

use std::net::{IpAddr, SocketAddr};
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use lru::LruCache;
use sector_core::{generator, seed};
use serde::Deserialize;

use crate::config::FrontendConfig;
use crate::error::FrontendError;
use crate::state::AppState;

/// Longest accepted seed text; longer integer literals hit the reference's 4300-digit rule anyway.
const MAX_SEED_CHARS: usize = 256;

pub struct Previews {
    game: sector_core::Config,
    cache: Mutex<LruCache<i64, Bytes>>,
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl Previews {
    pub fn new(config: &FrontendConfig) -> Self {
        let capacity = NonZeroUsize::new(config.preview_cache).unwrap_or(NonZeroUsize::MIN);
        let limiter = config.preview_limit.and_then(|limit| {
            let per_minute = NonZeroU32::new(limit.per_minute)?;
            let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
            Some(DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)))
        });
        Self { game: config.game.clone(), cache: Mutex::new(LruCache::new(capacity)), limiter }
    }

    fn cached(&self, seed: i64) -> Option<Bytes> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(&seed).cloned()
    }

    fn store(&self, seed: i64, json: Bytes) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).put(seed, json);
    }

    fn check_rate(&self, ip: IpAddr) -> Result<(), FrontendError> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        limiter.check_key(&ip).map_err(|not_until| FrontendError::RateLimited {
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
        })
    }

    /// The seed a preview uses: the normalized seed text (GAME_RULES §4.1), else the
    /// configured `sector_seed`, else a random one.
    fn effective_seed(&self, raw: &str) -> i64 {
        seed::normalize_seed_str(raw)
            .or_else(|| self.game.sector_seed.as_ref().and_then(seed::normalize_seed_json))
            .unwrap_or_else(random_seed)
    }
}

fn random_seed() -> i64 {
    let mut bytes = [0u8; 8];
    // Without an entropy source the preview is still valid, only predictable.
    let _ = getrandom::fill(&mut bytes);
    (u64::from_le_bytes(bytes) & ((1 << 48) - 1)) as i64
}

#[derive(Debug, Deserialize)]
pub struct PreviewQuery {
    seed: Option<String>,
}

pub async fn handler(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<PreviewQuery>,
) -> Result<Response, FrontendError> {
    let raw = query.seed.ok_or_else(|| FrontendError::missing_query("seed"))?;
    if raw.chars().count() > MAX_SEED_CHARS {
        return Err(FrontendError::bad_query(
            "seed",
            &raw,
            format!("seed must be at most {MAX_SEED_CHARS} characters"),
        ));
    }
    let previews = state.previews();
    let effective = previews.effective_seed(&raw);
    if let Some(json) = previews.cached(effective) {
        state.metrics().preview("cached");
        return Ok(json_response(json));
    }
    if let Err(limited) = previews.check_rate(peer.ip()) {
        state.metrics().preview("rate_limited");
        return Err(limited);
    }
    let game = Arc::new(previews.game.clone());
    let generated = tokio::task::spawn_blocking(move || {
        generator::generate(&game, effective).map(|world| serde_json::to_vec(&world.snapshot()))
    })
    .await;
    let json = match generated {
        Ok(Ok(Ok(json))) => Bytes::from(json),
        Ok(Ok(Err(error))) => {
            return Err(FrontendError::Unavailable(format!("encoding the preview: {error}")));
        }
        Ok(Err(error)) => {
            return Err(FrontendError::bad_query(
                "seed",
                &raw,
                format!("this seed does not generate a map: {error}"),
            ));
        }
        Err(error) => return Err(FrontendError::Unavailable(format!("generating the preview: {error}"))),
    };
    state.metrics().preview("generated");
    previews.store(effective, json.clone());
    Ok(json_response(json))
}

fn json_response(json: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}
