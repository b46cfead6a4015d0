//! `sector tournament`: many bots-only games (one per seed) in parallel, summarized as a
//! winner distribution and run-length percentiles. Every game is deterministic, so the
//! report does not depend on `--jobs`.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::map_config::MapArgs;
use crate::simulate::{DEFAULT_MAX_TICKS, FactionLabel, GameSummary, check_ticks, play};

/// Most seeds one tournament accepts (a typo like `0..1e9` should not run for days).
pub const MAX_GAMES: u64 = 1_000_000;

#[derive(Debug, Clone, clap::Args)]
pub struct TournamentArgs {
    /// Seeds to play: `A..B` (B excluded), `A..=B` (B included) or a single `A`; each seed
    /// is an integer and is used as the effective seed.
    #[arg(long)]
    pub seeds: String,
    #[command(flatten)]
    pub map: MapArgs,
    /// Parallel games (default: the available parallelism).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Stop each game after this many ticks if nobody has won.
    #[arg(long, default_value_t = DEFAULT_MAX_TICKS)]
    pub ticks: u64,
    /// Print a JSON report instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Parses `A..B`, `A..=B` or `A` into the list of seeds.
pub fn parse_seeds(text: &str) -> Result<Vec<i64>> {
    let text = text.trim();
    let parse = |s: &str| -> Result<i64> {
        s.trim().parse::<i64>().with_context(|| format!("--seeds {text:?}: {s:?} is not an integer"))
    };
    let (start, end_inclusive) = if let Some((a, b)) = text.split_once("..=") {
        (parse(a)?, parse(b)?)
    } else if let Some((a, b)) = text.split_once("..") {
        let (a, b) = (parse(a)?, parse(b)?);
        if b <= a {
            bail!(
                "--seeds {text:?} is empty: the end ({b}) must be greater than the start ({a}); A..B excludes B"
            );
        }
        (a, b - 1)
    } else {
        let a = parse(text)?;
        (a, a)
    };
    if end_inclusive < start {
        bail!("--seeds {text:?} is empty: the end must not be below the start");
    }
    let count = end_inclusive.abs_diff(start).saturating_add(1);
    if count > MAX_GAMES {
        bail!("--seeds {text:?} names {count} games; at most {MAX_GAMES} per tournament");
    }
    Ok((start..=end_inclusive).collect())
}

/// Winner counts and run-length percentiles over a set of games.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub games: usize,
    pub systems: usize,
    pub max_ticks: u64,
    /// Most wins first, then by id; games without a winner are counted in `unfinished`.
    pub winners: Vec<WinnerCount>,
    pub unfinished: usize,
    /// Run lengths in ticks over all games (unfinished ones at the tick limit),
    /// nearest-rank percentiles.
    pub p10: u64,
    pub median: u64,
    pub p90: u64,
    pub max: u64,
    /// Seeds whose map could not be generated, with the reason.
    pub failed: Vec<(i64, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WinnerCount {
    #[serde(flatten)]
    pub faction: FactionLabel,
    pub wins: usize,
}

/// Nearest-rank percentile of ascending values (p in 1..=100).
fn percentile(sorted: &[u64], p: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

pub fn summarize(
    games: &[GameSummary],
    failed: Vec<(i64, String)>,
    systems: usize,
    max_ticks: u64,
) -> Report {
    let mut winners: Vec<WinnerCount> = Vec::new();
    let mut unfinished = 0;
    for game in games {
        match &game.winner {
            None => unfinished += 1,
            Some(w) => match winners.iter_mut().find(|c| c.faction == *w) {
                Some(c) => c.wins += 1,
                None => winners.push(WinnerCount { faction: w.clone(), wins: 1 }),
            },
        }
    }
    winners.sort_by(|a, b| b.wins.cmp(&a.wins).then_with(|| a.faction.id.cmp(&b.faction.id)));
    let mut lengths: Vec<u64> = games.iter().map(|g| g.ticks).collect();
    lengths.sort_unstable();
    Report {
        games: games.len(),
        systems,
        max_ticks,
        winners,
        unfinished,
        p10: percentile(&lengths, 10),
        median: percentile(&lengths, 50),
        p90: percentile(&lengths, 90),
        max: lengths.last().copied().unwrap_or(0),
        failed,
    }
}

/// Plays every seed with `jobs` worker threads; results come back in seed order.
pub fn play_all(
    config: &sector_core::Config,
    seeds: &[i64],
    jobs: usize,
    max_ticks: u64,
) -> Vec<(i64, Result<GameSummary>)> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<GameSummary>>>> =
        Mutex::new((0..seeds.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, seeds.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&seed) = seeds.get(i) else { break };
                    let result = play(config, seed, max_ticks);
                    // A poisoned lock only means another worker panicked; the slot is ours.
                    let mut slots = results.lock().unwrap_or_else(|e| e.into_inner());
                    slots[i] = Some(result);
                }
            });
        }
    });
    let slots = results.into_inner().unwrap_or_else(|e| e.into_inner());
    seeds
        .iter()
        .zip(slots)
        .map(|(&seed, slot)| {
            (seed, slot.unwrap_or_else(|| Err(anyhow::anyhow!("game for seed {seed} did not run"))))
        })
        .collect()
}

