//! `POST /orders` (WIRE.md §8.9) with the checks the reference lacked (A8): a batch-size
//! cap, registry factions for bots, and system ids within the current map.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use sector_store::{DEFAULT_ORDER_MAX_LEN, PlayerBatch, PlayerOrders, PlayerOrdersOutcome, Store};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::models::{ErrorDetail, ValidationErrors};
use crate::auth::{BOT_TOKEN_HEADER, Bearer, MaybeBearer, SESSION_EXPIRED, has_live_session, is_bot};
use crate::error::ApiError;
use crate::read_cache::SnapshotView;
use crate::state::AppState;
use crate::validation::{FieldError, Fields, JsonBody, body_object, loc, not_an_object};

/// One order as posted.
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
pub struct OrderIn {
    pub faction: String,
    /// System to launch from (0 ≤ id < number of systems).
    pub origin_id: i64,
    /// Destination system; need not be adjacent (multi-hop route).
    pub target_id: i64,
    pub reason: Option<String>,
    /// Ignored: the API sets the source.
    pub source: Option<String>,
    /// A specific fleet (rally orders).
    pub fleet_id: Option<i64>,
}

/// `POST /orders` body.
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
pub struct OrdersRequest {
    /// At most `MAX_ORDERS_PER_REQUEST` (200) orders; may be empty.
    pub orders: Vec<OrderIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrdersResponse {
    /// Stream entry id of the appended batch, or `skipped` when a bot batch had nothing left.
    pub id: String,
}

/// An order as appended to the order stream (WIRE.md §6.1): nulls omitted, source set.
#[derive(Debug, Serialize)]
struct OrderOut<'a> {
    faction: &'a str,
    origin_id: i64,
    target_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fleet_id: Option<i64>,
    source: &'static str,
}

#[derive(Serialize)]
struct BatchOut<'a> {
    orders: Vec<OrderOut<'a>>,
}

impl OrdersRequest {
    /// Shape and type checks (422), with at most `max` orders.
    pub fn validate(body: &Value, max: usize) -> Result<Self, ApiError> {
        let object = body_object(body)?;
        let prefix = [json!("body")];
        let items = match object.get("orders") {
            None => {
                return Err(ApiError::Validation(vec![FieldError::missing(
                    loc(&prefix, "orders"),
                    body.clone(),
                )]));
            }
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "list_type",
                    loc(&prefix, "orders"),
                    "Input should be a valid list",
                    other.clone(),
                )]));
            }
        };
        if items.len() > max {
            return Err(ApiError::Validation(vec![
                FieldError::new(
                    "too_long",
                    loc(&prefix, "orders"),
                    format!("List should have at most {max} items after validation, not {}", items.len()),
                    Value::Array(items.clone()),
                )
                .with_ctx(json!({"field_type": "List", "max_length": max, "actual_length": items.len()})),
            ]));
        }
        let mut errors = Vec::new();
        let mut orders = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let at = vec![json!("body"), json!("orders"), json!(i)];
            let Some(object) = item.as_object() else {
                errors.push(not_an_object(at, item));
                continue;
            };
            let mut f = Fields { object, prefix: at, errors: &mut errors };
            let order = (
                f.required_str("faction"),
                f.required_int("origin_id"),
                f.required_int("target_id"),
                f.optional_str("reason"),
                f.optional_str("source"),
                f.optional_int("fleet_id"),
            );
            if let (
                Some(faction),
                Some(origin_id),
                Some(target_id),
                Some(reason),
                Some(source),
                Some(fleet_id),
            ) = order
            {
                orders.push(OrderIn { faction, origin_id, target_id, reason, source, fleet_id });
            }
        }
        if errors.is_empty() { Ok(Self { orders }) } else { Err(ApiError::Validation(errors)) }
    }
}

