use std::time::Instant;

use sector_store::{EntryId, Store, StreamEntry};

use super::{ms, ok, sleep_ms};

fn batch(n: usize) -> String {
    format!(r#"{{"orders": [{{"faction": "f{n}", "origin_id": {n}, "target_id": 1, "source": "bot"}}]}}"#)
}

fn ids(entries: &[StreamEntry]) -> Vec<EntryId> {
    entries.iter().map(|e| e.id).collect()
}

async fn append_many<S: Store>(s: &S, from: usize, n: usize, max_len: usize) -> Vec<EntryId> {
    let mut out = Vec::with_capacity(n);
    for i in from..from + n {
        out.push(ok(s.append_orders(&batch(i), max_len).await, "append"));
    }
    out
}

pub async fn order_group_starts_at_stream_end<S: Store>(s: S) {
    // Appended before the group exists: history, never delivered (KNOWN_DEFECTS F3).
    ok(s.append_orders(&batch(0), 5000).await, "append before group");
    ok(s.ensure_order_group().await, "group");
    let fresh = ok(s.append_orders(&batch(1), 5000).await, "append after group");
    let read = ok(s.read_orders("sim-1", 50, ms(0)).await, "read");
    assert_eq!(ids(&read), vec![fresh]);
    assert_eq!(read[0].data.as_deref(), Some(batch(1).as_str()));
    assert!(ok(s.read_orders("sim-1", 50, ms(0)).await, "read again").is_empty());
}

pub async fn order_group_ensure_is_idempotent<S: Store>(s: S) {
    ok(s.ensure_order_group().await, "group");
    let a = ok(s.append_orders(&batch(0), 5000).await, "append");
    // A second ensure (another sim starting) neither fails nor moves the group's position.
    ok(s.ensure_order_group().await, "group again");
    assert_eq!(ids(&ok(s.read_orders("sim-1", 50, ms(0)).await, "read")), vec![a]);
    ok(s.ensure_order_group().await, "group once more");
    let b = ok(s.append_orders(&batch(1), 5000).await, "append");
    assert_eq!(ids(&ok(s.read_orders("sim-1", 50, ms(0)).await, "read")), vec![b]);
}

pub async fn order_read_recreates_a_missing_group<S: Store>(s: S) {
    assert!(ok(s.read_orders("sim-1", 50, ms(0)).await, "read without group").is_empty());
    let a = ok(s.append_orders(&batch(0), 5000).await, "append");
    assert_eq!(ids(&ok(s.read_orders("sim-1", 50, ms(0)).await, "read")), vec![a]);
}

pub async fn order_read_blocks_until_an_append<S: Store>(s: S) {
    ok(s.ensure_order_group().await, "group");
    let reader = s.clone();
    let started = Instant::now();
    let read = tokio::spawn(async move { reader.read_orders("sim-1", 50, ms(3_000)).await });
    sleep_ms(150).await;
    let id = ok(s.append_orders(&batch(7), 5000).await, "append");
    let got = ok(read.await.expect("reader task"), "blocking read");
    assert_eq!(ids(&got), vec![id]);
    assert!(started.elapsed() < ms(2_000), "woke on the append, not at the timeout");
}

pub async fn order_read_block_times_out_empty<S: Store>(s: S) {
    ok(s.ensure_order_group().await, "group");
    let started = Instant::now();
    assert!(ok(s.read_orders("sim-1", 50, ms(150)).await, "read").is_empty());
    let waited = started.elapsed();
    assert!(waited >= ms(100) && waited < ms(2_000), "waited {waited:?}");
}

pub async fn own_pending_orders_are_reread_after_restart<S: Store>(s: S) {
    ok(s.ensure_order_group().await, "group");
    let appended = append_many(&s, 0, 3, 5000).await;
    let read = ok(s.read_orders("sim-1", 50, ms(0)).await, "read");
    assert_eq!(ids(&read), appended);
    assert_eq!(ok(s.ack_orders(&appended[..1]).await, "ack first"), 1);
    // "Restart": the same consumer name re-reads what it had not acknowledged, with the data.
    let pending = ok(s.pending_orders("sim-1", 50).await, "pending");
    assert_eq!(ids(&pending), appended[1..].to_vec());
    assert_eq!(pending[0].data.as_deref(), Some(batch(1).as_str()));
    assert_eq!(ids(&ok(s.pending_orders("sim-1", 1).await, "pending, count 1")), appended[1..2].to_vec());
    assert!(ok(s.pending_orders("sim-2", 50).await, "other consumer").is_empty());
    assert_eq!(ok(s.ack_orders(&appended).await, "ack all"), 2);
    assert!(ok(s.pending_orders("sim-1", 50).await, "pending after ack").is_empty());
}

pub async fn stale_pending_orders_are_claimed_from_a_dead_consumer<S: Store>(s: S) {
    ok(s.ensure_order_group().await, "group");
    let appended = append_many(&s, 0, 3, 5000).await;
    assert_eq!(ok(s.read_orders("sim-dead", 50, ms(0)).await, "dead reads").len(), 3);
    // Not idle long enough yet: nothing moves.
    assert!(ok(s.claim_stale_orders("sim-live", ms(250), 50).await, "early claim").is_empty());
    sleep_ms(300).await;
    let claimed = ok(s.claim_stale_orders("sim-live", ms(250), 2).await, "claim 2");
    assert_eq!(ids(&claimed), appended[..2].to_vec());
    assert_eq!(claimed[1].data.as_deref(), Some(batch(1).as_str()));
    let rest = ok(s.claim_stale_orders("sim-live", ms(250), 50).await, "claim rest");
    assert_eq!(ids(&rest), appended[2..].to_vec());
    assert_eq!(ids(&ok(s.pending_orders("sim-live", 50).await, "live pending")), appended);
    assert!(ok(s.pending_orders("sim-dead", 50).await, "dead pending").is_empty());
    // Just claimed: not stale any more.
    assert!(ok(s.claim_stale_orders("sim-other", ms(250), 50).await, "reclaim").is_empty());
    assert_eq!(ok(s.ack_orders(&appended).await, "ack"), 3);
}

pub async fn orders_are_not_trimmed_while_unconsumed<S: Store>(s: S) {
    ok(s.ensure_order_group().await, "group");
    // Never delivered: all survive a max_len far below their number (KNOWN_DEFECTS A12).
    let first = append_many(&s, 0, 20, 5).await;
    let read = ok(s.read_orders("sim-1", 1_000, ms(0)).await, "read first");
    assert_eq!(ids(&read), first);
    // Delivered but unacknowledged (e.g. a failed tick): all survive a flood.
    let flood = append_many(&s, 20, 300, 5).await;
    let pending = ok(s.pending_orders("sim-1", 1_000).await, "pending");
    assert_eq!(ids(&pending), first);
    assert!(pending.iter().all(|e| e.data.is_some()), "pending entries keep their data");
    let read = ok(s.read_orders("sim-1", 1_000, ms(0)).await, "read flood");
    assert_eq!(ids(&read), flood);
    // Once consumed, entries may go: further appends trim them.
    ok(s.ack_orders(&first).await, "ack first");
    ok(s.ack_orders(&flood).await, "ack flood");
    let more = append_many(&s, 320, 300, 5).await;
    let len = ok(s.order_stream_len().await, "len");
    assert!(len < 620, "consumed entries were trimmed: {len} left");
    assert!(len >= 300, "unconsumed entries kept: {len} left");
    assert_eq!(ids(&ok(s.read_orders("sim-1", 1_000, ms(0)).await, "read more")), more);
}

pub async fn orders_without_group_are_trimmed_to_max_len<S: Store>(s: S) {
    append_many(&s, 0, 300, 10).await;
    let len = ok(s.order_stream_len().await, "len");
    assert!((10..300).contains(&len), "trimmed to about 10: {len}");
}

pub async fn order_acks_count_pending_entries<S: Store>(s: S) {
    ok(s.ensure_order_group().await, "group");
    let appended = append_many(&s, 0, 2, 5000).await;
    assert_eq!(ok(s.ack_orders(&appended).await, "ack undelivered"), 0);
    ok(s.read_orders("sim-1", 50, ms(0)).await, "read");
    assert_eq!(ok(s.ack_orders(&[]).await, "ack nothing"), 0);
    assert_eq!(ok(s.ack_orders(&appended).await, "ack"), 2);
    assert_eq!(ok(s.ack_orders(&appended).await, "ack twice"), 0);
}

pub async fn idle_consumers_without_pending_are_pruned<S: Store>(s: S) {
    ok(s.ensure_order_group().await, "group");
    let a = append_many(&s, 0, 1, 5000).await;
    ok(s.read_orders("sim-old", 50, ms(0)).await, "old reads");
    ok(s.ack_orders(&a).await, "old acks");
    append_many(&s, 1, 1, 5000).await;
    ok(s.read_orders("sim-crashed", 50, ms(0)).await, "crashed reads, never acks");
    sleep_ms(300).await;
    ok(s.read_orders("sim-new", 50, ms(0)).await, "new is active");
    let pruned = ok(s.prune_order_consumers(ms(250)).await, "prune");
    // The crashed consumer keeps its pending entry (someone must claim it); the active one stays.
    assert_eq!(pruned, vec!["sim-old".to_owned()]);
    assert_eq!(ok(s.pending_orders("sim-crashed", 50).await, "crashed pending").len(), 1);
}
