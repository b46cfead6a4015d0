//! The whole player journey on a real Redis: login → claim → orders → snapshot / events →
//! logout, with the order stream and claims checked in the store as the sim would see them.

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::{Wallet, commit, redis_api, seed_world};
use sector_store::prelude::*;
use serde_json::{Value, json};

/// The order batches appended since the group was created, parsed.
async fn read_batches<S: Store>(store: &S) -> Vec<Value> {
    let entries = store.read_orders("test-consumer", 100, Duration::ZERO).await.expect("read orders");
    entries.iter().map(|e| serde_json::from_str(e.data.as_deref().expect("data")).expect("json")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_claim_order_snapshot_events_logout() {
    let api = redis_api(&[]).await;
    let snapshot = seed_world(&api.store).await;
    api.store.ensure_order_group().await.expect("group");

    // Health and readiness (store up, snapshot present).
    assert_eq!(api.get("/health", None).await.body, json!({"status": "ok"}));
    assert_eq!(api.get("/ready", None).await.status, StatusCode::OK);

    // Factions before any claim.
    let factions = api.get("/factions", None).await;
    assert_eq!(factions.status, StatusCode::OK);
    assert_eq!(factions.body["universe_id"], "1");
    let ids: Vec<&str> =
        factions.body["factions"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["F1", "F2", "F3", "F4", "F5"]);
    assert_eq!(factions.body["factions"][0], json!({"id": "F1", "name": "Empire", "claimed": false}));

    // Login: the exact message, then the token works for /me.
    let wallet = Wallet::new(1);
    let nonce = api
        .post("/auth/nonce", None, json!({"address": wallet.address.to_uppercase().replacen("0X", "0x", 1)}))
        .await;
    assert_eq!(nonce.status, StatusCode::OK);
    let n = nonce.body["nonce"].as_str().unwrap();
    assert_eq!(n.len(), 22, "16 bytes base64url");
    assert_eq!(nonce.body["message"], format!("Sector login\nAddress: {}\nNonce: {n}", wallet.address));
    let signature = wallet.sign(nonce.body["message"].as_str().unwrap()).await;
    let verify =
        api.post("/auth/verify", None, json!({"address": wallet.address, "signature": signature})).await;
    assert_eq!(verify.status, StatusCode::OK, "{:?}", verify.body);
    let token = verify.body["token"].as_str().unwrap().to_owned();
    let me = api.get("/me", Some(&token)).await;
    assert_eq!(
        me.body,
        json!({"address": wallet.address, "faction": null, "universe_id": "1", "is_admin": false})
    );

    // Claim, idempotent re-claim (G3), no second faction.
    let claim = api.post("/factions/claim", Some(&token), json!({"faction": "F1"})).await;
    assert_eq!(
        (claim.status, &claim.body),
        (StatusCode::OK, &json!({"address": wallet.address, "faction": "F1"}))
    );
    assert_eq!(
        api.post("/factions/claim", Some(&token), json!({"faction": "F1"})).await.status,
        StatusCode::OK
    );
    let second = api.post("/factions/claim", Some(&token), json!({"faction": "F2"})).await;
    assert_eq!((second.status, second.detail()), (StatusCode::CONFLICT, "player already claimed a faction"));
    assert_eq!(api.get("/me", Some(&token)).await.body["faction"], "F1");
    assert_eq!(api.get("/factions", None).await.body["factions"][0]["claimed"], true);
    assert_eq!(api.store.human_factions("1").await.unwrap(), ["F1"]);
    assert_eq!(api.store.player_of("1", "F1").await.unwrap().as_deref(), Some(wallet.address.as_str()));

    // A human order (coerced ids), exactly as the UI sends it.
    let orders = json!({"orders": [{"faction": "F1", "origin_id": "3", "target_id": 4, "reason": "human-route", "source": "bot"}]});
    let posted = api.post("/orders", Some(&token), orders).await;
    assert_eq!(posted.status, StatusCode::OK, "{:?}", posted.body);
    assert!(posted.body["id"].as_str().unwrap().contains('-'));
    let rally = json!({"orders": [{"faction": "F1", "origin_id": 5, "target_id": 9, "reason": "human-rally", "fleet_id": 2}]});
    assert_eq!(api.post("/orders", Some(&token), rally).await.status, StatusCode::OK);

    // Bot orders: the claimed faction is dropped, others (League too) pass.
    let skipped =
        api.bot_orders(json!([{"faction": "F1", "origin_id": 1, "target_id": 2, "reason": "x"}])).await;
    assert_eq!(skipped.body, json!({"id": "skipped"}));
    let mixed = api
        .bot_orders(json!([
            {"faction": "F1", "origin_id": 1, "target_id": 2, "reason": "x"},
            {"faction": "F2", "origin_id": 6, "target_id": 7, "reason": "expand"},
            {"faction": "L", "origin_id": 8, "target_id": 0, "reason": null},
        ]))
        .await;
    assert_eq!(mixed.status, StatusCode::OK, "{:?}", mixed.body);
    assert_eq!(api.bot_orders(json!([])).await.body, json!({"id": "skipped"}));

    let batches = read_batches(&api.store).await;
    assert_eq!(
        batches,
        [
            json!({"orders": [{"faction": "F1", "origin_id": 3, "target_id": 4, "reason": "human-route", "source": "human"}]}),
            json!({"orders": [{"faction": "F1", "origin_id": 5, "target_id": 9, "reason": "human-rally", "fleet_id": 2, "source": "human"}]}),
            json!({"orders": [
                {"faction": "F2", "origin_id": 6, "target_id": 7, "reason": "expand", "source": "bot"},
                {"faction": "L", "origin_id": 8, "target_id": 0, "source": "bot"},
            ]}),
        ]
    );

    // Snapshot as stored, compact.
    let reply = api.get("/snapshot", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, serde_json::from_str::<Value>(&snapshot).unwrap());
    assert_eq!(reply.headers["content-type"], "application/json");

    // Events with ids; reading after the last id gives only newer ones.
    let events = api.get("/events", None).await;
    let list = events.body.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["type"], "snapshot");
    let first = list[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(api.get(&format!("/events?after={first}"), None).await.body, json!([]));
    let delta = r#"{"tick": 1, "tick_delay_ms": 300, "highlight_ids": [], "events": [], "factions": [], "type": "delta"}"#;
    let ids = commit(
        &api.store,
        None,
        &[delta, r#"{"type": "run_end", "winner": null, "winner_label": "none", "tick": 1}"#],
    )
    .await;
    let newer = api.get(&format!("/events?after={first}&count=1"), None).await;
    assert_eq!(
        newer.body,
        json!([{"tick": 1, "tick_delay_ms": 300, "highlight_ids": [], "events": [], "factions": [], "type": "delta", "id": ids[0].to_string()}])
    );
    assert_eq!(api.get(&format!("/events?after={}", ids[0]), None).await.body.as_array().unwrap().len(), 1);

    // Metrics saw all of it.
    let metrics = api.call(Method::GET, "/metrics", None, None).await;
    let text = metrics.body.as_str().unwrap();
    assert!(text.contains(r#"sector_api_logins_total{result="success"} 1"#), "{text}");
    assert!(text.contains(r#"sector_api_orders_total{source="human",outcome="accepted"} 2"#), "{text}");
    assert!(text.contains(r#"sector_api_orders_total{source="bot",outcome="accepted"} 2"#), "{text}");
    assert!(text.contains(r#"sector_api_orders_total{source="bot",outcome="dropped"} 2"#), "{text}");
    assert!(text.contains(r#"route="/factions/claim",status="409""#), "{text}");
    assert!(text.contains("sector_api_http_request_duration_seconds_bucket"), "{text}");

    // Logout revokes the session server-side (A5).
    let logout = api.call(Method::POST, "/auth/logout", Some(&token), None).await;
    assert_eq!((logout.status, &logout.body), (StatusCode::OK, &json!({"status": "ok"})));
    let after = api.get("/me", Some(&token)).await;
    assert_eq!((after.status, after.detail()), (StatusCode::UNAUTHORIZED, "session expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_actions_write_the_control_hash() {
    let api = redis_api(&[]).await;
    seed_world(&api.store).await;
    let admin = api.login(&Wallet::new(common::ADMIN)).await;
    assert_eq!(api.get("/me", Some(&admin)).await.body["is_admin"], true);
    let player = api.login(&Wallet::new(2)).await;
    assert_eq!(
        api.post("/factions/claim", Some(&player), json!({"faction": "F3"})).await.status,
        StatusCode::OK
    );

    // Non-admins may read the pause state (the UI shows it to everyone) but not change it.
    let read = api.get("/admin/pause", Some(&player)).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(api.get("/admin/pause", None).await.status, StatusCode::UNAUTHORIZED);

    // Non-admins are refused every admin action (A1); no token is 401 first.
    for (method, path) in [
        (Method::POST, "/admin/restart"),
        (Method::POST, "/admin/bots-only"),
        (Method::POST, "/admin/pause?paused=true"),
    ] {
        let refused = api.call(method.clone(), path, Some(&player), None).await;
        assert_eq!((refused.status, refused.detail()), (StatusCode::FORBIDDEN, "admin only"), "{path}");
        let anonymous = api.call(method, path, None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}");
    }

    // Pause: read, explicit, toggle, bad value.
    let get = api.get("/admin/pause", Some(&admin)).await;
    assert_eq!(get.body, json!({"paused": false, "universe_id": "1"}));
    let set = api.call(Method::POST, "/admin/pause?paused=YES", Some(&admin), None).await;
    assert_eq!(set.body, json!({"paused": true, "universe_id": "1"}));
    assert!(api.store.control("1").await.unwrap().paused);
    let toggled = api.call(Method::POST, "/admin/pause", Some(&admin), None).await;
    assert_eq!(toggled.body["paused"], false);
    let bad = api.call(Method::POST, "/admin/pause?paused=", Some(&admin), None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.problems(), [("bool_parsing".to_owned(), json!(["query", "paused"]))]);

    // Bots-only: claims cleared, flag set, new claims refused.
    let bots = api.call(Method::POST, "/admin/bots-only", Some(&admin), None).await;
    assert_eq!(bots.body, json!({"status": "ok", "universe_id": "1"}));
    assert!(api.store.control("1").await.unwrap().bots_only);
    assert!(api.store.human_factions("1").await.unwrap().is_empty());
    assert_eq!(api.get("/me", Some(&player)).await.body["faction"], Value::Null);
    let closed = api.post("/factions/claim", Some(&player), json!({"faction": "F3"})).await;
    assert_eq!((closed.status, closed.detail()), (StatusCode::CONFLICT, "bots-only run: claims are closed"));

    // Restart: generation bumped with the seed; the next run is unpaused and open to claims.
    let restart = api.call(Method::POST, "/admin/restart?seed=my%20seed", Some(&admin), None).await;
    assert_eq!(restart.body, json!({"status": "queued", "universe_id": "2"}));
    let control = api.store.control("1").await.unwrap();
    assert_eq!((control.restart_generation, control.restart_seed.as_deref()), (1, Some("my seed")));
    assert!(!control.bots_only && !control.paused);
    let again = api.call(Method::POST, "/admin/restart", Some(&admin), None).await;
    assert_eq!(again.status, StatusCode::OK);
    let control = api.store.control("1").await.unwrap();
    assert_eq!((control.restart_generation, control.restart_seed), (2, None));
}
