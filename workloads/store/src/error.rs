//! The one error type of the store contract.
//!
//! Callers need to tell three situations apart, so they are separate variants rather than one
//! opaque error: the store is unreachable (retry with backoff), this process lost the sim lease
//! (stop writing, step down or re-acquire and reload), or stored data / arguments are malformed
//! (a bug or a foreign writer; retrying will not help).

use std::error::Error as StdError;

/// A boxed error kept as the source of [`StoreError::Unavailable`] and [`StoreError::Backend`].
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Connection, I/O or timeout trouble, or a server that is loading / read-only. Transient:
    /// retry with backoff (the Redis backend reconnects on its own).
    #[error("store unavailable: {0}")]
    Unavailable(#[source] BoxError),

    /// The caller's lease is gone (expired, released or taken over by another holder); the write
    /// was refused and nothing of it was applied.
    #[error("fenced: lease {holder}#{token} is no longer held")]
    Fenced { holder: String, token: u64 },

    /// Stored data or an argument does not have the expected shape.
    #[error("invalid {what}: {reason}")]
    Invalid { what: String, reason: String },

    /// Any other backend failure (e.g. a script error); not expected in normal operation.
    #[error("store backend error: {0}")]
    Backend(#[source] BoxError),
}

impl StoreError {
    /// Shorthand for [`StoreError::Invalid`].
    pub fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid { what: what.into(), reason: reason.into() }
    }

    /// True for errors worth retrying after a backoff.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    /// True when the caller lost the lease.
    pub fn is_fenced(&self) -> bool {
        matches!(self, Self::Fenced { .. })
    }
}

/// Result alias used throughout the crate.
pub type StoreResult<T> = Result<T, StoreError>;
