//! A [`WorldView`] over a decoded public snapshot (WIRE.md §4), as the bot worker sees it.
//!
//! Neighbour lists are rebuilt from `lanes` in lane order (for lane [a, b]: b is appended
//! to a's list and a to b's, BOT_AI.md §3); with the canonical sorted lanes this gives the
//! same ascending lists as the engine. Personalities come from the snapshot's additive
//! `personality` field, or — for producers that omit it — from configuration: the template
//! of a configured faction id, the League's fixed values, a rebel's parent found by name.

use std::collections::BTreeMap;

use sector_core::Config;
use sector_core::config::Personality;
use sector_core::faction::{LEAGUE_PERSONALITY, LEAGUE_REGISTRATION_ID};
use sector_core::snapshot::Snapshot;

use crate::view::{FleetFacts, OwnerKey, SystemFacts, WorldView};

/// What a rebel gets when its parent has no personality (GAME_RULES.md §2.3); also used for
/// factions the configuration does not describe at all.
pub const DEFAULT_REBEL_PERSONALITY: Personality =
    Personality { aggression: 0.6, expansionism: 0.7, greed: 0.6, caution: 0.5 };

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ViewError {
    #[error("snapshot lists system id {0} twice")]
    DuplicateSystem(u32),
    #[error("snapshot lane [{0}, {1}] names a system that does not exist")]
    UnknownLaneSystem(u32, u32),
    #[error("snapshot fleet {fleet} is at system {system}, which does not exist")]
    UnknownFleetSystem { fleet: u64, system: u32 },
}

#[derive(Debug, Clone)]
struct FactionEntry {
    id: String,
    name: String,
    personality: Personality,
}

/// A snapshot decoded into the tables the AI reads.
#[derive(Debug, Clone)]
pub struct SnapshotView {
    tick: u64,
    last_event_tick: Option<u64>,
    factions: Vec<FactionEntry>,
    /// Labels of owners outside the registry; key = factions.len() + position.
    foreign_owners: Vec<String>,
    /// Ascending by id.
    systems: Vec<SystemFacts>,
    neighbor_start: Vec<u32>,
    neighbor_list: Vec<u32>,
    fleets: Vec<FleetFacts>,
}

impl SnapshotView {
    pub fn new(snapshot: &Snapshot, config: &Config) -> Result<Self, ViewError> {
        let factions = resolve_factions(snapshot, config);
        let mut keys: BTreeMap<String, OwnerKey> = BTreeMap::new();
        for (i, f) in factions.iter().enumerate() {
            // A duplicated id keeps its first registry position.
            keys.entry(f.id.clone()).or_insert(i as OwnerKey);
        }
        let registered = factions.len();
        let mut foreign_owners: Vec<String> = Vec::new();
        let mut key_of = |id: &str| -> OwnerKey {
            if let Some(&k) = keys.get(id) {
                return k;
            }
            let k = (registered + foreign_owners.len()) as OwnerKey;
            foreign_owners.push(id.to_string());
            keys.insert(id.to_string(), k);
            k
        };

        let mut order: Vec<usize> = (0..snapshot.systems.len()).collect();
        order.sort_by_key(|&i| snapshot.systems[i].id);
        let mut systems = Vec::with_capacity(order.len());
        for &i in &order {
            let s = &snapshot.systems[i];
            if systems.last().is_some_and(|p: &SystemFacts| p.id == s.id) {
                return Err(ViewError::DuplicateSystem(s.id));
            }
            systems.push(SystemFacts {
                id: s.id,
                owner: s.owner.as_deref().map(&mut key_of),
                value: s.value,
                kind: snapshot.kind_of(s),
                stability: s.stability,
                occupation: s.occupation_faction.as_deref().map(&mut key_of),
            });
        }
        let index_of = |id: u32| systems.binary_search_by_key(&id, |s| s.id).ok();

        let mut lists: Vec<Vec<u32>> = vec![Vec::new(); systems.len()];
        for &[a, b] in &snapshot.lanes {
            let (Some(ia), Some(ib)) = (index_of(a), index_of(b)) else {
                return Err(ViewError::UnknownLaneSystem(a, b));
            };
            lists[ia].push(ib as u32);
            lists[ib].push(ia as u32);
        }
        let mut neighbor_start = Vec::with_capacity(systems.len() + 1);
        let mut neighbor_list = Vec::with_capacity(snapshot.lanes.len() * 2);
        neighbor_start.push(0);
        for list in &lists {
            neighbor_list.extend_from_slice(list);
            neighbor_start.push(neighbor_list.len() as u32);
        }

        let mut fleets = Vec::with_capacity(snapshot.fleets.len());
        for f in &snapshot.fleets {
            let system = match f.system_id {
                None => None,
                Some(id) => match index_of(id) {
                    Some(i) => Some(i as u32),
                    None => return Err(ViewError::UnknownFleetSystem { fleet: f.id, system: id }),
                },
            };
            fleets.push(FleetFacts { owner: key_of(&f.owner), system, strength: f.strength, eta: f.eta });
        }

        Ok(SnapshotView {
            tick: snapshot.tick,
            last_event_tick: snapshot.history_tail.last().map(|h| h.tick),
            factions,
            foreign_owners,
            systems,
            neighbor_start,
            neighbor_list,
            fleets,
        })
    }
}

