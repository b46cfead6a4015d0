//! Conflict resolution (GAME_RULES.md §7): undefended captures and battles.

use crate::faction::FactionIdx;
use crate::tick::TickContext;
use crate::world::{EventKind, SystemId, World};

/// Combat multipliers and limits, resolved once per tick from the config.
impl World {
    /// `tech(X)`: the League fights with 1 + tech_bonus, everyone else with 1.0.
    pub(crate) fn tech(&self, faction: FactionIdx) -> f64 {
        if self.registry.id(faction) == self.config.world.league_faction_id {
            1.0 + self.config.league.tech_bonus
        } else {
            1.0
        }
    }

    /// Runs conflict resolution at `system` with `attacker` over the participating fleets
    /// (positions into `self.fleets`, ascending id).
    pub(crate) fn resolve_conflict(
        &mut self,
        ctx: &mut TickContext,
        system: SystemId,
        attacker: FactionIdx,
        participants: &[usize],
    ) {
        let has_defenders = participants.iter().any(|&p| self.fleets[p].owner != attacker);
        if has_defenders {
            self.battle(ctx, system, attacker, participants);
        } else {
            self.undefended(ctx, system, attacker, participants);
        }
    }

    fn clear_occupation(&mut self, system: SystemId) {
        let s = &mut self.systems[system as usize];
        s.occupation_faction = None;
        s.occupation_progress = 0;
    }

    /// §7.1: no defenders. The garrison soaks strength without damaging the fleets.
    fn undefended(
        &mut self,
        ctx: &mut TickContext,
        system: SystemId,
        attacker: FactionIdx,
        participants: &[usize],
    ) {
        let sys = &self.systems[system as usize];
        if sys.owner == Some(attacker) {
            self.clear_occupation(system);
            return;
        }
        let mut total = 0.0;
        for &p in participants {
            if self.fleets[p].owner == attacker {
                total += self.fleets[p].strength;
            }
        }
        let sys = &mut self.systems[system as usize];
        if sys.garrison > 0.0 {
            let absorbed = sys.garrison.min(total);
            sys.garrison -= absorbed;
            total -= absorbed;
            if total <= 0.0 {
                self.clear_occupation(system);
                return;
            }
        }
        if sys.garrison <= 0.0 && total >= self.config.battle.minimum_capture_strength {
            self.capture(ctx, system, attacker);
            return;
        }
        self.clear_occupation(system);
    }

    fn capture(&mut self, ctx: &mut TickContext, system: SystemId, attacker: FactionIdx) {
        let gmax = self.config.battle.garrison_maximum_strength;
        let sys = &mut self.systems[system as usize];
        let old_owner = sys.owner;
        sys.owner = Some(attacker);
        sys.occupation_faction = None;
        sys.occupation_progress = 0;
        sys.unrest = (sys.unrest + 0.25).min(1.0);
        sys.stability = (sys.stability - 0.05 - 0.1 * sys.unrest).max(0.0);
        sys.heat = (sys.heat + 1.5).min(3.0);
        sys.garrison = (sys.garrison + 0.5 * gmax).min(gmax);
        sys.econ_maturity = 0;
        let place = sys.kind.describe(system);
        ctx.expansion(attacker);
        if let Some(old) = old_owner {
            ctx.loss(old);
            ctx.win(attacker);
        }
        let text = format!(
            "t={}: Fleet of {} secured {place} via rapid occupation",
            self.tick,
            self.registry.name(attacker)
        );
        self.log_event(ctx, EventKind::FleetCaptureNoDefense, vec![system], vec![attacker], text);
        ctx.highlight(system);
        self.rebellion_check(ctx, system);
    }

