//! Run-end checks (GAME_RULES.md §10) as pure functions of the world.

use crate::faction::FactionIdx;
use crate::world::World;

/// Residual enemy fleet strength under which a sole system owner wins (§10.2).
pub const WIN_RESIDUAL_STRENGTH: f64 = 2.0;

/// Factions owning a system or a live fleet, in registry order.
pub fn active_factions(world: &World) -> Vec<FactionIdx> {
    let mut active = vec![false; world.registry.len()];
    for owner in world.systems.iter().filter_map(|s| s.owner) {
        active[owner.index()] = true;
    }
    for fleet in world.fleets.iter().filter(|f| f.strength > 0.0) {
        active[fleet.owner.index()] = true;
    }
    world.registry.iter().map(|(idx, _)| idx).filter(|idx| active[idx.index()]).collect()
}

/// §10.2: the winner, if the run is decided.
pub fn winner(world: &World) -> Option<FactionIdx> {
    let mut system_owners: Vec<FactionIdx> = world.systems.iter().filter_map(|s| s.owner).collect();
    system_owners.sort_unstable();
    system_owners.dedup();
    if let [sole] = system_owners[..] {
        let mut others_strength = 0.0;
        let mut others_present = false;
        for fleet in world.fleets.iter().filter(|f| f.strength > 0.0 && f.owner != sole) {
            others_present = true;
            others_strength += fleet.strength;
        }
        if !others_present || others_strength < WIN_RESIDUAL_STRENGTH {
            return Some(sole);
        }
    }
    match active_factions(world)[..] {
        [only] => Some(only),
        _ => None,
    }
}

/// §10.1: which of the given (human-claimed) factions are no longer active.
pub fn eliminated<'a>(world: &World, claimed: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let active = active_factions(world);
    claimed
        .into_iter()
        .filter(|id| world.registry.find(id).is_none_or(|idx| !active.contains(&idx)))
        .map(String::from)
        .collect()
}
