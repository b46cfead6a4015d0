//! The crate's error type: what can stop the worker from starting, or make one iteration of its
//! loop fail (the loop logs those and retries after the poll interval).

use sector_ai::ViewError;
use sector_store::StoreError;

use crate::config::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("snapshot of universe {universe} is not a valid snapshot: {source}")]
    Snapshot {
        universe: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("snapshot of universe {universe} at tick {tick} is inconsistent: {source}")]
    View {
        universe: String,
        tick: u64,
        #[source]
        source: ViewError,
    },
}
