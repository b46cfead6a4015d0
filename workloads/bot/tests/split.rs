//! Rendezvous split between replicas: on one store, two replicas drive disjoint sets of factions
//! that together cover the whole registry (League included), each sending exactly the orders a
//! single bot playing everything would send for its factions; when one replica stops
//! heartbeating, the other takes every faction over within the heartbeat TTL.

mod common;

use std::time::Duration;

use common::{Publisher, RecordingSink, TestResult, config, eventually, faction_ids, fresh_orders, only};
use sector_bot::{Action, Delivery, Step, Worker};
use sector_store::prelude::*;
use sector_store::testing::RedisServer;
use sector_store::{Keys, MemoryStore};

fn acted(step: Step) -> Result<Action, String> {
    match step {
        Step::Acted(action) => Ok(action),
        other => Err(format!("expected an action, got {other:?}")),
    }
}

/// Two replicas act on one snapshot: the split is disjoint and complete and the orders match.
async fn split_disjoint_and_complete<S: Store>(store_a: S, store_b: S) -> TestResult {
    let snap = common::snapshot_with_league(42)?;
    Publisher::new(store_a.clone()).await?.start_run("1", &snap).await?;
    let all = faction_ids(&snap);
    assert!(all.contains(&"L".to_string()), "the registry includes the League");
    let fresh = fresh_orders(&snap)?;
    assert!(fresh.iter().any(|o| o.faction == "L"), "the League has orders to give");

    let mut a = Worker::new(store_a, config("bot-a"), RecordingSink::default());
    let mut b = Worker::new(store_b, config("bot-b"), RecordingSink::default());
    // Both register before either splits (as their start-up heartbeats do).
    a.membership().heartbeat().await?;
    b.membership().heartbeat().await?;
    let from_a = acted(a.act().await?)?;
    let from_b = acted(b.act().await?)?;

    assert!(
        !from_a.driven.is_empty() && !from_b.driven.is_empty(),
        "{:?} / {:?}",
        from_a.driven,
        from_b.driven
    );
    assert!(from_a.driven.iter().all(|f| !from_b.driven.contains(f)), "disjoint");
    let mut union: Vec<String> = from_a.driven.iter().chain(&from_b.driven).cloned().collect();
    union.sort();
    let mut expected = all.clone();
    expected.sort();
    assert_eq!(union, expected, "complete");

    // Each replica ran the AI on the whole registry and kept its own factions' orders.
    assert_eq!(from_a.decided, fresh.len());
    assert_eq!(from_b.decided, fresh.len());
    assert_eq!(from_a.orders, only(&fresh, &from_a.driven));
    assert_eq!(from_b.orders, only(&fresh, &from_b.driven));
    assert_eq!(a.sink().batches(), vec![from_a.orders.clone()]);
    assert_eq!(b.sink().batches(), vec![from_b.orders.clone()]);
    assert_eq!(from_a.delivery, Delivery::Delivered);
    Ok(())
}

#[tokio::test]
async fn split_is_disjoint_and_complete_in_memory() -> TestResult {
    let store = MemoryStore::new();
    split_disjoint_and_complete(store.clone(), store).await
}

#[tokio::test]
async fn split_is_disjoint_and_complete_on_redis() -> TestResult {
    let server = RedisServer::start()?;
    split_disjoint_and_complete(server.store(Keys::default()).await?, server.store(Keys::default()).await?)
        .await
}

