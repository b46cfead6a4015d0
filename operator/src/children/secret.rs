//! The universe's Secret: generated credentials (JWT secret, bot token, Redis password, minter
//! API key). Values
//! are generated once and then read back from the Secret on every reconcile, so they are stable.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;

use super::Inputs;
use super::meta::universe_meta;
use crate::names::{BOT_TOKEN_KEY, JWT_SECRET_KEY, MINTER_API_KEY_KEY, REDIS_PASSWORD_KEY};

/// The universe's generated credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub jwt_secret: String,
    pub bot_token: String,
    /// Hex, so it needs no escaping inside a `redis://` URL.
    pub redis_password: String,
    /// Guards the minter's `POST /mint`.
    pub minter_api_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(***)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("no randomness for generated credentials: {0}")]
pub struct RandomError(String);

impl Credentials {
    /// The values in `existing` (the Secret's data), generating any that are missing or unusable.
    pub fn from_existing_or_generate(existing: Option<&Secret>) -> Result<Self, RandomError> {
        let data = existing.and_then(|s| s.data.as_ref());
        let read = |key: &str, min_len: usize| -> Option<String> {
            let bytes = data?.get(key)?;
            let text = String::from_utf8(bytes.0.clone()).ok()?;
            (text.len() >= min_len).then_some(text)
        };
        Ok(Self {
            jwt_secret: read(JWT_SECRET_KEY, 32).map_or_else(|| random_hex(32), Ok)?,
            bot_token: read(BOT_TOKEN_KEY, 16).map_or_else(|| random_hex(24), Ok)?,
            redis_password: read(REDIS_PASSWORD_KEY, 16)
                .filter(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
                .map_or_else(|| random_hex(24), Ok)?,
            minter_api_key: read(MINTER_API_KEY_KEY, 16).map_or_else(|| random_hex(24), Ok)?,
        })
    }
}

/// `bytes` random bytes as lower-case hex.
fn random_hex(bytes: usize) -> Result<String, RandomError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| RandomError(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn secret(i: &Inputs) -> Secret {
    let c = i.credentials;
    let data = BTreeMap::from([
        (JWT_SECRET_KEY.to_owned(), ByteString(c.jwt_secret.clone().into_bytes())),
        (BOT_TOKEN_KEY.to_owned(), ByteString(c.bot_token.clone().into_bytes())),
        (REDIS_PASSWORD_KEY.to_owned(), ByteString(c.redis_password.clone().into_bytes())),
        (MINTER_API_KEY_KEY.to_owned(), ByteString(c.minter_api_key.clone().into_bytes())),
    ]);
    Secret {
        metadata: universe_meta(i, i.names().secret()),
        type_: Some("Opaque".to_owned()),
        data: Some(data),
        ..Secret::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_values_are_kept_and_missing_ones_generated() {
        let fresh = Credentials::from_existing_or_generate(None).unwrap();
        assert_eq!(fresh.jwt_secret.len(), 64);
        assert!(fresh.redis_password.bytes().all(|b| b.is_ascii_hexdigit()));
        let other = Credentials::from_existing_or_generate(None).unwrap();
        assert_ne!(fresh.jwt_secret, other.jwt_secret);

        let mut data = BTreeMap::new();
        data.insert(JWT_SECRET_KEY.to_owned(), ByteString(fresh.jwt_secret.clone().into_bytes()));
        data.insert(REDIS_PASSWORD_KEY.to_owned(), ByteString(b"not hex, so replaced!!".to_vec()));
        let existing = Secret { data: Some(data), ..Secret::default() };
        let kept = Credentials::from_existing_or_generate(Some(&existing)).unwrap();
        assert_eq!(kept.jwt_secret, fresh.jwt_secret);
        assert_eq!(kept.bot_token.len(), 48);
        assert!(kept.redis_password.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(format!("{kept:?}"), "Credentials(***)");
    }
}
