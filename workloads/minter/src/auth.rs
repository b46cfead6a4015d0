//! `POST /mint` authentication: `Authorization: Bearer <MINTER_API_KEY>` (scheme
//! case-insensitive, key trimmed; WIRE.md §11's messages). The key is compared in constant time
//! (over SHA-256 digests, so neither content nor length leaks through timing).

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::Secret;
use crate::error::HttpError;

/// Checks the request's credentials against `key` (`None`: authentication is switched off).
pub fn check(headers: &HeaderMap, key: Option<&Secret>) -> Result<(), HttpError> {
    let Some(key) = key else { return Ok(()) };
    let value = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let presented = match value.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => value[7..].trim(),
        _ => return Err(HttpError::Unauthorized("missing authorization")),
    };
    let matches: bool =
        Sha256::digest(presented.as_bytes()).ct_eq(&Sha256::digest(key.expose().as_bytes())).into();
    if matches { Ok(()) } else { Err(HttpError::Unauthorized("invalid authorization")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, value.parse().unwrap());
        h
    }

    fn message(result: Result<(), HttpError>) -> Option<String> {
        result.err().map(|e| e.to_string())
    }

    #[test]
    fn bearer_keys() {
        let key = Secret::new("k3y");
        assert_eq!(message(check(&headers("Bearer k3y"), Some(&key))), None);
        assert_eq!(message(check(&headers("bEaReR   k3y  "), Some(&key))), None);
        assert_eq!(
            message(check(&headers("Bearer k3y2"), Some(&key))).as_deref(),
            Some("invalid authorization")
        );
        assert_eq!(message(check(&headers("Bearer "), Some(&key))).as_deref(), Some("invalid authorization"));
        assert_eq!(message(check(&headers("Bearer"), Some(&key))).as_deref(), Some("missing authorization"));
        assert_eq!(
            message(check(&headers("Basic k3y"), Some(&key))).as_deref(),
            Some("missing authorization")
        );
        assert_eq!(message(check(&HeaderMap::new(), Some(&key))).as_deref(), Some("missing authorization"));
        assert_eq!(message(check(&HeaderMap::new(), None)), None, "switched off");
    }
}
