use sector_store::Store;

use super::{assert_invalid, ok};

pub async fn universe_defaults_to_one_then_counts<S: Store>(s: S) {
    assert_eq!(ok(s.universe_id().await, "get"), "1");
    assert_eq!(ok(s.universe_id().await, "get again"), "1");
    assert_eq!(ok(s.incr_universe().await, "incr"), "2");
    assert_eq!(ok(s.universe_id().await, "get"), "2");
    ok(s.set_universe("7").await, "set");
    assert_eq!(ok(s.universe_id().await, "get"), "7");
    assert_eq!(ok(s.incr_universe().await, "incr"), "8");
}

pub async fn universe_incr_refuses_non_integer<S: Store>(s: S) {
    ok(s.set_universe("run-x").await, "set free-form id");
    assert_eq!(ok(s.universe_id().await, "get"), "run-x");
    assert_invalid(s.incr_universe().await, "incr of a free-form id");
    assert_invalid(s.set_universe("").await, "empty id");
}
