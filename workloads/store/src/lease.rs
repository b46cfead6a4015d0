//! The sim lease with fencing tokens.
//!
//! Only one sim may advance a universe. The lease (`{p}:lease`, PX ttl) names its holder and a
//! fencing token drawn from a counter (`{p}:lease:token`) that only grows, so a holder that
//! paused past its TTL and came back cannot be confused with the new holder even when both use
//! the same `WORKER_ID` (KNOWN_DEFECTS F5). Every sim write goes through the fenced commit
//! ([`crate::CommitStore`]), which checks the stored value against the caller's [`Lease`].

use std::time::Duration;

use crate::error::{StoreError, StoreResult};

/// A held lease: who holds it and with which fencing token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Lease {
    pub holder: String,
    pub token: u64,
}

impl Lease {
    /// The stored value: `{token}:{holder}`. The token comes first because holder ids may
    /// contain `:` while tokens never do.
    pub fn value(&self) -> String {
        format!("{}:{}", self.token, self.holder)
    }

    /// Parses a stored value. A value without a numeric token prefix (a reference sim's bare
    /// `WORKER_ID`) is reported with token 0.
    pub fn parse(value: &str) -> Self {
        match value.split_once(':') {
            Some((token, holder)) if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) => {
                match token.parse() {
                    Ok(token) => Self { holder: holder.to_owned(), token },
                    Err(_) => Self { holder: value.to_owned(), token: 0 },
                }
            }
            _ => Self { holder: value.to_owned(), token: 0 },
        }
    }

    /// The error a write made under this lease fails with once the lease is lost.
    pub fn fenced(&self) -> StoreError {
        StoreError::Fenced { holder: self.holder.clone(), token: self.token }
    }
}

pub trait LeaseStore {
    /// Takes the lease if nobody holds it (SET NX PX semantics) and returns it with a fresh
    /// fencing token; `None` while another holder (or an earlier lease of the same holder id)
    /// has it.
    fn acquire_lease(
        &self,
        holder: &str,
        ttl: Duration,
    ) -> impl Future<Output = StoreResult<Option<Lease>>> + Send;

    /// Extends the lease to `ttl` from now if it is still exactly `lease`; `Fenced` otherwise.
    fn renew_lease(&self, lease: &Lease, ttl: Duration) -> impl Future<Output = StoreResult<()>> + Send;

    /// Deletes the lease if it is still exactly `lease` (compare-and-delete); whether it did.
    fn release_lease(&self, lease: &Lease) -> impl Future<Output = StoreResult<bool>> + Send;

    /// The current lease, if any.
    fn lease_holder(&self) -> impl Future<Output = StoreResult<Option<Lease>>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_round_trip() {
        let lease = Lease { holder: "sim-a:7".into(), token: 12 };
        assert_eq!(lease.value(), "12:sim-a:7");
        assert_eq!(Lease::parse(&lease.value()), lease);
        assert_eq!(Lease::parse("host-1"), Lease { holder: "host-1".into(), token: 0 });
        assert_eq!(Lease::parse(":x"), Lease { holder: ":x".into(), token: 0 });
    }
}
