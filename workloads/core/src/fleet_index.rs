//! Fleet positions grouped by system, so tick steps look up "fleets at S" without scanning
//! every fleet (the reference loops over all fleets inside loops over systems).

use crate::world::SystemId;

/// Compressed rows: the fleet positions at system `s` are
/// `positions[offsets[s]..offsets[s + 1]]`, ascending (positions are in fleet-id order).
/// Fleets added after the build (rebellion spawns) go to `late`, which is also ascending.
#[derive(Debug, Default)]
pub(crate) struct FleetIndex {
    offsets: Vec<u32>,
    positions: Vec<u32>,
    late: Vec<(SystemId, u32)>,
}

impl FleetIndex {
    /// Builds from `(system, position)` pairs given in ascending position.
    pub fn build(system_count: usize, entries: impl Iterator<Item = (SystemId, usize)> + Clone) -> Self {
        let mut offsets = vec![0u32; system_count + 1];
        for (system, _) in entries.clone() {
            offsets[system as usize + 1] += 1;
        }
        for s in 0..system_count {
            offsets[s + 1] += offsets[s];
        }
        let mut fill = offsets.clone();
        let mut positions = vec![0u32; offsets[system_count] as usize];
        for (system, position) in entries {
            let slot = &mut fill[system as usize];
            positions[*slot as usize] = position as u32;
            *slot += 1;
        }
        FleetIndex { offsets, positions, late: Vec::new() }
    }

    /// Records a fleet created after the build; its position exceeds all indexed ones.
    pub fn push_late(&mut self, system: SystemId, position: usize) {
        self.late.push((system, position as u32));
    }

    /// Positions at `system`, ascending.
    pub fn at(&self, system: SystemId) -> impl Iterator<Item = usize> + '_ {
        let s = system as usize;
        let built = &self.positions[self.offsets[s] as usize..self.offsets[s + 1] as usize];
        built
            .iter()
            .map(|&p| p as usize)
            .chain(self.late.iter().filter(move |(sys, _)| *sys == system).map(|&(_, p)| p as usize))
    }

    /// Systems that have at least one indexed fleet, ascending.
    pub fn occupied_systems(&self) -> impl Iterator<Item = SystemId> + '_ {
        self.offsets.windows(2).enumerate().filter(|(_, w)| w[1] > w[0]).map(|(s, _)| s as SystemId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_positions_by_system_in_order() {
        let entries = [(2u32, 0usize), (0, 1), (2, 3), (1, 4), (2, 7)];
        let mut index = FleetIndex::build(4, entries.iter().copied());
        assert_eq!(index.at(2).collect::<Vec<_>>(), vec![0, 3, 7]);
        assert_eq!(index.at(3).count(), 0);
        index.push_late(2, 9);
        assert_eq!(index.at(2).collect::<Vec<_>>(), vec![0, 3, 7, 9]);
        assert_eq!(index.occupied_systems().collect::<Vec<_>>(), vec![0, 1, 2]);
    }
}
