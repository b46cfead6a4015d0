//! Claims under contention on a real Redis: the store's atomic claim means exactly one winner
//! per faction and at most one faction per player, however requests interleave (A9).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Wallet, redis_api};
use sector_store::prelude::*;
use serde_json::json;
use tower::ServiceExt;

fn claim_request(token: &str, faction: &str) -> Request<Body> {
    Request::post("/factions/claim")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(json!({ "faction": faction }).to_string()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn fifty_wallets_one_faction_one_winner() {
    let api = redis_api(&[]).await;
    let wallets: Vec<Wallet> = (0..50).map(Wallet::numbered).collect();
    let mut tokens = Vec::new();
    for wallet in &wallets {
        tokens.push(api.login(wallet).await);
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(tokens.len()));
    let tasks: Vec<_> = tokens
        .iter()
        .map(|token| {
            let router = api.router.clone();
            let request = claim_request(token, "F1");
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                router.oneshot(request).await.map(|r| r.status())
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().unwrap());
    }
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let lost = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!((won, lost), (1, 49), "{statuses:?}");
    let owner = api.store.player_of("1", "F1").await.unwrap().expect("owner");
    assert!(wallets.iter().any(|w| w.address == owner));
    assert_eq!(api.store.human_factions("1").await.unwrap(), ["F1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn one_wallet_racing_for_two_factions_gets_one() {
    let api = redis_api(&[]).await;
    for round in 0..20u16 {
        let wallet = Wallet::numbered(1000 + round);
        let token = api.login(&wallet).await;
        let universe = api.store.universe_id().await.unwrap();
        let a = tokio::spawn(api.router.clone().oneshot(claim_request(&token, "F2")));
        let b = tokio::spawn(api.router.clone().oneshot(claim_request(&token, "F3")));
        let statuses = [a.await.unwrap().unwrap().status(), b.await.unwrap().unwrap().status()];
        let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(won, 1, "round {round}: {statuses:?}");
        assert!(statuses.contains(&StatusCode::CONFLICT), "round {round}: {statuses:?}");
        let mine = api.store.faction_of(&universe, &wallet.address).await.unwrap().expect("a faction");
        assert_eq!(
            api.store.human_factions(&universe).await.unwrap(),
            std::slice::from_ref(&mine),
            "no orphaned claim"
        );
        let me = api.get("/me", Some(&token)).await;
        assert_eq!(me.body["faction"], mine.as_str());
        // A fresh universe for the next round.
        api.store.incr_universe().await.unwrap();
    }
}
