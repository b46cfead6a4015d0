//! Path helpers of BOT_AI.md §3.1, answered without one breadth-first search per query.
//!
//! The reference runs a fresh BFS for every OwnedPathDistance / NextHop call, which makes
//! a call superlinear in the map size. Three facts let us share searches and stay
//! bit-identical (all relative to one faction f; "passable" = owned by f, unowned, or free
//! of other owners' idle fleets):
//!
//! 1. **The search tree from a start does not depend on the target.** The target exemption
//!    of Passable never changes a result: OwnedPathDistance returns as soon as the target
//!    is *seen*, and NextHop returns when a node adjacent to a non-owned target is
//!    dequeued (before the target could be enqueued) or when an owned — hence passable —
//!    target is dequeued. So one lazily grown BFS tree per start answers every query
//!    from that start ([`Tree`]): the answer for target t hangs on t's neighbour with the
//!    smallest BFS order.
//! 2. **OwnedPathDistance is symmetric**: it is the length of a shortest path whose
//!    intermediate nodes are passable (both ends exempt). So a single BFS from a target
//!    ([`Field`]) gives the distance from every start.
//! 3. **NextHop is readable from that field.** In a FIFO BFS the nodes of one depth are
//!    dequeued in order of the neighbour-list rank of their first step, and a node's
//!    first step is the lowest-ranked first step over all its shortest paths. Hence
//!    NextHop(s, t) is the first neighbour c of s (list order) that is passable or the
//!    (owned) target and lies on a shortest path: field(c) = distance(s, t) − 1 — with the
//!    quirk that a non-owned target gives none when s is adjacent to it.
//!
//! For the colonizer (§7.3 step 6), picking per unowned system the usable origin with the
//! smallest distance (ties: stronger, then earlier) is a lexicographic minimum of
//! (distance, −strength, position), which one multi-source BFS with sources enqueued in
//! (−strength, position) order computes for every system at once.
//!
//! [`PathQueries`] is the interface the decision rules use; the tests check [`FastPaths`]
//! against a literal per-query implementation of the reference's searches.

use crate::board::Board;

const UNSEEN: u32 = u32::MAX;

/// The path helpers, for the faction set by [`PathQueries::reset`].
pub trait PathQueries {
    /// Starts a new faction (and drops everything cached for the previous board/faction).
    fn reset(&mut self, faction: u32);
    /// OwnedPathDistance(f, start, target).
    fn distance(&mut self, board: &Board, start: u32, target: u32) -> Option<u32>;
    /// NextHop(f, start, target), including the non-owned-target quirk (KNOWN_DEFECTS D3).
    fn next_hop(&mut self, board: &Board, start: u32, target: u32) -> Option<u32>;
    /// Performance hint: many queries toward `target` follow. Never changes a result.
    fn focus(&mut self, _target: u32) {}
    /// For every system u (by index): the origin with the smallest distance(origin, u),
    /// ties going to a strictly stronger origin, then to the earlier one. `origins` are
    /// (system, strength) in the caller's order; the result holds (distance, position).
    fn nearest_origins(&mut self, board: &Board, origins: &[(u32, f64)]) -> Vec<Option<(u32, u32)>>;
}

/// Distances from one target to every system over passable nodes (fact 2).
#[derive(Debug, Default, Clone)]
struct Field {
    target: u32,
    dist: Vec<u32>,
}

/// A BFS tree from one start, grown only as far as queries need (fact 1).
#[derive(Debug, Default, Clone)]
struct Tree {
    start: u32,
    /// Visited nodes in BFS order; `queue[head..]` are not expanded yet.
    queue: Vec<u32>,
    head: usize,
    /// Per node: position in `queue` (UNSEEN if not visited), depth, first step.
    order: Vec<u32>,
    depth: Vec<u32>,
    first_step: Vec<u32>,
}

/// The fast implementation. Owns its buffers so that repeated calls reuse memory.
#[derive(Debug, Default, Clone)]
pub struct FastPaths {
    faction: u32,
    passable: Vec<bool>,
    passable_ready: bool,
    fields: Vec<Field>,
    trees: Vec<Tree>,
    spare_fields: Vec<Field>,
    spare_trees: Vec<Tree>,
    focused: Vec<u32>,
    queue: Vec<u32>,
}

