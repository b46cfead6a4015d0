//! `sector preview`: the generated world's snapshot JSON for a seed.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use sector_core::{Config, generator, seed};

#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    /// Map seed: an integer literal (decimal, 0x…, 0o…, 0b…) or any other text (hashed).
    #[arg(long)]
    pub seed: String,
    /// Number of systems (default: the configuration's, 30).
    #[arg(long)]
    pub systems: Option<usize>,
    /// A sim_config.json file with tuning values.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// Loads the configuration from a file (or the shipped defaults) with an optional map size.
pub fn load_config(path: Option<&std::path::Path>, systems: Option<usize>) -> Result<Config> {
    let mut config = match path {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    if let Some(systems) = systems {
        if systems == 0 {
            bail!("--systems must be at least 1");
        }
        config.simulation.number_of_systems = systems;
        config.validate().context("--systems")?;
    }
    Ok(config)
}

pub fn run(args: &PreviewArgs, out: &mut dyn std::io::Write) -> Result<()> {
    let config = load_config(args.config.as_deref(), args.systems)?;
    let Some(effective) = seed::normalize_seed_str(&args.seed) else {
        bail!("--seed {:?} is blank; give a number or a word", args.seed);
    };
    let world = generator::generate(&config, effective)?;
    serde_json::to_writer(&mut *out, &world.snapshot())?;
    writeln!(out)?;
    Ok(())
}
