//! Lean deltas, for clients of the lean `/ws` protocols ([`crate::protocol`]): a delta carries
//! only what differs from the frame the client already holds, instead of re-sending every
//! per-tick list (the 30 event texts alone are most of a reference delta).
//!
//! A lean delta is built once per event by the hub, from its frame before the merge, and keeps
//! the original's `type`, `tick` and `event_id`. Merge rule (the client's, `ui/frame.js`):
//! a field that is absent is unchanged; `changed_systems` are shallow-merged by id and
//! `removed_fleets` dropped, as in the original; `changed_fleets` entries are merged field by
//! field by id (a known fleet lists only `id` and its changed fields, a new one every field);
//! `events`, when present, replaces the list, else `new_events` is appended and the list
//! trimmed to its last [`EVENTS_KEPT`]. The server sends `events` whenever that append would
//! not give the delta's list exactly, so the client never guesses.
//!
//! Every original delta is also a valid lean delta (all fields present), which is what a lean
//! client gets when the hub has no frame to diff against. Snapshot, `run_end` and resync
//! messages are the same in both protocols.

use std::collections::HashMap;

use sector_core::delta::{Delta, SystemChange};
use sector_core::snapshot::{SNAPSHOT_EVENTS, Snapshot, SnapshotFaction, SnapshotFleet};
use serde::{Deserialize, Serialize};

/// How many event texts a lean client keeps after appending `new_events`: the snapshot's window.
pub const EVENTS_KEPT: usize = SNAPSHOT_EVENTS;

#[derive(Serialize)]
struct LeanDelta<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    tick: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    tick_delay_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    generator_seed: Option<i64>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    changed_systems: &'a [SystemChange],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    removed_fleets: &'a [u64],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    changed_fleets: Vec<FleetChange<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    highlight_ids: Option<&'a [u32]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    factions: Option<&'a [SnapshotFaction]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<&'a [String]>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    new_events: &'a [String],
}

/// A fleet's `id` and the fields to set (`Some(None)` is a JSON null), in fleet field order.
#[derive(Debug, Default, Serialize)]
struct FleetChange<'a> {
    id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system_id: Option<Option<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    strength: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enroute_from: Option<Option<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enroute_to: Option<Option<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    eta: Option<i64>,
}

impl<'a> FleetChange<'a> {
    fn full(fleet: &'a SnapshotFleet) -> Self {
        Self {
            id: fleet.id,
            owner: Some(&fleet.owner),
            system_id: Some(fleet.system_id),
            strength: Some(fleet.strength),
            enroute_from: Some(fleet.enroute_from),
            enroute_to: Some(fleet.enroute_to),
            eta: Some(fleet.eta),
        }
    }

    /// The fields of `now` that differ from `before`; `None` when nothing does.
    fn between(before: &SnapshotFleet, now: &'a SnapshotFleet) -> Option<Self> {
        let change = Self {
            id: now.id,
            owner: (before.owner != now.owner).then_some(now.owner.as_str()),
            system_id: (before.system_id != now.system_id).then_some(now.system_id),
            strength: (before.strength != now.strength).then_some(now.strength),
            enroute_from: (before.enroute_from != now.enroute_from).then_some(now.enroute_from),
            enroute_to: (before.enroute_to != now.enroute_to).then_some(now.enroute_to),
            eta: (before.eta != now.eta).then_some(now.eta),
        };
        let unchanged = change.owner.is_none()
            && change.system_id.is_none()
            && change.strength.is_none()
            && change.enroute_from.is_none()
            && change.enroute_to.is_none()
            && change.eta.is_none();
        (!unchanged).then_some(change)
    }
}

#[derive(Deserialize)]
struct NewEvents {
    #[serde(default)]
    new_events: Option<Vec<String>>,
}

/// The sim's additive `new_events` of a delta's text (not part of [`Delta`]).
pub fn new_events(delta_json: &str) -> Option<Vec<String>> {
    serde_json::from_str::<NewEvents>(delta_json).ok()?.new_events
}

