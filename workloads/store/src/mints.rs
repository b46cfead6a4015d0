//! The minter's idempotency records: at most one award token per (universe, run).
//!
//! A record (`{p}:awards:minted:{universe}:{run}`, JSON chosen by the minter) is the minter's
//! memory of a mint: the transactions it signed and, once mined, the token. Only the holder of
//! the run's lock (`{p}:awards:lock:{universe}:{run}`, an expiring compare-and-set lock) may write
//! it, and the write is checked against the lock atomically, so a minter whose lock expired
//! mid-attempt cannot overwrite what its successor recorded. The minter writes the record before
//! it broadcasts a transaction; that is what makes a crash between broadcast and bookkeeping safe.

use std::time::Duration;

use crate::error::{StoreError, StoreResult};

pub trait MintStore {
    /// Takes the lock of (universe, run) for `holder` for `ttl`, if nobody holds it; whether it
    /// was taken.
    fn lock_mint(
        &self,
        universe: &str,
        run: &str,
        holder: &str,
        ttl: Duration,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Releases the lock if `holder` still holds it.
    fn unlock_mint(
        &self,
        universe: &str,
        run: &str,
        holder: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The record of (universe, run), if any.
    fn mint_record(
        &self,
        universe: &str,
        run: &str,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;

    /// Stores the record (no expiry) if `holder` holds the lock; whether it was stored.
    fn put_mint_record(
        &self,
        universe: &str,
        run: &str,
        holder: &str,
        record: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
}

/// The universe part of the key must not contain the separator, so that no two (universe, run)
/// pairs share a key; the run (the last part) may hold anything but must not be empty.
pub(crate) fn check_key(universe: &str, run: &str) -> StoreResult<()> {
    if universe.is_empty() || universe.contains(':') {
        return Err(StoreError::invalid("award universe", format!("{universe:?} is empty or contains ':'")));
    }
    if run.is_empty() {
        return Err(StoreError::invalid("award run", "must not be empty"));
    }
    Ok(())
}
