//! Colonizer orders (BOT_AI.md §7.3): proactive claiming of unowned systems with the
//! strength above a reserve, nearest targets first, one pinned target kept between calls.

use crate::board::Board;
use crate::paths::PathQueries;
use crate::plan::{Planned, Tunables};

/// CPython's `float // float` (`float_floor_div` via `float_divmod`): the quotient is
/// formed as (x − fmod(x, y)) / y and then floored and rounded to the nearest integer,
/// which is not always `floor(x / y)` (the plain quotient may already have rounded).
pub fn python_floor_div(x: f64, y: f64) -> f64 {
    let rem = x % y;
    let mut div = (x - rem) / y;
    if rem != 0.0 && (y < 0.0) != (rem < 0.0) {
        div -= 1.0;
    }
    if div != 0.0 {
        let mut floor = div.floor();
        if div - floor > 0.5 {
            floor += 1.0;
        }
        floor
    } else {
        0.0f64.copysign(x / y)
    }
}

/// The colonizer budget (§7.3 steps 2–3): `None` when it stops there, else
/// (available strength, max orders).
pub fn budget(total: f64, owned_count: usize, t: &Tunables) -> Option<(f64, i64)> {
    let over = owned_count.saturating_sub(t.overextension_threshold);
    let reserve = t.colonizer_reserve + t.colonizer_reserve_per_system * over as f64;
    if total <= reserve {
        return None;
    }
    let available = total - reserve;
    let base = python_floor_div(available, t.colonizer_per_order) as i64;
    let max_orders = (base as f64 / (1.0 + over as f64 * t.colonizer_order_penalty)) as i64;
    (max_orders > 0).then_some((available, max_orders))
}

