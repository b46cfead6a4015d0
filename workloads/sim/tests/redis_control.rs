//! Control (pause, bots-only, restarts), the start gate, malformed orders and run end, on a real
//! redis-server.

mod common;

#[allow(unused_imports)]
use sector_store::{
    ClaimStore, CommitStore, ControlStore, EventStore, LeaseStore, OrderStore, SnapshotStore, UniverseStore,
};

use std::time::Duration;

use common::*;
use sector_sim::{SimState, TickRecord, spawn};
use sector_store::{
    ClaimOutcome, Commit, ControlPatch, DEFAULT_ORDER_MAX_LEN, FIRST_UNIVERSE, Keys, SimPhase, Store,
};

type Events = Vec<serde_json::Value>;

async fn events<S: Store>(store: &S) -> Events {
    store
        .latest_events(5000)
        .await
        .expect("events")
        .into_iter()
        .filter_map(|e| e.data.and_then(|d| serde_json::from_str(&d).ok()))
        .collect()
}

fn of_type<'a>(events: &'a Events, kind: &str) -> Vec<&'a serde_json::Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

async fn patch<S: Store>(store: &S, patch: ControlPatch) {
    store.update_control(&patch).await.expect("control patch");
}

async fn raw(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .expect("client")
        .get_multiplexed_async_connection()
        .await
        .expect("raw connection")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_gate_waits_for_a_claim_then_bot_orders_for_humans_are_dropped() {
    init_tracing();
    let (server, store) = redis().await;
    let sim = spawn(server.store(Keys::default()).await.expect("store"), sim_config("gate", game(20)))
        .await
        .expect("spawn");
    let mut status = sim.subscribe();
    status.wait_for(|s| s.phase == Some(SimPhase::WaitingForPlayers)).await.expect("waits at the gate");
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(sim.status().tick, Some(0), "no tick before a claim");
    let universe = sim.status().universe.expect("run");
    let snapshots = of_type(&events(&store).await, "snapshot").len();
    assert_eq!(snapshots, 1, "the new world is published once");
    assert!(store.snapshot().await.expect("snapshot").is_some(), "snapshot hash saved at tick 0");

    let outcome = store.claim_faction(&universe, "0xaaaa", "F1").await.expect("claim");
    assert_eq!(outcome, ClaimOutcome::Claimed);
    status.wait_for(|s| s.tick.unwrap_or(0) >= 3).await.expect("ticks after the claim");

    // A bot order for the human faction is dropped; the human's own order is applied.
    let batch = r#"{"orders": [{"faction": "F1", "origin_id": 0, "target_id": 1, "source": "bot"},
        {"faction": "F1", "origin_id": 0, "target_id": 1, "source": "human", "reason": "mine"}]}"#;
    let id = store.append_orders(batch, DEFAULT_ORDER_MAX_LEN).await.expect("post");
    let record = wait_for("batch applied", Duration::from_secs(3), || async {
        applied(&store, &universe).await.into_iter().find(|(_, r)| r.entries.contains(&id))
    })
    .await;
    assert_eq!(record.1.incoming.len(), 1);
    assert_eq!(record.1.incoming[0].reason.as_deref(), Some("mine"));
    let text = http_get(sim.http_addr().expect("http"), "/metrics").await.1;
    assert_eq!(
        metric(&text, r#"sector_sim_orders_rejected_total{reason="bot_order_for_human_faction"}"#),
        1.0
    );
    sim.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_holds_orders_and_bots_only_clears_claims() {
    init_tracing();
    let (server, store) = redis().await;
    let sim = spawn(server.store(Keys::default()).await.expect("store"), sim_config("pause", game(20)))
        .await
        .expect("spawn");
    let mut status = sim.subscribe();
    status.wait_for(|s| s.universe.is_some()).await.expect("run");
    let universe = sim.status().universe.expect("run");
    store.claim_faction(&universe, "0xbbbb", "F2").await.expect("claim");
    status.wait_for(|s| s.tick.unwrap_or(0) >= 3).await.expect("ticking");

    // bots-only: claims cleared, the run keeps ticking without humans.
    patch(&store, ControlPatch { bots_only: Some(true), ..ControlPatch::default() }).await;
    wait_for("claims cleared", Duration::from_secs(2), || async {
        store.human_factions(&universe).await.ok().filter(|h| h.is_empty())
    })
    .await;
    let tick = sim.status().tick.unwrap_or(0);
    status.wait_for(|s| s.tick.unwrap_or(0) >= tick + 3).await.expect("ticks without humans");
    assert_eq!(
        store.claim_faction(&universe, "0xcccc", "F3").await.expect("claim"),
        ClaimOutcome::BotsOnly,
        "claims refused while bots-only"
    );

    // Pause: ticking stops within a tick; orders posted meanwhile stay in the stream.
    patch(&store, ControlPatch { paused: Some(true), ..ControlPatch::default() }).await;
    status.wait_for(|s| s.phase == Some(SimPhase::Paused)).await.expect("paused");
    let paused_at = sim.status().tick;
    let id = store
        .append_orders(
            r#"{"orders": [{"faction": "F1", "origin_id": 0, "target_id": 1, "source": "bot"}]}"#,
            5000,
        )
        .await
        .expect("post");
    tokio::time::sleep(TICK * 10).await;
    assert_eq!(sim.status().tick, paused_at, "no tick while paused");
    assert!(
        applied(&store, &universe).await.iter().all(|(_, r)| !r.entries.contains(&id)),
        "orders posted while paused wait"
    );
    assert_eq!(store.control(&universe).await.expect("control").status.phase, Some(SimPhase::Paused));

    patch(&store, ControlPatch { paused: Some(false), ..ControlPatch::default() }).await;
    wait_for("order applied after resume", Duration::from_secs(2), || async {
        applied(&store, &universe).await.into_iter().find(|(_, r)| r.entries.contains(&id))
    })
    .await;
    sim.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_generation_and_legacy_restart_start_new_runs_once() {
    init_tracing();
    let (server, store) = redis().await;
    patch(&store, ControlPatch { bots_only: Some(true), ..ControlPatch::default() }).await;
    let sim = spawn(server.store(Keys::default()).await.expect("store"), sim_config("restart", game(20)))
        .await
        .expect("spawn");
    let mut status = sim.subscribe();
    status.wait_for(|s| s.tick.unwrap_or(0) >= 5).await.expect("ticking");
    let first = sim.status().universe.expect("run");
    store.claim_faction(&first, "0xdddd", "F1").await.ok();

    // restartGeneration bump with a seed: one restart, recorded as applied.
    patch(
        &store,
        ControlPatch {
            restart_generation: Some(1),
            restart_seed: Some(Some("42".into())),
            ..ControlPatch::default()
        },
    )
    .await;
    let second = wait_for("new run", Duration::from_secs(3), || async {
        sim.status().universe.filter(|u| *u != first)
    })
    .await;
    assert_eq!(second, (first.parse::<u64>().expect("numeric") + 1).to_string(), "universe incremented");
    let control = store.control(&second).await.expect("control");
    assert_eq!(control.status.applied_restart_generation, Some(1));
    assert_eq!(store.universe_id().await.expect("id"), second);
    status.wait_for(|s| s.tick.unwrap_or(0) >= 5).await.expect("new run ticks (bots-only)");
    let all = events(&store).await;
    let run_ends = of_type(&all, "run_end");
    assert_eq!(run_ends.len(), 1, "applied once: {run_ends:?}");
    assert_eq!(run_ends[0]["winner"], serde_json::Value::Null);
    assert_eq!(run_ends[0]["winner_label"], "none");
    // The run_end is followed by the new world's snapshot event, seeded as requested.
    let end_at = all.iter().position(|e| e["type"] == "run_end").expect("run_end");
    assert_eq!(all[end_at + 1]["type"], "snapshot");
    assert_eq!(all[end_at + 1]["data"]["generator_seed"], 42);
    assert_eq!(all[end_at + 1]["data"]["tick"], 0);
    assert!(all[end_at + 1]["data"].get("orders_applied").is_none());
    let log = applied(&store, &second).await;
    assert_eq!(log[0].1.seed, Some(42));
    assert!(store.human_factions(&first).await.expect("claims").is_empty(), "old claims dropped");

    // Legacy restart key: a JSON request with universe id and seed.
    let mut conn = raw(&server.url()).await;
    let () = redis::cmd("SET")
        .arg("sector:restart")
        .arg(r#"{"universe_id": "77", "seed": "abc"}"#)
        .arg("EX")
        .arg(30)
        .query_async(&mut conn)
        .await
        .expect("set restart");
    wait_for("legacy restart", Duration::from_secs(3), || async {
        sim.status().universe.filter(|u| u == "77")
    })
    .await;
    let abc = sector_core::seed::normalize_seed_str("abc").expect("seed");
    assert_eq!(applied(&store, "77").await[0].1.seed, Some(abc));
    let exists: bool =
        redis::cmd("EXISTS").arg("sector:restart").query_async(&mut conn).await.expect("exists");
    assert!(!exists, "request consumed");
    tokio::time::sleep(TICK * 10).await;
    assert_eq!(of_type(&events(&store).await, "run_end").len(), 2, "no repeated restarts");
    assert_ne!(FIRST_UNIVERSE, "77");

    // An API that moved the universe id without a (surviving) restart request (F6): the new
    // universe gets its own world instead of the old one ticking on under its id.
    let moved: i64 = redis::cmd("INCR").arg("sector:universe_id").query_async(&mut conn).await.expect("incr");
    assert_eq!(moved, 78);
    wait_for("restart into the moved id", Duration::from_secs(3), || async {
        sim.status().universe.filter(|u| u == "78")
    })
    .await;
    assert_eq!(of_type(&events(&store).await, "run_end").len(), 3);
    sim.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_acknowledged_counted_and_skipped() {
    init_tracing();
    let (server, store) = redis().await;
    patch(&store, ControlPatch { bots_only: Some(true), ..ControlPatch::default() }).await;
    let sim = spawn(server.store(Keys::default()).await.expect("store"), sim_config("malformed", game(20)))
        .await
        .expect("spawn");
    let mut status = sim.subscribe();
    status.wait_for(|s| s.tick.unwrap_or(0) >= 2).await.expect("ticking");
    let universe = sim.status().universe.expect("run");
    let mut ids = Vec::new();
    for data in [
        "not json",
        "[1, 2]",
        r#"{"orders": 5}"#,
        r#"{"orders": [{"faction": "F1", "origin_id": 0}, {"faction": "F1", "origin_id": 0, "target_id": 1, "source": "bot"}]}"#,
    ] {
        ids.push(store.append_orders(data, DEFAULT_ORDER_MAX_LEN).await.expect("post"));
    }
    // An entry without a `data` field counts as no orders.
    let mut conn = raw(&server.url()).await;
    let other: String = redis::cmd("XADD")
        .arg("sector:orders")
        .arg("*")
        .arg("x")
        .arg("1")
        .query_async(&mut conn)
        .await
        .expect("xadd");
    ids.push(other.parse().expect("entry id"));
    wait_for("all consumed", Duration::from_secs(3), || async {
        let counts = entry_counts(&applied(&store, &universe).await);
        ids.iter().all(|id| counts.get(id) == Some(&1)).then_some(())
    })
    .await;
    let tick = sim.status().tick.unwrap_or(0);
    status.wait_for(|s| s.tick.unwrap_or(0) >= tick + 3).await.expect("loop continues");
    let pending: redis::Value = redis::cmd("XPENDING")
        .arg("sector:orders")
        .arg("sim")
        .query_async(&mut conn)
        .await
        .expect("xpending");
    assert!(
        matches!(pending, redis::Value::Array(ref v) if v.first() == Some(&redis::Value::Int(0))),
        "{pending:?}"
    );
    let text = http_get(sim.http_addr().expect("http"), "/metrics").await.1;
    for reason in ["invalid_json", "not_an_object", "orders_not_a_list"] {
        assert_eq!(
            metric(&text, &format!("sector_sim_bad_messages_total{{reason=\"{reason}\"}}")),
            1.0,
            "{text}"
        );
    }
    assert_eq!(metric(&text, r#"sector_sim_orders_rejected_total{reason="malformed_order"}"#), 1.0, "{text}");
    sim.stop().await.expect("stop");
}

/// A world where F1 owns every system and F2's last fleet is too weak to matter: the first
/// tick decides it (GAME_RULES.md §10.2). The eliminated human's claim is revoked, `run_end`
/// names the winner, and a bots-only run goes on by itself in the new world.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_winner_ends_the_run_and_a_bots_only_run_goes_on() {
    init_tracing();
    let (server, store) = redis().await;
    let mut tiny = game(4);
    tiny.simulation.faction_count = 2;
    let mut world = sector_core::generator::generate(&tiny, 11).expect("tiny world");
    let f1 = world.registry.find("F1").expect("F1");
    let f2 = world.registry.find("F2").expect("F2");
    world.systems.iter_mut().for_each(|s| s.owner = Some(f1));
    world.fleets.retain(|f| f.owner != f2);
    let state = SimState::new(world);

    // Plant the run as a previous leader would have left it.
    let lease = store.acquire_lease("planter", Duration::from_secs(5)).await.expect("lease").expect("free");
    let bytes = state.encode();
    let record = TickRecord::run_start(11).to_json();
    store.commit(&lease, &Commit::run_start("5").state(0, &bytes).applied(0, &record)).await.expect("plant");
    store.release_lease(&lease).await.expect("release");
    store.claim_faction("5", "0xeeee", "F2").await.expect("claim F2");

    let sim = spawn(server.store(Keys::default()).await.expect("store"), sim_config("winner", tiny.clone()))
        .await
        .expect("spawn");
    let new_universe =
        wait_for("new run", Duration::from_secs(3), || async { sim.status().universe.filter(|u| u != "5") })
            .await;
    assert_eq!(new_universe, "6");
    let log = applied(&store, "5").await;
    assert_eq!(log.len(), 2, "run 5 ended after its first tick: {log:?}");
    assert_eq!(log[1].1.revoked, vec!["F2".to_owned()], "eliminated human revoked");
    let all = events(&store).await;
    let end = of_type(&all, "run_end");
    assert_eq!(end.len(), 1);
    assert_eq!(end[0]["winner"], "F1");
    assert_eq!(end[0]["winner_label"], "Empire");
    assert_eq!(end[0]["tick"], 1);
    // Not bots-only: the new run waits at the gate (F9 kept).
    tokio::time::sleep(TICK * 8).await;
    assert_eq!(sim.status().tick, Some(0));
    assert_eq!(sim.status().phase, Some(SimPhase::WaitingForPlayers));
    sim.stop().await.expect("stop");

    // Same again in bots-only mode: after the winner, the next run ticks on its own.
    let (server, store) = redis().await;
    let lease = store.acquire_lease("planter", Duration::from_secs(5)).await.expect("lease").expect("free");
    store.commit(&lease, &Commit::run_start("5").state(0, &bytes).applied(0, &record)).await.expect("plant");
    store.release_lease(&lease).await.expect("release");
    patch(&store, ControlPatch { bots_only: Some(true), ..ControlPatch::default() }).await;
    let sim = spawn(server.store(Keys::default()).await.expect("store"), sim_config("winner-bots", tiny))
        .await
        .expect("spawn");
    let mut status = sim.subscribe();
    status
        .wait_for(|s| s.universe.as_deref() == Some("6") && s.tick.unwrap_or(0) >= 3)
        .await
        .expect("goes on");
    sim.stop().await.expect("stop");
}
