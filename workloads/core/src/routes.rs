//! Orders at the orchestration layer (GAME_RULES.md §11): direct orders pass through,
//! non-adjacent targets become multi-hop routes that emit one direct order per hop.
//!
//! The rules only ever see direct orders, so the fixes here change no rule:
//! - C1: a fleet-specific route whose fleet merged into another stack follows that stack;
//! - C2: routes expire (a pending hop that never arrives, a route that never starts);
//! - C3: the next hop is emitted as soon as the arrival is noticed (one idle tick per
//!   waypoint instead of two), and routes are plain data saved with the world state.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::faction::FactionIdx;
use crate::world::{Order, SystemId, World};

/// Reason given to route hops whose order carried none.
pub const DEFAULT_ROUTE_REASON: &str = "human-route";
/// Ticks a route may wait for its first hop before it is dropped.
pub const ROUTE_START_PATIENCE: u64 = 20;
/// Extra ticks beyond the travel time that a pending hop may take to be noticed.
const HOP_GRACE_TICKS: u64 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub faction: String,
    pub path: Vec<SystemId>,
    /// Position in `path` of the system the route is currently leaving.
    pub index: usize,
    pub pending: bool,
    pub last_sent: Option<u64>,
    pub fleet_id: Option<u64>,
    pub reason: Option<String>,
    /// Tick at which the current hop became due (creation or the last arrival).
    pub waiting_since: u64,
}

/// Why an incoming order was dropped before reaching the rules (KNOWN_DEFECTS C5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    UnknownFaction,
    UnknownSystem,
    FleetNotAvailable,
    NoPath,
}

impl Rejection {
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::UnknownFaction => "unknown faction",
            Rejection::UnknownSystem => "unknown system",
            Rejection::FleetNotAvailable => "fleet is not idle at the origin",
            Rejection::NoPath => "no path from origin to target",
        }
    }
}

/// What [`RouteBook::intake`] made of a batch of orders.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Intake {
    pub direct: Vec<Order>,
    pub routed: usize,
    pub rejected: Vec<(Order, Rejection)>,
}

/// The routes of a run, in creation order.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteBook {
    routes: Vec<Route>,
}

/// Breadth-first shortest path over lanes, neighbours in list order (§11.2 step 4).
pub fn shortest_path(world: &World, origin: SystemId, target: SystemId) -> Option<Vec<SystemId>> {
    if origin == target {
        return Some(vec![origin]);
    }
    let mut parent: Vec<Option<SystemId>> = vec![None; world.systems.len()];
    let mut seen = vec![false; world.systems.len()];
    seen[origin as usize] = true;
    let mut queue = VecDeque::from([origin]);
    while let Some(node) = queue.pop_front() {
        for &next in &world.systems[node as usize].neighbors {
            if seen[next as usize] {
                continue;
            }
            seen[next as usize] = true;
            parent[next as usize] = Some(node);
            if next == target {
                let mut path = vec![target];
                let mut at = target;
                while let Some(p) = parent[at as usize] {
                    path.push(p);
                    at = p;
                }
                path.reverse();
                return Some(path);
            }
            queue.push_back(next);
        }
    }
    None
}

fn idle_fleet_of(world: &World, faction: FactionIdx, system: SystemId) -> Option<u64> {
    world.fleets.iter().find(|f| f.owner == faction && f.is_idle_at(system)).map(|f| f.id)
}

impl RouteBook {
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// A new run forgets every route (§10.3).
    pub fn clear(&mut self) {
        self.routes.clear();
    }

