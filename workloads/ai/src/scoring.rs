//! Target scoring (BOT_AI.md §3.2) and the goal candidate score (§7.1).
//!
//! Every float expression keeps the reference's evaluation order term by term: the last
//! bit of a score decides ties, and the jitter draws must come in the same order.

use sector_core::config::Personality;
use sector_core::rng::Mt19937;
use sector_core::world::SystemKind;

use crate::board::Board;

/// Half-width of the score jitter: `uniform(-0.05, 0.05)`.
pub const JITTER: f64 = 0.05;

/// One jitter draw from the AI generator.
#[inline]
pub fn jitter(rng: &mut Mt19937) -> f64 {
    rng.uniform(-JITTER, JITTER)
}

/// Kind bonus of §3.
pub fn kind_bonus(kind: SystemKind) -> f64 {
    match kind {
        SystemKind::Relic => 0.8,
        SystemKind::Forge => 0.5,
        SystemKind::Hive => 0.3,
        SystemKind::Normal => 0.0,
    }
}

/// Score(f, target), drawing one jitter.
pub fn score(
    board: &Board,
    faction: u32,
    personality: &Personality,
    owned_count: usize,
    target: u32,
    rng: &mut Mt19937,
) -> f64 {
    let t = target as usize;
    let mut score = 0.0;
    // value / 10 first, then times greed (not (greed × value) / 10).
    score += personality.greed * (board.value[t] as f64 / 10.0);
    score += kind_bonus(board.kind[t]);
    if board.is_unowned(target) {
        score += personality.expansionism * 1.0;
        if owned_count <= 3 {
            score += 2.0;
        } else if owned_count <= 5 {
            score += 1.0;
        }
    } else if !board.is_owned_by(target, faction) {
        score += personality.aggression * 1.5;
        score -= personality.caution * 0.3;
        if owned_count <= 3 {
            score -= 0.6;
        }
    } else {
        score -= 999.0;
    }
    score -= (1.0 - board.stability[t]) * 0.2;
    score += jitter(rng);
    score
}

/// ChooseNeighbour(f, origin): the strictly best-scoring non-owned neighbour (first
/// maximum), else the last owned neighbour, else none. One jitter per non-owned neighbour.
pub fn choose_neighbour(
    board: &Board,
    faction: u32,
    personality: &Personality,
    owned_count: usize,
    origin: u32,
    rng: &mut Mt19937,
) -> Option<u32> {
    let mut fallback = None;
    let mut best: Option<(u32, f64)> = None;
    for &n in board.neighbors(origin) {
        if board.is_owned_by(n, faction) {
            fallback = Some(n);
            continue;
        }
        let s = score(board, faction, personality, owned_count, n, rng);
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((n, s));
        }
    }
    best.map(|(n, _)| n).or(fallback)
}

