//! The service endpoints as Kubernetes uses them: `/health` is liveness (the process only, so a
//! Redis outage does not restart every API pod), `/ready` is readiness (the store answers and a
//! snapshot exists), and with `METRICS_PORT` `/metrics` lives on its own listener, away from the
//! port the ingress routes to.

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

#[tokio::test]
async fn metrics_port_moves_metrics_off_the_main_router() {
    let api = memory_api(&[("METRICS_PORT", "9090")]);
    for path in ["/metrics", "/metrics/"] {
        let reply = api.get(path, None).await;
        assert_eq!((reply.status, reply.detail()), (StatusCode::NOT_FOUND, "Not Found"), "{path}");
    }
    assert_eq!(api.get("/health", None).await.status, StatusCode::OK, "probes stay on the main port");

    let metrics = common::TestApi {
        router: sector_api::metrics_router(api.state.clone()),
        state: api.state.clone(),
        store: api.store.clone(),
        server: None,
    };
    let reply = metrics.get("/metrics", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = reply.body.as_str().expect("text");
    // The main router's requests are counted and visible here.
    assert!(text.contains(r#"route="/health",status="200""#), "{text}");
    for path in ["/health", "/factions", "/"] {
        assert_eq!(metrics.get(path, None).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn without_metrics_port_metrics_stay_on_the_main_port() {
    let api = memory_api(&[]);
    assert_eq!(api.get("/health", None).await.status, StatusCode::OK);
    let reply = api.get("/metrics", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let text = reply.body.as_str().expect("text");
    assert!(text.contains(r#"sector_api_http_requests_total{method="GET",route="/health""#), "{text}");
    let slash = api.get("/metrics/", None).await;
    assert_eq!(slash.status, StatusCode::TEMPORARY_REDIRECT);
}
