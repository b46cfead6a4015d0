//! `/ws`: the first frame, ordered events with ids, gapless resumption, resync of slow
//! clients, heartbeats, and the negotiated lean protocol.

mod common;

use std::io::Read;
use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use sector_frontend::{FrontendConfig, LEAN_DEFLATE_PROTOCOL, LEAN_PROTOCOL};
use sector_store::EntryId;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_new_client_gets_the_frame_then_every_event_in_order_with_ids() {
    let frontend = Frontend::start(quick_config()).await;
    let mut game = Game::new(30, 7);
    let first = frontend.publish(&game.snapshot_event()).await;

    let mut client = frontend.connect("").await;
    let frame = next_json(&mut client, WAIT).await.expect("first frame");
    assert!(frame.get("type").is_none(), "the reference's bare snapshot: {frame:.80}");
    assert_eq!(frame["tick"], 0);
    assert_eq!(event_id(&frame), Some(first), "the frame says which event it reflects");

    let mut ids = vec![first];
    for _ in 0..5 {
        ids.push(frontend.publish(&game.tick()).await);
    }
    let run_end =
        frontend.publish(r#"{"type":"run_end","winner":null,"winner_label":"none","tick":5}"#).await;
    ids.push(run_end);
    let mut local = None;
    apply(&mut local, &frame);
    for (i, expected) in ids.iter().enumerate().skip(1) {
        let message = next_json(&mut client, WAIT).await.expect("event");
        assert_eq!(event_id(&message), Some(*expected), "event {i} in stream order");
        apply(&mut local, &message);
    }
    assert_frame_is(&local, &game.snapshot(), "the merged frame equals the world");
    close(client).await;
}

#[tokio::test]
async fn resuming_with_after_loses_nothing_across_a_reconnect() {
    let frontend = Frontend::start(quick_config()).await;
    let mut game = Game::new(30, 11);
    frontend.publish(&game.snapshot_event()).await;

    let mut client = frontend.connect("").await;
    let mut local = None;
    let mut last = None;
    let frame = next_json(&mut client, WAIT).await.expect("frame");
    apply(&mut local, &frame);
    for _ in 0..3 {
        frontend.publish(&game.tick()).await;
        let message = next_json(&mut client, WAIT).await.expect("delta");
        last = event_id(&message);
        apply(&mut local, &message);
    }
    close(client).await;

    // Events while the client is away, including a new run.
    let mut missed = Vec::new();
    for _ in 0..4 {
        missed.push(frontend.publish(&game.tick()).await);
    }
    missed
        .push(frontend.publish(r#"{"type":"run_end","winner":"F1","winner_label":"Empire","tick":7}"#).await);
    let mut game = Game::new(30, 12);
    missed.push(frontend.publish(&game.snapshot_event()).await);
    missed.push(frontend.publish(&game.tick()).await);

    let after = last.expect("an id to resume after");
    let mut client = frontend.connect(&format!("?after={after}")).await;
    for expected in &missed {
        let message = next_json(&mut client, WAIT).await.expect("missed event");
        assert_eq!(event_id(&message), Some(*expected), "exactly the missed events, no frame first");
        assert!(message.get("resync").is_none());
        apply(&mut local, &message);
    }
    let live = frontend.publish(&game.tick()).await;
    let message = next_json(&mut client, WAIT).await.expect("live event");
    assert_eq!(event_id(&message), Some(live));
    apply(&mut local, &message);
    assert_frame_is(&local, &game.snapshot(), "no gap: the client's frame is the world");
    close(client).await;
}

#[tokio::test]
async fn a_resume_point_that_is_gone_gets_a_resync_frame() {
    let mut config = quick_config();
    config.ws.replay_events = 4;
    let frontend = Frontend::start(config).await;
    let mut game = Game::new(30, 3);
    let oldest = frontend.publish(&game.snapshot_event()).await;
    for _ in 0..10 {
        frontend.publish(&game.tick()).await;
    }
    for query in [format!("?after={oldest}"), "?after=99999999999999-0".to_owned()] {
        let mut client = frontend.connect(&query).await;
        let message = next_json(&mut client, WAIT).await.expect("resync frame");
        assert_eq!(
            (message["type"].as_str(), message["resync"].as_bool()),
            (Some("snapshot"), Some(true)),
            "{query}"
        );
        assert_eq!(message["data"]["tick"], 10);
        let mut local = None;
        apply(&mut local, &message);
        assert_frame_is(&local, &game.snapshot(), "resync frame");
        close(client).await;
    }
    let refused =
        tokio_tungstenite::connect_async(format!("ws://{}/ws?after=yesterday", frontend.addr)).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 422, "a malformed resume point is a client error");
        }
        other => panic!("expected a 422 refusal, got {:?}", other.map(|_| "a connection")),
    }
}

