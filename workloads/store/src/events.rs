//! The event stream (`{p}:events`): one `data` field per entry, a snapshot / delta / run_end
//! event (WIRE.md §5). The sim appends (normally inside the fenced commit); the frontend, API and
//! bots read.

use std::time::Duration;

use crate::error::StoreResult;
use crate::stream::{EntryId, StreamEntry};

/// Default approximate cap on the event stream (`EVENT_STREAM_MAXLEN`).
pub const DEFAULT_EVENT_MAX_LEN: usize = 5000;

pub trait EventStore {
    /// Appends one event (JSON text), trimming the stream to about `max_len` entries (MAXLEN ~:
    /// Redis trims whole internal nodes, so a little more may be kept). Unfenced: the sim uses
    /// [`crate::Commit`]; this is for tools and tests.
    fn append_event(
        &self,
        event_json: &str,
        max_len: usize,
    ) -> impl Future<Output = StoreResult<EntryId>> + Send;

    /// Up to `count` entries with ids greater than `after`, oldest first, waiting up to `block`
    /// for the first one (`Duration::ZERO`: do not wait).
    fn read_events_after(
        &self,
        after: EntryId,
        count: usize,
        block: Duration,
    ) -> impl Future<Output = StoreResult<Vec<StreamEntry>>> + Send;

    /// The last `count` entries, oldest first.
    fn latest_events(&self, count: usize) -> impl Future<Output = StoreResult<Vec<StreamEntry>>> + Send;

    /// Id of the newest entry; `None` for an empty or missing stream.
    fn last_event_id(&self) -> impl Future<Output = StoreResult<Option<EntryId>>> + Send;

    /// Number of entries in the event stream.
    fn event_stream_len(&self) -> impl Future<Output = StoreResult<u64>> + Send;
}
