//! Shared test support: a frontend on an in-process store, a world whose ticks produce real
//! snapshot and delta events, and a WebSocket client.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sector_ai::{Puppet, to_orders};
use sector_core::delta::Delta;
use sector_core::snapshot::Snapshot;
use sector_core::world::World;
use sector_core::{Config, generator};
use sector_frontend::{AppState, FrontendConfig};
use sector_store::prelude::*;
use sector_store::{EntryId, MemoryStore};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A frontend served on a free port.
pub struct Frontend {
    pub addr: SocketAddr,
    pub state: AppState,
    pub store: MemoryStore,
    stop: watch::Sender<bool>,
}

impl Frontend {
    pub async fn start(config: FrontendConfig) -> Self {
        Self::start_on(MemoryStore::new(), config).await
    }

    pub async fn start_on(store: MemoryStore, config: FrontendConfig) -> Self {
        let state = AppState::new(store.clone(), config).expect("frontend state");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, mut stopped) = watch::channel(false);
        let shutdown = async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        tokio::spawn(sector_frontend::serve(state.clone(), listener, shutdown));
        let frontend = Self { addr, state, store, stop };
        frontend.wait_ready().await;
        frontend
    }

    pub async fn wait_ready(&self) {
        eventually("hub ready", || self.state.hub().is_ready()).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn connect(&self, query: &str) -> Client {
        let url = format!("ws://{}/ws{}", self.addr, query);
        let (client, _) = tokio_tungstenite::connect_async(url).await.expect("ws connect");
        client
    }

    /// Connects offering the `subprotocols` (comma-separated); returns the one the server chose.
    pub async fn connect_offering(&self, query: &str, subprotocols: &str) -> (Client, String) {
        let (client, chosen) = self.try_connect_offering(query, subprotocols).await.expect("ws connect");
        (client, chosen.expect("the server chose a subprotocol"))
    }

    /// [`Self::connect_offering`], failing as tungstenite (and Chromium) do when the server
    /// agrees to none of the offered subprotocols.
    pub async fn try_connect_offering(
        &self,
        query: &str,
        subprotocols: &str,
    ) -> Result<(Client, Option<String>), tokio_tungstenite::tungstenite::Error> {
        let mut request = format!("ws://{}/ws{}", self.addr, query).into_client_request()?;
        request
            .headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_str(subprotocols).expect("header"));
        let (client, response) = tokio_tungstenite::connect_async(request).await?;
        let chosen =
            response.headers().get("sec-websocket-protocol").map(|v| v.to_str().unwrap_or("?").to_owned());
        Ok((client, chosen))
    }

    /// Appends an event and waits until the hub has fanned it out.
    pub async fn publish(&self, event: &str) -> EntryId {
        let id = self.store.append_event(event, 100_000).await.expect("append");
        eventually("hub caught up", || self.state.hub().last_event_id() >= Some(id)).await;
        id
    }

    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for Frontend {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Polls `condition` for up to 10 s.
pub async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A world that advances tick by tick, producing the sim's event texts.
pub struct Game {
    pub world: World,
    prev: Snapshot,
    /// The bot AI playing every faction, if any (else nobody gives orders).
    bots: Option<Puppet>,
}

impl Game {
    pub fn new(systems: usize, seed: i64) -> Self {
        let mut config = Config::default();
        config.simulation.number_of_systems = systems;
        let world = generator::generate(&config, seed).expect("generate");
        let prev = world.snapshot();
        Self { world, prev, bots: None }
    }

    /// A game the bot AI plays for every faction, as in a bots-only run: fleets move, fight and
    /// capture, and the event log fills.
    pub fn with_bots(systems: usize, seed: i64) -> Self {
        let mut game = Self::new(systems, seed);
        let mut config = Config::default();
        config.simulation.number_of_systems = systems;
        game.bots = Some(Puppet::new(seed, &config));
        game
    }

    pub fn snapshot(&self) -> Snapshot {
        self.world.snapshot()
    }

    /// `{"type":"snapshot","data":…}` of the current world.
    pub fn snapshot_event(&self) -> String {
        format!(
            "{{\"type\":\"snapshot\",\"data\":{}}}",
            serde_json::to_string(&self.world.snapshot()).unwrap()
        )
    }

    /// Advances one tick and returns its delta event as the sim writes it: the delta plus the
    /// additive `new_events`.
    pub fn tick(&mut self) -> String {
        let (delta, new_events) = self.advance();
        let delta = serde_json::to_string(&delta).unwrap();
        let new_events = serde_json::to_string(&new_events).unwrap();
        format!("{},\"new_events\":{new_events}}}", delta.strip_suffix('}').unwrap())
    }

    /// Advances one tick and returns its delta event without `new_events` (an older sim's).
    pub fn tick_without_new_events(&mut self) -> String {
        serde_json::to_string(&self.advance().0).unwrap()
    }

    fn advance(&mut self) -> (Delta, Vec<String>) {
        let orders = self.bots.as_mut().map(|bots| to_orders(&bots.decide(&self.world))).unwrap_or_default();
        let summary = self.world.advance(&orders);
        let curr = self.world.snapshot();
        let delta = Delta::between(&self.prev, &curr);
        self.prev = curr;
        (delta, summary.new_events)
    }
}

/// Next text message as JSON, skipping control frames; `None` on close or after `wait`.
pub async fn next_json(client: &mut Client, wait: Duration) -> Option<Value> {
    let text = next_text(client, wait).await?;
    Some(serde_json::from_str(&text).expect("server sends JSON"))
}

/// Next binary message, skipping control frames; `None` on close or after `wait`.
pub async fn next_binary(client: &mut Client, wait: Duration) -> Option<Vec<u8>> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let message = tokio::time::timeout_at(deadline, client.next()).await.ok()??;
        match message {
            Ok(Message::Binary(data)) => return Some(data.to_vec()),
            Ok(Message::Text(text)) => panic!("a text message where a binary one was due: {text:.80}"),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

/// Next text message, skipping control frames; `None` on close or after `wait`.
pub async fn next_text(client: &mut Client, wait: Duration) -> Option<String> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let message = tokio::time::timeout_at(deadline, client.next()).await.ok()??;
        match message {
            Ok(Message::Text(text)) => return Some(text.as_str().to_owned()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

/// The message's `event_id` as an entry id.
pub fn event_id(message: &Value) -> Option<EntryId> {
    message["event_id"].as_str().and_then(|s| s.parse().ok())
}

/// Applies a message to a client-side frame the way the web UI does (WIRE.md §5.2, §9.2).
pub fn apply(frame: &mut Option<Snapshot>, message: &Value) {
    match message["type"].as_str() {
        None => *frame = Some(serde_json::from_value(message.clone()).expect("bare snapshot")),
        Some("snapshot") => *frame = Some(serde_json::from_value(message["data"].clone()).expect("snapshot")),
        Some("delta") => {
            let delta: Delta = serde_json::from_value(message.clone()).expect("delta");
            if let Some(frame) = frame {
                frame.apply_delta(&delta).expect("delta applies");
            }
        }
        _ => {}
    }
}

pub async fn close(mut client: Client) {
    let _ = client.send(Message::Close(None)).await;
}

/// Dev defaults without frame re-sends, so tests see exactly the events they publish (the
/// re-send tests turn them on).
pub fn quick_config() -> FrontendConfig {
    let mut config = FrontendConfig::dev("http://127.0.0.1:9");
    config.ws.frame_resend_after = None;
    config.ws.idle_frame_every = None;
    config
}

/// Asserts the client-side frame equals the world's snapshot. `orders_applied` is left out:
/// deltas never carry it (WIRE.md §5.2), so a client keeps the one of its last full frame.
#[track_caller]
pub fn assert_frame_is(local: &Option<Snapshot>, expected: &Snapshot, what: &str) {
    let Some(local) = local else { panic!("{what}: the client has no frame") };
    let mut local = local.clone();
    let mut expected = expected.clone();
    local.orders_applied = None;
    expected.orders_applied = None;
    if local != expected {
        let a = serde_json::to_string(&local).unwrap();
        let b = serde_json::to_string(&expected).unwrap();
        let at = a.bytes().zip(b.bytes()).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        let from = at.saturating_sub(80);
        panic!(
            "{what}: frames differ at byte {at}: client …{}… world …{}…",
            &a[from..(at + 80).min(a.len())],
            &b[from..(at + 80).min(b.len())]
        );
    }
}
