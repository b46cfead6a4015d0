//! Property: arbitrary JSON bodies, raw bytes, content types, credentials and query strings
//! on every route never produce a 5xx (the in-process store never fails, so any 5xx would
//! be the API's own fault).

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use common::{BOT_TOKEN, TestApi, Wallet, memory_api, seed_world};
use proptest::prelude::*;
use sector_store::MemoryStore;
use serde_json::Value;

const ROUTES: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("POST", "/auth/nonce"),
    ("POST", "/auth/verify"),
    ("POST", "/auth/logout"),
    ("GET", "/me"),
    ("GET", "/factions"),
    ("POST", "/factions/claim"),
    ("GET", "/snapshot"),
    ("GET", "/events"),
    ("POST", "/orders"),
    ("POST", "/admin/restart"),
    ("POST", "/admin/bots-only"),
    ("GET", "/admin/pause"),
    ("POST", "/admin/pause"),
    ("PUT", "/orders"),
    ("GET", "/me/"),
    ("POST", "/nowhere"),
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("F1"),
            Just("F2"),
            Just("L"),
            Just("R3"),
            Just("0x0101010101010101010101010101010101010101"),
            Just("5"),
            Just("1.0"),
            Just(" 7 ")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("orders".to_owned()),
                        Just("faction".to_owned()),
                        Just("origin_id".to_owned()),
                        Just("target_id".to_owned()),
                        Just("fleet_id".to_owned()),
                        Just("reason".to_owned()),
                        Just("source".to_owned()),
                        Just("address".to_owned()),
                        Just("signature".to_owned()),
                        "[a-z_]{1,8}",
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// An order that is often valid: known factions, ids around the map's bounds, coercible types.
fn order() -> impl Strategy<Value = Value> {
    let faction = prop_oneof![Just("F1"), Just("F2"), Just("L"), Just("R1"), Just("Q")];
    let id = prop_oneof![
        4 => (-2i64..35).prop_map(Value::from),
        1 => (0i64..30).prop_map(|n| Value::String(format!(" {n} "))),
        1 => Just(Value::from(2.0)),
        1 => Just(Value::Bool(true)),
        1 => json_value(),
    ];
    let optional = prop_oneof![Just(Value::Null), "[a-z-]{0,12}".prop_map(Value::String), json_value()];
    (faction, id.clone(), id.clone(), optional.clone(), optional, prop::option::of(id)).prop_map(|(f, o, t, reason, source, fleet)| {
        let mut order = serde_json::json!({"faction": f, "origin_id": o, "target_id": t, "reason": reason, "source": source});
        if let Some(fleet) = fleet {
            order["fleet_id"] = fleet;
        }
        order
    })
}

/// A body: arbitrary JSON (often shaped like an orders batch), raw bytes, or nothing.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(order(), 0..5).prop_map(|orders| serde_json::json!({"orders": orders}).to_string().into_bytes()),
        3 => json_value().prop_map(|v| v.to_string().into_bytes()),
        2 => prop::collection::vec(json_value(), 0..4).prop_map(|orders| serde_json::json!({"orders": orders}).to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => Just(Vec::new()),
    ]
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![Just("after"), Just("count"), Just("seed"), Just("paused"), Just("x")];
    let value = prop_oneof!["[ -~]{0,10}", "-?[0-9]{1,25}(-[0-9]{0,22})?", "%[0-9A-F]{2}", "[0-9._+ -]{0,6}"];
    prop_oneof![
        prop::collection::vec((key, value), 0..4).prop_map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", v.replace(['&', '#', ' '], "%20")))
                .collect::<Vec<_>>()
                .join("&")
        }),
        "[!-~&&[^#]]{0,20}",
    ]
}

#[derive(Debug, Clone)]
enum Auth {
    None,
    Player,
    Admin,
    Garbage(String),
    Bot,
    WrongBot,
}

fn auth() -> impl Strategy<Value = Auth> {
    prop_oneof![
        Just(Auth::None),
        Just(Auth::Player),
        Just(Auth::Admin),
        "[ -~]{0,30}".prop_map(Auth::Garbage),
        Just(Auth::Bot),
        Just(Auth::WrongBot),
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        Just(Some("application/json")),
        Just(None),
        Just(Some("application/json; charset=utf-8")),
        Just(Some("application/merge-patch+json")),
        Just(Some("text/plain")),
        Just(Some("application/x-www-form-urlencoded")),
    ]
}

struct Fixture {
    runtime: tokio::runtime::Runtime,
    api: TestApi<MemoryStore>,
    player: String,
    admin: String,
}

fn fixture() -> Fixture {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let api = memory_api(&[("MAX_ORDERS_PER_REQUEST", "3")]);
    let (player, admin) = runtime.block_on(async {
        seed_world(&api.store).await;
        let player = api.login(&Wallet::new(1)).await;
        api.post("/factions/claim", Some(&player), serde_json::json!({"faction": "F1"})).await;
        let admin = api.login(&Wallet::new(common::ADMIN)).await;
        (player, admin)
    });
    Fixture { runtime, api, player, admin }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_input_produces_a_server_error(
        route in prop::sample::select(ROUTES),
        query in query(),
        body in body(),
        content_type in content_type(),
        auth in auth(),
    ) {
        thread_local! {
            static FIXTURE: Fixture = fixture();
        }
        FIXTURE.with(|f| {
            let (method, path) = route;
            let uri = if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") };
            let mut request = Request::builder().method(Method::from_bytes(method.as_bytes()).unwrap()).uri(&uri);
            if let Some(ct) = content_type {
                request = request.header("content-type", ct);
            }
            request = match &auth {
                Auth::None => request,
                Auth::Player => request.header("authorization", format!("Bearer {}", f.player)),
                Auth::Admin => request.header("authorization", format!("Bearer {}", f.admin)),
                Auth::Garbage(g) => match axum::http::HeaderValue::from_str(g) {
                    Ok(v) => request.header("authorization", v),
                    Err(_) => request,
                },
                Auth::Bot => request.header("x-bot-token", BOT_TOKEN),
                Auth::WrongBot => request.header("x-bot-token", "nope"),
            };
            let Ok(request) = request.body(Body::from(body.clone())) else {
                return Ok(()); // a query the URI parser refuses never reaches a server
            };
            let reply = f.runtime.block_on(f.api.send(request));
            prop_assert!(
                reply.status.as_u16() < 500,
                "{method} {uri} ({content_type:?}, {auth:?}) body {:?} -> {} {:?}",
                String::from_utf8_lossy(&body), reply.status, reply.body
            );
            // Errors always carry a `detail`.
            if reply.status.is_client_error() && reply.status.as_u16() != 307 {
                prop_assert!(reply.body.get("detail").is_some(), "{uri}: {:?}", reply.body);
            }
            Ok(())
        })?;
    }
}
