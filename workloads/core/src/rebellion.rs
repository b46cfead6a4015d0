//! Rebellion and secession (GAME_RULES.md §8), checked only after captures and battles.

use crate::tick::TickContext;
use crate::world::{EventKind, SystemId, World};

impl World {
    pub(crate) fn rebellion_check(&mut self, ctx: &mut TickContext, system: SystemId) {
        let sys = &self.systems[system as usize];
        let Some(old) = sys.owner else { return };
        let world_config = &self.config.world;
        let effective = sys.stability - 0.2 * sys.unrest;
        if effective > world_config.rebellion_stability_threshold {
            return;
        }
        let mut chance = world_config.rebellion_chance * (1.0 + sys.unrest);
        let size = self.systems.iter().filter(|s| s.owner == Some(old)).count();
        let over = &self.config.overextension;
        if size > over.threshold {
            chance = (chance * (1.0 + over.risk_per_extra_system * (size - over.threshold) as f64)).min(0.9);
        }
        if self.rng.random() > chance {
            return;
        }
        let independence = self.rng.random() > world_config.new_faction_chance;
        let gmax = self.config.battle.garrison_maximum_strength;
        let place = sys.kind.describe(system);
        if independence {
            let (league, created) = self.registry.ensure_league();
            if created {
                *self.stock_mut(league) = 0.0;
            }
            let sys = &mut self.systems[system as usize];
            sys.owner = Some(league);
            sys.stability = 0.7;
            sys.reclaim_cooldown = 6;
            sys.occupation_faction = None;
            sys.occupation_progress = 0;
            sys.garrison = gmax;
            sys.econ_maturity = 0;
            self.spawn_fleet(league, system, self.config.league.militia_strength);
            let text = format!(
                "t={}: Rebellion in {place}! {} lost control; the world joined the League of Independents.",
                self.tick,
                self.registry.name(old)
            );
            self.log_event(ctx, EventKind::RebellionIndependence, vec![system], vec![old, league], text);
        } else {
            let cap = self.config.simulation.max_dynamic_factions;
            let (rebel, _) = self.registry.register_rebel(old, cap, &mut self.rng);
            let sys = &mut self.systems[system as usize];
            sys.owner = Some(rebel);
            sys.stability = 0.8;
            sys.reclaim_cooldown = 3;
            sys.occupation_faction = None;
            sys.occupation_progress = 0;
            sys.garrison = gmax;
            sys.econ_maturity = 0;
            // The secession fleet's 8.0 is hard-wired in the reference.
            self.spawn_fleet(rebel, system, 8.0);
            *self.stock_mut(rebel) += self.config.world.build_cost;
            ctx.expansion(rebel);
            let text = format!(
                "t={}: Secession in {place}! A splinter of {} joined the rebel faction {}.",
                self.tick,
                self.registry.name(old),
                self.registry.name(rebel)
            );
            self.log_event(ctx, EventKind::RebellionSecession, vec![system], vec![old, rebel], text);
        }
        ctx.highlight(system);
        ctx.loss(old);
    }
}
