//! Nonces and sessions on Redis.

use std::time::Duration;

use ::redis::cmd;

use super::RedisStore;
use super::scripts::{SESSION_CREATE, SESSION_REVOKE, SESSION_REVOKE_ALL};
use crate::error::StoreResult;
use crate::sessions::SessionStore;
use crate::validate::{address as check_address, jti as check_jti, ttl_ms};

impl SessionStore for RedisStore {
    async fn put_nonce(&self, address: &str, nonce: &str, ttl: Duration) -> StoreResult<()> {
        let address = check_address(address)?;
        let ms = ttl_ms(ttl, "nonce ttl")?;
        self.query::<()>(cmd("SET").arg(self.keys.nonce(&address)).arg(nonce).arg("PX").arg(ms)).await
    }

    async fn take_nonce(&self, address: &str) -> StoreResult<Option<String>> {
        let address = check_address(address)?;
        self.query(cmd("GETDEL").arg(self.keys.nonce(&address))).await
    }

    async fn create_session(&self, jti: &str, address: &str, ttl: Duration) -> StoreResult<()> {
        let jti = check_jti(jti)?;
        let address = check_address(address)?;
        let ms = ttl_ms(ttl, "session ttl")?;
        let mut inv = SESSION_CREATE.prepare_invoke();
        inv.key(self.keys.session(jti))
            .key(self.keys.address_sessions(&address))
            .arg(&address)
            .arg(jti)
            .arg(ms);
        self.invoke::<()>(&inv).await
    }

    async fn session_address(&self, jti: &str) -> StoreResult<Option<String>> {
        let jti = check_jti(jti)?;
        self.query_retry(cmd("GET").arg(self.keys.session(jti))).await
    }

    async fn revoke_session(&self, jti: &str) -> StoreResult<bool> {
        let jti = check_jti(jti)?;
        let mut inv = SESSION_REVOKE.prepare_invoke();
        inv.key(self.keys.session(jti)).arg(jti).arg(self.keys.address_sessions(""));
        let revoked: i64 = self.invoke(&inv).await?;
        Ok(revoked == 1)
    }

    async fn revoke_address_sessions(&self, address: &str) -> StoreResult<u64> {
        let address = check_address(address)?;
        let mut inv = SESSION_REVOKE_ALL.prepare_invoke();
        inv.key(self.keys.address_sessions(&address)).arg(format!("{}:", self.keys.session_prefix()));
        let revoked: u64 = self.invoke(&inv).await?;
        tracing::info!(address, revoked, "sessions revoked");
        Ok(revoked)
    }
}
