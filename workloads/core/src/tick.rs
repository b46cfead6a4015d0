//! The tick pipeline (GAME_RULES.md §6), in the reference's exact order.

use crate::faction::FactionIdx;
use crate::fleet_index::FleetIndex;
use crate::world::{
    EVENT_TEXTS_KEPT, EventKind, HISTORY_KEPT, HistoryEvent, Order, SystemId, TickSummary, World,
};

/// What one tick accumulates besides the world itself.
#[derive(Debug, Default)]
pub(crate) struct TickContext {
    pub summary: TickSummary,
    highlights: Vec<SystemId>,
    texts: Vec<String>,
    pub fleets_built: usize,
}

impl TickContext {
    pub fn highlight(&mut self, system: SystemId) {
        self.highlights.push(system);
    }
    pub fn win(&mut self, faction: FactionIdx) {
        TickSummary::bump(&mut self.summary.wins, faction);
    }
    pub fn loss(&mut self, faction: FactionIdx) {
        TickSummary::bump(&mut self.summary.losses, faction);
    }
    pub fn expansion(&mut self, faction: FactionIdx) {
        TickSummary::bump(&mut self.summary.expansions, faction);
    }
}

impl World {
    /// Advances the world by one tick with the given direct orders, in order.
    pub fn advance(&mut self, orders: &[Order]) -> TickSummary {
        self.tick += 1;
        // §6.1: factions registered during this tick neither gain stock nor build.
        let tick_factions = self.registry.len();
        let mut ctx = TickContext::default();
        let powers = self.economic_powers(tick_factions);
        if self.build_stock.len() < tick_factions {
            self.build_stock.resize(tick_factions, 0.0);
        }
        let arrivals = self.count_down_movement();
        self.resolve_arrivals(&mut ctx, &arrivals);
        self.fail_safe_battles(&mut ctx);
        self.auto_claim(&mut ctx);
        self.produce(&mut ctx, &powers);
        self.apply_orders(&mut ctx, orders);
        self.upkeep_and_repair();
        self.merge_idle_stacks();
        self.update_systems();
        self.finish_logs(&mut ctx);
        self.orders_applied = Some(orders.len());
        ctx.summary
    }

    pub(crate) fn log_event(
        &mut self,
        ctx: &mut TickContext,
        kind: EventKind,
        systems: Vec<SystemId>,
        factions: Vec<FactionIdx>,
        text: String,
    ) {
        if self.history.len() == HISTORY_KEPT {
            self.history.pop_front();
        }
        ctx.texts.push(text.clone());
        self.history.push_back(HistoryEvent { tick: self.tick, kind, systems, factions, text });
    }

    /// §6.2: positions of fleets that arrive this tick, in ascending id.
    fn count_down_movement(&mut self) -> Vec<usize> {
        let mut arrivals = Vec::new();
        for (position, fleet) in self.fleets.iter_mut().enumerate() {
            if fleet.eta > 0 {
                fleet.eta -= 1;
                if fleet.eta <= 0 {
                    arrivals.push(position);
                }
            }
        }
        arrivals
    }

    /// §6.3: each arrival fights at its destination with every fleet there, including
    /// fleets arriving there later in this same tick.
    fn resolve_arrivals(&mut self, ctx: &mut TickContext, arrivals: &[usize]) {
        if arrivals.is_empty() {
            return;
        }
        // Keyed by where a fleet is or is about to be; arrivals keep their key when they
        // land, and fleets spawned by rebellions are added as they appear.
        let mut index = FleetIndex::build(
            self.systems.len(),
            self.fleets
                .iter()
                .enumerate()
                .filter(|(_, f)| f.eta == 0)
                .filter_map(|(p, f)| f.system_id.or(f.enroute_to).map(|s| (s, p))),
        );
        let mut here: Vec<usize> = Vec::new();
        for &position in arrivals {
            let fleet = &mut self.fleets[position];
            let Some(dest) = fleet.enroute_to else { continue };
            fleet.system_id = Some(dest);
            fleet.enroute_from = None;
            fleet.enroute_to = None;
            fleet.eta = 0;
            let attacker = fleet.owner;
            here.clear();
            here.extend(index.at(dest).filter(|&p| {
                let f = &self.fleets[p];
                f.strength > 0.0 && f.eta == 0 && (f.system_id == Some(dest) || f.enroute_to == Some(dest))
            }));
            let before = self.fleets.len();
            self.resolve_conflict(ctx, dest, attacker, &here);
            for p in before..self.fleets.len() {
                if let Some(system) = self.fleets[p].system_id {
                    index.push_late(system, p);
                }
            }
        }
    }

