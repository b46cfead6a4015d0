//! `sector simulate`: a headless bots-only game. The bot AI plays every faction of the
//! registry (configured factions, then the League and rebels once they exist), one call
//! per tick on the state the tick starts from, until a faction wins or the tick limit.

use std::io::Write;

use anyhow::{Context, Result, bail};
use sector_ai::{Puppet, to_orders};
use sector_core::{Config, World, generator, hash, outcome, seed};
use serde::Serialize;

use crate::map_config::MapArgs;

/// Tick limit when `--ticks` is not given.
pub const DEFAULT_MAX_TICKS: u64 = 5000;

#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// Map seed: an integer literal (decimal, 0x…, 0o…, 0b…) or any other text (hashed).
    /// Without it a random 48-bit seed is drawn (and printed).
    #[arg(long)]
    pub seed: Option<String>,
    #[command(flatten)]
    pub map: MapArgs,
    /// Stop after this many ticks if nobody has won.
    #[arg(long, default_value_t = DEFAULT_MAX_TICKS)]
    pub ticks: u64,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A faction as reported in summaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactionLabel {
    pub id: String,
    pub name: String,
}

/// How one game ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GameSummary {
    pub seed: i64,
    pub systems: usize,
    /// Ticks processed.
    pub ticks: u64,
    pub max_ticks: u64,
    /// `None` when the tick limit ended the game.
    pub winner: Option<FactionLabel>,
    pub state_hash: String,
    /// Factions registered by the end (configured, League, rebels).
    pub factions: usize,
}

/// Checks a tick limit given on the command line.
pub fn check_ticks(ticks: u64) -> Result<()> {
    if ticks == 0 {
        bail!("--ticks must be at least 1");
    }
    Ok(())
}

/// Plays one game from generation to a winner or `max_ticks`.
pub fn play(config: &Config, effective_seed: i64, max_ticks: u64) -> Result<GameSummary> {
    let mut world = generator::generate(config, effective_seed)
        .with_context(|| format!("generating the map for seed {effective_seed}"))?;
    // One puppet per run: its goals, pins and random stream belong to this map.
    let mut puppet = Puppet::new(effective_seed, config);
    let mut winner = None;
    while world.tick < max_ticks {
        let orders = puppet.decide(&world);
        world.advance(&to_orders(&orders));
        winner = outcome::winner(&world);
        if winner.is_some() {
            break;
        }
    }
    Ok(GameSummary {
        seed: effective_seed,
        systems: world.systems.len(),
        ticks: world.tick,
        max_ticks,
        winner: winner.map(|w| label(&world, w)),
        state_hash: hash::state_hash(&world),
        factions: world.registry.len(),
    })
}

fn label(world: &World, faction: sector_core::FactionIdx) -> FactionLabel {
    FactionLabel { id: world.faction_id(faction).to_string(), name: world.faction_name(faction).to_string() }
}

/// A random 48-bit seed from OS entropy (std's hasher keys) mixed with the clock; only
/// used when no seed is given, and always printed so the game can be replayed.
fn random_seed() -> i64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    (hasher.finish() & seed::SEED_MASK) as i64
}

/// The effective seed of `--seed` (random when absent).
pub fn effective_seed(raw: Option<&str>) -> Result<i64> {
    match raw {
        None => Ok(random_seed()),
        Some(raw) => match seed::normalize_seed_str(raw) {
            Some(seed) => Ok(seed),
            None => {
                bail!("--seed {raw:?} is blank; give a number or a word, or leave it out for a random seed")
            }
        },
    }
}

pub fn run(args: &SimulateArgs) -> Result<()> {
    run_to(args, &mut std::io::stdout().lock())
}

/// [`run`] writing to `out`.
pub fn run_to(args: &SimulateArgs, out: &mut dyn Write) -> Result<()> {
    let config = args.map.load()?;
    check_ticks(args.ticks)?;
    let seed = effective_seed(args.seed.as_deref())?;
    let summary = play(&config, seed, args.ticks)?;
    if args.json {
        serde_json::to_writer(&mut *out, &summary)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "seed: {}", summary.seed)?;
    writeln!(out, "systems: {}", summary.systems)?;
    match &summary.winner {
        Some(w) => writeln!(out, "winner: {} ({})", w.id, w.name)?,
        None => writeln!(out, "winner: none (tick limit {} reached)", summary.max_ticks)?,
    }
    writeln!(out, "ticks: {}", summary.ticks)?;
    writeln!(out, "factions registered: {}", summary.factions)?;
    writeln!(out, "state hash: {}", summary.state_hash)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(seed: &str) -> SimulateArgs {
        SimulateArgs { seed: Some(seed.into()), map: MapArgs::default(), ticks: 1000, json: true }
    }

    #[test]
    fn golden_seed_10_ends_like_the_trace() {
        // game-seed-10 ends at tick 180 with F5 winning.
        let summary = play(&Config::default(), 10, 5000).unwrap();
        assert_eq!(summary.ticks, 180);
        assert_eq!(summary.winner.as_ref().map(|w| w.id.as_str()), Some("F5"));
        assert_eq!(summary.winner.map(|w| w.name), Some("Synths".to_string()));
    }

    #[test]
    fn same_seed_same_game() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        run_to(&args("0x2a"), &mut a).unwrap();
        run_to(&args("42"), &mut b).unwrap();
        assert_eq!(a, b);
        let json: serde_json::Value = serde_json::from_slice(&a).unwrap();
        assert_eq!(json["seed"], 42);
        assert_eq!(json["state_hash"].as_str().map(str::len), Some(64));
    }

    #[test]
    fn tick_limit_stops_without_winner() {
        let summary = play(&Config::default(), 10, 7).unwrap();
        assert_eq!((summary.ticks, summary.winner), (7, None));
    }

    #[test]
    fn bad_input_is_reported() {
        let mut out = Vec::new();
        let err =
            run_to(&SimulateArgs { map: MapArgs { systems: Some(0), config: None }, ..args("1") }, &mut out)
                .unwrap_err();
        assert!(err.to_string().contains("--systems"), "{err}");
        let err = run_to(&SimulateArgs { ticks: 0, ..args("1") }, &mut out).unwrap_err();
        assert!(err.to_string().contains("--ticks"), "{err}");
        let err = run_to(&args("   "), &mut out).unwrap_err();
        assert!(err.to_string().contains("blank"), "{err}");
        let err =
            run_to(&SimulateArgs { map: MapArgs { systems: Some(3), config: None }, ..args("1") }, &mut out)
                .unwrap_err();
        assert!(format!("{err:#}").contains("systems"), "{err:#}");
    }
}
