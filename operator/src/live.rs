//! The running universe as its Redis shows it: the control hash (what was asked, what the sim
//! applied), the human claims of the current run and the faction registry of the stored
//! snapshot. Read through the `sector-store` traits, so key names live in one place, and generic
//! over the store so tests and the bench can use an in-process store.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sector_store::{
    ClaimStore, Control, ControlStore, EventStore, Keys, RedisOptions, RedisStore, SnapshotStore, StoreResult,
};
use serde::Deserialize;

/// What the operator needs from a universe's store.
pub trait LiveStore:
    ControlStore + ClaimStore + SnapshotStore + EventStore + Clone + Send + Sync + 'static
{
}

impl<T> LiveStore for T where
    T: ControlStore + ClaimStore + SnapshotStore + EventStore + Clone + Send + Sync + 'static
{
}

/// Opens a universe's store.
pub trait Connector: Send + Sync + 'static {
    type Store: LiveStore;

    /// Connects to the universe's Redis at `url` (`key` = `namespace/name`, for stores that are
    /// not reached by URL).
    fn connect(&self, key: &str, url: &str) -> impl Future<Output = StoreResult<Self::Store>> + Send;
}

/// Connects to the universe's Redis Service.
#[derive(Debug, Clone, Default)]
pub struct RedisConnector;

impl Connector for RedisConnector {
    type Store = RedisStore;

    async fn connect(&self, _key: &str, url: &str) -> StoreResult<RedisStore> {
        // Fail fast: a universe whose Redis is down must not hold up the others' reconciles.
        let options = RedisOptions {
            response_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            reconnect_retries: 1,
            reconnect_min_delay: Duration::from_millis(100),
            reconnect_max_delay: Duration::from_millis(500),
        };
        RedisStore::connect_with(url, Keys::default(), options).await
    }
}

/// The URL of a universe's Redis, as the operator reaches it from its own namespace.
pub fn redis_url(name: &str, namespace: &str, cluster_domain: &str, password: &str) -> String {
    format!(
        "redis://:{password}@{}.{namespace}.svc.{cluster_domain}:{}/0",
        crate::names::Names::new(name).of(crate::names::Component::Redis),
        crate::names::REDIS_PORT
    )
}

/// `host:port` of a universe's Redis (for messages: the URL carries the password).
pub fn redis_address(name: &str, namespace: &str, cluster_domain: &str) -> String {
    format!(
        "{}.{namespace}.svc.{cluster_domain}:{}",
        crate::names::Names::new(name).of(crate::names::Component::Redis),
        crate::names::REDIS_PORT
    )
}

/// Stores idle this long are closed (their universe was probably deleted).
const IDLE_CLOSE: Duration = Duration::from_secs(600);
/// Most stores kept open: each Redis store holds two connections, so with many universes the
/// least recently used are closed (and reopened at their next reconcile) to bound memory.
const MAX_OPEN: usize = 128;

/// Open stores by universe, reused across reconciles.
pub struct Connections<C: Connector> {
    connector: C,
    open: Mutex<HashMap<String, Open<C::Store>>>,
}

struct Open<S> {
    url: String,
    store: S,
    used: Instant,
}

impl<C: Connector> Connections<C> {
    pub fn new(connector: C) -> Self {
        Self { connector, open: Mutex::new(HashMap::new()) }
    }

