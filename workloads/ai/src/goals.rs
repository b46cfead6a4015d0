//! Per-faction goals (BOT_AI.md §7.1): a far target to work towards, kept for 80 ticks.

use sector_core::rng::Mt19937;

use crate::board::Board;
use crate::scoring::{goal_base_score, jitter};

/// Lifetime of a picked goal.
pub const GOAL_TICKS: u64 = 80;
/// Lifetime of the target-less goal stored when nothing can be targeted.
pub const EMPTY_GOAL_TICKS: u64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoalKind {
    Attack,
    Expand,
}

impl GoalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GoalKind::Attack => "attack",
            GoalKind::Expand => "expand",
        }
    }
}

/// A stored goal. The target is a system *id* so that it survives between calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Goal {
    pub kind: GoalKind,
    pub target: Option<u32>,
    pub expiry: u64,
}

impl Goal {
    /// Whether the stored goal is kept: not expired, targeted, the target exists and is
    /// not f's. A kept goal keeps its kind even if the target changed hands.
    fn keeps(&self, board: &Board, faction: u32) -> bool {
        self.expiry > board.tick
            && self.target.and_then(|id| board.index_of(id)).is_some_and(|t| !board.is_owned_by(t, faction))
    }
}

/// The goal f pursues this call: the stored one if it is kept, else a fresh pick (one
/// jitter draw per candidate, candidates in id order; first maximum wins).
pub fn settle(stored: Option<&Goal>, board: &Board, faction: u32, rng: &mut Mt19937) -> Goal {
    if let Some(goal) = stored.filter(|g| g.keeps(board, faction)) {
        return *goal;
    }
    let mut best: Option<(u32, f64)> = None;
    for s in 0..board.len() as u32 {
        if board.is_owned_by(s, faction) {
            continue;
        }
        let score = goal_base_score(board, s) + jitter(rng);
        if best.is_none_or(|(_, b)| score > b) {
            best = Some((s, score));
        }
    }
    match best {
        Some((t, _)) => Goal {
            kind: if board.is_unowned(t) { GoalKind::Expand } else { GoalKind::Attack },
            target: Some(board.id(t)),
            expiry: board.tick + GOAL_TICKS,
        },
        None => Goal { kind: GoalKind::Attack, target: None, expiry: board.tick + EMPTY_GOAL_TICKS },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::TestWorld;
    use sector_core::world::SystemKind;

    #[test]
    fn picks_the_best_candidate_with_one_draw_each() {
        // F1 owns 0; 1 is F2's relic (value 2); 2 unowned value 10; 3 unowned value 1.
        let mut w = TestWorld::line(4);
        w.own(0, 0).own(1, 1).kind(1, SystemKind::Relic).value(1, 2).value(2, 10).value(3, 1).tick(7);
        let board = Board::new(&w.build());
        let mut rng = Mt19937::from_seed(11);
        let mut replay = Mt19937::from_seed(11);
        let scores: Vec<f64> =
            [1u32, 2, 3].iter().map(|&s| goal_base_score(&board, s) + replay.uniform(-0.05, 0.05)).collect();
        let goal = settle(None, &board, 0, &mut rng);
        // (0.2 + 0.8) + 0.3 = 1.3 beats (1.0 + 0) + 0.15 = 1.15 whatever the jitter.
        assert!(scores[0] > scores[1]);
        assert_eq!(goal, Goal { kind: GoalKind::Attack, target: Some(1), expiry: 87 });
        assert_eq!(rng.random(), replay.random(), "exactly one draw per candidate");
    }

    #[test]
    fn keeps_a_live_goal_and_drops_a_stale_one() {
        let mut w = TestWorld::line(3);
        w.own(0, 0).own(1, 0).tick(50);
        let board = Board::new(&w.build());
        let mut rng = Mt19937::from_seed(1);
        let live = Goal { kind: GoalKind::Attack, target: Some(2), expiry: 51 };
        // Kept without draws, kind unchanged although 2 is unowned now.
        assert_eq!(settle(Some(&live), &board, 0, &mut rng), live);
        assert_eq!(rng.random(), Mt19937::from_seed(1).random());
        for stale in [
            Goal { expiry: 50, ..live },
            Goal { target: Some(1), ..live },
            Goal { target: Some(99), ..live },
            Goal { target: None, ..live },
        ] {
            let fresh = settle(Some(&stale), &board, 0, &mut Mt19937::from_seed(1));
            assert_eq!(fresh, Goal { kind: GoalKind::Expand, target: Some(2), expiry: 130 });
        }
    }

    #[test]
    fn no_candidates_gives_a_targetless_goal_without_draws() {
        let mut w = TestWorld::line(2);
        w.own(0, 0).own(1, 0).tick(3);
        let board = Board::new(&w.build());
        let mut rng = Mt19937::from_seed(4);
        let goal = settle(None, &board, 0, &mut rng);
        assert_eq!(goal, Goal { kind: GoalKind::Attack, target: None, expiry: 63 });
        assert_eq!(rng.random(), Mt19937::from_seed(4).random());
    }
}
