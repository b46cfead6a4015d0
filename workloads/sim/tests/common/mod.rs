//! Shared test support: configs, a real redis-server, an order poster that plays like a bot,
//! log capture, and replay of the applied-orders log with `sector-core` alone.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use sector_core::snapshot::Snapshot;
use sector_core::{Config, generator};
use sector_sim::{SimConfig, SimState, TickRecord};
use sector_store::testing::RedisServer;
use sector_store::{DEFAULT_ORDER_MAX_LEN, EntryId, Keys, RedisStore, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub const TICK: Duration = Duration::from_millis(15);

/// A small map, 5 factions.
pub fn game(systems: usize) -> Config {
    let mut config = Config::default();
    config.simulation.number_of_systems = systems;
    config.simulation.tick_delay = TICK.as_secs_f64();
    config
}

pub fn sim_config(worker: &str, game: Config) -> SimConfig {
    let mut config = SimConfig::new(game);
    config.worker_id = worker.to_owned();
    config.consumer = format!("sim-{worker}");
    config.tick_period = TICK;
    config.lease_ttl = Duration::from_millis(1000);
    config.http_port = Some(0);
    config.backoff_max = Duration::from_millis(200);
    config.state_every = 5;
    config
}

pub async fn redis() -> (RedisServer, RedisStore) {
    let server = RedisServer::start().expect("redis-server starts (apt-get install -y redis-server)");
    let store = server.store(Keys::default()).await.expect("connect to test redis");
    (server, store)
}

/// Polls `check` until it returns `Some`, or panics after `timeout`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Every applied-orders record of `universe`, in tick order.
pub async fn applied<S: Store>(store: &S, universe: &str) -> Vec<(u64, TickRecord)> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store.applied_after(universe, after, 500).await.expect("applied log");
        if page.is_empty() {
            return out;
        }
        for record in page {
            after = Some(record.tick);
            let parsed = TickRecord::from_json(&record.orders_json).expect("record parses");
            out.push((record.tick, parsed));
        }
    }
}

/// The uninterrupted run: the world generated from the run's recorded seed, every recorded
/// tick replayed with the engine (direct orders), and the route book re-derived from the
/// recorded incoming orders (checked against the recorded hops).
pub fn replay_from_zero(game: &Config, records: &[(u64, TickRecord)]) -> SimState {
    let (first_tick, first) = &records[0];
    assert_eq!(*first_tick, 0, "the log starts at the run's tick 0");
    let seed = first.seed.expect("tick-0 record carries the seed");
    let mut state = SimState::new(generator::generate(game, seed).expect("world"));
    for (tick, record) in &records[1..] {
        assert_eq!(*tick, state.world.tick + 1, "log is contiguous");
        assert!(state.replay(record), "route book reproduces the recorded hops at tick {tick}");
    }
    state
}

/// The saved state in the store.
pub async fn saved<S: Store>(store: &S) -> (String, SimState) {
    let saved = store.saved_state().await.expect("read").expect("a saved state");
    (saved.universe, SimState::decode(&saved.data).expect("decodes"))
}

/// Entry ids in the log, with how often each occurs.
pub fn entry_counts(records: &[(u64, TickRecord)]) -> HashMap<EntryId, usize> {
    let mut counts = HashMap::new();
    for (_, record) in records {
        for id in &record.entries {
            *counts.entry(*id).or_insert(0) += 1;
        }
    }
    counts
}

/// `GET path` over plain HTTP/1.1; (status, body).
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", addr.port())).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let code = response.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (code, body)
}

/// A metric's value from the text exposition (first line starting with `name`).
pub fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// Posts order batches like a bot: each batch moves some idle fleets of the stored snapshot
/// to a neighbour, and every fourth adds a long-range (routed) order.
pub struct Poster {
    stop: watch::Sender<bool>,
    task: JoinHandle<Vec<EntryId>>,
}

impl Poster {
    pub fn start<S: Store>(store: S, every: Duration, per_batch: usize) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut posted = Vec::new();
            let mut n: u64 = 0;
            while !*stopped.borrow() {
                n += 1;
                let snapshot = match store.snapshot().await {
                    Ok(Some(stored)) => serde_json::from_str::<Snapshot>(&stored.data).ok(),
                    _ => None,
                };
                if let Some(snapshot) = snapshot {
                    let batch = orders_for(&snapshot, n, per_batch);
                    if let Ok(id) = store.append_orders(&batch, DEFAULT_ORDER_MAX_LEN).await {
                        posted.push(id);
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stopped.changed() => {}
                }
            }
            posted
        });
        Self { stop, task }
    }

    /// Stops posting; the ids of every batch that was appended.
    pub async fn finish(self) -> Vec<EntryId> {
        let _ = self.stop.send(true);
        self.task.await.expect("poster task")
    }
}

pub fn orders_for(snapshot: &Snapshot, n: u64, per_batch: usize) -> String {
    let mut neighbours: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for [a, b] in &snapshot.lanes {
        neighbours.entry(*a).or_default().push(*b);
        neighbours.entry(*b).or_default().push(*a);
    }
    let idle: Vec<_> = snapshot.fleets.iter().filter(|f| f.eta == 0 && f.system_id.is_some()).collect();
    let mut orders = Vec::new();
    if !idle.is_empty() {
        for k in 0..per_batch.min(idle.len()) {
            let fleet = idle[(n as usize * 7 + k * 13) % idle.len()];
            let Some(at) = fleet.system_id else { continue };
            let Some(next) = neighbours.get(&at) else { continue };
            let target = next[(n as usize + k) % next.len()];
            orders.push(serde_json::json!({"faction": fleet.owner, "origin_id": at, "target_id": target,
                "reason": format!("batch-{n}"), "source": "bot"}));
        }
        if n.is_multiple_of(4) {
            let fleet = idle[n as usize % idle.len()];
            if let Some(at) = fleet.system_id {
                let far = (u64::from(at) + 7 * n) % snapshot.systems.len().max(1) as u64;
                orders.push(serde_json::json!({"faction": fleet.owner, "origin_id": at, "target_id": far,
                    "fleet_id": fleet.id, "source": "bot"}));
            }
        }
    }
    serde_json::json!({ "orders": orders }).to_string()
}

/// Captured log output of this test binary (also printed, so the harness shows it on failure).
pub fn logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

fn log_buffer() -> &'static Mutex<Vec<u8>> {
    static BUFFER: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    BUFFER.get_or_init(|| Mutex::new(Vec::new()))
}

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        log_buffer().lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        print!("{}", String::from_utf8_lossy(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn init_tracing() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sector_sim=info"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(|| Capture)
            .try_init();
    });
}
