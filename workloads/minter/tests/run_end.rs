//! Run end, end to end: a universe whose winner was claimed by a human ends in the sim; its
//! run-end commit queues the award; the minter's dispatcher mints it on a real chain (ganache).
//! Exactly one token, owned by the winner, and one leaderboard win.

mod common;
#[path = "../../sim/tests/common/mod.rs"]
mod sim_common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use sector_minter::metadata::decode_token_uri;
use sector_minter::{Ledger, MinterConfig, Secret};
use sector_sim::{SimState, TickRecord, spawn};
use sector_store::prelude::*;
use sector_store::{Commit, Keys};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_human_winner_owns_an_award_token() {
    sim_common::init_tracing();
    let (server, store) = sim_common::redis().await;
    let ganache = Ganache::start().await;
    let contract = deploy(&ganache).await;
    let chain = reader(&ganache, &contract);

    // Run 5: two factions, F1 already owns every system and F2 has no fleet left, so the first
    // tick decides it (as the sim's own winner tests set it up). A human holds F1.
    let mut game = sim_common::game(4);
    game.simulation.faction_count = 2;
    let mut world = sector_core::generator::generate(&game, 11).expect("tiny world");
    let f1 = world.registry.find("F1").expect("F1");
    let f2 = world.registry.find("F2").expect("F2");
    world.systems.iter_mut().for_each(|s| s.owner = Some(f1));
    world.fleets.retain(|f| f.owner != f2);
    let state = SimState::new(world);
    let lease = store.acquire_lease("planter", Duration::from_secs(5)).await.expect("lease").expect("free");
    let (bytes, record) = (state.encode(), TickRecord::run_start(11).to_json());
    store.commit(&lease, &Commit::run_start("5").state(0, &bytes).applied(0, &record)).await.expect("plant");
    store.release_lease(&lease).await.expect("release");
    store.claim_faction("5", WINNER, "F1").await.expect("the winner claims F1");

    let mut config = MinterConfig::new(ganache.url(), &contract, MINTER_KEY).expect("config");
    config.api_key = Some(Secret::new("k"));
    config.universe = "blue".into();
    config.retry_max = Duration::from_millis(500);
    let minter = sector_minter::start(
        server.store(Keys::default()).await.expect("store"),
        &config,
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("minter");
    let sim =
        spawn(server.store(Keys::default()).await.expect("store"), sim_common::sim_config("award", game))
            .await
            .expect("sim");

    sim_common::wait_for("the award to be minted and its job completed", Duration::from_secs(60), || async {
        let minted = chain.total_supply().await.ok()? >= 1;
        let drained = store.pending_awards(10).await.ok()?.is_empty();
        (minted && drained).then_some(())
    })
    .await;
    assert_eq!(
        sim.status().universe.as_deref(),
        Some("6"),
        "the next run started without waiting for the chain"
    );
    sim.stop().await.expect("sim stops");
    minter.stop().await.expect("minter stops");

    assert_eq!(chain.total_supply().await.expect("supply"), 1, "exactly one token");
    assert_eq!(chain.owner_of("1").await.expect("ownerOf"), WINNER.to_ascii_lowercase());
    let metadata = decode_token_uri(&chain.token_uri("1").await.expect("tokenURI")).expect("metadata");
    assert_eq!(metadata["name"], "Sector award: Empire won run 5");
    assert_eq!(chain.confirmed_nonce().await.expect("nonce"), 2, "the deployment and one mint");
    let record: serde_json::Value =
        serde_json::from_str(&store.mint_record("blue", "5").await.expect("read").expect("a mint record"))
            .expect("JSON");
    assert_eq!(record["minted"]["token_id"], "1");
    assert_eq!(record["attempts"].as_array().map(Vec::len), Some(1));

    let board = store.leaderboard(10).await.expect("leaderboard");
    assert_eq!(board.players.len(), 1, "{board:?}");
    assert_eq!(
        (board.players[0].address.as_str(), board.players[0].wins),
        (WINNER.to_ascii_lowercase().as_str(), 1)
    );
    assert_eq!(board.factions.iter().map(|f| (f.faction.as_str(), f.wins)).collect::<Vec<_>>(), [("F1", 1)]);
}
