//! `GET /me` (WIRE.md §8.4).

use axum::Json;
use axum::extract::State;
use sector_store::Store;
use serde::Serialize;
use utoipa::ToSchema;

use super::models::ErrorDetail;
use crate::auth::Player;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub address: String,
    /// The faction claimed in the current universe.
    pub faction: Option<String>,
    pub universe_id: String,
    /// Whether this address may use `/admin/*` (additive: the UI shows admin controls only
    /// to admins).
    pub is_admin: bool,
}

/// The signed-in player and their faction.
#[utoipa::path(get, path = "/me", tag = "players", security(("bearer" = [])),
    responses(
        (status = 200, body = MeResponse),
        (status = 401, description = "missing authorization | invalid authorization | invalid token | invalid token claims | session expired", body = ErrorDetail),
        (status = 503, body = ErrorDetail),
    ))]
pub async fn me<S: Store>(
    State(state): State<AppState<S>>,
    player: Player,
) -> Result<Json<MeResponse>, ApiError> {
    let universe_id = state.store().universe_id().await?;
    let faction = state.store().faction_of(&universe_id, &player.address).await?;
    let is_admin = state.config().is_admin(&player.address);
    Ok(Json(MeResponse { address: player.address, faction, universe_id, is_admin }))
}
