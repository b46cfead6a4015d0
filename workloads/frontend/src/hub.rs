//! The hub: the process's one reader of the event stream, fanned out to every `/ws` client.
//!
//! One task reads the stream (blocking reads, batches) and, for each entry, in order: merges it
//! into the current [`Frame`], appends it to a bounded replay ring (for `?after=` resumption)
//! and broadcasts it. Clients subscribe under the same lock the reader publishes under, so a
//! client gets exactly "frame as of event N, then every event after N" (or "events after its
//! resume point, then every later one") with neither gaps nor duplicates (KNOWN_DEFECTS G1).
//!
//! The broadcast channel is bounded: a client that falls more than its capacity behind gets
//! `Lagged` and is resynced with a fresh frame instead of being buffered without bound.
//!
//! The current frame is also re-broadcast as the reference's bare snapshot (with the id of the
//! last event it reflects) shortly after a new run's snapshot and when nothing was sent for a
//! while: the reference server did so every 0.5 s, and clients built for it rely on that to
//! recover from a missed or mis-ordered snapshot. Sent under the publishing lock, it sits in
//! stream order, so a client that applies it is exactly as current as one that did not.
//!
//! Each delta is also turned, once, into its lean form ([`crate::lean`]) against the frame
//! before the merge; it travels next to the original text, in the channel and in the ring, so
//! each client picks the form of the protocol it negotiated ([`crate::protocol`]), live or
//! resuming.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use tokio::time::Instant;

use sector_core::delta::Delta;
use sector_core::snapshot::Snapshot;
use sector_store::{EntryId, EventStore, SnapshotStore, StoreError, StreamEntry};
use serde::Deserialize;
use tokio::sync::{broadcast, watch};

use crate::frame::{Frame, with_event_id};
use crate::lean;
use crate::metrics::Metrics;
use crate::payload::Payload;
use crate::protocol::Protocol;

/// Entries read per stream read.
const READ_BATCH: usize = 200;
/// How long one read waits for new entries; idle reads also check for a reset stream.
const READ_BLOCK: Duration = Duration::from_millis(500);
/// Cap of the retry backoff while the store is unavailable.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// One message of the live stream, in the forms clients may receive it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: EntryId,
    /// The original protocol's message.
    pub original: Payload,
    /// The lean protocols' message, when it differs from `original` (deltas).
    pub lean: Option<Payload>,
    /// A re-sent full frame, the reference clients' keep-alive: lean clients, who resume by
    /// event id and are resynced when behind, are not sent it.
    pub keep_alive: bool,
}

impl Outgoing {
    fn event(id: EntryId, original: Payload, lean: Option<Payload>) -> Self {
        Self { id, original, lean, keep_alive: false }
    }

    /// What a client of `protocol` is sent, if anything.
    pub fn payload(&self, protocol: Protocol) -> Option<&Payload> {
        if !protocol.is_lean() {
            return Some(&self.original);
        }
        if self.keep_alive {
            return None;
        }
        Some(self.lean.as_ref().unwrap_or(&self.original))
    }
}

/// What a new (or resyncing) client is sent first, and its place in the live stream.
pub struct Subscription {
    /// Messages to send before any live one: a full frame, or the replayed events.
    pub initial: Vec<Payload>,
    pub live: broadcast::Receiver<Outgoing>,
    /// The client's resume point was unknown or too old, so it got a full frame.
    pub resynced: bool,
}

#[derive(Default)]
struct Published {
    frame: Option<Frame>,
    /// The last stream entry processed.
    last_id: Option<EntryId>,
    /// Recent events, oldest first; every event after `floor` is in here.
    ring: VecDeque<Outgoing>,
    floor: Option<EntryId>,
    /// When the frame is due to be re-sent after a new run's snapshot.
    resend_due: Option<Instant>,
    /// When anything was last broadcast.
    last_sent: Option<Instant>,
}

/// When the hub re-sends the current frame (both `None`: never).
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameResend {
    /// This long after a snapshot event (or a store reset) that starts a run.
    pub after_snapshot: Option<Duration>,
    /// When nothing was broadcast for this long.
    pub when_idle: Option<Duration>,
}