#[tokio::test]
async fn a_slow_client_is_resynced_instead_of_buffered() {
    let mut config = quick_config();
    config.ws.client_queue = 4;
    config.ws.send_timeout = Duration::from_secs(60);
    let frontend = Frontend::start(config).await;
    // Snapshot events of a large map (~0.3 MB each) fill the socket buffers quickly.
    let mut game = Game::new(1000, 5);
    frontend.publish(&game.snapshot_event()).await;

    let mut client = frontend.connect("").await;
    let published = 100;
    for _ in 0..published {
        game.tick();
        frontend.publish(&game.snapshot_event()).await;
    }
    // Only now does the client start reading: it gets what the sockets held, then a resync.
    let mut received = 0;
    let mut local = None;
    let mut resynced = false;
    while let Some(message) = next_json(&mut client, Duration::from_secs(2)).await {
        received += 1;
        resynced |= message["resync"] == Value::Bool(true);
        apply(&mut local, &message);
    }
    assert!(resynced, "the lagging client got a fresh frame");
    assert!(received < published, "the backlog was skipped, not buffered: {received} of {published}");
    let metrics = frontend.state.metrics();
    assert_eq!(metrics.ws_resyncs.get(), 1);

    let live = frontend.publish(&game.tick()).await;
    let message = next_json(&mut client, WAIT).await.expect("live after resync");
    assert_eq!(event_id(&message), Some(live));
    apply(&mut local, &message);
    assert_frame_is(&local, &game.snapshot(), "after the resync the client is exact again");
    close(client).await;
}

#[tokio::test]
async fn heartbeats_close_dead_connections_and_keep_live_ones() {
    let config = FrontendConfig {
        ws: sector_frontend::WsSettings {
            ping_interval: Duration::from_millis(50),
            idle_timeout: Duration::from_millis(300),
            ..Default::default()
        },
        ..quick_config()
    };
    let frontend = Frontend::start(config).await;
    let metrics = frontend.state.metrics().clone();

    // A client that never reads never answers pings: the server gives up on it.
    let dead = frontend.connect("").await;
    eventually("one client", || metrics.ws_clients.get() == 1).await;
    eventually("dead client closed", || metrics.ws_clients.get() == 0).await;
    let closed = metrics.render();
    assert!(closed.contains("sector_frontend_ws_closed_total{reason=\"heartbeat_timeout\"} 1"), "{closed}");
    drop(dead);

    // A client that reads answers pings (tungstenite replies automatically) and stays.
    let mut live = frontend.connect("").await;
    let reader = tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(1200);
        let mut pings = 0;
        while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, live.next()).await {
            if message.is_ping() {
                pings += 1;
            }
        }
        (pings, live)
    });
    let (pings, live) = reader.await.unwrap();
    assert!(pings >= 5, "pings arrive every 50 ms: {pings}");
    assert_eq!(metrics.ws_clients.get(), 1, "a client answering pings stays connected");
    close(live).await;
}

