//! Replays the rules and chaos traces tick by tick from each trace's own line 0, so the
//! tick rules are checked independently of the generator.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use sector_core::Config;
use sector_core::trace::{compare_state, order_from_trace, world_from_trace};
use serde_json::Value;

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden").join(name)
}

fn replay(name: &str) -> u64 {
    let file = std::fs::File::open(golden(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut lines = BufReader::new(flate2::read::GzDecoder::new(file)).lines();
    let line0: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let mut world = world_from_trace(&line0, &Config::default()).unwrap();
    let mut ticks = 0;
    for line in lines {
        let line: Value = serde_json::from_str(&line.unwrap()).unwrap();
        let orders: Vec<_> =
            line["orders"].as_array().unwrap().iter().map(|o| order_from_trace(o).unwrap()).collect();
        world.advance(&orders);
        if let Some(mismatch) = compare_state(&line["state"], &world) {
            panic!("{name}: tick {}: {mismatch}", line["tick"]);
        }
        ticks += 1;
    }
    ticks
}

#[test]
fn rules_seed_1() {
    assert_eq!(replay("rules-seed-1.jsonl.gz"), 600);
}

#[test]
fn rules_seed_2() {
    assert_eq!(replay("rules-seed-2.jsonl.gz"), 600);
}

#[test]
fn rules_seed_3() {
    assert_eq!(replay("rules-seed-3.jsonl.gz"), 600);
}

#[test]
fn chaos_seed_3() {
    assert_eq!(replay("chaos-seed-3.jsonl.gz"), 3000);
}

#[test]
fn chaos_seed_5() {
    assert_eq!(replay("chaos-seed-5.jsonl.gz"), 2957);
}

#[test]
fn a_departure_is_reported_with_its_path() {
    let file = std::fs::File::open(golden("rules-seed-1.jsonl.gz")).unwrap();
    let mut lines = BufReader::new(flate2::read::GzDecoder::new(file)).lines();
    let line0: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let line1: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let mut world = world_from_trace(&line0, &Config::default()).unwrap();
    // Dropping the recorded orders leaves the launched fleet at home.
    world.advance(&[]);
    let mismatch = compare_state(&line1["state"], &world).expect("a departure must be reported");
    assert!(mismatch.path.starts_with("state.fleets["), "{mismatch}");
    // A single float bit is enough.
    let mut world = world_from_trace(&line0, &Config::default()).unwrap();
    let orders: Vec<_> =
        line1["orders"].as_array().unwrap().iter().map(|o| order_from_trace(o).unwrap()).collect();
    world.advance(&orders);
    assert_eq!(compare_state(&line1["state"], &world), None);
    world.systems[3].stability = f64::from_bits(world.systems[3].stability.to_bits() - 1);
    let mismatch = compare_state(&line1["state"], &world).unwrap();
    assert_eq!(mismatch.path, "state.systems[3].stability");
}
