use sector_store::{Lease, Store, StoreError};

use super::{assert_invalid, ms, ok, sleep_ms};

pub async fn lease_excludes_other_holders<S: Store>(s: S) {
    assert_eq!(ok(s.lease_holder().await, "holder"), None);
    let a = ok(s.acquire_lease("sim-a", ms(5_000)).await, "acquire a").expect("a gets the free lease");
    assert_eq!(a.holder, "sim-a");
    assert!(a.token >= 1);
    assert_eq!(ok(s.acquire_lease("sim-b", ms(5_000)).await, "acquire b"), None);
    assert_eq!(ok(s.lease_holder().await, "holder"), Some(a.clone()));

    let forged = Lease { holder: "sim-b".into(), token: a.token };
    assert!(!ok(s.release_lease(&forged).await, "release by non-holder"));
    assert!(matches!(s.renew_lease(&forged, ms(5_000)).await, Err(StoreError::Fenced { .. })));

    assert!(ok(s.release_lease(&a).await, "release a"));
    assert!(!ok(s.release_lease(&a).await, "release twice"));
    let b = ok(s.acquire_lease("sim-b", ms(5_000)).await, "acquire b").expect("b gets the released lease");
    assert!(b.token > a.token, "fencing tokens grow: {} then {}", a.token, b.token);
}

pub async fn lease_renewal_keeps_it_and_expiry_ends_it<S: Store>(s: S) {
    let a = ok(s.acquire_lease("sim-a", ms(300)).await, "acquire").expect("free lease");
    sleep_ms(150).await;
    ok(s.renew_lease(&a, ms(300)).await, "renew");
    sleep_ms(200).await; // 350 ms after acquiring: alive only thanks to the renewal
    assert_eq!(ok(s.lease_holder().await, "holder after renewal"), Some(a.clone()));
    sleep_ms(250).await; // past the renewed TTL
    assert_eq!(ok(s.lease_holder().await, "holder after expiry"), None);
    let err = s.renew_lease(&a, ms(300)).await;
    assert!(matches!(&err, Err(e) if e.is_fenced()), "renewing an expired lease: {err:?}");
    let b = ok(s.acquire_lease("sim-b", ms(300)).await, "acquire b").expect("expired lease is free");
    assert!(b.token > a.token);
}

pub async fn lease_tokens_grow_for_the_same_holder<S: Store>(s: S) {
    let first = ok(s.acquire_lease("host", ms(5_000)).await, "first").expect("free");
    assert!(ok(s.release_lease(&first).await, "release"));
    let second = ok(s.acquire_lease("host", ms(5_000)).await, "second").expect("free again");
    assert!(second.token > first.token);
    // The earlier incarnation of the same holder id is fenced by its token (KNOWN_DEFECTS F5).
    assert!(matches!(s.renew_lease(&first, ms(5_000)).await, Err(StoreError::Fenced { .. })));
    assert!(!ok(s.release_lease(&first).await, "stale release"));
    ok(s.renew_lease(&second, ms(5_000)).await, "current renews");
}

pub async fn lease_rejects_bad_arguments<S: Store>(s: S) {
    assert_invalid(s.acquire_lease("", ms(1_000)).await, "empty holder");
    assert_invalid(s.acquire_lease("a", ms(0)).await, "zero ttl");
    assert_eq!(ok(s.lease_holder().await, "nothing taken"), None);
}
