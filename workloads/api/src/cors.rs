//! CORS from `CORS_ALLOW_ORIGINS` (tower-http). Credentials are allowed only for an explicit
//! origin list (the reference combined `*` with credentials, KNOWN_DEFECTS A10). Requested
//! headers are mirrored: a `*` would not cover `Authorization`, which the UI sends.

use std::time::Duration;

use axum::http::{HeaderValue, Method};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use crate::config::CorsOrigins;

pub fn layer(origins: &CorsOrigins) -> CorsLayer {
    let base = CorsLayer::new()
        .allow_methods([
            Method::DELETE,
            Method::GET,
            Method::HEAD,
            Method::OPTIONS,
            Method::PATCH,
            Method::POST,
            Method::PUT,
        ])
        .allow_headers(AllowHeaders::mirror_request())
        .max_age(Duration::from_secs(600));
    match origins {
        CorsOrigins::Any => base.allow_origin(AllowOrigin::any()),
        CorsOrigins::List(list) => {
            // The configuration checked every origin is a valid header value.
            let values: Vec<HeaderValue> =
                list.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
            base.allow_origin(AllowOrigin::list(values)).allow_credentials(true)
        }
    }
}
