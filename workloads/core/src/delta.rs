//! The per-tick `delta` event (WIRE.md §5.2) and the client merge rule that applies it.

use std::collections::{HashMap, HashSet};

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::snapshot::{Snapshot, SnapshotFaction, SnapshotFleet, SnapshotSystem};

/// A system's changed fields, in System field order, followed by `id`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct SystemChange(pub Map<String, Value>);

impl Serialize for SystemChange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // serde_json's Map sorts keys; the reference's order is kept by writing entries in
        // System field order with `id` last.
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for name in SYSTEM_FIELDS.iter().chain(std::iter::once(&"id")) {
            if let Some(value) = self.0.get(*name) {
                map.serialize_entry(name, value)?;
            }
        }
        map.end()
    }
}

const SYSTEM_FIELDS: [&str; 14] = [
    "x",
    "y",
    "owner",
    "value",
    "kind",
    "heat",
    "stability",
    "unrest",
    "reclaim_cooldown",
    "occupation_faction",
    "occupation_progress",
    "is_besieged",
    "siege_owner",
    "siege_strength",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    pub tick: u64,
    pub tick_delay_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_seed: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed_systems: Vec<SystemChange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_fleets: Vec<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed_fleets: Vec<SnapshotFleet>,
    pub highlight_ids: Vec<u32>,
    pub events: Vec<String>,
    pub factions: Vec<SnapshotFaction>,
    #[serde(rename = "type")]
    pub kind: DeltaType,
}

/// The constant `"delta"` type tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DeltaType {
    #[default]
    #[serde(rename = "delta")]
    Delta,
}

