//! Every documented error, with its status and message (WIRE.md §1.1, §8 and the fixes of
//! KNOWN_DEFECTS A), and 5xx only when the store is down.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{BOT_TOKEN, JWT_SECRET, TestApi, Wallet, memory_api, redis_api, seed_world, sign_token};
use sector_store::Store;
use serde_json::{Value, json};

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test]
async fn nonce_errors() {
    let api = memory_api(&[]);
    for bad in [
        "0x12",
        "0xzz23456789abcdef0123456789abcdef01234567",
        "1x0123456789abcdef0123456789abcdef01234567",
        "",
    ] {
        let reply = api.post("/auth/nonce", None, json!({"address": bad})).await;
        assert_eq!(
            (reply.status, reply.detail()),
            (StatusCode::BAD_REQUEST, "invalid wallet address"),
            "{bad}"
        );
    }
    let reply = api.post("/auth/nonce", None, json!({"address": 5})).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.body["detail"][0],
        json!({"type": "string_type", "loc": ["body", "address"], "msg": "Input should be a valid string", "input": 5})
    );
    let reply = api.post("/auth/nonce", None, json!({"addr": "x"})).await;
    assert_eq!(
        reply.body["detail"][0],
        json!({"type": "missing", "loc": ["body", "address"], "msg": "Field required", "input": {"addr": "x"}})
    );
    let reply = api.call(Method::POST, "/auth/nonce", None, None).await;
    assert_eq!(
        reply.body,
        json!({"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": null}]})
    );
    let reply = api.post("/auth/nonce", None, json!([1])).await;
    assert_eq!(reply.problems(), [("model_attributes_type".to_owned(), json!(["body"]))]);
    let raw = Request::post("/auth/nonce")
        .header("content-type", "application/json")
        .body(Body::from("{\"address\": "))
        .unwrap();
    let reply = api.send(raw).await;
    assert_eq!(reply.problems(), [("json_invalid".to_owned(), json!(["body", 12]))]);
    assert_eq!(reply.body["detail"][0]["msg"], "JSON decode error");
    let form =
        Request::post("/auth/nonce").header("content-type", "text/plain").body(Body::from("{}")).unwrap();
    assert_eq!(api.send(form).await.problems()[0].0, "model_attributes_type");
    // No content type: still JSON.
    let bare = Request::post("/auth/nonce")
        .body(Body::from(json!({"address": Wallet::new(3).address}).to_string()))
        .unwrap();
    assert_eq!(api.send(bare).await.status, StatusCode::OK);
}

