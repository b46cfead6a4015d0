//! An in-memory append-only stream with Redis-shaped ids (`<ms>-<seq>`, strictly increasing).

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::stream::{EntryId, StreamEntry};

#[derive(Debug, Default)]
pub(super) struct MemStream {
    entries: BTreeMap<EntryId, String>,
    /// Last id handed out (kept after trimming, like Redis's last-generated-id).
    last_id: EntryId,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl MemStream {
    /// Appends with the next id: the wall-clock millisecond, or the last id's successor if the
    /// clock has not moved past it (as Redis does).
    pub(super) fn append(&mut self, data: &str) -> EntryId {
        let now = now_ms();
        let id = if now > self.last_id.ms { EntryId::new(now, 0) } else { self.last_id.next() };
        self.last_id = id;
        self.entries.insert(id, data.to_owned());
        id
    }

    pub(super) fn last_generated(&self) -> EntryId {
        self.last_id
    }

    pub(super) fn last(&self) -> Option<EntryId> {
        self.entries.keys().next_back().copied()
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn get(&self, id: EntryId) -> Option<&String> {
        self.entries.get(&id)
    }

    /// Up to `count` entries with id > `after`, oldest first.
    pub(super) fn after(&self, after: EntryId, count: usize) -> Vec<StreamEntry> {
        use std::ops::Bound::{Excluded, Unbounded};
        self.entries
            .range((Excluded(after), Unbounded))
            .take(count)
            .map(|(id, data)| StreamEntry { id: *id, data: Some(data.clone()) })
            .collect()
    }

    /// The last `count` entries, oldest first.
    pub(super) fn latest(&self, count: usize) -> Vec<StreamEntry> {
        let mut out: Vec<_> = self
            .entries
            .iter()
            .rev()
            .take(count)
            .map(|(id, data)| StreamEntry { id: *id, data: Some(data.clone()) })
            .collect();
        out.reverse();
        out
    }

    /// Keeps the newest `max_len` entries.
    pub(super) fn trim_to(&mut self, max_len: usize) {
        while self.entries.len() > max_len {
            self.entries.pop_first();
        }
    }

    /// Removes one entry (XDEL); whether it was there.
    pub(super) fn remove(&mut self, id: EntryId) -> bool {
        self.entries.remove(&id).is_some()
    }

    /// Drops entries with id < `floor`.
    pub(super) fn trim_before(&mut self, floor: EntryId) {
        self.entries = self.entries.split_off(&floor);
    }
}
