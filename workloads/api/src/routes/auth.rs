//! Wallet login (WIRE.md §8.2, §8.3) and logout (A5).

use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sector_store::Store;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::models::{ErrorDetail, StatusOk, ValidationErrors};
use crate::auth::Player;
use crate::error::ApiError;
use crate::state::AppState;
use crate::validation::{Fields, JsonBody, body_object, finish};
use crate::wallet;

/// `POST /auth/nonce` body.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; validation reads the JSON directly
pub struct NonceRequest {
    /// Wallet address, `0x` + 40 hex digits (any case).
    #[schema(pattern = r"^\s*0[xX][0-9a-fA-F]{40}\s*$")]
    address: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NonceResponse {
    pub nonce: String,
    /// The exact text to sign with `personal_sign`.
    pub message: String,
}

/// `POST /auth/verify` body.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct VerifyRequest {
    #[schema(pattern = r"^\s*0[xX][0-9a-fA-F]{40}\s*$")]
    address: String,
    /// 65-byte signature r‖s‖v as hex, `0x` optional.
    #[schema(pattern = r"^\s*(0[xX])?[0-9a-fA-F]{130}\s*$")]
    signature: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
}

/// The named required string fields of a body object, in order.
fn body_strings<const N: usize>(body: &Value, names: [&str; N]) -> Result<[String; N], ApiError> {
    let object = body_object(body)?;
    let mut errors = Vec::new();
    let values = {
        let mut fields = Fields { object, prefix: vec![json!("body")], errors: &mut errors };
        names.map(|name| fields.required_str(name).unwrap_or_default())
    };
    finish(errors, Some(values))
}

fn address(raw: &str) -> Result<String, ApiError> {
    wallet::normalize_address(raw).ok_or_else(|| ApiError::bad_request("invalid wallet address"))
}

/// 16 random bytes, base64url without padding (22 characters).
fn new_nonce() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Unavailable(format!("randomness unavailable: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Issues a single-use login nonce and the message to sign.
#[utoipa::path(post, path = "/auth/nonce", tag = "auth", request_body = NonceRequest,
    responses(
        (status = 200, body = NonceResponse),
        (status = 400, description = "invalid wallet address", body = ErrorDetail),
        (status = 413, body = ErrorDetail),
        (status = 422, body = ValidationErrors),
        (status = 429, description = "rate limit exceeded", body = ErrorDetail),
        (status = 503, body = ErrorDetail),
    ))]
pub async fn nonce<S: Store>(
    State(state): State<AppState<S>>,
    JsonBody(body): JsonBody,
) -> Result<Json<NonceResponse>, ApiError> {
    let [raw] = body_strings(&body, ["address"])?;
    let address = address(&raw)?;
    let nonce = new_nonce()?;
    state.store().put_nonce(&address, &nonce, state.config().nonce_ttl).await?;
    let message = wallet::login_message(&address, &nonce);
    Ok(Json(NonceResponse { nonce, message }))
}

/// Checks the signed login message and opens a session. The nonce is consumed by any
/// attempt, so a signature can never be replayed and a failed attempt needs a new nonce.
#[utoipa::path(post, path = "/auth/verify", tag = "auth", request_body = VerifyRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, description = "invalid wallet address | nonce expired | invalid signature", body = ErrorDetail),
        (status = 401, description = "signature mismatch", body = ErrorDetail),
        (status = 413, body = ErrorDetail),
        (status = 422, body = ValidationErrors),
        (status = 429, description = "rate limit exceeded", body = ErrorDetail),
        (status = 503, body = ErrorDetail),
    ))]
pub async fn verify<S: Store>(
    State(state): State<AppState<S>>,
    JsonBody(body): JsonBody,
) -> Result<Json<TokenResponse>, ApiError> {
    let [raw, signature] = body_strings(&body, ["address", "signature"])?;
    let address = address(&raw)?;
    let metrics = state.metrics();
    let Some(nonce) = state.store().take_nonce(&address).await? else {
        metrics.login("nonce_expired");
        return Err(ApiError::bad_request("nonce expired"));
    };
    let message = wallet::login_message(&address, &nonce);
    let signer = wallet::recover_signer(&message, &signature).map_err(|e| {
        tracing::info!(%address, error = %e, "login with an unusable signature");
        metrics.login("invalid_signature");
        ApiError::bad_request("invalid signature")
    })?;
    if signer != address {
        metrics.login("signature_mismatch");
        return Err(ApiError::Unauthorized("signature mismatch"));
    }
    let jti = uuid::Uuid::new_v4().simple().to_string();
    state.store().create_session(&jti, &address, state.jwt().ttl()).await?;
    let token = state.jwt().issue(&address, &jti).map_err(|e| ApiError::Unavailable(e.to_string()))?;
    metrics.login("success");
    tracing::info!(%address, "player signed in");
    Ok(Json(TokenResponse { token }))
}

/// Ends the caller's session: its token stops working at once.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = StatusOk),
        (status = 401, description = "missing authorization | invalid authorization | invalid token | invalid token claims | session expired", body = ErrorDetail),
        (status = 429, description = "rate limit exceeded", body = ErrorDetail),
        (status = 503, body = ErrorDetail),
    ))]
pub async fn logout<S: Store>(
    State(state): State<AppState<S>>,
    player: Player,
) -> Result<Json<StatusOk>, ApiError> {
    state.store().revoke_session(&player.jti).await?;
    tracing::info!(address = %player.address, "player signed out");
    Ok(Json(StatusOk::new("ok")))
}
