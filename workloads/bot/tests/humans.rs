//! Human factions are never ordered: a faction is human if it is in the universe's human set or
//! has a player recorded (WIRE.md §3) — either alone is enough. Their orders are still computed
//! (the AI's random stream depends on the whole registry) but never sent.

mod common;

use common::{Publisher, RecordingSink, TestResult, config, faction_ids, fresh_orders, only};
use sector_bot::{Step, Worker};
use sector_store::prelude::*;
use sector_store::testing::RedisServer;
use sector_store::{ClaimOutcome, Keys, MemoryStore, Store};

/// Plays two ticks with `humans` claimed before the first; returns nothing, asserts.
async fn humans_never_ordered<S: Store>(store: S, humans: &[&str]) -> TestResult {
    let mut snap = common::snapshot(21, 0)?;
    let publisher = Publisher::new(store.clone()).await?;
    publisher.start_run("1", &snap).await?;
    let fresh = fresh_orders(&snap)?;
    for h in humans {
        assert!(fresh.iter().any(|o| o.faction == *h), "{h} has orders to withhold");
    }

    let mut worker = Worker::new(store.clone(), config("solo"), RecordingSink::default());
    let Step::Acted(action) = worker.act().await? else { return Err("no action".into()) };
    let mut expected_human: Vec<String> = humans.iter().map(|h| h.to_string()).collect();
    expected_human.sort();
    let mut human = action.human.clone();
    human.sort();
    assert_eq!(human, expected_human);
    assert_eq!(action.decided, fresh.len(), "the AI still plays the human factions");
    let bots: Vec<String> =
        faction_ids(&snap).into_iter().filter(|f| !humans.contains(&f.as_str())).collect();
    assert_eq!(action.orders, only(&fresh, &bots));

    snap.tick += 1;
    publisher.publish("1", &snap).await?;
    assert!(matches!(worker.act().await?, Step::Acted(_)));
    let sent: Vec<String> = worker.sink().batches().concat().into_iter().map(|o| o.faction).collect();
    assert!(!sent.is_empty());
    assert!(sent.iter().all(|f| !humans.contains(&f.as_str())), "{sent:?}");
    Ok(())
}

#[tokio::test]
async fn claimed_factions_are_never_ordered_in_memory() -> TestResult {
    let store = MemoryStore::new();
    assert_eq!(store.claim_faction("1", "0xabc", "F1").await?, ClaimOutcome::Claimed);
    assert_eq!(store.claim_faction("1", "0xdef", "F3").await?, ClaimOutcome::Claimed);
    humans_never_ordered(store, &["F1", "F3"]).await
}

/// On Redis, each of the two keys alone makes a faction human: F1 only in the human set, F2
/// only with a player key (as written by the reference API and sim).
#[tokio::test]
async fn set_member_or_player_key_each_make_a_faction_human_on_redis() -> TestResult {
    let server = RedisServer::start()?;
    let store = server.store(Keys::default()).await?;
    let mut raw = redis::Client::open(server.url())?.get_multiplexed_async_connection().await?;
    redis::cmd("SADD").arg("sector:human_factions:1").arg("F1").query_async::<()>(&mut raw).await?;
    redis::cmd("SET").arg("sector:faction:player:1:F2").arg("0xabc").query_async::<()>(&mut raw).await?;
    // An empty player value is no player (BOT_AI.md §2 step 6).
    redis::cmd("SET").arg("sector:faction:player:1:F4").arg("").query_async::<()>(&mut raw).await?;
    humans_never_ordered(store, &["F1", "F2"]).await
}

/// Claims of another universe do not count.
#[tokio::test]
async fn claims_are_per_universe() -> TestResult {
    let store = MemoryStore::new();
    assert_eq!(store.claim_faction("7", "0xabc", "F1").await?, ClaimOutcome::Claimed);
    humans_never_ordered(store, &[]).await
}
