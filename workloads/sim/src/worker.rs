//! The worker's context, shared by every phase of its life (standby, leader, recovery): the
//! store, the configuration, metrics, the published status, the shutdown signal, and the last
//! state it committed.

use std::sync::Arc;
use std::time::Duration;

use sector_core::snapshot::Snapshot;
use sector_store::{Lease, StoreError};
use tokio::sync::watch;

use crate::config::SimConfig;
use crate::metrics::Metrics;
use crate::state::SimState;
use crate::status::{Role, WorkerStatus};

/// A run: its universe id and state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    pub universe: String,
    pub state: SimState,
}

/// What the worker last committed, and the last frame it published (the base of the next
/// delta). Kept across lease changes: if the store comes back empty (a Redis that lost its
/// data), this is the best state there is.
#[derive(Debug, Clone)]
pub(crate) struct Memory {
    pub run: Run,
    pub prev_frame: Option<Snapshot>,
}

pub(crate) struct Worker<S> {
    pub store: S,
    pub cfg: Arc<SimConfig>,
    pub metrics: Arc<Metrics>,
    pub status: watch::Sender<WorkerStatus>,
    pub shutdown: watch::Receiver<bool>,
    pub memory: Option<Memory>,
}

impl<S> Worker<S> {
    pub fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Sleeps for `delay` or until shutdown is requested; returns whether it was requested.
    pub async fn sleep(&mut self, delay: Duration) -> bool {
        if self.stopping() {
            return true;
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            // A dropped sender also means "stop".
            _ = self.shutdown.changed() => {}
        }
        self.stopping()
    }

    /// Records a failed store operation (metrics, status, log).
    pub fn store_failed(&self, what: &str, error: &StoreError) {
        self.metrics.store_error(error);
        if error.is_fenced() {
            tracing::warn!(what, %error, "lease lost");
        } else {
            self.status.send_if_modified(|s| std::mem::replace(&mut s.store_ok, false));
            tracing::warn!(what, %error, "store operation failed; retrying with backoff");
        }
    }

    pub fn store_ok(&self) {
        self.status.send_if_modified(|s| !std::mem::replace(&mut s.store_ok, true));
    }

    /// Switches role (logged and counted on change).
    pub fn set_role(&self, role: Role, lease: Option<&Lease>) {
        let token = lease.map(|l| l.token);
        let changed = self.status.send_if_modified(|s| {
            let changed = s.role != role || s.lease_token != token;
            s.role = role;
            s.lease_token = token;
            if role != Role::Leader {
                s.phase = None;
            }
            changed
        });
        if changed {
            self.metrics.set_leader(role == Role::Leader);
            if matches!(role, Role::Leader | Role::Standby) {
                self.metrics.lease_transitions.inc();
            }
            tracing::info!(role = role.as_str(), token, worker = self.cfg.worker_id, "role changed");
        }
    }

    /// Publishes the current run position.
    pub fn set_position(&self, run: &Run, phase: Option<sector_store::SimPhase>) {
        let tick = run.state.world.tick;
        self.metrics.tick.set(i64::try_from(tick).unwrap_or(i64::MAX));
        self.status.send_if_modified(|s| {
            let before = (s.universe.clone(), s.tick, s.phase.clone());
            s.universe = Some(run.universe.clone());
            s.tick = Some(tick);
            if phase.is_some() {
                s.phase = phase.clone();
            }
            before != (s.universe.clone(), s.tick, s.phase.clone())
        });
    }
}
