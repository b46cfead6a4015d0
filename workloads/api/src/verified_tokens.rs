//! Tokens that verified recently. A player's client sends the same token with every request;
//! checking it again each time (two base64 decodes, an HMAC, two JSON parses) was a large part
//! of what a player's `POST /orders` cost beyond a bot's. A hit must be the very same token
//! text, so the signature it carried is the one that verified; only its expiry can change
//! (its `nbf` and `iat` were already in the past), and that is checked on every hit.
//!
//! The session behind the token is not cached: logout and revocation take effect at once.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;

use crate::jwt::{JwtKeys, PresentedClaims, TokenError, now_secs};

/// How many distinct tokens are remembered (least recently used ones are forgotten).
pub const DEFAULT_CAPACITY: NonZeroUsize = NonZeroUsize::new(4096).unwrap();

pub struct VerifiedTokens {
    recent: Mutex<LruCache<Box<str>, Arc<PresentedClaims>>>,
}

impl VerifiedTokens {
    pub fn new(capacity: NonZeroUsize) -> Self {
        Self { recent: Mutex::new(LruCache::new(capacity)) }
    }

    /// The token's claims if it verifies with `keys` and has not expired.
    pub fn verify(&self, keys: &JwtKeys, token: &str) -> Result<Arc<PresentedClaims>, TokenError> {
        let now = now_secs();
        {
            let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(claims) = recent.get(token) {
                if still_valid(claims, now) {
                    return Ok(Arc::clone(claims));
                }
                recent.pop(token);
                return Err(TokenError::Invalid);
            }
        }
        // Verified outside the lock: concurrent first uses of one token may both verify it.
        let claims = Arc::new(keys.verify(token)?);
        self.recent.lock().unwrap_or_else(PoisonError::into_inner).put(token.into(), Arc::clone(&claims));
        Ok(claims)
    }
}

/// As the verifier judges expiry (no leeway): valid through the second of `exp`.
fn still_valid(claims: &PresentedClaims, now: i64) -> bool {
    claims.exp.is_some_and(|exp| i64::try_from(exp).is_ok_and(|exp| exp >= now))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jsonwebtoken::{Algorithm, EncodingKey, Header};

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn sign(claims: serde_json::Value, secret: &[u8]) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret))
            .unwrap()
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let keys = JwtKeys::new(SECRET, Duration::from_secs(60));
        let tokens = VerifiedTokens::new(NonZeroUsize::new(8).unwrap());
        let now = now_secs();
        let token = sign(serde_json::json!({"sub": "0xab", "jti": "j", "exp": now + 1}), SECRET);
        let first = tokens.verify(&keys, &token).unwrap();
        assert_eq!((first.sub.as_deref(), first.jti.as_deref()), (Some("0xab"), Some("j")));
        assert!(Arc::ptr_eq(&first, &tokens.verify(&keys, &token).unwrap()), "the second use is a hit");
        // What a hit sees once the clock passes `exp`.
        assert!(still_valid(&first, now + 1));
        assert!(!still_valid(&first, now + 2));
    }

    #[test]
    fn only_the_same_text_hits() {
        let keys = JwtKeys::new(SECRET, Duration::from_secs(60));
        let tokens = VerifiedTokens::new(NonZeroUsize::new(8).unwrap());
        let now = now_secs();
        let good = sign(serde_json::json!({"sub": "0xab", "jti": "j", "exp": now + 60}), SECRET);
        tokens.verify(&keys, &good).unwrap();
        // Another payload under the remembered signature, and a token signed with another key.
        let (_, signature) = good.rsplit_once('.').unwrap();
        let forged_payload = sign(serde_json::json!({"sub": "0xcd", "jti": "j", "exp": now + 60}), SECRET);
        let (unsigned, _) = forged_payload.rsplit_once('.').unwrap();
        assert_eq!(
            tokens.verify(&keys, &format!("{unsigned}.{signature}")).unwrap_err(),
            TokenError::Invalid
        );
        let other_key = sign(
            serde_json::json!({"sub": "0xab", "jti": "j", "exp": now + 60}),
            b"another-secret-another-secret-00",
        );
        assert_eq!(tokens.verify(&keys, &other_key).unwrap_err(), TokenError::Invalid);
        let expired = sign(serde_json::json!({"sub": "0xab", "jti": "j", "exp": now - 1}), SECRET);
        assert_eq!(tokens.verify(&keys, &expired).unwrap_err(), TokenError::Invalid);
    }
}