/// The registry as the snapshot lists it, with a personality for every faction.
fn resolve_factions(snapshot: &Snapshot, config: &Config) -> Vec<FactionEntry> {
    let configured = config.configured_factions().unwrap_or_default();
    let mut out: Vec<FactionEntry> = Vec::with_capacity(snapshot.factions.len());
    for f in &snapshot.factions {
        let personality = f.personality.unwrap_or_else(|| {
            if let Some(c) = configured.iter().find(|c| c.id == f.id) {
                c.personality
            } else if f.id == LEAGUE_REGISTRATION_ID || f.id == config.world.league_faction_id {
                LEAGUE_PERSONALITY
            } else {
                rebel_parent(&f.id, &f.name, &out).unwrap_or(DEFAULT_REBEL_PERSONALITY)
            }
        });
        out.push(FactionEntry { id: f.id.clone(), name: f.name.clone(), personality });
    }
    out
}

/// A rebel `R{n}` is named `"{parent name} Rebels {n}"` (GAME_RULES.md §2.3): its parent is
/// the earlier faction with that name.
fn rebel_parent(id: &str, name: &str, earlier: &[FactionEntry]) -> Option<Personality> {
    let number = id.strip_prefix('R')?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let label = name.strip_suffix(&format!(" Rebels {number}"))?;
    earlier.iter().find(|f| f.name == label).map(|f| f.personality)
}

impl WorldView for SnapshotView {
    fn tick(&self) -> u64 {
        self.tick
    }

    fn last_event_tick(&self) -> Option<u64> {
        self.last_event_tick
    }

    fn faction_count(&self) -> usize {
        self.factions.len()
    }

    fn faction_id(&self, faction: usize) -> &str {
        &self.factions[faction].id
    }

    fn faction_name(&self, faction: usize) -> &str {
        &self.factions[faction].name
    }

    fn personality(&self, faction: usize) -> Personality {
        self.factions[faction].personality
    }

    fn owner_label(&self, owner: OwnerKey) -> &str {
        let key = owner as usize;
        match key.checked_sub(self.factions.len()) {
            None => &self.factions[key].id,
            Some(i) => self.foreign_owners.get(i).map_or("", String::as_str),
        }
    }

    fn system_count(&self) -> usize {
        self.systems.len()
    }

    fn system(&self, index: usize) -> SystemFacts {
        self.systems[index]
    }

    fn neighbors(&self, index: usize) -> &[u32] {
        let (a, b) = (self.neighbor_start[index] as usize, self.neighbor_start[index + 1] as usize);
        &self.neighbor_list[a..b]
    }

    fn system_index(&self, id: u32) -> Option<usize> {
        self.systems.binary_search_by_key(&id, |s| s.id).ok()
    }

    fn fleet_count(&self) -> usize {
        self.fleets.len()
    }

