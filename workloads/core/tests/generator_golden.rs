//! Replays `tests/golden/generator.jsonl.gz`: every recorded seed string must generate
//! exactly the recorded world (every field, floats compared with `==`).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use flate2::read::GzDecoder;
use sector_core::generator::generate;
use sector_core::seed::normalize_seed_str;
use sector_core::{Config, FactionIdx, World};
use serde_json::{Map, Value, json};

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden/generator.jsonl.gz")
}

fn faction(world: &World, idx: Option<FactionIdx>) -> Value {
    idx.map_or(Value::Null, |i| json!(world.registry.id(i)))
}

/// The world in the trace's line-0 `state` shape (tests/golden/README.md).
fn state_json(world: &World) -> Value {
    let systems: Vec<Value> = world
        .systems
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "x": s.x,
                "y": s.y,
                "value": s.value,
                "kind": s.kind.as_str(),
                "neighbors": s.neighbors,
                "owner": faction(world, s.owner),
                "stability": s.stability,
                "heat": s.heat,
                "unrest": s.unrest,
                "reclaim_cooldown": s.reclaim_cooldown,
                "occupation_faction": faction(world, s.occupation_faction),
                "occupation_progress": s.occupation_progress,
                "garrison": s.garrison,
                "econ_maturity": s.econ_maturity,
            })
        })
        .collect();
    let fleets: Vec<Value> = world
        .fleets
        .iter()
        .map(|f| {
            json!({
                "id": f.id,
                "owner": world.registry.id(f.owner),
                "system_id": f.system_id,
                "strength": f.strength,
                "max_strength": f.max_strength,
                "enroute_from": f.enroute_from,
                "enroute_to": f.enroute_to,
                "eta": f.eta,
            })
        })
        .collect();
    let build_stock: Map<String, Value> = world
        .registry
        .iter()
        .map(|(idx, f)| (f.id.clone(), json!(world.build_stock.get(idx.index()).copied().unwrap_or(0.0))))
        .collect();
    let factions: Vec<&str> = world.registry.factions().iter().map(|f| f.id.as_str()).collect();
    let lanes: Vec<[u32; 2]> = world.lanes.iter().map(|&(a, b)| [a, b]).collect();
    json!({
        "tick": world.tick,
        "systems": systems,
        "fleets": fleets,
        "next_fleet_id": world.next_fleet_id,
        "build_stock": build_stock,
        "factions": factions,
        "generator_seed": world.generator_seed,
        "lanes": lanes,
    })
}

/// Numbers match when both are integers of the same value, or both are floats that are
/// `==` as f64 (an integer where the trace has a float is a type mismatch).
fn numbers_equal(expected: &serde_json::Number, actual: &serde_json::Number) -> bool {
    if expected.is_f64() || actual.is_f64() {
        return expected.is_f64() && actual.is_f64() && expected.as_f64() == actual.as_f64();
    }
    expected.as_i64() == actual.as_i64() && expected.as_u64() == actual.as_u64()
}

/// The first differing path, with the expected and actual values there.
fn first_difference(path: &str, expected: &Value, actual: &Value) -> Option<(String, String, String)> {
    let differ = || Some((path.to_string(), expected.to_string(), actual.to_string()));
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, e_value) in e {
                let child = format!("{path}.{key}");
                match a.get(key) {
                    Some(a_value) => {
                        if let Some(found) = first_difference(&child, e_value, a_value) {
                            return Some(found);
                        }
                    }
                    None => return Some((child, e_value.to_string(), "<missing>".into())),
                }
            }
            a.keys()
                .find(|key| !e.contains_key(*key))
                .map(|key| (format!("{path}.{key}"), "<absent>".into(), a[key].to_string()))
        }
        (Value::Array(e), Value::Array(a)) => {
            for (i, (e_item, a_item)) in e.iter().zip(a).enumerate() {
                if let Some(found) = first_difference(&format!("{path}[{i}]"), e_item, a_item) {
                    return Some(found);
                }
            }
            (e.len() != a.len()).then(|| (format!("{path}.length"), e.len().to_string(), a.len().to_string()))
        }
        (Value::Number(e), Value::Number(a)) => (!numbers_equal(e, a)).then(differ).flatten(),
        _ => (expected != actual).then(differ).flatten(),
    }
}

#[test]
fn generator_matches_golden_traces() {
    let path = golden_path();
    let file = File::open(&path).unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
    let config = Config::default();
    let mut checked = Vec::new();
    for (line_no, line) in BufReader::new(GzDecoder::new(file)).lines().enumerate() {
        let line = line.unwrap();
        if line.trim().is_empty() {
            continue;
        }
        let record: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(record["mode"], "gen", "line {line_no}");
        let seed = record["seed"].as_str().unwrap_or_else(|| panic!("line {line_no}: seed is not a string"));
        let effective =
            normalize_seed_str(seed).unwrap_or_else(|| panic!("seed {seed:?} normalized to no seed"));
        let world = generate(&config, effective).unwrap_or_else(|e| panic!("seed {seed:?}: {e}"));
        let actual = state_json(&world);
        if let Some((at, expected, actual)) = first_difference("state", &record["state"], &actual) {
            panic!("seed {seed:?}: first difference at {at}: expected {expected}, got {actual}");
        }
        checked.push(seed.to_string());
    }
    assert_eq!(checked.len(), 7, "expected 7 golden seeds, checked {checked:?}");
}

#[test]
fn comparison_reports_the_first_difference() {
    let expected = json!({"a": [1, 2.5, {"b": null}], "c": 1.0});
    assert_eq!(first_difference("s", &expected, &expected.clone()), None);
    let actual = json!({"a": [1, 2.5, {"b": "F1"}], "c": 1.0});
    assert_eq!(
        first_difference("s", &expected, &actual),
        Some(("s.a[2].b".into(), "null".into(), "\"F1\"".into()))
    );
    let integer_for_float = json!({"a": [1, 2.5, {"b": null}], "c": 1});
    assert_eq!(first_difference("s", &expected, &integer_for_float).unwrap().0, "s.c");
    let extra = json!({"a": [1, 2.5, {"b": null}], "c": 1.0, "d": 0});
    assert_eq!(first_difference("s", &expected, &extra).unwrap().0, "s.d");
}
