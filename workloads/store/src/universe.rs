//! The universe id: the run counter every per-run key is suffixed with (`{p}:universe_id`).

use crate::error::StoreResult;

/// Id of the first run, used when the counter is missing (the reference's `SETNX "1"`).
pub const FIRST_UNIVERSE: &str = "1";

pub trait UniverseStore {
    /// The current universe id; a missing counter is created as `"1"` (SETNX) and returned.
    fn universe_id(&self) -> impl Future<Output = StoreResult<String>> + Send;

    /// Increments the counter (a missing one counts as 0) and returns the new id. Fails with
    /// `Invalid` if the stored id is not an integer (a restart may have set a free-form id).
    fn incr_universe(&self) -> impl Future<Output = StoreResult<String>> + Send;

    /// Sets the id (admin restart with an explicit id). Prefer the fenced [`crate::Commit`] with
    /// `start_run` in the sim, which sets it atomically with the new run's first writes.
    fn set_universe(&self, id: &str) -> impl Future<Output = StoreResult<()>> + Send;
}