fn system_fields(system: &SnapshotSystem) -> Map<String, Value> {
    match serde_json::to_value(system) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn fleet_changed(prev: &SnapshotFleet, curr: &SnapshotFleet) -> bool {
    prev.owner != curr.owner
        || prev.system_id != curr.system_id
        || prev.strength != curr.strength
        || prev.enroute_from != curr.enroute_from
        || prev.enroute_to != curr.enroute_to
        || prev.eta != curr.eta
}

impl Delta {
    /// The delta from the previously published frame to the current one.
    pub fn between(prev: &Snapshot, curr: &Snapshot) -> Delta {
        let mut changed_systems = Vec::new();
        for system in &curr.systems {
            // Systems are published in id order, so the same id is normally at the same index.
            let previous = prev
                .systems
                .get(system.id as usize)
                .filter(|s| s.id == system.id)
                .or_else(|| prev.systems.iter().find(|s| s.id == system.id));
            if previous == Some(system) {
                continue;
            }
            let now = system_fields(system);
            let before = previous.map(system_fields).unwrap_or_default();
            let mut changes = Map::new();
            for (name, value) in &now {
                if name == "id" {
                    continue;
                }
                let old = before.get(name).unwrap_or(&Value::Null);
                if !same_value(old, value) {
                    changes.insert(name.clone(), value.clone());
                }
            }
            if !changes.is_empty() {
                changes.insert("id".into(), Value::from(system.id));
                changed_systems.push(SystemChange(changes));
            }
        }
        let previous_fleets: HashMap<u64, &SnapshotFleet> = prev.fleets.iter().map(|f| (f.id, f)).collect();
        let current_ids: HashSet<u64> = curr.fleets.iter().map(|f| f.id).collect();
        let removed_fleets =
            prev.fleets.iter().filter(|p| !current_ids.contains(&p.id)).map(|p| p.id).collect();
        let changed_fleets = curr
            .fleets
            .iter()
            .filter(|c| previous_fleets.get(&c.id).is_none_or(|p| fleet_changed(p, c)))
            .cloned()
            .collect();
        Delta {
            tick: curr.tick,
            tick_delay_ms: curr.tick_delay_ms,
            generator_seed: (prev.generator_seed != curr.generator_seed).then_some(curr.generator_seed),
            changed_systems,
            removed_fleets,
            changed_fleets,
            highlight_ids: curr.highlight_ids.clone(),
            events: curr.events.clone(),
            factions: curr.factions.clone(),
            kind: DeltaType::Delta,
        }
    }
}

impl Snapshot {
    /// The UI's merge rule: shallow-merge changed systems, drop removed fleets, replace or
    /// append changed fleets, replace the per-tick scalars and lists.
    pub fn apply_delta(&mut self, delta: &Delta) -> Result<(), serde_json::Error> {
        for change in &delta.changed_systems {
            let Some(id) = change.0.get("id").and_then(Value::as_u64) else { continue };
            match self.systems.iter_mut().find(|s| u64::from(s.id) == id) {
                Some(system) => {
                    let mut fields = system_fields(system);
                    fields.extend(change.0.clone());
                    *system = serde_json::from_value(Value::Object(fields))?;
                }
                None => self.systems.push(serde_json::from_value(Value::Object(change.0.clone()))?),
            }
        }
        self.fleets.retain(|f| !delta.removed_fleets.contains(&f.id));
        for fleet in &delta.changed_fleets {
            match self.fleets.iter_mut().find(|f| f.id == fleet.id) {
                Some(existing) => *existing = fleet.clone(),
                None => self.fleets.push(fleet.clone()),
            }
        }
        self.tick = delta.tick;
        self.tick_delay_ms = delta.tick_delay_ms;
        if let Some(seed) = delta.generator_seed {
            self.generator_seed = seed;
        }
        self.highlight_ids = delta.highlight_ids.clone();
        self.events = delta.events.clone();
        self.factions = delta.factions.clone();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::world_from_trace;
    use crate::{Config, Order};

    fn small_world() -> crate::World {
        let line0 = serde_json::json!({"state": {
        "tick": 0, "generator_seed": 5, "next_fleet_id": 2, "factions": ["F1", "F2", "F3", "F4", "F5"],
        "build_stock": {"F1": 0.0, "F2": 0.0},
        "lanes": [[0, 1], [1, 2]],
        "systems": (0..3).map(|i| serde_json::json!({
            "id": i, "owner": if i == 0 { Some("F1") } else if i == 2 { Some("F2") } else { None },
            "stability": 1.0, "heat": 0.0, "unrest": 0.0, "reclaim_cooldown": 0,
            "occupation_faction": null, "occupation_progress": 0, "garrison": 3.0, "econ_maturity": 15,
            "x": 0.1 * f64::from(i), "y": 0.5, "value": 5, "kind": "normal",
            "neighbors": match i { 0 => vec![1], 1 => vec![0, 2], _ => vec![1] }})).collect::<Vec<_>>(),
        "fleets": [
            {"id": 0, "owner": "F1", "system_id": 0, "strength": 10.0, "max_strength": 10.0, "enroute_from": null, "enroute_to": null, "eta": 0},
            {"id": 1, "owner": "F2", "system_id": 2, "strength": 10.0, "max_strength": 10.0, "enroute_from": null, "enroute_to": null, "eta": 0}
        ]}});
        world_from_trace(&line0, &Config::default()).unwrap()
    }

    #[test]
    fn delta_carries_only_changes_and_applies_back() {
        let mut world = small_world();
        let mut client = world.snapshot();
        for orders in
            [vec![Order::new("F1", 0, 1)], vec![], vec![Order::new("F2", 2, 1)], vec![], vec![], vec![]]
        {
            let prev = world.snapshot();
            world.advance(&orders);
            let curr = world.snapshot();
            let delta = Delta::between(&prev, &curr);
            let json = serde_json::to_value(&delta).unwrap();
            assert_eq!(json["type"], "delta");
            assert!(json.get("lanes").is_none() && json.get("history_tail").is_none());
            // Changed fields keep System field order, with `id` last.
            for change in &delta.changed_systems {
                let text = serde_json::to_string(change).unwrap();
                assert!(text.ends_with(&format!("\"id\":{}}}", change.0["id"])), "{text}");
                assert_eq!(text.matches("\"id\"").count(), 1, "{text}");
                let positions: Vec<usize> =
                    SYSTEM_FIELDS.iter().filter_map(|f| text.find(&format!("\"{f}\""))).collect();
                assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
            }
            let decoded: Delta = serde_json::from_value(json).unwrap();
            client.apply_delta(&decoded).unwrap();
            assert_eq!(client.systems, curr.systems);
            assert_eq!(client.fleets, curr.fleets);
            assert_eq!(
                (client.tick, &client.events, &client.factions),
                (curr.tick, &curr.events, &curr.factions)
            );
        }
    }

    #[test]
    fn unchanged_world_gives_minimal_delta() {
        let world = small_world();
        let snap = world.snapshot();
        let json = serde_json::to_value(Delta::between(&snap, &snap)).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 6, "{keys:?}");
        assert!(json.get("changed_systems").is_none() && json.get("generator_seed").is_none());
    }

    #[test]
    fn siege_strength_zero_is_an_integer() {
        let text = serde_json::to_string(&small_world().snapshot()).unwrap();
        assert!(text.contains("\"siege_strength\":0,") || text.contains("\"siege_strength\":0}"), "{text}");
    }
}