#[tokio::test]
async fn verify_errors_and_single_use_nonces() {
    let api = memory_api(&[]);
    let wallet = Wallet::new(1);
    let other = Wallet::new(2);

    let no_nonce =
        api.post("/auth/verify", None, json!({"address": wallet.address, "signature": "0x00"})).await;
    assert_eq!((no_nonce.status, no_nonce.detail()), (StatusCode::BAD_REQUEST, "nonce expired"));
    let missing = api.post("/auth/verify", None, json!({"address": wallet.address})).await;
    assert_eq!(missing.problems(), [("missing".to_owned(), json!(["body", "signature"]))]);
    let bad_address = api.post("/auth/verify", None, json!({"address": "0x1", "signature": "0x00"})).await;
    assert_eq!(bad_address.detail(), "invalid wallet address");

    async fn nonce(api: &common::TestApi<sector_store::MemoryStore>, wallet: &Wallet) -> String {
        let reply = api.post("/auth/nonce", None, json!({"address": wallet.address})).await;
        reply.body["message"].as_str().unwrap().to_owned()
    }

    // Bad signature encoding.
    let _ = nonce(&api, &wallet).await;
    for garbage in ["0x1234", "not hex", &format!("0x{}", "11".repeat(64) + "05")] {
        let _ = nonce(&api, &wallet).await;
        let reply =
            api.post("/auth/verify", None, json!({"address": wallet.address, "signature": garbage})).await;
        assert_eq!(
            (reply.status, reply.detail()),
            (StatusCode::BAD_REQUEST, "invalid signature"),
            "{garbage}"
        );
    }

    // Signed by another wallet.
    let message = nonce(&api, &wallet).await;
    let forged = other.sign(&message).await;
    let reply = api.post("/auth/verify", None, json!({"address": wallet.address, "signature": forged})).await;
    assert_eq!((reply.status, reply.detail()), (StatusCode::UNAUTHORIZED, "signature mismatch"));

    // A signature of an old nonce's message no longer works once a new nonce was issued.
    let old = nonce(&api, &wallet).await;
    let _new = nonce(&api, &wallet).await;
    let stale = wallet.sign(&old).await;
    let reply = api.post("/auth/verify", None, json!({"address": wallet.address, "signature": stale})).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    // Replay: a good signature works once (no 0x prefix and upper-case hex are fine).
    let message = nonce(&api, &wallet).await;
    let good = wallet.sign(&message).await.trim_start_matches("0x").to_uppercase();
    let body = json!({"address": wallet.address.to_uppercase().replacen("0X", "0x", 1), "signature": good});
    assert_eq!(api.post("/auth/verify", None, body.clone()).await.status, StatusCode::OK);
    let replay = api.post("/auth/verify", None, body).await;
    assert_eq!((replay.status, replay.detail()), (StatusCode::BAD_REQUEST, "nonce expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_nonce() {
    let api = redis_api(&[("AUTH_NONCE_TTL_SECONDS", "1")]).await;
    let wallet = Wallet::new(4);
    let reply = api.post("/auth/nonce", None, json!({"address": wallet.address})).await;
    let signature = wallet.sign(reply.body["message"].as_str().unwrap()).await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let late =
        api.post("/auth/verify", None, json!({"address": wallet.address, "signature": signature})).await;
    assert_eq!((late.status, late.detail()), (StatusCode::BAD_REQUEST, "nonce expired"));
}

#[tokio::test]
async fn token_errors() {
    let api = memory_api(&[]);
    let wallet = Wallet::new(1);
    let token = api.login(&wallet).await;
    let jti = {
        use base64::Engine;
        let payload = token.split('.').nth(1).unwrap();
        let claims: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap(),
        )
        .unwrap();
        assert_eq!(claims.as_object().unwrap().keys().collect::<Vec<_>>(), ["exp", "iat", "jti", "sub"]);
        assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 86_400);
        claims["jti"].as_str().unwrap().to_owned()
    };
    assert_eq!(jti.len(), 32);
    let sub = wallet.address.clone();

    let check = |auth: Option<String>, expected: &'static str| {
        let api = &api;
        async move {
            let mut request = Request::get("/me");
            if let Some(auth) = auth {
                request = request.header("authorization", auth);
            }
            let reply = api.send(request.body(Body::empty()).unwrap()).await;
            assert_eq!((reply.status, reply.detail()), (StatusCode::UNAUTHORIZED, expected));
        }
    };
    check(None, "missing authorization").await;
    check(Some(String::new()), "missing authorization").await;
    check(Some(format!("Basic {token}")), "invalid authorization").await;
    check(Some("Bearer".into()), "invalid authorization").await;
    check(Some("Bearer not-a-token".into()), "invalid token").await;
    // Forged: right claims, wrong key.
    let forged = sign_token(
        json!({"sub": sub, "iat": now(), "exp": now() + 60, "jti": jti}),
        "some-other-secret-some-other-secret",
    );
    check(Some(format!("Bearer {forged}")), "invalid token").await;
    // Expired, though signed with the real key and naming a live session.
    let expired =
        sign_token(json!({"sub": sub, "iat": now() - 100, "exp": now() - 10, "jti": jti}), JWT_SECRET);
    check(Some(format!("bearer {expired}")), "invalid token").await;
    // Audience claims are refused.
    let aud = sign_token(json!({"sub": sub, "exp": now() + 60, "jti": jti, "aud": "x"}), JWT_SECRET);
    check(Some(format!("Bearer {aud}")), "invalid token").await;
    // Valid signature, but no session behind it (what the reference's default secret allowed, A3).
    let sessionless = sign_token(
        json!({"sub": sub, "iat": now(), "exp": now() + 60, "jti": "0123456789abcdef0123456789abcdef"}),
        JWT_SECRET,
    );
    check(Some(format!("Bearer {sessionless}")), "session expired").await;
    // A session of another address.
    let stolen =
        sign_token(json!({"sub": Wallet::new(9).address, "exp": now() + 60, "jti": jti}), JWT_SECRET);
    check(Some(format!("Bearer {stolen}")), "session expired").await;
    let no_sub = sign_token(json!({"exp": now() + 60, "jti": jti}), JWT_SECRET);
    check(Some(format!("Bearer {no_sub}")), "invalid token claims").await;
    let odd_jti = sign_token(json!({"sub": sub, "exp": now() + 60, "jti": "a:b"}), JWT_SECRET);
    check(Some(format!("Bearer {odd_jti}")), "invalid token claims").await;

    // The real token works, scheme case-insensitive, until logout.
    let ok = api
        .call_with(Method::GET, "/me", None, &[("authorization", &format!("BEARER   {token} "))], None)
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(api.call(Method::POST, "/auth/logout", Some(&token), None).await.status, StatusCode::OK);
    check(Some(format!("Bearer {token}")), "session expired").await;
    let again = api.call(Method::POST, "/auth/logout", Some(&token), None).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn auth_is_checked_before_validation() {
    let api = memory_api(&[]);
    let claim = api.post("/factions/claim", None, json!({"faction": 5})).await;
    assert_eq!((claim.status, claim.detail()), (StatusCode::UNAUTHORIZED, "missing authorization"));
    let admin = api.call(Method::POST, "/admin/pause?paused=maybe", None, None).await;
    assert_eq!(admin.status, StatusCode::UNAUTHORIZED);
    let player = api.login(&Wallet::new(5)).await;
    let forbidden = api.call(Method::POST, "/admin/pause?paused=maybe", Some(&player), None).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN, "403 before 422");
    // /orders: an Authorization header is checked first; without one the body comes first.
    let bad = api
        .call_with(
            Method::POST,
            "/orders",
            None,
            &[("authorization", "Bearer x")],
            Some(json!({"orders": 1})),
        )
        .await;
    assert_eq!(bad.detail(), "invalid token");
    let anonymous = api.post("/orders", None, json!({"orders": 1})).await;
    assert_eq!(anonymous.status, StatusCode::UNPROCESSABLE_ENTITY);
    let anonymous = api.post("/orders", None, json!({"orders": []})).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(anonymous.detail().starts_with("missing authorization"), "{}", anonymous.detail());
}

