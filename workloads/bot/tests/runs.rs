//! Runs and ticks: the bot acts at most once per tick, wakes on new events rather than polling
//! (KNOWN_DEFECTS D5), and starts a fresh puppet for every new run (D1).

mod common;

use std::time::Duration;

use common::{Publisher, RecordingSink, TestResult, config, eventually, fresh_orders};
use sector_ai::{Puppet, SnapshotView};
use sector_bot::{Step, StoreSink, WireOrder, Worker};
use sector_core::Config;
use sector_store::prelude::*;
use sector_store::testing::RedisServer;
use sector_store::{Keys, MemoryStore};

fn acted(step: Step) -> Result<sector_bot::Action, String> {
    match step {
        Step::Acted(action) => Ok(action),
        other => Err(format!("expected an action, got {other:?}")),
    }
}

#[tokio::test]
async fn acts_once_per_tick() -> TestResult {
    let store = MemoryStore::new();
    let publisher = Publisher::new(store.clone()).await?;
    let mut worker = Worker::new(store.clone(), config("solo"), RecordingSink::default());
    assert_eq!(worker.act().await?, Step::NoSnapshot);

    let mut snap = common::snapshot(3, 0)?;
    publisher.start_run("1", &snap).await?;
    assert!(matches!(worker.act().await?, Step::Acted(a) if a.tick == 0 && a.new_run));
    assert_eq!(worker.act().await?, Step::AlreadyActed { universe: "1".into(), tick: 0 });
    publisher.poke("1").await?; // an event without a new snapshot changes nothing
    assert_eq!(worker.act().await?, Step::AlreadyActed { universe: "1".into(), tick: 0 });

    snap.tick = 1;
    publisher.publish("1", &snap).await?;
    assert!(matches!(worker.act().await?, Step::Acted(a) if a.tick == 1 && !a.new_run));
    // The bot was too slow for ticks 2 and 3: it acts on 4 and counts the two it skipped.
    snap.tick = 4;
    publisher.publish("1", &snap).await?;
    assert!(matches!(worker.act().await?, Step::Acted(a) if a.tick == 4));
    assert_eq!(worker.act().await?, Step::AlreadyActed { universe: "1".into(), tick: 4 });

    let metrics = worker.metrics().snapshot();
    assert_eq!((metrics.ticks_acted, metrics.ticks_skipped, metrics.runs_started), (3, 2, 1));
    assert_eq!(worker.sink().batches().len(), 3, "one batch per tick acted on");
    assert_eq!(metrics.orders_posted, worker.sink().batches().iter().map(|b| b.len() as u64).sum::<u64>());
    Ok(())
}

/// The running loop, with poll and block times far longer than the test: only the event wake
/// can make it act on each tick in time, and it acts exactly once per tick.
#[tokio::test]
async fn running_loop_wakes_on_events_and_acts_once_per_tick() -> TestResult {
    let server = RedisServer::start()?;
    let store = server.store(Keys::default()).await?;
    let publisher = Publisher::new(store.clone()).await?;
    let mut snap = common::snapshot(5, 0)?;
    publisher.start_run("1", &snap).await?;

    let mut slow = config("solo");
    slow.poll_interval = Duration::from_secs(30);
    slow.event_block = Duration::from_secs(30);
    let worker = Worker::new(server.store(Keys::default()).await?, slow, StoreSink::new(store.clone()));
    let metrics = worker.metrics();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));

    assert!(
        eventually(Duration::from_secs(2), || metrics.snapshot().ticks_acted == 1).await,
        "acts at start"
    );
    for tick in 1..=5 {
        snap.tick = tick;
        publisher.publish("1", &snap).await?;
        let woke = eventually(Duration::from_secs(2), || metrics.snapshot().ticks_acted == tick + 1).await;
        assert!(woke, "tick {tick} acted on promptly: {:?}", metrics.snapshot());
    }
    publisher.poke("1").await?;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let _ = stop.send(());
    task.await?;
    let m = metrics.snapshot();
    assert_eq!((m.ticks_acted, m.ticks_skipped, m.post_failures), (6, 0, 0), "{m:?}");
    // StoreSink: one order-stream entry per tick, tagged as bot orders.
    assert_eq!(store.order_stream_len().await?, 6);
    Ok(())
}

/// A new universe (and a new run in the same universe: the tick going back) gets a fresh
/// puppet, so its orders are exactly a fresh puppet's — not those of the previous run's goals,
/// pins and random stream (KNOWN_DEFECTS D1).
#[tokio::test]
async fn new_run_resets_the_puppet() -> TestResult {
    let store = MemoryStore::new();
    let publisher = Publisher::new(store.clone()).await?;
    let mut worker = Worker::new(store.clone(), config("solo"), RecordingSink::default());
    let config = Config::default();

    // Run 1 (universe "1"): several ticks, so the puppet has goals, pins and spent draws.
    let mut played = Puppet::new(common::snapshot(11, 0)?.generator_seed, &config);
    for tick in 0..4 {
        let snap = common::snapshot(11, tick)?;
        if tick == 0 {
            publisher.start_run("1", &snap).await?;
        } else {
            publisher.publish("1", &snap).await?;
        }
        let action = acted(worker.act().await?)?;
        let expected: Vec<WireOrder> =
            played.decide(&SnapshotView::new(&snap, &config)?).into_iter().map(WireOrder::from).collect();
        assert_eq!(action.orders, expected, "tick {tick}: the puppet carries on within a run");
    }

    // Run 2 in universe "2" on the same map seed: only a reset makes the orders a fresh puppet's.
    let snap = common::snapshot(11, 0)?;
    let carried_on: Vec<WireOrder> =
        played.clone().decide(&SnapshotView::new(&snap, &config)?).into_iter().map(WireOrder::from).collect();
    let fresh = fresh_orders(&snap)?;
    assert_ne!(carried_on, fresh, "the test can tell a reset from no reset");
    publisher.start_run("2", &snap).await?;
    let action = acted(worker.act().await?)?;
    assert!(action.new_run && action.universe == "2");
    assert_eq!(action.orders, fresh);

    // Run 3 in the same universe and on the same map: the tick going back starts a new run.
    publisher.publish("2", &common::snapshot(11, 3)?).await?;
    assert!(matches!(worker.act().await?, Step::Acted(a) if !a.new_run && a.tick == 3));
    publisher.publish("2", &snap).await?;
    let action = acted(worker.act().await?)?;
    assert!(action.new_run && action.tick == 0);
    assert_eq!(action.orders, fresh);

    // Run 4: another map seed in the same universe.
    let other = common::snapshot(12, 0)?;
    publisher.publish("2", &other).await?;
    let action = acted(worker.act().await?)?;
    assert!(action.new_run);
    assert_eq!(action.orders, fresh_orders(&other)?);
    assert_eq!(worker.metrics().snapshot().runs_started, 4);
    Ok(())
}

#[tokio::test]
async fn orders_are_capped() -> TestResult {
    let store = MemoryStore::new();
    let snap = common::snapshot(9, 0)?;
    Publisher::new(store.clone()).await?.start_run("1", &snap).await?;
    let fresh = fresh_orders(&snap)?;
    assert!(fresh.len() > 3);
    let mut capped = config("solo");
    capped.max_orders = 3;
    let mut worker = Worker::new(store, capped, RecordingSink::default());
    let action = acted(worker.act().await?)?;
    assert_eq!(action.orders, fresh[..3].to_vec(), "the first orders survive the cap");
    Ok(())
}
