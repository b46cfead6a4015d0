//! `sector replay` against a live run: a sim worker plays a bots-only universe on a real
//! redis-server with orders flowing, then the replay of its applied-orders log (from Redis and
//! from an exported file) must reach the state hash the worker saved.

use std::process::Command;
use std::time::{Duration, Instant};

use sector_core::Config;
use sector_sim::SimConfig;
use sector_store::testing::RedisServer;
use sector_store::{ControlPatch, ControlStore, DEFAULT_ORDER_MAX_LEN, Keys, OrderStore, SnapshotStore};

fn sector(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_sector")).args(args).output().expect("sector runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_of_a_live_run_reaches_the_saved_state() {
    let server = RedisServer::start().expect("redis-server starts (apt-get install -y redis-server)");
    let store = server.store(Keys::default()).await.expect("connect");
    let mut game = Config::default();
    game.simulation.number_of_systems = 40;
    let mut config = SimConfig::new(game);
    config.worker_id = "replay-test".into();
    config.tick_period = Duration::from_millis(10);
    config.http_port = None;
    config.state_every = 7;
    store.update_control(&ControlPatch { bots_only: Some(true), ..Default::default() }).await.unwrap();
    let sim = sector_sim::spawn(store.clone(), config).await.expect("sim starts");

    // Post orders like bots would, including a multi-hop one that becomes a route.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut posted = 0;
    while Instant::now() < deadline && posted < 30 {
        let Some(snapshot) = store.snapshot().await.unwrap() else { continue };
        let snapshot: serde_json::Value = serde_json::from_str(&snapshot.data).unwrap();
        let fleets = snapshot["fleets"].as_array().cloned().unwrap_or_default();
        let orders: Vec<serde_json::Value> = fleets
            .iter()
            .filter(|f| f["eta"] == 0)
            .map(|f| serde_json::json!({"faction": f["owner"], "origin_id": f["system_id"], "target_id": (posted * 7) % 40, "source": "bot"}))
            .collect();
        store
            .append_orders(&serde_json::json!({"orders": orders}).to_string(), DEFAULT_ORDER_MAX_LEN)
            .await
            .unwrap();
        posted += 1;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(posted, 30, "the sim published snapshots");
    sim.stop().await.expect("graceful stop saves the state");

    let url = server.url();
    let export = std::env::temp_dir().join(format!("sector-replay-{}.jsonl", std::process::id()));
    let export_arg = export.to_string_lossy().into_owned();
    let (ok, out, err) = tokio::task::spawn_blocking({
        let url = url.clone();
        let export_arg = export_arg.clone();
        move || sector(&["replay", "--orders-from", &url, "--systems", "40", "--export", &export_arg])
    })
    .await
    .unwrap();
    assert!(ok, "{out}\n{err}");
    let ticks = out.lines().filter(|l| l.starts_with("tick ")).count();
    assert!(ticks > 20, "replayed {ticks} ticks\n{out}");
    assert!(out.contains("matches the replay"), "the graceful stop saved the last tick's state\n{out}");

    let (ok, from_file, err) = tokio::task::spawn_blocking(move || {
        sector(&["replay", "--orders-from", &export_arg, "--systems", "40"])
    })
    .await
    .unwrap();
    let _ = std::fs::remove_file(&export);
    assert!(ok, "{err}");
    let hashes =
        |text: &str| text.lines().filter(|l| l.starts_with("tick ")).map(String::from).collect::<Vec<_>>();
    assert_eq!(hashes(&from_file), hashes(&out));

    // A different map size cannot reproduce the run: the first hash already differs.
    let (_, wrong, _) = tokio::task::spawn_blocking(move || {
        let url = url;
        sector(&["replay", "--orders-from", &url, "--systems", "41"])
    })
    .await
    .unwrap();
    assert_ne!(hashes(&wrong).first(), hashes(&out).first());
}

#[test]
fn bad_sources_are_clear_errors() {
    let (ok, _, err) = sector(&["replay", "--orders-from", "/nonexistent/log.jsonl"]);
    assert!(!ok);
    assert!(err.contains("opening /nonexistent/log.jsonl"), "{err}");
    let (ok, _, err) = sector(&["replay", "--orders-from", "/dev/null"]);
    assert!(!ok);
    assert!(err.contains("pass --seed"), "{err}");
}
