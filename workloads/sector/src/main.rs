use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sector::{bots, conformance, dev, preview, replay, services, simulate, tournament};

#[derive(Parser)]
#[command(name = "sector", version, about = "Sector: persistent real-time space-strategy universes")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay golden traces (generator, rules-*, chaos-*, game-*) and report the first mismatch.
    Conformance {
        /// Directory holding the *.jsonl.gz traces.
        dir: PathBuf,
    },
    /// Print the snapshot JSON of a generated world.
    Preview(preview::PreviewArgs),
    /// Play a headless bots-only game and print winner, ticks and state hash.
    Simulate(simulate::SimulateArgs),
    /// Play many seeded bots-only games and print winners and run lengths.
    Tournament(tournament::TournamentArgs),
    /// Re-run a universe's applied-orders log and print the state hash per tick.
    Replay(replay::ReplayArgs),
    /// Run a simulation worker: holds the universe's lease and advances it (configured from
    /// the environment, see WIRE.md §2.3); a second worker waits as a standby. `SIM_HTTP_PORT`
    /// (default 9300; `off` = none) serves `/health`, `/ready`, `/metrics`; with `METRICS_PORT`
    /// set, `/metrics` is served on that port instead. Both listen on `BIND_ADDRESS` (default
    /// 0.0.0.0).
    Sim,
    /// Run the HTTP API: wallet login, claims, orders, snapshot, events, admin (configured
    /// from the environment, see WIRE.md §2.2 and workloads/api/README.md). Listens on
    /// `BIND_ADDRESS` (default 0.0.0.0) port `PORT` (8000); with `METRICS_PORT` set,
    /// `/metrics` is served on that port only (404 on `PORT`).
    Api,
    /// Run the frontend worker: the web UI, `/ws` live feed, `/snapshot`, `/tail`, `/preview`
    /// and the `/api/*` proxy (configured from the environment, see WIRE.md §2.5 and
    /// workloads/frontend/README.md). Listens on `BIND_ADDRESS` (default 0.0.0.0) port `PORT`
    /// (9000); with `METRICS_PORT` set, `/metrics` is served on that port only (404 on `PORT`).
    Frontend,
    /// Run the whole game on this machine: simulation, bots, API and web UI in one process,
    /// on an in-process store (or `--redis URL`). Prints the URL to open.
    Dev(dev::DevArgs),
    /// Run a bot replica: plays the unclaimed factions it draws by rendezvous hashing
    /// (configured from the environment, see WIRE.md §2.4).
    Bot,
    /// Run the award minter: mints an ERC-721 award to each run's human winner (drains the
    /// universe's award queue) and serves `POST /mint` (see workloads/minter/src/config.rs).
    Minter,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    let result = match cli.command {
        Command::Conformance { dir } => {
            conformance::run(&dir, &sector_core::Config::default(), Some(&bots::puppet_factory), &mut stdout)
                .map(|summary| if summary.mismatches == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Preview(args) => preview::run(&args, &mut stdout).map(|()| ExitCode::SUCCESS),
        Command::Simulate(args) => simulate::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Tournament(args) => tournament::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Replay(args) => replay::run(&args, &mut stdout).map(|()| ExitCode::SUCCESS),
        Command::Sim => services::sim().map(|()| ExitCode::SUCCESS),
        Command::Api => services::api().map(|()| ExitCode::SUCCESS),
        Command::Bot => services::bot().map(|()| ExitCode::SUCCESS),
        Command::Minter => services::minter().map(|()| ExitCode::SUCCESS),
        Command::Frontend => services::frontend().map(|()| ExitCode::SUCCESS),
        Command::Dev(args) => dev::run(args).map(|()| ExitCode::SUCCESS),
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::from(2)
    })
}