impl FastPaths {
    pub fn new() -> Self {
        Self::default()
    }

    fn ensure_passable(&mut self, board: &Board) {
        if self.passable_ready {
            return;
        }
        let f = self.faction;
        self.passable.clear();
        self.passable.extend((0..board.len() as u32).map(|n| board.passable(f, n)));
        self.passable_ready = true;
    }

    fn field_index(&mut self, board: &Board, target: u32) -> Option<usize> {
        if let Some(i) = self.fields.iter().position(|fd| fd.target == target) {
            return Some(i);
        }
        if !self.focused.contains(&target) {
            return None;
        }
        self.ensure_passable(board);
        let mut field = self.spare_fields.pop().unwrap_or_default();
        field.target = target;
        field.dist.clear();
        field.dist.resize(board.len(), UNSEEN);
        field.dist[target as usize] = 0;
        let queue = &mut self.queue;
        queue.clear();
        queue.push(target);
        let mut head = 0;
        while let Some(&x) = queue.get(head) {
            head += 1;
            let next = field.dist[x as usize] + 1;
            for &n in board.neighbors(x) {
                if field.dist[n as usize] == UNSEEN && self.passable[n as usize] {
                    field.dist[n as usize] = next;
                    queue.push(n);
                }
            }
        }
        self.fields.push(field);
        Some(self.fields.len() - 1)
    }

    fn tree_index(&mut self, board: &Board, start: u32) -> usize {
        if let Some(i) = self.trees.iter().position(|t| t.start == start) {
            return i;
        }
        self.ensure_passable(board);
        let mut tree = self.spare_trees.pop().unwrap_or_default();
        let n = board.len();
        tree.start = start;
        tree.queue.clear();
        tree.head = 0;
        tree.order.clear();
        tree.order.resize(n, UNSEEN);
        tree.depth.resize(n, 0);
        tree.first_step.resize(n, UNSEEN);
        tree.order[start as usize] = 0;
        tree.depth[start as usize] = 0;
        tree.first_step[start as usize] = UNSEEN;
        tree.queue.push(start);
        self.trees.push(tree);
        self.trees.len() - 1
    }

    /// Distance through the field of `target`: 0 at the target, else one more than the
    /// nearest field value among the start's neighbours.
    fn field_distance(board: &Board, field: &Field, start: u32) -> Option<u32> {
        if start == field.target {
            return Some(0);
        }
        let best = board.neighbors(start).iter().map(|&c| field.dist[c as usize]).min().unwrap_or(UNSEEN);
        (best != UNSEEN).then(|| best + 1)
    }

    fn field_next_hop(&self, board: &Board, field: &Field, start: u32) -> Option<u32> {
        let target = field.target;
        if start == target {
            return None;
        }
        if !board.is_owned_by(target, self.faction) && board.neighbors(target).contains(&start) {
            return None;
        }
        let d = Self::field_distance(board, field, start)?;
        board.neighbors(start).iter().copied().find(|&c| field.dist[c as usize] == d - 1)
    }
}

impl Tree {
    /// Expands one node; false when the search is exhausted.
    fn expand_one(&mut self, board: &Board, passable: &[bool]) -> bool {
        let Some(&x) = self.queue.get(self.head) else { return false };
        self.head += 1;
        let depth = self.depth[x as usize] + 1;
        let step = self.first_step[x as usize];
        for &n in board.neighbors(x) {
            let i = n as usize;
            if self.order[i] == UNSEEN && passable[i] {
                self.order[i] = self.queue.len() as u32;
                self.depth[i] = depth;
                self.first_step[i] = if x == self.start { n } else { step };
                self.queue.push(n);
            }
        }
        true
    }

    /// The target's neighbour that the reference's search reaches first: the visited
    /// neighbour with the smallest BFS order (later visits only get larger orders).
    fn first_neighbor_reached(&mut self, board: &Board, passable: &[bool], target: u32) -> Option<u32> {
        loop {
            let best = board
                .neighbors(target)
                .iter()
                .copied()
                .filter(|&v| self.order[v as usize] != UNSEEN)
                .min_by_key(|&v| self.order[v as usize]);
            if best.is_some() {
                return best;
            }
            if !self.expand_one(board, passable) {
                return None;
            }
        }
    }