    fn fleet(&self, index: usize) -> FleetFacts {
        self.fleets[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sector_core::snapshot::{SnapshotFaction, SnapshotFleet, SnapshotSystem};
    use sector_core::world::SystemKind;

    fn system(id: u32, owner: Option<&str>) -> SnapshotSystem {
        SnapshotSystem {
            id,
            x: 0.0,
            y: 0.0,
            owner: owner.map(String::from),
            value: 5,
            kind: "forge".into(),
            heat: 0.0,
            stability: 1.0,
            unrest: 0.0,
            reclaim_cooldown: 0,
            occupation_faction: None,
            occupation_progress: 0,
            is_besieged: false,
            siege_owner: None,
            siege_strength: 0.0,
        }
    }

    fn faction(id: &str, name: &str) -> SnapshotFaction {
        SnapshotFaction { id: id.into(), name: name.into(), color: "#ffffff".into(), personality: None }
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            tick_delay: 0.3,
            tick_delay_ms: 300,
            tick: 7,
            generator_seed: 1,
            systems: vec![system(2, Some("R1")), system(0, Some("F2")), system(1, Some("X9"))],
            lanes: vec![[0, 1], [0, 2], [1, 2]],
            fleets: vec![SnapshotFleet {
                id: 4,
                owner: "Q".into(),
                system_id: Some(2),
                strength: 3.0,
                enroute_from: None,
                enroute_to: None,
                eta: 0,
            }],
            events: vec![],
            highlight_ids: vec![],
            ai_state: None,
            factions: vec![
                faction("F1", "Empire"),
                faction("F2", "Pirates"),
                faction("L", "League of Independents"),
                faction("R1", "Pirates Rebels 1"),
                faction("R2", "Nobody Rebels 2"),
            ],
            history_tail: vec![],
            orders_applied: None,
        }
    }

    #[test]
    fn builds_sorted_systems_lane_order_neighbours_and_foreign_owners() {
        let view = SnapshotView::new(&snapshot(), &Config::default()).unwrap();
        assert_eq!((0..3).map(|i| view.system(i).id).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(view.neighbors(0), [1, 2]);
        assert_eq!(view.neighbors(2), [0, 1]);
        assert_eq!(view.system(0).owner, Some(1));
        assert_eq!(view.system(2).owner, Some(3));
        // Unknown owners get keys past the registry and keep their raw id as label.
        let x9 = view.system(1).owner.unwrap();
        assert!(x9 as usize >= view.faction_count());
        assert_eq!(view.owner_label(x9), "X9");
        assert_eq!(view.owner_label(view.fleet(0).owner), "Q");
        assert_eq!(view.fleet(0).system, Some(2));
        assert_eq!(view.system(0).kind, SystemKind::Forge);
        assert_eq!(view.last_event_tick(), None);
    }

    #[test]
    fn personalities_fall_back_to_configuration() {
        let view = SnapshotView::new(&snapshot(), &Config::default()).unwrap();
        assert_eq!(view.personality(0).aggression, 0.8);
        assert_eq!(view.personality(1).greed, 0.8);
        assert_eq!(view.personality(2), LEAGUE_PERSONALITY);
        // R1 copies its parent (Pirates), R2's parent is unknown.
        assert_eq!(view.personality(3), view.personality(1));
        assert_eq!(view.personality(4), DEFAULT_REBEL_PERSONALITY);
    }

    #[test]
    fn rejects_dangling_references() {
        let mut s = snapshot();
        s.lanes.push([0, 9]);
        assert_eq!(
            SnapshotView::new(&s, &Config::default()).unwrap_err(),
            ViewError::UnknownLaneSystem(0, 9)
        );
        let mut s = snapshot();
        s.systems.push(system(1, None));
        assert_eq!(SnapshotView::new(&s, &Config::default()).unwrap_err(), ViewError::DuplicateSystem(1));
        let mut s = snapshot();
        s.fleets[0].system_id = Some(42);
        assert!(matches!(
            SnapshotView::new(&s, &Config::default()),
            Err(ViewError::UnknownFleetSystem { fleet: 4, system: 42 })
        ));
    }
}
