//! `GET /leaderboard`: wins per player wallet and per faction across runs (written by the sim's
//! run-end commit; see `sector_store::LeaderboardStore`). Public, like `/factions`.

use axum::Json;
use axum::extract::{RawQuery, State};
use sector_store::Store;
use serde::Serialize;
use utoipa::ToSchema;

use super::models::{ErrorDetail, ValidationErrors};
use crate::error::ApiError;
use crate::state::AppState;
use crate::validation::{Query, finish};

/// Default and largest `limit`.
pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardPlayer {
    /// Lower-case wallet address.
    pub address: String,
    pub wins: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardFaction {
    pub faction: String,
    /// The faction's name (as it was when it last won; else as configured; else its id).
    pub name: String,
    pub wins: u64,
}

/// Both boards, each sorted by wins (descending), then address / faction id (ascending).
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardResponse {
    pub players: Vec<LeaderboardPlayer>,
    pub factions: Vec<LeaderboardFaction>,
}

/// The top players (by wallet address) and factions by runs won. A faction wins a run whoever
/// played it; a player wins when they held the winning faction at the end of the run.
#[utoipa::path(get, path = "/leaderboard", tag = "world",
    params(
        ("limit" = Option<i64>, Query, description = "entries per board, 1..=100 (default 20)", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, body = LeaderboardResponse),
        (status = 422, body = ValidationErrors),
        (status = 503, body = ErrorDetail),
    ))]
pub async fn get_leaderboard<S: Store>(
    State(state): State<AppState<S>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<LeaderboardResponse>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let mut errors = Vec::new();
    let limit = query.int_in("limit", DEFAULT_LIMIT, 1, MAX_LIMIT, &mut errors);
    let limit = finish(errors, limit)?;
    // 1..=100 fits the store's bounds, so any store error is the store's.
    let board = state.store().leaderboard(limit as usize).await?;
    // Names for entries recorded without one; past runs may have had other factions, so this is
    // only a best-effort label.
    let configured =
        |id: &str| state.configured_factions().iter().find(|f| f.id == id).map(|f| f.name.clone());
    Ok(Json(LeaderboardResponse {
        players: board
            .players
            .into_iter()
            .map(|p| LeaderboardPlayer { address: p.address, wins: p.wins })
            .collect(),
        factions: board
            .factions
            .into_iter()
            .map(|f| LeaderboardFaction {
                name: f.name.or_else(|| configured(&f.faction)).unwrap_or_else(|| f.faction.clone()),
                faction: f.faction,
                wins: f.wins,
            })
            .collect(),
    }))
}
