//! Claimable factions follow the run the sim plays, not the API's game config: the operator
//! changes `world.factions` in the config file at once, but the sim keeps the stored run's map
//! until the next run. On a real redis-server.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{Reply, TestApi, Wallet, config, redis_api};
use sector_api::AppState;
use sector_store::testing::RedisServer;
use sector_store::{Commit, Keys, RedisStore, Store};
use serde_json::{Value, json};

/// A generated world with `factions` configured factions, plus the given dynamic registry
/// entries (League, rebels), as the sim's snapshot JSON.
fn snapshot(factions: usize, dynamic: &[&str]) -> String {
    let mut config = sector_core::Config::default();
    config.simulation.number_of_systems = 30;
    config.simulation.faction_count = factions;
    for extra in ["Hegemony", "Syndicate"] {
        config.faction_name_list.push(extra.to_owned());
    }
    let world = sector_core::generator::generate(&config, 5).expect("generate");
    let mut snapshot = serde_json::to_value(world.snapshot()).expect("json");
    let registry = snapshot["factions"].as_array_mut().expect("factions");
    for id in dynamic {
        registry.push(json!({"id": id, "name": format!("{id} faction"), "color": "#ffffff"}));
    }
    snapshot.to_string()
}

/// Starts run `universe` with `snapshot`, as the sim's run-start commit does (one atomic write).
async fn start_run<S: Store>(store: &S, universe: &str, snapshot: &str) {
    let lease =
        store.acquire_lease("test-sim", Duration::from_secs(5)).await.expect("lease").expect("free lease");
    store.commit(&lease, &Commit::run_start(universe).snapshot(0, snapshot)).await.expect("commit");
    store.release_lease(&lease).await.expect("release");
}

/// One tick of run `universe` saving `snapshot`, as the sim's tick commit does.
async fn next_tick<S: Store>(store: &S, universe: &str, snapshot: &str) {
    let lease =
        store.acquire_lease("test-sim", Duration::from_secs(5)).await.expect("lease").expect("free lease");
    store.commit(&lease, &Commit::tick(universe).snapshot(1, snapshot)).await.expect("commit");
    store.release_lease(&lease).await.expect("release");
}

fn ids(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body["factions"]
        .as_array()
        .expect("factions")
        .iter()
        .map(|f| f["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn claim<S: Store>(api: &TestApi<S>, token: &str, faction: &str) -> (StatusCode, Value) {
    let reply = api.post("/factions/claim", Some(token), json!({ "faction": faction })).await;
    (reply.status, reply.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_follow_the_stored_run_not_the_config() {
    // The API's config says 5 factions (the shipped default).
    let api = redis_api(&[]).await;
    assert_eq!(api.state.configured_factions().len(), 5);
    assert_eq!(ids(&api.get("/factions", None).await), ["F1", "F2", "F3", "F4", "F5"], "no snapshot yet");

    // The sim plays a 3-faction run.
    start_run(&api.store, "7", &snapshot(3, &[])).await;
    let listed = api.get("/factions", None).await;
    assert_eq!(ids(&listed), ["F1", "F2", "F3"]);
    assert_eq!(listed.body["universe_id"], "7");
    assert_eq!(listed.body["factions"][2], json!({"id": "F3", "name": "Traders", "claimed": false}));
    let a = api.login(&Wallet::new(1)).await;
    let b = api.login(&Wallet::new(2)).await;
    assert_eq!(claim(&api, &a, "F5").await, (StatusCode::BAD_REQUEST, json!({"detail": "unknown faction"})));
    assert_eq!(claim(&api, &a, "F3").await.0, StatusCode::OK);
    assert_eq!(api.get("/factions", None).await.body["factions"][2]["claimed"], true);
    // Bots may not order a faction the run does not have either.
    let order = |f: &str| json!([{"faction": f, "origin_id": 0, "target_id": 1}]);
    let bot = api.bot_orders(order("F5")).await;
    assert_eq!((bot.status, bot.detail()), (StatusCode::BAD_REQUEST, "unknown faction: F5"));
    assert_eq!(api.bot_orders(order("F2")).await.status, StatusCode::OK);

    // A new run with 6 factions; the League and a rebel joined its registry since. Rebels and
    // the League are bot-played, never claimable.
    start_run(&api.store, "8", &snapshot(6, &["L", "R1"])).await;
    assert_eq!(ids(&api.get("/factions", None).await), ["F1", "F2", "F3", "F4", "F5", "F6"]);
    for dynamic in ["L", "R1"] {
        assert_eq!(claim(&api, &b, dynamic).await.0, StatusCode::BAD_REQUEST, "{dynamic}");
    }
    assert_eq!(claim(&api, &b, "F6").await.0, StatusCode::OK);
    assert_eq!(api.bot_orders(order("R1")).await.status, StatusCode::OK, "bots play rebels");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_with_fewer_factions_than_the_run_still_offers_the_whole_run() {
    let server = RedisServer::start().unwrap_or_else(|e| panic!("cannot start redis-server: {e}"));
    let store: RedisStore = server.store(Keys::default()).await.expect("connect");
    let mut narrow = config(&[]);
    narrow.game.simulation.faction_count = 3;
    let state = AppState::new(store.clone(), narrow).expect("state");
    let api = TestApi { router: sector_api::router(state.clone()), state, store, server: Some(server) };
    assert_eq!(ids(&api.get("/factions", None).await), ["F1", "F2", "F3"], "config before any snapshot");

    start_run(&api.store, "1", &snapshot(5, &[])).await;
    assert_eq!(ids(&api.get("/factions", None).await), ["F1", "F2", "F3", "F4", "F5"]);
    let player = api.login(&Wallet::new(3)).await;
    assert_eq!(claim(&api, &player, "F5").await.0, StatusCode::OK);
}

/// A rebel born in the newest tick is playable by bots at once, even while the API's cached
/// snapshot still predates it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_may_order_a_faction_newer_than_the_cached_snapshot() {
    let api = redis_api(&[("READ_CACHE_MS", "600000")]).await;
    start_run(&api.store, "3", &snapshot(3, &[])).await;
    let order = |f: &str| json!([{"faction": f, "origin_id": 0, "target_id": 1}]);
    assert_eq!(api.bot_orders(order("F1")).await.status, StatusCode::OK, "primes the cache");
    // The next tick's snapshot has a rebel; the cache (10 minutes) does not know it yet.
    next_tick(&api.store, "3", &snapshot(3, &["R1"])).await;
    assert_eq!(api.bot_orders(order("R1")).await.status, StatusCode::OK);
    let unknown = api.bot_orders(order("R9")).await;
    assert_eq!((unknown.status, unknown.detail()), (StatusCode::BAD_REQUEST, "unknown faction: R9"));
}
