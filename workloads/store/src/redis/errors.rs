//! Mapping of `redis` errors onto the contract's three cases.

use ::redis::{ErrorKind, RedisError, ServerErrorKind};

use crate::error::StoreError;

/// Unavailable: anything about reaching the server or the server not serving right now.
/// Invalid: the data at a key has the wrong type or shape. Backend: the rest.
pub(crate) fn map_err(e: RedisError) -> StoreError {
    if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_connection_refusal() {
        return StoreError::Unavailable(Box::new(e));
    }
    match e.kind() {
        ErrorKind::Server(
            ServerErrorKind::BusyLoading
            | ServerErrorKind::TryAgain
            | ServerErrorKind::MasterDown
            | ServerErrorKind::ClusterDown
            | ServerErrorKind::ReadOnly,
        ) => StoreError::Unavailable(Box::new(e)),
        ErrorKind::Parse | ErrorKind::UnexpectedReturnType => {
            StoreError::invalid("redis reply", e.to_string())
        }
        _ if e.code() == Some("WRONGTYPE") => StoreError::invalid("redis key type", e.to_string()),
        _ if e.detail().is_some_and(|d| d.contains("not an integer")) => {
            StoreError::invalid("redis value", e.to_string())
        }
        _ => StoreError::Backend(Box::new(e)),
    }
}

/// True for the server error a command on a missing consumer group gets.
pub(crate) fn is_no_group(e: &StoreError) -> bool {
    match e {
        StoreError::Backend(source) => source
            .downcast_ref::<RedisError>()
            .is_some_and(|e| e.code() == Some("NOGROUP") || e.to_string().contains("NOGROUP")),
        _ => false,
    }
}

/// True for the "group already exists" reply of XGROUP CREATE.
pub(crate) fn is_busy_group(e: &RedisError) -> bool {
    e.code() == Some("BUSYGROUP") || e.to_string().contains("BUSYGROUP")
}
