//! Who is calling: player auth (WIRE.md §8 helper), admins (A1) and the bot credential (A2).
//!
//! The extractors run before any body or query extraction, so authentication failures (401,
//! 403) are always reported before validation failures (422), as in the reference.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sector_store::Store;
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::state::AppState;

/// Header carrying the bot credential.
pub const BOT_TOKEN_HEADER: &str = "x-bot-token";

/// A signed-in player with a live server-side session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Player {
    /// Lower-case wallet address (`sub`).
    pub address: String,
    /// Session id (`jti`).
    pub jti: String,
}

/// A bearer token that verified (signature, expiry, claims) but whose session has not been
/// looked up yet: `POST /orders` checks the session in the same store call as the claim and
/// the append (`PlayerOrderStore`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bearer {
    /// Lower-case wallet address (`sub`).
    pub address: String,
    /// Session id (`jti`).
    pub jti: String,
}

/// A verified bearer token when an `Authorization` header is present (then it must verify),
/// nothing otherwise (`POST /orders`, where bots may post without one).
#[derive(Debug, Clone)]
pub struct MaybeBearer(pub Option<Bearer>);

/// A signed-in player listed in `ADMIN_ADDRESSES`.
#[derive(Debug, Clone)]
pub struct Admin(pub Player);

/// Session ids are our own 32-hex-digit UUIDs; anything unlike an id could never name a
/// session and must not reach key names.
fn plausible_jti(jti: &str) -> bool {
    !jti.is_empty()
        && jti.len() <= 64
        && jti.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The verified token in `headers`' `Authorization` (no store access).
pub fn bearer<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<Bearer, ApiError> {
    let value = headers.get(AUTHORIZATION).map(|v| v.as_bytes()).unwrap_or_default();
    if value.is_empty() {
        return Err(ApiError::Unauthorized("missing authorization"));
    }
    let text = std::str::from_utf8(value).map_err(|_| ApiError::Unauthorized("invalid authorization"))?;
    // `get` rather than indexing: header bytes may be non-ASCII UTF-8.
    let token = match (text.get(..7), text.get(7..)) {
        (Some(scheme), Some(token)) if scheme.eq_ignore_ascii_case("bearer ") => token.trim(),
        _ => return Err(ApiError::Unauthorized("invalid authorization")),
    };
    let claims = state.verify_token(token).map_err(|_| ApiError::Unauthorized("invalid token"))?;
    let (Some(sub), Some(jti)) =
        (claims.sub.as_deref().filter(|s| !s.is_empty()), claims.jti.as_deref().filter(|j| !j.is_empty()))
    else {
        return Err(ApiError::Unauthorized("invalid token claims"));
    };
    if !plausible_jti(jti) {
        return Err(ApiError::Unauthorized("invalid token claims"));
    }
    Ok(Bearer { address: sub.to_ascii_lowercase(), jti: jti.to_owned() })
}

/// The 401 for a verified token without a live session of its address.
pub const SESSION_EXPIRED: ApiError = ApiError::Unauthorized("session expired");

/// The player behind `headers`' `Authorization`, checked against the session store.
pub async fn authenticate<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<Player, ApiError> {
    let token = bearer(state, headers)?;
    if !has_live_session(state, &token).await? {
        return Err(SESSION_EXPIRED);
    }
    Ok(Player { address: token.address, jti: token.jti })
}

/// Whether the token's session is live and belongs to the token's address.
pub async fn has_live_session<S: Store>(state: &AppState<S>, token: &Bearer) -> Result<bool, ApiError> {
    let owner = state.store().session_address(&token.jti).await?;
    Ok(owner.is_some_and(|owner| owner.eq_ignore_ascii_case(&token.address)))
}

/// Whether the request carries the configured bot token (compared in constant time; an
/// empty configured token disables bot access).
pub fn is_bot<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> bool {
    let expected = state.config().bot_token.expose();
    if expected.is_empty() {
        return false;
    }
    headers.get(BOT_TOKEN_HEADER).is_some_and(|given| bool::from(given.as_bytes().ct_eq(expected)))
}

impl<S: Store> FromRequestParts<AppState<S>> for Player {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, Self::Rejection> {
        authenticate(state, &parts.headers).await
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for MaybeBearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, Self::Rejection> {
        // An empty header counts as absent (as in the reference).
        if parts.headers.get(AUTHORIZATION).is_some_and(|v| !v.is_empty()) {
            bearer(state, &parts.headers).map(|b| Self(Some(b)))
        } else {
            Ok(Self(None))
        }
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, Self::Rejection> {
        let player = authenticate(state, &parts.headers).await?;
        if state.config().is_admin(&player.address) {
            Ok(Self(player))
        } else {
            tracing::warn!(address = %player.address, "admin route refused");
            Err(ApiError::Forbidden("admin only"))
        }
    }
}