#[tokio::test]
async fn an_order_without_a_valid_bot_token_is_told_which_header_the_api_expects() {
    let api = memory_api(&[]);
    seed_world(&api.store).await;
    let orders = json!({"orders": []});
    let anonymous = api.post("/orders", None, orders.clone()).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(
        anonymous.detail().contains("X-Bot-Token") && anonymous.detail().contains("Authorization: Bearer"),
        "{}",
        anonymous.detail()
    );
    let wrong =
        api.call_with(Method::POST, "/orders", None, &[("x-bot-token", "guess")], Some(orders.clone())).await;
    assert_eq!(
        (wrong.status, wrong.detail()),
        (StatusCode::UNAUTHORIZED, "invalid bot token: X-Bot-Token does not match the API's BOT_API_TOKEN")
    );
    let right = api.bot_orders(json!([])).await;
    assert_eq!(right.status, StatusCode::OK, "the configured token is accepted: {}", right.detail());

    let disabled = memory_api(&[("BOT_API_TOKEN", "")]);
    let refused = disabled.bot_orders(json!([])).await;
    assert_eq!(
        (refused.status, refused.detail()),
        (StatusCode::UNAUTHORIZED, "bot access is disabled: the API has no BOT_API_TOKEN")
    );
}

#[tokio::test]
async fn claim_errors() {
    let api = memory_api(&[]);
    let a = api.login(&Wallet::new(1)).await;
    let b = api.login(&Wallet::new(2)).await;
    let unknown = api.post("/factions/claim", Some(&a), json!({"faction": "L"})).await;
    assert_eq!((unknown.status, unknown.detail()), (StatusCode::BAD_REQUEST, "unknown faction"));
    let typed = api.post("/factions/claim", Some(&a), json!({"faction": 1})).await;
    assert_eq!(typed.problems(), [("string_type".to_owned(), json!(["body", "faction"]))]);
    assert_eq!(api.post("/factions/claim", Some(&a), json!({"faction": "F1"})).await.status, StatusCode::OK);
    let taken = api.post("/factions/claim", Some(&b), json!({"faction": "F1"})).await;
    assert_eq!((taken.status, taken.detail()), (StatusCode::CONFLICT, "faction already claimed"));
}

#[tokio::test]
async fn order_errors_in_memory() {
    order_errors(memory_api(&[("MAX_ORDERS_PER_REQUEST", "5")])).await;
}

