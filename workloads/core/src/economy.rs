//! Economy and production (GAME_RULES.md §5).

use crate::faction::FactionIdx;
use crate::tick::TickContext;
use crate::world::{System, World};

/// §5.1: `(base × stability factor) × maturity factor`, multiplied in that order.
pub fn econ_value(system: &System, maturity_ticks: i64, maturity_minimum_factor: f64) -> f64 {
    let value = system.value as f64;
    let base = match system.kind.economic_multiplier() {
        Some(multiplier) => value * multiplier,
        None => value,
    };
    let stability_factor = 0.5 + 0.5 * system.stability;
    let maturity = (system.econ_maturity as f64 / maturity_ticks.max(1) as f64).min(1.0);
    let maturity_factor = maturity_minimum_factor + (1.0 - maturity_minimum_factor) * maturity;
    (base * stability_factor) * maturity_factor
}

impl World {
    /// §5.2: economic power of the first `faction_count` registered factions: a running
    /// sum from 1.0 over owned systems in ascending id, then the overextension penalty.
    pub fn economic_powers(&self, faction_count: usize) -> Vec<f64> {
        let economy = &self.config.economy;
        let mut power = vec![1.0f64; faction_count];
        let mut size = vec![0usize; faction_count];
        for system in &self.systems {
            let Some(owner) = system.owner else { continue };
            let i = owner.index();
            if i >= faction_count {
                continue;
            }
            power[i] += econ_value(system, economy.maturity_ticks, economy.maturity_minimum_factor);
            size[i] += 1;
        }
        let over = &self.config.overextension;
        for (p, &n) in power.iter_mut().zip(&size) {
            if n > over.threshold {
                let penalty =
                    1.0 / (1.0 + over.economy_penalty_per_extra_system * (n - over.threshold) as f64);
                *p *= penalty;
            }
        }
        power
    }

    /// §5.3: stock accrues, and every full `build_cost` becomes a fleet at a random owned
    /// system (drawn from the rules generator).
    pub(crate) fn produce(&mut self, ctx: &mut TickContext, powers: &[f64]) {
        let build_rate = self.config.world.build_rate;
        let build_cost = self.config.world.build_cost;
        let strength = self.config.world.new_fleet_strength;
        for (i, &power) in powers.iter().enumerate() {
            let faction = FactionIdx(i as u16);
            *self.stock_mut(faction) += power * build_rate;
            let mut owned: Option<Vec<u32>> = None;
            while self.stock(faction) >= build_cost {
                *self.stock_mut(faction) -= build_cost;
                // Built lazily: most factions build nothing most ticks. Ownership does not
                // change while building, so the list stays valid across iterations.
                let owned = owned.get_or_insert_with(|| {
                    self.systems.iter().filter(|s| s.owner == Some(faction)).map(|s| s.id).collect()
                });
                // With nothing owned the stock is lost (KNOWN_DEFECTS B10, a rule).
                let Some(&system) = self.rng.choice(owned) else { break };
                self.spawn_fleet(faction, system, strength);
                ctx.fleets_built += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::SystemKind;

    fn system(value: i64, kind: SystemKind, stability: f64, maturity: i64) -> System {
        System {
            id: 0,
            x: 0.0,
            y: 0.0,
            value,
            kind,
            neighbors: vec![],
            owner: None,
            stability,
            heat: 0.0,
            unrest: 0.0,
            reclaim_cooldown: 0,
            occupation_faction: None,
            occupation_progress: 0,
            garrison: 0.0,
            econ_maturity: maturity,
        }
    }

    #[test]
    fn econ_value_applies_kind_stability_and_maturity() {
        assert_eq!(econ_value(&system(5, SystemKind::Normal, 1.0, 15), 15, 0.2), 5.0);
        assert_eq!(econ_value(&system(5, SystemKind::Relic, 1.0, 15), 15, 0.2), 9.0);
        // Fresh, half-stable forge: (7 × 1.4 × 0.75) × 0.2.
        let v = econ_value(&system(7, SystemKind::Forge, 0.5, 0), 15, 0.2);
        assert_eq!(v, ((7.0 * 1.4) * 0.75) * 0.2);
        // Maturity is capped at 1.
        assert_eq!(econ_value(&system(4, SystemKind::Hive, 1.0, 40), 15, 0.2), 4.0 * 1.2);
    }
}
