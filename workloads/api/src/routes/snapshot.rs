//! `GET /snapshot` (WIRE.md §8.7).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use sector_store::Store;

use super::models::ErrorDetail;
use crate::error::{ApiError, raw_json_response};
use crate::state::AppState;

/// The stored snapshot (WIRE.md §4), as the sim saved it.
#[utoipa::path(get, path = "/snapshot", tag = "world",
    responses(
        (status = 200, description = "Snapshot object (WIRE.md §4)", body = Object),
        (status = 404, description = "no snapshot yet", body = ErrorDetail),
        (status = 503, body = ErrorDetail),
    ))]
pub async fn get_snapshot<S: Store>(State(state): State<AppState<S>>) -> Result<Response, ApiError> {
    match state.reads().snapshot(state.store()).await? {
        Some(view) => Ok(raw_json_response(StatusCode::OK, view.json.clone())),
        None => Err(ApiError::NotFound("no snapshot yet")),
    }
}
