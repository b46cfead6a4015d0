//! Lease on Redis: `{p}:lease` = `{token}:{holder}` with PX ttl, tokens from `{p}:lease:token`.

use std::time::Duration;

use ::redis::cmd;

use super::RedisStore;
use super::scripts::{LEASE_ACQUIRE, LEASE_RELEASE, LEASE_RENEW};
use crate::error::StoreResult;
use crate::lease::{Lease, LeaseStore};
use crate::validate::{non_empty, ttl_ms};

impl LeaseStore for RedisStore {
    async fn acquire_lease(&self, holder: &str, ttl: Duration) -> StoreResult<Option<Lease>> {
        let holder = non_empty(holder, "lease holder")?;
        let ms = ttl_ms(ttl, "lease ttl")?;
        let mut inv = LEASE_ACQUIRE.prepare_invoke();
        inv.key(self.keys.lease()).key(self.keys.lease_token()).arg(holder).arg(ms);
        let token: Option<u64> = self.invoke(&inv).await?;
        if let Some(token) = token {
            tracing::info!(holder, token, "lease acquired");
        }
        Ok(token.map(|token| Lease { holder: holder.to_owned(), token }))
    }

    async fn renew_lease(&self, lease: &Lease, ttl: Duration) -> StoreResult<()> {
        let ms = ttl_ms(ttl, "lease ttl")?;
        let mut inv = LEASE_RENEW.prepare_invoke();
        inv.key(self.keys.lease()).arg(lease.value()).arg(ms);
        let renewed: i64 = self.invoke_retry(&inv).await?;
        if renewed == 1 {
            Ok(())
        } else {
            tracing::warn!(holder = lease.holder, token = lease.token, "lease lost");
            Err(lease.fenced())
        }
    }

    async fn release_lease(&self, lease: &Lease) -> StoreResult<bool> {
        let mut inv = LEASE_RELEASE.prepare_invoke();
        inv.key(self.keys.lease()).arg(lease.value());
        let deleted: i64 = self.invoke(&inv).await?;
        Ok(deleted == 1)
    }

    async fn lease_holder(&self) -> StoreResult<Option<Lease>> {
        let value: Option<String> = self.query_retry(cmd("GET").arg(self.keys.lease())).await?;
        Ok(value.map(|v| Lease::parse(&v)))
    }
}
