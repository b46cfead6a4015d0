//! End to end with a real simulation worker: spec fields written by the reconciler reach the
//! running sim through its Redis control hash (no pod restarts), and what the sim applies comes
//! back in the status.

mod common;

use std::time::Duration;

use common::*;
use sector_operator::crd::{Phase, WorldSpec};
use sector_sim::{SimConfig, spawn};
use sector_store::{ControlStore, Keys, SimPhase};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_and_reset_reach_a_running_simulation() {
    let h = harness().await;
    // Bots-only, so the run starts without a human claim.
    h.create("blue", json!({"botsOnly": true, "world": {"systems": 20}})).await;
    h.reconcile("blue").await.expect("reconcile");
    assert!(h.store.control("").await.expect("control").bots_only);

    let game =
        sector_operator::game_config::game_config(&WorldSpec { systems: Some(20), ..WorldSpec::default() })
            .expect("game config");
    let mut config = SimConfig::new(game);
    config.worker_id = "blue-sim-0".into();
    config.consumer = "sim-blue-sim-0".into();
    config.tick_period = Duration::from_millis(20);
    config.lease_ttl = Duration::from_millis(1000);
    config.http_port = None;
    let sim = spawn(h.redis.store(Keys::default()).await.expect("store"), config).await.expect("sim starts");
    let mut sim_status = sim.subscribe();
    tokio::time::timeout(WAIT, sim_status.wait_for(|s| s.tick.is_some_and(|t| t >= 3)))
        .await
        .expect("the sim ticks")
        .expect("status channel");

    h.roll_out().await;
    h.reconcile("blue").await.expect("reconcile");
    let status = h.get("blue").await.status.expect("status");
    assert_eq!(status.phase, Some(Phase::Running));
    let first_run = status.run.clone().expect("run reported");
    assert!(status.tick.is_some_and(|t| t > 0));

    // Pause: the same sim process stops advancing.
    h.patch_spec("blue", json!({"paused": true})).await;
    h.reconcile("blue").await.expect("reconcile");
    tokio::time::timeout(WAIT, sim_status.wait_for(|s| s.phase == Some(SimPhase::Paused)))
        .await
        .expect("the sim pauses")
        .expect("status channel");
    let paused_at = sim.status().tick;
    h.reconcile("blue").await.expect("reconcile");
    let status = h.get("blue").await.status.expect("status");
    assert_eq!(status.phase, Some(Phase::Paused));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sim.status().tick, paused_at, "no tick while paused");

    // Resume and reset: a new run, applied once.
    h.patch_spec("blue", json!({"paused": false, "restartGeneration": 1})).await;
    h.reconcile("blue").await.expect("reconcile");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let control = h.store.control("").await.expect("control");
        if control.status.applied_restart_generation == Some(1)
            && control.status.phase == Some(SimPhase::Running)
        {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the sim applies the restart: {control:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    h.reconcile("blue").await.expect("reconcile");
    let status = h.get("blue").await.status.expect("status");
    assert_eq!(status.applied_restart_generation, Some(1));
    assert_ne!(status.run.as_deref(), Some(first_run.as_str()), "a new run");
    assert_eq!(status.phase, Some(Phase::Running));
    let reasons = h.reasons().await;
    assert!(reasons.iter().any(|r| r == "RestartApplied"), "{reasons:?}");
    sim.stop().await.expect("sim stops");
}
