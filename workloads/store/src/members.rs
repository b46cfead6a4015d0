//! Bot replica membership: each replica heartbeats with a TTL; the live set is what the replicas
//! split the bot-played factions over (rendezvous hashing, in the bot crate). On Redis it is a
//! sorted set scored by expiry time taken from the server clock, so replicas need no synchronized
//! clocks.

use std::time::Duration;

use crate::error::StoreResult;

pub trait MemberStore {
    /// Marks `member` live for `ttl` from now.
    fn heartbeat(&self, member: &str, ttl: Duration) -> impl Future<Output = StoreResult<()>> + Send;

    /// Members whose last heartbeat has not expired, sorted.
    fn live_members(&self) -> impl Future<Output = StoreResult<Vec<String>>> + Send;

    /// Removes `member` at once (clean shutdown).
    fn leave(&self, member: &str) -> impl Future<Output = StoreResult<()>> + Send;
}
