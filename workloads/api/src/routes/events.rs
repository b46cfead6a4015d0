//! `GET /events` (WIRE.md §8.8), with a bounded `count` and a validated `after` id (the
//! reference answered 500 for both).

use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use sector_store::{EntryId, Store};
use serde_json::json;

use super::models::{ErrorDetail, ValidationErrors};
use crate::error::{ApiError, raw_json_response};
use crate::json_text;
use crate::state::AppState;
use crate::validation::{FieldError, Query, finish};

/// Largest `count`.
pub const MAX_EVENTS: i64 = 1000;
const ID_PATTERN: &str = r"^\d+(-\d+)?$";

/// A stream id `ms-seq` or `ms` of plain digits.
fn parse_id(raw: &str) -> Option<EntryId> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (ms, seq) = raw.split_once('-').unwrap_or((raw, "0"));
    if !digits(ms) || !digits(seq) {
        return None;
    }
    Some(EntryId::new(ms.parse().ok()?, seq.parse().ok()?))
}

/// Events strictly after `after`, oldest first, each with its stream id as `id`.
#[utoipa::path(get, path = "/events", tag = "world",
    params(
        ("after" = Option<String>, Query, description = "stream id to read after (default 0-0)", pattern = r"^\d+(-\d+)?$"),
        ("count" = Option<i64>, Query, description = "1..=1000 (default 100)", minimum = 1, maximum = 1000),
    ),
    responses(
        (status = 200, description = "Event objects (WIRE.md §5) with `id`", body = Vec<Object>),
        (status = 422, body = ValidationErrors),
        (status = 503, body = ErrorDetail),
    ))]
pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref());
    let mut errors = Vec::new();
    let after = match query.get("after") {
        None => Some(EntryId::ZERO),
        Some(raw) => {
            let id = parse_id(raw);
            if id.is_none() {
                errors.push(
                    FieldError::new(
                        "string_pattern_mismatch",
                        vec![json!("query"), json!("after")],
                        format!("String should match pattern '{ID_PATTERN}'"),
                        json!(raw),
                    )
                    .with_ctx(json!({ "pattern": ID_PATTERN })),
                );
            }
            id
        }
    };
    let count = query.int_in("count", 100, 1, MAX_EVENTS, &mut errors);
    let (after, count) = finish(errors, after.zip(count))?;
    let entries = state.store().read_events_after(after, count as usize, Duration::ZERO).await?;
    let mut body = String::from("[");
    for entry in entries {
        let id = entry.id.to_string();
        match entry.data.as_deref().and_then(|data| json_text::with_id(data, &id)) {
            Some(event) => {
                if body.len() > 1 {
                    body.push(',');
                }
                body.push_str(&event);
            }
            None => tracing::warn!(%id, "event entry without a JSON object in `data`; skipped"),
        }
    }
    body.push(']');
    Ok(raw_json_response(StatusCode::OK, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(parse_id("0-0"), Some(EntryId::ZERO));
        assert_eq!(parse_id("17"), Some(EntryId::new(17, 0)));
        assert_eq!(parse_id("1700000000000-3"), Some(EntryId::new(1_700_000_000_000, 3)));
        for bad in ["", "-", "1-", "-1", "+1", "a-1", "1-2-3", "99999999999999999999-0", "$"] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }
}
