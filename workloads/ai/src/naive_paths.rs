//! A literal transcription of the reference's per-query searches (BOT_AI.md §3.1, §7.3
//! step 6), used only by tests as the oracle for [`crate::paths::FastPaths`].

use std::collections::VecDeque;

use crate::board::Board;
use crate::paths::PathQueries;

#[derive(Debug, Default)]
pub struct NaivePaths {
    faction: u32,
}

impl NaivePaths {
    fn passable(&self, board: &Board, n: u32, target: u32) -> bool {
        board.passable(self.faction, n) || n == target
    }
}

impl PathQueries for NaivePaths {
    fn reset(&mut self, faction: u32) {
        self.faction = faction;
    }

    fn distance(&mut self, board: &Board, start: u32, target: u32) -> Option<u32> {
        if start == target {
            return Some(0);
        }
        let mut visited = vec![false; board.len()];
        visited[start as usize] = true;
        let mut queue = VecDeque::from([(start, 0u32)]);
        while let Some((node, d)) = queue.pop_front() {
            for &n in board.neighbors(node) {
                if visited[n as usize] {
                    continue;
                }
                if n == target {
                    return Some(d + 1);
                }
                if !self.passable(board, n, target) {
                    continue;
                }
                visited[n as usize] = true;
                queue.push_back((n, d + 1));
            }
        }
        None
    }

    fn next_hop(&mut self, board: &Board, start: u32, target: u32) -> Option<u32> {
        if start == target {
            return None;
        }
        let target_owned = board.is_owned_by(target, self.faction);
        let mut parent = vec![u32::MAX; board.len()];
        let mut visited = vec![false; board.len()];
        visited[start as usize] = true;
        let mut queue = VecDeque::from([start]);
        let first_step = |mut node: u32, parent: &[u32]| -> Option<u32> {
            if node == start {
                return None;
            }
            while parent[node as usize] != start {
                node = parent[node as usize];
            }
            Some(node)
        };
        while let Some(node) = queue.pop_front() {
            if target_owned && node == target {
                return first_step(node, &parent);
            }
            if !target_owned && board.neighbors(node).contains(&target) {
                return first_step(node, &parent);
            }
            for &n in board.neighbors(node) {
                if !visited[n as usize] && self.passable(board, n, target) {
                    visited[n as usize] = true;
                    parent[n as usize] = node;
                    queue.push_back(n);
                }
            }
        }
        None
    }

    fn nearest_origins(&mut self, board: &Board, origins: &[(u32, f64)]) -> Vec<Option<(u32, u32)>> {
        (0..board.len() as u32)
            .map(|u| {
                let mut best: Option<(u32, f64, u32)> = None;
                for (p, &(origin, strength)) in origins.iter().enumerate() {
                    let Some(d) = self.distance(board, origin, u) else { continue };
                    let replace = match best {
                        None => true,
                        Some((bd, bs, _)) => d < bd || (d == bd && strength > bs),
                    };
                    if replace {
                        best = Some((d, strength, p as u32));
                    }
                }
                best.map(|(d, _, p)| (d, p))
            })
            .collect()
    }
}
