//! Admin control (WIRE.md §8.10–§8.13), for addresses in `ADMIN_ADDRESSES` only (A1).
//! Actions go through the state's [`crate::control_writer::ControlWriter`]: the control hash the
//! sim obeys, or, in an operator-managed universe, the `SectorUniverse` spec.

use axum::Json;
use axum::extract::{RawQuery, State};
use sector_store::Store;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::models::{ErrorDetail, ValidationErrors};
use crate::auth::{Admin, Player};
use crate::error::ApiError;
use crate::state::AppState;
use crate::validation::{FieldError, Query, finish};

/// Longest accepted restart seed.
pub const MAX_SEED_CHARS: usize = 256;

#[derive(Debug, Serialize, ToSchema)]
pub struct RestartResponse {
    /// Always `queued`: the sim restarts at its next iteration.
    pub status: String,
    /// The universe id the new run will have.
    pub universe_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BotsOnlyResponse {
    pub status: String,
    pub universe_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PauseResponse {
    pub paused: bool,
    pub universe_id: String,
}

/// The id the sim gives the next run (its rule): the successor of a numeric id; a free-form
/// id gets a numbered suffix.
pub fn next_universe(current: &str) -> String {
    if let Ok(n) = current.parse::<u64>() {
        return n.saturating_add(1).to_string();
    }
    match current.rsplit_once('-') {
        Some((stem, n)) if n.parse::<u64>().is_ok() => {
            format!("{stem}-{}", n.parse::<u64>().unwrap_or(0).saturating_add(1))
        }
        _ => format!("{current}-2"),
    }
}

/// Ends the current run and starts a new map (optionally from `seed`). Like the reference's
/// per-universe flags, the new run starts unpaused and open to human claims.
#[utoipa::path(post, path = "/admin/restart", tag = "admin", security(("bearer" = [])),
    params(("seed" = Option<String>, Query, description = "map seed (empty = random)", max_length = 256)),
    responses(
        (status = 200, body = RestartResponse),
        (status = 401, description = "missing authorization | invalid token | session expired …", body = ErrorDetail),
        (status = 403, description = "admin only", body = ErrorDetail),
        (status = 422, body = ValidationErrors),
        (status = 503, body = ErrorDetail),
    ))]
pub async fn restart<S: Store>(
    State(state): State<AppState<S>>,
    Admin(admin): Admin,
    RawQuery(raw): RawQuery,
) -> Result<Json<RestartResponse>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let seed = query.get("seed").filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(seed) = &seed
        && seed.chars().count() > MAX_SEED_CHARS
    {
        let error = FieldError::new(
            "string_too_long",
            vec![json!("query"), json!("seed")],
            format!("String should have at most {MAX_SEED_CHARS} characters"),
            json!(seed),
        )
        .with_ctx(json!({ "max_length": MAX_SEED_CHARS }));
        return finish(vec![error], None);
    }
    let store = state.store();
    let universe = store.universe_id().await?;
    let generation = state.control_writer().restart(store, seed.clone()).await?;
    let next = next_universe(&universe);
    tracing::info!(admin = %admin.address, generation, ?seed, next, "restart requested");
    Ok(Json(RestartResponse { status: "queued".into(), universe_id: next }))
}

/// Evicts all human players of the run and lets the bots play every faction.
#[utoipa::path(post, path = "/admin/bots-only", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, body = BotsOnlyResponse),
        (status = 401, description = "missing authorization | invalid token | session expired …", body = ErrorDetail),
        (status = 403, description = "admin only", body = ErrorDetail),
        (status = 503, body = ErrorDetail),
    ))]
pub async fn bots_only<S: Store>(
    State(state): State<AppState<S>>,
    Admin(admin): Admin,
) -> Result<Json<BotsOnlyResponse>, ApiError> {
    let store = state.store();
    let universe = store.universe_id().await?;
    let cleared = state.control_writer().bots_only(store, &universe).await?;
    tracing::info!(admin = %admin.address, universe, cleared, "bots-only run");
    Ok(Json(BotsOnlyResponse { status: "ok".into(), universe_id: universe }))
}

/// Whether the run is paused. Any signed-in player may read it: the reference web UI asks
/// for every player to show the pause state; only changing it is admin-only.
#[utoipa::path(get, path = "/admin/pause", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, body = PauseResponse),
        (status = 401, description = "missing authorization | invalid token | session expired …", body = ErrorDetail),
        (status = 503, body = ErrorDetail),
    ))]
pub async fn get_pause<S: Store>(
    State(state): State<AppState<S>>,
    _player: Player,
) -> Result<Json<PauseResponse>, ApiError> {
    let universe = state.store().universe_id().await?;
    let paused = state.store().control(&universe).await?.paused;
    Ok(Json(PauseResponse { paused, universe_id: universe }))
}

/// Pauses or resumes the run (`paused` absent: toggle).
#[utoipa::path(post, path = "/admin/pause", tag = "admin", security(("bearer" = [])),
    params(("paused" = Option<bool>, Query, description = "true/false, 1/0, yes/no, on/off, t/f, y/n; absent = toggle")),
    responses(
        (status = 200, body = PauseResponse),
        (status = 401, description = "missing authorization | invalid token | session expired …", body = ErrorDetail),
        (status = 403, description = "admin only", body = ErrorDetail),
        (status = 422, body = ValidationErrors),
        (status = 503, body = ErrorDetail),
    ))]
pub async fn set_pause<S: Store>(
    State(state): State<AppState<S>>,
    Admin(admin): Admin,
    RawQuery(raw): RawQuery,
) -> Result<Json<PauseResponse>, ApiError> {
    let mut errors = Vec::new();
    let requested = Query::parse(raw.as_deref()).bool("paused", &mut errors);
    let requested = finish(errors, requested)?;
    let store = state.store();
    let universe = store.universe_id().await?;
    let paused = match requested {
        Some(p) => p,
        None => !state.control_writer().paused(store, &universe).await?,
    };
    state.control_writer().set_paused(store, paused).await?;
    tracing::info!(admin = %admin.address, paused, "pause set");
    Ok(Json(PauseResponse { paused, universe_id: universe }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_ids() {
        assert_eq!(next_universe("1"), "2");
        assert_eq!(next_universe("run-x"), "run-x-2");
        assert_eq!(next_universe("run-x-2"), "run-x-3");
    }
}
