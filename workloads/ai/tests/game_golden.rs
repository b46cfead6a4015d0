//! Golden bots-only games (tests/golden/README.md): at every tick the AI, run on the state after
//! the previous tick, must produce exactly the recorded orders (faction, origin, target, in
//! order); the world is then advanced with the recorded orders and must match the recorded
//! state; the last line's winner must match the run-end rule. A second puppet plays the
//! same game through the wire snapshot (JSON round trip) and must agree at every tick.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use flate2::read::GzDecoder;
use sector_ai::{Puppet, SnapshotView};
use sector_core::trace::{compare_state, order_from_trace, world_from_trace};
use sector_core::{Config, Order};
use serde_json::Value;

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden").join(name)
}

fn read_lines(name: &str) -> Result<Vec<Value>, String> {
    let path = golden_path(name);
    let file = std::fs::File::open(&path).map_err(|e| format!("opening {}: {e}", path.display()))?;
    BufReader::new(GzDecoder::new(file))
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let line = line.map_err(|e| format!("{name} line {i}: {e}"))?;
            serde_json::from_str(&line).map_err(|e| format!("{name} line {i}: {e}"))
        })
        .collect()
}

fn key(faction: &str, origin: i64, target: i64) -> (String, i64, i64) {
    (faction.to_string(), origin, target)
}

/// Replays one game; returns the number of ticks whose orders and state matched.
fn replay(seed: u32) -> Result<usize, String> {
    let name = format!("game-seed-{seed}.jsonl.gz");
    let lines = read_lines(&name)?;
    let (line0, ticks) = lines.split_first().ok_or_else(|| format!("{name} is empty"))?;
    let config = Config::default();
    let mut world = world_from_trace(line0, &config).map_err(|e| format!("{name} line 0: {e}"))?;
    let mut puppet = Puppet::new(world.generator_seed, &config);
    let mut wire_puppet = Puppet::new(world.generator_seed, &config);
    for (i, line) in ticks.iter().enumerate() {
        let tick = line["tick"].as_u64().ok_or_else(|| format!("{name} line {}: no tick", i + 1))?;
        let recorded: Vec<Order> = line["orders"]
            .as_array()
            .ok_or_else(|| format!("{name} tick {tick}: no orders"))?
            .iter()
            .map(order_from_trace)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{name} tick {tick}: {e}"))?;

        let ours = puppet.decide(&world);
        let json = serde_json::to_string(&world.snapshot()).map_err(|e| e.to_string())?;
        let snapshot =
            serde_json::from_str(&json).map_err(|e| format!("{name} tick {tick}: snapshot: {e}"))?;
        let view = SnapshotView::new(&snapshot, &config).map_err(|e| format!("{name} tick {tick}: {e}"))?;
        if wire_puppet.decide(&view) != ours {
            return Err(format!("{name} tick {tick}: the snapshot view decided differently from the world"));
        }
        let expected: Vec<_> = recorded.iter().map(|o| key(&o.faction, o.origin_id, o.target_id)).collect();
        let actual: Vec<_> =
            ours.iter().map(|o| key(&o.faction, i64::from(o.origin_id), i64::from(o.target_id))).collect();
        if expected != actual {
            let at = expected
                .iter()
                .zip(&actual)
                .position(|(a, b)| a != b)
                .unwrap_or(expected.len().min(actual.len()));
            return Err(format!(
                "{name}: orders differ at tick {tick}, index {at} (after {i} matching ticks): expected {:?}, ours {:?} \
                 (expected {} orders, ours {}); our order there: {:?}",
                expected.get(at),
                actual.get(at),
                expected.len(),
                actual.len(),
                ours.get(at).map(|o| &o.reason),
            ));
        }

        world.advance(&recorded);
        if let Some(mismatch) = compare_state(&line["state"], &world) {
            return Err(format!("{name}: state differs after tick {tick}: {mismatch}"));
        }
        let winner = sector_core::outcome::winner(&world).map(|w| world.faction_id(w).to_string());
        let is_last = i + 1 == ticks.len();
        if is_last {
            let recorded_winner = line.get("winner").and_then(Value::as_str).map(str::to_string);
            if winner != recorded_winner {
                return Err(format!("{name}: winner {winner:?}, recorded {recorded_winner:?}"));
            }
        } else if let Some(w) = winner {
            return Err(format!("{name}: {w} already wins after tick {tick}, but the game goes on"));
        }
    }
    Ok(ticks.len())
}

fn check(seed: u32) {
    match replay(seed) {
        Ok(ticks) => eprintln!("game-seed-{seed}: all {ticks} ticks matched"),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn game_seed_10() {
    check(10);
}

#[test]
fn game_seed_11() {
    check(11);
}

#[test]
fn game_seed_12() {
    check(12);
}
