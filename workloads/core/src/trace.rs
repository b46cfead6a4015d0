//! The golden-trace state shape (tests/golden/README.md): building a world from a trace's line 0,
//! rendering a world in the trace shape, and finding the first differing field.

use std::fmt;

use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::faction::{FactionIdx, Registry};
use crate::rng::Mt19937;
use crate::world::{Fleet, System, SystemKind, World};

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("trace state is missing or malformed at {0}")]
    Malformed(String),
    #[error("trace factions {trace:?} do not start with the configured factions {configured:?}")]
    Factions { trace: Vec<String>, configured: Vec<String> },
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// The first field where a trace and the engine disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub path: String,
    pub expected: Value,
    pub actual: Value,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: expected {}, actual {}", self.path, self.expected, self.actual)
    }
}

fn field<'a>(value: &'a Value, key: &str, path: &str) -> Result<&'a Value, TraceError> {
    value.get(key).ok_or_else(|| TraceError::Malformed(format!("{path}.{key}")))
}

fn as_f64(value: &Value, path: &str) -> Result<f64, TraceError> {
    value.as_f64().ok_or_else(|| TraceError::Malformed(path.to_string()))
}

fn as_i64(value: &Value, path: &str) -> Result<i64, TraceError> {
    value.as_i64().ok_or_else(|| TraceError::Malformed(path.to_string()))
}

fn as_u32(value: &Value, path: &str) -> Result<u32, TraceError> {
    value.as_u64().and_then(|v| u32::try_from(v).ok()).ok_or_else(|| TraceError::Malformed(path.to_string()))
}

fn opt_u32(value: &Value, path: &str) -> Result<Option<u32>, TraceError> {
    if value.is_null() { Ok(None) } else { as_u32(value, path).map(Some) }
}

/// Builds the world of a trace's line 0 (`{"mode", "seed", "state"}`), with the rules'
/// generator freshly seeded from the effective seed, as at run start.
pub fn world_from_trace(line0: &Value, config: &Config) -> Result<World, TraceError> {
    let state = field(line0, "state", "line0")?;
    let configured = config.configured_factions()?;
    let registry = Registry::new(&configured);
    let trace_factions: Vec<String> = field(state, "factions", "state")?
        .as_array()
        .ok_or_else(|| TraceError::Malformed("state.factions".into()))?
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    let configured_ids: Vec<String> = configured.iter().map(|f| f.id.clone()).collect();
    if trace_factions != configured_ids {
        return Err(TraceError::Factions { trace: trace_factions, configured: configured_ids });
    }
    let resolve = |value: &Value, path: &str| -> Result<Option<FactionIdx>, TraceError> {
        match value {
            Value::Null => Ok(None),
            Value::String(id) => registry
                .find(id)
                .map(Some)
                .ok_or_else(|| TraceError::Malformed(format!("{path}: unknown {id}"))),
            _ => Err(TraceError::Malformed(path.to_string())),
        }
    };
    let mut systems = Vec::new();
    for (i, s) in field(state, "systems", "state")?.as_array().into_iter().flatten().enumerate() {
        let p = format!("state.systems[{i}]");
        let kind_text = field(s, "kind", &p)?.as_str().unwrap_or_default();
        systems.push(System {
            id: as_u32(field(s, "id", &p)?, &p)?,
            x: as_f64(field(s, "x", &p)?, &p)?,
            y: as_f64(field(s, "y", &p)?, &p)?,
            value: as_i64(field(s, "value", &p)?, &p)?,
            kind: SystemKind::parse(kind_text).ok_or_else(|| TraceError::Malformed(format!("{p}.kind")))?,
            neighbors: field(s, "neighbors", &p)?
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| as_u32(n, &p))
                .collect::<Result<_, _>>()?,
            owner: resolve(field(s, "owner", &p)?, &p)?,
            stability: as_f64(field(s, "stability", &p)?, &p)?,
            heat: as_f64(field(s, "heat", &p)?, &p)?,
            unrest: as_f64(field(s, "unrest", &p)?, &p)?,
            reclaim_cooldown: as_i64(field(s, "reclaim_cooldown", &p)?, &p)?,
            occupation_faction: resolve(field(s, "occupation_faction", &p)?, &p)?,
            occupation_progress: as_i64(field(s, "occupation_progress", &p)?, &p)?,
            garrison: as_f64(field(s, "garrison", &p)?, &p)?,
            econ_maturity: as_i64(field(s, "econ_maturity", &p)?, &p)?,
        });
        if systems[i].id as usize != i {
            return Err(TraceError::Malformed(format!("{p}.id out of order")));
        }
    }
    let mut fleets = Vec::new();
    for (i, f) in field(state, "fleets", "state")?.as_array().into_iter().flatten().enumerate() {
        let p = format!("state.fleets[{i}]");
        fleets.push(Fleet {
            id: field(f, "id", &p)?.as_u64().ok_or_else(|| TraceError::Malformed(p.clone()))?,
            owner: resolve(field(f, "owner", &p)?, &p)?.ok_or_else(|| TraceError::Malformed(p.clone()))?,
            system_id: opt_u32(field(f, "system_id", &p)?, &p)?,
            strength: as_f64(field(f, "strength", &p)?, &p)?,
            max_strength: as_f64(field(f, "max_strength", &p)?, &p)?,
            enroute_from: opt_u32(field(f, "enroute_from", &p)?, &p)?,
            enroute_to: opt_u32(field(f, "enroute_to", &p)?, &p)?,
            eta: as_i64(field(f, "eta", &p)?, &p)?,
        });
    }
    let lanes = field(state, "lanes", "state")?
        .as_array()
        .into_iter()
        .flatten()
        .map(|pair| Ok((as_u32(&pair[0], "state.lanes")?, as_u32(&pair[1], "state.lanes")?)))
        .collect::<Result<Vec<_>, TraceError>>()?;
    let mut build_stock = vec![0.0; registry.len()];
    for (idx, faction) in registry.iter() {
        if let Some(stock) = field(state, "build_stock", "state")?.get(&faction.id) {
            build_stock[idx.index()] = as_f64(stock, "state.build_stock")?;
        }
    }
    let generator_seed = as_i64(field(state, "generator_seed", "state")?, "state.generator_seed")?;
    Ok(World {
        config: config.clone(),
        tick: field(state, "tick", "state")?.as_u64().unwrap_or(0),
        systems,
        lanes,
        fleets,
        next_fleet_id: field(state, "next_fleet_id", "state")?.as_u64().unwrap_or(0),
        build_stock,
        registry,
        events: Default::default(),
        history: Default::default(),
        highlights: Vec::new(),
        generator_seed,
        rng: Mt19937::from_seed(i128::from(generator_seed)),
        orders_applied: None,
    })
}

