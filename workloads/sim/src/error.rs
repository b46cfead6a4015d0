//! The crate's error type.

use sector_store::StoreError;

use crate::config::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    /// A store failure. Inside the loop these are retried (unavailable) or end the leadership
    /// (fenced); they only surface from [`crate::run`] when the worker cannot even start.
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no world could be generated for a new run: {0}")]
    Generate(#[from] sector_core::generator::GenerateError),
    #[error("{what}: {source}")]
    Io {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("the worker task failed: {0}")]
    Task(String),
}

impl SimError {
    /// The store error inside, if this is one.
    pub fn as_store(&self) -> Option<&StoreError> {
        match self {
            SimError::Store(e) => Some(e),
            _ => None,
        }
    }
}
