//! The control hash (`{p}:control`): what the operator / API want and what the sim applied.
//!
//! Desired fields (written by the operator from the `SectorUniverse` spec, or by the API outside a
//! cluster): `paused`, `botsOnly`, `restartGeneration`, `restartSeed`. Status fields (written by
//! the sim, read back into the resource's status): `appliedRestartGeneration`, `run`, `tick`,
//! `phase`. A restart is requested by bumping `restartGeneration`; the sim restarts when it
//! exceeds `appliedRestartGeneration` and records the value it applied, so each bump acts once.
//!
//! Reading also honours the reference's per-universe flags (`{p}:pause:{u}`,
//! `{p}:bots_only:{u}`) and its one-shot `{p}:restart` key, so a reference-era API or a hand-set
//! key still works. The sim reads the restart key with [`ControlStore::peek_restart_request`]
//! and deletes it only in the fenced commit of the restart it causes
//! ([`crate::Commit::consume_restart_request`], compare-and-delete), so a worker that loses the
//! lease in between cannot lose the request.

use std::fmt;

use crate::error::{StoreError, StoreResult};

/// Hash field names.
pub mod field {
    pub const PAUSED: &str = "paused";
    pub const BOTS_ONLY: &str = "botsOnly";
    pub const RESTART_GENERATION: &str = "restartGeneration";
    pub const RESTART_SEED: &str = "restartSeed";
    pub const APPLIED_RESTART_GENERATION: &str = "appliedRestartGeneration";
    pub const RUN: &str = "run";
    pub const TICK: &str = "tick";
    pub const PHASE: &str = "phase";
}

/// The control state as the sim should obey it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Control {
    pub paused: bool,
    pub bots_only: bool,
    pub restart_generation: i64,
    pub restart_seed: Option<String>,
    pub status: SimStatus,
}

impl Control {
    /// A restart was requested that the sim has not applied yet.
    pub fn restart_pending(&self) -> bool {
        self.restart_generation > self.status.applied_restart_generation.unwrap_or(0)
    }
}

/// What the sim records about itself. `None` fields are left untouched when written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimStatus {
    pub applied_restart_generation: Option<i64>,
    pub run: Option<String>,
    pub tick: Option<u64>,
    pub phase: Option<SimPhase>,
}

/// The sim's coarse state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimPhase {
    Starting,
    /// Start gate: tick 0, no human claims, not bots-only.
    WaitingForPlayers,
    Running,
    Paused,
    Restarting,
    Stopped,
    /// A value written by a newer sim; kept verbatim rather than failing the whole read.
    Other(String),
}

impl SimPhase {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Starting => "starting",
            Self::WaitingForPlayers => "waitingForPlayers",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Restarting => "restarting",
            Self::Stopped => "stopped",
            Self::Other(s) => s,
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "starting" => Self::Starting,
            "waitingForPlayers" => Self::WaitingForPlayers,
            "running" => Self::Running,
            "paused" => Self::Paused,
            "restarting" => Self::Restarting,
            "stopped" => Self::Stopped,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for SimPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change to the desired fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControlPatch {
    pub paused: Option<bool>,
    pub bots_only: Option<bool>,
    pub restart_generation: Option<i64>,
    /// `Some(None)` removes the seed.
    pub restart_seed: Option<Option<String>>,
}

/// A restart request left in the reference's `{p}:restart` key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestartRequest {
    /// Universe id to switch to; `None`: increment.
    pub universe_id: Option<String>,
    /// World seed; `None`: random.
    pub seed: Option<String>,
}

/// A legacy restart request as read, not taken, from `{p}:restart`: the parsed request and the
/// raw value to hand to [`crate::Commit::consume_restart_request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyRestart {
    pub request: RestartRequest,
    pub raw: String,
}

impl LegacyRestart {
    /// `None` for an absent or empty value (not a request).
    pub(crate) fn from_raw(raw: Option<String>) -> Option<Self> {
        let raw = raw?;
        RestartRequest::parse(&raw).map(|request| Self { request, raw })
    }
}

impl RestartRequest {
    /// Parses the key's value like the reference (WIRE.md §7.2 step 2): a JSON object gives
    /// `universe_id` and `seed`; other valid JSON is the universe id in its Python string form;
    /// anything else is the raw universe id. `None` for an empty value.
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.is_empty() {
            return None;
        }
        let request = match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(serde_json::Value::Object(map)) => Self {
                universe_id: map.get("universe_id").and_then(python_str),
                seed: map.get("seed").and_then(python_str),
            },
            Ok(other) => Self { universe_id: python_str(&other), seed: None },
            Err(_) => Self { universe_id: Some(raw.to_owned()), seed: None },
        };
        Some(request)
    }
}

/// Python's `str()` of a JSON value, close enough for ids and seeds; `None` for null.
fn python_str(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(true) => Some("True".to_owned()),
        Value::Bool(false) => Some("False".to_owned()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// Booleans as WIRE.md §2.1 accepts them (`true/false`, `1/0`, `yes/no`, `on/off`, `t/f`, `y/n`).
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "off" | "f" | "n" | "" => Some(false),
        _ => None,
    }
}

fn bad_field(name: &str, value: &str) -> StoreError {
    StoreError::invalid(format!("control field {name}"), format!("unexpected value {value:?}"))
}

