//! The worker's life: standby ⇄ leader until shutdown.
//!
//! A standby polls for the lease (SET NX PX with a fresh fencing token) and never writes
//! anything else; it takes over as soon as the previous holder's lease expires or is released
//! (KNOWN_DEFECTS F5: the reference exited instead). A leader that loses the lease goes back to
//! standby; its old lease value is never used for a write again (every write is a fenced commit
//! that checks it), except that after an outage the standby first asks whether that exact lease
//! is still held (renewal succeeds only if nobody took over).

use std::time::Duration;

use sector_store::{Lease, Store};

use crate::backoff::Backoff;
use crate::error::SimError;
use crate::leader::{self, Exit};
use crate::status::Role;
use crate::worker::Worker;

pub(crate) async fn run<S: Store>(mut w: Worker<S>) -> Result<(), SimError> {
    let mut kept = None;
    let result = loop {
        let Some(lease) = standby(&mut w, kept.take()).await else { break Ok(()) };
        match leader::lead(&mut w, lease).await {
            Ok(Exit::Shutdown) => break Ok(()),
            Ok(Exit::LeaseLost(maybe_held)) => kept = maybe_held,
            Err(error) => {
                tracing::error!(%error, "worker stopped by a fatal error");
                break Err(error);
            }
        }
    };
    w.set_role(Role::Stopped, None);
    result
}

/// Waits for the lease; `None` on shutdown.
async fn standby<S: Store>(w: &mut Worker<S>, kept: Option<Lease>) -> Option<Lease> {
    w.set_role(Role::Standby, None);
    let ttl = w.cfg.lease_ttl;
    // Polling at about the tick rate bounds a takeover by TTL + one tick.
    let poll = w.cfg.tick_period.clamp(Duration::from_millis(10), Duration::from_millis(250));
    let mut backoff = Backoff::new(w.cfg.backoff_max);
    if let Some(lease) = kept {
        match w.store.renew_lease(&lease, ttl).await {
            Ok(()) => {
                tracing::info!(token = lease.token, "lease was still held after the outage; resuming");
                return Some(lease);
            }
            Err(error) if !error.is_fenced() => w.store_failed("renew kept lease", &error),
            Err(_) => {}
        }
    }
    loop {
        if w.stopping() {
            return None;
        }
        match w.store.acquire_lease(&w.cfg.worker_id, ttl).await {
            Ok(Some(lease)) => {
                w.store_ok();
                return Some(lease);
            }
            Ok(None) => {
                w.store_ok();
                backoff.reset();
                if w.sleep(poll).await {
                    return None;
                }
            }
            Err(error) => {
                w.store_failed("acquire lease", &error);
                if w.sleep(backoff.next_delay()).await {
                    return None;
                }
            }
        }
    }
}
