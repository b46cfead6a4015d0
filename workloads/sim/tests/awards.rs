//! Run end: a decided run is scored once (leaderboard) and a human winner gets one award job, on
//! a real redis-server.

mod common;

use std::time::Duration;

use common::*;
use sector_core::Config;
use sector_sim::{SimState, TickRecord, spawn};
use sector_store::prelude::*;
use sector_store::{Commit, Keys, RedisStore};

/// A two-faction world F1 has already won (it owns every system, F2 has no fleet): the first
/// tick decides it. Planted as run 5, as a previous leader would have left it.
async fn plant_decided_run(store: &RedisStore, game: &Config) {
    let mut world = sector_core::generator::generate(game, 11).expect("tiny world");
    let f1 = world.registry.find("F1").expect("F1");
    let f2 = world.registry.find("F2").expect("F2");
    world.systems.iter_mut().for_each(|s| s.owner = Some(f1));
    world.fleets.retain(|f| f.owner != f2);
    let state = SimState::new(world);
    let lease = store.acquire_lease("planter", Duration::from_secs(5)).await.expect("lease").expect("free");
    let bytes = state.encode();
    let record = TickRecord::run_start(11).to_json();
    store.commit(&lease, &Commit::run_start("5").state(0, &bytes).applied(0, &record)).await.expect("plant");
    store.release_lease(&lease).await.expect("release");
}

fn tiny() -> Config {
    let mut tiny = game(4);
    tiny.simulation.faction_count = 2;
    tiny
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_human_winner_is_scored_and_awarded_once() {
    init_tracing();
    let (server, store) = redis().await;
    plant_decided_run(&store, &tiny()).await;
    store.claim_faction("5", "0xAbC0000000000000000000000000000000000001", "F1").await.expect("claim F1");

    let sim = spawn(server.store(Keys::default()).await.expect("store"), sim_config("award", tiny()))
        .await
        .expect("spawn");
    wait_for("new run", Duration::from_secs(3), || async { sim.status().universe.filter(|u| u != "5") })
        .await;
    // The new run waits at the gate; give the worker time to (wrongly) score anything twice.
    tokio::time::sleep(TICK * 8).await;
    sim.stop().await.expect("stop");

    let jobs = store.pending_awards(10).await.expect("queue");
    assert_eq!(jobs.len(), 1, "one award job: {jobs:?}");
    let award = jobs[0].award.clone().expect("a well-formed award");
    assert_eq!(
        (award.universe_id.as_str(), award.winner.as_str(), award.winner_label.as_str(), award.tick),
        ("5", "F1", "Empire", 1)
    );
    assert_eq!(award.address, "0xabc0000000000000000000000000000000000001", "the claim's lower-case address");
    let board = store.leaderboard(10).await.expect("leaderboard");
    assert_eq!(board.players.len(), 1);
    assert_eq!((board.players[0].address.as_str(), board.players[0].wins), (award.address.as_str(), 1));
    assert_eq!(board.factions.len(), 1);
    assert_eq!((board.factions[0].faction.as_str(), board.factions[0].wins), ("F1", 1));
    assert_eq!(board.factions[0].name.as_deref(), Some("Empire"));
    assert!(
        store.human_factions("5").await.expect("claims").is_empty(),
        "the ended run's claims are cleared"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_winner_scores_for_its_faction_without_an_award() {
    init_tracing();
    let (server, store) = redis().await;
    plant_decided_run(&store, &tiny()).await;
    // A human held the loser; bots played the winner.
    store.claim_faction("5", "0xeeee", "F2").await.expect("claim F2");

    let sim = spawn(server.store(Keys::default()).await.expect("store"), sim_config("bot-win", tiny()))
        .await
        .expect("spawn");
    wait_for("new run", Duration::from_secs(3), || async { sim.status().universe.filter(|u| u != "5") })
        .await;
    sim.stop().await.expect("stop");

    assert!(store.pending_awards(10).await.expect("queue").is_empty(), "no award for a bot winner");
    let board = store.leaderboard(10).await.expect("leaderboard");
    assert!(board.players.is_empty(), "{board:?}");
    assert_eq!(board.factions.iter().map(|f| (f.faction.as_str(), f.wins)).collect::<Vec<_>>(), [("F1", 1)]);
}