    /// Positions of idle fleets, grouped by system.
    pub(crate) fn idle_index(&self) -> FleetIndex {
        FleetIndex::build(
            self.systems.len(),
            self.fleets
                .iter()
                .enumerate()
                .filter(|(_, f)| f.is_idle())
                .filter_map(|(p, f)| f.system_id.map(|s| (s, p))),
        )
    }

    /// §6.4: systems where idle fleets of several factions sit get a battle, the
    /// strongest faction attacking. Grouped once, before the first battle.
    fn fail_safe_battles(&mut self, ctx: &mut TickContext) {
        let index = self.idle_index();
        // Systems in order of their first idle fleet; lists fixed before any battle.
        let mut groups: Vec<(usize, SystemId, Vec<usize>)> = index
            .occupied_systems()
            .map(|s| {
                let fleets: Vec<usize> = index.at(s).collect();
                (fleets[0], s, fleets)
            })
            .filter(|(_, _, fleets)| {
                let first_owner = self.fleets[fleets[0]].owner;
                fleets.iter().any(|&p| self.fleets[p].owner != first_owner)
            })
            .collect();
        groups.sort_unstable_by_key(|(first, _, _)| *first);
        for (_, system, fleets) in groups {
            let totals = self.strength_by_owner(&fleets);
            let mut attacker = totals[0];
            for &candidate in &totals[1..] {
                if candidate.1 > attacker.1 {
                    attacker = candidate;
                }
            }
            self.resolve_conflict(ctx, system, attacker.0, &fleets);
        }
    }

    /// Strength per owner over fleet positions, owners in order of first appearance.
    fn strength_by_owner(&self, positions: &[usize]) -> Vec<(FactionIdx, f64)> {
        let mut totals: Vec<(FactionIdx, f64)> = Vec::new();
        for &p in positions {
            let fleet = &self.fleets[p];
            match totals.iter_mut().find(|(owner, _)| *owner == fleet.owner) {
                Some((_, total)) => *total += fleet.strength,
                None => totals.push((fleet.owner, 0.0 + fleet.strength)),
            }
        }
        totals
    }

    /// §6.5: occupation decay, then idle fleets claim unowned systems outright.
    fn auto_claim(&mut self, ctx: &mut TickContext) {
        let index = self.idle_index();
        let mut idle_here: Vec<usize> = Vec::new();
        let gmax = self.config.battle.garrison_maximum_strength;
        for s in 0..self.systems.len() {
            let system_id = s as SystemId;
            if let Some(occupier) = self.systems[s].occupation_faction
                && !index.at(system_id).any(|p| self.fleets[p].owner == occupier)
            {
                self.systems[s].occupation_faction = None;
                self.systems[s].occupation_progress = 0;
            }
            let sys = &self.systems[s];
            if sys.owner.is_some() || sys.reclaim_cooldown != 0 {
                continue;
            }
            idle_here.clear();
            idle_here.extend(index.at(system_id));
            if idle_here.is_empty() {
                continue;
            }
            let mut totals = self.strength_by_owner(&idle_here);
            totals.sort_by(|a, b| b.1.total_cmp(&a.1));
            if totals.len() >= 2 && totals[0].1 == totals[1].1 {
                continue;
            }
            let owner = totals[0].0;
            let sys = &mut self.systems[s];
            sys.owner = Some(owner);
            sys.econ_maturity = 0;
            sys.unrest = (sys.unrest + 0.15).min(1.0);
            sys.stability = (sys.stability - 0.05 - 0.05 * sys.unrest).max(0.0);
            sys.reclaim_cooldown = 0;
            sys.garrison = (sys.garrison + 0.5 * gmax).min(gmax);
            let place = sys.kind.describe(system_id);
            ctx.expansion(owner);
            let text = format!(
                "t={}: {} claimed empty {place} after securing orbit.",
                self.tick,
                self.registry.name(owner)
            );
            self.log_event(ctx, EventKind::AutoClaim, vec![system_id], vec![owner], text);
            ctx.highlight(system_id);
        }
    }