    fn reach(&mut self, board: &Board, passable: &[bool], node: u32) -> bool {
        while self.order[node as usize] == UNSEEN {
            if !self.expand_one(board, passable) {
                return false;
            }
        }
        true
    }
}

impl PathQueries for FastPaths {
    fn reset(&mut self, faction: u32) {
        self.faction = faction;
        self.passable_ready = false;
        self.spare_fields.append(&mut self.fields);
        self.spare_trees.append(&mut self.trees);
        self.focused.clear();
    }

    fn distance(&mut self, board: &Board, start: u32, target: u32) -> Option<u32> {
        if start == target {
            return Some(0);
        }
        if let Some(i) = self.field_index(board, target) {
            return Self::field_distance(board, &self.fields[i], start);
        }
        if let Some(i) = self.fields.iter().position(|fd| fd.target == start) {
            // Symmetry (fact 2).
            return Self::field_distance(board, &self.fields[i], target);
        }
        let t = self.tree_index(board, start);
        let tree = &mut self.trees[t];
        let v = tree.first_neighbor_reached(board, &self.passable, target)?;
        Some(tree.depth[v as usize] + 1)
    }

    fn next_hop(&mut self, board: &Board, start: u32, target: u32) -> Option<u32> {
        if start == target {
            return None;
        }
        if let Some(i) = self.field_index(board, target) {
            return self.field_next_hop(board, &self.fields[i], start);
        }
        let owned = board.is_owned_by(target, self.faction);
        let t = self.tree_index(board, start);
        let tree = &mut self.trees[t];
        let node = if owned {
            if !tree.reach(board, &self.passable, target) {
                return None;
            }
            target
        } else {
            tree.first_neighbor_reached(board, &self.passable, target)?
        };
        let step = tree.first_step[node as usize];
        (step != UNSEEN).then_some(step)
    }

    fn focus(&mut self, target: u32) {
        if !self.focused.contains(&target) {
            self.focused.push(target);
        }
    }

