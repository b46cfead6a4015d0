use sector_store::testing::LegacyKeys;
use sector_store::{
    AppliedRecord, ClaimOutcome, Commit, EntryId, Lease, LegacyRestart, RestartRequest, SavedState, SimPhase,
    SimStatus, Store, StoreError, StoredSnapshot,
};

use super::{assert_invalid, ms, ok, sleep_ms};

async fn lease<S: Store>(s: &S, holder: &str) -> Lease {
    ok(s.acquire_lease(holder, ms(10_000)).await, "acquire").expect("lease is free")
}

/// One order read by `consumer`, ready to be acknowledged by a commit.
async fn consumed_order<S: Store>(s: &S, consumer: &str) -> EntryId {
    ok(s.ensure_order_group().await, "group");
    ok(s.append_orders(r#"{"orders": []}"#, 5000).await, "append order");
    let read = ok(s.read_orders(consumer, 50, ms(0)).await, "read order");
    assert_eq!(read.len(), 1);
    read[0].id
}

/// Asserts that the store holds nothing a commit would write.
async fn assert_nothing_committed<S: Store>(s: &S, universe: &str, order: EntryId) {
    assert_eq!(ok(s.event_stream_len().await, "events"), 0, "no event appended");
    assert_eq!(ok(s.snapshot().await, "snapshot"), None, "no snapshot saved");
    assert_eq!(ok(s.saved_state().await, "state"), None, "no state saved");
    assert!(ok(s.applied_after(universe, None, 10).await, "applied").is_empty(), "no applied record");
    let pending = ok(s.pending_orders("sim-a", 10).await, "pending");
    assert_eq!(pending.iter().map(|e| e.id).collect::<Vec<_>>(), vec![order], "order not acknowledged");
    assert_eq!(ok(s.control(universe).await, "control").status, SimStatus::default(), "no status recorded");
}

pub async fn commit_writes_every_part<S: Store>(s: S) {
    let lease = lease(&s, "sim-a").await;
    let order = consumed_order(&s, "sim-a").await;
    let status = SimStatus {
        run: Some("4".into()),
        tick: Some(1),
        phase: Some(SimPhase::Running),
        ..Default::default()
    };
    let state_bytes = vec![0u8, 1, 2, 255, b'{'];
    let commit = Commit::tick("4")
        .event(r#"{"type": "delta", "tick": 1}"#)
        .applied(1, r#"[{"faction": "a", "origin_id": 1, "target_id": 2}]"#)
        .snapshot(1, r#"{"tick": 1}"#)
        .state(1, &state_bytes)
        .ack(std::slice::from_ref(&order))
        .status(&status);
    let receipt = ok(s.commit(&lease, &commit).await, "commit");
    assert_eq!(receipt.event_ids.len(), 1);
    assert_eq!(receipt.acked, 1);

    let events = ok(s.latest_events(10).await, "events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data.as_deref(), Some(r#"{"type": "delta", "tick": 1}"#));
    assert_eq!(
        ok(s.snapshot().await, "snapshot"),
        Some(StoredSnapshot { data: r#"{"tick": 1}"#.into(), tick: Some(1) })
    );
    assert_eq!(
        ok(s.saved_state().await, "state"),
        Some(SavedState { universe: "4".into(), tick: 1, data: state_bytes.clone() })
    );
    assert_eq!(
        ok(s.applied_after("4", None, 10).await, "applied"),
        vec![AppliedRecord {
            tick: 1,
            orders_json: r#"[{"faction": "a", "origin_id": 1, "target_id": 2}]"#.into()
        }]
    );
    assert!(ok(s.pending_orders("sim-a", 10).await, "pending").is_empty(), "order acknowledged");
    assert_eq!(ok(s.control("4").await, "control").status, status);
    // A tick commit does not touch the universe id.
    assert_eq!(ok(s.universe_id().await, "universe"), "1");
}

pub async fn commit_is_refused_after_the_lease_moves<S: Store>(s: S) {
    let a = ok(s.acquire_lease("sim-a", ms(200)).await, "acquire a").expect("free");
    let order = consumed_order(&s, "sim-a").await;
    sleep_ms(300).await;
    let b = ok(s.acquire_lease("sim-b", ms(10_000)).await, "acquire b").expect("a's lease expired");
    let status = SimStatus { tick: Some(9), ..Default::default() };
    let commit = Commit::tick("1")
        .event("{}")
        .applied(9, "[]")
        .snapshot(9, "{}")
        .state(9, b"state")
        .ack(std::slice::from_ref(&order))
        .status(&status);
    match s.commit(&a, &commit).await {
        Err(StoreError::Fenced { holder, token }) => assert_eq!((holder, token), (a.holder.clone(), a.token)),
        other => panic!("expected Fenced, got {other:?}"),
    }
    assert_nothing_committed(&s, "1", order).await;
    // The new holder's commit goes through.
    ok(s.commit(&b, &Commit::tick("1").event("{}").applied(9, "[]")).await, "b commits");
}

pub async fn commit_is_refused_after_release_or_expiry<S: Store>(s: S) {
    let a = ok(s.acquire_lease("sim-a", ms(10_000)).await, "acquire").expect("free");
    let order = consumed_order(&s, "sim-a").await;
    assert!(ok(s.release_lease(&a).await, "release"));
    let released = s.commit(&a, &Commit::tick("1").event("{}").ack(std::slice::from_ref(&order))).await;
    assert!(matches!(released, Err(StoreError::Fenced { .. })), "{released:?}");
    let short = ok(s.acquire_lease("sim-a", ms(150)).await, "acquire short").expect("free");
    sleep_ms(250).await;
    let expired = s.commit(&short, &Commit::tick("1").event("{}").snapshot(1, "{}")).await;
    assert!(matches!(expired, Err(StoreError::Fenced { .. })), "{expired:?}");
    assert_nothing_committed(&s, "1", order).await;
}

pub async fn commit_refuses_a_stale_tick_and_writes_nothing<S: Store>(s: S) {
    let lease = lease(&s, "sim-a").await;
    ok(s.commit(&lease, &Commit::tick("1").event("{}").applied(5, "[5]")).await, "tick 5");
    for stale in [5, 4] {
        let commit = Commit::tick("1").event("{}").applied(stale, "[]").snapshot(stale, "{}");
        assert_invalid(s.commit(&lease, &commit).await, "stale tick");
    }
    assert_eq!(ok(s.event_stream_len().await, "events"), 1, "refused commits appended nothing");
    assert_eq!(ok(s.snapshot().await, "snapshot"), None);
    ok(s.commit(&lease, &Commit::tick("1").applied(6, "[6]")).await, "tick 6");
    let ticks: Vec<u64> = ok(s.applied_after("1", None, 10).await, "log").iter().map(|r| r.tick).collect();
    assert_eq!(ticks, vec![5, 6]);
    assert_invalid(s.commit(&lease, &Commit::tick("")).await, "empty universe");
    assert_invalid(s.commit(&lease, &Commit::tick("1").event("{}").event_max_len(0)).await, "zero max len");
}

pub async fn run_start_sets_universe_and_resets_its_log<S: Store>(s: S) {
    let lease = lease(&s, "sim-a").await;
    ok(
        s.commit(&lease, &Commit::run_start("3").event(r#"{"type": "snapshot"}"#).applied(0, "{}")).await,
        "start",
    );
    assert_eq!(ok(s.universe_id().await, "universe"), "3");
    ok(s.commit(&lease, &Commit::tick("3").applied(1, "[1]")).await, "tick 1");
    // Restart under the same id (an admin restart may name it): a fresh log from tick 0.
    let restart = Commit::run_start("3").event(r#"{"type": "run_end"}"#).event(r#"{"type": "snapshot"}"#);
    let receipt = ok(s.commit(&lease, &restart.applied(0, "{}")).await, "restart");
    assert_eq!(receipt.event_ids.len(), 2);
    let ticks: Vec<u64> = ok(s.applied_after("3", None, 10).await, "log").iter().map(|r| r.tick).collect();
    assert_eq!(ticks, vec![0]);
    ok(s.commit(&lease, &Commit::run_start("4")).await, "next run");
    assert_eq!(ok(s.universe_id().await, "universe"), "4");
    assert_eq!(ok(s.applied_after("3", None, 10).await, "old run's log kept").len(), 1);
}

pub async fn applied_log_round_trip<S: Store>(s: S) {
    let lease = lease(&s, "sim-a").await;
    ok(s.commit(&lease, &Commit::run_start("2").applied(0, r#"{"seed": 42}"#)).await, "start");
    let orders: Vec<String> =
        (1..=5).map(|t| format!(r#"[{{"faction": "f{t}", "origin_id": {t}, "target_id": 0}}]"#)).collect();
    for (t, o) in (1..=5).zip(&orders) {
        ok(s.commit(&lease, &Commit::tick("2").event("{}").applied(t, o)).await, "tick");
    }
    let all = ok(s.applied_after("2", None, 100).await, "all");
    assert_eq!(all.iter().map(|r| r.tick).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(all[0].orders_json, r#"{"seed": 42}"#);
    assert_eq!(all[3].orders_json, orders[2]);
    let after_2 = ok(s.applied_after("2", Some(2), 100).await, "after 2");
    assert_eq!(after_2.iter().map(|r| r.tick).collect::<Vec<_>>(), vec![3, 4, 5]);
    let limited = ok(s.applied_after("2", Some(2), 2).await, "after 2, count 2");
    assert_eq!(limited.iter().map(|r| r.tick).collect::<Vec<_>>(), vec![3, 4]);
    assert!(ok(s.applied_after("2", Some(5), 100).await, "after last").is_empty());
    assert!(ok(s.applied_after("9", None, 100).await, "other universe").is_empty());
    assert!(ok(s.applied_after("2", None, 0).await, "count 0").is_empty());
}

pub async fn commit_event_ids_match_the_stream<S: Store>(s: S) {
    let lease = lease(&s, "sim-a").await;
    let before = ok(s.append_event("{}", 5000).await, "unfenced append");
    let receipt =
        ok(s.commit(&lease, &Commit::tick("1").event(r#"{"n": 1}"#).event(r#"{"n": 2}"#)).await, "commit");
    let after = ok(s.read_events_after(before, 10, ms(0)).await, "read");
    assert_eq!(after.iter().map(|e| e.id).collect::<Vec<_>>(), receipt.event_ids);
    assert_eq!(after[1].data.as_deref(), Some(r#"{"n": 2}"#));
}

/// Claims in universes "1" (three players) and "2" (one).
async fn some_claims<S: Store>(s: &S) {
    for (universe, addr, faction) in
        [("1", "0xaa", "ultra"), ("1", "0xbb", "iron"), ("1", "0xcc", "void"), ("2", "0xaa", "ultra")]
    {
        assert_eq!(ok(s.claim_faction(universe, addr, faction).await, "claim"), ClaimOutcome::Claimed);
    }
}

pub async fn commit_removes_claims<S: Store>(s: S) {
    let lease = lease(&s, "sim-a").await;
    some_claims(&s).await;
    // A commit with nothing but claim removals needs no applied record.
    let commit = Commit::tick("1").revoke_claims(&["iron", "nobody"]).revoke_claims(&["void"]);
    let receipt = ok(s.commit(&lease, &commit).await, "revoke");
    assert_eq!(receipt.revoked, vec![Some("0xbb".to_owned()), None, Some("0xcc".to_owned())]);
    assert_eq!((receipt.claims_cleared, receipt.restart_request_consumed), (0, false));
    assert_eq!(ok(s.human_factions("1").await, "humans"), vec!["ultra".to_owned()]);
    for (addr, faction) in [("0xbb", "iron"), ("0xcc", "void")] {
        assert_eq!(ok(s.faction_of("1", addr).await, "revoked player"), None);
        assert_eq!(ok(s.player_of("1", faction).await, "revoked faction"), None);
    }
    assert_eq!(ok(s.faction_of("1", "0xaa").await, "kept claim"), Some("ultra".into()));
    assert_eq!(ok(s.human_factions("2").await, "other universe"), vec!["ultra".to_owned()]);
    // A revoked player may claim again.
    assert_eq!(ok(s.claim_faction("1", "0xbb", "void").await, "reclaim"), ClaimOutcome::Claimed);

    // Clearing, within a tick commit: the commit's universe and another one.
    let commit = Commit::tick("1").event("{}").applied(1, "[]").clear_claims().clear_claims_of("2");
    let receipt = ok(s.commit(&lease, &commit).await, "clear");
    assert_eq!((receipt.event_ids.len(), receipt.claims_cleared), (1, 3));
    assert!(receipt.revoked.is_empty());
    for universe in ["1", "2"] {
        assert!(ok(s.human_factions(universe).await, "humans").is_empty());
    }
    for addr in ["0xaa", "0xbb"] {
        assert_eq!(ok(s.faction_of("1", addr).await, "cleared player"), None);
    }
    assert_eq!(ok(s.faction_of("2", "0xaa").await, "cleared player of 2"), None);
    assert_eq!(ok(s.player_of("1", "void").await, "cleared faction"), None);
    assert_eq!(ok(s.applied_after("1", None, 10).await, "log").len(), 1);
    // Nothing left: removals are idempotent.
    let receipt =
        ok(s.commit(&lease, &Commit::tick("1").revoke_claims(&["ultra"]).clear_claims()).await, "again");
    assert_eq!((receipt.revoked, receipt.claims_cleared), (vec![None], 0));

    // A run start clears the new universe and the ended one.
    some_claims(&s).await;
    let receipt = ok(
        s.commit(&lease, &Commit::run_start("2").applied(0, "{}").clear_claims().clear_claims_of("1")).await,
        "run",
    );
    assert_eq!(receipt.claims_cleared, 4);
    assert!(ok(s.human_factions("1").await, "humans of 1").is_empty());
    assert!(ok(s.human_factions("2").await, "humans of 2").is_empty());

    assert_invalid(s.commit(&lease, &Commit::tick("1").revoke_claims(&[""])).await, "empty faction");
    assert_invalid(s.commit(&lease, &Commit::tick("1").clear_claims_of("")).await, "empty universe");
}

pub async fn refused_commit_keeps_claims_and_restart_request<S: Store + LegacyKeys>(s: S) {
    some_claims(&s).await;
    ok(s.set_legacy_restart(r#"{"universe_id": "7"}"#).await, "request restart");
    let a = ok(s.acquire_lease("sim-a", ms(200)).await, "acquire a").expect("free");
    let peeked = ok(s.peek_restart_request().await, "peek").expect("request waiting");
    sleep_ms(300).await;
    let b = ok(s.acquire_lease("sim-b", ms(10_000)).await, "acquire b").expect("a's lease expired");
    let commits = [
        Commit::tick("1").revoke_claims(&["iron"]),
        Commit::tick("1").clear_claims().clear_claims_of("2"),
        Commit::run_start("7").applied(0, "{}").clear_claims_of("1").consume_restart_request(&peeked.raw),
        Commit::tick("1").consume_restart_request(&peeked.raw),
    ];
    for commit in &commits {
        let refused = s.commit(&a, commit).await;
        assert!(matches!(refused, Err(StoreError::Fenced { .. })), "{refused:?}");
    }
    assert_eq!(
        ok(s.human_factions("1").await, "humans"),
        vec!["iron".to_owned(), "ultra".to_owned(), "void".to_owned()]
    );
    assert_eq!(ok(s.player_of("1", "iron").await, "claim kept"), Some("0xbb".into()));
    assert_eq!(ok(s.faction_of("1", "0xbb").await, "claim kept"), Some("iron".into()));
    assert_eq!(ok(s.human_factions("2").await, "humans of 2"), vec!["ultra".to_owned()]);
    assert_eq!(ok(s.universe_id().await, "universe"), "1", "no run started");
    assert_eq!(ok(s.peek_restart_request().await, "request kept"), Some(peeked.clone()));

    // The lease holder's commit consumes it.
    let receipt = ok(s.commit(&b, &commits[2]).await, "b restarts");
    assert!(receipt.restart_request_consumed);
    assert_eq!(receipt.claims_cleared, 3);
    assert_eq!(ok(s.peek_restart_request().await, "consumed"), None);
    assert_eq!(ok(s.take_restart_request().await, "consumed"), None);
}

pub async fn restart_request_is_peeked_and_consumed_only_if_unchanged<S: Store + LegacyKeys>(s: S) {
    let lease = lease(&s, "sim-a").await;
    assert_eq!(ok(s.peek_restart_request().await, "nothing waiting"), None);
    let old = r#"{"universe_id": "9", "seed": "s1"}"#;
    ok(s.set_legacy_restart(old).await, "request");
    let expected = LegacyRestart {
        request: RestartRequest { universe_id: Some("9".into()), seed: Some("s1".into()) },
        raw: old.to_owned(),
    };
    assert_eq!(ok(s.peek_restart_request().await, "peek"), Some(expected.clone()));
    assert_eq!(ok(s.peek_restart_request().await, "peek leaves it"), Some(expected));

    // A newer request written after the peek survives the consumption of the old one.
    ok(s.set_legacy_restart("12").await, "newer request");
    let receipt = ok(s.commit(&lease, &Commit::run_start("9").consume_restart_request(old)).await, "restart");
    assert!(!receipt.restart_request_consumed);
    let newer = ok(s.peek_restart_request().await, "newer kept").expect("newer request waiting");
    assert_eq!((newer.raw.as_str(), newer.request.universe_id.as_deref()), ("12", Some("12")));
    let receipt =
        ok(s.commit(&lease, &Commit::run_start("12").consume_restart_request("12")).await, "restart");
    assert!(receipt.restart_request_consumed);
    assert_eq!(ok(s.peek_restart_request().await, "consumed"), None);
    // Consuming when nothing waits is a no-op; an empty value is no request.
    let receipt = ok(s.commit(&lease, &Commit::tick("12").consume_restart_request("12")).await, "again");
    assert!(!receipt.restart_request_consumed);
    ok(s.set_legacy_restart("").await, "empty value");
    assert_eq!(ok(s.peek_restart_request().await, "empty"), None);
}
