//! The fenced tick commit at 30 systems: a ~10 KB snapshot and a ~1 KB delta event, plus the
//! tick's applied-orders record and the acknowledgement of the order entry it consumed.
//! Target: ≤ 1 ms per commit against a local redis-server.
//!
//! `cargo bench -p sector-store --bench commit` (starts its own redis-server). Only the commit
//! is timed; appending and reading the order it acknowledges happen outside the measurement.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use sector_store::prelude::*;
use sector_store::testing::RedisServer;
use sector_store::{Commit, EntryId, Keys, Lease, MemoryStore};
use serde_json::{Value, json};

const SYSTEMS: usize = 30;

/// A snapshot shaped like WIRE.md §4 for a 30-system world (~10 KB).
fn snapshot(tick: u64) -> String {
    let systems: Vec<Value> = (0..SYSTEMS)
        .map(|id| {
            json!({
                "id": id, "x": 0.123_456_789 * id as f64 % 1.0, "y": 0.987_654_321 * id as f64 % 1.0,
                "owner": format!("faction-{}", id % 6), "value": id % 10 + 1, "kind": "normal",
                "heat": 1.25, "stability": 0.875, "unrest": 0.0625, "reclaim_cooldown": 0,
                "occupation_faction": null, "occupation_progress": 0, "is_besieged": false,
                "siege_owner": null, "siege_strength": 0
            })
        })
        .collect();
    let lanes: Vec<Value> =
        (0..SYSTEMS).flat_map(|a| [json!([a, (a + 1) % SYSTEMS]), json!([a, (a + 7) % SYSTEMS])]).collect();
    let fleets: Vec<Value> = (0..24)
        .map(|id| {
            json!({"id": id, "owner": format!("faction-{}", id % 6), "system_id": id, "strength": 12.5,
                   "enroute_from": null, "enroute_to": null, "eta": 0})
        })
        .collect();
    let factions: Vec<Value> = (0..6)
        .map(|i| json!({"id": format!("faction-{i}"), "name": format!("Faction {i}"), "color": "#a0b0c0"}))
        .collect();
    let events: Vec<String> =
        (0..30).map(|i| format!("Tick {i}: Faction {} captured system {i}", i % 6)).collect();
    json!({
        "tick_delay": 0.3, "tick_delay_ms": 300, "tick": tick, "generator_seed": 42,
        "systems": systems, "lanes": lanes, "fleets": fleets, "events": events, "highlight_ids": [1, 2],
        "ai_state": null, "factions": factions, "history_tail": [], "orders_applied": 12
    })
    .to_string()
}

/// A delta event (~1 KB).
fn delta(tick: u64) -> String {
    let changed: Vec<Value> = (0..6).map(|id| json!({"owner": "faction-2", "heat": 2.5, "id": id})).collect();
    let fleets: Vec<Value> = (0..4)
        .map(|id| json!({"id": id, "owner": "faction-1", "system_id": id, "strength": 10.0, "enroute_from": null, "enroute_to": null, "eta": 0}))
        .collect();
    let events: Vec<String> = (0..8).map(|i| format!("Tick {tick}: battle at system {i}")).collect();
    json!({"tick": tick, "tick_delay_ms": 300, "changed_systems": changed, "changed_fleets": fleets,
           "highlight_ids": [0, 1, 2], "events": events, "type": "delta"})
    .to_string()
}

const APPLIED: &str = r#"[{"faction": "faction-1", "origin_id": 3, "target_id": 4, "source": "bot"}]"#;

struct Fixture<S> {
    store: S,
    lease: Lease,
    tick: u64,
}

impl<S: Store> Fixture<S> {
    async fn new(store: S) -> Self {
        let lease =
            store.acquire_lease("bench", Duration::from_secs(3600)).await.ok().flatten().expect("lease");
        store.ensure_order_group().await.expect("group");
        Self { store, lease, tick: 0 }
    }

    /// One commit, timed; the order it acknowledges is prepared untimed.
    async fn timed_commit(&mut self, snapshot: &str, event: &str, state: Option<&[u8]>) -> Duration {
        self.tick += 1;
        self.store.append_orders(r#"{"orders": []}"#, 5000).await.expect("append order");
        let read = self.store.read_orders("sim-bench", 50, Duration::ZERO).await.expect("read order");
        let ack: Vec<EntryId> = read.iter().map(|e| e.id).collect();
        let mut commit = Commit::tick("1")
            .event(event)
            .applied(self.tick, APPLIED)
            .snapshot(self.tick, snapshot)
            .ack(&ack);
        if let Some(state) = state {
            commit = commit.state(self.tick, state);
        }
        let started = Instant::now();
        let receipt = self.store.commit(&self.lease, &commit).await.expect("commit");
        let elapsed = started.elapsed();
        black_box(receipt);
        elapsed
    }
}

fn bench_commit(c: &mut Criterion) {
    let snapshot = snapshot(100);
    let event = delta(100);
    let state = snapshot.clone().into_bytes();
    eprintln!("snapshot {} bytes, event {} bytes, state {} bytes", snapshot.len(), event.len(), state.len());

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let server = RedisServer::start().unwrap_or_else(|e| panic!("cannot start redis-server: {e}"));
    let redis = rt.block_on(async { server.store(Keys::default()).await.expect("connect") });
    let mut on_redis = rt.block_on(Fixture::new(redis));
    let mut in_memory = rt.block_on(Fixture::new(MemoryStore::new()));

    let mut group = c.benchmark_group("tick_commit_30_systems");
    group.bench_function("redis", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += on_redis.timed_commit(&snapshot, &event, None).await;
                }
                total
            })
        })
    });
    group.bench_function("redis_with_full_state", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += on_redis.timed_commit(&snapshot, &event, Some(&state)).await;
                }
                total
            })
        })
    });
    group.bench_function("memory", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += in_memory.timed_commit(&snapshot, &event, None).await;
                }
                total
            })
        })
    });
    group.finish();
    drop(server);
}

criterion_group!(benches, bench_commit);
criterion_main!(benches);
