use std::time::Instant;

use sector_store::{EntryId, Store};

use super::{assert_invalid, ms, ok, sleep_ms};

fn event(n: usize) -> String {
    format!(r#"{{"type": "delta", "tick": {n}}}"#)
}

pub async fn events_append_and_read_back<S: Store>(s: S) {
    let a = ok(s.append_event(&event(1), 5000).await, "append 1");
    let b = ok(s.append_event(&event(2), 5000).await, "append 2");
    let c = ok(s.append_event(&event(3), 5000).await, "append 3");
    assert!(a < b && b < c, "ids increase");
    let all = ok(s.read_events_after(EntryId::ZERO, 10, ms(0)).await, "read all");
    assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), vec![a, b, c]);
    assert_eq!(all[0].data.as_deref(), Some(event(1).as_str()));
    let after_b = ok(s.read_events_after(b, 10, ms(0)).await, "read after b");
    assert_eq!(after_b.iter().map(|e| e.id).collect::<Vec<_>>(), vec![c]);
    assert_eq!(ok(s.read_events_after(a, 1, ms(0)).await, "count 1").len(), 1);
    let latest = ok(s.latest_events(2).await, "latest 2");
    assert_eq!(latest.iter().map(|e| e.id).collect::<Vec<_>>(), vec![b, c], "oldest first");
    assert_eq!(ok(s.last_event_id().await, "last id"), Some(c));
    assert_eq!(ok(s.event_stream_len().await, "len"), 3);
}

pub async fn events_read_blocks_until_an_append<S: Store>(s: S) {
    let last = ok(s.append_event(&event(0), 5000).await, "append");
    let reader = s.clone();
    let started = Instant::now();
    let read = tokio::spawn(async move { reader.read_events_after(last, 10, ms(3_000)).await });
    sleep_ms(150).await;
    let id = ok(s.append_event(&event(1), 5000).await, "append");
    let got = ok(read.await.expect("reader task"), "blocking read");
    assert_eq!(got.iter().map(|e| e.id).collect::<Vec<_>>(), vec![id]);
    assert!(started.elapsed() < ms(2_000));
}

pub async fn events_read_block_times_out_empty<S: Store>(s: S) {
    let last = ok(s.append_event(&event(0), 5000).await, "append");
    let started = Instant::now();
    assert!(ok(s.read_events_after(last, 10, ms(150)).await, "read").is_empty());
    let waited = started.elapsed();
    assert!(waited >= ms(100) && waited < ms(2_000), "waited {waited:?}");
}

pub async fn events_are_trimmed_approximately<S: Store>(s: S) {
    let mut last = Vec::new();
    for i in 0..300 {
        last.push(ok(s.append_event(&event(i), 10).await, "append"));
    }
    let len = ok(s.event_stream_len().await, "len");
    // MAXLEN ~: at least max_len kept, whole internal nodes dropped on Redis.
    assert!((10..300).contains(&len), "len {len}");
    let latest = ok(s.latest_events(10).await, "latest");
    assert_eq!(latest.iter().map(|e| e.id).collect::<Vec<_>>(), last[290..].to_vec());
    assert_invalid(s.append_event(&event(0), 0).await, "max_len 0");
}

pub async fn events_empty_stream<S: Store>(s: S) {
    assert_eq!(ok(s.last_event_id().await, "last id"), None);
    assert!(ok(s.latest_events(5).await, "latest").is_empty());
    assert!(ok(s.read_events_after(EntryId::ZERO, 5, ms(0)).await, "read").is_empty());
    assert_eq!(ok(s.event_stream_len().await, "len"), 0);
}
