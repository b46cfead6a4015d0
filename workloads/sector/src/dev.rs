//! `sector dev`: the whole game on one machine, in one process — the simulation, the bots (for
//! every faction no human holds), the API and the frontend with the web UI — on the in-process
//! store, or on Redis with `--redis`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use sector_api::{ApiConfig, AppState as ApiState, DevWallet, normalize_address};
use sector_bot::BotConfig;
use sector_frontend::{AppState as FrontendState, FrontendConfig};
use sector_sim::SimConfig;
use sector_store::{Keys, MemoryStore, Store};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::map_config::MapArgs;
use crate::services::{connect_redis, run_service, shutdown_signal};

#[derive(Debug, Clone, clap::Args)]
pub struct DevArgs {
    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// Port of the web UI (0: any free port).
    #[arg(long, default_value_t = 9000)]
    pub port: u16,
    /// Port of the API (0: any free port); the UI reaches it through `/api` either way.
    #[arg(long, default_value_t = 0)]
    pub api_port: u16,
    /// Use this Redis instead of the in-process store (which forgets everything on exit).
    #[arg(long, value_name = "URL")]
    pub redis: Option<String>,
    /// Map seed of new runs (default: random).
    #[arg(long)]
    pub seed: Option<String>,
    /// Milliseconds between ticks (default: the configuration's, 300).
    #[arg(long)]
    pub tick_ms: Option<u64>,
    /// Wallet address allowed to use the admin controls (repeatable). Without one, a fresh dev
    /// wallet is made and its key printed, to import into a browser wallet.
    #[arg(long = "admin", value_name = "ADDRESS")]
    pub admins: Vec<String>,
    /// Do not run bots (unclaimed factions stay idle).
    #[arg(long)]
    pub no_bots: bool,
    #[command(flatten)]
    pub map: MapArgs,
}

/// The admin the banner describes.
enum Admins {
    Given(Vec<String>),
    Generated(DevWallet),
}

impl Admins {
    fn addresses(&self) -> Vec<String> {
        match self {
            Admins::Given(list) => list.clone(),
            Admins::Generated(wallet) => vec![wallet.address.clone()],
        }
    }
}

pub fn run(args: DevArgs) -> Result<()> {
    let game = args.map.load()?;
    let admins = match args.admins.is_empty() {
        true => Admins::Generated(DevWallet::random().map_err(anyhow::Error::msg)?),
        false => Admins::Given(
            args.admins
                .iter()
                .map(|a| {
                    normalize_address(a)
                        .with_context(|| format!("--admin {a:?} is not a 0x + 40 hex address"))
                })
                .collect::<Result<_>>()?,
        ),
    };
    if args.tick_ms == Some(0) {
        bail!("--tick-ms must be at least 1");
    }
    run_service(|| async move {
        match args.redis.clone() {
            Some(url) => {
                let store = connect_redis(&url, Keys::default()).await?;
                stack(store, &args, game, admins, format!("redis at {url}")).await
            }
            None => {
                let store = MemoryStore::new();
                stack(store, &args, game, admins, "in-process (forgotten on exit)".to_owned()).await
            }
        }
    })
}

async fn bind(host: IpAddr, port: u16, what: &str) -> Result<TcpListener> {
    TcpListener::bind(SocketAddr::new(host, port))
        .await
        .with_context(|| format!("binding the {what} port {port}"))
}

async fn stack<S: Store>(
    store: S,
    args: &DevArgs,
    game: sector_core::Config,
    admins: Admins,
    store_note: String,
) -> Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };

    // The simulation: a single worker on the store (no lease contention), no HTTP of its own.
    let mut sim = SimConfig::new(game.clone());
    sim.http_port = None;
    // Resume a saved universe (with `--redis`) instead of starting a new one on every start.
    sim.reset_universe_on_start = false;
    sim.seed = args.seed.clone();
    if let Some(ms) = args.tick_ms {
        sim.tick_period = Duration::from_millis(ms);
    }
    let sim = sector_sim::spawn(store.clone(), sim).await.context("starting the simulation")?;

    // The API, on its own port so `?api=` and tools can reach it directly too.
    let mut api_config = ApiConfig::from_env_dev().context("api configuration")?;
    api_config.game = game.clone();
    api_config.admin_addresses.extend(admins.addresses());
    // The frontend's `/api` proxy sits in front of the API and appends the browser's address.
    api_config.trusted_proxy_hops = 1;
    // One process, local ports only: `/metrics` stays on the API port even if the environment
    // has a METRICS_PORT meant for `sector api`.
    api_config.metrics_port = None;
    let api_state = ApiState::new(store.clone(), api_config).context("api state")?;
    let api_listener = bind(args.host, args.api_port, "API").await?;
    let api_addr = api_listener.local_addr()?;
    let api = tokio::spawn(sector_api::serve(api_state, api_listener, stopped()));

    // The bots write their orders to the store directly (no token, no HTTP hop).
    let bots = (!args.no_bots).then(|| {
        let mut config = BotConfig::in_process();
        config.game = game.clone();
        tokio::spawn(sector_bot::run(store.clone(), config, stopped()))
    });

    let mut frontend_config = FrontendConfig::dev(format!("http://{api_addr}"));
    frontend_config.game = game;
    let frontend_state = FrontendState::new(store.clone(), frontend_config).context("frontend state")?;
    let frontend_listener = bind(args.host, args.port, "web UI").await?;
    let frontend_addr = frontend_listener.local_addr()?;
    let frontend = tokio::spawn(sector_frontend::serve(frontend_state, frontend_listener, stopped()));

    print_banner(frontend_addr, api_addr, &admins, &store_note, !args.no_bots);

    shutdown_signal().await;
    let _ = stop_tx.send(true);
    sim.stop().await.context("stopping the simulation")?;
    for (name, task) in [("api", api), ("frontend", frontend)] {
        task.await.with_context(|| format!("{name} task"))?.with_context(|| format!("{name} server"))?;
    }
    if let Some(bots) = bots {
        bots.await.context("bot task")?.context("bots")?;
    }
    Ok(())
}

fn print_banner(frontend: SocketAddr, api: SocketAddr, admins: &Admins, store: &str, bots: bool) {
    let host = match frontend.ip() {
        ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    let url = format!("http://{}/", SocketAddr::new(host, frontend.port()));
    println!("Sector is running at {url}");
    println!("  API:    http://{api}/ (also proxied at {url}api/)");
    println!("  Store:  {store}");
    println!("  Bots:   {}", if bots { "playing every faction no human holds" } else { "off" });
    match admins {
        Admins::Given(list) => println!("  Admins: {}", list.join(", ")),
        Admins::Generated(wallet) => {
            println!(
                "  Admin wallet (dev only; import the key into a browser wallet to use the admin controls):"
            );
            println!("    address:     {}", wallet.address);
            println!("    private key: {}", wallet.private_key);
        }
    }
    println!("Open the URL, sign in with a browser wallet, claim a faction and play. Ctrl-C stops.");
}
