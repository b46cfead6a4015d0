//! The current full frame the hub maintains: the latest snapshot with every later delta merged
//! in (WIRE.md §5.2 client merge rule), and its serialized forms, built once per change and
//! shared by every client that needs a full frame.

use std::sync::OnceLock;

use axum::extract::ws::Utf8Bytes;
use sector_core::delta::Delta;
use sector_core::snapshot::Snapshot;
use sector_store::EntryId;

use crate::payload::Payload;

pub struct Frame {
    snapshot: Snapshot,
    /// The last event reflected in the frame (`None`: none yet, e.g. read from the stored
    /// snapshot of an empty stream).
    as_of: Option<EntryId>,
    bare: OnceLock<Payload>,
    resync: OnceLock<Payload>,
}

impl Frame {
    pub fn new(snapshot: Snapshot, as_of: Option<EntryId>) -> Self {
        Self { snapshot, as_of, bare: OnceLock::new(), resync: OnceLock::new() }
    }

    pub fn tick(&self) -> u64 {
        self.snapshot.tick
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Merges a delta (the event `id`) into the frame.
    pub fn apply(&mut self, delta: &Delta, id: EntryId) -> Result<(), serde_json::Error> {
        self.snapshot.apply_delta(delta)?;
        self.as_of = Some(id);
        self.bare = OnceLock::new();
        self.resync = OnceLock::new();
        Ok(())
    }

    /// Records that events up to `id` (none of which changes the frame) were seen.
    pub fn advance_to(&mut self, id: EntryId) {
        if self.as_of != Some(id) {
            self.as_of = Some(id);
            self.bare = OnceLock::new();
            self.resync = OnceLock::new();
        }
    }

    /// The reference's first `/ws` message: the bare snapshot (no `type`), plus the additive
    /// `event_id` a client resumes after.
    pub fn bare_message(&self) -> Payload {
        self.bare
            .get_or_init(|| Payload::new(with_event_id(&snapshot_json(&self.snapshot), self.as_of, "")))
            .clone()
    }

    /// A `snapshot` event marked `"resync": true`: sent to a client that fell behind or whose
    /// resume point is gone, replacing its frame.
    pub fn resync_message(&self) -> Payload {
        self.resync
            .get_or_init(|| {
                let event = format!("{{\"type\":\"snapshot\",\"data\":{}}}", snapshot_json(&self.snapshot));
                Payload::new(with_event_id(&event, self.as_of, ",\"resync\":true"))
            })
            .clone()
    }
}

fn snapshot_json(snapshot: &Snapshot) -> String {
    // A snapshot holds only strings, numbers and lists: serialization cannot fail.
    serde_json::to_string(snapshot).unwrap_or_else(|_| "{}".to_owned())
}

/// `object` (JSON object text) with `"event_id":…` and `extra` appended before its closing brace.
pub fn with_event_id(object: &str, id: Option<EntryId>, extra: &str) -> Utf8Bytes {
    let body = object.trim_end();
    let body = body.strip_suffix('}').unwrap_or(body);
    let separator = if body.trim_end().ends_with('{') { "" } else { "," };
    let id = match id {
        Some(id) => format!("\"{id}\""),
        None => "null".to_owned(),
    };
    Utf8Bytes::from(format!("{body}{separator}\"event_id\":{id}{extra}}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_id_is_appended_to_any_object() {
        let id = Some(EntryId::new(5, 1));
        assert_eq!(with_event_id("{\"a\":1}", id, "").as_str(), "{\"a\":1,\"event_id\":\"5-1\"}");
        assert_eq!(with_event_id("{}", None, ",\"x\":2").as_str(), "{\"event_id\":null,\"x\":2}");
        let parsed: serde_json::Value =
            serde_json::from_str(with_event_id("{\"t\":[1]} ", id, "").as_str()).unwrap();
        assert_eq!(parsed["event_id"], "5-1");
    }
}
