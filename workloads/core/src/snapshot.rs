//! The public snapshot (WIRE.md §4): the one wire type for the full world state, produced
//! by the sim, served by the API and frontend, and decoded by bots.

use serde::{Deserialize, Serialize, Serializer};

use crate::config::Personality;
use crate::world::{SystemKind, World};

/// Event texts published in a snapshot (the world keeps 80).
pub const SNAPSHOT_EVENTS: usize = 30;
/// History entries published in a snapshot.
pub const SNAPSHOT_HISTORY: usize = 40;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub tick_delay: f64,
    pub tick_delay_ms: u64,
    pub tick: u64,
    pub generator_seed: i64,
    pub systems: Vec<SnapshotSystem>,
    pub lanes: Vec<[u32; 2]>,
    pub fleets: Vec<SnapshotFleet>,
    pub events: Vec<String>,
    pub highlight_ids: Vec<u32>,
    /// Always null (the reference's dormant AI debug state).
    #[serde(default)]
    pub ai_state: Option<serde_json::Value>,
    pub factions: Vec<SnapshotFaction>,
    #[serde(default)]
    pub history_tail: Vec<SnapshotHistoryEvent>,
    /// Only on snapshots produced by a tick.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders_applied: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotSystem {
    pub id: u32,
    pub x: f64,
    pub y: f64,
    pub owner: Option<String>,
    #[serde(default = "default_value")]
    pub value: i64,
    #[serde(default = "default_kind")]
    pub kind: String,
    #[serde(default)]
    pub heat: f64,
    #[serde(default = "default_stability")]
    pub stability: f64,
    #[serde(default)]
    pub unrest: f64,
    #[serde(default)]
    pub reclaim_cooldown: i64,
    #[serde(default)]
    pub occupation_faction: Option<String>,
    #[serde(default)]
    pub occupation_progress: i64,
    #[serde(default)]
    pub is_besieged: bool,
    #[serde(default)]
    pub siege_owner: Option<String>,
    /// The reference writes the integer `0` when there are no enemy fleets.
    #[serde(default, serialize_with = "serialize_siege_strength")]
    pub siege_strength: f64,
}

fn default_value() -> i64 {
    1
}
fn default_kind() -> String {
    "normal".to_string()
}
fn default_stability() -> f64 {
    1.0
}

