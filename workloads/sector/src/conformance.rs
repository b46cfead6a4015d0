//! `sector conformance DIR`: replays the golden traces and reports the first mismatch.

use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use flate2::read::GzDecoder;
use sector_core::trace::{Mismatch, compare_state, first_difference, order_from_trace};
use sector_core::{Config, Order, World, generator, outcome, seed};
use serde_json::{Value, json};

/// What kind of trace a file holds, from its name (tests/golden/README.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceKind {
    Generator,
    Rules,
    Chaos,
    Game,
}

impl TraceKind {
    pub fn of(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?;
        let stem = name.strip_suffix(".jsonl.gz")?;
        if stem == "generator" {
            Some(TraceKind::Generator)
        } else if stem.starts_with("rules-") {
            Some(TraceKind::Rules)
        } else if stem.starts_with("chaos-") {
            Some(TraceKind::Chaos)
        } else if stem.starts_with("game-") {
            Some(TraceKind::Game)
        } else {
            None
        }
    }
}

/// Where a replay first departed from the trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Divergence {
    /// Trace line (0 = the generated world).
    pub line: usize,
    pub tick: u64,
    pub mismatch: Mismatch,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {} tick {}: {}", self.line, self.tick, self.mismatch)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileReport {
    pub path: PathBuf,
    pub kind: TraceKind,
    /// Ticks (or generated worlds, for the generator trace) replayed and matched.
    pub ticks: u64,
    pub divergence: Option<Divergence>,
}

/// Trace files in `dir` that the runner understands, sorted by name.
pub fn trace_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading trace directory {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| TraceKind::of(path).is_some())
        .collect();
    files.sort();
    Ok(files)
}

fn read_lines(path: &Path) -> Result<Vec<Value>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut lines = Vec::new();
    for (i, line) in BufReader::new(GzDecoder::new(file)).lines().enumerate() {
        let line = line.with_context(|| format!("reading {} line {i}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        lines.push(
            serde_json::from_str(&line).with_context(|| format!("parsing {} line {i}", path.display()))?,
        );
    }
    Ok(lines)
}

fn seed_of(line0: &Value) -> Result<i64> {
    match line0.get("seed") {
        Some(Value::String(raw)) => {
            seed::normalize_seed_str(raw).with_context(|| format!("trace seed {raw:?} normalizes to no seed"))
        }
        Some(value) => {
            seed::normalize_seed_json(value).with_context(|| format!("trace seed {value} is not usable"))
        }
        None => bail!("trace line 0 has no seed"),
    }
}

fn generate_and_compare(line0: &Value, config: &Config) -> Result<(World, Option<Mismatch>)> {
    let world = generator::generate(config, seed_of(line0)?)?;
    let expected = line0.get("state").context("trace line 0 has no state")?;
    let mismatch = compare_state(expected, &world);
    Ok((world, mismatch))
}

/// Supplies each tick's bot orders for game traces.
pub trait BotPlayer {
    fn orders(&mut self, world: &World) -> Vec<Order>;
}

/// Makes a fresh bot player for a generated world (one per run, as the sim does).
pub type BotFactory<'a> = &'a dyn Fn(&World) -> Box<dyn BotPlayer>;

/// Replays one trace file.
pub fn replay_file(path: &Path, config: &Config, bots: Option<BotFactory>) -> Result<FileReport> {
    let kind =
        TraceKind::of(path).with_context(|| format!("{} is not a known trace file", path.display()))?;
    let lines = read_lines(path)?;
    let mut report = FileReport { path: path.to_path_buf(), kind, ticks: 0, divergence: None };
    if kind == TraceKind::Generator {
        for (i, line) in lines.iter().enumerate() {
            let (_, mismatch) = generate_and_compare(line, config)?;
            if let Some(mismatch) = mismatch {
                report.divergence = Some(Divergence { line: i, tick: 0, mismatch });
                return Ok(report);
            }
            report.ticks += 1;
        }
        return Ok(report);
    }
    let Some((line0, ticks)) = lines.split_first() else { bail!("{} is empty", path.display()) };
    let (mut world, mismatch) = generate_and_compare(line0, config)?;
    if let Some(mismatch) = mismatch {
        report.divergence = Some(Divergence { line: 0, tick: 0, mismatch });
        return Ok(report);
    }
    let mut bot = match (kind, bots) {
        (TraceKind::Game, Some(factory)) => Some(factory(&world)),
        (TraceKind::Game, None) => bail!("game traces need the bot AI"),
        _ => None,
    };
    for (i, line) in ticks.iter().enumerate() {
        let line_no = i + 1;
        let tick = line.get("tick").and_then(Value::as_u64).unwrap_or(line_no as u64);
        let recorded = line.get("orders").and_then(Value::as_array).cloned().unwrap_or_default();
        let orders: Vec<Order> = recorded.iter().map(order_from_trace).collect::<Result<_, _>>()?;
        if let Some(bot) = bot.as_mut() {
            let decided: Vec<Value> = bot
                .orders(&world)
                .into_iter()
                .map(|o| json!({"faction": o.faction, "origin_id": o.origin_id, "target_id": o.target_id}))
                .collect();
            if let Some(mismatch) =
                first_difference("orders", &Value::Array(recorded.clone()), &Value::Array(decided))
            {
                report.divergence = Some(Divergence { line: line_no, tick, mismatch });
                return Ok(report);
            }
        }
        world.advance(&orders);
        let expected = line.get("state").with_context(|| format!("line {line_no} has no state"))?;
        if let Some(mismatch) = compare_state(expected, &world) {
            report.divergence = Some(Divergence { line: line_no, tick, mismatch });
            return Ok(report);
        }
        if let Some(expected_winner) = line.get("winner") {
            let actual = outcome::winner(&world).map(|w| world.faction_id(w).to_string());
            let actual = actual.map_or(Value::Null, Value::from);
            if *expected_winner != actual {
                let mismatch = Mismatch { path: "winner".into(), expected: expected_winner.clone(), actual };
                report.divergence = Some(Divergence { line: line_no, tick, mismatch });
                return Ok(report);
            }
        }
        report.ticks += 1;
    }
    Ok(report)
}

/// Totals over a conformance run.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    pub files: usize,
    pub ticks: u64,
    pub mismatches: usize,
    pub seconds: f64,
}

/// Replays every trace in `dir`, printing one line per file and the summary.
pub fn run(
    dir: &Path,
    config: &Config,
    bots: Option<BotFactory>,
    out: &mut dyn std::io::Write,
) -> Result<Summary> {
    let files = trace_files(dir)?;
    if files.is_empty() {
        bail!("no trace files (generator/rules-*/chaos-*/game-*.jsonl.gz) in {}", dir.display());
    }
    let started = Instant::now();
    let mut summary = Summary::default();
    for path in &files {
        let name =
            path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
        let report = replay_file(path, config, bots)?;
        summary.files += 1;
        summary.ticks += report.ticks;
        match &report.divergence {
            None => writeln!(out, "{name}: ok {}", report.ticks)?,
            Some(d) => {
                summary.mismatches += 1;
                writeln!(out, "{name}: MISMATCH {d}")?;
            }
        }
    }
    summary.seconds = started.elapsed().as_secs_f64();
    writeln!(out, "{} files, {} ticks, {} mismatches", summary.files, summary.ticks, summary.mismatches)?;
    writeln!(
        out,
        "replay rate: {:.0} ticks/s ({:.2} s)",
        summary.ticks as f64 / summary.seconds.max(1e-9),
        summary.seconds
    )?;
    Ok(summary)
}
