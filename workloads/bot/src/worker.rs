//! The bot worker loop (BOT_AI.md §2, with KNOWN_DEFECTS D1 and D5 fixed).
//!
//! Each iteration acts on the latest snapshot if its tick is new, then waits for the next event
//! on the event stream (or the block time). Acting:
//! 1. read the universe id and the stored snapshot; a tick already acted on is skipped, so the
//!    AI runs at most once per tick;
//! 2. a new run — another universe id, another map seed, or the tick going back — gets a fresh
//!    [`Puppet`] seeded with the snapshot's `generator_seed` (D1: no goals or pins carried over
//!    from the previous map);
//! 3. read the live replicas and the human claims;
//! 4. run the AI on the *whole* registry of the snapshot (League and rebels included, BOT_AI.md
//!    §1), so its random stream and goals evolve as in the golden games whatever this replica's
//!    share is, then keep the orders of the factions this replica drives (rendezvous hashing)
//!    that no human holds, at most `max_orders`;
//! 5. hand them to the sink.
//!
//! D5: the reference advanced its event cursor one entry per iteration from the oldest
//! retained entry, so it lagged behind the stream and in practice polled once a second,
//! skipping ticks. Here the cursor starts at the stream head and jumps to the newest entry read,
//! so the wait blocks until the *next* event and the bot acts on every tick it can keep up with.
//!
//! All store reads happen before the AI runs: an iteration that fails on the store leaves the
//! puppet untouched, and the AI consumes its random draws exactly once per tick acted on. The
//! tick counts as acted on even when delivery fails (the reference re-ran the AI on the same
//! snapshot after a failed API discovery, spending its draws twice).

use std::collections::BTreeSet;
use std::sync::Arc;

use sector_ai::{Puppet, SnapshotView};
use sector_core::snapshot::Snapshot;
use sector_store::{EntryId, Store, StoreError};

use crate::config::{BotConfig, ConfigError};
use crate::error::BotError;
use crate::membership::Membership;
use crate::metrics::BotMetrics;
use crate::rendezvous;
use crate::sink::{AnySink, OrderSink, WireOrder};
use crate::throttle::WarnThrottle;

/// Events read per wait; a longer backlog makes the cursor jump to the stream head.
const WAKE_BATCH: usize = 64;

/// What one [`Worker::act`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// No snapshot is stored yet.
    NoSnapshot,
    /// The stored snapshot's tick was acted on already.
    AlreadyActed { universe: String, tick: u64 },
    /// The AI ran on a new tick.
    Acted(Action),
}

/// One tick acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub universe: String,
    pub tick: u64,
    /// A fresh puppet was created for this snapshot.
    pub new_run: bool,
    /// Factions this replica drives, in registry order (human ones included).
    pub driven: Vec<String>,
    /// Driven factions left out because a human holds them.
    pub human: Vec<String>,
    /// Orders the AI produced for the whole registry.
    pub decided: usize,
    /// Orders handed to the sink: driven, non-human factions, AI order kept, capped.
    pub orders: Vec<WireOrder>,
    pub delivery: Delivery,
}

/// What became of an action's orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// No orders for this replica's factions (nothing is posted).
    NothingToSend,
    /// The sink failed; the message is logged and counted.
    Failed(String),
}

/// The puppet of the run being played and how far this replica got in it.
struct Run {
    universe: String,
    seed: i64,
    puppet: Puppet,
    last_tick: Option<u64>,
}

/// What a wait for activity saw.
enum Wake {
    Events,
    TimedOut,
    Failed(StoreError),
}

/// One bot replica: membership, AI, sink.
pub struct Worker<S, K> {
    store: S,
    sink: K,
    config: BotConfig,
    membership: Membership<S>,
    metrics: Arc<BotMetrics>,
    run: Option<Run>,
    cursor: Option<EntryId>,
    error_warning: WarnThrottle,
}

impl<S: Store> Worker<S, AnySink<S>> {
    /// A worker with the sink the configuration names (`BOT_ORDER_SINK`); fails if that is the
    /// HTTP sink and the token is empty.
    pub fn from_config(store: S, config: BotConfig) -> Result<Self, ConfigError> {
        let sink = AnySink::from_config(&config, store.clone())?;
        Ok(Self::new(store, config, sink))
    }
}