struct Shared {
    published: RwLock<Published>,
    live: broadcast::Sender<Outgoing>,
    replay_events: usize,
    resend: FrameResend,
    ready: AtomicBool,
    metrics: Arc<Metrics>,
}

/// A handle to the hub (cheap to clone).
#[derive(Clone)]
pub struct Hub {
    shared: Arc<Shared>,
}

#[derive(Deserialize)]
struct Tagged<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
struct SnapshotEvent {
    data: Snapshot,
}

impl Hub {
    /// Starts the reader task on `store`; it stops when `stop` changes or is dropped.
    pub fn start<S>(
        store: S,
        client_queue: usize,
        replay_events: usize,
        resend: FrameResend,
        metrics: Arc<Metrics>,
        stop: watch::Receiver<()>,
    ) -> Self
    where
        S: EventStore + SnapshotStore + Clone + Send + Sync + 'static,
    {
        let (live, _) = broadcast::channel(client_queue.max(1));
        let shared = Arc::new(Shared {
            published: RwLock::new(Published::default()),
            live,
            replay_events,
            resend,
            ready: AtomicBool::new(false),
            metrics,
        });
        if let Some(period) = resend_check_period(resend) {
            tokio::spawn(resend_loop(shared.clone(), period, stop.clone()));
        }
        tokio::spawn(read_loop(store, shared.clone(), stop));
        Self { shared }
    }

    /// Whether the reader has caught up with the store and is following it.
    pub fn is_ready(&self) -> bool {
        self.shared.ready.load(Ordering::Relaxed)
    }

    /// Subscribes a client of `protocol`. `after`: the last event it has (`?after=`); `None`
    /// for a new one.
    pub fn subscribe(&self, after: Option<EntryId>, protocol: Protocol) -> Subscription {
        let published = self.read();
        // Subscribing while holding the lock the reader publishes under: nothing is published
        // between copying the backlog and joining the live channel.
        let live = self.shared.live.subscribe();
        if let Some(after) = after {
            let known = published.floor.is_some_and(|floor| after >= floor)
                && published.last_id.is_some_and(|last| after <= last);
            if known {
                let initial = published
                    .ring
                    .iter()
                    .filter(|e| e.id > after)
                    .filter_map(|e| e.payload(protocol).cloned())
                    .collect();
                return Subscription { initial, live, resynced: false };
            }
            let initial = published.frame.as_ref().map(Frame::resync_message).into_iter().collect();
            return Subscription { initial, live, resynced: true };
        }
        let initial = published.frame.as_ref().map(Frame::bare_message).into_iter().collect();
        Subscription { initial, live, resynced: false }
    }

    /// A fresh frame for a client that fell behind, with a new place in the live stream.
    pub fn resync(&self) -> Subscription {
        let published = self.read();
        let live = self.shared.live.subscribe();
        let initial = published.frame.as_ref().map(Frame::resync_message).into_iter().collect();
        Subscription { initial, live, resynced: true }
    }

    /// The id of the last event processed (for tests and `/ready`).
    pub fn last_event_id(&self) -> Option<EntryId> {
        self.read().last_id
    }