/// Replica A stops heartbeating; once its TTL has passed, B drives everything.
async fn survivor_takes_over<S: Store>(store_a: S, store_b: S) -> TestResult {
    let mut snap = common::snapshot(42, 0)?;
    let publisher = Publisher::new(store_a.clone()).await?;
    publisher.start_run("1", &snap).await?;
    let all = faction_ids(&snap);

    let mut a = Worker::new(store_a, config("bot-a"), RecordingSink::default());
    let mut b = Worker::new(store_b, config("bot-b"), RecordingSink::default());
    a.membership().heartbeat().await?;
    b.membership().heartbeat().await?;
    let before = acted(b.act().await?)?;
    assert!(before.driven.len() < all.len(), "B shares the work while A is live");
    let _ = acted(a.act().await?)?;

    // A dies (no more heartbeats, no leave); B keeps heartbeating.
    drop(a);
    let ttl = config("x").heartbeat_ttl;
    let deadline = tokio::time::Instant::now() + ttl + Duration::from_millis(50);
    while tokio::time::Instant::now() < deadline {
        b.membership().heartbeat().await?;
        tokio::time::sleep(ttl / 3).await;
    }
    snap.tick += 1;
    publisher.publish("1", &snap).await?;
    let after = acted(b.act().await?)?;
    assert_eq!(after.driven, all, "B drives every faction once A's heartbeat expired");
    Ok(())
}

#[tokio::test]
async fn survivor_takes_over_in_memory() -> TestResult {
    let store = MemoryStore::new();
    survivor_takes_over(store.clone(), store).await
}

#[tokio::test]
async fn survivor_takes_over_on_redis() -> TestResult {
    let server = RedisServer::start()?;
    survivor_takes_over(server.store(Keys::default()).await?, server.store(Keys::default()).await?).await
}

/// The same with the real loops: two running replicas share the factions; when one's task is
/// killed (no leave), the other drives all of them within the TTL, and a clean shutdown leaves
/// the membership at once.
#[tokio::test]
async fn running_replicas_fail_over_on_redis() -> TestResult {
    let server = RedisServer::start()?;
    let store = server.store(Keys::default()).await?;
    let mut snap = common::snapshot(7, 0)?;
    let publisher = Publisher::new(store.clone()).await?;
    publisher.start_run("1", &snap).await?;
    let total = faction_ids(&snap).len() as u64;

    let a = Worker::new(server.store(Keys::default()).await?, config("bot-a"), RecordingSink::default());
    let b = Worker::new(server.store(Keys::default()).await?, config("bot-b"), RecordingSink::default());
    let (metrics_a, metrics_b) = (a.metrics(), b.metrics());
    let task_a = tokio::spawn(a.run(std::future::pending()));
    let (stop_b, stopped_b) = tokio::sync::oneshot::channel::<()>();
    let task_b = tokio::spawn(b.run(async {
        let _ = stopped_b.await;
    }));

    // A sim ticking every 30 ms.
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(30)).await;
            snap.tick += 1;
            if publisher.publish("1", &snap).await.is_err() {
                break;
            }
        }
    });

    let shared = eventually(Duration::from_secs(3), || {
        let (a, b) = (metrics_a.snapshot(), metrics_b.snapshot());
        a.ticks_acted > 2 && b.ticks_acted > 2 && a.driven_factions + b.driven_factions == total
    })
    .await;
    assert!(
        shared,
        "both replicas act and split the factions: {:?} {:?}",
        metrics_a.snapshot(),
        metrics_b.snapshot()
    );
    assert!(metrics_b.snapshot().driven_factions < total);

    task_a.abort(); // a crash: no leave, heartbeats stop with the task
    let _ = task_a.await;
    let killed = tokio::time::Instant::now();
    // TTL (300 ms) plus slack for a loaded test machine.
    let took_over =
        eventually(Duration::from_millis(300 + 1200), || metrics_b.snapshot().driven_factions == total).await;
    assert!(took_over, "B drives all {total} factions after the TTL: {:?}", metrics_b.snapshot());
    // A's last heartbeat was at most TTL/3 before the kill, so it stayed live for 200 ms at least.
    assert!(killed.elapsed() >= Duration::from_millis(190), "B took over while A was still live");

    let _ = stop_b.send(());
    task_b.await?;
    assert_eq!(store.live_members().await?, Vec::<String>::new(), "a clean shutdown leaves at once");
    ticker.abort();
    Ok(())
}
