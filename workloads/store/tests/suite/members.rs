use sector_store::Store;

use super::{assert_invalid, ms, ok, sleep_ms};

pub async fn members_heartbeat_expire_and_leave<S: Store>(s: S) {
    assert!(ok(s.live_members().await, "none").is_empty());
    ok(s.heartbeat("bot-b", ms(300)).await, "b");
    ok(s.heartbeat("bot-a", ms(10_000)).await, "a");
    assert_eq!(ok(s.live_members().await, "both"), vec!["bot-a".to_owned(), "bot-b".to_owned()]);
    sleep_ms(400).await;
    assert_eq!(ok(s.live_members().await, "b expired"), vec!["bot-a".to_owned()]);
    ok(s.heartbeat("bot-b", ms(10_000)).await, "b is back");
    assert_eq!(ok(s.live_members().await, "both again").len(), 2);
    ok(s.leave("bot-a").await, "a leaves");
    assert_eq!(ok(s.live_members().await, "b only"), vec!["bot-b".to_owned()]);
    assert_invalid(s.heartbeat("", ms(1_000)).await, "empty member");
    assert_invalid(s.heartbeat("bot-c", ms(0)).await, "zero ttl");
}
