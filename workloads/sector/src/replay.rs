//! `sector replay`: re-runs a universe's applied-orders log (from Redis or an exported file)
//! and prints the state hash per tick, proving a live run reproducible.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use sector_core::generator;
use sector_sim::{SimState, TickRecord};
use sector_store::{CommitStore, Keys, UniverseStore};
use serde::{Deserialize, Serialize};

use crate::map_config::MapArgs;

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Where the log comes from: a `redis://` URL (the universe's live log) or a file
    /// written by `--export` (one JSON object per line).
    #[arg(long)]
    pub orders_from: String,
    /// The run's effective map seed; defaults to the seed recorded at the run's start.
    #[arg(long)]
    pub seed: Option<String>,
    /// The universe (run) id to read from Redis; defaults to the current one.
    #[arg(long)]
    pub universe: Option<String>,
    /// Key prefix in Redis.
    #[arg(long, default_value = sector_store::DEFAULT_PREFIX)]
    pub prefix: String,
    /// The map size and tuning file the run was generated with.
    #[command(flatten)]
    pub map: MapArgs,
    /// Also write the log read from Redis to this file (replayable offline).
    #[arg(long)]
    pub export: Option<PathBuf>,
}

/// One line of an exported log.
#[derive(Debug, Serialize, Deserialize)]
pub struct ExportedRecord {
    pub tick: u64,
    pub record: TickRecord,
}

const PAGE: usize = 1000;

async fn read_redis(url: &str, args: &ReplayArgs) -> Result<(Vec<ExportedRecord>, Option<(u64, String)>)> {
    let store = sector_store::RedisStore::connect(url, Keys::new(args.prefix.clone()))
        .await
        .with_context(|| format!("connecting to {url}"))?;
    let universe = match &args.universe {
        Some(universe) => universe.clone(),
        None => store.universe_id().await.context("reading the current universe id")?,
    };
    let mut records = Vec::new();
    let mut after = None;
    loop {
        let page =
            store.applied_after(&universe, after, PAGE).await.context("reading the applied-orders log")?;
        let done = page.len() < PAGE;
        for applied in page {
            let record = TickRecord::from_json(&applied.orders_json)
                .with_context(|| format!("applied-orders record of tick {}", applied.tick))?;
            after = Some(applied.tick);
            records.push(ExportedRecord { tick: applied.tick, record });
        }
        if done {
            break;
        }
    }
    if records.is_empty() {
        bail!("universe {universe} has no applied-orders log under prefix {:?}", args.prefix);
    }
    // The saved state, when it belongs to this run, is checked against the replay.
    let saved = store.saved_state().await.context("reading the saved state")?;
    let saved = match saved {
        Some(saved) if saved.universe == universe => {
            let state = SimState::decode(&saved.data).context("decoding the saved state")?;
            Some((saved.tick, state.state_hash()))
        }
        _ => None,
    };
    Ok((records, saved))
}

fn read_file(path: &std::path::Path) -> Result<Vec<ExportedRecord>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut records = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {} line {}", path.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        records.push(
            serde_json::from_str(&line)
                .with_context(|| format!("parsing {} line {}", path.display(), i + 1))?,
        );
    }
    Ok(records)
}

fn write_export(path: &std::path::Path, records: &[ExportedRecord]) -> Result<()> {
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    for record in records {
        serde_json::to_writer(&mut file, record)?;
        writeln!(file)?;
    }
    file.flush()?;
    Ok(())
}

/// Replays the records and writes `tick <t> <hash>` lines; returns the final hash.
pub fn replay_records(
    config: &sector_core::Config,
    seed: i64,
    records: &[ExportedRecord],
    out: &mut dyn Write,
) -> Result<String> {
    let mut state = SimState::new(generator::generate(config, seed)?);
    writeln!(out, "tick 0 {}", state.state_hash())?;
    for exported in records.iter().filter(|r| r.tick > 0) {
        if exported.tick != state.world.tick + 1 {
            bail!("the log jumps from tick {} to tick {}", state.world.tick, exported.tick);
        }
        if !state.replay(&exported.record) {
            bail!("tick {}: the route book produced other orders than the log records", exported.tick);
        }
        writeln!(out, "tick {} {}", exported.tick, state.state_hash())?;
    }
    Ok(state.state_hash())
}

pub fn run(args: &ReplayArgs, out: &mut dyn Write) -> Result<()> {
    let config = args.map.load()?;
    let from_redis = args.orders_from.starts_with("redis://") || args.orders_from.starts_with("rediss://");
    let (records, saved) = if from_redis {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(read_redis(&args.orders_from, args))?
    } else {
        if args.export.is_some() {
            bail!("--export copies a log read from Redis; --orders-from is already a file");
        }
        (read_file(std::path::Path::new(&args.orders_from))?, None)
    };
    if let Some(path) = &args.export {
        write_export(path, &records)?;
    }
    let recorded_seed = records.iter().find(|r| r.tick == 0).and_then(|r| r.record.seed);
    let seed = match (&args.seed, recorded_seed) {
        (Some(raw), recorded) => {
            let seed = sector_core::seed::normalize_seed_str(raw)
                .with_context(|| format!("--seed {raw:?} is blank; give a number or a word"))?;
            if let Some(recorded) = recorded
                && recorded != seed
            {
                bail!("--seed gives {seed} but the log's run started from seed {recorded}");
            }
            seed
        }
        (None, Some(recorded)) => recorded,
        (None, None) => bail!("the log has no run-start record with the seed; pass --seed"),
    };
    let last = replay_records(&config, seed, &records, out)?;
    if let Some((tick, hash)) = saved {
        let replayed_to = records.iter().map(|r| r.tick).max().unwrap_or(0);
        if tick == replayed_to {
            if hash != last {
                bail!("the saved state of tick {tick} has hash {hash}, the replay gives {last}");
            }
            writeln!(out, "saved state of tick {tick} matches the replay")?;
        }
    }
    Ok(())
}