    fn nearest_origins(&mut self, board: &Board, origins: &[(u32, f64)]) -> Vec<Option<(u32, u32)>> {
        let n = board.len();
        let mut result = vec![None; n];
        if origins.is_empty() {
            return result;
        }
        self.ensure_passable(board);
        // Sources in (strength descending, position) order: the rank decides ties.
        let mut ranked: Vec<u32> = (0..origins.len() as u32).collect();
        ranked.sort_by(|&a, &b| origins[b as usize].1.total_cmp(&origins[a as usize].1));
        // label[node] = (depth, position of the best origin); FIFO order keeps labels of
        // one depth in non-decreasing rank, so the first label a node gets is its best.
        let mut depth = vec![UNSEEN; n];
        let mut label = vec![UNSEEN; n];
        let mut rank_of = vec![0u32; origins.len()];
        for (r, &p) in ranked.iter().enumerate() {
            rank_of[p as usize] = r as u32;
        }
        let queue = &mut self.queue;
        queue.clear();
        for &p in &ranked {
            let s = origins[p as usize].0 as usize;
            if depth[s] == UNSEEN {
                depth[s] = 0;
                label[s] = p;
                queue.push(s as u32);
            }
        }
        let mut head = 0;
        while let Some(&x) = queue.get(head) {
            head += 1;
            let (d, p) = (depth[x as usize] + 1, label[x as usize]);
            for &v in board.neighbors(x) {
                if depth[v as usize] == UNSEEN && self.passable[v as usize] {
                    depth[v as usize] = d;
                    label[v as usize] = p;
                    queue.push(v);
                }
            }
        }
        for (u, slot) in result.iter_mut().enumerate() {
            if depth[u] == 0 {
                *slot = Some((0, label[u]));
                continue;
            }
            let mut best: Option<(u32, u32)> = None;
            for &v in board.neighbors(u as u32) {
                let dv = depth[v as usize];
                if dv == UNSEEN {
                    continue;
                }
                let key = (dv + 1, rank_of[label[v as usize] as usize]);
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
            *slot = best.map(|(d, r)| (d, ranked[r as usize]));
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naive_paths::NaivePaths;
    use crate::testkit::TestWorld;
    use sector_core::rng::Mt19937;

    /// Random sparse connected graphs with random owners and idle fleets; every
    /// (start, target) pair and every origin set must agree with the literal searches.
    #[test]
    fn fast_paths_match_literal_searches_on_random_boards() {
        let mut rng = Mt19937::from_seed(2024);
        for round in 0..300 {
            let n = 2 + rng.randbelow(28) as usize;
            let w = TestWorld::random(&mut rng, n, 3);
            let board = Board::new(&w);
            for f in 0..board.factions as u32 {
                let mut fast = FastPaths::new();
                let mut naive = NaivePaths::default();
                fast.reset(f);
                naive.reset(f);
                // Focus on a few targets so both strategies (fields and trees) get used.
                for t in 0..n as u32 {
                    if rng.randbelow(3) == 0 {
                        fast.focus(t);
                    }
                }
                for s in 0..n as u32 {
                    for t in 0..n as u32 {
                        assert_eq!(
                            fast.distance(&board, s, t),
                            naive.distance(&board, s, t),
                            "distance round {round} f {f} {s}->{t}"
                        );
                        assert_eq!(
                            fast.next_hop(&board, s, t),
                            naive.next_hop(&board, s, t),
                            "next_hop round {round} f {f} {s}->{t}"
                        );
                    }
                }
                let k = rng.randbelow(5) as usize;
                let mut origins: Vec<(u32, f64)> = Vec::new();
                for _ in 0..k {
                    let s = rng.randbelow(n as u32);
                    if origins.iter().all(|o| o.0 != s) {
                        origins.push((s, f64::from(3 + rng.randbelow(3))));
                    }
                }
                assert_eq!(
                    fast.nearest_origins(&board, &origins),
                    naive.nearest_origins(&board, &origins),
                    "nearest_origins round {round} f {f} {origins:?}"
                );
            }
        }
    }

    #[test]
    fn next_hop_quirk_for_non_owned_targets() {
        // 0 - 1 - 2 - 3, F1 owns 0 and 1; 2 and 3 unowned; F1 owns nothing else.
        let mut w = TestWorld::line(4);
        w.own(0, 0).own(1, 0);
        let board = Board::new(&w.build());
        for paths in [&mut FastPaths::new() as &mut dyn PathQueries, &mut NaivePaths::default()] {
            paths.reset(0);
            // Non-owned target: never the target itself, none when already adjacent.
            assert_eq!(paths.next_hop(&board, 0, 3), Some(1));
            assert_eq!(paths.next_hop(&board, 1, 3), Some(2));
            assert_eq!(paths.next_hop(&board, 2, 3), None);
            assert_eq!(paths.next_hop(&board, 1, 2), None);
            // Owned target: the first step, which is the target when adjacent.
            assert_eq!(paths.next_hop(&board, 0, 1), Some(1));
            assert_eq!(paths.next_hop(&board, 3, 0), Some(2));
            assert_eq!(paths.distance(&board, 0, 3), Some(3));
            assert_eq!(paths.distance(&board, 3, 3), Some(0));
        }
    }

    #[test]
    fn defended_enemy_systems_block_paths_but_can_be_targets() {
        // 0 - 1 - 2, F1 owns 0, F2 owns 1 with a stack in orbit, 2 unowned.
        let mut w = TestWorld::line(3);
        w.own(0, 0).own(1, 1).fleet(1, 1, 5.0);
        let board = Board::new(&w.build());
        for paths in [&mut FastPaths::new() as &mut dyn PathQueries, &mut NaivePaths::default()] {
            paths.reset(0);
            assert_eq!(paths.distance(&board, 0, 1), Some(1));
            assert_eq!(paths.distance(&board, 0, 2), None);
            assert_eq!(paths.next_hop(&board, 0, 2), None);
            // The start itself is never tested: from the defended system onwards is fine.
            assert_eq!(paths.distance(&board, 1, 2), Some(1));
        }
    }
}