    fn read(&self) -> RwLockReadGuard<'_, Published> {
        self.shared.published.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Shared {
    fn write(&self) -> RwLockWriteGuard<'_, Published> {
        self.published.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts over from the store: its snapshot as the frame, its stream end as the position.
    /// Clients connected before are sent the new frame.
    fn reset(&self, snapshot: Option<Snapshot>, last: Option<EntryId>) {
        let mut published = self.write();
        let had_frame = published.frame.is_some();
        published.frame = snapshot.map(|s| Frame::new(s, last));
        published.last_id = last;
        // Everything after the current end will pass through the ring; from an empty stream,
        // that is every event.
        published.floor = Some(last.unwrap_or(EntryId::ZERO));
        published.ring.clear();
        if had_frame && let Some(frame) = &published.frame {
            let id = last.unwrap_or(EntryId::ZERO);
            let _ = self.live.send(Outgoing::event(id, frame.resync_message(), None));
            published.last_sent = Some(Instant::now());
            self.schedule_resend(&mut published);
        }
    }

    /// Plans a re-send of the frame after a run's snapshot; a later snapshot of the same
    /// burst does not postpone it, so a steady stream of snapshots still gets one.
    fn schedule_resend(&self, published: &mut Published) {
        if let Some(delay) = self.resend.after_snapshot
            && published.resend_due.is_none()
        {
            published.resend_due = Some(Instant::now() + delay);
        }
    }

    /// Re-broadcasts the current frame if it is due (see the module docs). The bare message is
    /// serialized once per frame change and shared.
    fn resend_if_due(&self, now: Instant) {
        let mut published = self.write();
        let after_snapshot = published.resend_due.is_some_and(|due| due <= now);
        let idle = self.resend.when_idle.is_some_and(|idle| {
            published.last_sent.is_none_or(|last| now.saturating_duration_since(last) >= idle)
        });
        if !after_snapshot && !idle {
            return;
        }
        if after_snapshot {
            published.resend_due = None;
        }
        // Idle time counts from now even with nothing to send, so a frameless hub does not
        // re-check the frame on every tick.
        published.last_sent = Some(now);
        let Some(frame) = &published.frame else { return };
        let id = published.last_id.unwrap_or(EntryId::ZERO);
        let text = frame.bare_message();
        self.metrics.frame_resends.inc();
        // No receivers is fine: nobody is connected.
        let _ = self.live.send(Outgoing { id, original: text, lean: None, keep_alive: true });
    }

    /// Processes one stream entry: merge into the frame, remember, broadcast.
    fn publish(&self, entry: StreamEntry) {
        let mut published = self.write();
        published.last_id = Some(entry.id);
        let Some(data) = entry.data.as_deref() else {
            return self.skip(&mut published, entry.id);
        };
        let mut lean = None;
        let kind = match serde_json::from_str::<Tagged>(data) {
            Ok(tagged) => tagged.kind.map(|k| k.into_owned()),
            Err(error) => {
                tracing::warn!(id = %entry.id, %error, "skipping an event that is not a JSON object");
                self.metrics.events_skipped.inc();
                return self.skip(&mut published, entry.id);
            }
        };
        match kind.as_deref() {
            Some("delta") => match serde_json::from_str::<Delta>(data) {
                Ok(delta) => match &mut published.frame {
                    // A delta the frame already reflects (the stored snapshot we started from
                    // was saved after it): sending it would move clients' ticks backwards.
                    Some(frame) if delta.tick <= frame.tick() => return self.skip(&mut published, entry.id),
                    Some(frame) => {
                        let new_events = lean::new_events(data);
                        let lean_text = lean::delta_message(frame.snapshot(), &delta, new_events.as_deref());
                        match frame.apply(&delta, entry.id) {
                            Ok(()) => {
                                lean = Some(Payload::new(with_event_id(&lean_text, Some(entry.id), "")))
                            }
                            // Lean clients then get the original, which is a valid lean delta.
                            Err(error) => {
                                tracing::warn!(id = %entry.id, %error, "delta does not apply to the frame")
                            }
                        }
                    }
                    None => {}
                },
                Err(error) => {
                    tracing::warn!(id = %entry.id, %error, "skipping a malformed delta");
                    self.metrics.events_skipped.inc();
                    return self.skip(&mut published, entry.id);
                }
            },
            Some("snapshot") => match serde_json::from_str::<SnapshotEvent>(data) {
                Ok(event) => {
                    published.frame = Some(Frame::new(event.data, Some(entry.id)));
                    self.schedule_resend(&mut published);
                }
                Err(error) => {
                    tracing::warn!(id = %entry.id, %error, "skipping a malformed snapshot event");
                    self.metrics.events_skipped.inc();
                    return self.skip(&mut published, entry.id);
                }
            },
            _ => {
                if let Some(frame) = &mut published.frame {
                    frame.advance_to(entry.id);
                }
            }
        }
        let out = Outgoing::event(entry.id, Payload::new(with_event_id(data, Some(entry.id), "")), lean);
        published.ring.push_back(out.clone());
        while published.ring.len() > self.replay_events {
            if let Some(old) = published.ring.pop_front() {
                published.floor = Some(old.id);
            }
        }
        if self.replay_events == 0 {
            published.floor = Some(entry.id);
        }
        self.metrics.events_published.inc();
        published.last_sent = Some(Instant::now());
        // No receivers is fine: nobody is connected.
        let _ = self.live.send(out);
    }

    /// An entry that clients do not get: the position still moves past it, and a client
    /// resuming after it must not be told that it missed anything.
    fn skip(&self, published: &mut Published, id: EntryId) {
        if let Some(frame) = &mut published.frame {
            frame.advance_to(id);
        }
        if published.ring.is_empty() {
            published.floor = Some(id);
        }
    }
}

/// How often the resend task looks at the clock: a fraction of the shortest delay, so a
/// re-send is at most that late; `None` when re-sending is off.
fn resend_check_period(resend: FrameResend) -> Option<Duration> {
    let shortest = [resend.after_snapshot, resend.when_idle].into_iter().flatten().min()?;
    Some((shortest / 4).clamp(Duration::from_millis(10), Duration::from_millis(250)))
}

async fn resend_loop(shared: Arc<Shared>, period: Duration, mut stop: watch::Receiver<()>) {
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            now = ticker.tick() => {
                shared.resend_if_due(now);
            }
            _ = stop.changed() => return,
        }
    }
}

