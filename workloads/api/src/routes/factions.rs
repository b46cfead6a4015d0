//! `GET /factions` and `POST /factions/claim` (WIRE.md §8.5, §8.6).

use axum::Json;
use axum::extract::State;
use sector_store::{ClaimOutcome, Store};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::models::{ErrorDetail, ValidationErrors};
use crate::auth::Player;
use crate::error::ApiError;
use crate::state::AppState;
use crate::validation::{Fields, JsonBody, body_object, finish};

#[derive(Debug, Serialize, ToSchema)]
pub struct FactionEntry {
    pub id: String,
    pub name: String,
    pub claimed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FactionsResponse {
    pub universe_id: String,
    pub factions: Vec<FactionEntry>,
}

/// `POST /factions/claim` body.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; validation reads the JSON directly
pub struct ClaimRequest {
    /// A configured faction id of the current run, e.g. `F1`.
    faction: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimResponse {
    pub address: String,
    pub faction: String,
}

/// The configured (human-claimable) factions of the current run and whether each is claimed.
#[utoipa::path(get, path = "/factions", tag = "players",
    responses((status = 200, body = FactionsResponse), (status = 503, body = ErrorDetail)))]
pub async fn list<S: Store>(State(state): State<AppState<S>>) -> Result<Json<FactionsResponse>, ApiError> {
    let universe_id = state.store().universe_id().await?;
    let claimed = state.store().human_factions(&universe_id).await?;
    let factions = state
        .claimable_factions()
        .await?
        .iter()
        .map(|f| FactionEntry { id: f.id.clone(), name: f.name.clone(), claimed: claimed.contains(&f.id) })
        .collect();
    Ok(Json(FactionsResponse { universe_id, factions }))
}

/// Claims a faction for the signed-in player, atomically; claiming one's own faction again
/// succeeds (the reference answered 409, G3).
#[utoipa::path(post, path = "/factions/claim", tag = "players", request_body = ClaimRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = ClaimResponse),
        (status = 400, description = "unknown faction", body = ErrorDetail),
        (status = 401, description = "missing authorization | invalid authorization | invalid token | invalid token claims | session expired", body = ErrorDetail),
        (status = 409, description = "player already claimed a faction | faction already claimed | bots-only run: claims are closed", body = ErrorDetail),
        (status = 413, body = ErrorDetail),
        (status = 422, body = ValidationErrors),
        (status = 503, body = ErrorDetail),
    ))]
pub async fn claim<S: Store>(
    State(state): State<AppState<S>>,
    player: Player,
    JsonBody(body): JsonBody,
) -> Result<Json<ClaimResponse>, ApiError> {
    let object = body_object(&body)?;
    let mut errors = Vec::new();
    let faction = Fields { object, prefix: vec![json!("body")], errors: &mut errors }.required_str("faction");
    let faction = finish(errors, faction)?;
    if !state.claimable_factions().await?.iter().any(|f| f.id == faction) {
        return Err(ApiError::bad_request("unknown faction"));
    }
    let universe_id = state.store().universe_id().await?;
    match state.store().claim_faction(&universe_id, &player.address, &faction).await? {
        ClaimOutcome::Claimed | ClaimOutcome::AlreadyYours => {
            Ok(Json(ClaimResponse { address: player.address, faction }))
        }
        ClaimOutcome::PlayerHasOther(_) => Err(ApiError::Conflict("player already claimed a faction")),
        ClaimOutcome::FactionTaken => Err(ApiError::Conflict("faction already claimed")),
        ClaimOutcome::BotsOnly => Err(ApiError::Conflict("bots-only run: claims are closed")),
    }
}