/// System ids within the current map (fleet ids non-negative); 422 naming every bad id.
fn check_ids(orders: &[OrderIn], snapshot: Option<&SnapshotView>) -> Result<(), ApiError> {
    // Without a snapshot (or one without systems) only the id type's range can be checked.
    let limit = snapshot.and_then(|s| s.systems).map(|n| n as i64).unwrap_or(i64::from(u32::MAX) + 1);
    let mut errors = Vec::new();
    for (i, order) in orders.iter().enumerate() {
        let at = |field: &str| vec![json!("body"), json!("orders"), json!(i), json!(field)];
        for (field, id) in [("origin_id", order.origin_id), ("target_id", order.target_id)] {
            if id < 0 {
                errors.push(FieldError::too_small(at(field), id, 0));
            } else if id >= limit {
                errors.push(FieldError::not_less_than(at(field), id, limit));
            }
        }
        if let Some(fleet) = order.fleet_id.filter(|f| *f < 0) {
            errors.push(FieldError::too_small(at("fleet_id"), fleet, 0));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

/// Factions a bot may command: the League and the current snapshot's registry (the run's
/// configured factions and its rebels); before the first snapshot, the game config's factions.
/// The API's config may lag the run (its factions change only with a new run), so the
/// registry, not the config, decides once there is one.
fn check_bot_factions<S: Store>(
    state: &AppState<S>,
    orders: &[OrderIn],
    snapshot: Option<&SnapshotView>,
) -> Result<(), ApiError> {
    let known = |id: &str| {
        id == state.league_id()
            || match snapshot.filter(|s| !s.factions.is_empty()) {
                Some(s) => s.factions.iter().any(|f| f == id),
                None => state.configured_factions().iter().any(|f| f.id == id),
            }
    };
    match orders.iter().find(|o| !known(&o.faction)) {
        Some(order) => Err(ApiError::bad_request(format!("unknown faction: {}", order.faction))),
        None => Ok(()),
    }
}

/// The batch as appended to the order stream.
fn encode(orders: &[&OrderIn], source: &'static str) -> Result<String, ApiError> {
    let batch = BatchOut {
        orders: orders
            .iter()
            .map(|o| OrderOut {
                faction: &o.faction,
                origin_id: o.origin_id,
                target_id: o.target_id,
                reason: o.reason.as_deref(),
                fleet_id: o.fleet_id,
                source,
            })
            .collect(),
    };
    serde_json::to_string(&batch).map_err(|e| ApiError::Unavailable(format!("encoding orders: {e}")))
}

/// Queues orders for the next tick. Bots (`X-Bot-Token`) may order any registry faction no
/// human holds (orders for claimed factions are dropped); players only their own faction.
#[utoipa::path(post, path = "/orders", tag = "players", request_body = OrdersRequest,
    security(("bearer" = []), ("bot_token" = [])),
    responses(
        (status = 200, body = OrdersResponse),
        (status = 400, description = "unknown faction (bots)", body = ErrorDetail),
        (status = 401, description = "missing authorization: … | invalid bot token: … | bot access is disabled: … | invalid token | session expired …", body = ErrorDetail),
        (status = 403, description = "faction not claimed | order faction mismatch", body = ErrorDetail),
        (status = 413, body = ErrorDetail),
        (status = 422, description = "invalid body, too many orders, ids out of range", body = ValidationErrors),
        (status = 429, description = "rate limit exceeded", body = ErrorDetail),
        (status = 503, body = ErrorDetail),
    ))]
pub async fn post_orders<S: Store>(
    State(state): State<AppState<S>>,
    MaybeBearer(bearer): MaybeBearer,
    headers: HeaderMap,
    // A body error waits: a player's expired session is reported first (401 before 422), and
    // the session is checked in the same store call as the rest.
    body: Result<JsonBody, ApiError>,
) -> Result<Json<OrdersResponse>, ApiError> {
    let body = body.map(|JsonBody(value)| value);
    let count =
        body.as_ref().ok().and_then(|b| b.get("orders")).and_then(Value::as_array).map_or(0, Vec::len);
    let bot = is_bot(&state, &headers);
    let result = match (bot, body, bearer) {
        (true, body, bearer) => match (body, bearer) {
            // A bot request that also carries a player token must carry a live one (as
            // everywhere an `Authorization` header is present).
            (_, Some(bearer)) if !has_live_session(&state, &bearer).await? => Err(SESSION_EXPIRED),
            (Ok(body), _) => bot_orders(&state, &body).await,
            (Err(error), _) => Err(error),
        },
        (false, body, Some(bearer)) => player_orders(&state, &bearer, body).await,
        // Without any credential the body is judged first (as in the reference).
        (false, body, None) => body
            .and_then(|b| OrdersRequest::validate(&b, state.config().max_orders))
            .and(Err(no_credential(&state, &headers))),
    };
    if let Err(error) = &result
        && error.status().is_client_error()
    {
        state.metrics().orders(if bot { "bot" } else { "human" }, "rejected", count);
    }
    result.map(|id| Json(OrdersResponse { id }))
}

/// The 401 for an order with neither a player token nor a valid bot token; it names the headers,
/// since bot authors otherwise cannot tell which one the API expects.
fn no_credential<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> ApiError {
    if !headers.contains_key(BOT_TOKEN_HEADER) {
        return ApiError::Unauthorized(
            "missing authorization: players send Authorization: Bearer <token>, bots X-Bot-Token: <BOT_API_TOKEN>",
        );
    }
    if state.config().bot_token.is_empty() {
        ApiError::Unauthorized("bot access is disabled: the API has no BOT_API_TOKEN")
    } else {
        ApiError::Unauthorized("invalid bot token: X-Bot-Token does not match the API's BOT_API_TOKEN")
    }
}

async fn bot_orders<S: Store>(state: &AppState<S>, body: &Value) -> Result<String, ApiError> {
    let batch = OrdersRequest::validate(body, state.config().max_orders)?;
    let store = state.store();
    let mut snapshot = state.reads().snapshot(store).await?;
    if check_bot_factions(state, &batch.orders, snapshot.as_deref()).is_err() {
        // The bot may already play a faction born in the newest tick (a rebel) that the cached
        // snapshot predates: judge by the stored snapshot before refusing the whole batch.
        snapshot = state.reads().snapshot_now(store).await?;
        check_bot_factions(state, &batch.orders, snapshot.as_deref())?;
    }
    check_ids(&batch.orders, snapshot.as_deref())?;
    let claims = state.reads().claims(store).await?;
    let kept: Vec<&OrderIn> = batch.orders.iter().filter(|o| !claims.humans.contains(&o.faction)).collect();
    state.metrics().orders("bot", "dropped", batch.orders.len() - kept.len());
    if kept.is_empty() {
        return Ok("skipped".to_owned());
    }
    let id = store.append_orders(&encode(&kept, "bot")?, DEFAULT_ORDER_MAX_LEN).await?;
    state.metrics().orders("bot", "accepted", kept.len());
    Ok(id.to_string())
}

/// A player's orders, in one store call: everything that needs no store is worked out first,
/// and the batch goes along only when nothing but the session and the claim can refuse it.
/// Errors keep their order: session (401), body (422), claim (403), ids (422).
async fn player_orders<S: Store>(
    state: &AppState<S>,
    bearer: &Bearer,
    body: Result<Value, ApiError>,
) -> Result<String, ApiError> {
    let batch = body.and_then(|b| OrdersRequest::validate(&b, state.config().max_orders));
    let ids = match &batch {
        Ok(batch) => check_ids(&batch.orders, state.reads().snapshot(state.store()).await?.as_deref()),
        Err(_) => Ok(()),
    };
    // The faction every order names (`None` for an empty batch); a mixed batch cannot pass.
    let faction = batch.as_ref().ok().and_then(|batch| match batch.orders.split_first() {
        None => Some(None),
        Some((first, rest)) => {
            rest.iter().all(|o| o.faction == first.faction).then_some(Some(first.faction.as_str()))
        }
    });
    let text = match (&batch, &ids, faction) {
        (Ok(batch), Ok(()), Some(_)) => Some(encode(&batch.orders.iter().collect::<Vec<_>>(), "human")?),
        _ => None,
    };
    let claims = state.reads().universe_hint(state.store()).await?;
    let request = PlayerOrders {
        jti: &bearer.jti,
        address: &bearer.address,
        universe_hint: claims.as_deref().map(|view| view.universe.as_str()),
        batch: text.as_deref().zip(faction).map(|(json, faction)| PlayerBatch {
            faction,
            json,
            max_len: DEFAULT_ORDER_MAX_LEN,
        }),
    };
    let outcome = state.store().player_orders(request).await?;
    let batch = match outcome {
        PlayerOrdersOutcome::NoSession => return Err(SESSION_EXPIRED),
        PlayerOrdersOutcome::Appended { id } => {
            state.metrics().orders("human", "accepted", batch.map_or(0, |b| b.orders.len()));
            return Ok(id.to_string());
        }
        _ => batch?,
    };
    let PlayerOrdersOutcome::Claimed { faction: mine } = outcome else {
        return Err(ApiError::Forbidden("faction not claimed"));
    };
    if batch.orders.iter().any(|o| o.faction != mine) {
        return Err(ApiError::Forbidden("order faction mismatch"));
    }
    ids?;
    // Not reached: a valid batch naming the claimed faction is always sent along, and the
    // store appends it in the same call that found the claim. Answered as retryable, not a panic.
    Err(ApiError::Unavailable("the order could not be queued; try again".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(result: Result<OrdersRequest, ApiError>) -> Vec<(String, Vec<Value>)> {
        match result {
            Err(ApiError::Validation(items)) => {
                items.into_iter().map(|e| (e.kind.to_owned(), e.loc)).collect()
            }
            other => panic!("expected validation errors, got {other:?}"),
        }
    }

    #[test]
    fn coerces_and_drops_unknown_keys() {
        let body = json!({"orders": [
            {"faction": "F1", "origin_id": "5", "target_id": 2.0, "reason": null, "fleet_id": true, "extra": 1},
        ]});
        let batch = OrdersRequest::validate(&body, 200).unwrap();
        assert_eq!(
            batch.orders,
            [OrderIn {
                faction: "F1".into(),
                origin_id: 5,
                target_id: 2,
                reason: None,
                source: None,
                fleet_id: Some(1)
            }]
        );
    }

    #[test]
    fn reports_every_problem_with_its_location() {
        let body = json!({"orders": [{"faction": 1, "origin_id": 1.5, "target_id": "x"}, 7, {"origin_id": 1, "target_id": 2}]});
        let got = errors(OrdersRequest::validate(&body, 200));
        let kinds: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            ["string_type", "int_from_float", "int_parsing", "model_attributes_type", "missing"]
        );
        assert_eq!(got[4].1, vec![json!("body"), json!("orders"), json!(2), json!("faction")]);
        assert_eq!(errors(OrdersRequest::validate(&json!({"orders": {}}), 200))[0].0, "list_type");
        assert_eq!(errors(OrdersRequest::validate(&json!({}), 200))[0].0, "missing");
        assert_eq!(errors(OrdersRequest::validate(&json!([]), 200))[0].0, "model_attributes_type");
        let many = json!({"orders": vec![json!({}); 3]});
        assert_eq!(errors(OrdersRequest::validate(&many, 2))[0].0, "too_long");
    }

    #[test]
    fn ids_against_the_map() {
        let order = |o: i64, t: i64| OrderIn {
            faction: "F1".into(),
            origin_id: o,
            target_id: t,
            reason: None,
            source: None,
            fleet_id: Some(-1),
        };
        let view = SnapshotView {
            json: Default::default(),
            systems: Some(30),
            factions: vec![],
            claimable: Default::default(),
        };
        let Err(ApiError::Validation(e)) = check_ids(&[order(-1, 30)], Some(&view)) else { panic!() };
        assert_eq!(
            e.iter().map(|e| e.kind).collect::<Vec<_>>(),
            ["greater_than_equal", "less_than", "greater_than_equal"]
        );
        let mut ok = order(0, 29);
        ok.fleet_id = None;
        assert!(check_ids(&[ok.clone()], Some(&view)).is_ok());
        ok.target_id = 4_000_000_000;
        assert!(check_ids(&[ok], None).is_ok(), "no map: only the id type's range");
    }
}
