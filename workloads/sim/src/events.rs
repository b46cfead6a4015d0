//! Event-stream messages (WIRE.md §5) as JSON text: `snapshot`, `delta` and `run_end`.

use sector_core::delta::Delta;
use sector_core::snapshot::Snapshot;
use serde::Serialize;

#[derive(Serialize)]
struct SnapshotEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    data: &'a Snapshot,
}

#[derive(Serialize)]
struct RunEndEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    winner: Option<&'a str>,
    winner_label: &'a str,
    tick: u64,
}

/// `{"type": "snapshot", "data": <Snapshot>}` (§5.1).
pub fn snapshot_event(snapshot: &Snapshot) -> String {
    // Snapshots hold only strings, numbers and lists: serialization cannot fail.
    serde_json::to_string(&SnapshotEvent { kind: "snapshot", data: snapshot }).unwrap_or_default()
}

/// A delta plus the texts its tick logged (`new_events`, additive to WIRE.md §5.2: the delta's
/// `events` repeats the last 30, so clients could not tell which lines are new, KNOWN_DEFECTS G2).
#[derive(Serialize)]
struct TickDelta<'a> {
    #[serde(flatten)]
    delta: Delta,
    new_events: &'a [String],
}

/// The tick's event: a delta against the previous published frame, or a `snapshot` event when
/// there is none (§5.1, §5.2).
pub fn tick_event(prev: Option<&Snapshot>, curr: &Snapshot, new_events: &[String]) -> String {
    match prev {
        Some(prev) => serde_json::to_string(&TickDelta { delta: Delta::between(prev, curr), new_events })
            .unwrap_or_default(),
        None => snapshot_event(curr),
    }
}

/// `{"type": "run_end", "winner", "winner_label", "tick"}` (§5.3): the winner's id and label
/// (its name), or null and `"none"` for a restart without winner.
pub fn run_end_event(winner: Option<(&str, &str)>, tick: u64) -> String {
    let (winner, winner_label) = match winner {
        Some((id, label)) => (Some(id), label),
        None => (None, "none"),
    };
    serde_json::to_string(&RunEndEvent { kind: "run_end", winner, winner_label, tick }).unwrap_or_default()
}

/// The snapshot JSON text (snapshot hash `data`).
pub fn snapshot_json(snapshot: &Snapshot) -> String {
    serde_json::to_string(snapshot).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sector_core::{Config, generator};

    #[test]
    fn shapes() {
        assert_eq!(
            run_end_event(None, 12),
            r#"{"type":"run_end","winner":null,"winner_label":"none","tick":12}"#
        );
        assert_eq!(
            run_end_event(Some(("F1", "Empire")), 3),
            r#"{"type":"run_end","winner":"F1","winner_label":"Empire","tick":3}"#
        );
        let mut config = Config::default();
        config.simulation.number_of_systems = 10;
        let world = generator::generate(&config, 1).unwrap();
        let snap = world.snapshot();
        assert!(snapshot_event(&snap).starts_with(r#"{"type":"snapshot","data":{"tick_delay":"#));
        assert!(tick_event(None, &snap, &[]).starts_with(r#"{"type":"snapshot""#));
        let lines = ["F1 captured #3".to_owned()];
        let delta: serde_json::Value = serde_json::from_str(&tick_event(Some(&snap), &snap, &lines)).unwrap();
        assert_eq!(delta["type"], "delta");
        assert_eq!(delta["new_events"], serde_json::json!(["F1 captured #3"]));
        let typed: Delta = serde_json::from_value(delta).unwrap();
        assert_eq!(typed, Delta::between(&snap, &snap), "the additive field leaves the delta intact");
    }
}
