//! Login nonces and server-side sessions (WIRE.md §3): `{p}:auth:nonce:{addr}`,
//! `{p}:session:{jti}` → address, `{p}:session:addr:{addr}` (set of jtis). Sessions can be revoked
//! one by one or per address (KNOWN_DEFECTS A5); nonces are single use (taken with GETDEL).
//! Addresses are lower-cased by the store.

use std::time::Duration;

use crate::error::StoreResult;

pub trait SessionStore {
    /// Stores the login nonce of `address` for `ttl` (replacing an earlier one).
    fn put_nonce(
        &self,
        address: &str,
        nonce: &str,
        ttl: Duration,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Returns and deletes the nonce in one step, so a nonce verifies at most once.
    fn take_nonce(&self, address: &str) -> impl Future<Output = StoreResult<Option<String>>> + Send;

    /// Creates session `jti` for `address` for `ttl` and adds it to the address's session set
    /// (whose expiry is extended to cover it).
    fn create_session(
        &self,
        jti: &str,
        address: &str,
        ttl: Duration,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The session's address, while it lives.
    fn session_address(&self, jti: &str) -> impl Future<Output = StoreResult<Option<String>>> + Send;

    /// Deletes one session (logout); whether it existed.
    fn revoke_session(&self, jti: &str) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Deletes every session of `address`; how many existed.
    fn revoke_address_sessions(&self, address: &str) -> impl Future<Output = StoreResult<u64>> + Send;
}