/// Appends f's colonizer orders and updates its pin (a system id).
pub fn colonizer_orders<P: PathQueries>(
    board: &Board,
    faction: u32,
    t: &Tunables,
    pin: &mut Option<u32>,
    paths: &mut P,
    out: &mut Vec<Planned>,
) {
    // Step 1: a copy of f's idle strength per system, in idle-system order.
    let local: Vec<(u32, f64)> =
        board.idle_systems(faction).iter().map(|&s| (s, board.idle_strength(faction, s))).collect();
    let mut total = 0.0;
    for &(_, strength) in &local {
        total += strength;
    }
    // Steps 2–3 (a stale pin survives calls that stop here).
    let Some((available, max_orders)) = budget(total, board.owned_count(faction), t) else { return };
    // Step 4.
    let min_needed = t.colonizer_per_order.max(t.min_launch_strength);
    let usable: Vec<(u32, f64)> = local.iter().copied().filter(|&(_, s)| s >= min_needed).collect();
    let nearest = paths.nearest_origins(board, &usable);

    // Step 5: drop a pin that is gone, owned, or out of reach of every usable origin.
    let pin_index = pin.and_then(|id| board.index_of(id)).filter(|&p| board.is_unowned(p));
    let pin_index = pin_index.filter(|&p| nearest[p as usize].is_some());
    if pin_index.is_none() {
        *pin = None;
    }

    // Step 6: (distance, value, target, origin position), targets in id order.
    let mut candidates: Vec<(u32, i64, u32, u32)> = Vec::new();
    for u in 0..board.len() as u32 {
        if !board.is_unowned(u) {
            continue;
        }
        if let Some((d, p)) = nearest[u as usize] {
            candidates.push((d, board.value[u as usize], u, p));
        }
    }
    // Step 7: stable sort by distance ascending, value descending.
    if candidates.is_empty() {
        return;
    }
    candidates.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    // Step 8: the pin goes first; without one, the nearest candidate becomes the pin.
    match pin_index {
        Some(p) => {
            let (mut front, back): (Vec<_>, Vec<_>) = candidates.into_iter().partition(|c| c.2 == p);
            front.extend(back);
            candidates = front;
        }
        None => *pin = Some(board.id(candidates[0].2)),
    }

    // Step 9: spend the budget in 3.0 steps (a planning estimate only, §7.3 [QUIRK]).
    let mut strength: Vec<f64> = usable.iter().map(|&(_, s)| s).collect();
    let mut remaining = available;
    let mut emitted: i64 = 0;
    for &(distance, _, u, p) in &candidates {
        if emitted >= max_orders {
            break;
        }
        if strength[p as usize] < min_needed {
            continue;
        }
        let origin = usable[p as usize].0;
        let hop = match paths.next_hop(board, origin, u) {
            Some(hop) => hop,
            None if distance == 1 => u,
            None => continue,
        };
        out.push(Planned {
            origin,
            target: hop,
            reason: format!("colonize neutral #{} (dist {distance})", board.id(u)),
        });
        emitted += 1;
        // An entry at or below zero is dropped, i.e. reads as missing (never usable).
        strength[p as usize] -= t.colonizer_per_order;
        remaining -= t.colonizer_per_order;
        if remaining < t.colonizer_per_order {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::FastPaths;
    use crate::testkit::TestWorld;
    use sector_core::Config;

    fn tunables() -> Tunables {
        Tunables::from_config(&Config::default())
    }

    #[test]
    fn floor_division_matches_cpython() {
        // python3 -c "print(x // 3.0)" for each x.
        let cases = [
            (7.5, 2.0),
            (6.0, 2.0),
            (5.999999999999999, 1.0),
            (0.1, 0.0),
            (1.307601472055461e16, 4358671573518202.0),
            (9425174407602874.0, 3141724802534290.0),
        ];
        for (x, expected) in cases {
            assert_eq!(python_floor_div(x, 3.0), expected, "{x} // 3.0");
        }
        // The plain quotient rounds differently for the last two.
        assert_eq!((1.307601472055461e16f64 / 3.0).floor(), 4358671573518203.0);
        assert_eq!(python_floor_div(-7.5, 3.0), -3.0);
    }

    #[test]
    fn budget_follows_reserve_and_overextension() {
        let t = tunables();
        assert_eq!(budget(6.0, 3, &t), None);
        assert_eq!(budget(8.9, 3, &t), None, "2.9 available is not one order");
        assert_eq!(budget(9.0, 3, &t), Some((3.0, 1)));
        assert_eq!(budget(20.0, 15, &t), Some((14.0, 4)));
        // 17 systems: over 2, reserve 9.0, available 21.0, base 7, 7 / 1.2 -> 5.
        assert_eq!(budget(30.0, 17, &t), Some((21.0, 5)));
    }

    #[test]
    fn sends_nearest_first_and_pins_the_first_target() {
        // 0(F1) - 1 - 2 ; 0 - 3 ; 3 - 4 ; values: 1:2, 3:9, 2:10, 4:1
        let mut w = TestWorld::new(5, &[(0, 1), (1, 2), (0, 3), (3, 4)]);
        w.own(0, 0).value(1, 2).value(3, 9).value(2, 10).value(4, 1).fleet(0, 0, 13.0);
        let board = Board::new(&w.build());
        let mut paths = FastPaths::new();
        paths.reset(0);
        let mut pin = None;
        let mut out = Vec::new();
        colonizer_orders(&board, 0, &tunables(), &mut pin, &mut paths, &mut out);
        // available 7.0 -> 2 orders: dist 1 targets by value (3, then 1).
        let got: Vec<(u32, u32)> = out.iter().map(|o| (o.origin, o.target)).collect();
        assert_eq!(got, [(0, 3), (0, 1)]);
        assert_eq!(out[0].reason, "colonize neutral #3 (dist 1)");
        assert_eq!(pin, Some(3));

        // A pinned far target goes first; its hop is the next step toward it.
        let mut pin = Some(2);
        let mut out = Vec::new();
        colonizer_orders(&board, 0, &tunables(), &mut pin, &mut paths, &mut out);
        let got: Vec<(u32, u32)> = out.iter().map(|o| (o.origin, o.target)).collect();
        assert_eq!(got, [(0, 1), (0, 3)]);
        assert_eq!(out[0].reason, "colonize neutral #2 (dist 2)");
        assert_eq!(pin, Some(2));

        // An owned pin is dropped and replaced.
        let mut w2 = TestWorld::new(5, &[(0, 1), (1, 2), (0, 3), (3, 4)]);
        w2.own(0, 0).own(2, 1).value(3, 9).fleet(0, 0, 13.0);
        let board = Board::new(&w2.build());
        paths.reset(0);
        let mut pin = Some(2);
        colonizer_orders(&board, 0, &tunables(), &mut pin, &mut paths, &mut Vec::new());
        assert_eq!(pin, Some(3));
    }

    #[test]
    fn stale_pin_survives_when_the_budget_stops_early() {
        let mut w = TestWorld::line(3);
        w.own(0, 0).own(2, 1).fleet(0, 0, 4.0);
        let board = Board::new(&w.build());
        let mut paths = FastPaths::new();
        paths.reset(0);
        let mut pin = Some(2);
        let mut out = Vec::new();
        colonizer_orders(&board, 0, &tunables(), &mut pin, &mut paths, &mut out);
        assert!(out.is_empty());
        assert_eq!(pin, Some(2));
    }

    #[test]
    fn weak_origins_are_not_usable_and_each_order_costs_three() {
        // F1 idle at 0 (4.0) and 2 (2.5) and 4 (3.5): total 10.0, available 4.0 -> 1 order.
        let mut w = TestWorld::line(6);
        w.own(0, 0).own(2, 0).own(4, 0).fleet(0, 0, 4.0).fleet(0, 2, 2.5).fleet(0, 4, 3.5);
        w.value(5, 10);
        let board = Board::new(&w.build());
        let mut paths = FastPaths::new();
        paths.reset(0);
        let mut pin = None;
        let mut out = Vec::new();
        colonizer_orders(&board, 0, &tunables(), &mut pin, &mut paths, &mut out);
        // Distance-1 candidates: 1 (from 0, stronger than 4? no: 0 is at 1, 2 is not usable),
        // 3 (from 4 at distance 1) and 5 (from 4). 5 has value 10 -> first.
        let got: Vec<(u32, u32)> = out.iter().map(|o| (o.origin, o.target)).collect();
        assert_eq!(got, [(4, 5)]);
    }
}
