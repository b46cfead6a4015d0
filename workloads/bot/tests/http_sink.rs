//! The HTTP sink against a small in-test API (axum): exact request shape (keys, headers, token),
//! discovery over `/health` in candidate order, and forgetting the cached base URL after a
//! failed post so the next batch discovers the API again.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use common::{Publisher, TestResult, config, fresh_orders};
use sector_bot::{
    BotConfig, ConfigError, Delivery, HttpSink, HttpSinkOptions, OrderSink, SinkError, SinkKind, Step,
    WireOrder, Worker,
};
use sector_store::MemoryStore;
use serde_json::Value;

const TOKEN: &str = "0xDEADBEEF";

/// What the fake API saw.
#[derive(Default)]
struct Api {
    health_hits: AtomicUsize,
    /// Answer /health with 503 instead of 200.
    unhealthy: AtomicBool,
    /// Answer the next POST /orders with 500.
    fail_next_post: AtomicBool,
    posts: Mutex<Vec<(HeaderMap, String)>>,
}

impl Api {
    fn posts(&self) -> Vec<(HeaderMap, String)> {
        self.posts.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

async fn health(State(api): State<Arc<Api>>) -> StatusCode {
    api.health_hits.fetch_add(1, Ordering::SeqCst);
    if api.unhealthy.load(Ordering::SeqCst) { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK }
}

async fn orders(State(api): State<Arc<Api>>, headers: HeaderMap, body: String) -> (StatusCode, &'static str) {
    api.posts.lock().unwrap_or_else(PoisonError::into_inner).push((headers, body));
    if api.fail_next_post.swap(false, Ordering::SeqCst) {
        (StatusCode::INTERNAL_SERVER_ERROR, "boom")
    } else {
        (StatusCode::OK, r#"{"id": "1-0"}"#)
    }
}

/// Starts the fake API; returns its base URL.
async fn serve(api: Arc<Api>) -> Result<String, std::io::Error> {
    let app = Router::new().route("/health", get(health)).route("/orders", post(orders)).with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// A base URL nobody listens on (connection refused at once).
fn dead_url() -> Result<String, std::io::Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(format!("http://{}", listener.local_addr()?))
}

fn options(candidates: Vec<String>) -> HttpSinkOptions {
    HttpSinkOptions {
        candidates,
        token: TOKEN.into(),
        health_timeout: Duration::from_millis(500),
        post_timeout: Duration::from_secs(2),
        warn_every: Duration::from_secs(15),
    }
}

fn orders_fixture() -> Vec<WireOrder> {
    vec![
        WireOrder {
            faction: "F2".into(),
            origin_id: 3,
            target_id: 8,
            reason: "colonize neutral #8 (dist 1)".into(),
        },
        WireOrder { faction: "L".into(), origin_id: 12, target_id: 4, reason: "rally toward goal #4".into() },
    ]
}

#[tokio::test]
async fn posts_exactly_the_contract() -> TestResult {
    let api = Arc::new(Api::default());
    let url = serve(api.clone()).await?;
    // A dead first candidate and an unhealthy one are skipped, in order.
    let sick = Arc::new(Api::default());
    sick.unhealthy.store(true, Ordering::SeqCst);
    let sick_url = serve(sick.clone()).await?;
    let mut sink = HttpSink::new(options(vec![dead_url()?, sick_url, url.clone()]))?;

    sink.send(&orders_fixture()).await?;
    assert_eq!(sink.cached_base(), Some(url.as_str()));
    assert_eq!((sick.health_hits.load(Ordering::SeqCst), api.health_hits.load(Ordering::SeqCst)), (1, 1));
    let posts = api.posts();
    assert_eq!(posts.len(), 1);
    let (headers, body) = &posts[0];
    assert_eq!(headers.get("content-type").map(|v| v.as_bytes()), Some(&b"application/json"[..]));
    assert_eq!(headers.get("x-bot-token").map(|v| v.as_bytes()), Some(TOKEN.as_bytes()));
    assert!(headers.get("authorization").is_none());

    let body: Value = serde_json::from_str(body)?;
    let object = body.as_object().ok_or("body is an object")?;
    assert_eq!(object.keys().collect::<Vec<_>>(), ["orders"]);
    let sent = object["orders"].as_array().ok_or("orders is a list")?;
    assert_eq!(sent.len(), 2);
    for order in sent {
        let mut keys: Vec<&str> =
            order.as_object().ok_or("order object")?.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["faction", "origin_id", "reason", "target_id"], "exactly the four keys");
    }
    assert_eq!(
        sent[0],
        serde_json::json!({"faction": "F2", "origin_id": 3, "target_id": 8, "reason": "colonize neutral #8 (dist 1)"})
    );
    assert_eq!(sent[1]["faction"], "L");

    // Cached: the next batch goes straight to the post.
    sink.send(&orders_fixture()).await?;
    assert_eq!(api.health_hits.load(Ordering::SeqCst), 1);
    assert_eq!(api.posts().len(), 2);
    Ok(())
}

#[tokio::test]
async fn server_error_forgets_the_api_and_discovers_it_again() -> TestResult {
    let api = Arc::new(Api::default());
    let url = serve(api.clone()).await?;
    let mut sink = HttpSink::new(options(vec![url.clone()]))?;
    sink.send(&orders_fixture()).await?;
    assert_eq!(api.health_hits.load(Ordering::SeqCst), 1);

    api.fail_next_post.store(true, Ordering::SeqCst);
    let err = sink.send(&orders_fixture()).await.err();
    assert!(matches!(err, Some(SinkError::Status { status: 500, .. })), "{err:?}");
    assert_eq!(sink.cached_base(), None, "a failed post forgets the base URL");

    sink.send(&orders_fixture()).await?;
    assert_eq!(api.health_hits.load(Ordering::SeqCst), 2, "discovered again");
    assert_eq!(sink.cached_base(), Some(url.as_str()));
    assert_eq!(api.posts().len(), 3);
    Ok(())
}

#[tokio::test]
async fn no_api_is_an_error_and_nothing_is_cached() -> TestResult {
    let sick = Arc::new(Api::default());
    sick.unhealthy.store(true, Ordering::SeqCst);
    let mut sink = HttpSink::new(options(vec![dead_url()?, serve(sick.clone()).await?]))?;
    let err = sink.send(&orders_fixture()).await.err();
    assert!(matches!(err, Some(SinkError::NoApi { .. })), "{err:?}");
    assert_eq!(sink.cached_base(), None);
    assert!(sick.posts().is_empty());

    // The API coming back is found on the next batch.
    sick.unhealthy.store(false, Ordering::SeqCst);
    sink.send(&orders_fixture()).await?;
    assert_eq!(sick.posts().len(), 1);
    Ok(())
}

#[test]
fn empty_token_is_refused() {
    let err = HttpSink::new(HttpSinkOptions { token: String::new(), ..options(vec![]) }).err();
    assert!(matches!(err, Some(ConfigError::MissingToken)), "{err:?}");
    let err = HttpSink::new(HttpSinkOptions { token: "bad\ntoken".into(), ..options(vec![]) }).err();
    assert!(matches!(err, Some(ConfigError::Invalid { var: "BOT_API_TOKEN", .. })), "{err:?}");
}

/// The worker over HTTP: discovery through `BOT_API_URL`, the orders of one tick in one post,
/// a failed post counted (the tick still counts as acted on).
#[tokio::test]
async fn worker_posts_its_orders_to_the_api() -> TestResult {
    let api = Arc::new(Api::default());
    let url = serve(api.clone()).await?;
    let store = MemoryStore::new();
    let mut snap = common::snapshot(31, 0)?;
    let publisher = Publisher::new(store.clone()).await?;
    publisher.start_run("1", &snap).await?;

    let bot_config = BotConfig {
        sink: SinkKind::Http,
        api_url: Some(url.clone()),
        api_token: TOKEN.into(),
        ..config("solo")
    };
    let mut sink_options = HttpSinkOptions::from_config(&bot_config);
    sink_options.candidates.truncate(1); // skip the cluster-only defaults
    assert_eq!(sink_options.candidates, std::slice::from_ref(&url));
    let mut worker = Worker::new(store, bot_config, HttpSink::new(sink_options)?);

    let Step::Acted(action) = worker.act().await? else { return Err("no action".into()) };
    assert_eq!(action.delivery, Delivery::Delivered);
    assert_eq!(action.orders, fresh_orders(&snap)?);
    let posts = api.posts();
    assert_eq!(posts.len(), 1);
    let body: Value = serde_json::from_str(&posts[0].1)?;
    assert_eq!(body, serde_json::json!({ "orders": action.orders }));

    api.fail_next_post.store(true, Ordering::SeqCst);
    snap.tick = 1;
    publisher.publish("1", &snap).await?;
    let Step::Acted(action) = worker.act().await? else { return Err("no action".into()) };
    assert!(matches!(action.delivery, Delivery::Failed(ref m) if m.contains("500")), "{:?}", action.delivery);
    assert_eq!(worker.sink().cached_base(), None);
    let m = worker.metrics().snapshot();
    assert_eq!((m.ticks_acted, m.post_failures), (2, 1));
    Ok(())
}
