//! Control hash in memory. There are no legacy writers in one process, so only the hash counts
//! and no restart request is ever waiting.

use super::MemoryStore;
use crate::control::{
    Control, ControlPatch, ControlStore, RestartRequest, SimStatus, decode, patch_fields, status_fields,
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
        Ok(None)
    }
}
