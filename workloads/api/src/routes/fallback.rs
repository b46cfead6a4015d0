//! Answers for requests no route handles (WIRE.md §1.1): 404, 405 and the 307 redirect of a
//! path that matches a route after adding or removing one trailing slash.

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::PATHS;
use crate::error::{ApiError, json_response};

/// The same path with one trailing slash removed or added.
fn other_form(path: &str) -> String {
    match path.strip_suffix('/') {
        Some(stripped) if !stripped.is_empty() => stripped.to_owned(),
        _ => format!("{path}/"),
    }
}

/// 404, or a 307 to the routed form of the path. `metrics_routed`: whether `/metrics` is served
/// on this listener (not with `METRICS_PORT`, where `/metrics/` must not point at it either).
pub async fn not_found(uri: Uri, headers: HeaderMap, metrics_routed: bool) -> Response {
    let other = other_form(uri.path());
    if !PATHS.contains(&other.as_str()) || (!metrics_routed && other == "/metrics") {
        return ApiError::NotFound("Not Found").into_response();
    }
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let location = match host {
        Some(host) => format!("http://{host}{other}{query}"),
        None => format!("{other}{query}"),
    };
    match HeaderValue::from_str(&location) {
        Ok(value) => (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, value)]).into_response(),
        Err(_) => ApiError::NotFound("Not Found").into_response(),
    }
}

pub async fn method_not_allowed() -> Response {
    json_response(StatusCode::METHOD_NOT_ALLOWED, &serde_json::json!({"detail": "Method Not Allowed"}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(other_form("/me/"), "/me");
        assert_eq!(other_form("/me"), "/me/");
        assert_eq!(other_form("/"), "//");
    }
}