fn serialize_siege_strength<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if *value == 0.0 { serializer.serialize_i64(0) } else { serializer.serialize_f64(*value) }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotFleet {
    pub id: u64,
    pub owner: String,
    pub system_id: Option<u32>,
    pub strength: f64,
    pub enroute_from: Option<u32>,
    pub enroute_to: Option<u32>,
    pub eta: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotFaction {
    pub id: String,
    pub name: String,
    pub color: String,
    /// Additive to the reference shape: bots need it to play League and rebel factions,
    /// whose personalities only the simulation knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personality: Option<Personality>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotHistoryEvent {
    pub tick: u64,
    pub kind: String,
    pub systems: Vec<u32>,
    pub factions: Vec<String>,
    pub text: String,
}

impl Snapshot {
    pub fn kind_of(&self, system: &SnapshotSystem) -> SystemKind {
        SystemKind::parse(&system.kind).unwrap_or(SystemKind::Normal)
    }
}

impl World {
    /// The public snapshot of this world (WIRE.md §4).
    pub fn snapshot(&self) -> Snapshot {
        let registry = &self.registry;
        let name_of = |idx: crate::FactionIdx| registry.id(idx).to_string();
        let mut systems: Vec<SnapshotSystem> = self
            .systems
            .iter()
            .map(|s| SnapshotSystem {
                id: s.id,
                x: s.x,
                y: s.y,
                owner: s.owner.map(name_of),
                value: s.value,
                kind: s.kind.as_str().to_string(),
                heat: s.heat,
                stability: s.stability,
                unrest: s.unrest,
                reclaim_cooldown: s.reclaim_cooldown,
                occupation_faction: s.occupation_faction.map(name_of),
                occupation_progress: s.occupation_progress,
                is_besieged: false,
                siege_owner: None,
                siege_strength: 0.0,
            })
            .collect();
        self.fill_siege_fields(&mut systems);
        let events_skip = self.events.len().saturating_sub(SNAPSHOT_EVENTS);
        let history_skip = self.history.len().saturating_sub(SNAPSHOT_HISTORY);
        Snapshot {
            tick_delay: self.config.simulation.tick_delay,
            tick_delay_ms: (self.config.simulation.tick_delay * 1000.0) as u64,
            tick: self.tick,
            generator_seed: self.generator_seed,
            systems,
            lanes: self.lanes.iter().map(|&(a, b)| [a, b]).collect(),
            fleets: self
                .fleets
                .iter()
                .map(|f| SnapshotFleet {
                    id: f.id,
                    owner: name_of(f.owner),
                    system_id: f.system_id,
                    strength: f.strength,
                    enroute_from: f.enroute_from,
                    enroute_to: f.enroute_to,
                    eta: f.eta,
                })
                .collect(),
            events: self.events.iter().skip(events_skip).cloned().collect(),
            highlight_ids: self.highlights.clone(),
            ai_state: None,
            factions: registry
                .factions()
                .iter()
                .map(|f| SnapshotFaction {
                    id: f.id.clone(),
                    name: f.name.clone(),
                    color: f.color.clone(),
                    personality: Some(f.personality),
                })
                .collect(),
            history_tail: self
                .history
                .iter()
                .skip(history_skip)
                .map(|h| SnapshotHistoryEvent {
                    tick: h.tick,
                    kind: h.kind.as_str().to_string(),
                    systems: h.systems.clone(),
                    factions: h.factions.iter().map(|&f| name_of(f)).collect(),
                    text: h.text.clone(),
                })
                .collect(),
            orders_applied: self.orders_applied,
        }
    }

    /// Siege fields from idle fleets (WIRE.md §4): enemies are all fleets at an unowned
    /// system, else those not of the owner; the siege owner is the first maximum.
    fn fill_siege_fields(&self, systems: &mut [SnapshotSystem]) {
        // Per system: (owner, total) in order of first appearance, fleets in id order.
        let mut per_system: Vec<Vec<(crate::FactionIdx, f64)>> = vec![Vec::new(); systems.len()];
        let mut owners_present: Vec<u8> = vec![0; systems.len()];
        // Summed in fleet-id order, as the reference does.
        let mut enemy_strength: Vec<f64> = vec![0.0; systems.len()];
        for fleet in self.fleets.iter().filter(|f| f.is_idle()) {
            let Some(sid) = fleet.system_id else { continue };
            let s = sid as usize;
            let system_owner = self.systems[s].owner;
            let totals = &mut per_system[s];
            let is_new_owner = !totals.iter().any(|(o, _)| *o == fleet.owner);
            if is_new_owner {
                owners_present[s] = owners_present[s].saturating_add(1);
            }
            if system_owner == Some(fleet.owner) {
                continue;
            }
            enemy_strength[s] += fleet.strength;
            match totals.iter_mut().find(|(o, _)| *o == fleet.owner) {
                Some((_, total)) => *total += fleet.strength,
                None => totals.push((fleet.owner, fleet.strength)),
            }
        }
        for (s, system) in systems.iter_mut().enumerate() {
            let totals = &per_system[s];
            let strength = enemy_strength[s];
            let mut best: Option<(crate::FactionIdx, f64)> = None;
            for &(owner, total) in totals {
                if best.is_none_or(|(_, b)| total > b) {
                    best = Some((owner, total));
                }
            }
            let owned = self.systems[s].owner.is_some();
            system.siege_strength = strength;
            system.siege_owner = best.map(|(o, _)| self.registry.id(o).to_string());
            system.is_besieged = self.systems[s].occupation_faction.is_some()
                || (owned && strength > 0.0)
                || (!owned && owners_present[s] > 1);
        }
    }
}
