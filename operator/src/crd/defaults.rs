//! The defaults of every optional spec field, in one place: the operator applies them (rather
//! than the API server) so a newer operator's defaults reach existing universes.

use super::spec::{BotsSpec, ComponentSpec, SectorUniverseSpec, WorldSpec};

pub const DEFAULT_SYSTEMS: i32 = 30;
pub const DEFAULT_FACTIONS: i32 = 5;
pub const DEFAULT_TICK_MS: i32 = 300;
pub const DEFAULT_REPLICAS: i32 = 1;
pub const DEFAULT_BOTS_MIN: i32 = 1;
pub const DEFAULT_BOTS_MAX: i32 = 4;
pub const DEFAULT_FACTIONS_PER_REPLICA: i32 = 3;

impl WorldSpec {
    pub fn systems(&self) -> i32 {
        self.systems.unwrap_or(DEFAULT_SYSTEMS)
    }

    pub fn factions(&self) -> i32 {
        self.factions.unwrap_or(DEFAULT_FACTIONS)
    }

    pub fn tick_ms(&self) -> i32 {
        self.tick_ms.unwrap_or(DEFAULT_TICK_MS)
    }
}

impl ComponentSpec {
    pub fn replicas(&self) -> i32 {
        self.replicas.unwrap_or(DEFAULT_REPLICAS)
    }
}

impl BotsSpec {
    pub fn min_replicas(&self) -> i32 {
        self.min_replicas.unwrap_or(DEFAULT_BOTS_MIN)
    }

    pub fn max_replicas(&self) -> i32 {
        self.max_replicas.unwrap_or(DEFAULT_BOTS_MAX)
    }

    pub fn factions_per_replica(&self) -> i32 {
        self.factions_per_replica.unwrap_or(DEFAULT_FACTIONS_PER_REPLICA)
    }
}

impl SectorUniverseSpec {
    /// Sim replicas: the active one, plus a standby when asked for.
    pub fn sim_replicas(&self) -> i32 {
        if self.sim.standby { 2 } else { 1 }
    }
}
