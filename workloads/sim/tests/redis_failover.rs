//! Failover and store outages on a real redis-server.

mod common;

#[allow(unused_imports)]
use sector_store::{
    ClaimStore, CommitStore, ControlStore, EventStore, LeaseStore, OrderStore, SnapshotStore, UniverseStore,
};

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;
use sector_sim::{Role, spawn};
use sector_store::{ControlPatch, Keys, Store};

async fn bots_only<S: Store>(store: &S) {
    store
        .update_control(&ControlPatch { bots_only: Some(true), ..ControlPatch::default() })
        .await
        .expect("control");
}

async fn pending_count(url: &str) -> i64 {
    let client = redis::Client::open(url).expect("client");
    let mut conn = client.get_multiplexed_async_connection().await.expect("conn");
    let reply: redis::Value = redis::cmd("XPENDING")
        .arg("sector:orders")
        .arg("sim")
        .query_async(&mut conn)
        .await
        .expect("xpending");
    match reply {
        redis::Value::Array(items) => match items.first() {
            Some(redis::Value::Int(n)) => *n,
            _ => 0,
        },
        _ => 0,
    }
}

/// Two workers, orders flowing; the leader crashes (no lease release); the standby takes over
/// within TTL + a tick; every posted batch is applied exactly once; the live state equals the
/// uninterrupted replay of the applied-orders log from tick 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standby_takes_over_a_crashed_leader_without_losing_or_repeating_orders() {
    init_tracing();
    let (server, store) = redis().await;
    bots_only(&store).await;
    let game = game(40);
    let config_a = sim_config("sim-a", game.clone());
    let ttl = config_a.lease_ttl;
    let a = spawn(server.store(Keys::default()).await.expect("store a"), config_a).await.expect("spawn a");
    let mut a_status = a.subscribe();
    a_status
        .wait_for(|s| s.role == Role::Leader && s.tick.unwrap_or(0) >= 3)
        .await
        .expect("a leads and ticks");

    let b = spawn(server.store(Keys::default()).await.expect("store b"), sim_config("sim-b", game.clone()))
        .await
        .expect("spawn b");
    let mut b_status = b.subscribe();
    b_status.wait_for(|s| s.role == Role::Standby).await.expect("b stands by");

    // Both report ready: a leader with a world, a standby that reaches the store.
    let (code, body) = http_get(a.http_addr().expect("a http"), "/ready").await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains(r#""role":"leader""#), "{body}");
    let (code, body) = http_get(b.http_addr().expect("b http"), "/ready").await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains(r#""role":"standby""#), "{body}");
    assert_eq!(http_get(b.http_addr().expect("b http"), "/health").await.0, 200);

    let poster = Poster::start(store.clone(), Duration::from_millis(4), 6);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let crashed_at_tick = a.status().tick.unwrap_or(0);
    a.abort();
    let crashed = Instant::now();

    b_status.wait_for(|s| s.role == Role::Leader && s.ticks_committed >= 1).await.expect("b takes over");
    let takeover = crashed.elapsed();
    println!("takeover after {takeover:?} (lease TTL {ttl:?})");
    assert!(
        takeover <= ttl + TICK + Duration::from_millis(300),
        "takeover took {takeover:?} (TTL {ttl:?}, tick {TICK:?})"
    );

    tokio::time::sleep(Duration::from_millis(600)).await;
    let posted = poster.finish().await;
    assert!(posted.len() > 100, "orders flowed: {} batches", posted.len());
    let universe = b.status().universe.expect("b has a run");
    // Everything posted gets applied (the standby drains the stream and what the leader had read).
    let posted_set: HashSet<_> = posted.iter().copied().collect();
    wait_for("all posted batches applied", Duration::from_secs(5), || async {
        let records = applied(&store, &universe).await;
        let seen: HashSet<_> = entry_counts(&records).into_keys().collect();
        posted_set.is_subset(&seen).then_some(())
    })
    .await;
    let metrics_text = http_get(b.http_addr().expect("b http"), "/metrics").await.1;
    b.stop().await.expect("b stops cleanly");

    let records = applied(&store, &universe).await;
    let counts = entry_counts(&records);
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "entries applied more than once: {repeated:?}");
    for id in &posted {
        assert_eq!(counts.get(id), Some(&1), "batch {id} applied exactly once");
    }
    assert_eq!(pending_count(&server.url()).await, 0, "nothing left unacknowledged");
    assert!(records.len() as u64 > crashed_at_tick + 10, "b continued the same run");

    let uninterrupted = replay_from_zero(&game, &records);
    let (saved_universe, live) = saved(&store).await;
    assert_eq!(saved_universe, universe);
    assert_eq!(live.world.tick, records.last().map(|(t, _)| *t).unwrap_or(0));
    assert_eq!(live.state_hash(), uninterrupted.state_hash(), "same state hash as an uninterrupted run");
    assert_eq!(live, uninterrupted, "routes and flags match too");
    assert!(live.routes.len() + records.iter().filter(|(_, r)| !r.incoming.is_empty()).count() > 0);
    assert_eq!(
        metric(&metrics_text, r#"sector_sim_recoveries_total{kind="restored"}"#),
        1.0,
        "{metrics_text}"
    );
    assert_eq!(metric(&metrics_text, r#"sector_sim_lease_state{state="leader"}"#), 1.0);
}

/// Redis dies under a running sim and comes back from its last RDB save: the worker retries
/// with backoff, counts the errors, and continues from what the store kept (the ticks after
/// the save are redone), with a consistent log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restart_under_a_running_sim_recovers_from_the_last_saved_state() {
    init_tracing();
    let (mut server, store) = redis().await;
    bots_only(&store).await;
    let game = game(30);
    let mut config = sim_config("sim-restart", game.clone());
    config.lease_ttl = Duration::from_millis(3000);
    let sim = spawn(server.store(Keys::default()).await.expect("store"), config).await.expect("spawn");
    let mut status = sim.subscribe();
    status.wait_for(|s| s.tick.unwrap_or(0) >= 20).await.expect("ticking");
    let universe = sim.status().universe.expect("run");
    let poster = Poster::start(store.clone(), Duration::from_millis(5), 4);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Persist, note what the store holds, run on, then kill Redis (SIGKILL).
    let client = redis::Client::open(server.url()).expect("client");
    let mut raw = client.get_multiplexed_async_connection().await.expect("raw");
    let () = redis::cmd("SAVE").query_async(&mut raw).await.expect("SAVE");
    let saved_at = applied(&store, &universe).await.last().map(|(t, _)| *t).unwrap_or(0);
    status.wait_for(|s| s.tick.unwrap_or(0) >= saved_at + 10).await.expect("ticks after the save");
    let tick_before_kill = sim.status().tick.unwrap_or(0);
    server.stop();
    tokio::time::sleep(Duration::from_millis(800)).await;
    status.wait_for(|s| !s.store_ok).await.expect("outage noticed");
    // Liveness stays up through the outage (no restart); readiness reports it.
    let http = sim.http_addr().expect("http");
    assert_eq!(http_get(http, "/health").await.0, 200);
    let (code, body) = http_get(http, "/ready").await;
    assert_eq!(code, 503, "{body}");
    assert!(body.contains(r#""store_ok":false"#), "{body}");
    server.restart().expect("redis restarts and loads its RDB");

    // The store lost the ticks after the save: the worker goes back to the stored state, then on.
    wait_for("ticking again past the old position", Duration::from_secs(8), || async {
        let s = sim.status();
        (s.store_ok && s.tick.unwrap_or(0) > tick_before_kill + 5).then_some(())
    })
    .await;
    let _ = poster.finish().await;
    let metrics_text = http_get(sim.http_addr().expect("http"), "/metrics").await.1;
    sim.stop().await.expect("stops");

    let text = logs();
    assert!(text.contains("store operation failed; retrying with backoff"), "outage logged");
    assert!(text.contains("state re-established from the store"), "recovery logged");
    let errors: f64 = ["unavailable", "fenced", "invalid", "backend"]
        .iter()
        .map(|k| metric(&metrics_text, &format!("sector_sim_store_errors_total{{kind=\"{k}\"}}")))
        .sum();
    assert!(errors >= 1.0, "store errors counted: {metrics_text}");
    assert!(
        metric(&metrics_text, r#"sector_sim_recoveries_total{kind="restored"}"#) >= 1.0,
        "{metrics_text}"
    );

    let records = applied(&store, &universe).await;
    assert!(entry_counts(&records).values().all(|n| *n == 1), "no entry applied twice");
    let replayed = replay_from_zero(&game, &records);
    let (_, live) = saved(&store).await;
    assert_eq!(live.state_hash(), replayed.state_hash(), "the continued run is the log's run");
    assert!(live.world.tick > tick_before_kill);
}

/// A Redis that comes back empty (here: FLUSHALL): the lease is gone, the worker re-acquires
/// it, finds no saved state and re-seeds the store from its memory: the run goes on from where
/// it was instead of starting over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emptied_store_is_reseeded_from_memory() {
    init_tracing();
    let (server, store) = redis().await;
    bots_only(&store).await;
    let sim = spawn(server.store(Keys::default()).await.expect("store"), sim_config("sim-flush", game(20)))
        .await
        .expect("spawn");
    let mut status = sim.subscribe();
    status.wait_for(|s| s.tick.unwrap_or(0) >= 10).await.expect("ticking");
    let universe = sim.status().universe.expect("run");
    let client = redis::Client::open(server.url()).expect("client");
    let mut raw = client.get_multiplexed_async_connection().await.expect("raw");
    let () = redis::cmd("FLUSHALL").query_async(&mut raw).await.expect("FLUSHALL");
    bots_only(&store).await;
    let tick_at_flush = sim.status().tick.unwrap_or(0);
    wait_for("saved state written again", Duration::from_secs(5), || async {
        store.saved_state().await.ok().flatten().filter(|s| s.tick > tick_at_flush + 5)
    })
    .await;
    let (saved_universe, state) = saved(&store).await;
    assert_eq!(saved_universe, universe, "same run");
    assert!(state.world.tick > tick_at_flush, "continued, not restarted");
    assert!(store.order_stream_len().await.is_ok());
    let text = http_get(sim.http_addr().expect("http"), "/metrics").await.1;
    assert_eq!(metric(&text, r#"sector_sim_recoveries_total{kind="reseeded"}"#), 1.0, "{text}");
    sim.stop().await.expect("stops");
}

async fn pending_of(url: &str, consumer: &str) -> usize {
    let client = redis::Client::open(url).expect("client");
    let mut conn = client.get_multiplexed_async_connection().await.expect("conn");
    let reply: redis::Value = redis::cmd("XPENDING")
        .arg("sector:orders")
        .arg("sim")
        .arg("-")
        .arg("+")
        .arg(100)
        .arg(consumer)
        .query_async(&mut conn)
        .await
        .expect("xpending");
    match reply {
        redis::Value::Array(items) => items.len(),
        _ => 0,
    }
}

/// A leader whose commits fail (here: a key holding the wrong type) neither half-applies a tick
/// nor loses the orders it read: they stay pending under its consumer, and when it crashes the
/// standby claims them (XAUTOCLAIM) and applies each once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_read_by_a_failing_leader_are_claimed_by_the_standby() {
    init_tracing();
    let (server, store) = redis().await;
    bots_only(&store).await;
    let game = game(20);
    let a = spawn(server.store(Keys::default()).await.expect("store a"), sim_config("fail-a", game.clone()))
        .await
        .expect("spawn a");
    let mut a_status = a.subscribe();
    a_status.wait_for(|s| s.tick.unwrap_or(0) >= 3).await.expect("a ticks");
    let b = spawn(server.store(Keys::default()).await.expect("store b"), sim_config("fail-b", game.clone()))
        .await
        .expect("spawn b");
    let mut b_status = b.subscribe();
    b_status.wait_for(|s| s.role == Role::Standby).await.expect("b stands by");
    let universe = a.status().universe.expect("run");

    let client = redis::Client::open(server.url()).expect("client");
    let mut raw = client.get_multiplexed_async_connection().await.expect("raw");
    let () =
        redis::cmd("SET").arg("sector:snapshot").arg("broken").query_async(&mut raw).await.expect("sabotage");
    a_status.wait_for(|s| !s.store_ok).await.expect("a's commits fail");
    let stuck = a.status().tick.unwrap_or(0);
    let mut posted = Vec::new();
    for k in 0..5 {
        let batch = format!(
            r#"{{"orders": [{{"faction": "F1", "origin_id": {k}, "target_id": 1, "source": "bot"}}]}}"#
        );
        posted.push(store.append_orders(&batch, 5000).await.expect("post"));
    }
    wait_for("a holds the batches pending", Duration::from_secs(3), || async {
        (pending_of(&server.url(), "sim-fail-a").await == posted.len()).then_some(())
    })
    .await;
    tokio::time::sleep(TICK * 5).await;
    assert_eq!(a.status().tick, Some(stuck), "a failed tick is not applied in memory");
    assert_eq!(applied(&store, &universe).await.last().map(|(t, _)| *t), Some(stuck), "nor in the store");
    assert!(a.metrics().store_error_count() >= 1);

    a.abort();
    let () = redis::cmd("DEL").arg("sector:snapshot").query_async(&mut raw).await.expect("repair");
    b_status.wait_for(|s| s.role == Role::Leader && s.ticks_committed >= 3).await.expect("b takes over");
    let records = applied(&store, &universe).await;
    let counts = entry_counts(&records);
    for id in &posted {
        assert_eq!(counts.get(id), Some(&1), "batch {id} applied exactly once");
    }
    assert_eq!(pending_count(&server.url()).await, 0);
    assert!(
        logs().lines().any(|l| l.contains("worker=fail-b") && l.contains("pending orders taken over")),
        "b took over a's pending entries"
    );
    b.stop().await.expect("b stops");
    let records = applied(&store, &universe).await;
    let (_, live) = saved(&store).await;
    assert_eq!(live.state_hash(), replay_from_zero(&game, &records).state_hash());
}
