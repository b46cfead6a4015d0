//! The read-only view the AI reads the world through (BOT_AI.md §3).
//!
//! The AI is a pure function of what a view exposes (plus the puppet's own state), so the
//! engine's [`World`] and a decoded [`Snapshot`](sector_core::snapshot::Snapshot) (see
//! [`crate::SnapshotView`]) give identical orders for the same state.
//!
//! Systems are addressed by *index* (position in ascending-id order); ids only appear in
//! the orders the AI emits and in its persistent state. Owners are [`OwnerKey`]s: keys below
//! [`WorldView::faction_count`] are the registry factions the AI plays, in registry order;
//! larger keys are owners the AI does not know (only possible with snapshots).

use sector_core::World;
use sector_core::config::Personality;
use sector_core::world::SystemKind;

/// An owner: a registry faction (`< faction_count`) or an owner the AI does not play.
pub type OwnerKey = u32;

/// The fields of a system the AI reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SystemFacts {
    pub id: u32,
    pub owner: Option<OwnerKey>,
    pub value: i64,
    pub kind: SystemKind,
    pub stability: f64,
    pub occupation: Option<OwnerKey>,
}

/// The fields of a fleet the AI reads. `system` is a system *index*.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FleetFacts {
    pub owner: OwnerKey,
    pub system: Option<u32>,
    pub strength: f64,
    pub eta: i64,
}

impl FleetFacts {
    /// Idle: not travelling, located, alive (GAME_RULES.md §0).
    pub fn is_idle(&self) -> bool {
        self.eta == 0 && self.system.is_some() && self.strength > 0.0
    }
}

/// Everything the AI reads. Fleets must come in ascending fleet id, systems in ascending id,
/// neighbour lists in the canonical (ascending) order.
pub trait WorldView {
    fn tick(&self) -> u64;
    /// Tick of the last history entry, `None` if the history is empty (§6.1).
    fn last_event_tick(&self) -> Option<u64>;

    /// Number of registry factions; the AI plays all of them, in this order (§1).
    fn faction_count(&self) -> usize;
    fn faction_id(&self, faction: usize) -> &str;
    fn faction_name(&self, faction: usize) -> &str;
    fn personality(&self, faction: usize) -> Personality;
    /// Label of an owner key outside the registry (its raw id).
    fn owner_label(&self, owner: OwnerKey) -> &str;

    fn system_count(&self) -> usize;
    fn system(&self, index: usize) -> SystemFacts;
    /// Neighbour indices in canonical order.
    fn neighbors(&self, index: usize) -> &[u32];
    /// Index of the system with this id, if it exists.
    fn system_index(&self, id: u32) -> Option<usize>;

    fn fleet_count(&self) -> usize;
    fn fleet(&self, index: usize) -> FleetFacts;
}

/// The engine's world: system ids are their indices, owners are registry indices.
impl WorldView for World {
    fn tick(&self) -> u64 {
        self.tick
    }

    fn last_event_tick(&self) -> Option<u64> {
        self.history.back().map(|h| h.tick)
    }

    fn faction_count(&self) -> usize {
        self.registry.len()
    }

    fn faction_id(&self, faction: usize) -> &str {
        &self.registry.factions()[faction].id
    }

    fn faction_name(&self, faction: usize) -> &str {
        &self.registry.factions()[faction].name
    }

    fn personality(&self, faction: usize) -> Personality {
        self.registry.factions()[faction].personality
    }

    fn owner_label(&self, owner: OwnerKey) -> &str {
        // Every owner of an engine world is registered.
        self.registry.factions().get(owner as usize).map_or("", |f| f.id.as_str())
    }

    fn system_count(&self) -> usize {
        self.systems.len()
    }

    fn system(&self, index: usize) -> SystemFacts {
        let s = &self.systems[index];
        SystemFacts {
            id: s.id,
            owner: s.owner.map(|o| u32::from(o.0)),
            value: s.value,
            kind: s.kind,
            stability: s.stability,
            occupation: s.occupation_faction.map(|o| u32::from(o.0)),
        }
    }

    fn neighbors(&self, index: usize) -> &[u32] {
        // Engine invariant: system ids are 0..N-1 in order, so neighbour ids are indices.
        &self.systems[index].neighbors
    }

    fn system_index(&self, id: u32) -> Option<usize> {
        let index = id as usize;
        (index < self.systems.len()).then_some(index)
    }

    fn fleet_count(&self) -> usize {
        self.fleets.len()
    }

    fn fleet(&self, index: usize) -> FleetFacts {
        let f = &self.fleets[index];
        FleetFacts { owner: u32::from(f.owner.0), system: f.system_id, strength: f.strength, eta: f.eta }
    }
}