pub fn run(args: &TournamentArgs) -> Result<()> {
    run_to(args, &mut std::io::stdout().lock())
}

/// [`run`] writing to `out`.
pub fn run_to(args: &TournamentArgs, out: &mut dyn Write) -> Result<()> {
    let seeds = parse_seeds(&args.seeds)?;
    let config = args.map.load()?;
    check_ticks(args.ticks)?;
    let jobs = match args.jobs {
        Some(0) => bail!("--jobs must be at least 1"),
        Some(jobs) => jobs,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };

    let mut games = Vec::with_capacity(seeds.len());
    let mut failed = Vec::new();
    for (seed, result) in play_all(&config, &seeds, jobs, args.ticks) {
        match result {
            Ok(game) => games.push(game),
            Err(e) => failed.push((seed, format!("{e:#}"))),
        }
    }
    if games.is_empty() {
        let (seed, reason) = failed.first().cloned().unwrap_or_default();
        bail!("no game could be played (seed {seed}: {reason})");
    }
    let report = summarize(&games, failed, config.simulation.number_of_systems, args.ticks);
    if args.json {
        serde_json::to_writer(&mut *out, &report)?;
        writeln!(out)?;
        return Ok(());
    }
    write_text(&report, &args.seeds, out)
}

fn write_text(report: &Report, seeds: &str, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "games: {} (seeds {seeds}), {} systems, tick limit {}",
        report.games, report.systems, report.max_ticks
    )?;
    writeln!(out, "winners:")?;
    let share = |n: usize| 100.0 * n as f64 / report.games as f64;
    for w in &report.winners {
        let label = format!("{} ({})", w.faction.id, w.faction.name);
        writeln!(out, "  {label:<36} {:>6}  {:>5.1}%", w.wins, share(w.wins))?;
    }
    writeln!(
        out,
        "  {:<36} {:>6}  {:>5.1}%",
        "none (tick limit)",
        report.unfinished,
        share(report.unfinished)
    )?;
    writeln!(
        out,
        "run length (ticks): p10 {}, median {}, p90 {}, max {}",
        report.p10, report.median, report.p90, report.max
    )?;
    for (seed, reason) in &report.failed {
        writeln!(out, "failed: seed {seed}: {reason}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges() {
        assert_eq!(parse_seeds("3..6").unwrap(), [3, 4, 5]);
        assert_eq!(parse_seeds("3..=6").unwrap(), [3, 4, 5, 6]);
        assert_eq!(parse_seeds(" 7 ").unwrap(), [7]);
        assert_eq!(parse_seeds("-2..1").unwrap(), [-2, -1, 0]);
        for bad in ["5..2", "5..5", "5..=4", "a..3", "1..x", "", "0..2000000"] {
            assert!(parse_seeds(bad).is_err(), "{bad:?} should be rejected");
        }
        let err = parse_seeds("5..2").unwrap_err().to_string();
        assert!(err.contains("empty"), "{err}");
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=10).collect();
        assert_eq!((percentile(&v, 10), percentile(&v, 50), percentile(&v, 90)), (1, 5, 9));
        assert_eq!(percentile(&[4], 10), 4);
        assert_eq!(percentile(&[], 50), 0);
    }

    #[test]
    fn report_does_not_depend_on_jobs() {
        let config = sector_core::Config::default();
        let seeds = parse_seeds("10..14").unwrap();
        let one: Vec<_> =
            play_all(&config, &seeds, 1, 400).into_iter().map(|(s, r)| (s, r.unwrap())).collect();
        let four: Vec<_> =
            play_all(&config, &seeds, 4, 400).into_iter().map(|(s, r)| (s, r.unwrap())).collect();
        assert_eq!(one, four);
        let games: Vec<GameSummary> = one.into_iter().map(|(_, g)| g).collect();
        let report = summarize(&games, Vec::new(), 30, 400);
        assert_eq!(report.games, 4);
        assert_eq!(report.winners.iter().map(|w| w.wins).sum::<usize>() + report.unfinished, 4);
        // Seed 10 is the golden game: F5 wins at tick 180.
        assert!(report.winners.iter().any(|w| w.faction.id == "F5"));
    }

    #[test]
    fn bad_input_is_reported() {
        let args = TournamentArgs {
            seeds: "5..2".into(),
            map: MapArgs::default(),
            jobs: None,
            ticks: 100,
            json: false,
        };
        let mut out = Vec::new();
        assert!(run_to(&args, &mut out).unwrap_err().to_string().contains("empty"));
        let zero_systems = TournamentArgs {
            seeds: "1..2".into(),
            map: MapArgs { systems: Some(0), config: None },
            ..args.clone()
        };
        assert!(run_to(&zero_systems, &mut out).unwrap_err().to_string().contains("--systems"));
        let zero_jobs = TournamentArgs { seeds: "1..2".into(), jobs: Some(0), ..args };
        assert!(run_to(&zero_jobs, &mut out).unwrap_err().to_string().contains("--jobs"));
    }
}