#[tokio::test]
async fn many_clients_share_one_reader() {
    let frontend = Frontend::start(quick_config()).await;
    let mut game = Game::new(30, 9);
    frontend.publish(&game.snapshot_event()).await;
    let mut clients = Vec::new();
    for _ in 0..50 {
        let mut client = frontend.connect("").await;
        next_json(&mut client, WAIT).await.expect("frame");
        clients.push(client);
    }
    let id = frontend.publish(&game.tick()).await;
    for client in &mut clients {
        let message = next_json(client, WAIT).await.expect("delta");
        assert_eq!(event_id(&message), Some(id));
    }
    assert_eq!(frontend.state.metrics().events_published.get(), 2, "each event read once, not per client");
}

/// A client like the reference page: it merges deltas as best it can (a delta of another map
/// may not apply) and takes every full frame.
fn apply_tolerant(frame: &mut Option<sector_core::snapshot::Snapshot>, message: &Value) {
    if message["type"] == "delta" {
        let delta: sector_core::delta::Delta = serde_json::from_value(message.clone()).expect("delta");
        if let Some(frame) = frame {
            let _ = frame.apply_delta(&delta);
        }
    } else {
        apply(frame, message);
    }
}

#[tokio::test]
async fn a_client_that_drops_a_new_runs_snapshot_still_gets_the_new_map() {
    let mut config = quick_config();
    config.ws.frame_resend_after = Some(Duration::from_millis(200));
    let frontend = Frontend::start(config).await;
    // Connected before the first run starts, so the first run's re-send reaches it as well.
    let mut client = frontend.connect("").await;
    eventually("client connected", || frontend.state.metrics().ws_clients.get() == 1).await;
    let mut old = Game::new(30, 21);
    let first = frontend.publish(&old.snapshot_event()).await;
    let mut local = None;
    apply(&mut local, &next_json(&mut client, WAIT).await.expect("the first run's snapshot"));
    let first_resend = next_json(&mut client, WAIT).await.expect("re-sent frame of the first run");
    assert!(first_resend.get("type").is_none(), "a bare snapshot, as to a new client: {first_resend:.80}");
    assert_eq!(event_id(&first_resend), Some(first), "it carries the id of the event it reflects");
    apply(&mut local, &first_resend);
    frontend.publish(&old.tick()).await;
    apply(&mut local, &next_json(&mut client, WAIT).await.expect("delta"));
    assert_frame_is(&local, &old.snapshot(), "first run");

    frontend.publish(r#"{"type":"run_end","winner":null,"winner_label":"none","tick":1}"#).await;
    let mut new = Game::new(30, 22);
    let snapshot_id = frontend.publish(&new.snapshot_event()).await;
    let delta_id = frontend.publish(&new.tick()).await;

    let mut dropped = false;
    let resent = loop {
        let message = next_json(&mut client, WAIT).await.expect("the new run's frame is sent again");
        if message["type"] == "snapshot" && !dropped {
            assert_eq!(event_id(&message), Some(snapshot_id));
            dropped = true;
            continue;
        }
        let bare = message.get("type").is_none();
        apply_tolerant(&mut local, &message);
        if bare {
            break message;
        }
    };
    assert!(dropped, "the client saw (and dropped) the new run's snapshot");
    assert_eq!(event_id(&resent), Some(delta_id), "the re-sent frame reflects every event before it");
    assert_frame_is(&local, &new.snapshot(), "after the re-sent frame the client shows the new map");

    let live = frontend.publish(&new.tick()).await;
    let message = next_json(&mut client, WAIT).await.expect("live delta");
    assert_eq!(event_id(&message), Some(live), "no event is lost or repeated around the re-send");
    apply(&mut local, &message);
    assert_frame_is(&local, &new.snapshot(), "live after the re-send");

    // Resuming after the re-sent frame's id gets exactly the later events.
    let mut resumed = frontend.connect(&format!("?after={delta_id}")).await;
    let message = next_json(&mut resumed, WAIT).await.expect("resumed event");
    assert_eq!(event_id(&message), Some(live));
    assert!(message.get("resync").is_none());
    assert!(frontend.state.metrics().frame_resends.get() >= 2);
    close(client).await;
    close(resumed).await;
}

#[tokio::test]
async fn an_idle_feed_re_sends_the_current_frame_and_a_busy_one_does_not() {
    let mut config = quick_config();
    config.ws.idle_frame_every = Some(Duration::from_millis(400));
    let frontend = Frontend::start(config).await;
    let mut game = Game::new(30, 5);
    frontend.publish(&game.snapshot_event()).await;
    let last = frontend.publish(&game.tick()).await;
    let mut client = frontend.connect("").await;
    let frame = next_json(&mut client, WAIT).await.expect("frame");
    assert_eq!(event_id(&frame), Some(last));
    for _ in 0..2 {
        let again = next_json(&mut client, Duration::from_secs(2)).await.expect("idle re-send");
        assert!(again.get("type").is_none(), "{again:.80}");
        assert_eq!(event_id(&again), Some(last), "nothing new: the same frame and id");
        let mut local = None;
        apply(&mut local, &again);
        assert_frame_is(&local, &game.snapshot(), "idle re-send");
    }

    // Events every 50 ms keep the feed busy: only the events arrive.
    let mut expected = Vec::new();
    for _ in 0..16 {
        expected.push(frontend.publish(&game.tick()).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut received = Vec::new();
    while received.len() < expected.len() {
        let message = next_json(&mut client, WAIT).await.expect("event");
        if message.get("type").is_some() {
            received.push(event_id(&message).expect("id"));
        } else {
            // An idle re-send may have been on its way before the first event.
            assert!(received.is_empty(), "no re-send between busy events: {message:.80}");
        }
    }
    assert_eq!(received, expected);
    close(client).await;
}

/// The original client merge rule (WIRE.md §5.2, `mergeDelta` in `ui/frame.js`) on a JSON frame.
fn merge_original(frame: &mut Value, message: &Value) {
    match message["type"].as_str() {
        None => *frame = message.clone(),
        Some("snapshot") => *frame = message["data"].clone(),
        Some("delta") if frame.is_object() => {
            merge_by_id(&mut frame["systems"], &message["changed_systems"]);
            if let (Some(fleets), Some(removed)) =
                (frame["fleets"].as_array_mut(), message["removed_fleets"].as_array())
            {
                fleets.retain(|f| !removed.contains(&f["id"]));
            }
            merge_by_id(&mut frame["fleets"], &message["changed_fleets"]);
            for key in ["tick", "tick_delay_ms", "generator_seed", "highlight_ids", "events", "factions"] {
                if !message[key].is_null() {
                    frame[key] = message[key].clone();
                }
            }
        }
        _ => {}
    }
}

/// The lean rule (`sector.lean.v1`): the original one, where an absent field is unchanged, plus
/// `new_events` appended to the list (trimmed to its last 30) when `events` is absent.
fn merge_lean(frame: &mut Value, message: &Value) {
    merge_original(frame, message);
    if message["type"] == "delta"
        && message.get("events").is_none()
        && let (Some(events), Some(new)) = (frame["events"].as_array_mut(), message["new_events"].as_array())
    {
        events.extend(new.iter().cloned());
        let excess = events.len().saturating_sub(30);
        events.drain(..excess);
    }
}

/// Shallow-merges each object of `changes` into the item of `list` with its id, or appends it.
fn merge_by_id(list: &mut Value, changes: &Value) {
    let (Some(list), Some(changes)) = (list.as_array_mut(), changes.as_array()) else { return };
    for change in changes {
        match list.iter_mut().find(|item| item["id"] == change["id"]) {
            Some(Value::Object(item)) => {
                item.extend(change.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), v.clone())))
            }
            _ => list.push(change.clone()),
        }
    }
}

