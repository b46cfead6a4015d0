//! The route table. Handlers are small functions, one module per resource.

pub mod admin;
pub mod auth;
pub mod docs;
pub mod events;
pub mod factions;
pub mod fallback;
pub mod health;
pub mod leaderboard;
pub mod me;
pub mod models;
pub mod orders;
pub mod snapshot;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use sector_store::Store;

use crate::rate_limit::{limit_auth, limit_orders};
use crate::state::AppState;

/// Every routed path (for the trailing-slash redirect).
pub const PATHS: &[&str] = &[
    "/health",
    "/ready",
    "/metrics",
    "/openapi.json",
    "/auth/nonce",
    "/auth/verify",
    "/auth/logout",
    "/me",
    "/factions",
    "/factions/claim",
    "/leaderboard",
    "/snapshot",
    "/events",
    "/orders",
    "/admin/restart",
    "/admin/bots-only",
    "/admin/pause",
];

/// The routes with their state; cross-cutting layers are added by [`crate::router`]. `/metrics`
/// is routed here only when no separate metrics port is configured.
pub fn routes<S: Store>(state: AppState<S>) -> Router {
    let metrics_here = state.config().metrics_port.is_none();
    let auth = Router::new()
        .route("/auth/nonce", post(auth::nonce::<S>))
        .route("/auth/verify", post(auth::verify::<S>))
        .route("/auth/logout", post(auth::logout::<S>))
        .route_layer(from_fn_with_state(state.clone(), limit_auth::<S>));
    let orders = Router::new()
        .route("/orders", post(orders::post_orders::<S>))
        .route_layer(from_fn_with_state(state.clone(), limit_orders::<S>));
    let mut router =
        Router::new().route("/health", get(health::health)).route("/ready", get(health::ready::<S>));
    if metrics_here {
        router = router.route("/metrics", get(health::metrics::<S>));
    }
    router
        .route("/openapi.json", get(docs::openapi_json))
        .route("/me", get(me::me::<S>))
        .route("/factions", get(factions::list::<S>))
        .route("/factions/claim", post(factions::claim::<S>))
        .route("/leaderboard", get(leaderboard::get_leaderboard::<S>))
        .route("/snapshot", get(snapshot::get_snapshot::<S>))
        .route("/events", get(events::list::<S>))
        .route("/admin/restart", post(admin::restart::<S>))
        .route("/admin/bots-only", post(admin::bots_only::<S>))
        .route("/admin/pause", get(admin::get_pause::<S>).post(admin::set_pause::<S>))
        .merge(auth)
        .merge(orders)
        .fallback(move |uri, headers| fallback::not_found(uri, headers, metrics_here))
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .with_state(state)
}

/// The metrics listener's routes (`METRICS_PORT`): `/metrics` only, JSON 404 for the rest.
pub fn metrics_routes<S: Store>(state: AppState<S>) -> Router {
    Router::new()
        .route("/metrics", get(health::metrics::<S>))
        .fallback(|| async { crate::error::ApiError::NotFound("Not Found") })
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .with_state(state)
}
