//! What the worker reports about itself (to `/ready`, to tests and to a supervising process).

use sector_store::SimPhase;

/// The worker's role with respect to the lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Not yet tried to take the lease.
    Starting,
    /// Waiting for the lease.
    Standby,
    /// Holds the lease and advances the universe.
    Leader,
    /// Stopped (shutdown or fatal error).
    Stopped,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Starting => "starting",
            Role::Standby => "standby",
            Role::Leader => "leader",
            Role::Stopped => "stopped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerStatus {
    pub role: Role,
    /// Fencing token of the held lease.
    pub lease_token: Option<u64>,
    /// Current run (universe id) and tick, once the leader has a world.
    pub universe: Option<String>,
    pub tick: Option<u64>,
    pub phase: Option<SimPhase>,
    /// Whether the last store operation succeeded.
    pub store_ok: bool,
    /// Ticks committed by this worker.
    pub ticks_committed: u64,
}

impl Default for WorkerStatus {
    fn default() -> Self {
        Self {
            role: Role::Starting,
            lease_token: None,
            universe: None,
            tick: None,
            phase: None,
            store_ok: true,
            ticks_committed: 0,
        }
    }
}

impl WorkerStatus {
    /// Readiness (`/ready`): a leader with a world, or a standby that reaches the store (a
    /// healthy standby is ready to take over; Kubernetes routes no traffic to the sim, so
    /// readiness only reports health of the role).
    pub fn ready(&self) -> bool {
        match self.role {
            Role::Leader => self.store_ok && self.universe.is_some(),
            Role::Standby => self.store_ok,
            Role::Starting | Role::Stopped => false,
        }
    }
}
