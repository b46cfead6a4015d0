//! Argument checks shared by both backends, so they refuse the same inputs.

use std::time::Duration;

use crate::error::{StoreError, StoreResult};

/// Milliseconds of a TTL, refusing 0 (Redis rejects PX 0 and a zero lease is meaningless).
pub(crate) fn ttl_ms(ttl: Duration, what: &str) -> StoreResult<u64> {
    match u64::try_from(ttl.as_millis()) {
        Ok(0) => Err(StoreError::invalid(what, "TTL must be at least 1 ms")),
        Ok(ms) => Ok(ms),
        Err(_) => Err(StoreError::invalid(what, "TTL too large")),
    }
}

/// Holder ids, members, consumers, factions and the like must be non-empty.
pub(crate) fn non_empty<'a>(value: &'a str, what: &str) -> StoreResult<&'a str> {
    if value.is_empty() { Err(StoreError::invalid(what, "must not be empty")) } else { Ok(value) }
}

/// Addresses end up inside key names, so they must not be empty or contain the separator; they
/// are stored lower-case (WIRE.md §3) whatever case the caller passes.
pub(crate) fn address(address: &str) -> StoreResult<String> {
    let address = non_empty(address, "address")?;
    if address.contains(':') || address.contains(char::is_whitespace) {
        return Err(StoreError::invalid("address", format!("{address:?} contains ':' or whitespace")));
    }
    Ok(address.to_ascii_lowercase())
}

/// A session id with ':' could collide with the `session:addr:` namespace.
pub(crate) fn jti(jti: &str) -> StoreResult<&str> {
    let jti = non_empty(jti, "session id")?;
    if jti.contains(':') {
        return Err(StoreError::invalid("session id", "must not contain ':'"));
    }
    Ok(jti)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        assert!(ttl_ms(Duration::ZERO, "ttl").is_err());
        assert_eq!(ttl_ms(Duration::from_millis(250), "ttl").ok(), Some(250));
        assert_eq!(address("0xAbC").ok().as_deref(), Some("0xabc"));
        assert!(address("a:b").is_err() && address("").is_err() && address("a b").is_err());
        assert!(jti("x:y").is_err() && jti("").is_err());
        assert_eq!(jti("abc").ok(), Some("abc"));
    }
}