async fn read_loop<S>(store: S, shared: Arc<Shared>, mut stop: watch::Receiver<()>)
where
    S: EventStore + SnapshotStore + Clone + Send + Sync + 'static,
{
    let mut backoff = Duration::from_millis(100);
    let mut cursor: Option<EntryId> = None;
    loop {
        let step = async {
            match cursor {
                None => bootstrap(&store, &shared).await.map(Some),
                Some(after) => follow(&store, &shared, after).await,
            }
        };
        let result = tokio::select! {
            result = step => result,
            _ = stop.changed() => return,
        };
        match result {
            Ok(next) => {
                cursor = next;
                backoff = Duration::from_millis(100);
            }
            Err(error) => {
                shared.ready.store(false, Ordering::Relaxed);
                shared.metrics.store_errors.inc();
                tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64, "event stream read failed");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => return,
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Reads the stream end, then the stored snapshot (in that order: any event after the end
/// position is newer than what we start from, and deltas the snapshot already reflects are
/// skipped by tick).
async fn bootstrap<S: EventStore + SnapshotStore>(store: &S, shared: &Shared) -> Result<EntryId, StoreError> {
    let last = store.last_event_id().await?;
    let snapshot = match store.snapshot().await? {
        Some(stored) => match serde_json::from_str::<Snapshot>(&stored.data) {
            Ok(snapshot) => Some(snapshot),
            Err(error) => {
                tracing::warn!(%error, "the stored snapshot is unreadable; waiting for the next one");
                None
            }
        },
        None => None,
    };
    shared.reset(snapshot, last);
    shared.ready.store(true, Ordering::Relaxed);
    tracing::info!(last = ?last.map(|id| id.to_string()), "event hub following the stream");
    Ok(last.unwrap_or(EntryId::ZERO))
}

/// One read: publishes what arrived; `Ok(None)` when the stream was reset (its end is now before
/// our position, e.g. Redis lost its data) and the hub must bootstrap again.
async fn follow<S: EventStore + SnapshotStore>(
    store: &S,
    shared: &Shared,
    after: EntryId,
) -> Result<Option<EntryId>, StoreError> {
    let entries = store.read_events_after(after, READ_BATCH, READ_BLOCK).await?;
    shared.ready.store(true, Ordering::Relaxed);
    if entries.is_empty() {
        let end = store.last_event_id().await?;
        if end.unwrap_or(EntryId::ZERO) < after {
            tracing::warn!(%after, "the event stream was reset; starting over from the stored snapshot");
            return Ok(None);
        }
        return Ok(Some(after));
    }
    let mut cursor = after;
    for entry in entries {
        cursor = entry.id;
        shared.publish(entry);
    }
    Ok(Some(cursor))
}
