//! The service endpoints as Kubernetes uses them: `/health` is liveness (the process only, so a
//! Redis outage does not restart every API pod), `/ready` is readiness (the store answers and a
//! snapshot exists).

mod common;

use axum::http::StatusCode;
use common::{memory_api, redis_api, seed_world};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_fails_readiness_not_liveness() {
    let mut api = redis_api(&[]).await;
    seed_world(&api.store).await;
    assert_eq!(api.get("/ready", None).await.status, StatusCode::OK);

    api.server.as_mut().expect("redis").stop();
    let health = api.get("/health", None).await;
    assert_eq!((health.status, health.body), (StatusCode::OK, json!({"status": "ok"})));
    let ready = api.get("/ready", None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.headers["content-type"], "application/json");
    assert!(ready.detail().starts_with("redis error: "), "{}", ready.detail());
}

#[tokio::test]
async fn readiness_waits_for_the_first_snapshot() {
    let api = memory_api(&[]);
    assert_eq!(api.get("/health", None).await.status, StatusCode::OK);
    let ready = api.get("/ready", None).await;
    assert_eq!((ready.status, ready.detail()), (StatusCode::SERVICE_UNAVAILABLE, "no snapshot yet"));
    seed_world(&api.store).await;
    assert_eq!(api.get("/ready", None).await.body, json!({"status": "ready"}));
}