    /// §11.2: splits incoming orders into direct orders and new routes, in arrival order.
    pub fn intake(&mut self, world: &World, orders: impl IntoIterator<Item = Order>) -> Intake {
        let mut intake = Intake::default();
        for order in orders {
            let (Some(origin), Some(target)) = (world.system(order.origin_id), world.system(order.target_id))
            else {
                intake.rejected.push((order, Rejection::UnknownSystem));
                continue;
            };
            let (origin, target) = (origin.id, target.id);
            let faction = world.registry.find(&order.faction);
            if let Some(fleet_id) = order.fleet_id {
                let usable = faction.is_some_and(|faction| {
                    u64::try_from(fleet_id)
                        .ok()
                        .and_then(|id| world.fleet(id))
                        .is_some_and(|f| f.owner == faction && f.is_idle_at(origin))
                });
                if !usable {
                    intake.rejected.push((order, Rejection::FleetNotAvailable));
                    continue;
                }
            }
            if world.is_neighbor(origin, target) {
                // Direct orders go to the rules as they are; the rules validate factions.
                intake.direct.push(order);
                continue;
            }
            if faction.is_none() {
                // A route for an unknown faction could never move (it would wait forever).
                intake.rejected.push((order, Rejection::UnknownFaction));
                continue;
            }
            let path = match shortest_path(world, origin, target) {
                Some(path) if path.len() >= 2 => path,
                _ => {
                    intake.rejected.push((order, Rejection::NoPath));
                    continue;
                }
            };
            if order.fleet_id.is_none() {
                self.routes.retain(|r| {
                    !(r.fleet_id.is_none()
                        && r.faction == order.faction
                        && r.path.first() == path.first()
                        && r.path.last() == path.last())
                });
            }
            self.routes.push(Route {
                faction: order.faction,
                path,
                index: 0,
                pending: false,
                last_sent: None,
                fleet_id: order.fleet_id.and_then(|id| u64::try_from(id).ok()),
                reason: order.reason,
                waiting_since: world.tick,
            });
            intake.routed += 1;
        }
        intake
    }

    /// §11.3: the direct orders this tick's hops need, for the world before it advances.
    pub fn dispatch(&mut self, world: &World) -> Vec<Order> {
        let now = world.tick;
        let hop_patience = u64::try_from(world.config.world.travel_ticks).unwrap_or(0) + HOP_GRACE_TICKS;
        let mut emitted = Vec::new();
        self.routes.retain_mut(|route| {
            let Some(faction) = world.registry.find(&route.faction) else { return false };
            loop {
                if route.index + 1 >= route.path.len() {
                    return false;
                }
                let (from, to) = (route.path[route.index], route.path[route.index + 1]);
                if let Some(id) = route.fleet_id
                    && world.fleet(id).is_none()
                {
                    // C1: the fleet merged into the faction's stack where it stood.
                    let at = if route.pending { to } else { from };
                    match idle_fleet_of(world, faction, at) {
                        Some(stack) => route.fleet_id = Some(stack),
                        None => return false,
                    }
                }
                let fleet = route.fleet_id;
                let idle_at = |system: SystemId| match fleet {
                    Some(id) => world.fleet(id).is_some_and(|f| f.is_idle_at(system)),
                    None => idle_fleet_of(world, faction, system).is_some(),
                };
                if route.pending {
                    if idle_at(to) {
                        route.index += 1;
                        route.pending = false;
                        route.waiting_since = now;
                        // C3: the next hop can leave now rather than a tick later.
                        continue;
                    }
                    let sent = route.last_sent.unwrap_or(now);
                    if route.fleet_id.is_some() && idle_at(from) && now > sent {
                        // The launch did not happen (the stack went elsewhere first): retry.
                        route.pending = false;
                        continue;
                    }
                    // C2: a hop that never arrives (the stack died) ends the route.
                    return now <= sent + hop_patience;
                }
                if route.last_sent == Some(now) {
                    return true;
                }
                if !idle_at(from) {
                    // C2: a route whose fleet never shows up does not wait forever.
                    return now <= route.waiting_since + ROUTE_START_PATIENCE;
                }
                emitted.push(Order {
                    faction: route.faction.clone(),
                    origin_id: i64::from(from),
                    target_id: i64::from(to),
                    fleet_id: route.fleet_id.map(|id| id as i64),
                    // As the reference's `reason or "human-route"`: an empty reason counts as none.
                    reason: Some(
                        route
                            .reason
                            .clone()
                            .filter(|reason| !reason.is_empty())
                            .unwrap_or_else(|| DEFAULT_ROUTE_REASON.to_string()),
                    ),
                });
                route.pending = true;
                route.last_sent = Some(now);
                return true;
            }
        });
        emitted
    }

