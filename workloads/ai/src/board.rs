//! Per-call tables (BOT_AI.md §3, §6.2): the view flattened once into arrays so that the
//! decision rules and the path searches never go back through the trait.
//!
//! Idle strength is aggregated per (system, owner) with the owners of a system in order of
//! first appearance in the fleet list, each total summed in fleet order from 0.0 — the
//! reference's `system_strengths`; every multi-owner sum adds these totals in that order.

use sector_core::world::SystemKind;

use crate::view::{OwnerKey, WorldView};

/// "No owner" in the owner arrays.
pub const NO_OWNER: u32 = u32::MAX;

/// Idle strength of one owner at one system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdleStack {
    pub owner: OwnerKey,
    pub count: u32,
    pub strength: f64,
}

#[derive(Debug, Clone)]
pub struct Board {
    pub tick: u64,
    pub last_event_tick: u64,
    pub factions: usize,
    pub owner: Vec<u32>,
    pub occupation: Vec<u32>,
    pub value: Vec<i64>,
    pub kind: Vec<SystemKind>,
    pub stability: Vec<f64>,
    pub ids: Vec<u32>,
    adj_start: Vec<u32>,
    adj: Vec<u32>,
    stack_start: Vec<u32>,
    stacks: Vec<IdleStack>,
    /// Per bot faction: owned systems, ascending.
    owned: Vec<Vec<u32>>,
    /// Per bot faction: systems with its idle fleets, by first appearance in the fleet list.
    idle_systems: Vec<Vec<u32>>,
}

impl Board {
    pub fn new<V: WorldView + ?Sized>(view: &V) -> Self {
        let n = view.system_count();
        let factions = view.faction_count();
        let mut owner = Vec::with_capacity(n);
        let mut occupation = Vec::with_capacity(n);
        let mut value = Vec::with_capacity(n);
        let mut kind = Vec::with_capacity(n);
        let mut stability = Vec::with_capacity(n);
        let mut ids = Vec::with_capacity(n);
        let mut adj_start = Vec::with_capacity(n + 1);
        let mut adj = Vec::with_capacity(n * 3);
        let mut owned: Vec<Vec<u32>> = vec![Vec::new(); factions];
        adj_start.push(0);
        for i in 0..n {
            let s = view.system(i);
            let o = s.owner.unwrap_or(NO_OWNER);
            if let Some(list) = owned.get_mut(o as usize) {
                list.push(i as u32);
            }
            owner.push(o);
            occupation.push(s.occupation.unwrap_or(NO_OWNER));
            value.push(s.value);
            kind.push(s.kind);
            stability.push(s.stability);
            ids.push(s.id);
            // Out-of-range neighbours cannot come from a valid world; dropping them keeps
            // every later index access in bounds.
            adj.extend(view.neighbors(i).iter().copied().filter(|&x| (x as usize) < n));
            adj_start.push(adj.len() as u32);
        }

        // Idle fleets bucketed by system (counting sort keeps fleet order within a bucket).
        let idle: Vec<(u32, OwnerKey, f64)> = (0..view.fleet_count())
            .map(|i| view.fleet(i))
            .filter(|f| f.is_idle())
            .filter_map(|f| f.system.filter(|&s| (s as usize) < n).map(|s| (s, f.owner, f.strength)))
            .collect();
        let mut bucket_start = vec![0u32; n + 1];
        for &(s, _, _) in &idle {
            bucket_start[s as usize + 1] += 1;
        }
        for i in 0..n {
            bucket_start[i + 1] += bucket_start[i];
        }
        let mut fill = bucket_start.clone();
        let mut bucketed: Vec<(OwnerKey, f64)> = vec![(0, 0.0); idle.len()];
        // For each idle fleet, whether it is the first of its owner at its system.
        let mut first_of_owner = vec![false; idle.len()];
        for (k, &(s, o, strength)) in idle.iter().enumerate() {
            let slot = fill[s as usize] as usize;
            let start = bucket_start[s as usize] as usize;
            first_of_owner[k] = !bucketed[start..slot].iter().any(|&(prev, _)| prev == o);
            bucketed[slot] = (o, strength);
            fill[s as usize] += 1;
        }
        let mut stack_start = Vec::with_capacity(n + 1);
        let mut stacks: Vec<IdleStack> = Vec::new();
        stack_start.push(0);
        for s in 0..n {
            let first = stacks.len();
            for &(o, strength) in &bucketed[bucket_start[s] as usize..bucket_start[s + 1] as usize] {
                match stacks[first..].iter_mut().find(|st| st.owner == o) {
                    Some(st) => {
                        st.count += 1;
                        st.strength += strength;
                    }
                    None => stacks.push(IdleStack { owner: o, count: 1, strength: 0.0 + strength }),
                }
            }
            stack_start.push(stacks.len() as u32);
        }
        let mut idle_systems: Vec<Vec<u32>> = vec![Vec::new(); factions];
        for (k, &(s, o, _)) in idle.iter().enumerate() {
            if first_of_owner[k]
                && let Some(list) = idle_systems.get_mut(o as usize)
            {
                list.push(s);
            }
        }

        Board {
            tick: view.tick(),
            last_event_tick: view.last_event_tick().unwrap_or(0),
            factions,
            owner,
            occupation,
            value,
            kind,
            stability,
            ids,
            adj_start,
            adj,
            stack_start,
            stacks,
            owned,
            idle_systems,
        }
    }

