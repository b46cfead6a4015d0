//! This replica's membership among the bot replicas of a universe (docs/ARCHITECTURE.md, bot autoscaling).
//!
//! Each replica heartbeats its member id into the store with a TTL; the live members are those
//! whose heartbeat has not expired. Every replica splits the bot-played factions over the same
//! live list by rendezvous hashing ([`crate::rendezvous`]), so each faction has one driver, and
//! a replica that dies stops being listed within the TTL, after which the others take its
//! factions over.

use std::time::Duration;

use sector_store::{MemberStore, StoreResult};
use tokio::task::JoinHandle;

use crate::throttle::WarnThrottle;

/// A replica's membership handle. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Membership<S> {
    store: S,
    member: String,
    ttl: Duration,
}

impl<S: MemberStore + Clone + Send + Sync + 'static> Membership<S> {
    pub fn new(store: S, member: impl Into<String>, ttl: Duration) -> Self {
        Self { store, member: member.into(), ttl }
    }

    pub fn member(&self) -> &str {
        &self.member
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// One heartbeat: live for another TTL from now.
    pub async fn heartbeat(&self) -> StoreResult<()> {
        self.store.heartbeat(&self.member, self.ttl).await
    }

    /// The live members, this replica included: a replica that is acting is alive, so if its
    /// own heartbeat has lapsed (a store hiccup) it heartbeats again before splitting rather than
    /// computing a split that leaves itself out while others may still count it in.
    pub async fn live_members(&self) -> StoreResult<Vec<String>> {
        let mut members = self.store.live_members().await?;
        if !members.contains(&self.member) {
            self.heartbeat().await?;
            members.push(self.member.clone());
            members.sort();
        }
        Ok(members)
    }

    /// Removes this replica at once (clean shutdown), so the others take over its factions
    /// without waiting for the TTL.
    pub async fn leave(&self) -> StoreResult<()> {
        self.store.leave(&self.member).await
    }

    /// Heartbeats every TTL/3 on a task of its own — a slow AI call or API post must not let the
    /// membership lapse — until the returned guard is dropped.
    pub fn spawn_heartbeats(&self) -> HeartbeatTask {
        let this = self.clone();
        HeartbeatTask(tokio::spawn(async move { this.heartbeat_forever().await }))
    }

    async fn heartbeat_forever(&self) {
        let mut interval = tokio::time::interval(self.ttl / 3);
        // After a stall, one heartbeat is enough; a burst of catch-up beats is pointless.
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut warning = WarnThrottle::new(Duration::from_secs(15));
        loop {
            interval.tick().await;
            match self.heartbeat().await {
                Ok(()) => warning.reset(),
                Err(error) => {
                    if let Some(suppressed) = warning.ready() {
                        tracing::warn!(member = %self.member, %error, suppressed, "bot heartbeat failed");
                    }
                }
            }
        }
    }
}

/// The running heartbeat task; aborted when dropped, so heartbeats stop with the worker even if
/// the worker's future is dropped rather than shut down (then the membership simply expires).
#[derive(Debug)]
pub struct HeartbeatTask(JoinHandle<()>);

impl Drop for HeartbeatTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}
