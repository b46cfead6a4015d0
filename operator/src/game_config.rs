//! The game config (`sim_config.json`) of a universe, built from `spec.world`: the shipped
//! defaults with the map size and faction count set. Every workload reads the same file, so the
//! API's claimable factions and the sim's registry agree.

use sector_core::Config;

use crate::crd::WorldSpec;

/// Names of configured factions beyond the five the default config lists.
const EXTRA_FACTION_NAMES: &[&str] =
    &["Hegemony", "Syndicate", "Covenant", "Dominion", "Collective", "Horde", "Concord"];

/// The config for `world`, validated as the workloads will validate it at start-up.
pub fn game_config(world: &WorldSpec) -> Result<Config, sector_core::config::ConfigError> {
    let mut config = Config::default();
    config.simulation.number_of_systems = usize::try_from(world.systems()).unwrap_or(0);
    let factions = usize::try_from(world.factions()).unwrap_or(0);
    config.simulation.faction_count = factions;
    for name in EXTRA_FACTION_NAMES {
        if config.faction_name_list.len() >= factions {
            break;
        }
        config.faction_name_list.push((*name).to_owned());
    }
    // The pace is the sim's `TICK_MS` (it publishes it to clients), not part of this file, so a
    // pace change restarts only the sim.
    config.validate()?;
    Ok(config)
}

/// The file's JSON text (pretty, stable key order: the struct's field order).
pub fn game_config_json(config: &Config) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_settings_reach_the_config() {
        let world = WorldSpec { systems: Some(40), factions: Some(8), ..WorldSpec::default() };
        let config = game_config(&world).unwrap();
        assert_eq!(config.simulation.number_of_systems, 40);
        let factions = config.configured_factions().unwrap();
        assert_eq!(factions.len(), 8);
        assert_eq!(factions[7].name, "Covenant");
        let text = game_config_json(&config).unwrap();
        assert_eq!(Config::from_json_str(&text).unwrap(), config);
    }

    #[test]
    fn an_impossible_map_is_refused() {
        let world = WorldSpec { systems: Some(6), factions: Some(12), ..WorldSpec::default() };
        let err = game_config(&world).unwrap_err().to_string();
        assert!(err.contains("12 factions need at least as many systems, got 6"), "{err}");
    }
}
