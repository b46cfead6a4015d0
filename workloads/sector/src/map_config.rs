//! The map options shared by the commands that generate worlds: size and tuning file.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use sector_core::Config;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct MapArgs {
    /// Number of systems (default: the configuration's, 30).
    #[arg(long)]
    pub systems: Option<usize>,
    /// A sim_config.json file with tuning values.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

impl MapArgs {
    /// The configuration from the file (or the shipped defaults), with the map size applied.
    pub fn load(&self) -> Result<Config> {
        let mut config = match &self.config {
            Some(path) => Config::from_file(path).with_context(|| format!("--config {}", path.display()))?,
            None => Config::default(),
        };
        if let Some(systems) = self.systems {
            if systems == 0 {
                bail!("--systems must be at least 1");
            }
            config.simulation.number_of_systems = systems;
            config.validate().context("--systems")?;
        }
        Ok(config)
    }
}
