//! The worker on the in-process store (`sector dev`): the same protocol without Redis.

mod common;

use std::time::Duration;

use common::*;
use sector_sim::{Role, spawn};
use sector_store::testing::LegacyKeys;
use sector_store::{
    ClaimStore, ControlPatch, ControlStore, DEFAULT_ORDER_MAX_LEN, EventStore, MemoryStore, OrderStore,
    SimPhase,
};

fn memory_config(worker: &str) -> sector_sim::SimConfig {
    let mut config = sim_config(worker, game(20));
    config.http_port = None;
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticks_pauses_and_restarts_on_the_memory_store() {
    init_tracing();
    let store = MemoryStore::new();
    let sim = spawn(store.clone(), memory_config("mem")).await.expect("spawn");
    let mut status = sim.subscribe();
    status.wait_for(|s| s.phase == Some(SimPhase::WaitingForPlayers)).await.expect("start gate");
    store
        .update_control(&ControlPatch { bots_only: Some(true), ..ControlPatch::default() })
        .await
        .expect("patch");
    status.wait_for(|s| s.tick.unwrap_or(0) >= 5).await.expect("ticks");
    let universe = sim.status().universe.expect("run");

    let id = store
        .append_orders(
            r#"{"orders": [{"faction": "F1", "origin_id": 0, "target_id": 1, "source": "bot"}]}"#,
            100,
        )
        .await
        .expect("post");
    wait_for("order applied", Duration::from_secs(2), || async {
        applied(&store, &universe).await.into_iter().find(|(_, r)| r.entries.contains(&id))
    })
    .await;

    store
        .update_control(&ControlPatch { paused: Some(true), ..ControlPatch::default() })
        .await
        .expect("patch");
    status.wait_for(|s| s.phase == Some(SimPhase::Paused)).await.expect("paused");
    let paused_at = sim.status().tick;
    tokio::time::sleep(TICK * 8).await;
    assert_eq!(sim.status().tick, paused_at);
    store
        .update_control(&ControlPatch { paused: Some(false), ..ControlPatch::default() })
        .await
        .expect("patch");
    status.wait_for(|s| s.tick > paused_at).await.expect("resumed");

    store
        .update_control(&ControlPatch { restart_generation: Some(1), ..ControlPatch::default() })
        .await
        .expect("patch");
    let next = wait_for("restart", Duration::from_secs(2), || async {
        sim.status().universe.filter(|u| *u != universe)
    })
    .await;
    status
        .wait_for(|s| s.universe.as_deref() == Some(next.as_str()) && s.tick.unwrap_or(0) >= 2)
        .await
        .expect("new run");
    let kinds: Vec<String> = store
        .latest_events(1000)
        .await
        .expect("events")
        .into_iter()
        .filter_map(|e| e.data)
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
        .map(|v| v["type"].as_str().unwrap_or_default().to_owned())
        .collect();
    let end = kinds.iter().position(|k| k == "run_end").expect("run_end published");
    assert_eq!(kinds[end + 1], "snapshot");
    assert_eq!(kinds.iter().filter(|k| *k == "run_end").count(), 1);
    assert_eq!(store.control(&next).await.expect("control").status.applied_restart_generation, Some(1));
    sim.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_and_dead_consumer_entries_on_the_memory_store() {
    init_tracing();
    let store = MemoryStore::new();
    store
        .update_control(&ControlPatch { bots_only: Some(true), ..ControlPatch::default() })
        .await
        .expect("patch");
    let a = spawn(store.clone(), memory_config("mem-a")).await.expect("spawn a");
    let mut a_status = a.subscribe();
    a_status.wait_for(|s| s.tick.unwrap_or(0) >= 3).await.expect("a ticks");
    let universe = a.status().universe.expect("run");
    let b = spawn(store.clone(), memory_config("mem-b")).await.expect("spawn b");
    let mut b_status = b.subscribe();
    b_status.wait_for(|s| s.role == Role::Standby).await.expect("standby");

    let poster = Poster::start(store.clone(), Duration::from_millis(4), 4);
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.abort();
    // A consumer that read entries and died (an older worker) leaves them pending.
    let planted = store
        .append_orders(
            r#"{"orders": [{"faction": "F2", "origin_id": 1, "target_id": 2, "source": "bot"}]}"#,
            DEFAULT_ORDER_MAX_LEN,
        )
        .await
        .expect("post");
    let read = store.read_orders("sim-dead", 100, Duration::ZERO).await.expect("dead consumer reads");
    assert!(read.iter().any(|e| e.id == planted), "the dead consumer holds the planted entry");
    b_status.wait_for(|s| s.role == Role::Leader && s.ticks_committed >= 3).await.expect("b takes over");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let posted = poster.finish().await;
    wait_for("everything applied", Duration::from_secs(3), || async {
        let counts = entry_counts(&applied(&store, &universe).await);
        posted.iter().chain([&planted]).all(|id| counts.contains_key(id)).then_some(())
    })
    .await;
    b.stop().await.expect("stop");
    let records = applied(&store, &universe).await;
    assert!(entry_counts(&records).values().all(|n| *n == 1), "exactly once");
    let (_, live) = saved(&store).await;
    assert_eq!(live.state_hash(), replay_from_zero(&game(20), &records).state_hash());
}

/// Bots-only set while paused clears the claims in a fenced commit of its own (there is no tick
/// to carry it), and a legacy restart request is consumed by the restart's commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_cleared_while_paused_and_legacy_restart_on_the_memory_store() {
    init_tracing();
    let store = MemoryStore::new();
    let sim = spawn(store.clone(), memory_config("mem-claims")).await.expect("spawn");
    let mut status = sim.subscribe();
    status.wait_for(|s| s.phase == Some(SimPhase::WaitingForPlayers)).await.expect("start gate");
    let universe = sim.status().universe.expect("run");
    store.claim_faction(&universe, "0xbbbb", "F2").await.expect("claim");
    status.wait_for(|s| s.tick.unwrap_or(0) >= 2).await.expect("ticking");

    store
        .update_control(&ControlPatch { paused: Some(true), ..ControlPatch::default() })
        .await
        .expect("pause");
    status.wait_for(|s| s.phase == Some(SimPhase::Paused)).await.expect("paused");
    let paused_at = sim.status().tick;
    store
        .update_control(&ControlPatch { bots_only: Some(true), ..ControlPatch::default() })
        .await
        .expect("bots");
    wait_for("claims cleared while paused", Duration::from_secs(2), || async {
        store.human_factions(&universe).await.ok().filter(|h| h.is_empty())
    })
    .await;
    assert_eq!(store.faction_of(&universe, "0xbbbb").await.expect("faction"), None);
    assert_eq!(sim.status().tick, paused_at, "no tick while paused");

    store.set_legacy_restart(r#"{"universe_id": "77"}"#).await.expect("request restart");
    wait_for("legacy restart", Duration::from_secs(2), || async {
        sim.status().universe.filter(|u| u == "77")
    })
    .await;
    assert_eq!(store.peek_restart_request().await.expect("peek"), None, "request consumed");
    tokio::time::sleep(TICK * 10).await;
    let run_ends = store
        .latest_events(1000)
        .await
        .expect("events")
        .into_iter()
        .filter_map(|e| e.data)
        .filter(|d| d.contains(r#""run_end""#))
        .count();
    assert_eq!(run_ends, 1, "restarted once");
    sim.stop().await.expect("stop");
}

/// With `METRICS_PORT`, `/metrics` moves to its own listener: the main port answers 404 for it
/// (so nothing routed to that port can expose it) and keeps `/health` and `/ready`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_port_serves_metrics_and_the_main_port_does_not() {
    init_tracing();
    let mut config = sim_config("mem-metrics", game(20));
    config.metrics_port = Some(0);
    let sim = spawn(MemoryStore::new(), config).await.expect("spawn");
    let http = sim.http_addr().expect("http");
    let metrics = sim.metrics_addr().expect("metrics listener");
    assert_ne!(http.port(), metrics.port());
    let (code, body) = http_get(http, "/metrics").await;
    assert_eq!((code, body.as_str()), (404, r#"{"detail":"Not Found"}"#));
    assert_eq!(http_get(http, "/health").await.0, 200);
    let (code, text) = http_get(metrics, "/metrics").await;
    assert_eq!(code, 200);
    assert!(text.contains("sector_sim_"), "{text}");
    assert_eq!(http_get(metrics, "/health").await.0, 404, "the metrics port serves /metrics only");
    sim.stop().await.expect("stops");

    // Without it, /metrics stays on the main port (as before).
    let sim = spawn(MemoryStore::new(), sim_config("mem-default", game(20))).await.expect("spawn");
    assert!(sim.metrics_addr().is_none());
    assert_eq!(http_get(sim.http_addr().expect("http"), "/metrics").await.0, 200);
    sim.stop().await.expect("stops");
}