    /// §7.2: a battle between the attacker and every other faction present, pooled.
    fn battle(
        &mut self,
        ctx: &mut TickContext,
        system: SystemId,
        attacker: FactionIdx,
        participants: &[usize],
    ) {
        let mut att = 0.0;
        let mut def = 0.0;
        let mut defender_factions: Vec<FactionIdx> = Vec::new();
        for &p in participants {
            let fleet = &self.fleets[p];
            if fleet.owner == attacker {
                att += fleet.strength;
            } else {
                def += fleet.strength;
                if !defender_factions.contains(&fleet.owner) {
                    defender_factions.push(fleet.owner);
                }
            }
        }
        let old_owner = self.systems[system as usize].owner;
        let defender = match old_owner {
            Some(owner) if defender_factions.contains(&owner) => owner,
            _ => defender_factions[0],
        };
        if att <= 0.0 || def <= 0.0 {
            return;
        }
        let ap = att * self.tech(attacker);
        let dp = def * self.tech(defender);
        let defender_tech = self.tech(defender);
        let battle = &self.config.battle;
        let damage_factor = self.config.simulation.damage_factor;
        let sys = &mut self.systems[system as usize];
        sys.occupation_faction = None;
        sys.occupation_progress = 0;
        sys.stability = (sys.stability - 0.15).max(0.0);
        sys.heat = (sys.heat + 2.0).min(3.0);
        let home = sys.owner == Some(defender);
        let garrison_power = if home { sys.garrison * defender_tech } else { 0.0 };
        let ed = dp + garrison_power;
        let (attacker_wins, odds) = if ap >= battle.auto_win_ratio * ed {
            (true, 0.5)
        } else if ed >= battle.auto_win_ratio * ap {
            (false, 0.5)
        } else {
            let adv = (ap - ed) / (ap + ed);
            let home_bonus = if home { 0.05 } else { 0.0 };
            let mut p = (0.5 + 0.3 * adv) - home_bonus;
            if sys.reclaim_cooldown > 0 {
                p -= 0.15;
            }
            p = p.clamp(0.2, 0.8);
            (self.rng.random() < p, p)
        };
        let place = self.systems[system as usize].kind.describe(system);
        let mut event_factions = vec![attacker];
        event_factions.extend(&defender_factions);
        if attacker_wins {
            let survivor = (att - damage_factor * def).max(1.0);
            self.systems[system as usize].garrison = 0.0;
            let mut strongest: Option<usize> = None;
            for &p in participants {
                let fleet = &self.fleets[p];
                if fleet.owner == attacker
                    && strongest.is_none_or(|s| fleet.strength > self.fleets[s].strength)
                {
                    strongest = Some(p);
                }
            }
            for &p in participants {
                self.fleets[p].strength = 0.0;
            }
            if let Some(s) = strongest {
                let fleet = &mut self.fleets[s];
                fleet.strength = survivor;
                fleet.max_strength = fleet.max_strength.max(survivor);
            }
            if old_owner != Some(attacker) {
                let sys = &mut self.systems[system as usize];
                sys.owner = Some(attacker);
                sys.unrest = (sys.unrest + 0.25).min(1.0);
                sys.stability = (sys.stability - 0.05 - 0.1 * sys.unrest).max(0.0);
                sys.econ_maturity = 0;
                ctx.expansion(attacker);
                if let Some(old) = old_owner {
                    ctx.loss(old);
                }
            }
            ctx.win(attacker);
            let text = format!(
                "t={}: Fleet of {} won a battle in {place} (local odds {odds:.2}) and took control.",
                self.tick,
                self.registry.name(attacker)
            );
            self.log_event(ctx, EventKind::FleetBattleWin, vec![system], event_factions, text);
        } else {
            let soak = self.config.battle.defender_garrison_soak_factor;
            let minimum = self.config.battle.defender_minimum_remaining;
            let garrison = self.systems[system as usize].garrison;
            let mut effective = att;
            if home && garrison > 0.0 {
                effective = (att - soak * garrison).max(0.0);
            }
            let survivor = (def - damage_factor * effective).max(minimum);
            self.systems[system as usize].garrison = (garrison - att).max(0.0);
            let mut strongest: Option<usize> = None;
            for &p in participants {
                let fleet = &self.fleets[p];
                if fleet.owner != attacker
                    && fleet.strength > 0.0
                    && strongest.is_none_or(|s| fleet.strength > self.fleets[s].strength)
                {
                    strongest = Some(p);
                }
            }
            // Every attacker and every defender but the strongest is wiped (B5, a rule).
            for &p in participants {
                if Some(p) != strongest {
                    self.fleets[p].strength = 0.0;
                }
            }
            if let Some(s) = strongest {
                let fleet = &mut self.fleets[s];
                fleet.strength = survivor;
                fleet.max_strength = fleet.max_strength.max(survivor);
            }
            for &d in &defender_factions {
                ctx.win(d);
            }
            ctx.loss(attacker);
            let text = format!(
                "t={}: Fleet of {} failed to take {place} (local odds {odds:.2}).",
                self.tick,
                self.registry.name(attacker)
            );
            self.log_event(ctx, EventKind::FleetBattleLose, vec![system], event_factions, text);
        }
        ctx.highlight(system);
        self.rebellion_check(ctx, system);
    }
}
