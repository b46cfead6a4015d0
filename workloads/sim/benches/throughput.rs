//! Sustained tick rate of the worker on a real redis-server with a 1,000-system map while order
//! batches are being posted (like bots: idle fleets to neighbours, some routed orders).
//!
//! The worker runs unpaced (`tick_period` 0), so the figure is its capacity: each measured
//! iteration waits for 10 more committed ticks; criterion reports it as elements (ticks) per
//! second. Every tick does the full protocol: lease renewal, control read, order read, tick on a
//! copy, delta event, snapshot hash (SNAPSHOT_EVERY=1), full state every 10 ticks, fenced commit.
//!
//! `cargo bench -p sector-sim --bench throughput` (needs `redis-server` on PATH).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sector_core::snapshot::Snapshot;
use sector_sim::{SimConfig, SimHandle, spawn};
use sector_store::testing::RedisServer;
use sector_store::{
    ControlPatch, ControlStore, DEFAULT_ORDER_MAX_LEN, Keys, OrderStore, RedisStore, SnapshotStore,
};
use tokio::sync::watch;

const SYSTEMS: usize = 1_000;
const TICKS_PER_ITER: u64 = 10;
/// A batch every 2 ms with up to 20 orders: ~10,000 orders/s offered.
const POST_EVERY: Duration = Duration::from_millis(2);
const ORDERS_PER_BATCH: usize = 20;

fn batch(snapshot: &Snapshot, neighbours: &BTreeMap<u32, Vec<u32>>, n: usize) -> String {
    let idle: Vec<_> = snapshot.fleets.iter().filter(|f| f.eta == 0 && f.system_id.is_some()).collect();
    let mut orders = Vec::new();
    for k in 0..ORDERS_PER_BATCH.min(idle.len()) {
        let fleet = idle[(n * 31 + k * 17) % idle.len()];
        let Some(at) = fleet.system_id else { continue };
        let Some(next) = neighbours.get(&at) else { continue };
        let target = if k == 0 && n.is_multiple_of(5) {
            // A far target: a multi-hop route.
            ((at as usize + 97 * n) % SYSTEMS) as u32
        } else {
            next[(n + k) % next.len()]
        };
        orders.push(serde_json::json!({"faction": fleet.owner, "origin_id": at, "target_id": target,
            "reason": "bench", "source": "bot"}));
    }
    serde_json::json!({ "orders": orders }).to_string()
}

/// Posts batches until stopped, from a snapshot refreshed every 100 ms.
async fn post(store: RedisStore, mut stop: watch::Receiver<bool>, posted: Arc<Mutex<usize>>) {
    let mut cached: Option<(Snapshot, BTreeMap<u32, Vec<u32>>)> = None;
    let mut refreshed = Instant::now() - Duration::from_secs(1);
    let mut n = 0;
    while !*stop.borrow() {
        if refreshed.elapsed() >= Duration::from_millis(100) {
            if let Ok(Some(stored)) = store.snapshot().await
                && let Ok(snapshot) = serde_json::from_str::<Snapshot>(&stored.data)
            {
                let mut neighbours: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
                for [a, b] in &snapshot.lanes {
                    neighbours.entry(*a).or_default().push(*b);
                    neighbours.entry(*b).or_default().push(*a);
                }
                cached = Some((snapshot, neighbours));
            }
            refreshed = Instant::now();
        }
        if let Some((snapshot, neighbours)) = &cached {
            n += 1;
            if store.append_orders(&batch(snapshot, neighbours, n), DEFAULT_ORDER_MAX_LEN).await.is_ok()
                && let Ok(mut count) = posted.lock()
            {
                *count += 1;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(POST_EVERY) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn wait_ticks(sim: &SimHandle, ticks: u64) -> Duration {
    let mut status = sim.subscribe();
    let start = status.borrow().tick.unwrap_or(0);
    let began = Instant::now();
    let _ = status.wait_for(|s| s.tick.unwrap_or(0) >= start + ticks).await;
    began.elapsed()
}

fn throughput(c: &mut Criterion) {
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(error) => panic!("tokio runtime: {error}"),
    };
    let server = match RedisServer::start() {
        Ok(server) => server,
        Err(error) => panic!("{error}"),
    };
    let (sim, stop, posted) = runtime.block_on(async {
        let store = server.store(Keys::default()).await.unwrap_or_else(|e| panic!("connect: {e}"));
        let control = ControlPatch { bots_only: Some(true), ..ControlPatch::default() };
        store.update_control(&control).await.unwrap_or_else(|e| panic!("control: {e}"));
        let mut game = sector_core::Config::default();
        game.simulation.number_of_systems = SYSTEMS;
        let mut config = SimConfig::new(game);
        config.worker_id = "bench".into();
        config.consumer = "sim-bench".into();
        config.tick_period = Duration::ZERO;
        config.http_port = None;
        let worker_store = server.store(Keys::default()).await.unwrap_or_else(|e| panic!("connect: {e}"));
        let sim = spawn(worker_store, config).await.unwrap_or_else(|e| panic!("spawn: {e}"));
        wait_ticks(&sim, 1).await;
        let (stop, stopped) = watch::channel(false);
        let posted = Arc::new(Mutex::new(0usize));
        tokio::spawn(post(store, stopped, posted.clone()));
        // Warm up: routes, battles and a full order backlog.
        wait_ticks(&sim, 200).await;
        (sim, stop, posted)
    });

    let started = Instant::now();
    let start_tick = sim.status().tick.unwrap_or(0);
    let start_applied = sim.metrics().orders_applied.get();
    let mut group = c.benchmark_group("sim_redis");
    group.sample_size(20);
    group.throughput(Throughput::Elements(TICKS_PER_ITER));
    group.bench_function("1000_systems_ticks_with_orders", |b| {
        b.iter_custom(|iters| runtime.block_on(wait_ticks(&sim, iters * TICKS_PER_ITER)));
    });
    group.finish();

    let seconds = started.elapsed().as_secs_f64();
    let ticks = sim.status().tick.unwrap_or(0) - start_tick;
    let applied = sim.metrics().orders_applied.get() - start_applied;
    let batches = posted.lock().map(|n| *n).unwrap_or(0);
    println!(
        "sustained: {:.0} ticks/s over {seconds:.1} s ({ticks} ticks, {:.1} orders applied per tick, {batches} batches posted in total)",
        ticks as f64 / seconds,
        applied as f64 / ticks.max(1) as f64,
    );
    let _ = stop.send(true);
    runtime.block_on(async {
        let _ = sim.stop().await;
    });
}

criterion_group!(benches, throughput);
criterion_main!(benches);
