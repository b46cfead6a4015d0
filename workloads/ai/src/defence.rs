//! Defence and rally toward besieged systems (BOT_AI.md §7.5).

use crate::board::NO_OWNER;
use crate::paths::PathQueries;
use crate::plan::{DEFENCE_RATIO, MAX_BESIEGED_RALLIES, MAX_DEFENCE_ORDERS, Planned, Turn, one_decimal};

/// Appends up to 3 defence orders, then up to 3 rally orders.
pub fn besieged_orders<P: PathQueries>(turn: &Turn, paths: &mut P, out: &mut Vec<Planned>) {
    let board = turn.board;
    let f = turn.faction;
    let owned = board.owned(f);
    let mut defence: Vec<Planned> = Vec::new();
    let mut rallies: Vec<Planned> = Vec::new();
    // Rally sources: owned systems with idle strength (owned order).
    let sources: Vec<(u32, f64)> = owned
        .iter()
        .map(|&r| (r, board.idle_strength(f, r)))
        .filter(|&(r, s)| board.idle_count(f, r) > 0 && s > 0.0)
        .collect();

    for &t in owned {
        let occupier = board.occupation[t as usize];
        let besieged = (occupier != NO_OWNER && occupier != f) || board.has_foreign_idle(f, t);
        if !besieged {
            continue;
        }
        let enemy = board.foreign_strength(f, t);
        // Strongest owned neighbour with idle strength (first maximum in neighbour order).
        let mut best_neighbour: Option<(u32, f64)> = None;
        for &n in board.neighbors(t) {
            if !board.is_owned_by(n, f) || board.idle_count(f, n) == 0 {
                continue;
            }
            let s = board.idle_strength(f, n);
            if s > 0.0 && best_neighbour.is_none_or(|(_, b)| s > b) {
                best_neighbour = Some((n, s));
            }
        }
        if let Some((n, ours)) = best_neighbour
            && (enemy == 0.0 || ours >= DEFENCE_RATIO * enemy)
        {
            defence.push(Planned {
                origin: n,
                target: t,
                reason: format!(
                    "reinforce besieged system #{} (enemy {} vs our {})",
                    board.id(t),
                    one_decimal(enemy),
                    one_decimal(ours)
                ),
            });
            if defence.len() >= MAX_DEFENCE_ORDERS {
                break;
            }
            continue;
        }
        // Only the first rallies are kept, and finding more draws nothing: skip the search.
        if rallies.len() >= MAX_BESIEGED_RALLIES {
            continue;
        }
        paths.focus(t);
        let mut best: Option<(u32, f64, u32)> = None;
        let mut best_ratio = 0.0;
        for &(r, strength) in &sources {
            if r == t {
                continue;
            }
            let Some(d) = paths.distance(board, r, t).filter(|&d| d > 0) else { continue };
            let ratio = strength / f64::from(d);
            if ratio > best_ratio {
                best_ratio = ratio;
                best = Some((r, strength, d));
            }
        }
        if let Some((r, strength, d)) = best
            && let Some(hop) = paths.next_hop(board, r, t)
        {
            rallies.push(Planned {
                origin: r,
                target: hop,
                reason: format!(
                    "rally toward besieged system #{} (enemy {} vs our {}, dist {d})",
                    board.id(t),
                    one_decimal(enemy),
                    one_decimal(strength)
                ),
            });
        }
    }
    out.append(&mut defence);
    out.extend(rallies.into_iter().take(MAX_BESIEGED_RALLIES));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::Board;
    use crate::goals::{Goal, GoalKind};
    use crate::paths::FastPaths;
    use crate::plan::Tunables;
    use crate::testkit::TestWorld;
    use sector_core::Config;

    fn run(board: &Board) -> Vec<Planned> {
        let tunables = Tunables::from_config(&Config::default());
        let turn = Turn {
            board,
            tunables: &tunables,
            faction: 0,
            personality: Config::default().factions.0[0].1.personality,
            owned_count: board.owned_count(0),
            threshold: 3.0,
            stagnation: false,
            dominant: false,
            goal: Goal { kind: GoalKind::Attack, target: None, expiry: 0 },
            goal_target: None,
        };
        let mut paths = FastPaths::new();
        paths.reset(0);
        let mut out = Vec::new();
        besieged_orders(&turn, &mut paths, &mut out);
        out
    }

    #[test]
    fn strong_neighbour_reinforces() {
        // 0 - 1 - 2 ; F1 owns 0, 1; F2 sits at 1 with 5.0; F1 has 4.0 at 0 (>= 0.8 * 5).
        let mut w = TestWorld::line(3);
        w.own(0, 0).own(1, 0).fleet(1, 1, 5.0).fleet(0, 0, 4.0);
        let out = run(&Board::new(&w.build()));
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].origin, out[0].target), (0, 1));
        assert_eq!(out[0].reason, "reinforce besieged system #1 (enemy 5.0 vs our 4.0)");
    }

    #[test]
    fn weak_neighbour_lets_the_best_ratio_rally() {
        // 0 - 1 - 2 - 3 - 4 ; F1 owns all; F2 at 4 with 10.0; F1: 2.0 at 3 (too weak to
        // defend; ratio 2.0), 9.0 at 0 (dist 4 -> 2.25), 5.0 at 1 (dist 3 -> 1.67).
        let mut w = TestWorld::line(5);
        for s in 0..5 {
            w.own(s, 0);
        }
        w.fleet(1, 4, 10.0).fleet(0, 3, 2.0).fleet(0, 0, 9.0).fleet(0, 1, 5.0);
        let out = run(&Board::new(&w.build()));
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].origin, out[0].target), (0, 1));
        assert_eq!(out[0].reason, "rally toward besieged system #4 (enemy 10.0 vs our 9.0, dist 4)");
    }

    #[test]
    fn at_most_three_defence_orders() {
        // Star around 0 (F1, 20.0): leaves 1..=5 owned by F1, each with an F2 fleet of 1.0.
        let edges: Vec<(u32, u32)> = (1..=5).map(|i| (0, i)).collect();
        let mut w = TestWorld::new(6, &edges);
        for s in 0..6 {
            w.own(s, 0);
        }
        w.fleet(0, 0, 20.0);
        for s in 1..=5 {
            w.fleet(1, s, 1.0);
        }
        let out = run(&Board::new(&w.build()));
        let got: Vec<(u32, u32)> = out.iter().map(|o| (o.origin, o.target)).collect();
        assert_eq!(got, [(0, 1), (0, 2), (0, 3)]);
    }
}