/// Decodes the hash's fields (unknown fields are ignored).
pub(crate) fn decode<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> StoreResult<Control> {
    let mut control = Control::default();
    for (name, value) in fields {
        match name {
            field::PAUSED => control.paused = parse_bool(value).ok_or_else(|| bad_field(name, value))?,
            field::BOTS_ONLY => {
                control.bots_only = parse_bool(value).ok_or_else(|| bad_field(name, value))?
            }
            field::RESTART_GENERATION => {
                control.restart_generation = value.trim().parse().map_err(|_| bad_field(name, value))?
            }
            field::RESTART_SEED => control.restart_seed = Some(value.to_owned()),
            field::APPLIED_RESTART_GENERATION => {
                control.status.applied_restart_generation =
                    Some(value.trim().parse().map_err(|_| bad_field(name, value))?)
            }
            field::RUN => control.status.run = Some(value.to_owned()),
            field::TICK => {
                control.status.tick = Some(value.trim().parse().map_err(|_| bad_field(name, value))?)
            }
            field::PHASE => control.status.phase = Some(SimPhase::parse(value)),
            _ => {}
        }
    }
    Ok(control)
}

fn encode_bool(value: bool) -> String {
    if value { "true" } else { "false" }.to_owned()
}

/// Fields a patch sets and fields it deletes.
pub(crate) fn patch_fields(patch: &ControlPatch) -> (Vec<(&'static str, String)>, Vec<&'static str>) {
    let mut set = Vec::new();
    let mut del = Vec::new();
    if let Some(v) = patch.paused {
        set.push((field::PAUSED, encode_bool(v)));
    }
    if let Some(v) = patch.bots_only {
        set.push((field::BOTS_ONLY, encode_bool(v)));
    }
    if let Some(v) = patch.restart_generation {
        set.push((field::RESTART_GENERATION, v.to_string()));
    }
    match &patch.restart_seed {
        Some(Some(seed)) => set.push((field::RESTART_SEED, seed.clone())),
        Some(None) => del.push(field::RESTART_SEED),
        None => {}
    }
    (set, del)
}

/// Fields a status write sets.
pub(crate) fn status_fields(status: &SimStatus) -> Vec<(&'static str, String)> {
    let mut set = Vec::new();
    if let Some(v) = status.applied_restart_generation {
        set.push((field::APPLIED_RESTART_GENERATION, v.to_string()));
    }
    if let Some(v) = &status.run {
        set.push((field::RUN, v.clone()));
    }
    if let Some(v) = status.tick {
        set.push((field::TICK, v.to_string()));
    }
    if let Some(v) = &status.phase {
        set.push((field::PHASE, v.as_str().to_owned()));
    }
    set
}

pub trait ControlStore {
    /// The control state for `universe`: the hash, with the legacy per-universe pause and
    /// bots-only flags OR-ed in.
    fn control(&self, universe: &str) -> impl Future<Output = StoreResult<Control>> + Send;

    /// Writes desired fields (operator / API).
    fn update_control(&self, patch: &ControlPatch) -> impl Future<Output = StoreResult<()>> + Send;

    /// Writes the sim's status fields (also possible inside a [`crate::Commit`]).
    fn record_status(&self, status: &SimStatus) -> impl Future<Output = StoreResult<()>> + Send;

    /// Takes (reads and deletes in one step) a legacy restart request, if one is waiting. Not
    /// fenced: the sim uses [`Self::peek_restart_request`] and consumes the request in its
    /// restart's commit instead.
    fn take_restart_request(&self) -> impl Future<Output = StoreResult<Option<RestartRequest>>> + Send;

    /// Reads a waiting legacy restart request without deleting it (an empty value is no
    /// request). Delete it with [`crate::Commit::consume_restart_request`].
    fn peek_restart_request(&self) -> impl Future<Output = StoreResult<Option<LegacyRestart>>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_request_forms() {
        let obj = RestartRequest::parse(r#"{"universe_id": "9", "seed": "abc"}"#);
        assert_eq!(obj, Some(RestartRequest { universe_id: Some("9".into()), seed: Some("abc".into()) }));
        let no_id = RestartRequest::parse(r#"{"seed": null}"#);
        assert_eq!(no_id, Some(RestartRequest { universe_id: None, seed: None }));
        let num_id = RestartRequest::parse(r#"{"universe_id": 12, "seed": 5}"#);
        assert_eq!(num_id, Some(RestartRequest { universe_id: Some("12".into()), seed: Some("5".into()) }));
        assert_eq!(
            RestartRequest::parse("7"),
            Some(RestartRequest { universe_id: Some("7".into()), seed: None })
        );
        assert_eq!(
            RestartRequest::parse("run-x"),
            Some(RestartRequest { universe_id: Some("run-x".into()), seed: None })
        );
        assert_eq!(RestartRequest::parse(""), None);
    }

    #[test]
    fn decode_and_encode() {
        let control = decode([
            ("paused", "yes"),
            ("botsOnly", "0"),
            ("restartGeneration", "3"),
            ("appliedRestartGeneration", "2"),
            ("run", "5"),
            ("tick", "120"),
            ("phase", "running"),
            ("unknown", "x"),
        ]);
        let control = match control {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert!(control.paused && !control.bots_only && control.restart_pending());
        assert_eq!(control.status.phase, Some(SimPhase::Running));
        assert_eq!(control.status.tick, Some(120));
        assert!(decode([("paused", "maybe")]).is_err());
        assert!(decode([("restartGeneration", "x")]).is_err());
        let (set, del) = patch_fields(&ControlPatch {
            paused: Some(true),
            restart_seed: Some(None),
            ..ControlPatch::default()
        });
        assert_eq!(set, vec![("paused", "true".to_owned())]);
        assert_eq!(del, vec!["restartSeed"]);
        assert_eq!(SimPhase::parse("future"), SimPhase::Other("future".into()));
    }
}