/// The Redis backend checks a player's session and claim and appends in one script: the same
/// answers, in the same order, as the step-by-step in-memory backend. With the read cache on,
/// the script is also told the universe the API saw last.
#[tokio::test]
async fn order_errors_on_redis() {
    order_errors(redis_api(&[("MAX_ORDERS_PER_REQUEST", "5")]).await).await;
    order_errors(redis_api(&[("MAX_ORDERS_PER_REQUEST", "5"), ("READ_CACHE_MS", "60000")]).await).await;
}

async fn order_errors<S: Store>(api: TestApi<S>) {
    seed_world(&api.store).await;
    api.store.ensure_order_group().await.unwrap();
    let player = api.login(&Wallet::new(1)).await;
    let order = |faction: &str, origin: Value, target: Value| json!({"faction": faction, "origin_id": origin, "target_id": target});

    // Not claimed yet (checked even for an empty batch), and before the ids.
    let unclaimed = api.post("/orders", Some(&player), json!({"orders": []})).await;
    assert_eq!((unclaimed.status, unclaimed.detail()), (StatusCode::FORBIDDEN, "faction not claimed"));
    let unclaimed =
        api.post("/orders", Some(&player), json!({"orders": [order("F2", json!(-1), json!(2))]})).await;
    assert_eq!((unclaimed.status, unclaimed.detail()), (StatusCode::FORBIDDEN, "faction not claimed"));
    // The body's shape comes before the claim.
    let shape = api.post("/orders", Some(&player), json!({"orders": 1})).await;
    assert_eq!(shape.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        api.post("/factions/claim", Some(&player), json!({"faction": "F2"})).await.status,
        StatusCode::OK
    );
    // Another faction's order rejects the whole batch.
    let mismatch = api
        .post(
            "/orders",
            Some(&player),
            json!({"orders": [order("F2", json!(1), json!(2)), order("F1", json!(1), json!(2))]}),
        )
        .await;
    assert_eq!((mismatch.status, mismatch.detail()), (StatusCode::FORBIDDEN, "order faction mismatch"));
    let other =
        api.post("/orders", Some(&player), json!({"orders": [order("F1", json!(99), json!(2))]})).await;
    assert_eq!(
        (other.status, other.detail()),
        (StatusCode::FORBIDDEN, "order faction mismatch"),
        "before ids"
    );
    // Ids within the 30-system map.
    let range =
        api.post("/orders", Some(&player), json!({"orders": [order("F2", json!(-1), json!(30))]})).await;
    assert_eq!(range.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        range.body["detail"],
        json!([
            {"type": "greater_than_equal", "loc": ["body", "orders", 0, "origin_id"], "msg": "Input should be greater than or equal to 0", "input": -1, "ctx": {"ge": 0}},
            {"type": "less_than", "loc": ["body", "orders", 0, "target_id"], "msg": "Input should be less than 30", "input": 30, "ctx": {"lt": 30}},
        ])
    );
    assert_eq!(
        api.post("/orders", Some(&player), json!({"orders": [order("F2", json!(0), json!(29))]}))
            .await
            .status,
        StatusCode::OK
    );
    // Types.
    let types = api
        .post(
            "/orders",
            Some(&player),
            json!({"orders": [order("F2", json!(1.5), json!("x")), {"faction": "F2"}]}),
        )
        .await;
    let kinds: Vec<String> = types.problems().into_iter().map(|p| p.0).collect();
    assert_eq!(kinds, ["int_from_float", "int_parsing", "missing", "missing"]);
    // Too many.
    let many =
        api.post("/orders", Some(&player), json!({"orders": vec![order("F2", json!(1), json!(2)); 6]})).await;
    assert_eq!(many.problems(), [("too_long".to_owned(), json!(["body", "orders"]))]);
    assert_eq!(
        many.body["detail"][0]["ctx"],
        json!({"field_type": "List", "max_length": 5, "actual_length": 6})
    );
    let many_bot = api.bot_orders(json!(vec![order("F2", json!(1), json!(2)); 6])).await;
    assert_eq!(many_bot.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Bots: registry factions only, ids in range, wrong token is a human request.
    let unknown = api.bot_orders(json!([order("X9", json!(1), json!(2))])).await;
    assert_eq!((unknown.status, unknown.detail()), (StatusCode::BAD_REQUEST, "unknown faction: X9"));
    let out = api.bot_orders(json!([order("F3", json!(1), json!(99))])).await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = api
        .call_with(Method::POST, "/orders", None, &[("x-bot-token", "guess")], Some(json!({"orders": []})))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.detail().starts_with("invalid bot token"), "{}", wrong.detail());
    assert_eq!(api.bot_orders(json!([order("F3", json!(1), json!(2))])).await.status, StatusCode::OK);

    // Only the accepted requests reached the order stream, each with its orders as posted.
    let appended: Vec<Value> = api
        .store
        .read_orders("check", 50, Duration::ZERO)
        .await
        .unwrap()
        .into_iter()
        .map(|e| serde_json::from_str(e.data.as_deref().unwrap()).unwrap())
        .collect();
    assert_eq!(
        appended,
        [
            json!({"orders": [{"faction": "F2", "origin_id": 0, "target_id": 29, "source": "human"}]}),
            json!({"orders": [{"faction": "F3", "origin_id": 1, "target_id": 2, "source": "bot"}]}),
        ]
    );

    // After a logout the session is gone, whatever the body (401 before 422).
    api.post("/auth/logout", Some(&player), json!({})).await;
    for body in [json!({"orders": 1}), json!({"orders": [order("F2", json!(0), json!(1))]})] {
        let expired = api.post("/orders", Some(&player), body).await;
        assert_eq!((expired.status, expired.detail()), (StatusCode::UNAUTHORIZED, "session expired"));
    }
    // A bot request carrying a dead player token is refused too.
    let bearer = format!("Bearer {player}");
    let both = api
        .call_with(
            Method::POST,
            "/orders",
            None,
            &[("x-bot-token", BOT_TOKEN), ("authorization", &bearer)],
            Some(json!({"orders": []})),
        )
        .await;
    assert_eq!((both.status, both.detail()), (StatusCode::UNAUTHORIZED, "session expired"));
}