/// The text of a raw-deflated message.
fn inflate(deflated: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::DeflateDecoder::new(deflated).read_to_string(&mut text).expect("raw deflate of UTF-8 text");
    text
}

/// The text of `event` as the original protocol sends it (the sim's object plus `event_id`).
fn with_event_id(event: &str, id: EntryId) -> String {
    format!("{},\"event_id\":\"{id}\"}}", event.strip_suffix('}').unwrap())
}

/// An original, a lean and a deflated lean client of the same frontend, each merging with its
/// own rule.
struct Clients {
    original: Client,
    lean: Client,
    deflated: Client,
    original_frame: Value,
    lean_frame: Value,
    original_bytes: usize,
    lean_bytes: usize,
    deflated_bytes: usize,
    /// Lean deltas with `new_events` only, with the full `events`, with a partial fleet.
    appended: usize,
    full_events: usize,
    partial_fleets: usize,
}

impl Clients {
    /// Reads the next message of each client, checks it is event `id` and that the frames agree.
    async fn receive(&mut self, id: EntryId, published: &str, what: &str) {
        let text = next_text(&mut self.original, WAIT).await.expect("original message");
        assert_eq!(text, with_event_id(published, id), "{what}: the original client gets the sim's text");
        self.original_bytes += text.len();
        merge_original(&mut self.original_frame, &serde_json::from_str(&text).unwrap());
        self.receive_lean(id, what).await;
        assert_eq!(self.lean_frame, self.original_frame, "{what}: both clients hold the same frame");
    }

