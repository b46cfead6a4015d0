//! Generic behaviour tests; each takes a fresh, empty store.

pub mod awards;
pub mod claims;
pub mod commit;
pub mod control;
pub mod events;
pub mod lease;
pub mod members;
pub mod orders;
pub mod player_orders;
pub mod sessions;
pub mod universe;

use std::fmt::Debug;
use std::time::Duration;

use sector_store::{StoreError, StoreResult};

/// Unwraps a store result, naming the failed step.
#[track_caller]
pub fn ok<T>(result: StoreResult<T>, step: &str) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("{step}: {e}"),
    }
}

/// Asserts an `Invalid` error.
#[track_caller]
pub fn assert_invalid<T: Debug>(result: StoreResult<T>, step: &str) {
    match result {
        Err(StoreError::Invalid { .. }) => {}
        other => panic!("{step}: expected Invalid, got {other:?}"),
    }
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub async fn sleep_ms(n: u64) {
    tokio::time::sleep(ms(n)).await;
}
