//! Control hash in memory. There are no legacy writers in one process, so only the hash counts;
//! the legacy restart key exists (for the fenced commit's compare-and-delete to behave as on
//! Redis) but only tests write it (`testing::LegacyKeys`).

use super::MemoryStore;
use crate::control::{
    Control, ControlPatch, ControlStore, LegacyRestart, RestartRequest, SimStatus, decode, patch_fields,
    status_fields,
};
use crate::error::StoreResult;

impl ControlStore for MemoryStore {
    async fn control(&self, _universe: &str) -> StoreResult<Control> {
        let state = self.lock();
        decode(state.control.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    async fn update_control(&self, patch: &ControlPatch) -> StoreResult<()> {
        let (set, del) = patch_fields(patch);
        {
            let mut state = self.lock();
            for (name, value) in set {
                state.control.insert(name.to_owned(), value);
            }
            for name in del {
                state.control.remove(name);
            }
        }
        tracing::info!(?patch, "control updated");
        Ok(())
    }

    async fn record_status(&self, status: &SimStatus) -> StoreResult<()> {
        let mut state = self.lock();
        for (name, value) in status_fields(status) {
            state.control.insert(name.to_owned(), value);
        }
        Ok(())
    }

    async fn take_restart_request(&self) -> StoreResult<Option<RestartRequest>> {
        let raw = self.lock().legacy_restart.take();
        Ok(raw.as_deref().and_then(RestartRequest::parse))
    }

    async fn peek_restart_request(&self) -> StoreResult<Option<LegacyRestart>> {
        Ok(LegacyRestart::from_raw(self.lock().legacy_restart.clone()))
    }
}

#[cfg(feature = "testing")]
impl crate::testing::LegacyKeys for MemoryStore {
    async fn set_legacy_restart(&self, raw: &str) -> StoreResult<()> {
        self.lock().legacy_restart = Some(raw.to_owned());
        Ok(())
    }
}
