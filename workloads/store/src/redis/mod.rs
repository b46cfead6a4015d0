//! The Redis implementation of the store contract.
//!
//! Connections are `redis` [`ConnectionManager`]s: multiplexed and reconnecting on their own after
//! the server goes away, so a `RedisStore` can be created once and cloned freely. While the server
//! is down, operations fail fast with [`StoreError::Unavailable`] (a few short reconnect attempts,
//! then the error) instead of hanging, and succeed again once it is back.
//!
//! Blocking stream reads (`BLOCK`) use a second connection: on a multiplexed connection a blocked
//! command delays every command queued behind it, which would stall the sim's writes behind a
//! reader's wait.

mod awards;
mod claims;
mod commit;
mod control;
mod errors;
mod events;
mod leaderboard;
mod lease;
mod members;
mod mints;
mod orders;
mod player_orders;
mod reply;
mod scripts;
mod sessions;
mod snapshot;
mod universe;

use std::sync::Arc;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{Client, Cmd, FromRedisValue, Pipeline, ScriptInvocation};

use crate::error::{StoreError, StoreResult};
use crate::keys::Keys;

pub(crate) use errors::map_err;

/// Connection settings of [`RedisStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedisOptions {
    /// Time allowed for one command's reply (blocking reads get their block time on top).
    pub response_timeout: Duration,
    /// Time allowed for one connection attempt.
    pub connect_timeout: Duration,
    /// Reconnect attempts per failed connection before an operation reports `Unavailable`.
    pub reconnect_retries: usize,
    /// Smallest delay between reconnect attempts (grows exponentially, with jitter).
    pub reconnect_min_delay: Duration,
    /// Largest delay between reconnect attempts.
    pub reconnect_max_delay: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            response_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(1),
            reconnect_retries: 2,
            reconnect_min_delay: Duration::from_millis(50),
            reconnect_max_delay: Duration::from_millis(500),
        }
    }
}

/// The store on a Redis server. Cheap to clone (clones share the connections).
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    blocking: ConnectionManager,
    keys: Arc<Keys>,
    options: RedisOptions,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").field("keys", &self.keys).field("options", &self.options).finish()
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port/db`) with default options. Fails with `Unavailable`
    /// if the server cannot be reached (callers retry with backoff), `Invalid` for a bad URL.
    pub async fn connect(url: &str, keys: Keys) -> StoreResult<Self> {
        Self::connect_with(url, keys, RedisOptions::default()).await
    }

    /// Connects with explicit options.
    pub async fn connect_with(url: &str, keys: Keys, options: RedisOptions) -> StoreResult<Self> {
        let client = Client::open(url).map_err(|e| StoreError::invalid("redis url", e.to_string()))?;
        let base = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.connect_timeout))
            .set_number_of_retries(options.reconnect_retries)
            .set_min_delay(options.reconnect_min_delay)
            .set_max_delay(options.reconnect_max_delay);
        let conn = ConnectionManager::new_with_config(
            client.clone(),
            base.clone().set_response_timeout(Some(options.response_timeout)),
        )
        .await
        .map_err(map_err)?;
        // No response timeout here: blocking reads are bounded by `timeout_blocking` instead,
        // with their own block time added.
        let blocking = ConnectionManager::new_with_config(client, base.set_response_timeout(None))
            .await
            .map_err(map_err)?;
        tracing::debug!(url = %redacted(url), prefix = keys.prefix(), "connected to redis");
        Ok(Self { conn, blocking, keys: Arc::new(keys), options })
    }

    /// The key names this store uses.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Runs one command (no retry: a write whose reply was lost may have been applied).
    pub(crate) async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> StoreResult<T> {
        let mut conn = self.conn.clone();
        cmd.query_async(&mut conn).await.map_err(map_err)
    }

    /// Runs a read-only or idempotent command, once more if the connection turned out dead.
    pub(crate) async fn query_retry<T: FromRedisValue>(&self, cmd: &Cmd) -> StoreResult<T> {
        retry_stale(&self.conn, |mut conn| async move { cmd.query_async(&mut conn).await }).await
    }

    /// Runs a read-only or idempotent pipeline, once more if the connection turned out dead.
    pub(crate) async fn query_pipe_retry<T: FromRedisValue>(&self, pipe: &Pipeline) -> StoreResult<T> {
        retry_stale(&self.conn, |mut conn| async move { pipe.query_async(&mut conn).await }).await
    }

    /// Runs a pipeline (atomic when built with `.atomic()`).
    pub(crate) async fn query_pipe<T: FromRedisValue>(&self, pipe: &Pipeline) -> StoreResult<T> {
        let mut conn = self.conn.clone();
        pipe.query_async(&mut conn).await.map_err(map_err)
    }

    /// Runs a Lua script (EVALSHA, loading it after a server restart emptied the script cache).
    pub(crate) async fn invoke<T: FromRedisValue>(
        &self,
        invocation: &ScriptInvocation<'_>,
    ) -> StoreResult<T> {
        let mut conn = self.conn.clone();
        invocation.invoke_async(&mut conn).await.map_err(map_err)
    }

    /// Runs a read-only or idempotent Lua script, once more if the connection turned out dead.
    pub(crate) async fn invoke_retry<T: FromRedisValue>(
        &self,
        invocation: &ScriptInvocation<'_>,
    ) -> StoreResult<T> {
        retry_stale(&self.conn, |mut conn| async move { invocation.invoke_async(&mut conn).await }).await
    }

    /// Runs a stream read that may block server-side for up to `block`, on the blocking
    /// connection, bounded by `block` plus the response timeout. Retried once on a dead
    /// connection: an XREADGROUP whose reply was lost leaves its entries pending for the same
    /// consumer, where `pending_orders` finds them, so nothing is lost by reading again.
    pub(crate) async fn query_blocking<T: FromRedisValue>(
        &self,
        cmd: &Cmd,
        block: Duration,
    ) -> StoreResult<T> {
        if block.is_zero() {
            return self.query_retry(cmd).await;
        }
        let limit = block + self.options.response_timeout;
        let read = retry_stale(&self.blocking, |mut conn| async move { cmd.query_async(&mut conn).await });
        match tokio::time::timeout(limit, read).await {
            Ok(result) => result,
            Err(_) => Err(StoreError::Unavailable(format!("no reply from redis within {limit:?}").into())),
        }
    }
}

/// Runs `op`, and once more if it failed because the connection was found dead. The manager
/// only notices a dead connection (e.g. after a server restart) when a command fails on it and
/// then reconnects, so the repeat usually lands on the fresh connection.
async fn retry_stale<T, F, Fut>(conn: &ConnectionManager, mut op: F) -> StoreResult<T>
where
    F: FnMut(ConnectionManager) -> Fut,
    Fut: Future<Output = ::redis::RedisResult<T>>,
{
    match op(conn.clone()).await {
        Err(e) if e.is_connection_dropped() || e.is_unrecoverable_error() => {
            tracing::debug!(error = %e, "redis connection was dead; retrying once");
            op(conn.clone()).await.map_err(map_err)
        }
        other => other.map_err(map_err),
    }
}

/// The URL without its password, for logs.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***{}", &url[..scheme], &url[at..]),
        _ => url.to_owned(),
    }
}

/// `BLOCK` argument for a wait: whole milliseconds, at least 1 (0 would mean "forever").
pub(crate) fn block_ms(block: Duration) -> u64 {
    u64::try_from(block.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redacted("redis://:secret@redis:6379/0"), "redis://***@redis:6379/0");
        assert_eq!(redacted("redis://redis:6379/0"), "redis://redis:6379/0");
    }
}
