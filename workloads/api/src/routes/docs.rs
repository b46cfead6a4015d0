//! `GET /openapi.json`: the OpenAPI document generated from the handlers' annotations.

use std::sync::LazyLock;

use axum::http::StatusCode;
use axum::response::Response;
use utoipa::OpenApi;

use crate::error::raw_json_response;
use crate::openapi::ApiDoc;

static DOCUMENT: LazyLock<String> =
    LazyLock::new(|| ApiDoc::openapi().to_json().unwrap_or_else(|_| "{}".into()));

pub async fn openapi_json() -> Response {
    raw_json_response(StatusCode::OK, DOCUMENT.as_str())
}