#[tokio::test]
async fn bot_access_is_off_without_a_token() {
    let api = memory_api(&[("BOT_API_TOKEN", "")]);
    for token in ["", BOT_TOKEN] {
        let reply = api
            .call_with(Method::POST, "/orders", None, &[("x-bot-token", token)], Some(json!({"orders": []})))
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{token:?}");
    }
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let api = memory_api(&[]);
    let big = format!("{{\"orders\": [], \"pad\": \"{}\"}}", "x".repeat(70 * 1024));
    let with_length = Request::post("/orders")
        .header("content-type", "application/json")
        .header("content-length", big.len())
        .body(Body::from(big.clone()))
        .unwrap();
    let reply = api.send(with_length).await;
    assert_eq!(
        (reply.status, reply.detail()),
        (StatusCode::PAYLOAD_TOO_LARGE, "request body too large (limit 65536 bytes)")
    );
    assert_eq!(reply.headers["content-type"], "application/json");
    // No length header (as through the router in process): cut off while reading.
    let unsized_body = Request::post("/auth/nonce")
        .header("content-type", "application/json")
        .body(Body::from(big))
        .unwrap();
    let reply = api.send(unsized_body).await;
    assert_eq!(
        (reply.status, reply.detail()),
        (StatusCode::PAYLOAD_TOO_LARGE, "request body too large (limit 65536 bytes)")
    );
}