/// The world in the trace's per-tick state shape (line 0 adds static fields).
pub fn trace_state(world: &World, with_static: bool) -> Value {
    let id = |f: Option<FactionIdx>| f.map_or(Value::Null, |f| Value::from(world.faction_id(f)));
    let systems: Vec<Value> = world
        .systems
        .iter()
        .map(|s| {
            let mut m = Map::new();
            m.insert("id".into(), json!(s.id));
            m.insert("owner".into(), id(s.owner));
            m.insert("stability".into(), json!(s.stability));
            m.insert("heat".into(), json!(s.heat));
            m.insert("unrest".into(), json!(s.unrest));
            m.insert("reclaim_cooldown".into(), json!(s.reclaim_cooldown));
            m.insert("occupation_faction".into(), id(s.occupation_faction));
            m.insert("occupation_progress".into(), json!(s.occupation_progress));
            m.insert("garrison".into(), json!(s.garrison));
            m.insert("econ_maturity".into(), json!(s.econ_maturity));
            if with_static {
                m.insert("x".into(), json!(s.x));
                m.insert("y".into(), json!(s.y));
                m.insert("value".into(), json!(s.value));
                m.insert("kind".into(), json!(s.kind.as_str()));
                m.insert("neighbors".into(), json!(s.neighbors));
            }
            Value::Object(m)
        })
        .collect();
    let fleets: Vec<Value> = world
        .fleets
        .iter()
        .map(|f| {
            json!({
                "id": f.id,
                "owner": world.faction_id(f.owner),
                "system_id": f.system_id,
                "strength": f.strength,
                "max_strength": f.max_strength,
                "enroute_from": f.enroute_from,
                "enroute_to": f.enroute_to,
                "eta": f.eta,
            })
        })
        .collect();
    let mut stock = Map::new();
    for (idx, faction) in world.registry.iter() {
        stock.insert(faction.id.clone(), json!(world.stock(idx)));
    }
    let mut state = Map::new();
    state.insert("tick".into(), json!(world.tick));
    state.insert("systems".into(), Value::Array(systems));
    state.insert("fleets".into(), Value::Array(fleets));
    state.insert("next_fleet_id".into(), json!(world.next_fleet_id));
    state.insert("build_stock".into(), Value::Object(stock));
    state.insert(
        "factions".into(),
        Value::Array(world.registry.factions().iter().map(|f| Value::from(f.id.clone())).collect()),
    );
    if with_static {
        state.insert("generator_seed".into(), json!(world.generator_seed));
        state.insert("lanes".into(), json!(world.lanes.iter().map(|&(a, b)| [a, b]).collect::<Vec<_>>()));
    }
    Value::Object(state)
}

/// Compares a recorded state with the world; `None` when every field is equal.
pub fn compare_state(expected: &Value, world: &World) -> Option<Mismatch> {
    let with_static = expected.get("lanes").is_some();
    first_difference("state", expected, &trace_state(world, with_static))
}

/// Depth-first first difference; numbers compare as f64 values (`10` equals `10.0`).
pub fn first_difference(path: &str, expected: &Value, actual: &Value) -> Option<Mismatch> {
    let mismatch =
        || Some(Mismatch { path: path.to_string(), expected: expected.clone(), actual: actual.clone() });
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => (a.as_f64() != b.as_f64()).then(mismatch).flatten(),
        (Value::Array(a), Value::Array(b)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                if let Some(m) = first_difference(&format!("{path}[{i}]"), x, y) {
                    return Some(m);
                }
            }
            if a.len() != b.len() {
                return Some(Mismatch {
                    path: format!("{path}.length"),
                    expected: json!(a.len()),
                    actual: json!(b.len()),
                });
            }
            None
        }
        (Value::Object(a), Value::Object(b)) => {
            for (key, x) in a {
                let child = format!("{path}.{key}");
                match b.get(key) {
                    Some(y) => {
                        if let Some(m) = first_difference(&child, x, y) {
                            return Some(m);
                        }
                    }
                    None => return Some(Mismatch { path: child, expected: x.clone(), actual: Value::Null }),
                }
            }
            b.keys().find(|k| !a.contains_key(*k)).map(|key| Mismatch {
                path: format!("{path}.{key}"),
                expected: Value::Null,
                actual: b[key].clone(),
            })
        }
        _ => (expected != actual).then(mismatch).flatten(),
    }
}

/// Parses one trace order into the rules' order type.
pub fn order_from_trace(value: &Value) -> Result<crate::world::Order, TraceError> {
    serde_json::from_value(value.clone()).map_err(|e| TraceError::Malformed(format!("order {value}: {e}")))
}
