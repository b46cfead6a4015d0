//! Leader election on a coordination Lease, against the in-memory API.

mod common;

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::Api;
use sector_operator::leader::LeaseLock;

#[tokio::test]
async fn one_leader_at_a_time_with_takeover_after_expiry_and_release() {
    let client = common::fake_client().await;
    let ttl = Duration::from_secs(15);
    let a = LeaseLock::new(client.clone(), "sector-system", "sector-operator", "op-a", ttl);
    let b = LeaseLock::new(client.clone(), "sector-system", "sector-operator", "op-b", ttl);
    let t0 = Timestamp::now();
    let later = |secs: i64| t0 + SignedDuration::from_secs(secs);

    assert!(a.try_at(t0).await.expect("a"), "the first candidate takes a missing lease");
    assert!(!b.try_at(later(1)).await.expect("b"), "a fresh lease is respected");
    assert!(a.try_at(later(5)).await.expect("a renews"));
    assert!(!b.try_at(later(19)).await.expect("b"), "renewed at 5 s: valid until 20 s");

    assert!(b.try_at(later(21)).await.expect("b"), "an expired lease is taken over");
    assert!(!a.try_at(later(22)).await.expect("a"), "the old leader sees it lost");
    let lease = Api::<Lease>::namespaced(client.clone(), "sector-system")
        .get("sector-operator")
        .await
        .expect("lease");
    let spec = lease.spec.expect("spec");
    assert_eq!((spec.holder_identity.as_deref(), spec.lease_transitions), (Some("op-b"), Some(1)));

    b.release().await.expect("release");
    assert!(a.try_at(later(23)).await.expect("a"), "a released lease is free at once");
}
