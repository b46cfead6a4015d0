//! `/ws`: the first frame, ordered events with ids, gapless resumption, resync of slow
//! clients, heartbeats.

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use sector_frontend::FrontendConfig;
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