    /// The store of universe `key` at `url`, connecting (or reconnecting after a URL change,
    /// e.g. a new password) when needed.
    pub async fn get(&self, key: &str, url: &str) -> StoreResult<C::Store> {
        let now = Instant::now();
        {
            let mut open = self.lock();
            if let Some(entry) = open.get_mut(key).filter(|e| e.url == url) {
                entry.used = now;
                return Ok(entry.store.clone());
            }
        }
        let store = self.connector.connect(key, url).await?;
        let mut open = self.lock();
        open.retain(|_, e| now.saturating_duration_since(e.used) < IDLE_CLOSE);
        while open.len() >= MAX_OPEN {
            let Some(oldest) = open.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| k.clone()) else { break };
            open.remove(&oldest);
        }
        open.insert(key.to_owned(), Open { url: url.to_owned(), store: store.clone(), used: now });
        Ok(store)
    }

    /// Forgets a universe's store (deleted universe).
    pub fn forget(&self, key: &str) {
        self.lock().remove(key);
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Open<C::Store>>> {
        // A panic while holding this lock cannot leave the map inconsistent (single inserts).
        self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A universe's live state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Live {
    pub control: Control,
    /// Human-held factions of the current run, sorted.
    pub humans: Vec<String>,
    /// The faction registry of the stored snapshot (configured, League, rebels); `None` before
    /// the first snapshot.
    pub registry: Option<Vec<String>>,
    /// Map seed of the current run (the snapshot's `generator_seed`).
    pub seed: Option<String>,
    /// The stored snapshot's tick.
    pub snapshot_tick: Option<u64>,
}

impl Live {
    /// Registry factions no human holds; `None` before the first snapshot.
    pub fn bot_played(&self) -> Option<i32> {
        let registry = self.registry.as_ref()?;
        let count = if self.control.bots_only {
            registry.len()
        } else {
            registry.iter().filter(|f| self.humans.binary_search(f).is_err()).count()
        };
        Some(i32::try_from(count).unwrap_or(i32::MAX))
    }

    /// The current run id, as the sim recorded it.
    pub fn run(&self) -> Option<&str> {
        self.control.status.run.as_deref()
    }

    /// The current tick: the sim's record, else the snapshot's.
    pub fn tick(&self) -> Option<u64> {
        self.control.status.tick.or(self.snapshot_tick)
    }
}

/// The snapshot fields the operator reads (WIRE.md §4); the rest is ignored.
#[derive(Deserialize)]
struct SnapshotView {
    #[serde(default)]
    tick: Option<u64>,
    #[serde(default)]
    generator_seed: Option<serde_json::Number>,
    #[serde(default)]
    factions: Vec<FactionView>,
}

#[derive(Deserialize)]
struct FactionView {
    id: String,
}

/// Reads the live state.
pub async fn observe<S: LiveStore>(store: &S) -> StoreResult<Live> {
    // No universe for the legacy per-run flags: the operator compares its intent with the hash
    // fields alone (it never writes the legacy keys).
    let (control, snapshot) = tokio::try_join!(store.control(""), store.snapshot())?;
    let mut live = Live { control, ..Live::default() };
    if let Some(run) = live.run().map(str::to_owned) {
        let mut humans = store.human_factions(&run).await?;
        humans.sort();
        live.humans = humans;
    }
    if let Some(snapshot) = snapshot {
        match serde_json::from_str::<SnapshotView>(&snapshot.data) {
            Ok(view) => {
                live.registry = Some(view.factions.into_iter().map(|f| f.id).collect());
                live.seed = view.generator_seed.map(|n| n.to_string());
                live.snapshot_tick = view.tick.or(snapshot.tick);
            }
            // A snapshot the operator cannot read must not stop the reconcile: the bot count
            // falls back to the configured factions.
            Err(e) => tracing::warn!(error = %e, "stored snapshot is not readable"),
        }
    }
    Ok(live)
}

/// The winner of the newest `run_end` event among the last `scan` events, as `Name (id)`;
/// `None` if there is none or it ended without a winner (an admin restart).
pub async fn last_winner<S: LiveStore>(store: &S, scan: usize) -> StoreResult<Option<String>> {
    #[derive(Deserialize)]
    struct RunEnd {
        #[serde(rename = "type")]
        kind: String,
        winner: Option<String>,
        #[serde(default)]
        winner_label: Option<String>,
    }
    let events = store.latest_events(scan).await?;
    for entry in events.iter().rev() {
        let Some(data) = &entry.data else { continue };
        // Deltas are large and many; only parse what can be a run end.
        if !data.contains("run_end") {
            continue;
        }
        if let Ok(end) = serde_json::from_str::<RunEnd>(data)
            && end.kind == "run_end"
        {
            return Ok(end.winner.map(|id| match end.winner_label {
                Some(label) if label != id => format!("{label} ({id})"),
                _ => id,
            }));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bot_played_counts_registry_factions_without_a_human() {
        let mut live = Live {
            humans: vec!["F2".into()],
            registry: Some(vec!["F1".into(), "F2".into(), "F3".into(), "L".into()]),
            ..Live::default()
        };
        assert_eq!(live.bot_played(), Some(3));
        live.control.bots_only = true;
        assert_eq!(live.bot_played(), Some(4));
        live.registry = None;
        assert_eq!(live.bot_played(), None);
    }

    #[test]
    fn urls_name_the_universe_service() {
        assert_eq!(
            redis_url("blue", "games", "cluster.local", "abc"),
            "redis://:abc@blue-redis.games.svc.cluster.local:6379/0"
        );
    }
}
