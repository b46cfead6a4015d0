//! Redis-specific behaviour: the on-disk key names and shapes existing readers rely on, the
//! reference's legacy control keys, type safety of the commit, connection recovery after a
//! server restart, and blocking reads not stalling other commands.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use sector_store::prelude::*;
use sector_store::testing::RedisServer;
use sector_store::{
    ClaimOutcome, Commit, ControlPatch, EntryId, Keys, RestartRequest, SimPhase, SimStatus, StoreError,
    StoreResult,
};

fn ok<T>(result: StoreResult<T>, step: &str) -> T {
    result.unwrap_or_else(|e| panic!("{step}: {e}"))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn start() -> (RedisServer, MultiplexedConnection) {
    let server = RedisServer::start().unwrap_or_else(|e| panic!("cannot start redis-server: {e}"));
    let client = redis::Client::open(server.url()).expect("client");
    let raw = client.get_multiplexed_async_connection().await.expect("raw connection");
    (server, raw)
}

async fn store(server: &RedisServer, keys: Keys) -> sector_store::RedisStore {
    ok(server.store(keys).await, "connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_shapes_match_the_reference() {
    let (server, mut raw) = start().await;
    let s = store(&server, Keys::default()).await;

    assert_eq!(ok(s.universe_id().await, "universe"), "1");
    let id: String = raw.get("sector:universe_id").await.expect("universe key");
    assert_eq!(id, "1");

    ok(s.claim_faction("1", "0xAB", "ultra").await, "claim");
    let player: String = raw.get("sector:faction:player:1:ultra").await.expect("faction key");
    let faction: String = raw.get("sector:player:faction:1:0xab").await.expect("player key");
    let humans: Vec<String> = raw.smembers("sector:human_factions:1").await.expect("humans set");
    assert_eq!((player.as_str(), faction.as_str(), humans), ("0xab", "ultra", vec!["ultra".to_owned()]));

    ok(s.put_nonce("0xab", "nonce-1", ms(60_000)).await, "nonce");
    let nonce: String = raw.get("sector:auth:nonce:0xab").await.expect("nonce key");
    assert_eq!(nonce, "nonce-1");
    ok(s.create_session("jti1", "0xab", ms(60_000)).await, "session");
    let addr: String = raw.get("sector:session:jti1").await.expect("session key");
    let jtis: Vec<String> = raw.smembers("sector:session:addr:0xab").await.expect("session set");
    let set_ttl: i64 = raw.pttl("sector:session:addr:0xab").await.expect("pttl");
    assert_eq!((addr.as_str(), jtis), ("0xab", vec!["jti1".to_owned()]));
    assert!(set_ttl > 0, "address set expires");

    let lease = ok(s.acquire_lease("sim-a", ms(60_000)).await, "lease").expect("free");
    let value: String = raw.get("sector:lease").await.expect("lease key");
    assert_eq!(value, format!("{}:sim-a", lease.token));
    ok(s.ensure_order_group().await, "group");
    ok(s.append_orders(r#"{"orders": []}"#, 5000).await, "order");
    let order = ok(s.read_orders("sim-1", 10, ms(0)).await, "read").remove(0).id;
    let status = SimStatus {
        run: Some("1".into()),
        tick: Some(3),
        phase: Some(SimPhase::Running),
        ..Default::default()
    };
    let commit = Commit::tick("1")
        .event(r#"{"type": "delta"}"#)
        .applied(3, "[]")
        .snapshot(3, r#"{"tick": 3}"#)
        .state(3, b"world")
        .ack(std::slice::from_ref(&order))
        .status(&status);
    ok(s.commit(&lease, &commit).await, "commit");

    let snapshot: HashMap<String, String> = raw.hgetall("sector:snapshot").await.expect("snapshot hash");
    assert_eq!(snapshot.get("data").map(String::as_str), Some(r#"{"tick": 3}"#));
    assert_eq!(snapshot.get("tick").map(String::as_str), Some("3"));
    let events: redis::streams::StreamRangeReply = raw.xrange_all("sector:events").await.expect("events");
    assert_eq!(events.ids.len(), 1);
    assert_eq!(events.ids[0].get::<String>("data").as_deref(), Some(r#"{"type": "delta"}"#));
    let orders: redis::streams::StreamRangeReply = raw.xrange_all("sector:orders").await.expect("orders");
    assert_eq!(orders.ids[0].get::<String>("data").as_deref(), Some(r#"{"orders": []}"#));
    let applied: redis::streams::StreamRangeReply =
        raw.xrange_all("sector:applied:1").await.expect("applied");
    assert_eq!(applied.ids[0].id, "3-1");
    assert_eq!(applied.ids[0].get::<String>("tick").as_deref(), Some("3"));
    let state: HashMap<String, String> = raw.hgetall("sector:state").await.expect("state hash");
    assert_eq!(state.get("universe").map(String::as_str), Some("1"));
    assert_eq!(state.get("data").map(String::as_str), Some("world"));
    let control: HashMap<String, String> = raw.hgetall("sector:control").await.expect("control hash");
    assert_eq!(control.get("phase").map(String::as_str), Some("running"));
    assert_eq!(control.get("tick").map(String::as_str), Some("3"));
    let groups: redis::streams::StreamInfoGroupsReply =
        raw.xinfo_groups("sector:orders").await.expect("groups");
    assert_eq!(groups.groups[0].name, "sim");
    assert_eq!(groups.groups[0].pending, 0, "acked by the commit");

    ok(s.heartbeat("bot-1", ms(60_000)).await, "heartbeat");
    let members: Vec<String> = raw.zrange("sector:bots:members", 0, -1).await.expect("members zset");
    assert_eq!(members, vec!["bot-1".to_owned()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefix_and_overridden_keys_are_used() {
    let (server, mut raw) = start().await;
    let keys = Keys::new("u7")
        .with_event_stream("ev")
        .with_order_stream("or")
        .with_snapshot_key("snap")
        .with_order_group("g");
    let s = store(&server, keys).await;
    ok(s.universe_id().await, "universe");
    ok(s.append_event("{}", 100).await, "event");
    ok(s.ensure_order_group().await, "group");
    ok(s.append_orders("{}", 100).await, "order");
    let lease = ok(s.acquire_lease("sim", ms(60_000)).await, "lease").expect("free");
    ok(s.commit(&lease, &Commit::tick("1").snapshot(1, "{}")).await, "commit");
    let mut names: Vec<String> = raw.keys("*").await.expect("keys");
    names.sort();
    assert_eq!(names, ["ev", "or", "snap", "u7:lease", "u7:lease:token", "u7:universe_id"]);
    let groups: redis::streams::StreamInfoGroupsReply = raw.xinfo_groups("or").await.expect("groups");
    assert_eq!(groups.groups[0].name, "g");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_control_keys_are_honoured() {
    let (server, mut raw) = start().await;
    let s = store(&server, Keys::default()).await;
    let _: () = raw.set("sector:pause:4", "1").await.expect("set pause");
    let _: () = raw.set("sector:bots_only:4", "1").await.expect("set bots only");
    let control = ok(s.control("4").await, "control of 4");
    assert!(control.paused && control.bots_only);
    let other = ok(s.control("5").await, "control of 5");
    assert!(!other.paused && !other.bots_only, "legacy flags are per universe");
    assert_eq!(ok(s.claim_faction("4", "0xaa", "ultra").await, "claim"), ClaimOutcome::BotsOnly);
    let _: () = raw.set("sector:pause:5", "").await.expect("set empty pause");
    assert!(!ok(s.control("5").await, "empty flag").paused, "an empty value does not count");

    for (raw_value, expected) in [
        (
            r#"{"universe_id": "9", "seed": "s1"}"#,
            RestartRequest { universe_id: Some("9".into()), seed: Some("s1".into()) },
        ),
        (r#"{"seed": null}"#, RestartRequest { universe_id: None, seed: None }),
        ("12", RestartRequest { universe_id: Some("12".into()), seed: None }),
        ("not json", RestartRequest { universe_id: Some("not json".into()), seed: None }),
    ] {
        let _: () = raw.set_ex("sector:restart", raw_value, 30).await.expect("set restart");
        let peeked = ok(s.peek_restart_request().await, "peek").expect("request waiting");
        assert_eq!((peeked.request, peeked.raw.as_str()), (expected.clone(), raw_value));
        assert_eq!(ok(s.take_restart_request().await, "take"), Some(expected));
        assert_eq!(ok(s.take_restart_request().await, "taken once"), None);
        let exists: bool = raw.exists("sector:restart").await.expect("exists");
        assert!(!exists, "the request key is deleted");
    }

    // Unparseable control fields are reported as invalid data, not silently defaulted.
    let _: () = raw.hset("sector:control", "restartGeneration", "soon").await.expect("hset");
    assert!(matches!(s.control("4").await, Err(StoreError::Invalid { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_with_a_wrongly_typed_key_writes_nothing() {
    let (server, mut raw) = start().await;
    let s = store(&server, Keys::default()).await;
    let lease = ok(s.acquire_lease("sim", ms(60_000)).await, "lease").expect("free");
    let _: () = raw.set("sector:snapshot", "not a hash").await.expect("set");
    let result =
        s.commit(&lease, &Commit::run_start("2").event("{}").applied(0, "[]").snapshot(0, "{}")).await;
    assert!(matches!(result, Err(StoreError::Invalid { .. })), "{result:?}");
    assert_eq!(ok(s.event_stream_len().await, "events"), 0);
    assert_eq!(ok(s.universe_id().await, "universe"), "1", "universe not switched");
    assert!(ok(s.applied_after("2", None, 10).await, "log").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_with_wrongly_typed_claim_or_restart_keys_writes_nothing() {
    let (server, mut raw) = start().await;
    let s = store(&server, Keys::default()).await;
    let lease = ok(s.acquire_lease("sim", ms(60_000)).await, "lease").expect("free");
    ok(s.claim_faction("1", "0xaa", "ultra").await, "claim");
    let _: () = raw.set("sector:human_factions:2", "not a set").await.expect("set");
    let _: () = raw.sadd("sector:human_factions:3", "iron").await.expect("sadd");
    let _: () = raw.hset("sector:faction:player:3:iron", "x", "y").await.expect("hset");
    let _: () = raw.set("sector:faction:player:1:void", "0xdd").await.expect("set");
    let _: () = raw.rpush("sector:player:faction:1:0xdd", "void").await.expect("rpush");
    let _: () = raw.hset("sector:restart", "x", "y").await.expect("hset");
    let commits = [
        (Commit::tick("2").revoke_claims(&["ultra"]), "sector:human_factions:2"),
        (Commit::tick("1").clear_claims_of("2"), "sector:human_factions:2"),
        (Commit::tick("1").clear_claims_of("3"), "sector:faction:player:3:iron"),
        (Commit::tick("1").revoke_claims(&["ultra", "void"]), "sector:player:faction:1:0xdd"),
        (Commit::tick("1").consume_restart_request("7"), "sector:restart"),
    ];
    for (commit, key) in commits {
        let commit = commit.event("{}").applied(1, "[]").clear_claims();
        match s.commit(&lease, &commit).await {
            Err(StoreError::Invalid { reason, .. }) => assert!(reason.contains(key), "{key}: {reason}"),
            other => panic!("{key}: expected Invalid, got {other:?}"),
        }
    }
    assert_eq!(ok(s.event_stream_len().await, "events"), 0);
    assert!(ok(s.applied_after("1", None, 10).await, "log").is_empty());
    assert_eq!(ok(s.human_factions("1").await, "claims kept"), vec!["ultra".to_owned()]);
    assert_eq!(ok(s.faction_of("1", "0xaa").await, "claim kept"), Some("ultra".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_entries_without_data_decode() {
    let (server, mut raw) = start().await;
    let s = store(&server, Keys::default()).await;
    ok(s.ensure_order_group().await, "group");
    let _: String = raw.xadd("sector:orders", "*", &[("other", "x")]).await.expect("xadd");
    let read = ok(s.read_orders("sim-1", 10, ms(0)).await, "read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].data, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_a_server_restart() {
    let (mut server, _raw) = start().await;
    let s = store(&server, Keys::default()).await;
    assert_eq!(ok(s.incr_universe().await, "before"), "1");

    server.stop();
    // Down: operations fail quickly with Unavailable (callers back off and retry).
    for attempt in 0..3 {
        let started = Instant::now();
        let result = s.universe_id().await;
        assert!(
            matches!(result, Err(StoreError::Unavailable(_))),
            "attempt {attempt} while down: {result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(3), "failed fast: {:?}", started.elapsed());
    }
    let script_result = s.acquire_lease("sim", ms(1_000)).await;
    assert!(script_result.as_ref().is_err_and(StoreError::is_unavailable), "{script_result:?}");

    server.restart().expect("restart on the same port");
    // Back: the same store recovers on its own (data is gone: the test server persists nothing).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match s.universe_id().await {
            Ok(id) => {
                assert_eq!(id, "1");
                break;
            }
            Err(e) if e.is_unavailable() && Instant::now() < deadline => tokio::time::sleep(ms(50)).await,
            Err(e) => panic!("did not recover: {e}"),
        }
    }
    // Scripts are reloaded into the fresh server's empty script cache.
    let lease = ok(s.acquire_lease("sim", ms(1_000)).await, "script after restart").expect("free");
    ok(s.renew_lease(&lease, ms(1_000)).await, "renew after restart");
    // Blocking reads recover too (separate connection).
    ok(s.append_event("{}", 10).await, "event");
    assert_eq!(ok(s.read_events_after(EntryId::ZERO, 10, ms(100)).await, "blocking read").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_reads_do_not_stall_other_commands() {
    let (server, _raw) = start().await;
    let s = store(&server, Keys::default()).await;
    let reader = s.clone();
    let blocked = tokio::spawn(async move { reader.read_events_after(EntryId::ZERO, 10, ms(1_500)).await });
    tokio::time::sleep(ms(100)).await;
    let started = Instant::now();
    for _ in 0..20 {
        ok(s.universe_id().await, "quick op");
    }
    assert!(started.elapsed() < ms(500), "quick ops waited behind the blocked read: {:?}", started.elapsed());
    ok(s.append_event("{}", 10).await, "wake the reader");
    assert_eq!(ok(blocked.await.expect("reader"), "read").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_writes_are_plain_hash_fields() {
    let (server, mut raw) = start().await;
    let s = store(&server, Keys::default()).await;
    let patch = ControlPatch {
        paused: Some(true),
        bots_only: Some(false),
        restart_generation: Some(3),
        ..Default::default()
    };
    ok(s.update_control(&patch).await, "patch");
    let fields: HashMap<String, String> = raw.hgetall("sector:control").await.expect("hash");
    assert_eq!(fields.get("paused").map(String::as_str), Some("true"));
    assert_eq!(fields.get("botsOnly").map(String::as_str), Some("false"));
    assert_eq!(fields.get("restartGeneration").map(String::as_str), Some("3"));
    // The operator may write booleans in any WIRE.md form.
    let _: () = raw.hset("sector:control", "botsOnly", "YES").await.expect("hset");
    assert!(ok(s.control("1").await, "control").bots_only);
}

#[test]
fn missing_redis_server_error_says_how_to_install() {
    let message = sector_store::testing::TestingError::NotInstalled.to_string();
    assert!(message.contains("apt-get install -y redis-server"), "{message}");
}

/// The award queue, leaderboard and mint keys and shapes other readers (ops, the UI's backend)
/// rely on; a foreign queue entry decodes as "no award" instead of failing the read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn award_keys_and_shapes() {
    let (server, mut raw) = start().await;
    let s = store(&server, Keys::default()).await;
    let lease = ok(s.acquire_lease("sim", ms(60_000)).await, "lease").expect("free");
    ok(s.claim_faction("4", "0xAA", "F1").await, "claim");
    let commit = Commit::run_start("5").clear_claims_of("4").award("4", "F1", "Empire \"Ω\"", 12);
    assert_eq!(ok(s.commit(&lease, &commit).await, "commit").awarded.as_deref(), Some("0xaa"));

    let players: Vec<(String, f64)> =
        raw.zrange_withscores("sector:leaderboard:players", 0, -1).await.expect("players zset");
    let factions: Vec<(String, f64)> =
        raw.zrange_withscores("sector:leaderboard:factions", 0, -1).await.expect("factions zset");
    let name: String = raw.hget("sector:leaderboard:faction_names", "F1").await.expect("names hash");
    assert_eq!((players, factions), (vec![("0xaa".to_owned(), 1.0)], vec![("F1".to_owned(), 1.0)]));
    assert_eq!(name, "Empire \"Ω\"");
    let entries: redis::streams::StreamRangeReply =
        raw.xrange_all("sector:awards").await.expect("award stream");
    assert_eq!(entries.ids.len(), 1);
    let data: String = entries.ids[0].get("data").expect("data field");
    let job: serde_json::Value = serde_json::from_str(&data).expect("JSON");
    assert_eq!(
        job,
        serde_json::json!({"universe_id": "4", "winner": "F1", "winner_label": "Empire \"Ω\"", "tick": 12,
            "address": "0xaa", "faction": "F1"})
    );

    let _: String = raw.xadd("sector:awards", "*", &[("other", "x")]).await.expect("xadd");
    let jobs = ok(s.pending_awards(10).await, "queue");
    assert_eq!(jobs.iter().map(|j| j.award.is_some()).collect::<Vec<_>>(), [true, false]);

    assert!(ok(s.lock_mint("blue", "4", "m1", ms(60_000)).await, "lock"));
    ok(s.put_mint_record("blue", "4", "m1", "{}").await, "record");
    let record: String = raw.get("sector:awards:minted:blue:4").await.expect("record key");
    let ttl: i64 = raw.pttl("sector:awards:minted:blue:4").await.expect("pttl");
    assert_eq!((record.as_str(), ttl), ("{}", -1), "records never expire");
    let lock_ttl: i64 = raw.pttl("sector:awards:lock:blue:4").await.expect("pttl");
    assert!(lock_ttl > 0, "locks expire");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_with_wrongly_typed_award_keys_writes_nothing() {
    let (server, mut raw) = start().await;
    let s = store(&server, Keys::default()).await;
    let lease = ok(s.acquire_lease("sim", ms(60_000)).await, "lease").expect("free");
    ok(s.claim_faction("1", "0xaa", "F1").await, "claim");
    let keys = [
        "sector:leaderboard:players",
        "sector:leaderboard:factions",
        "sector:leaderboard:faction_names",
        "sector:awards",
    ];
    for key in keys {
        let _: () = raw.rpush(key, "x").await.expect("rpush");
        let commit = Commit::run_start("2").event("{}").clear_claims_of("1").award("1", "F1", "Empire", 3);
        match s.commit(&lease, &commit).await {
            Err(StoreError::Invalid { reason, .. }) => assert!(reason.contains(key), "{key}: {reason}"),
            other => panic!("{key}: expected Invalid, got {other:?}"),
        }
        let _: () = raw.del(key).await.expect("del");
    }
    assert_eq!(ok(s.event_stream_len().await, "events"), 0);
    assert_eq!(ok(s.faction_of("1", "0xaa").await, "claim kept"), Some("F1".into()));
    assert_eq!(ok(s.leaderboard(10).await, "board"), sector_store::Leaderboard::default());
}
