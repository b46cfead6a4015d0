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
    /// Address the web UI and the API listen on; 0.0.0.0 (or ::) lets other machines in. The
    /// simulation serves no HTTP here, so `SIM_HTTP_PORT` and `BIND_ADDRESS` do not apply.
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
    /// Token a bot outside this process sends as the `X-Bot-Token` header of `POST /orders`
    /// (default: `BOT_API_TOKEN` from the environment, else a random one; printed at start).
    #[arg(long, value_name = "TOKEN")]
    pub bot_token: Option<String>,
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
    let bot_token = bot_token(args.bot_token.as_deref(), std::env::var("BOT_API_TOKEN").ok())?;
    run_service(|| async move {
        let started = Started { admins, bot_token };
        match args.redis.clone() {
            Some(url) => {
                let store = connect_redis(&url, Keys::default()).await?;
                stack(store, &args, game, started, format!("redis at {url}")).await
            }
            None => {
                let store = MemoryStore::new();
                stack(store, &args, game, started, "in-process (forgotten on exit)".to_owned()).await
            }
        }
    })
}

/// The credentials `sector dev` prints: the admins and the bot token.
struct Started {
    admins: Admins,
    bot_token: String,
}

/// `--bot-token`, else a non-empty `BOT_API_TOKEN`, else 32 random hex digits: outside bots
/// always have a token to use, and it is never one guessable from the source.
fn bot_token(flag: Option<&str>, env: Option<String>) -> Result<String> {
    if let Some(token) = flag {
        let token = token.trim();
        if token.is_empty() {
            bail!("--bot-token must not be empty");
        }
        return Ok(token.to_owned());
    }
    if let Some(token) = env.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
        return Ok(token);
    }
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no entropy for a bot token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
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
    started: Started,
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
    api_config.admin_addresses.extend(started.admins.addresses());
    api_config.bot_token = sector_api::Secret::new(started.bot_token.clone());
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

    let banner = Banner {
        frontend: frontend_addr,
        api: api_addr,
        started: &started,
        store: &store_note,
        bots: !args.no_bots,
    };
    banner.print(&mut std::io::stdout().lock())?;

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

/// What `sector dev` prints once it serves.
struct Banner<'a> {
    frontend: SocketAddr,
    api: SocketAddr,
    started: &'a Started,
    store: &'a str,
    bots: bool,
}

impl Banner<'_> {
    fn print(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let host = match self.frontend.ip() {
            ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip => ip,
        };
        let url = format!("http://{}/", SocketAddr::new(host, self.frontend.port()));
        let api = self.api;
        writeln!(out, "Sector is running at {url}")?;
        writeln!(out, "  API:    http://{api}/ (also proxied at {url}api/)")?;
        writeln!(out, "  Store:  {}", self.store)?;
        let bots = if self.bots { "playing every faction no human holds" } else { "off" };
        writeln!(out, "  Bots:   {bots}")?;
        match &self.started.admins {
            Admins::Given(list) => writeln!(out, "  Admins: {}", list.join(", "))?,
            Admins::Generated(wallet) => {
                writeln!(
                    out,
                    "  Admin wallet (dev only; import the key into a browser wallet to use the admin controls):"
                )?;
                writeln!(out, "    address:     {}", wallet.address)?;
                writeln!(out, "    private key: {}", wallet.private_key)?;
            }
        }
        writeln!(
            out,
            "  Bot token (dev only; a bot outside this process sends it as the X-Bot-Token header \
             of POST http://{api}/orders; --bot-token sets it):"
        )?;
        writeln!(out, "    {}", self.started.bot_token)?;
        writeln!(out, "Open the URL, sign in with a browser wallet, claim a faction and play. Ctrl-C stops.")
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        dev: DevArgs,
    }

    fn parse(args: &[&str]) -> Result<DevArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("dev").chain(args.iter().copied())).map(|cli| cli.dev)
    }

    #[test]
    fn listens_on_localhost_unless_told_otherwise() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.host, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(args.port, 9000);
        assert_eq!(parse(&["--host", "0.0.0.0"]).unwrap().host, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        assert_eq!(parse(&["--host", "::1"]).unwrap().host, "::1".parse::<IpAddr>().unwrap());
        let error = parse(&["--host", "localhost:1"]).expect_err("not an IP address").to_string();
        assert!(error.contains("--host"), "{error}");
    }

    #[test]
    fn the_bot_token_comes_from_the_flag_then_the_environment_then_chance() {
        let args = parse(&["--bot-token", "s3cret"]).unwrap();
        assert_eq!(args.bot_token.as_deref(), Some("s3cret"));
        assert_eq!(bot_token(Some(" s3cret "), Some("env".into())).unwrap(), "s3cret");
        assert_eq!(bot_token(None, Some(" env ".into())).unwrap(), "env");
        let error = bot_token(Some(" "), None).unwrap_err().to_string();
        assert_eq!(error, "--bot-token must not be empty");
        let a = bot_token(None, Some(String::new())).unwrap();
        let b = bot_token(None, None).unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, b, "a fresh token per start");
    }

    #[test]
    fn the_banner_shows_the_bot_token_next_to_the_admin_wallet() {
        let wallet = DevWallet::random().unwrap();
        let started = Started { admins: Admins::Generated(wallet.clone()), bot_token: "tok-123".into() };
        let banner = Banner {
            frontend: "0.0.0.0:9000".parse().unwrap(),
            api: "127.0.0.1:8123".parse().unwrap(),
            started: &started,
            store: "in-process",
            bots: true,
        };
        let mut out = Vec::new();
        banner.print(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("Sector is running at http://127.0.0.1:9000/\n"), "{text}");
        assert!(text.contains(&format!("private key: {}", wallet.private_key)), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        let at = lines.iter().position(|l| l.contains("X-Bot-Token")).expect("a bot token line");
        assert!(lines[at].contains("POST http://127.0.0.1:8123/orders"), "{text}");
        assert_eq!(lines[at + 1].trim(), "tok-123");
    }
}
