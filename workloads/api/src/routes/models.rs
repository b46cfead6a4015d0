//! Wire shapes shared by several routes, documented for `/openapi.json`.

use serde::Serialize;
use utoipa::ToSchema;

/// Every error except 422: `{"detail": "<message>"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub detail: String,
}

/// One element of a validation error's `loc`: a name or a list index / character offset.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documentation only: the errors are built by `validation::FieldError`
pub enum LocItem {
    Name(String),
    Index(i64),
}

/// One validation problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationItem {
    /// e.g. `missing`, `string_type`, `int_parsing`, `json_invalid`.
    #[serde(rename = "type")]
    pub kind: String,
    pub loc: Vec<LocItem>,
    pub msg: String,
    /// The offending value (any JSON).
    pub input: serde_json::Value,
    pub ctx: Option<serde_json::Value>,
}

/// 422: `{"detail": [<problem>, …]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationErrors {
    pub detail: Vec<ValidationItem>,
}

/// `{"status": "ok"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusOk {
    pub status: String,
}

impl StatusOk {
    pub fn new(status: &str) -> Self {
        Self { status: status.to_owned() }
    }
}
