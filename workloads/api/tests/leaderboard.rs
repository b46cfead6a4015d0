//! `GET /leaderboard`: wins written by run-end commits, served sorted and bounded, on both store
//! backends.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use sector_store::{Commit, Store};
use serde_json::json;

/// Ends run `universe` won by `faction`, held by `player` if any (as the sim's run-end commit).
async fn win<S: Store>(store: &S, universe: &str, faction: &str, label: &str, player: Option<&str>) {
    if let Some(player) = player {
        store.claim_faction(universe, player, faction).await.expect("claim");
    }
    let lease = store.acquire_lease("test-sim", Duration::from_secs(5)).await.expect("lease").expect("free");
    let next = format!("{universe}0");
    let commit = Commit::run_start(&next).clear_claims_of(universe).award(universe, faction, label, 10);
    store.commit(&lease, &commit).await.expect("run-end commit");
    store.release_lease(&lease).await.expect("release");
}

async fn scenario<S: Store>(api: TestApi<S>) {
    let empty = api.get("/leaderboard", None).await;
    assert_eq!((empty.status, empty.body), (StatusCode::OK, json!({"players": [], "factions": []})));

    let (a, b) = ("0x00000000000000000000000000000000000000aa", "0x00000000000000000000000000000000000000bb");
    win(&api.store, "1", "F2", "Iron Legion", Some(b)).await;
    win(&api.store, "2", "F1", "Empire", Some(a)).await;
    win(&api.store, "3", "F2", "Iron Legion", Some(a)).await;
    win(&api.store, "4", "F3", "Void", None).await;

    let board = api.get("/leaderboard", None).await;
    assert_eq!(board.status, StatusCode::OK);
    assert_eq!(
        board.body,
        json!({
            "players": [{"address": a, "wins": 2}, {"address": b, "wins": 1}],
            "factions": [
                {"faction": "F2", "name": "Iron Legion", "wins": 2},
                {"faction": "F1", "name": "Empire", "wins": 1},
                {"faction": "F3", "name": "Void", "wins": 1},
            ],
        })
    );
    let top = api.get("/leaderboard?limit=1", None).await;
    assert_eq!(top.body["players"], json!([{"address": a, "wins": 2}]));
    assert_eq!(top.body["factions"], json!([{"faction": "F2", "name": "Iron Legion", "wins": 2}]));
    assert_eq!(api.get("/leaderboard?limit=100", None).await.status, StatusCode::OK);

    for (query, kind) in
        [("0", "greater_than_equal"), ("101", "less_than_equal"), ("ten", "int_parsing"), ("", "int_parsing")]
    {
        let reply = api.get(&format!("/leaderboard?limit={query}"), None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(reply.problems(), vec![(kind.to_owned(), json!(["query", "limit"]))], "{query}");
    }
    let post = api.post("/leaderboard", None, json!({})).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn leaderboard_on_the_memory_store() {
    scenario(memory_api(&[])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaderboard_on_redis() {
    scenario(redis_api(&[]).await).await;
}

#[tokio::test]
async fn leaderboard_is_in_the_openapi_document() {
    let api = memory_api(&[]);
    let doc = api.get("/openapi.json", None).await;
    let op = &doc.body["paths"]["/leaderboard"]["get"];
    assert!(op.is_object(), "documented: {:?}", doc.body["paths"]);
    assert!(doc.body["components"]["schemas"]["LeaderboardResponse"].is_object());
    assert!(
        doc.body["components"]["schemas"]["FactionEntry"].is_object(),
        "the factions list keeps its schema"
    );
}
