//! Shared fixtures: generated worlds and their snapshots, a fake sim that publishes them through
//! the fenced commit, worker configs with fast timings, a recording sink, and the orders a
//! fresh puppet gives (the reference every test compares with).

#![allow(dead_code)] // Each test binary uses a different subset.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sector_ai::{Puppet, SnapshotView};
use sector_bot::{BotConfig, OrderSink, SinkError, WireOrder};
use sector_core::snapshot::{Snapshot, SnapshotFaction, SnapshotFleet};
use sector_core::{Config, generator};
use sector_store::{Commit, Lease, Store};

pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;
pub type Fallible<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The snapshot of a freshly generated world, advanced `ticks` ticks without orders.
pub fn snapshot(seed: i64, ticks: u64) -> Fallible<Snapshot> {
    let mut world = generator::generate(&Config::default(), seed)?;
    for _ in 0..ticks {
        world.advance(&[]);
    }
    Ok(world.snapshot())
}

/// `snapshot` with the League registered and holding one unowned system with a 12.0 fleet, so
/// the League has something to order (as after an auto-claim, GAME_RULES.md §2.4).
pub fn snapshot_with_league(seed: i64) -> Fallible<Snapshot> {
    let mut snap = snapshot(seed, 0)?;
    snap.factions.push(SnapshotFaction {
        id: "L".into(),
        name: "League of Independents".into(),
        color: "#aaaaaa".into(),
        personality: None,
    });
    let system = snap.systems.iter_mut().find(|s| s.owner.is_none()).ok_or("no unowned system")?;
    system.owner = Some("L".into());
    let system_id = system.id;
    let fleet_id = snap.fleets.iter().map(|f| f.id).max().map_or(0, |m| m + 1);
    snap.fleets.push(SnapshotFleet {
        id: fleet_id,
        owner: "L".into(),
        system_id: Some(system_id),
        strength: 12.0,
        enroute_from: None,
        enroute_to: None,
        eta: 0,
    });
    Ok(snap)
}

/// The registry's faction ids, in order.
pub fn faction_ids(snap: &Snapshot) -> Vec<String> {
    snap.factions.iter().map(|f| f.id.clone()).collect()
}

/// What a fresh puppet for this snapshot's run decides (every faction, uncapped).
pub fn fresh_orders(snap: &Snapshot) -> Fallible<Vec<WireOrder>> {
    let config = Config::default();
    let view = SnapshotView::new(snap, &config)?;
    Ok(Puppet::new(snap.generator_seed, &config).decide(&view).into_iter().map(WireOrder::from).collect())
}

/// The orders of `orders` whose faction is in `factions`, order kept.
pub fn only(orders: &[WireOrder], factions: &[String]) -> Vec<WireOrder> {
    orders.iter().filter(|o| factions.contains(&o.faction)).cloned().collect()
}

/// A stand-in for the sim: holds the lease and publishes snapshots (hash + one event each)
/// through the fenced commit, as the real sim does.
pub struct Publisher<S> {
    store: S,
    lease: Lease,
}

impl<S: Store> Publisher<S> {
    pub async fn new(store: S) -> Fallible<Self> {
        let lease =
            store.acquire_lease("test-sim", Duration::from_secs(60)).await?.ok_or("lease already held")?;
        Ok(Self { store, lease })
    }

    /// The first snapshot of a run: sets the universe id with it.
    pub async fn start_run(&self, universe: &str, snap: &Snapshot) -> TestResult {
        let json = serde_json::to_string(snap)?;
        let event = format!(r#"{{"type": "snapshot", "tick": {}}}"#, snap.tick);
        let commit = Commit::run_start(universe).snapshot(snap.tick, &json).event(&event);
        self.store.commit(&self.lease, &commit).await?;
        Ok(())
    }

    /// A later snapshot of the current run.
    pub async fn publish(&self, universe: &str, snap: &Snapshot) -> TestResult {
        let json = serde_json::to_string(snap)?;
        let event = format!(r#"{{"type": "delta", "tick": {}}}"#, snap.tick);
        let commit = Commit::tick(universe).snapshot(snap.tick, &json).event(&event);
        self.store.commit(&self.lease, &commit).await?;
        Ok(())
    }

    /// An event without a new snapshot (e.g. a delta while SNAPSHOT_EVERY > 1).
    pub async fn poke(&self, universe: &str) -> TestResult {
        let commit = Commit::tick(universe).event(r#"{"type": "delta"}"#);
        self.store.commit(&self.lease, &commit).await?;
        Ok(())
    }
}

/// An in-process config with fast timings for `member`.
pub fn config(member: &str) -> BotConfig {
    BotConfig {
        member_id: member.into(),
        heartbeat_ttl: Duration::from_millis(300),
        poll_interval: Duration::from_millis(20),
        event_block: Duration::from_millis(200),
        ..BotConfig::in_process()
    }
}

/// Records every batch it is given; shareable with the test through [`RecordingSink::batches`].
#[derive(Debug, Clone, Default)]
pub struct RecordingSink {
    batches: Arc<Mutex<Vec<Vec<WireOrder>>>>,
}

impl RecordingSink {
    pub fn batches(&self) -> Vec<Vec<WireOrder>> {
        self.batches.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl OrderSink for RecordingSink {
    async fn send(&mut self, orders: &[WireOrder]) -> Result<(), SinkError> {
        self.batches.lock().unwrap_or_else(PoisonError::into_inner).push(orders.to_vec());
        Ok(())
    }
}

/// Polls `condition` every 10 ms until it holds or `within` has passed; whether it held.
pub async fn eventually(within: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
