//! The order stream (`{p}:orders`) and its consumer group (`sim` by default).
//!
//! Differences from the reference, each fixing a known defect:
//! - the group is created at the stream's end (`$`), so a fresh group does not replay every
//!   retained historical order (F3);
//! - appends never trim entries the group has not consumed: delivered-but-unacknowledged
//!   (pending) entries and entries not yet delivered survive any flood (A12);
//! - pending entries of a dead consumer can be claimed by a live one, and a restarted consumer
//!   can re-read its own pending entries, so a failed tick loses no orders (F2).

use std::time::Duration;

use crate::error::StoreResult;
use crate::stream::{EntryId, StreamEntry};

/// Default cap on the order stream's length (the reference's MAXLEN ~ 5000). Only consumed
/// entries are ever trimmed, so the stream may exceed it while the sim lags or is paused.
pub const DEFAULT_ORDER_MAX_LEN: usize = 5000;

pub trait OrderStore {
    /// Creates the consumer group at the stream's end (creating the stream if missing); an
    /// existing group is left as it is.
    fn ensure_order_group(&self) -> impl Future<Output = StoreResult<()>> + Send;

    /// Appends one order batch (`{"orders": [...]}` JSON text) as field `data`. When the stream
    /// is longer than `max_len`, entries the group has already consumed and acknowledged are
    /// trimmed (all of them if the group does not exist yet: those can never be delivered).
    fn append_orders(
        &self,
        batch_json: &str,
        max_len: usize,
    ) -> impl Future<Output = StoreResult<EntryId>> + Send;

    /// Reads up to `count` never-delivered entries for `consumer`, waiting up to `block` for the
    /// first one (`Duration::ZERO`: do not wait). The entries become pending for `consumer` until
    /// acknowledged. A missing group is created (at the end) first.
    fn read_orders(
        &self,
        consumer: &str,
        count: usize,
        block: Duration,
    ) -> impl Future<Output = StoreResult<Vec<StreamEntry>>> + Send;

    /// Up to `count` entries pending for `consumer` (delivered, not acknowledged), oldest first:
    /// what a restarted consumer with the same name must process again.
    fn pending_orders(
        &self,
        consumer: &str,
        count: usize,
    ) -> impl Future<Output = StoreResult<Vec<StreamEntry>>> + Send;

    /// Transfers up to `count` entries pending for longer than `min_idle` under any consumer to
    /// `consumer` and returns them (XAUTOCLAIM), oldest first: how a standby picks up what a dead
    /// sim read but never committed.
    fn claim_stale_orders(
        &self,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> impl Future<Output = StoreResult<Vec<StreamEntry>>> + Send;

    /// Acknowledges entries outside a tick commit (e.g. batches rejected as malformed); returns
    /// how many were pending.
    fn ack_orders(&self, ids: &[EntryId]) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Deletes consumers idle for longer than `min_idle` that have nothing pending, so per-process
    /// consumer names do not accumulate (F2); returns their names.
    fn prune_order_consumers(
        &self,
        min_idle: Duration,
    ) -> impl Future<Output = StoreResult<Vec<String>>> + Send;

    /// Number of entries in the order stream.
    fn order_stream_len(&self) -> impl Future<Output = StoreResult<u64>> + Send;
}
