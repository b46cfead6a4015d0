//! `sector preview`: the generated world's snapshot JSON for a seed.

use anyhow::{Result, bail};
use sector_core::{generator, seed};

use crate::map_config::MapArgs;

#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    /// Map seed: an integer literal (decimal, 0x…, 0o…, 0b…) or any other text (hashed).
    #[arg(long)]
    pub seed: String,
    #[command(flatten)]
    pub map: MapArgs,
}

pub fn run(args: &PreviewArgs, out: &mut dyn std::io::Write) -> Result<()> {
    let config = args.map.load()?;
    let Some(effective) = seed::normalize_seed_str(&args.seed) else {
        bail!("--seed {:?} is blank; give a number or a word", args.seed);
    };
    let world = generator::generate(&config, effective)?;
    serde_json::to_writer(&mut *out, &world.snapshot())?;
    writeln!(out)?;
    Ok(())
}
