//! Order validation and launch (GAME_RULES.md §6.7).

use crate::faction::FactionIdx;
use crate::tick::TickContext;
use crate::world::{EventKind, Order, SystemId, World};

/// An order that passed validation, with its ids resolved.
struct ValidOrder<'a> {
    faction: FactionIdx,
    origin: SystemId,
    target: SystemId,
    fleet_id: Option<i64>,
    reason: Option<&'a str>,
}

impl World {
    /// Why an order would be rejected by the rules, or `None` if it is valid now.
    pub fn order_rejection(&self, order: &Order) -> Option<&'static str> {
        if self.registry.find(&order.faction).is_none() {
            return Some("unknown faction");
        }
        let (Some(origin), Some(target)) = (self.system(order.origin_id), self.system(order.target_id))
        else {
            return Some("unknown system");
        };
        if !self.is_neighbor(origin.id, target.id) {
            return Some("target is not a neighbour of origin");
        }
        None
    }

    fn validate<'a>(&self, order: &'a Order) -> Option<ValidOrder<'a>> {
        if self.order_rejection(order).is_some() {
            return None;
        }
        Some(ValidOrder {
            faction: self.registry.find(&order.faction)?,
            origin: order.origin_id as SystemId,
            target: order.target_id as SystemId,
            fleet_id: order.fleet_id,
            reason: order.reason.as_deref(),
        })
    }

    pub(crate) fn apply_orders(&mut self, ctx: &mut TickContext, orders: &[Order]) {
        let valid: Vec<ValidOrder> = orders.iter().filter_map(|o| self.validate(o)).collect();
        // Groups by (faction, origin) in order of first appearance.
        let mut groups: Vec<((FactionIdx, SystemId), Vec<usize>)> = Vec::new();
        let mut group_of: std::collections::HashMap<(FactionIdx, SystemId), usize> = Default::default();
        for (i, order) in valid.iter().enumerate() {
            let key = (order.faction, order.origin);
            let g = *group_of.entry(key).or_insert_with(|| {
                groups.push((key, Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(i);
        }
        let minimum_launch = self.config.simulation.minimum_launch_strength;
        let index = self.idle_index();
        for ((faction, origin), members) in groups {
            // Launches make fleets non-idle, so the index is filtered at query time.
            let mut pool: Vec<usize> = index
                .at(origin)
                .filter(|&p| self.fleets[p].owner == faction && self.fleets[p].is_idle_at(origin))
                .collect();
            if pool.is_empty() {
                continue;
            }
            if let [only] = members[..] {
                let order = &valid[only];
                let chosen = match order.fleet_id {
                    Some(id) => pool.iter().copied().find(|&p| self.fleets[p].id as i64 == id),
                    None => self.strongest(&pool),
                };
                if let Some(p) = chosen {
                    self.launch(ctx, p, order);
                }
                continue;
            }
            // Stable sort: equal strengths keep ascending id.
            pool.sort_by(|&a, &b| self.fleets[b].strength.total_cmp(&self.fleets[a].strength));
            for &m in &members {
                if pool.is_empty() {
                    break;
                }
                let order = &valid[m];
                let slot = match order.fleet_id {
                    Some(id) => match pool.iter().position(|&p| self.fleets[p].id as i64 == id) {
                        Some(slot) => slot,
                        None => continue,
                    },
                    None => 0,
                };
                let p = pool.remove(slot);
                // A weak fleet is used up without moving (KNOWN_DEFECTS B12, a rule).
                if order.fleet_id.is_none() && self.fleets[p].strength < minimum_launch {
                    continue;
                }
                self.launch(ctx, p, order);
            }
        }
    }

    /// First maximum by strength among fleet positions.
    fn strongest(&self, pool: &[usize]) -> Option<usize> {
        let mut best: Option<usize> = None;
        for &p in pool {
            if best.is_none_or(|b| self.fleets[p].strength > self.fleets[b].strength) {
                best = Some(p);
            }
        }
        best
    }

    fn launch(&mut self, ctx: &mut TickContext, position: usize, order: &ValidOrder) {
        let travel_ticks = self.config.world.travel_ticks;
        let fleet = &mut self.fleets[position];
        fleet.enroute_from = Some(order.origin);
        fleet.enroute_to = Some(order.target);
        fleet.system_id = None;
        fleet.eta = travel_ticks;
        let strength = fleet.strength;
        let mut text = format!(
            "t={}: {} launched a fleet from system #{} to system #{} (strength {strength:.1}).",
            self.tick,
            self.registry.name(order.faction),
            order.origin,
            order.target
        );
        if let Some(reason) = order.reason.filter(|r| !r.is_empty()) {
            text.push_str(&format!(" Reason: {reason}."));
        }
        self.log_event(
            ctx,
            EventKind::FleetMove,
            vec![order.origin, order.target],
            vec![order.faction],
            text,
        );
    }
}