impl<S: Store, K: OrderSink> Worker<S, K> {
    pub fn new(store: S, config: BotConfig, sink: K) -> Self {
        let membership = Membership::new(store.clone(), config.member_id.clone(), config.heartbeat_ttl);
        let error_warning = WarnThrottle::new(std::time::Duration::from_secs(15));
        Self {
            store,
            sink,
            config,
            membership,
            metrics: Arc::default(),
            run: None,
            cursor: None,
            error_warning,
        }
    }

    /// The counters, shared: read them while the worker runs.
    pub fn metrics(&self) -> Arc<BotMetrics> {
        Arc::clone(&self.metrics)
    }

    pub fn membership(&self) -> &Membership<S> {
        &self.membership
    }

    pub fn sink(&self) -> &K {
        &self.sink
    }

    /// Runs until `shutdown` completes: registers, heartbeats on a task of its own, loops, and
    /// leaves the membership on the way out so the other replicas take over at once. Store and
    /// API trouble is logged (rate-limited) and retried, never fatal.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) {
        let membership = self.membership.clone();
        if let Err(error) = membership.heartbeat().await {
            // Not fatal: the loop registers again before it splits the factions.
            tracing::warn!(member = %membership.member(), %error, "initial bot heartbeat failed");
        }
        let heartbeats = membership.spawn_heartbeats();
        tracing::info!(
            member = %membership.member(),
            heartbeat_ttl_ms = membership.ttl().as_millis() as u64,
            max_orders = self.config.max_orders,
            "bot worker started"
        );
        tokio::select! {
            () = shutdown => {}
            () = self.run_loop() => {}
        }
        drop(heartbeats);
        if let Err(error) = membership.leave().await {
            tracing::warn!(member = %membership.member(), %error, "leaving the bot membership failed; it expires with the TTL");
        }
        let metrics = self.metrics.snapshot();
        tracing::info!(member = %membership.member(), ?metrics, "bot worker stopped");
    }

    async fn run_loop(&mut self) {
        let poll = self.config.poll_interval;
        // Take the event cursor before the first action: an event appended between that action
        // and the first wait must still wake the wait.
        if let Ok(head) = self.store.last_event_id().await {
            self.cursor = Some(head.unwrap_or(EntryId::ZERO));
        }
        loop {
            // Not reset on success: a flapping store still logs at most one warning per period.
            if let Err(error) = self.act().await {
                self.report(&error);
                tokio::time::sleep(poll).await;
                continue;
            }
            match self.wait_for_activity().await {
                Wake::Events => {}
                // The read blocked for the event block time: check the snapshot again.
                Wake::TimedOut if !self.config.event_block.is_zero() => {}
                // Nothing blocks without an event block: the poll interval paces the loop.
                Wake::TimedOut => tokio::time::sleep(poll).await,
                Wake::Failed(error) => {
                    self.report(&BotError::Store(error));
                    tokio::time::sleep(poll).await;
                }
            }
        }
    }

    fn report(&mut self, error: &BotError) {
        if matches!(error, BotError::Store(_)) {
            self.metrics.store_error();
        }
        if let Some(suppressed) = self.error_warning.ready() {
            tracing::warn!(%error, suppressed, "bot iteration failed; retrying");
        }
    }

    /// Waits up to the event block time for an event after the last one seen.
    async fn wait_for_activity(&mut self) -> Wake {
        let cursor = match self.cursor {
            Some(cursor) => cursor,
            // Start at the head: older events say nothing about what to do now. (Normally taken
            // before the first action; here only if the store was down then.)
            None => match self.store.last_event_id().await {
                Ok(head) => *self.cursor.insert(head.unwrap_or(EntryId::ZERO)),
                Err(error) => return Wake::Failed(error),
            },
        };
        match self.store.read_events_after(cursor, WAKE_BATCH, self.config.event_block).await {
            Ok(entries) => {
                let Some(last) = entries.last() else { return Wake::TimedOut };
                self.cursor = Some(last.id);
                if entries.len() == WAKE_BATCH {
                    // A backlog (the bot was stalled): skip to the head rather than crawl through it.
                    if let Ok(Some(head)) = self.store.last_event_id().await {
                        self.cursor = Some(head);
                    }
                }
                Wake::Events
            }
            Err(error) => Wake::Failed(error),
        }
    }

    /// One action on the stored snapshot, if its tick is new (see the module docs).
    pub async fn act(&mut self) -> Result<Step, BotError> {
        let universe = self.store.universe_id().await?;
        let Some(stored) = self.store.snapshot().await? else { return Ok(Step::NoSnapshot) };
        // Parsed every time (no shortcut on the hash's `tick` field): a new run can publish the
        // same tick number as the last one acted on, and only the map seed tells them apart.
        let snapshot: Snapshot = serde_json::from_str(&stored.data)
            .map_err(|source| BotError::Snapshot { universe: universe.clone(), source })?;
        let tick = snapshot.tick;
        let seed = snapshot.generator_seed;
        let new_run = match &self.run {
            None => true,
            Some(run) => {
                run.universe != universe || run.seed != seed || run.last_tick.is_some_and(|t| tick < t)
            }
        };
        if !new_run && self.run.as_ref().is_some_and(|run| run.last_tick == Some(tick)) {
            return Ok(Step::AlreadyActed { universe, tick });
        }

        // Store reads first (see the module docs): who drives what, and who is human.
        let factions: Vec<String> = snapshot.factions.iter().map(|f| f.id.clone()).collect();
        let live = self.membership.live_members().await?;
        let driven: Vec<String> = rendezvous::driven_by(&live, self.membership.member(), &factions)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let human = self.human_factions(&universe, &driven).await?;
        let view = SnapshotView::new(&snapshot, &self.config.game).map_err(|source| BotError::View {
            universe: universe.clone(),
            tick,
            source,
        })?;

        if new_run {
            tracing::info!(%universe, seed, tick, "new run: fresh puppet");
            self.metrics.run_started();
            self.run = None;
        }
        let game = &self.config.game;
        let run = self.run.get_or_insert_with(|| Run {
            universe: universe.clone(),
            seed,
            puppet: Puppet::new(seed, game),
            last_tick: None,
        });
        if let Some(last) = run.last_tick {
            self.metrics.ticks_skipped(tick.saturating_sub(last + 1));
        }
        let decided = run.puppet.decide(&view);
        run.last_tick = Some(tick);
        self.metrics.tick_acted();
        self.metrics.set_driven(driven.len());

        let keep: BTreeSet<&str> =
            driven.iter().map(String::as_str).filter(|f| !human.iter().any(|h| h == f)).collect();
        let decided_count = decided.len();
        let orders: Vec<WireOrder> = decided
            .into_iter()
            .filter(|o| keep.contains(o.faction.as_str()))
            .take(self.config.max_orders)
            .map(WireOrder::from)
            .collect();

        let delivery = if orders.is_empty() {
            Delivery::NothingToSend
        } else {
            match self.sink.send(&orders).await {
                Ok(()) => {
                    self.metrics.orders_posted(orders.len());
                    Delivery::Delivered
                }
                Err(error) => {
                    // The sink logs (rate-limited) itself; count it here.
                    self.metrics.post_failed();
                    tracing::debug!(%universe, tick, %error, "orders not delivered");
                    Delivery::Failed(error.to_string())
                }
            }
        };
        tracing::debug!(
            %universe,
            tick,
            driven = driven.len(),
            human = human.len(),
            decided = decided_count,
            sent = orders.len(),
            "acted"
        );
        Ok(Step::Acted(Action {
            universe,
            tick,
            new_run,
            driven,
            human,
            decided: decided_count,
            orders,
            delivery,
        }))
    }

    /// The driven factions a human holds: claimed in the human set, or with a player recorded
    /// (WIRE.md §3; either alone makes the faction human, as in the reference).
    async fn human_factions(&self, universe: &str, driven: &[String]) -> Result<Vec<String>, StoreError> {
        let claimed = self.store.human_factions(universe).await?;
        let mut human = Vec::new();
        for faction in driven {
            let is_human = claimed.contains(faction)
                || self.store.player_of(universe, faction).await?.is_some_and(|p| !p.is_empty());
            if is_human {
                human.push(faction.clone());
            }
        }
        Ok(human)
    }
}
