//! Candidate origins of the main orders (BOT_AI.md §7.4); an empty list ends the faction's
//! turn after its colonizer orders.

use crate::plan::Turn;

/// Owned systems with idle strength, weak frontline systems only if they have a soft
/// neighbour (unless stagnation or dominance); if none qualify, every owned system with
/// idle fleets.
pub fn candidate_origins(turn: &Turn) -> Vec<u32> {
    let board = turn.board;
    let f = turn.faction;
    let owned = board.owned(f);
    let mut origins = Vec::new();
    for &s in owned {
        let my = board.idle_strength(f, s);
        if board.idle_count(f, s) == 0 || my <= 0.0 {
            continue;
        }
        let weak_front = board.is_frontline(f, s) && my < turn.threshold && !turn.relaxed();
        if !weak_front || has_soft_neighbour(turn, s) {
            origins.push(s);
        }
    }
    // Step 2 (non-frontline systems at or above the threshold) adds nothing new: step 1
    // already took every non-frontline system with idle strength.
    if origins.is_empty() {
        origins.extend(owned.iter().copied().filter(|&s| board.idle_count(f, s) > 0));
    }
    origins
}

/// A neighbour not owned by f where the other owners' idle strength adds up to 0.
fn has_soft_neighbour(turn: &Turn, s: u32) -> bool {
    let board = turn.board;
    board
        .neighbors(s)
        .iter()
        .any(|&n| !board.is_owned_by(n, turn.faction) && board.foreign_strength(turn.faction, n) == 0.0)
}