    /// Reads the next message of the lean clients: the deflated one gets the lean text deflated.
    async fn receive_lean(&mut self, id: EntryId, what: &str) {
        let text = next_text(&mut self.lean, WAIT).await.expect("lean message");
        let deflated = next_binary(&mut self.deflated, WAIT).await.expect("deflated message");
        assert_eq!(inflate(&deflated), text, "{what}: the deflated lean message is the lean text");
        let lean: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(event_id(&lean), Some(id), "{what}: the lean client gets every event in order");
        self.lean_bytes += text.len();
        self.deflated_bytes += deflated.len();
        if lean["type"] == "delta" {
            if lean.get("events").is_some() {
                self.full_events += 1;
            } else if lean.get("new_events").is_some() {
                self.appended += 1;
            }
            let fleets = lean["changed_fleets"].as_array().into_iter().flatten();
            self.partial_fleets += fleets.filter(|f| f.get("owner").is_none()).count();
        }
        merge_lean(&mut self.lean_frame, &lean);
    }
}

#[tokio::test]
async fn a_lean_client_holds_the_same_frame_as_an_original_one_after_every_event() {
    let frontend = Frontend::start(quick_config()).await;
    let mut game = Game::with_bots(30, 17);
    frontend.publish(&game.snapshot_event()).await;
    let original = frontend.connect("").await;
    let (lean, chosen) = frontend.connect_offering("", LEAN_PROTOCOL).await;
    assert_eq!(chosen, LEAN_PROTOCOL, "the server agrees to the lean protocol");
    let (deflated, chosen) = frontend.connect_offering("", LEAN_DEFLATE_PROTOCOL).await;
    assert_eq!(chosen, LEAN_DEFLATE_PROTOCOL);
    let mut clients = Clients {
        original,
        lean,
        deflated,
        original_frame: Value::Null,
        lean_frame: Value::Null,
        original_bytes: 0,
        lean_bytes: 0,
        deflated_bytes: 0,
        appended: 0,
        full_events: 0,
        partial_fleets: 0,
    };
    let first = next_text(&mut clients.original, WAIT).await.expect("frame");
    let deflated_first = next_binary(&mut clients.deflated, WAIT).await.expect("deflated frame");
    assert_eq!(inflate(&deflated_first), first, "the first frame, deflated");
    assert_eq!(
        next_text(&mut clients.lean, WAIT).await.as_deref(),
        Some(first.as_str()),
        "the same first frame"
    );
    merge_original(&mut clients.original_frame, &serde_json::from_str(&first).unwrap());
    merge_lean(&mut clients.lean_frame, &serde_json::from_str(&first).unwrap());

    for tick in 1..=300 {
        // Now and then a delta as an older sim writes it, without `new_events`.
        let event = if tick % 25 == 0 { game.tick_without_new_events() } else { game.tick() };
        let id = frontend.publish(&event).await;
        clients.receive(id, &event, &format!("tick {tick}")).await;
        if tick == 150 {
            // The lean client drops out, misses some ticks and resumes: the replay is lean too.
            let placeholder = frontend.connect("").await;
            close(std::mem::replace(&mut clients.lean, placeholder)).await;
            let mut missed = Vec::new();
            for _ in 0..5 {
                let event = game.tick();
                let id = frontend.publish(&event).await;
                let original = next_json(&mut clients.original, WAIT).await.expect("original delta");
                merge_original(&mut clients.original_frame, &original);
                missed.push(id);
            }
            let (lean, _) = frontend.connect_offering(&format!("?after={id}"), LEAN_PROTOCOL).await;
            close(std::mem::replace(&mut clients.lean, lean)).await;
            for id in missed {
                clients.receive_lean(id, "resumed").await;
            }
            assert_eq!(clients.lean_frame, clients.original_frame, "after resuming");
        }
    }
    // Deltas never carry `history_tail` (WIRE.md §5.2), in either protocol.
    let mut world = game.snapshot();
    world.history_tail.clear();
    let lean_snapshot = Some(serde_json::from_value(clients.lean_frame.clone()).expect("a snapshot"));
    assert_frame_is(&lean_snapshot, &world, "the lean client's frame is the world");
    assert!(clients.appended > 100, "most deltas carry only new events: {}", clients.appended);
    assert!(clients.full_events > 0, "deltas without new_events carry the changed list");
    assert!(clients.partial_fleets > 0, "fleets moved and were sent as changes");
    assert!(
        clients.lean_bytes * 3 < clients.original_bytes,
        "lean deltas are much smaller: {} against {} bytes",
        clients.lean_bytes,
        clients.original_bytes
    );
    assert!(
        clients.deflated_bytes * 2 < clients.lean_bytes,
        "deflated, smaller again: {} against {} bytes",
        clients.deflated_bytes,
        clients.lean_bytes
    );
    close(clients.original).await;
    close(clients.lean).await;
    close(clients.deflated).await;
}