    /// Intake then dispatch: the orders to hand to the next tick (direct first, then hops).
    pub fn prepare(
        &mut self,
        world: &World,
        orders: impl IntoIterator<Item = Order>,
    ) -> (Vec<Order>, Intake) {
        let mut intake = self.intake(world, orders);
        let mut tick_orders = std::mem::take(&mut intake.direct);
        tick_orders.extend(self.dispatch(world));
        (tick_orders, intake)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use crate::trace::world_from_trace;
    use serde_json::json;

    /// Systems 0–1–2–3–4 on a line; F1 holds 0 with fleet 0 (10.0), F2 holds 4 with fleet 1.
    fn line_world() -> World {
        let systems: Vec<_> = (0..5u32)
            .map(|i| {
                let neighbors: Vec<u32> = [i.checked_sub(1), (i < 4).then_some(i + 1)].into_iter().flatten().collect();
                json!({"id": i, "owner": match i { 0 => Some("F1"), 4 => Some("F2"), _ => None },
                    "stability": 1.0, "heat": 0.0, "unrest": 0.0, "reclaim_cooldown": 0,
                    "occupation_faction": null, "occupation_progress": 0, "garrison": 3.0, "econ_maturity": 15,
                    "x": 0.1 * f64::from(i), "y": 0.5, "value": 5, "kind": "normal", "neighbors": neighbors})
            })
            .collect();
        let fleet = |id: u32, owner: &str, at: u32| {
            json!({"id": id, "owner": owner, "system_id": at, "strength": 10.0,
            "max_strength": 10.0, "enroute_from": null, "enroute_to": null, "eta": 0})
        };
        let line0 = json!({"state": {"tick": 0, "generator_seed": 1, "next_fleet_id": 2,
            "factions": ["F1", "F2", "F3", "F4", "F5"], "build_stock": {},
            "lanes": [[0, 1], [1, 2], [2, 3], [3, 4]], "systems": systems,
            "fleets": [fleet(0, "F1", 0), fleet(1, "F2", 4)]}});
        world_from_trace(&line0, &Config::default()).unwrap()
    }

    fn run(
        world: &mut World,
        book: &mut RouteBook,
        orders: Vec<Order>,
        ticks: usize,
    ) -> Vec<(u64, Vec<Order>)> {
        let mut log = Vec::new();
        let mut pending = orders;
        for _ in 0..ticks {
            let (tick_orders, _) = book.prepare(world, std::mem::take(&mut pending));
            log.push((world.tick + 1, tick_orders.clone()));
            world.advance(&tick_orders);
        }
        log
    }

    #[test]
    fn shortest_path_follows_lanes() {
        let world = line_world();
        assert_eq!(shortest_path(&world, 0, 3), Some(vec![0, 1, 2, 3]));
        assert_eq!(shortest_path(&world, 2, 2), Some(vec![2]));
    }

    #[test]
    fn direct_orders_pass_and_bad_orders_are_rejected_with_reasons() {
        let world = line_world();
        let mut book = RouteBook::default();
        let mut named = Order::new("F1", 0, 1);
        named.fleet_id = Some(1);
        let intake = book.intake(
            &world,
            vec![
                Order::new("F1", 0, 1),
                Order::new("F1", 0, 99),
                Order::new("nobody", 0, 3),
                named,
                Order::new("F1", 2, 2),
            ],
        );
        assert_eq!(intake.direct, vec![Order::new("F1", 0, 1)]);
        let reasons: Vec<_> = intake.rejected.iter().map(|(_, r)| *r).collect();
        assert_eq!(
            reasons,
            [
                Rejection::UnknownSystem,
                Rejection::UnknownFaction,
                Rejection::FleetNotAvailable,
                Rejection::NoPath
            ]
        );
        assert!(book.is_empty());
    }

    #[test]
    fn a_route_with_an_empty_reason_gets_the_default_one() {
        let mut world = line_world();
        let mut book = RouteBook::default();
        let mut order = Order::new("F1", 0, 3);
        order.reason = Some(String::new());
        let log = run(&mut world, &mut book, vec![order], 2);
        assert_eq!(log[0].1[0].reason.as_deref(), Some(DEFAULT_ROUTE_REASON));
    }

    #[test]
    fn a_route_walks_hop_by_hop_with_one_idle_tick_per_waypoint() {
        let mut world = line_world();
        let mut book = RouteBook::default();
        let log = run(&mut world, &mut book, vec![Order::new("F1", 0, 3)], 10);
        let hops: Vec<(u64, i64, i64)> = log
            .iter()
            .flat_map(|(t, orders)| orders.iter().map(move |o| (*t, o.origin_id, o.target_id)))
            .collect();
        // Launch in tick 1, arrive in tick 3, next hop launches in tick 4 (not 5), etc.
        assert_eq!(hops, vec![(1, 0, 1), (4, 1, 2), (7, 2, 3)]);
        assert_eq!(log[0].1[0].reason.as_deref(), Some(DEFAULT_ROUTE_REASON));
        assert!(book.is_empty(), "a finished route is removed");
        assert_eq!(world.fleet(0).unwrap().system_id, Some(3));
    }

    #[test]
    fn a_new_fleetless_route_replaces_the_same_one() {
        let world = line_world();
        let mut book = RouteBook::default();
        book.intake(&world, vec![Order::new("F1", 0, 3), Order::new("F1", 0, 3), Order::new("F1", 0, 4)]);
        assert_eq!(book.len(), 2);
    }

    #[test]
    fn a_route_follows_its_fleet_into_a_merged_stack() {
        let mut world = line_world();
        // F1's fleet 0 waits at system 1; the routed fleet 2 will merge into it there.
        world.fleets[0].system_id = Some(1);
        world.spawn_fleet(FactionIdx(0), 0, 10.0);
        let mut book = RouteBook::default();
        let mut order = Order::new("F1", 0, 3);
        order.fleet_id = Some(2);
        let log = run(&mut world, &mut book, vec![order], 10);
        let hops: Vec<(u64, i64, Option<i64>)> = log
            .iter()
            .flat_map(|(t, orders)| orders.iter().map(move |o| (*t, o.origin_id, o.fleet_id)))
            .collect();
        assert_eq!(hops, vec![(1, 0, Some(2)), (4, 1, Some(0)), (7, 2, Some(0))]);
        assert_eq!(world.fleet(0).unwrap().system_id, Some(3));
        assert!(book.is_empty());
    }

    #[test]
    fn a_route_whose_fleet_is_gone_for_good_is_dropped() {
        let mut world = line_world();
        let mut book = RouteBook::default();
        let mut order = Order::new("F1", 0, 3);
        order.fleet_id = Some(0);
        book.intake(&world, vec![order]);
        world.fleets.retain(|f| f.id != 0);
        assert!(book.dispatch(&world).is_empty());
        assert!(book.is_empty());
    }

    #[test]
    fn a_fleetless_route_that_never_starts_expires() {
        let mut world = line_world();
        let mut book = RouteBook::default();
        // F2 has no fleet at system 2: the route waits, then expires.
        book.intake(&world, vec![Order::new("F2", 2, 0)]);
        for _ in 0..=ROUTE_START_PATIENCE {
            assert!(book.dispatch(&world).is_empty());
            assert_eq!(book.len(), 1);
            world.advance(&[]);
        }
        assert!(book.dispatch(&world).is_empty());
        assert!(book.is_empty());
    }

    #[test]
    fn routes_survive_serialization() {
        let world = line_world();
        let mut book = RouteBook::default();
        book.intake(&world, vec![Order::new("F1", 0, 3)]);
        let text = serde_json::to_string(&book).unwrap();
        let restored: RouteBook = serde_json::from_str(&text).unwrap();
        assert_eq!(restored, book);
    }
}
