//! Main orders (BOT_AI.md §7.7): weighted origins, each moving one step along its goal
//! path or to its best-scoring neighbour (ChooseWithGoal).

use sector_core::rng::Mt19937;

use crate::board::{Board, NO_OWNER};
use crate::paths::PathQueries;
use crate::plan::{ADVANTAGE_CAP, ADVANTAGE_WEIGHT, FALLBACK_WEIGHT, Planned, Turn};
use crate::scoring::choose_neighbour;

/// Registry names (and raw ids of unknown owners) for the order reasons.
pub trait OwnerNames {
    /// The bot's name for a registry faction, `None` for owners it does not know.
    fn registry_name(&self, owner: u32) -> Option<&str>;
    /// The raw id of any owner.
    fn label(&self, owner: u32) -> &str;
}

/// Appends one order per weighted origin (at most), in weight order.
pub fn main_orders<P: PathQueries, N: OwnerNames + ?Sized>(
    turn: &Turn,
    origins: &[u32],
    names: &N,
    paths: &mut P,
    rng: &mut Mt19937,
    out: &mut Vec<Planned>,
) {
    let board = turn.board;
    let f = turn.faction;
    let t = turn.tunables;
    let mut weighted: Vec<(u32, f64)> = Vec::with_capacity(origins.len());
    for &s in origins {
        if board.idle_count(f, s) == 0 {
            continue;
        }
        let my = board.idle_strength(f, s);
        if my < turn.threshold && !turn.relaxed() {
            continue;
        }
        let frontline = board.is_frontline(f, s);
        let mut adv: f64 = 0.0;
        for &n in board.neighbors(s) {
            let enemy = board.foreign_strength(f, n);
            if enemy > 0.0 {
                adv = py_max(adv, my / (enemy + 1e-6));
            } else if !board.is_owned_by(n, f) {
                adv = py_max(adv, my + 1.0);
            }
        }
        let on_goal_path = turn.goal_target.is_some_and(|g| paths.next_hop(board, s, g).is_some());
        let goal_bonus = if on_goal_path { t.goal_path_bonus } else { 0.0 };
        let frontline_bonus = if frontline { t.frontline_origin_bonus } else { 0.0 };
        let mut weight = my * ((1.0 + goal_bonus) + frontline_bonus);
        weight += ADVANTAGE_WEIGHT * py_min(ADVANTAGE_CAP, adv);
        weighted.push((s, weight));
    }
    if weighted.is_empty() && !turn.stagnation {
        for &s in origins {
            let my = board.idle_strength(f, s);
            if my > 0.0 {
                weighted.push((s, FALLBACK_WEIGHT * my));
            }
        }
    }
    // Stable: equal weights keep candidate order.
    weighted.sort_by(|a, b| b.1.total_cmp(&a.1));

    let mut goal_text: Option<String> = None;
    for &(origin, _) in &weighted {
        let Some(target) = choose_with_goal(turn, paths, rng, origin) else { continue };
        // The 8-hop reach check is moot: targets are always neighbours (KNOWN_DEFECTS D4).
        debug_assert!(board.neighbors(origin).contains(&target));
        if turn.goal_target.is_some() && goal_text.is_none() {
            goal_text = Some(goal_description(turn, names));
        }
        let reason = main_reason(board, f, target, goal_text.as_deref(), names);
        out.push(Planned { origin, target, reason });
    }
}

/// ChooseWithGoal(f, origin, goal).
pub fn choose_with_goal<P: PathQueries>(
    turn: &Turn,
    paths: &mut P,
    rng: &mut Mt19937,
    origin: u32,
) -> Option<u32> {
    let board = turn.board;
    let f = turn.faction;
    if let Some(g) = turn.goal_target
        && let Some(hop) = paths.next_hop(board, origin, g)
    {
        // Only moves that get strictly closer ("hold" otherwise: no lateral moves).
        let cur = paths.distance(board, origin, g);
        let nxt = paths.distance(board, hop, g);
        let closer = match (cur, nxt) {
            (None, _) => true,
            (Some(c), Some(n)) => n < c,
            (Some(_), None) => false,
        };
        return closer.then_some(hop);
    }
    let t = choose_neighbour(board, f, &turn.personality, turn.owned_count, origin, rng)?;
    if board.is_owned_by(t, f) && !board.is_frontline(f, origin) && !board.is_frontline(f, t) {
        let g = turn.goal_target?;
        let (Some(dt), Some(dorigin)) = (paths.distance(board, t, g), paths.distance(board, origin, g))
        else {
            return None;
        };
        return (dt < dorigin).then_some(t);
    }
    Some(t)
}

/// `{kind} goal #{target} ({owner name})`; unowned targets and owners the bot does not
/// know are "unclaimed" (KNOWN_DEFECTS D4).
fn goal_description<N: OwnerNames + ?Sized>(turn: &Turn, names: &N) -> String {
    let board = turn.board;
    let Some(g) = turn.goal_target else { return String::new() };
    let owner = board.owner[g as usize];
    let owner_name = if owner == NO_OWNER { None } else { names.registry_name(owner) };
    format!("{} goal #{} ({})", turn.goal.kind.as_str(), board.id(g), owner_name.unwrap_or("unclaimed"))
}

fn main_reason<N: OwnerNames + ?Sized>(
    board: &Board,
    f: u32,
    target: u32,
    goal: Option<&str>,
    names: &N,
) -> String {
    let owner = board.owner[target as usize];
    match (owner, goal) {
        (o, None) if o == f => "reposition within territory".to_string(),
        (o, Some(goal)) if o == f => format!("reposition along path toward {goal}"),
        (NO_OWNER, None) => "expand into neutral neighbor".to_string(),
        (NO_OWNER, Some(goal)) => format!("expand into neutral neighbor toward {goal}"),
        (o, goal) => {
            let held_by = names.registry_name(o).unwrap_or_else(|| names.label(o));
            match goal {
                None => format!("attack neighbor held by {held_by}"),
                Some(goal) => format!("attack neighbor held by {held_by} toward {goal}"),
            }
        }
    }
}

/// Python's `max(a, b)`: `a` unless `b` is strictly greater.
fn py_max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// Python's `min(a, b)`: `a` unless `b` is strictly smaller.
fn py_min(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}
