use sector_store::Store;

use super::{assert_invalid, ms, ok, sleep_ms};

pub async fn nonces_are_single_use_and_expire<S: Store>(s: S) {
    ok(s.put_nonce("0xAA", "n-1", ms(10_000)).await, "put");
    ok(s.put_nonce("0xaa", "n-2", ms(10_000)).await, "replace");
    assert_eq!(ok(s.take_nonce("0xaa").await, "take"), Some("n-2".into()));
    assert_eq!(ok(s.take_nonce("0xaa").await, "take twice"), None);
    ok(s.put_nonce("0xbb", "n-3", ms(200)).await, "put short");
    sleep_ms(300).await;
    assert_eq!(ok(s.take_nonce("0xbb").await, "expired"), None);
    assert_invalid(s.put_nonce("0xbb", "n", ms(0)).await, "zero ttl");
}

pub async fn sessions_create_read_and_revoke<S: Store>(s: S) {
    ok(s.create_session("j1", "0xAA", ms(10_000)).await, "j1");
    ok(s.create_session("j2", "0xaa", ms(10_000)).await, "j2");
    ok(s.create_session("j3", "0xbb", ms(10_000)).await, "j3");
    assert_eq!(ok(s.session_address("j1").await, "get"), Some("0xaa".into()));
    assert_eq!(ok(s.session_address("nope").await, "unknown"), None);
    assert!(ok(s.revoke_session("j1").await, "logout"));
    assert!(!ok(s.revoke_session("j1").await, "logout twice"));
    assert_eq!(ok(s.session_address("j1").await, "revoked"), None);
    assert_eq!(ok(s.revoke_address_sessions("0xAA").await, "revoke all of 0xaa"), 1);
    assert_eq!(ok(s.session_address("j2").await, "revoked by address"), None);
    assert_eq!(ok(s.session_address("j3").await, "other address kept"), Some("0xbb".into()));
    assert_eq!(ok(s.revoke_address_sessions("0xaa").await, "nothing left"), 0);
    assert_invalid(s.create_session("a:b", "0xaa", ms(1_000)).await, "jti with ':'");
    assert_invalid(s.create_session("j4", "", ms(1_000)).await, "empty address");
}

pub async fn sessions_expire<S: Store>(s: S) {
    ok(s.create_session("short", "0xaa", ms(250)).await, "short");
    ok(s.create_session("long", "0xbb", ms(10_000)).await, "long");
    sleep_ms(350).await;
    assert_eq!(ok(s.session_address("short").await, "expired"), None);
    assert!(!ok(s.revoke_session("short").await, "revoke expired"));
    assert_eq!(ok(s.revoke_address_sessions("0xaa").await, "expired index"), 0);
    assert_eq!(ok(s.session_address("long").await, "alive"), Some("0xbb".into()));
}
