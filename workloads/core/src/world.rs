//! The world model (GAME_RULES.md §3): systems, fleets, the faction registry, logs and the
//! rules' random stream. Everything a run needs to continue lives in [`World`], so saving
//! and restoring it (serde) continues a run exactly.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::faction::{FactionIdx, Registry};
use crate::rng::Mt19937;

pub type SystemId = u32;
pub type FleetId = u64;

/// Texts kept in the world's event log (§6.11).
pub const EVENT_TEXTS_KEPT: usize = 80;
/// History entries kept: the snapshot publishes the last 40. The reference keeps the
/// whole history in memory forever (KNOWN_DEFECTS F7); nothing reads further back.
pub const HISTORY_KEPT: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemKind {
    Normal,
    Relic,
    Forge,
    Hive,
}

impl SystemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SystemKind::Normal => "normal",
            SystemKind::Relic => "relic",
            SystemKind::Forge => "forge",
            SystemKind::Hive => "hive",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "normal" => SystemKind::Normal,
            "relic" => SystemKind::Relic,
            "forge" => SystemKind::Forge,
            "hive" => SystemKind::Hive,
            _ => return None,
        })
    }

    /// Economic multiplier (§5.1); `None` for normal systems, whose value is not multiplied.
    pub fn economic_multiplier(self) -> Option<f64> {
        match self {
            SystemKind::Normal => None,
            SystemKind::Relic => Some(1.8),
            SystemKind::Forge => Some(1.4),
            SystemKind::Hive => Some(1.2),
        }
    }

    /// How event texts name a system of this kind (§9.1).
    pub fn describe(self, id: SystemId) -> String {
        match self {
            SystemKind::Normal => format!("system #{id}"),
            other => format!("{} world #{id}", other.as_str()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct System {
    pub id: SystemId,
    pub x: f64,
    pub y: f64,
    pub value: i64,
    pub kind: SystemKind,
    /// Ascending neighbour ids (the canonical adjacency order).
    pub neighbors: Vec<SystemId>,
    pub owner: Option<FactionIdx>,
    pub stability: f64,
    pub heat: f64,
    pub unrest: f64,
    pub reclaim_cooldown: i64,
    pub occupation_faction: Option<FactionIdx>,
    pub occupation_progress: i64,
    pub garrison: f64,
    pub econ_maturity: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fleet {
    pub id: FleetId,
    pub owner: FactionIdx,
    pub system_id: Option<SystemId>,
    pub strength: f64,
    pub max_strength: f64,
    pub enroute_from: Option<SystemId>,
    pub enroute_to: Option<SystemId>,
    pub eta: i64,
}

impl Fleet {
    /// Idle: not travelling, located, and alive (§0).
    pub fn is_idle(&self) -> bool {
        self.eta == 0 && self.system_id.is_some() && self.strength > 0.0
    }

    pub fn is_idle_at(&self, system: SystemId) -> bool {
        self.is_idle() && self.system_id == Some(system)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    FleetMove,
    FleetCaptureNoDefense,
    FleetBattleWin,
    FleetBattleLose,
    AutoClaim,
    RebellionIndependence,
    RebellionSecession,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::FleetMove => "fleet_move",
            EventKind::FleetCaptureNoDefense => "fleet_capture_no_defense",
            EventKind::FleetBattleWin => "fleet_battle_win",
            EventKind::FleetBattleLose => "fleet_battle_lose",
            EventKind::AutoClaim => "auto_claim",
            EventKind::RebellionIndependence => "rebellion_independence",
            EventKind::RebellionSecession => "rebellion_secession",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub tick: u64,
    pub kind: EventKind,
    pub systems: Vec<SystemId>,
    pub factions: Vec<FactionIdx>,
    pub text: String,
}

/// A direct order as the rules receive it (§3.5). Ids are kept as given so that orders
/// naming systems or fleets that do not exist are rejected by validation, not parsing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub faction: String,
    pub origin_id: i64,
    pub target_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Order {
    pub fn new(faction: impl Into<String>, origin_id: i64, target_id: i64) -> Self {
        Order { faction: faction.into(), origin_id, target_id, fleet_id: None, reason: None }
    }
}

/// Per-faction counters a tick returns (§9.3), indexed by registry position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickSummary {
    pub wins: Vec<u32>,
    pub losses: Vec<u32>,
    pub expansions: Vec<u32>,
    /// The event texts this tick logged, in order (the tail of `World::events`).
    pub new_events: Vec<String>,
}

impl TickSummary {
    pub(crate) fn bump(counter: &mut Vec<u32>, faction: FactionIdx) {
        let i = faction.index();
        if counter.len() <= i {
            counter.resize(i + 1, 0);
        }
        counter[i] += 1;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct World {
    pub config: Config,
    pub tick: u64,
    pub systems: Vec<System>,
    /// Every lane once as (low, high), sorted.
    pub lanes: Vec<(SystemId, SystemId)>,
    /// All fleets in ascending id (ids only grow, so this is also creation order).
    pub fleets: Vec<Fleet>,
    pub next_fleet_id: FleetId,
    /// Build stock per registered faction, indexed by registry position.
    pub build_stock: Vec<f64>,
    pub registry: Registry,
    pub events: VecDeque<String>,
    pub history: VecDeque<HistoryEvent>,
    /// Systems highlighted by the last tick, ascending.
    pub highlights: Vec<SystemId>,
    pub generator_seed: i64,
    /// The rules' random stream (§12), carried across ticks.
    pub rng: Mt19937,
    /// Orders handed to the last tick (`orders_applied` of the snapshot).
    pub orders_applied: Option<usize>,
}

impl World {
    pub fn system(&self, id: i64) -> Option<&System> {
        usize::try_from(id).ok().and_then(|i| self.systems.get(i))
    }

    pub fn fleet_position(&self, id: FleetId) -> Option<usize> {
        self.fleets.binary_search_by_key(&id, |f| f.id).ok()
    }

    pub fn fleet(&self, id: FleetId) -> Option<&Fleet> {
        self.fleet_position(id).map(|i| &self.fleets[i])
    }

    pub fn faction_id(&self, idx: FactionIdx) -> &str {
        self.registry.id(idx)
    }

    pub fn faction_name(&self, idx: FactionIdx) -> &str {
        self.registry.name(idx)
    }

    pub fn is_neighbor(&self, a: SystemId, b: SystemId) -> bool {
        self.systems[a as usize].neighbors.binary_search(&b).is_ok()
    }

    /// Number of systems owned by each registered faction.
    pub fn owned_counts(&self) -> Vec<usize> {
        let mut counts = vec![0usize; self.registry.len()];
        for system in &self.systems {
            if let Some(owner) = system.owner {
                counts[owner.index()] += 1;
            }
        }
        counts
    }

    /// Build stock of a faction (0.0 when it has none yet).
    pub fn stock(&self, faction: FactionIdx) -> f64 {
        self.build_stock.get(faction.index()).copied().unwrap_or(0.0)
    }

    pub(crate) fn stock_mut(&mut self, faction: FactionIdx) -> &mut f64 {
        let i = faction.index();
        if self.build_stock.len() <= i {
            self.build_stock.resize(i + 1, 0.0);
        }
        &mut self.build_stock[i]
    }

    /// Appends a new idle fleet and returns its id.
    pub(crate) fn spawn_fleet(&mut self, owner: FactionIdx, system: SystemId, strength: f64) -> FleetId {
        let id = self.next_fleet_id;
        self.next_fleet_id += 1;
        self.fleets.push(Fleet {
            id,
            owner,
            system_id: Some(system),
            strength,
            max_strength: strength,
            enroute_from: None,
            enroute_to: None,
            eta: 0,
        });
        id
    }
}
