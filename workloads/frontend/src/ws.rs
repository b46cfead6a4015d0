//! `GET /ws`: the live feed (WIRE.md §9.2, with KNOWN_DEFECTS G1/G2 fixed).
//!
//! On connect a client gets the current frame (the reference's bare snapshot, plus `event_id`),
//! then every event in order, each with its `event_id`. `?after=<event id>` resumes: the events
//! after that id if the hub still has them, else a full frame marked `resync`. The server pings
//! every `WS_PING_MS` and closes a client silent for `WS_IDLE_TIMEOUT_MS`; a client that falls
//! `WS_CLIENT_QUEUE` events behind is resynced; one whose socket takes no data for
//! `WS_SEND_TIMEOUT_MS` is dropped. Client messages are read only as signs of life.
//!
//! The messages' form is negotiated by subprotocol ([`crate::protocol`]): the reference's by
//! default, or lean deltas, optionally deflated.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use sector_store::EntryId;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::config::WsSettings;
use crate::error::FrontendError;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::protocol::{self, Protocol};
use crate::state::AppState;

/// Client messages are ignored; anything bigger than this closes the connection.
const MAX_CLIENT_MESSAGE: usize = 4096;
/// Read buffer per connection (tungstenite's default is 128 KiB).
const READ_BUFFER: usize = 4096;

#[derive(Debug, Deserialize)]
pub struct WsQuery {
    after: Option<String>,
}

pub async fn handler(
    State(state): State<AppState>,
    Query(query): Query<WsQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, FrontendError> {
    let after = match query.after.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<EntryId>().map_err(|_| {
            FrontendError::bad_query("after", raw, "after must be an event id such as 1700000000000-0")
        })?),
    };
    let settings = state.config().ws.clone();
    if state.metrics().ws_clients.get() >= i64::try_from(settings.max_clients).unwrap_or(i64::MAX) {
        return Err(FrontendError::Unavailable("too many live connections; try again later".into()));
    }
    let hub = state.hub().clone();
    let metrics = state.metrics().clone();
    // The first of ours the client offered is echoed in the handshake; a client that offered
    // none of them gets the original protocol.
    let upgrade = upgrade.protocols(protocol::OFFERED);
    let protocol = Protocol::selected(upgrade.selected_protocol());
    Ok(upgrade
        // Per-connection buffers dominate the memory of an idle client: clients send almost
        // nothing, and outgoing messages are written as they come (the kernel buffers them).
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| session(socket, hub, after, protocol, settings, metrics))
        .into_response())
}

/// Why a session ended (a metric label).
#[derive(Debug, Clone, Copy)]
enum End {
    ClientClosed,
    HeartbeatTimeout,
    SendTimeout,
    SendFailed,
    HubStopped,
}

impl End {
    fn as_str(self) -> &'static str {
        match self {
            End::ClientClosed => "client_closed",
            End::HeartbeatTimeout => "heartbeat_timeout",
            End::SendTimeout => "send_timeout",
            End::SendFailed => "send_failed",
            End::HubStopped => "shutdown",
        }
    }
}

/// Keeps the connected-clients gauge right however the session ends.
struct ClientGuard(Arc<Metrics>);

impl ClientGuard {
    fn new(metrics: Arc<Metrics>) -> Self {
        metrics.ws_clients.inc();
        metrics.ws_connections.inc();
        Self(metrics)
    }
}

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.0.ws_clients.dec();
    }
}

async fn session(
    socket: WebSocket,
    hub: Hub,
    after: Option<EntryId>,
    protocol: Protocol,
    settings: WsSettings,
    metrics: Arc<Metrics>,
) {
    let _guard = ClientGuard::new(metrics.clone());
    let end = run_session(socket, &hub, after, protocol, &settings, &metrics).await;
    metrics.closed(end.as_str());
    tracing::debug!(reason = end.as_str(), "ws client gone");
}

async fn run_session(
    socket: WebSocket,
    hub: &Hub,
    after: Option<EntryId>,
    protocol: Protocol,
    settings: &WsSettings,
    metrics: &Metrics,
) -> End {
    let (mut sink, mut incoming) = socket.split();
    let send = async |sink: &mut futures_util::stream::SplitSink<WebSocket, Message>, message: Message| {
        match tokio::time::timeout(settings.send_timeout, sink.send(message)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::SendFailed),
            Err(_) => Err(End::SendTimeout),
        }
    };

    let mut subscription = hub.subscribe(after, protocol);
    let mut last_heard = Instant::now();
    let mut ping = tokio::time::interval(settings.ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    loop {
        if !subscription.initial.is_empty() {
            if subscription.resynced {
                metrics.ws_resyncs.inc();
            }
            for payload in std::mem::take(&mut subscription.initial) {
                if let Err(end) = send(&mut sink, payload.message(protocol.deflates())).await {
                    return end;
                }
                metrics.ws_messages.inc();
            }
        }
        tokio::select! {
            biased;
            message = incoming.next() => match message {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return End::ClientClosed,
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            _ = ping.tick() => {
                if last_heard.elapsed() >= settings.idle_timeout {
                    let frame = CloseFrame { code: close_code::AWAY, reason: Utf8Bytes::from_static("heartbeat timeout") };
                    let _ = tokio::time::timeout(settings.send_timeout, sink.send(Message::Close(Some(frame)))).await;
                    return End::HeartbeatTimeout;
                }
                if let Err(end) = send(&mut sink, Message::Ping(Default::default())).await {
                    return end;
                }
            }
            event = subscription.live.recv() => match event {
                Ok(event) => {
                    let Some(payload) = event.payload(protocol) else { continue };
                    if let Err(end) = send(&mut sink, payload.message(protocol.deflates())).await {
                        return end;
                    }
                    metrics.ws_messages.inc();
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "ws client fell behind; resyncing");
                    subscription = hub.resync();
                }
                Err(RecvError::Closed) => return End::HubStopped,
            },
        }
    }
}