    /// §6.8: destroyed fleets are removed; idle ones pay upkeep, then repair.
    fn upkeep_and_repair(&mut self) {
        let keep_factor = 1.0 - self.config.world.upkeep_idle;
        let repair_factor = 1.0 + self.config.world.repair_rate;
        self.fleets.retain_mut(|fleet| {
            if fleet.strength <= 0.0 {
                return false;
            }
            if fleet.eta == 0 {
                fleet.strength *= keep_factor;
                if fleet.strength <= 0.0 {
                    return false;
                }
                fleet.strength = (fleet.strength * repair_factor).min(fleet.max_strength);
            }
            true
        });
    }

    /// §6.9: idle fleets of one owner at one system merge into the lowest id.
    fn merge_idle_stacks(&mut self) {
        let index = self.idle_index();
        let mut merged_away = vec![false; self.fleets.len()];
        let mut primaries: Vec<(FactionIdx, usize)> = Vec::new();
        for system in index.occupied_systems() {
            primaries.clear();
            for position in index.at(system) {
                let owner = self.fleets[position].owner;
                match primaries.iter().find(|(o, _)| *o == owner) {
                    None => primaries.push((owner, position)),
                    Some(&(_, first)) => {
                        let (strength, max_strength) =
                            (self.fleets[position].strength, self.fleets[position].max_strength);
                        let target = &mut self.fleets[first];
                        target.strength += strength;
                        target.max_strength = target.max_strength.max(max_strength).max(target.strength);
                        merged_away[position] = true;
                    }
                }
            }
        }
        let mut position = 0;
        self.fleets.retain(|_| {
            let keep = !merged_away[position];
            position += 1;
            keep
        });
    }

    /// §6.10: decay, garrison and maturity growth, stability recovery and sprawl.
    fn update_systems(&mut self) {
        let counts = self.owned_counts();
        let battle = &self.config.battle;
        let maturity_ticks = self.config.economy.maturity_ticks;
        for sys in &mut self.systems {
            sys.heat *= 0.85;
            if sys.heat < 0.05 {
                sys.heat = 0.0;
            }
            sys.unrest *= 0.9;
            if sys.reclaim_cooldown > 0 {
                sys.reclaim_cooldown -= 1;
            }
            match sys.owner {
                None => {
                    sys.garrison = 0.0;
                    sys.econ_maturity = 0;
                }
                Some(_) => {
                    sys.garrison = (sys.garrison + battle.garrison_regeneration_per_tick)
                        .min(battle.garrison_maximum_strength);
                    sys.econ_maturity = (sys.econ_maturity + 1).min(maturity_ticks);
                }
            }
            sys.stability = (sys.stability + 0.01).min(1.0);
            if let Some(owner) = sys.owner {
                let size = counts[owner.index()];
                // Sprawl starts above a hard-wired 10 (KNOWN_DEFECTS B11, a rule).
                if size > 10 {
                    sys.stability = (sys.stability - 0.002 * (size - 10) as f64).max(0.0);
                }
            }
        }
    }

    /// §6.11: keep the last 80 texts; highlights sorted and unique.
    fn finish_logs(&mut self, ctx: &mut TickContext) {
        for text in ctx.texts.drain(..) {
            if self.events.len() == EVENT_TEXTS_KEPT {
                self.events.pop_front();
            }
            ctx.summary.new_events.push(text.clone());
            self.events.push_back(text);
        }
        let mut highlights = std::mem::take(&mut ctx.highlights);
        highlights.sort_unstable();
        highlights.dedup();
        self.highlights = highlights;
    }
}