/// The lean form (JSON object text, without `event_id`) of `delta` for a client whose frame is
/// `frame`, the frame before the delta is merged.
pub fn delta_message(frame: &Snapshot, delta: &Delta, new_events: Option<&[String]>) -> String {
    let new_events = new_events.unwrap_or_default();
    let appended = appends_to(&frame.events, new_events, &delta.events);
    let message = LeanDelta {
        kind: "delta",
        tick: delta.tick,
        tick_delay_ms: (delta.tick_delay_ms != frame.tick_delay_ms).then_some(delta.tick_delay_ms),
        generator_seed: delta.generator_seed.filter(|seed| *seed != frame.generator_seed),
        changed_systems: &delta.changed_systems,
        removed_fleets: &delta.removed_fleets,
        changed_fleets: fleet_changes(frame, delta),
        highlight_ids: (delta.highlight_ids != frame.highlight_ids).then_some(delta.highlight_ids.as_slice()),
        factions: (delta.factions != frame.factions).then_some(delta.factions.as_slice()),
        events: (!appended).then_some(delta.events.as_slice()),
        new_events,
    };
    // Only strings, numbers and lists: serialization cannot fail.
    serde_json::to_string(&message).unwrap_or_default()
}

/// Whether appending `new` to `previous` and keeping the last [`EVENTS_KEPT`] gives `events`.
fn appends_to(previous: &[String], new: &[String], events: &[String]) -> bool {
    let total = previous.len() + new.len();
    let kept = total.min(EVENTS_KEPT);
    kept == events.len() && previous.iter().chain(new).skip(total - kept).eq(events)
}

