//! HS256 session tokens (WIRE.md §8.3): claims `sub`, `iat`, `exp`, `jti`, in that order.
//!
//! A valid signature is not enough: every token's `jti` must also name a live server-side
//! session (checked by [`crate::auth`]), which is what makes logout (A5) and expiry real.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Claims of the tokens this API issues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedClaims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// Claims as read from a presented token: everything optional, so a missing `sub` or `jti`
/// is reported as bad claims rather than a bad token.
#[derive(Debug, Clone, Deserialize)]
pub struct PresentedClaims {
    pub sub: Option<String>,
    pub jti: Option<String>,
    pub iat: Option<i64>,
    /// Always present once verified (a required claim).
    pub exp: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Bad signature, algorithm, expiry, audience, or not a JWT at all.
    #[error("invalid token")]
    Invalid,
    #[error("cannot sign token: {0}")]
    Signing(String),
}

/// Signing and verification keys plus the token lifetime.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys").field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // No leeway, as the reference (PyJWT) had none; `exp` is required (all our tokens
        // carry one) and a token with an `aud` claim is refused because none is configured.
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_required_spec_claims(&["exp"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Signs a new token for `address` with session id `jti`.
    pub fn issue(&self, address: &str, jti: &str) -> Result<String, TokenError> {
        let iat = now_secs();
        let claims = IssuedClaims {
            sub: address.to_owned(),
            iat,
            exp: iat.saturating_add(self.ttl.as_secs() as i64),
            jti: jti.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError::Signing(e.to_string()))
    }

    /// Verifies signature, algorithm, `exp`, `nbf`, `aud` and that `iat` is not in the future.
    pub fn verify(&self, token: &str) -> Result<PresentedClaims, TokenError> {
        let data = jsonwebtoken::decode::<PresentedClaims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        if data.claims.iat.is_some_and(|iat| iat > now_secs()) {
            return Err(TokenError::Invalid);
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn sign(claims: serde_json::Value, secret: &[u8], alg: Algorithm) -> String {
        jsonwebtoken::encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret)).unwrap()
    }

    #[test]
    fn round_trip() {
        let keys = JwtKeys::new(SECRET, Duration::from_secs(60));
        let token = keys.issue("0xab", "j1").unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!((claims.sub.as_deref(), claims.jti.as_deref()), (Some("0xab"), Some("j1")));
    }

    #[test]
    fn rejections() {
        let keys = JwtKeys::new(SECRET, Duration::from_secs(60));
        let now = now_secs();
        let ok = serde_json::json!({"sub": "0xab", "iat": now, "exp": now + 60, "jti": "j"});
        assert!(keys.verify(&sign(ok.clone(), SECRET, Algorithm::HS256)).is_ok());
        assert_eq!(
            keys.verify(&sign(ok.clone(), b"another-secret-another-secret-00", Algorithm::HS256))
                .unwrap_err(),
            TokenError::Invalid
        );
        assert!(keys.verify(&sign(ok, SECRET, Algorithm::HS384)).is_err(), "HS256 only");
        let expired = serde_json::json!({"sub": "0xab", "exp": now - 1, "jti": "j"});
        assert!(keys.verify(&sign(expired, SECRET, Algorithm::HS256)).is_err());
        let no_exp = serde_json::json!({"sub": "0xab", "jti": "j"});
        assert!(keys.verify(&sign(no_exp, SECRET, Algorithm::HS256)).is_err());
        let future_iat = serde_json::json!({"sub": "0xab", "iat": now + 100, "exp": now + 600, "jti": "j"});
        assert!(keys.verify(&sign(future_iat, SECRET, Algorithm::HS256)).is_err());
        let aud = serde_json::json!({"sub": "0xab", "exp": now + 60, "jti": "j", "aud": "x"});
        assert!(keys.verify(&sign(aud, SECRET, Algorithm::HS256)).is_err());
        let nbf = serde_json::json!({"sub": "0xab", "exp": now + 60, "nbf": now + 30, "jti": "j"});
        assert!(keys.verify(&sign(nbf, SECRET, Algorithm::HS256)).is_err());
        let bad_iat = serde_json::json!({"sub": "0xab", "exp": now + 60, "iat": "soon", "jti": "j"});
        assert!(keys.verify(&sign(bad_iat, SECRET, Algorithm::HS256)).is_err());
        assert!(keys.verify("not.a.jwt").is_err());
        let no_sub = serde_json::json!({"exp": now + 60, "jti": "j"});
        let claims = keys.verify(&sign(no_sub, SECRET, Algorithm::HS256)).unwrap();
        assert!(claims.sub.is_none());
    }
}
