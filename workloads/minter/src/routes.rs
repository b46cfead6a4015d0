//! The HTTP surface (WIRE.md §11): `GET /health`, `GET /ready`, `POST /mint`, and JSON 404/405.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sector_store::{AwardStore, MintStore};
use serde::Serialize;
use serde_json::json;

use crate::auth;
use crate::config::Secret;
use crate::error::HttpError;
use crate::ledger::Ledger;
use crate::mint::{MintOutcome, Minter};
use crate::request::{self, MintFields, MintRequest};

/// Largest `POST /mint` body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the handlers share.
pub struct AppState<S, L> {
    pub minter: Arc<Minter<S, L>>,
    pub store: S,
    /// `None`: authentication switched off (development only).
    pub api_key: Option<Secret>,
    /// Universe of requests that name none.
    pub universe: String,
}

impl<S: Clone, L> Clone for AppState<S, L> {
    fn clone(&self) -> Self {
        Self {
            minter: self.minter.clone(),
            store: self.store.clone(),
            api_key: self.api_key.clone(),
            universe: self.universe.clone(),
        }
    }
}

/// `POST /mint`'s answer: the reference's four fields, then the award's.
#[derive(Debug, Serialize)]
pub struct MintResponse<'a> {
    pub mint_id: &'a str,
    pub status: &'static str,
    pub received_at: u64,
    pub request: &'a MintFields,
    pub universe: &'a str,
    pub contract: &'a str,
    pub chain_id: u64,
    pub tx_hash: &'a str,
    pub token_id: &'a str,
    pub block_number: u64,
    pub token_uri: &'a str,
    /// The award existed before this request (no transaction was sent for it).
    pub already_minted: bool,
}

pub fn router<S, L>(state: AppState<S, L>) -> Router
where
    S: MintStore + AwardStore + Clone + Send + Sync + 'static,
    L: Ledger,
{
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready::<S, L>))
        .route("/mint", post(mint::<S, L>))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .fallback(|| async { HttpError::NotFound })
        .method_not_allowed_fallback(|| async { HttpError::MethodNotAllowed })
        .with_state(state)
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Ready when both the store and the chain answer (the signer's nonce: a live call, where the
/// chain id is cached).
async fn ready<S, L>(State(state): State<AppState<S, L>>) -> Response
where
    S: MintStore + AwardStore + Clone + Send + Sync + 'static,
    L: Ledger,
{
    let problem = match state.store.pending_awards(1).await {
        Err(error) => Some(format!("redis: {error}")),
        Ok(_) => state.minter.ledger().confirmed_nonce().await.err().map(|e| e.to_string()),
    };
    match problem {
        None => Json(json!({"status": "ready"})).into_response(),
        Some(detail) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "detail": detail }))).into_response(),
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

async fn mint<S, L>(
    State(state): State<AppState<S, L>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, HttpError>
where
    S: MintStore + AwardStore + Clone + Send + Sync + 'static,
    L: Ledger,
{
    let received_at = now_secs();
    // Credentials first: an unauthenticated caller learns nothing about the body's validity.
    auth::check(&headers, state.api_key.as_ref())?;
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HttpError::PayloadTooLarge { limit: MAX_BODY_BYTES }
        } else {
            HttpError::BadRequest(format!("cannot read the request body: {}", rejection.body_text()))
        }
    })?;
    let fields = request::parse(&headers, &body)?;
    let req = MintRequest::check(fields, &state.universe)?;
    let outcome = state.minter.mint(&req).await?;
    Ok(Json(response(&req, &outcome, received_at)).into_response())
}

fn response<'a>(req: &'a MintRequest, outcome: &'a MintOutcome, received_at: u64) -> MintResponse<'a> {
    let record = &outcome.record;
    let minted = record.minted.as_ref();
    MintResponse {
        mint_id: &record.mint_id,
        status: "ok",
        received_at,
        request: &req.fields,
        universe: &record.universe,
        contract: &record.contract,
        chain_id: minted.map(|m| m.chain_id).unwrap_or_default(),
        tx_hash: minted.map(|m| m.tx_hash.as_str()).unwrap_or_default(),
        token_id: minted.map(|m| m.token_id.as_str()).unwrap_or_default(),
        block_number: minted.map(|m| m.block_number).unwrap_or_default(),
        token_uri: &record.token_uri,
        already_minted: outcome.already_minted,
    }
}