#[tokio::test]
async fn the_lean_protocol_is_negotiated_and_skips_keep_alive_frames() {
    let mut config = quick_config();
    config.ws.idle_frame_every = Some(Duration::from_millis(300));
    let frontend = Frontend::start(config).await;
    let mut game = Game::new(30, 4);
    frontend.publish(&game.snapshot_event()).await;
    frontend.publish(&game.tick()).await;

    let refused = frontend.try_connect_offering("", "chat").await.map(|_| "a connection");
    assert!(
        matches!(refused, Err(tokio_tungstenite::tungstenite::Error::Protocol(_))),
        "an unknown subprotocol is not agreed to, and a strict client gives up: {refused:?}"
    );
    let mut other = frontend.connect("").await;
    let (mut lean, chosen) = frontend.connect_offering("", &format!("chat, {LEAN_PROTOCOL}")).await;
    assert_eq!(chosen, LEAN_PROTOCOL, "picked among several offers");
    let offers = format!("{LEAN_PROTOCOL}, {LEAN_DEFLATE_PROTOCOL}");
    let (deflated, chosen) = frontend.connect_offering("", &offers).await;
    assert_eq!(chosen, LEAN_DEFLATE_PROTOCOL, "of ours, the server prefers the deflated one");
    close(deflated).await;
    for client in [&mut other, &mut lean] {
        let frame = next_json(client, WAIT).await.expect("first frame");
        assert!(frame.get("type").is_none(), "both start with the bare frame");
    }
    let again = next_json(&mut other, Duration::from_secs(2)).await.expect("idle re-send");
    assert!(again.get("type").is_none(), "the original client gets the keep-alive frame");
    assert!(next_text(&mut lean, Duration::from_millis(800)).await.is_none(), "the lean client does not");

    let id = frontend.publish(&game.tick()).await;
    let delta = next_json(&mut lean, WAIT).await.expect("lean delta");
    assert_eq!((delta["type"].as_str(), event_id(&delta)), (Some("delta"), Some(id)));
    assert!(delta.get("events").is_none() && delta.get("factions").is_none(), "{delta}");
    close(other).await;
    close(lean).await;
}