/// Goal candidate score without its jitter: (value / 10 + kind bonus) + ownership bonus.
pub fn goal_base_score(board: &Board, s: u32) -> f64 {
    let i = s as usize;
    let ownership = if board.is_unowned(s) { 0.15 } else { 0.3 };
    (board.value[i] as f64 / 10.0 + kind_bonus(board.kind[i])) + ownership
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::TestWorld;

    const EMPIRE: Personality = Personality { aggression: 0.8, expansionism: 0.7, greed: 0.6, caution: 0.3 };

    /// The draws the scores below consume, replayed from the same seed.
    fn jitters(seed: i128, k: usize) -> Vec<f64> {
        let mut rng = Mt19937::from_seed(seed);
        (0..k).map(|_| -0.05 + 0.1 * rng.random()).collect()
    }

    #[test]
    fn score_terms_in_reference_order() {
        // 0 (F1) - 1 (unowned relic, value 7) ; 0 - 2 (F2, value 3, stability 0.4)
        let mut w = TestWorld::new(3, &[(0, 1), (0, 2)]);
        w.own(0, 0).own(2, 1).value(1, 7).kind(1, SystemKind::Relic).value(2, 3).stability(2, 0.4);
        let board = Board::new(&w.build());
        let j = jitters(5, 4);
        let mut rng = Mt19937::from_seed(5);

        let unowned = score(&board, 0, &EMPIRE, 1, 1, &mut rng);
        let mut expected = 0.0;
        expected += 0.6 * (7.0 / 10.0);
        expected += 0.8;
        expected += 0.7 * 1.0;
        expected += 2.0;
        expected -= (1.0 - 1.0) * 0.2;
        expected += j[0];
        assert_eq!(unowned, expected);

        let enemy = score(&board, 0, &EMPIRE, 4, 2, &mut rng);
        let mut expected = 0.0;
        expected += 0.6 * (3.0 / 10.0);
        expected += 0.0;
        expected += 0.8 * 1.5;
        expected -= 0.3 * 0.3;
        expected -= (1.0 - 0.4) * 0.2;
        expected += j[1];
        assert_eq!(enemy, expected);

        // owned_count 5 gives +1.0 for unowned, > 5 nothing; ≤ 3 costs 0.6 against enemies.
        let five = score(&board, 0, &EMPIRE, 5, 1, &mut rng);
        assert_eq!(five, 0.6 * (7.0 / 10.0) + 0.8 + 0.7 + 1.0 - 0.0 + j[2]);
        let small = score(&board, 0, &EMPIRE, 2, 2, &mut rng);
        let mut expected = 0.0;
        expected += 0.6 * (3.0 / 10.0);
        expected += 0.0;
        expected += 0.8 * 1.5;
        expected -= 0.3 * 0.3;
        expected -= 0.6;
        expected -= (1.0 - 0.4) * 0.2;
        expected += j[3];
        assert_eq!(small, expected);
    }

    #[test]
    fn greed_multiplies_the_tenth_of_the_value() {
        // 0.7 * (3 / 10) and (0.7 * 3) / 10 differ in the last bit.
        assert_ne!(0.7 * (3.0 / 10.0), (0.7 * 3.0) / 10.0);
        let mut w = TestWorld::line(2);
        w.own(0, 0).value(1, 3);
        let board = Board::new(&w.build());
        let p = Personality { aggression: 0.0, expansionism: 0.0, greed: 0.7, caution: 0.0 };
        let mut rng = Mt19937::from_seed(1);
        let j = jitters(1, 1)[0];
        let s = score(&board, 0, &p, 10, 1, &mut rng);
        assert_eq!(s, 0.7 * (3.0 / 10.0) + j);
    }

    #[test]
    fn choose_neighbour_prefers_first_best_non_owned_and_falls_back_to_last_owned() {
        // Star: 0 in the middle; 1, 2 owned by F1; 3, 4 unowned with equal base scores.
        let mut w = TestWorld::new(5, &[(0, 1), (0, 2), (0, 3), (0, 4)]);
        w.own(0, 0).own(1, 0).own(2, 0);
        let board = Board::new(&w.build());
        let j = jitters(9, 2);
        let mut rng = Mt19937::from_seed(9);
        let pick = choose_neighbour(&board, 0, &EMPIRE, 3, 0, &mut rng);
        assert_eq!(pick, Some(if j[1] > j[0] { 4 } else { 3 }));
        // Exactly one draw per non-owned neighbour.
        let mut replay = Mt19937::from_seed(9);
        replay.random();
        replay.random();
        assert_eq!(rng.random(), replay.random());

        // All neighbours owned: the last one wins, no draws.
        let mut w = TestWorld::new(3, &[(0, 1), (0, 2)]);
        w.own(0, 0).own(1, 0).own(2, 0);
        let board = Board::new(&w.build());
        let mut rng = Mt19937::from_seed(9);
        assert_eq!(choose_neighbour(&board, 0, &EMPIRE, 3, 0, &mut rng), Some(2));
        assert_eq!(rng.random(), Mt19937::from_seed(9).random());
        // No neighbours at all.
        let board = Board::new(&TestWorld::new(1, &[]).build());
        assert_eq!(choose_neighbour(&board, 0, &EMPIRE, 3, 0, &mut rng), None);
    }

    #[test]
    fn goal_score_grouping() {
        let mut w = TestWorld::new(2, &[(0, 1)]);
        w.own(0, 1).value(0, 9).kind(0, SystemKind::Hive).value(1, 1);
        let board = Board::new(&w.build());
        assert_eq!(goal_base_score(&board, 0), (9.0 / 10.0 + 0.3) + 0.3);
        assert_eq!(goal_base_score(&board, 1), (1.0 / 10.0 + 0.0) + 0.15);
    }
}
