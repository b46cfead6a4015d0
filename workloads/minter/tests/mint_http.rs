//! `sector minter` on a real local chain (ganache) and a real redis-server: deploy the award
//! contract, mint through the HTTP API, check the token on chain, and the error answers.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use sector_minter::metadata::decode_token_uri;
use sector_minter::{Ledger, MinterConfig, Secret};
use sector_store::Keys;
use sector_store::prelude::*;
use sector_store::testing::RedisServer;
use serde_json::json;

const KEY: &str = "Bearer test-minter-key";

fn config(ganache: &Ganache, contract: &str) -> MinterConfig {
    let mut config = MinterConfig::new(ganache.url(), contract, MINTER_KEY).expect("config");
    config.api_key = Some(Secret::new("test-minter-key"));
    config.universe = "blue".into();
    config.dispatch = false;
    config.rpc_timeout = Duration::from_secs(5);
    config.receipt_timeout = Duration::from_secs(20);
    config
}

fn body(run: &str) -> serde_json::Value {
    json!({"universe_id": run, "winner": "F1", "winner_label": "Empire", "tick": 812, "address": WINNER,
        "faction": "F1", "timestamp": 1_700_000_000, "metadata": {"season": 3}, "ignored": true})
}

fn local() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mints_an_award_on_a_real_chain_once_per_run() {
    let redis = RedisServer::start().expect("redis-server starts (apt-get install -y redis-server)");
    let mut ganache = Ganache::start().await;
    let contract = deploy(&ganache).await;
    let chain = reader(&ganache, &contract);
    let store = redis.store(Keys::default()).await.expect("store");
    let minter =
        sector_minter::start(store.clone(), &config(&ganache, &contract), local()).await.expect("minter");
    let addr = minter.addr();
    assert_eq!(get(addr, "/health").await, (200, json!({"status": "ok"})));
    assert_eq!(get(addr, "/ready").await, (200, json!({"status": "ready"})));

    // Mint through the API.
    let (status, text) = post_mint_text(addr, Some(KEY), &body("5")).await;
    assert_eq!(status, 200, "{text}");
    // The reference's fields first; `request` echoes the eight fields in WIRE.md order.
    let echo = format!(
        r#"{{"universe_id":"5","winner":"F1","winner_label":"Empire","tick":812,"address":"{WINNER}","faction":"F1","timestamp":1700000000,"metadata":{{"season":3}}}}"#
    );
    assert!(text.starts_with(r#"{"mint_id":""#) && text.contains(&format!(r#""request":{echo}"#)), "{text}");
    let first: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(first["status"], "ok");
    assert_eq!(first["already_minted"], false);
    assert_eq!(first["contract"], contract.as_str());
    assert_eq!(first["chain_id"], 1337);
    assert_eq!(first["universe"], "blue");
    assert_eq!(first["mint_id"].as_str().map(str::len), Some(32));
    let tx_hash = first["tx_hash"].as_str().expect("tx_hash").to_owned();
    assert!(tx_hash.starts_with("0x") && tx_hash.len() == 66, "{tx_hash}");
    let token_id = first["token_id"].as_str().expect("token_id").to_owned();
    assert_eq!(token_id, "1");

    // On chain: the winner owns it, the URI describes the win, it is soulbound.
    assert_eq!(chain.owner_of(&token_id).await.expect("ownerOf"), WINNER.to_ascii_lowercase());
    let uri = chain.token_uri(&token_id).await.expect("tokenURI");
    assert_eq!(first["token_uri"], uri.as_str());
    let metadata = decode_token_uri(&uri).expect("a data: URI with JSON");
    assert_eq!(metadata["name"], "Sector award: Empire won run 5");
    assert_eq!(metadata["properties"], json!({"season": 3}));
    assert!(
        metadata["attributes"]
            .as_array()
            .expect("attributes")
            .contains(&json!({"trait_type": "Universe", "value": "blue"}))
    );
    assert!(chain.locked(&token_id).await.expect("locked"));
    let refused = chain.simulate_transfer(WINNER, ACCOUNTS[2].0, &token_id).await.expect_err("soulbound");
    assert!(refused.to_string().contains("soulbound"), "{refused}");

    // The same request again: the same token, no new transaction.
    let nonce = chain.confirmed_nonce().await.expect("nonce");
    let (status, again) = post_mint(addr, Some(KEY), &body("5")).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (&again["tx_hash"], &again["token_id"], &again["mint_id"]),
        (&first["tx_hash"], &first["token_id"], &first["mint_id"])
    );
    assert_eq!(again["already_minted"], true);
    assert_eq!(chain.confirmed_nonce().await.expect("nonce"), nonce, "no transaction sent");
    assert_eq!(chain.total_supply().await.expect("supply"), 1);
    let record = store.mint_record("blue", "5").await.expect("record").expect("kept in redis");
    assert!(record.contains(&tx_hash));

    // Concurrent identical requests for a new run: one token among them.
    let tasks: Vec<_> =
        (0..4).map(|_| tokio::spawn(async move { post_mint(addr, Some(KEY), &body("6")).await })).collect();
    let mut tokens = Vec::new();
    for task in tasks {
        let (status, answer) = task.await.expect("task");
        assert_eq!(status, 200, "{answer}");
        tokens.push(answer["token_id"].as_str().expect("token").to_owned());
    }
    assert!(tokens.iter().all(|t| t == "2"), "{tokens:?}");
    assert_eq!(chain.total_supply().await.expect("supply"), 2);
    assert_eq!(chain.confirmed_nonce().await.expect("nonce"), nonce + 1, "one transaction for four requests");

    // The same run for someone else: refused, nothing minted.
    let mut other = body("5");
    other["address"] = json!(ACCOUNTS[2].0);
    let (status, answer) = post_mint(addr, Some(KEY), &other).await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer["detail"].as_str().expect("detail").contains("already awarded"), "{answer}");

    // The chain goes down: 503 with a clear message; Redis keeps nothing half-done.
    ganache.stop();
    let (status, answer) = post_mint(addr, Some(KEY), &body("7")).await;
    assert_eq!(status, 503, "{answer}");
    let detail = answer["detail"].as_str().expect("detail");
    assert!(detail.contains("chain unreachable") && detail.contains("127.0.0.1"), "{detail}");
    assert_eq!(get(addr, "/ready").await.0, 503);
    let (status, repeat) = post_mint(addr, Some(KEY), &body("5")).await;
    assert_eq!((status, &repeat["token_id"]), (200, &json!("1")), "minted awards are answered from Redis");

    minter.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_and_credentials_are_refused_before_the_chain() {
    let redis = RedisServer::start().expect("redis-server starts (apt-get install -y redis-server)");
    let ganache = Ganache::start().await;
    let contract = deploy(&ganache).await;
    let chain = reader(&ganache, &contract);
    let store = redis.store(Keys::default()).await.expect("store");
    let minter = sector_minter::start(store, &config(&ganache, &contract), local()).await.expect("minter");
    let addr = minter.addr();

    for (auth, detail) in [
        (None, "missing authorization"),
        (Some("Basic dGVzdA=="), "missing authorization"),
        (Some("Bearer wrong-key"), "invalid authorization"),
        (Some("Bearer test-minter-key-longer"), "invalid authorization"),
    ] {
        let (status, answer) = post_mint(addr, auth, &body("5")).await;
        assert_eq!((status, answer), (401, json!({ "detail": detail })), "{auth:?}");
    }
    // Credentials come before the body.
    assert_eq!(post_mint(addr, None, &json!([1])).await.0, 401);

    for address in [
        "0x1234",
        "not an address",
        "0xFFcf8FDEE72ac11b5c542428B35EEF5769C409f1",
        "0x0000000000000000000000000000000000000000",
    ] {
        let mut bad = body("5");
        bad["address"] = json!(address);
        let (status, answer) = post_mint(addr, Some(KEY), &bad).await;
        assert_eq!(status, 400, "{address}: {answer}");
        assert!(answer["detail"].as_str().is_some_and(|d| d.contains("address")), "{answer}");
    }
    let (status, answer) = post_mint(addr, Some(KEY), &json!({"universe_id": 5, "winner": "F1"})).await;
    assert_eq!(status, 422, "{answer}");
    let kinds: Vec<&str> =
        answer["detail"].as_array().expect("items").iter().filter_map(|i| i["type"].as_str()).collect();
    assert_eq!(kinds, ["string_type", "missing", "missing"]);
    let mut bad_universe = body("5");
    bad_universe["universe"] = json!("a:b");
    assert_eq!(post_mint(addr, Some(KEY), &bad_universe).await.0, 400);

    assert_eq!(get(addr, "/nope").await, (404, json!({"detail": "Not Found"})));
    assert_eq!(get(addr, "/mint").await, (405, json!({"detail": "Method Not Allowed"})));
    assert_eq!(chain.total_supply().await.expect("supply"), 0, "nothing was minted");
    minter.stop().await.expect("stop");
}