    pub fn len(&self) -> usize {
        self.owner.len()
    }

    /// Index of the system with this id (ids ascend with the index).
    pub fn index_of(&self, id: u32) -> Option<u32> {
        self.ids.binary_search(&id).ok().map(|i| i as u32)
    }

    pub fn id(&self, s: u32) -> u32 {
        self.ids[s as usize]
    }

    #[inline]
    pub fn neighbors(&self, s: u32) -> &[u32] {
        let s = s as usize;
        &self.adj[self.adj_start[s] as usize..self.adj_start[s + 1] as usize]
    }

    /// Idle stacks at `s`, owners in order of first appearance.
    #[inline]
    pub fn stacks(&self, s: u32) -> &[IdleStack] {
        let s = s as usize;
        &self.stacks[self.stack_start[s] as usize..self.stack_start[s + 1] as usize]
    }

    pub fn owned(&self, f: u32) -> &[u32] {
        &self.owned[f as usize]
    }

    pub fn owned_count(&self, f: u32) -> usize {
        self.owned[f as usize].len()
    }

    pub fn idle_systems(&self, f: u32) -> &[u32] {
        &self.idle_systems[f as usize]
    }

    #[inline]
    pub fn is_owned_by(&self, s: u32, f: u32) -> bool {
        self.owner[s as usize] == f
    }

    #[inline]
    pub fn is_unowned(&self, s: u32) -> bool {
        self.owner[s as usize] == NO_OWNER
    }

    /// idle_count[f][s].
    #[inline]
    pub fn idle_count(&self, f: u32, s: u32) -> u32 {
        self.stacks(s).iter().find(|st| st.owner == f).map_or(0, |st| st.count)
    }

    /// idle_strength[f][s] (0.0 without idle fleets).
    #[inline]
    pub fn idle_strength(&self, f: u32, s: u32) -> f64 {
        self.stacks(s).iter().find(|st| st.owner == f).map_or(0.0, |st| st.strength)
    }

    /// Total idle strength at `s` of every owner other than `f`, owners in first-appearance
    /// order, starting from 0.0.
    #[inline]
    pub fn foreign_strength(&self, f: u32, s: u32) -> f64 {
        let mut total = 0.0;
        for st in self.stacks(s) {
            if st.owner != f {
                total += st.strength;
            }
        }
        total
    }

    /// Whether some idle fleet at `s` belongs to an owner other than `f` (the defended set).
    #[inline]
    pub fn has_foreign_idle(&self, f: u32, s: u32) -> bool {
        self.stacks(s).iter().any(|st| st.owner != f)
    }

    /// Passable(f, n) without the target exemption (§3): owned by f, unowned, or not
    /// defended by someone else.
    #[inline]
    pub fn passable(&self, f: u32, n: u32) -> bool {
        let o = self.owner[n as usize];
        o == f || o == NO_OWNER || !self.has_foreign_idle(f, n)
    }

    /// Frontline(f, s): some neighbour is not owned by f (unowned counts).
    #[inline]
    pub fn is_frontline(&self, f: u32, s: u32) -> bool {
        self.neighbors(s).iter().any(|&n| self.owner[n as usize] != f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::TestWorld;

    #[test]
    fn aggregates_idle_stacks_in_first_appearance_order() {
        // Fleets (in id order): F2@1, F1@1, F2@1 (second stack), F1@0, travelling F1, dead F2@0.
        let mut w = TestWorld::line(3);
        w.own(0, 0).own(1, 1);
        w.fleet(1, 1, 2.0).fleet(0, 1, 4.0).fleet(1, 1, 1.5).fleet(0, 0, 5.0);
        w.moving_fleet(0, 2, 9.0).fleet(1, 0, 0.0);
        let board = Board::new(&w.build());
        assert_eq!(
            board.stacks(1),
            [
                IdleStack { owner: 1, count: 2, strength: 3.5 },
                IdleStack { owner: 0, count: 1, strength: 4.0 }
            ]
        );
        assert_eq!(board.idle_systems(0), [1, 0]);
        assert_eq!(board.idle_systems(1), [1]);
        assert_eq!(board.idle_strength(0, 2), 0.0);
        assert_eq!(board.foreign_strength(0, 1), 3.5);
        assert_eq!(board.owned(0), [0]);
        assert!(board.is_frontline(0, 0));
        // System 1 is F2's with an F2 stack in orbit: F1 cannot pass, F2 can.
        assert!(!board.passable(0, 1));
        assert!(board.passable(1, 1));
        // System 0 is F1's with F1's stack (F2's dead fleet does not count): F2 cannot pass.
        assert!(!board.passable(1, 0));
        // Unowned systems are always passable.
        assert!(board.passable(1, 2));
    }
}
