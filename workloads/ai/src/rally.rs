//! Rally toward the goal (BOT_AI.md §7.6): strong backline stacks move toward the goal, or
//! toward the nearest frontline when no passable path leads there.

use crate::board::Board;
use crate::paths::PathQueries;
use crate::plan::{Planned, Turn};

/// Appends up to `rally_max_orders` rally orders (only when the goal has a target).
pub fn goal_rallies<P: PathQueries>(turn: &Turn, paths: &mut P, out: &mut Vec<Planned>) {
    let Some(goal) = turn.goal_target else { return };
    let board = turn.board;
    let f = turn.faction;
    let owned = board.owned(f);
    let frontlines: Vec<u32> = owned.iter().copied().filter(|&s| board.is_frontline(f, s)).collect();
    let mut backline: Vec<(u32, f64)> = owned
        .iter()
        .copied()
        .filter(|&s| !board.is_frontline(f, s))
        .map(|s| (s, board.idle_strength(f, s)))
        .filter(|&(_, strength)| strength >= turn.tunables.rally_min_strength)
        .collect();
    backline.sort_by(|a, b| b.1.total_cmp(&a.1));

    let mut emitted = 0;
    for &(b, _) in &backline {
        if emitted >= turn.tunables.rally_max_orders {
            break;
        }
        let (hop, reason) = match paths.next_hop(board, b, goal) {
            Some(hop) => (hop, format!("rally toward goal #{}", board.id(goal))),
            None => match nearest_frontline_hop(board, paths, b, &frontlines) {
                Some(hop) => (hop, "rally toward frontline".to_string()),
                None => continue,
            },
        };
        out.push(Planned { origin: b, target: hop, reason });
        emitted += 1;
    }
}

/// NearestFrontlineHop(f, origin, frontlines): NextHop toward the frontline system with the
/// smallest distance (first minimum, unreachable ones skipped).
pub fn nearest_frontline_hop<P: PathQueries>(
    board: &Board,
    paths: &mut P,
    origin: u32,
    frontlines: &[u32],
) -> Option<u32> {
    let mut best: Option<(u32, u32)> = None;
    for &fl in frontlines {
        let Some(d) = paths.distance(board, origin, fl) else { continue };
        if best.is_none_or(|(_, bd)| d < bd) {
            best = Some((fl, d));
        }
    }
    let (target, _) = best?;
    paths.next_hop(board, origin, target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goals::{Goal, GoalKind};
    use crate::paths::FastPaths;
    use crate::plan::Tunables;
    use crate::testkit::TestWorld;
    use sector_core::Config;

    fn run(board: &Board, goal: Option<u32>) -> Vec<Planned> {
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
            goal: Goal { kind: GoalKind::Attack, target: goal, expiry: 100 },
            goal_target: goal,
        };
        let mut paths = FastPaths::new();
        paths.reset(0);
        let mut out = Vec::new();
        goal_rallies(&turn, &mut paths, &mut out);
        out
    }

    #[test]
    fn backline_stacks_head_for_the_goal_strongest_first() {
        // 0 - 1 - 2 - 3 - 4 - 5 ; F1 owns 0..=3; goal 5 (unowned). Backline: 0, 1, 2.
        let mut w = TestWorld::line(6);
        for s in 0..4 {
            w.own(s, 0);
        }
        w.fleet(0, 0, 12.0).fleet(0, 1, 15.0).fleet(0, 2, 9.0);
        let out = run(&Board::new(&w.build()), Some(5));
        let got: Vec<(u32, u32)> = out.iter().map(|o| (o.origin, o.target)).collect();
        assert_eq!(got, [(1, 2), (0, 1)]);
        assert_eq!(out[0].reason, "rally toward goal #5");
        assert!(run(&Board::new(&w.build()), None).is_empty());
    }

    #[test]
    fn blocked_goal_falls_back_to_the_nearest_frontline() {
        // 0 - 1 - 2 - 3(F2, defended) - 4 ; F1 owns 0, 1, 2; goal 4 behind the defended 3.
        let mut w = TestWorld::line(5);
        w.own(0, 0).own(1, 0).own(2, 0).own(3, 1).fleet(1, 3, 5.0).fleet(0, 0, 12.0);
        let out = run(&Board::new(&w.build()), Some(4));
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].origin, out[0].target), (0, 1));
        assert_eq!(out[0].reason, "rally toward frontline");
    }
}
