//! `SectorUniverse` status: what the operator observed, written only by the operator (status
//! subresource). A human reads `phase` and `message`; tools read the conditions.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Observed state of a universe.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SectorUniverseStatus {
    /// Pending, Running, Paused, Resetting or Degraded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,

    /// Why the universe is in its phase, in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,

    /// The metadata.generation this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,

    /// Ready, RedisReady, SimulationRunning, Paused and Degraded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,

    /// Id of the current run (the universe id in Redis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,

    /// Last tick the simulation reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick: Option<i64>,

    /// Map seed of the current run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,

    /// Factions held by human players in the current run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub human_factions: Vec<String>,

    /// Bot autoscaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_replicas: Option<BotReplicas>,

    /// The last spec.restartGeneration the simulation applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_restart_generation: Option<i64>,

    /// Where players reach the universe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,

    /// Winner of the last run that ended with one (`Name (id)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_winner: Option<String>,
}

/// Desired and current bot replicas.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BotReplicas {
    /// Replicas the autoscaler asks for (after the scale-down stabilization window).
    pub desired: i32,
    /// Replicas the bot Deployment reports.
    pub current: i32,
    /// Registry factions no human holds (League and rebels included).
    pub bot_played_factions: i32,
}

/// Coarse state of a universe.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum Phase {
    /// Being created: Redis or the simulation are not up yet.
    Pending,
    /// The simulation runs (or waits for the first player).
    Running,
    /// The simulation is paused (spec.paused).
    Paused,
    /// A restartGeneration bump is being applied.
    Resetting,
    /// Something is wrong: see the Degraded condition.
    Degraded,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Paused => "Paused",
            Self::Resetting => "Resetting",
            Self::Degraded => "Degraded",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
