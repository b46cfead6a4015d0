//! Control hash on Redis, plus the reference's legacy keys.

use std::collections::HashMap;

use ::redis::{cmd, pipe};

use super::RedisStore;
use crate::control::{
    Control, ControlPatch, ControlStore, LegacyRestart, RestartRequest, SimStatus, decode, patch_fields,
    status_fields,
};
use crate::error::StoreResult;

impl ControlStore for RedisStore {
    async fn control(&self, universe: &str) -> StoreResult<Control> {
        let (fields, pause, bots_only): (HashMap<String, String>, Option<String>, Option<String>) = self
            .query_pipe_retry(
                pipe()
                    .cmd("HGETALL")
                    .arg(self.keys.control())
                    .cmd("GET")
                    .arg(self.keys.legacy_pause(universe))
                    .cmd("GET")
                    .arg(self.keys.legacy_bots_only(universe)),
            )
            .await?;
        let mut control = decode(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        // Legacy flags: present and non-empty means set (WIRE.md §3).
        control.paused |= pause.is_some_and(|v| !v.is_empty());
        control.bots_only |= bots_only.is_some_and(|v| !v.is_empty());
        Ok(control)
    }

    async fn update_control(&self, patch: &ControlPatch) -> StoreResult<()> {
        let (set, del) = patch_fields(patch);
        let key = self.keys.control();
        let mut p = pipe();
        p.atomic();
        if !set.is_empty() {
            p.cmd("HSET").arg(&key);
            for (name, value) in &set {
                p.arg(*name).arg(value);
            }
            p.ignore();
        }
        for name in del {
            p.cmd("HDEL").arg(&key).arg(name).ignore();
        }
        self.query_pipe::<()>(&p).await?;
        tracing::info!(?patch, "control updated");
        Ok(())
    }

    async fn record_status(&self, status: &SimStatus) -> StoreResult<()> {
        let set = status_fields(status);
        if set.is_empty() {
            return Ok(());
        }
        let mut c = cmd("HSET");
        c.arg(self.keys.control());
        for (name, value) in &set {
            c.arg(*name).arg(value);
        }
        self.query::<()>(&c).await
    }

    async fn take_restart_request(&self) -> StoreResult<Option<RestartRequest>> {
        let raw: Option<String> = self.query(cmd("GETDEL").arg(self.keys.legacy_restart())).await?;
        let request = raw.as_deref().and_then(RestartRequest::parse);
        if let Some(request) = &request {
            tracing::info!(?request, "legacy restart request taken");
        }
        Ok(request)
    }

    async fn peek_restart_request(&self) -> StoreResult<Option<LegacyRestart>> {
        let raw: Option<String> = self.query_retry(cmd("GET").arg(self.keys.legacy_restart())).await?;
        Ok(LegacyRestart::from_raw(raw))
    }
}

#[cfg(feature = "testing")]
impl crate::testing::LegacyKeys for RedisStore {
    async fn set_legacy_restart(&self, raw: &str) -> StoreResult<()> {
        self.query(cmd("SET").arg(self.keys.legacy_restart()).arg(raw)).await
    }
}
