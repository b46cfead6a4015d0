//! The frontend's own HTTP routes besides the UI, `/ws`, `/preview` and the proxy:
//! `/snapshot`, `/tail`, `/health`, `/ready`, `/metrics`.

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::error::FrontendError;
use crate::state::AppState;

/// Default `count` of `/tail`.
const DEFAULT_TAIL: usize = 50;

/// `GET /snapshot`: the stored snapshot; 404 `{"detail": "no snapshot yet"}` before the first.
pub async fn snapshot(State(state): State<AppState>) -> Result<Response, FrontendError> {
    let stored = state.reader().snapshot().await?.ok_or(FrontendError::NotFound("no snapshot yet"))?;
    Ok((
        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")],
        Body::from(stored.data),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct TailQuery {
    count: Option<String>,
}

/// `GET /tail?count=50`: the last `count` events (decoded, oldest first, no ids). `count` must be
/// 1..=`TAIL_MAX` (the reference had no bound and answered 500 to 0 or negatives).
pub async fn tail(
    State(state): State<AppState>,
    Query(query): Query<TailQuery>,
) -> Result<Response, FrontendError> {
    let max = state.config().tail_max;
    let count = match query.count.as_deref().map(str::trim) {
        None => DEFAULT_TAIL.min(max),
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if n >= 1 && usize::try_from(n).is_ok_and(|n| n <= max) => n as usize,
            Ok(_) => {
                return Err(FrontendError::bad_query(
                    "count",
                    raw,
                    format!("count must be between 1 and {max}"),
                ));
            }
            Err(_) => {
                return Err(FrontendError::BadQuery {
                    kind: "int_parsing",
                    param: "count",
                    input: Value::String(raw.to_owned()),
                    msg: "Input should be a valid integer, unable to parse string as an integer".into(),
                });
            }
        },
    };
    let entries = state.reader().latest_events(count).await?;
    // Raw values: each event goes out byte for byte as the sim wrote it (key order included).
    let events: Vec<&RawValue> = entries
        .iter()
        .filter_map(|e| e.data.as_deref())
        .filter_map(|d| serde_json::from_str(d).ok())
        .collect();
    Ok(Json(events).into_response())
}

/// `GET /health`: the process is up (liveness). It never touches the store: a Redis outage
/// must make the pods unready, not restart them.
pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /ready`: the hub follows the event stream and the store answers a ping now (the hub
/// notices an outage only when its current blocking read fails).
pub async fn ready(State(state): State<AppState>) -> Response {
    let unavailable =
        |detail: String| (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "detail": detail }))).into_response();
    if !state.hub().is_ready() {
        return unavailable("not following the event stream yet".into());
    }
    match state.reader().ping().await {
        Ok(()) => Json(json!({"status": "ready"})).into_response(),
        Err(error) => unavailable(format!("redis error: {error}")),
    }
}

/// `GET /metrics`: OpenMetrics text (on `METRICS_PORT` when that is set).
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        state.metrics().render(),
    )
        .into_response()
}

/// Unknown paths: `{"detail":"Not Found"}` (WIRE.md §1.1).
pub async fn not_found() -> FrontendError {
    FrontendError::NotFound("Not Found")
}