/// New fleets in full; fleets the client has (and the delta does not remove first) as their
/// changed fields only, left out when none changed.
fn fleet_changes<'a>(frame: &Snapshot, delta: &'a Delta) -> Vec<FleetChange<'a>> {
    if delta.changed_fleets.is_empty() {
        return Vec::new();
    }
    let known: HashMap<u64, &SnapshotFleet> =
        frame.fleets.iter().filter(|f| !delta.removed_fleets.contains(&f.id)).map(|f| (f.id, f)).collect();
    delta
        .changed_fleets
        .iter()
        .filter_map(|fleet| match known.get(&fleet.id) {
            Some(before) => FleetChange::between(before, fleet),
            None => Some(FleetChange::full(fleet)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn fleet(id: u64, system: Option<u32>, strength: f64) -> SnapshotFleet {
        SnapshotFleet {
            id,
            owner: "F1".into(),
            system_id: system,
            strength,
            enroute_from: None,
            enroute_to: None,
            eta: 0,
        }
    }

    fn faction(id: &str) -> SnapshotFaction {
        SnapshotFaction { id: id.into(), name: id.into(), color: "#fff".into(), personality: None }
    }

    fn texts(range: std::ops::Range<usize>) -> Vec<String> {
        range.map(|i| format!("line {i}")).collect()
    }

    fn frame() -> Snapshot {
        Snapshot {
            tick_delay: 0.1,
            tick_delay_ms: 100,
            tick: 7,
            generator_seed: 42,
            systems: Vec::new(),
            lanes: Vec::new(),
            fleets: vec![fleet(1, Some(0), 10.0), fleet(2, Some(3), 5.0)],
            events: texts(0..30),
            highlight_ids: vec![3],
            ai_state: None,
            factions: vec![faction("F1"), faction("F2")],
            history_tail: Vec::new(),
            orders_applied: None,
        }
    }

    /// The delta the sim would send after `frame`, with nothing changed yet.
    fn quiet_delta(frame: &Snapshot) -> Delta {
        serde_json::from_value(json!({
            "type": "delta", "tick": frame.tick + 1, "tick_delay_ms": frame.tick_delay_ms,
            "highlight_ids": frame.highlight_ids, "events": frame.events, "factions": frame.factions,
        }))
        .unwrap()
    }

    fn lean(frame: &Snapshot, delta: &Delta, new_events: Option<&[String]>) -> Value {
        serde_json::from_str(&delta_message(frame, delta, new_events)).unwrap()
    }

    #[test]
    fn a_quiet_tick_is_only_its_type_and_tick() {
        let frame = frame();
        let message = lean(&frame, &quiet_delta(&frame), Some(&[]));
        assert_eq!(message, json!({"type": "delta", "tick": 8}));
    }

    #[test]
    fn new_events_replace_the_list_when_they_reproduce_it() {
        let frame = frame();
        let mut delta = quiet_delta(&frame);
        delta.events = texts(2..32);
        let new = texts(30..32);
        let message = lean(&frame, &delta, Some(&new));
        assert_eq!(message["new_events"], json!(new));
        assert!(message.get("events").is_none(), "{message}");

        // Under the window the list just grows.
        let mut short = frame.clone();
        short.events = texts(0..3);
        delta.events = texts(0..5);
        let message = lean(&short, &delta, Some(&texts(3..5)));
        assert_eq!((message.get("events"), &message["new_events"]), (None, &json!(texts(3..5))));
    }

    #[test]
    fn events_are_sent_in_full_when_appending_would_not_give_them() {
        let frame = frame();
        let mut delta = quiet_delta(&frame);
        delta.events = texts(2..32);
        // No `new_events` (an older sim): the client could not rebuild the list.
        let message = lean(&frame, &delta, None);
        assert_eq!(message["events"], json!(texts(2..32)));
        assert!(message.get("new_events").is_none());
        // `new_events` that do not continue the frame's list (e.g. the frame missed a tick).
        let message = lean(&frame, &delta, Some(&texts(31..32)));
        assert_eq!(
            (&message["events"], &message["new_events"]),
            (&json!(texts(2..32)), &json!(texts(31..32)))
        );
        // A list longer than the window the client keeps.
        let mut long = frame.clone();
        long.events = texts(0..40);
        let mut delta = quiet_delta(&long);
        delta.events = texts(0..40);
        assert_eq!(lean(&long, &delta, Some(&[]))["events"], json!(texts(0..40)));
        // Unchanged and no new lines: nothing to send.
        let delta = quiet_delta(&frame);
        assert!(lean(&frame, &delta, None).get("events").is_none());
    }

    #[test]
    fn known_fleets_carry_only_their_changed_fields_and_new_ones_every_field() {
        let frame = frame();
        let mut delta = quiet_delta(&frame);
        let mut moving = fleet(1, None, 10.0);
        moving.enroute_from = Some(0);
        moving.enroute_to = Some(4);
        moving.eta = 3;
        delta.changed_fleets = vec![moving, fleet(2, Some(3), 5.0), fleet(9, Some(4), 2.5)];
        let message = lean(&frame, &delta, None);
        assert_eq!(
            message["changed_fleets"],
            json!([
                {"id": 1, "system_id": null, "enroute_from": 0, "enroute_to": 4, "eta": 3},
                {"id": 9, "owner": "F1", "system_id": 4, "strength": 2.5, "enroute_from": null, "enroute_to": null, "eta": 0},
            ]),
            "fleet 2 did not change: left out"
        );
        // A fleet removed and re-added in the same delta is new to the client.
        delta.removed_fleets = vec![2];
        delta.changed_fleets = vec![fleet(2, Some(3), 5.0)];
        let message = lean(&frame, &delta, None);
        assert_eq!(message["removed_fleets"], json!([2]));
        assert_eq!(message["changed_fleets"][0]["owner"], "F1");
    }

    #[test]
    fn per_tick_lists_and_scalars_only_when_they_change() {
        let frame = frame();
        let mut delta = quiet_delta(&frame);
        delta.highlight_ids = vec![3, 5];
        delta.factions.push(faction("F3"));
        delta.tick_delay_ms = 250;
        delta.generator_seed = Some(42);
        let message = lean(&frame, &delta, None);
        assert_eq!(message["highlight_ids"], json!([3, 5]));
        assert_eq!(message["factions"].as_array().map(Vec::len), Some(3));
        assert_eq!(message["tick_delay_ms"], 250);
        assert!(message.get("generator_seed").is_none(), "the same seed is no change");
        delta.generator_seed = Some(43);
        delta.highlight_ids = Vec::new();
        let message = lean(&frame, &delta, None);
        assert_eq!((&message["generator_seed"], &message["highlight_ids"]), (&json!(43), &json!([])));
    }

    #[test]
    fn changed_systems_and_removed_fleets_pass_through() {
        let frame = frame();
        let delta: Delta = serde_json::from_value(json!({
            "type": "delta", "tick": 8, "tick_delay_ms": 100, "highlight_ids": [3],
            "events": frame.events, "factions": frame.factions,
            "changed_systems": [{"owner": "F2", "heat": 0.5, "id": 3}], "removed_fleets": [1],
        }))
        .unwrap();
        let text = delta_message(&frame, &delta, None);
        assert!(text.contains(r#""changed_systems":[{"owner":"F2","heat":0.5,"id":3}]"#), "{text}");
        assert!(text.contains(r#""removed_fleets":[1]"#), "{text}");
    }

    #[test]
    fn new_events_are_read_from_the_delta_text() {
        assert_eq!(new_events(r#"{"type":"delta","new_events":["a"],"tick":1}"#), Some(vec!["a".to_owned()]));
        assert_eq!(new_events(r#"{"type":"delta","tick":1}"#), None);
        assert_eq!(new_events("not json"), None);
    }
}
