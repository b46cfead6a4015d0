//! The probe and metrics endpoints as Kubernetes uses them: `/health` is liveness (the process
//! only), `/ready` is readiness (following the stream and the store answering), and with
//! `METRICS_PORT` `/metrics` moves to its own listener, away from the port the ingress routes to.

mod common;

use std::net::SocketAddr;

use axum::http::StatusCode;
use common::*;
use sector_frontend::AppState;
use sector_store::Keys;
use sector_store::testing::RedisServer;
use serde_json::{Value, json};
use tokio::net::TcpListener;

async fn get(addr: SocketAddr, path: &str) -> (StatusCode, String, String) {
    let response = reqwest::get(format!("http://{addr}{path}")).await.expect("request");
    let status = StatusCode::from_u16(response.status().as_u16()).expect("status");
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap_or_default())
}

async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    (listener, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_fails_readiness_not_liveness() {
    let mut server = RedisServer::start().unwrap_or_else(|e| panic!("cannot start redis-server: {e}"));
    let store = server.store(Keys::default()).await.expect("connect");
    let state = AppState::new(store, quick_config()).expect("state");
    let (listener, addr) = listener().await;
    tokio::spawn(sector_frontend::serve(state.clone(), listener, std::future::pending()));
    eventually("hub ready", || state.hub().is_ready()).await;
    assert_eq!(get(addr, "/ready").await.0, StatusCode::OK);

    server.stop();
    let (status, _, body) = get(addr, "/health").await;
    assert_eq!(
        (status, serde_json::from_str::<Value>(&body).ok()),
        (StatusCode::OK, Some(json!({"status": "ok"})))
    );
    let (status, content_type, body) = get(addr, "/ready").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(content_type, "application/json");
    let detail: Value = serde_json::from_str(&body).expect("JSON reason");
    assert!(detail["detail"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
}

#[tokio::test]
async fn metrics_port_moves_metrics_off_the_public_port() {
    let mut config = quick_config();
    config.metrics_port = Some(9090);
    let frontend = Frontend::start(config).await;
    let (status, _, body) = get(frontend.addr, "/metrics").await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_FOUND, r#"{"detail":"Not Found"}"#));
    assert_eq!(get(frontend.addr, "/health").await.0, StatusCode::OK, "probes stay on the public port");

    let (listener, addr) = listener().await;
    tokio::spawn(sector_frontend::serve_metrics(frontend.state.clone(), listener, std::future::pending()));
    let (status, content_type, text) = get(addr, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    assert!(text.contains("sector_frontend_ws_clients"), "{text}");
    for path in ["/health", "/", "/snapshot"] {
        assert_eq!(
            get(addr, path).await.0,
            StatusCode::NOT_FOUND,
            "{path}: the metrics port serves /metrics only"
        );
    }
}

#[tokio::test]
async fn without_metrics_port_metrics_stay_on_the_public_port() {
    let frontend = Frontend::start(quick_config()).await;
    assert_eq!(get(frontend.addr, "/metrics").await.0, StatusCode::OK);
}
