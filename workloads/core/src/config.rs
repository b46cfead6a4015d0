//! Tuning configuration (GAME_RULES.md §1.1), loadable from a `sim_config.json` file.
//!
//! Every field has the shipped value as its default, so a partial file only overrides what
//! it names. Validation follows the reference: numeric tuning values positive,
//! `lanes_per_system >= 2`, personality traits in [0, 1], template names non-empty.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading config file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("parsing config JSON: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("invalid config: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub simulation: SimulationConfig,
    pub world: WorldConfig,
    pub overextension: OverextensionConfig,
    pub economy: EconomyConfig,
    pub league: LeagueConfig,
    pub battle: BattleConfig,
    pub special_systems: SpecialSystems,
    pub faction_name_list: Vec<String>,
    pub use_faction_count: bool,
    /// Default map seed; `null` means a fresh random seed per run. Any JSON value is
    /// accepted and normalized like the reference (GAME_RULES.md §4.1).
    pub sector_seed: Option<serde_json::Value>,
    /// Faction templates in listed order (the file's key order is kept).
    pub factions: FactionTemplates,
    pub colonizer_reserve_strength: f64,
    pub colonizer_strength_per_order: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulationConfig {
    pub number_of_systems: usize,
    pub lanes_per_system: usize,
    pub minimum_system_distance: f64,
    pub maximum_lane_length: f64,
    pub maximum_placement_attempts: usize,
    pub faction_count: usize,
    pub attempts_per_tick: u32,
    pub tick_delay: f64,
    pub minimum_launch_strength: f64,
    pub damage_factor: f64,
    pub frontline_origin_bonus: f64,
    pub goal_path_bonus: f64,
    pub stagnation_ticks: u64,
    pub max_reach_hops: u32,
    pub rally_min_strength: f64,
    pub rally_max_orders: usize,
    pub max_dynamic_factions: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorldConfig {
    pub rebellion_stability_threshold: f64,
    pub rebellion_chance: f64,
    pub new_faction_chance: f64,
    pub upkeep_idle: f64,
    pub travel_ticks: i64,
    pub build_rate: f64,
    pub build_cost: f64,
    pub new_fleet_strength: f64,
    pub repair_rate: f64,
    pub league_faction_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OverextensionConfig {
    pub threshold: usize,
    pub risk_per_extra_system: f64,
    pub economy_penalty_per_extra_system: f64,
    pub colonizer_order_penalty_per_extra_system: f64,
    pub colonizer_reserve_per_system: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EconomyConfig {
    pub maturity_ticks: i64,
    pub maturity_minimum_factor: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LeagueConfig {
    pub tech_bonus: f64,
    pub militia_strength: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BattleConfig {
    pub capture_ticks: i64,
    pub minimum_capture_strength: f64,
    pub garrison_maximum_strength: f64,
    pub garrison_regeneration_per_tick: f64,
    pub auto_win_ratio: f64,
    pub defender_minimum_remaining: f64,
    pub defender_garrison_soak_factor: f64,
}

/// Number of special systems of each kind. All three keys are required when the map is
/// given (the reference fails start-up otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialSystems {
    pub relic: usize,
    pub forge: usize,
    pub hive: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Personality {
    pub aggression: f64,
    pub expansionism: f64,
    pub greed: f64,
    pub caution: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactionTemplate {
    pub name: String,
    #[serde(default)]
    pub base_attempts: u32,
    pub personality: Personality,
    /// Optional explicit colour (`#rrggbb`); the shipped schema has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// Templates keyed by id, in the order the file lists them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FactionTemplates(pub Vec<(String, FactionTemplate)>);

impl Serialize for FactionTemplates {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, template) in &self.0 {
            map.serialize_entry(key, template)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for FactionTemplates {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = FactionTemplates;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of faction id to faction template")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, FactionTemplate)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, FactionTemplate>()? {
                    // JSON objects keep the last duplicate key, as Python's json does.
                    entries.retain(|(k, _)| *k != key);
                    entries.push((key, value));
                }
                Ok(FactionTemplates(entries))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

impl Default for SimulationConfig {
    fn default() -> Self {
        SimulationConfig {
            number_of_systems: 30,
            lanes_per_system: 3,
            minimum_system_distance: 0.05,
            maximum_lane_length: 0.30,
            maximum_placement_attempts: 40,
            faction_count: 5,
            attempts_per_tick: 4,
            tick_delay: 0.3,
            minimum_launch_strength: 3.0,
            damage_factor: 0.35,
            frontline_origin_bonus: 0.6,
            goal_path_bonus: 0.8,
            stagnation_ticks: 10,
            max_reach_hops: 8,
            rally_min_strength: 10.0,
            rally_max_orders: 3,
            max_dynamic_factions: 6,
        }
    }
}

impl Default for WorldConfig {
    fn default() -> Self {
        WorldConfig {
            rebellion_stability_threshold: 0.08,
            rebellion_chance: 0.25,
            new_faction_chance: 0.2,
            upkeep_idle: 0.01,
            travel_ticks: 2,
            build_rate: 0.005,
            build_cost: 5.0,
            new_fleet_strength: 5.0,
            repair_rate: 0.02,
            league_faction_id: "L".to_string(),
        }
    }
}

impl Default for OverextensionConfig {
    fn default() -> Self {
        OverextensionConfig {
            threshold: 15,
            risk_per_extra_system: 0.08,
            economy_penalty_per_extra_system: 0.04,
            colonizer_order_penalty_per_extra_system: 0.1,
            colonizer_reserve_per_system: 1.5,
        }
    }
}

impl Default for EconomyConfig {
    fn default() -> Self {
        EconomyConfig { maturity_ticks: 15, maturity_minimum_factor: 0.2 }
    }
}

impl Default for LeagueConfig {
    fn default() -> Self {
        LeagueConfig { tech_bonus: 0.3, militia_strength: 6.0 }
    }
}

impl Default for BattleConfig {
    fn default() -> Self {
        BattleConfig {
            capture_ticks: 3,
            minimum_capture_strength: 3.0,
            garrison_maximum_strength: 3.0,
            garrison_regeneration_per_tick: 0.1,
            auto_win_ratio: 8.0,
            defender_minimum_remaining: 3.0,
            defender_garrison_soak_factor: 0.8,
        }
    }
}

impl Default for SpecialSystems {
    fn default() -> Self {
        SpecialSystems { relic: 2, forge: 2, hive: 1 }
    }
}

fn template(name: &str, base_attempts: u32, traits: [f64; 4]) -> FactionTemplate {
    FactionTemplate {
        name: name.to_string(),
        base_attempts,
        personality: Personality {
            aggression: traits[0],
            expansionism: traits[1],
            greed: traits[2],
            caution: traits[3],
        },
        color: None,
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            simulation: SimulationConfig::default(),
            world: WorldConfig::default(),
            overextension: OverextensionConfig::default(),
            economy: EconomyConfig::default(),
            league: LeagueConfig::default(),
            battle: BattleConfig::default(),
            special_systems: SpecialSystems::default(),
            faction_name_list: ["Empire", "Pirates", "Traders", "Mercenaries", "Synths"]
                .map(String::from)
                .to_vec(),
            use_faction_count: true,
            sector_seed: None,
            factions: FactionTemplates(vec![
                ("E".into(), template("Empire", 4, [0.8, 0.7, 0.6, 0.3])),
                ("P".into(), template("Pirates", 3, [0.9, 0.4, 0.8, 0.1])),
                ("T".into(), template("Traders", 2, [0.3, 0.5, 0.9, 0.6])),
                ("M".into(), template("Mercenaries", 3, [0.6, 0.6, 0.7, 0.4])),
                ("S".into(), template("Synths", 3, [0.7, 0.4, 0.5, 0.2])),
            ]),
            colonizer_reserve_strength: 6.0,
            colonizer_strength_per_order: 3.0,
        }
    }
}

/// A configured ("major") faction as it enters the registry at run start (§2.1).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfiguredFaction {
    pub id: String,
    pub name: String,
    pub color: Option<String>,
    pub personality: Personality,
}

impl Config {
    pub fn from_json_str(text: &str) -> Result<Self, ConfigError> {
        let config: Config = serde_json::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    pub fn from_file(path: &std::path::Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Io { path: path.display().to_string(), source })?;
        Self::from_json_str(&text)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |msg: String| Err(ConfigError::Invalid(msg));
        let s = &self.simulation;
        let positive: [(&str, f64); 44] = [
            ("simulation.number_of_systems", s.number_of_systems as f64),
            ("simulation.lanes_per_system", s.lanes_per_system as f64),
            ("simulation.minimum_system_distance", s.minimum_system_distance),
            ("simulation.maximum_lane_length", s.maximum_lane_length),
            ("simulation.maximum_placement_attempts", s.maximum_placement_attempts as f64),
            ("simulation.faction_count", s.faction_count as f64),
            ("simulation.attempts_per_tick", f64::from(s.attempts_per_tick)),
            ("simulation.tick_delay", s.tick_delay),
            ("simulation.minimum_launch_strength", s.minimum_launch_strength),
            ("simulation.damage_factor", s.damage_factor),
            ("simulation.frontline_origin_bonus", s.frontline_origin_bonus),
            ("simulation.goal_path_bonus", s.goal_path_bonus),
            ("simulation.stagnation_ticks", s.stagnation_ticks as f64),
            ("simulation.max_reach_hops", f64::from(s.max_reach_hops)),
            ("simulation.rally_min_strength", s.rally_min_strength),
            ("simulation.rally_max_orders", s.rally_max_orders as f64),
            ("simulation.max_dynamic_factions", s.max_dynamic_factions as f64),
            ("world.rebellion_stability_threshold", self.world.rebellion_stability_threshold),
            ("world.rebellion_chance", self.world.rebellion_chance),
            ("world.new_faction_chance", self.world.new_faction_chance),
            ("world.upkeep_idle", self.world.upkeep_idle),
            ("world.travel_ticks", self.world.travel_ticks as f64),
            ("world.build_rate", self.world.build_rate),
            ("world.build_cost", self.world.build_cost),
            ("world.new_fleet_strength", self.world.new_fleet_strength),
            ("world.repair_rate", self.world.repair_rate),
            ("overextension.threshold", self.overextension.threshold as f64),
            ("overextension.risk_per_extra_system", self.overextension.risk_per_extra_system),
            (
                "overextension.economy_penalty_per_extra_system",
                self.overextension.economy_penalty_per_extra_system,
            ),
            (
                "overextension.colonizer_order_penalty_per_extra_system",
                self.overextension.colonizer_order_penalty_per_extra_system,
            ),
            ("overextension.colonizer_reserve_per_system", self.overextension.colonizer_reserve_per_system),
            ("economy.maturity_ticks", self.economy.maturity_ticks as f64),
            ("economy.maturity_minimum_factor", self.economy.maturity_minimum_factor),
            ("league.tech_bonus", self.league.tech_bonus),
            ("league.militia_strength", self.league.militia_strength),
            ("battle.minimum_capture_strength", self.battle.minimum_capture_strength),
            ("battle.garrison_maximum_strength", self.battle.garrison_maximum_strength),
            ("battle.auto_win_ratio", self.battle.auto_win_ratio),
            ("battle.defender_minimum_remaining", self.battle.defender_minimum_remaining),
            ("battle.capture_ticks", self.battle.capture_ticks as f64),
            ("battle.garrison_regeneration_per_tick", self.battle.garrison_regeneration_per_tick),
            ("battle.defender_garrison_soak_factor", self.battle.defender_garrison_soak_factor),
            ("colonizer_reserve_strength", self.colonizer_reserve_strength),
            ("colonizer_strength_per_order", self.colonizer_strength_per_order),
        ];
        for (name, value) in positive {
            if value.is_nan() || value <= 0.0 || value.is_infinite() {
                return invalid(format!("{name} must be a positive number, got {value}"));
            }
        }
        if s.lanes_per_system < 2 {
            return invalid(format!("simulation.lanes_per_system must be >= 2, got {}", s.lanes_per_system));
        }
        if self.world.league_faction_id.is_empty() {
            return invalid("world.league_faction_id must not be empty".into());
        }
        for (id, template) in &self.factions.0 {
            if template.name.trim().is_empty() {
                return invalid(format!("faction template {id:?} needs a non-empty name"));
            }
            let p = template.personality;
            for (trait_name, v) in [
                ("aggression", p.aggression),
                ("expansionism", p.expansionism),
                ("greed", p.greed),
                ("caution", p.caution),
            ] {
                if !(0.0..=1.0).contains(&v) {
                    return invalid(format!(
                        "faction template {id:?}: {trait_name} must be in [0, 1], got {v}"
                    ));
                }
            }
        }
        let factions = self.configured_factions()?;
        if factions.len() > s.number_of_systems {
            return invalid(format!(
                "{} factions need at least as many systems, got {}",
                factions.len(),
                s.number_of_systems
            ));
        }
        Ok(())
    }

    /// The configured factions in registry order (§2.1).
    pub fn configured_factions(&self) -> Result<Vec<ConfiguredFaction>, ConfigError> {
        if self.factions.0.is_empty() {
            return Err(ConfigError::Invalid("at least one faction template is required".into()));
        }
        if self.use_faction_count {
            let count = self.simulation.faction_count;
            if self.faction_name_list.len() < count {
                return Err(ConfigError::Invalid(format!(
                    "faction_name_list has {} names but faction_count is {count}",
                    self.faction_name_list.len()
                )));
            }
            Ok((0..count)
                .map(|i| {
                    let (_, template) = &self.factions.0[i % self.factions.0.len()];
                    ConfiguredFaction {
                        id: format!("F{}", i + 1),
                        name: self.faction_name_list[i].clone(),
                        color: template.color.clone(),
                        personality: template.personality,
                    }
                })
                .collect())
        } else {
            Ok(self
                .factions
                .0
                .iter()
                .map(|(id, template)| ConfiguredFaction {
                    id: id.clone(),
                    name: template.name.clone(),
                    color: template.color.clone(),
                    personality: template.personality,
                })
                .collect())
        }
    }

    /// Names of the templates, used to check duplicates in tests and tooling.
    pub fn template_ids(&self) -> BTreeMap<&str, &FactionTemplate> {
        self.factions.0.iter().map(|(k, v)| (k.as_str(), v)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_shipped_values() {
        let config = Config::default();
        config.validate().unwrap();
        let factions = config.configured_factions().unwrap();
        let ids: Vec<_> = factions.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["F1", "F2", "F3", "F4", "F5"]);
        assert_eq!(factions[2].name, "Traders");
        assert_eq!(factions[1].personality.aggression, 0.9);
    }

    #[test]
    fn partial_file_overrides_only_named_values() {
        let config = Config::from_json_str(
            r#"{"simulation": {"number_of_systems": 50}, "world": {"travel_ticks": 3}}"#,
        )
        .unwrap();
        assert_eq!(config.simulation.number_of_systems, 50);
        assert_eq!(config.simulation.lanes_per_system, 3);
        assert_eq!(config.world.travel_ticks, 3);
    }

    #[test]
    fn rejects_bad_values_with_a_message() {
        let err = Config::from_json_str(r#"{"simulation": {"lanes_per_system": 1}}"#).unwrap_err();
        assert!(err.to_string().contains("lanes_per_system"), "{err}");
        let err = Config::from_json_str(r#"{"world": {"build_cost": 0}}"#).unwrap_err();
        assert!(err.to_string().contains("build_cost"), "{err}");
        // Every numeric tuning value must be positive, as the reference required.
        for (json, key) in [
            (r#"{"battle": {"capture_ticks": 0}}"#, "battle.capture_ticks"),
            (
                r#"{"battle": {"defender_garrison_soak_factor": -0.5}}"#,
                "battle.defender_garrison_soak_factor",
            ),
            (
                r#"{"overextension": {"colonizer_reserve_per_system": 0}}"#,
                "overextension.colonizer_reserve_per_system",
            ),
            (r#"{"colonizer_strength_per_order": 0}"#, "colonizer_strength_per_order"),
        ] {
            let err = Config::from_json_str(json).unwrap_err();
            assert!(err.to_string().contains(key), "{json}: {err}");
        }
        let err = Config::from_json_str(r#"{"simulation": {"faction_count": 9}}"#).unwrap_err();
        assert!(err.to_string().contains("faction_name_list"), "{err}");
        let err = Config::from_json_str(r#"{"bogus": 1}"#).unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");
    }

    #[test]
    fn template_order_is_kept_without_faction_count() {
        let config = Config::from_json_str(
            r#"{"use_faction_count": false, "factions": {
                "Z": {"name": "Zed", "personality": {"aggression": 0.1, "expansionism": 0.2, "greed": 0.3, "caution": 0.4}},
                "A": {"name": "Ay", "personality": {"aggression": 0.5, "expansionism": 0.5, "greed": 0.5, "caution": 0.5}}}}"#,
        )
        .unwrap();
        let ids: Vec<_> = config.configured_factions().unwrap().into_iter().map(|f| f.id).collect();
        assert_eq!(ids, ["Z", "A"]);
    }
}