#[tokio::test]
async fn events_and_snapshot_errors() {
    let api = memory_api(&[]);
    let none = api.get("/snapshot", None).await;
    assert_eq!((none.status, none.detail()), (StatusCode::NOT_FOUND, "no snapshot yet"));
    let not_ready = api.get("/ready", None).await;
    assert_eq!((not_ready.status, not_ready.detail()), (StatusCode::SERVICE_UNAVAILABLE, "no snapshot yet"));
    assert_eq!(api.get("/events", None).await.body, json!([]));
    for (query, kind) in [
        ("count=0", "greater_than_equal"),
        ("count=-5", "greater_than_equal"),
        ("count=1001", "less_than_equal"),
        ("count=abc", "int_parsing"),
        ("count=1.5", "int_parsing"),
        ("after=abc", "string_pattern_mismatch"),
        ("after=1-2-3", "string_pattern_mismatch"),
        ("after=99999999999999999999999", "string_pattern_mismatch"),
    ] {
        let reply = api.get(&format!("/events?{query}"), None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(reply.problems()[0].0, kind, "{query}");
    }
    assert_eq!(api.get("/events?count=1000&after=5", None).await.status, StatusCode::OK);
    assert_eq!(api.get("/events?count=%201_0%20", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn routing_errors() {
    let api = memory_api(&[]);
    let missing = api.get("/nowhere", None).await;
    assert_eq!((missing.status, missing.detail()), (StatusCode::NOT_FOUND, "Not Found"));
    let wrong_method = api.call(Method::DELETE, "/orders", None, None).await;
    assert_eq!(
        (wrong_method.status, wrong_method.detail()),
        (StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
    );
    assert!(wrong_method.headers.contains_key("allow"));
    // tower-http's CORS layer answers every OPTIONS as a preflight (the reference routed an
    // OPTIONS without Access-Control-Request-Method to a 405); browsers never send one.
    let options = api.call(Method::OPTIONS, "/me", None, None).await;
    assert_eq!(options.status, StatusCode::OK);
    let slash =
        api.send(Request::get("/me/?x=1").header("host", "api.example").body(Body::empty()).unwrap()).await;
    assert_eq!(slash.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(slash.headers["location"], "http://api.example/me?x=1");
    let openapi = api.get("/openapi.json", None).await;
    assert_eq!(openapi.body["openapi"], "3.1.0");
    assert!(openapi.body["paths"]["/orders"]["post"].is_object());
}

#[tokio::test]
async fn rate_limits() {
    let api = memory_api(&[
        ("RATE_LIMIT_AUTH_PER_MINUTE", "60"),
        ("RATE_LIMIT_AUTH_BURST", "2"),
        ("RATE_LIMIT_ORDERS_PER_MINUTE", "60"),
        ("RATE_LIMIT_ORDERS_BURST", "1"),
    ]);
    let body = json!({"address": Wallet::new(1).address});
    assert_eq!(api.post("/auth/nonce", None, body.clone()).await.status, StatusCode::OK);
    assert_eq!(api.post("/auth/nonce", None, body.clone()).await.status, StatusCode::OK);
    let limited = api.post("/auth/nonce", None, body).await;
    assert_eq!((limited.status, limited.detail()), (StatusCode::TOO_MANY_REQUESTS, "rate limit exceeded"));
    assert_eq!(limited.headers["retry-after"], "1");
    // Other routes are not limited; /orders is, except for the bot.
    assert_eq!(api.get("/factions", None).await.status, StatusCode::OK);
    assert_eq!(api.post("/orders", None, json!({"orders": []})).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(api.post("/orders", None, json!({"orders": []})).await.status, StatusCode::TOO_MANY_REQUESTS);
    for _ in 0..5 {
        assert_eq!(api.bot_orders(json!([])).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn cors() {
    let open = memory_api(&[]);
    let reply =
        open.call_with(Method::GET, "/factions", None, &[("origin", "https://x.example")], None).await;
    assert_eq!(reply.headers["access-control-allow-origin"], "*");
    assert!(!reply.headers.contains_key("access-control-allow-credentials"), "no credentials with * (A10)");

    let listed = memory_api(&[("CORS_ALLOW_ORIGINS", "https://game.example, https://other.example")]);
    let reply =
        listed.call_with(Method::GET, "/factions", None, &[("origin", "https://game.example")], None).await;
    assert_eq!(reply.headers["access-control-allow-origin"], "https://game.example");
    assert_eq!(reply.headers["access-control-allow-credentials"], "true");
    let reply =
        listed.call_with(Method::GET, "/factions", None, &[("origin", "https://evil.example")], None).await;
    assert!(!reply.headers.contains_key("access-control-allow-origin"));
    let preflight = Request::options("/orders")
        .header("origin", "https://game.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type")
        .body(Body::empty())
        .unwrap();
    let reply = listed.send(preflight).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["access-control-allow-origin"], "https://game.example");
    assert_eq!(reply.headers["access-control-allow-headers"], "authorization, content-type");
    assert_eq!(reply.headers["access-control-max-age"], "600");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_down_is_503_and_recovers() {
    let mut api = redis_api(&[]).await;
    seed_world(&api.store).await;
    api.server.as_mut().unwrap().stop();
    for path in ["/ready", "/snapshot", "/factions", "/events"] {
        let reply = api.get(path, None).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(reply.detail().starts_with("redis error: "), "{path}: {}", reply.detail());
    }
    let nonce = api.post("/auth/nonce", None, json!({"address": Wallet::new(1).address})).await;
    assert_eq!(nonce.status, StatusCode::SERVICE_UNAVAILABLE);
    // Input errors stay 4xx even while the store is down.
    assert_eq!(api.get("/events?count=0", None).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    api.server.as_mut().unwrap().restart().expect("restart redis");
    let mut healthy = false;
    for _ in 0..50 {
        if api.get("/events", None).await.status == StatusCode::OK {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "the API reconnects on its own");
}
