//! Bot membership on Redis: a sorted set scored by expiry (server clock).

use std::time::Duration;

use ::redis::cmd;

use super::RedisStore;
use super::scripts::{MEMBERS_HEARTBEAT, MEMBERS_LIVE};
use crate::error::StoreResult;
use crate::members::MemberStore;
use crate::validate::{non_empty, ttl_ms};

impl MemberStore for RedisStore {
    async fn heartbeat(&self, member: &str, ttl: Duration) -> StoreResult<()> {
        let member = non_empty(member, "member")?;
        let ms = ttl_ms(ttl, "member ttl")?;
        let mut inv = MEMBERS_HEARTBEAT.prepare_invoke();
        inv.key(self.keys.bot_members()).arg(member).arg(ms);
        self.invoke::<()>(&inv).await
    }

    async fn live_members(&self) -> StoreResult<Vec<String>> {
        let mut inv = MEMBERS_LIVE.prepare_invoke();
        inv.key(self.keys.bot_members());
        let mut members: Vec<String> = self.invoke_retry(&inv).await?;
        members.sort();
        Ok(members)
    }

    async fn leave(&self, member: &str) -> StoreResult<()> {
        self.query::<()>(cmd("ZREM").arg(self.keys.bot_members()).arg(member)).await
    }
}
