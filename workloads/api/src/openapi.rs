//! The OpenAPI 3 document, generated from the handlers' `#[utoipa::path]` annotations.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::routes::{admin, auth, events, factions, health, leaderboard, me, models, orders, snapshot};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sector API",
        description = "Wallet login, faction claims, orders, snapshot and events of the Sector real-time strategy game (WIRE.md §8)."
    ),
    paths(
        health::health,
        health::ready,
        health::metrics,
        auth::nonce,
        auth::verify,
        auth::logout,
        me::me,
        factions::list,
        factions::claim,
        leaderboard::get_leaderboard,
        snapshot::get_snapshot,
        events::list,
        orders::post_orders,
        admin::restart,
        admin::bots_only,
        admin::get_pause,
        admin::set_pause,
    ),
    components(schemas(
        models::ErrorDetail,
        models::ValidationErrors,
        models::ValidationItem,
        models::LocItem,
        models::StatusOk,
    )),
    modifiers(&Security),
    tags(
        (name = "service", description = "Health, readiness, metrics"),
        (name = "auth", description = "Wallet login (EIP-191 personal_sign) and sessions"),
        (name = "players", description = "Player and bot endpoints"),
        (name = "world", description = "Snapshot and event stream"),
        (name = "admin", description = "Run control, for ADMIN_ADDRESSES only"),
    )
)]
pub struct ApiDoc;

/// Security schemes: the session JWT and the bot token.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
            ),
        );
        components.add_security_scheme(
            "bot_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Bot-Token"))),
        );
    }
}
