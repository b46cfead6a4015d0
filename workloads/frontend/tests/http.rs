//! The frontend's HTTP surface: the UI, `/snapshot`, `/tail`, `/preview`, the `/api/*` proxy,
//! health and metrics.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::routing::any;
use common::*;
use sector_frontend::{FrontendConfig, PreviewLimit};
use serde_json::{Value, json};
use tokio::net::TcpListener;

async fn get(url: &str) -> (StatusCode, HeaderMap, String) {
    let response = reqwest::get(url).await.expect("request");
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap_or_default())
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"))
}

#[tokio::test]
async fn the_ui_is_served_with_validators_and_a_script_policy() {
    let frontend = Frontend::start(quick_config()).await;
    let (status, headers, body) = get(&frontend.url("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(body.to_ascii_lowercase().starts_with("<!doctype html>"));
    assert!(headers["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    assert!(headers.contains_key("last-modified"));
    let etag = headers["etag"].clone();

    let client = reqwest::Client::new();
    let revalidated = client.get(frontend.url("/")).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(revalidated.status(), 304);

    assert_eq!(get(&frontend.url("/assets/../Cargo.toml")).await.0, StatusCode::NOT_FOUND);
    let (status, _, body) = get(&frontend.url("/no/such/page")).await;
    assert_eq!((status, json_of(&body)), (StatusCode::NOT_FOUND, json!({"detail": "Not Found"})));
}

#[tokio::test]
async fn every_page_script_and_style_is_served() {
    let frontend = Frontend::start(quick_config()).await;
    let (_, _, page) = get(&frontend.url("/")).await;
    let references: Vec<&str> = page
        .split(['"', '\''])
        .filter(|s| s.starts_with("/assets/") && (s.ends_with(".js") || s.ends_with(".css")))
        .collect();
    assert!(!references.is_empty(), "the page loads its code from /assets/");
    for path in references {
        let (status, headers, _) = get(&frontend.url(path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_ne!(headers["content-type"], "application/octet-stream", "{path}");
    }
}

#[tokio::test]
async fn snapshot_and_tail() {
    let frontend = Frontend::start(quick_config()).await;
    let (status, _, body) = get(&frontend.url("/snapshot")).await;
    assert_eq!((status, json_of(&body)), (StatusCode::NOT_FOUND, json!({"detail": "no snapshot yet"})), "G3");

    assert_eq!(get(&frontend.url("/tail")).await.2, "[]");
    let mut game = Game::new(30, 2);
    let snapshot_event = game.snapshot_event();
    frontend.publish(&snapshot_event).await;
    let deltas: Vec<String> = (0..3).map(|_| game.tick()).collect();
    for delta in &deltas {
        frontend.publish(delta).await;
    }
    let (status, _, body) = get(&frontend.url("/tail?count=2")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, format!("[{},{}]", deltas[1], deltas[2]), "events byte for byte, oldest first");
    assert_eq!(json_of(&get(&frontend.url("/tail")).await.2).as_array().unwrap().len(), 4);

    for bad in ["0", "-1", "1001"] {
        let (status, _, body) = get(&frontend.url(&format!("/tail?count={bad}"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(json_of(&body)["detail"][0]["loc"], json!(["query", "count"]));
    }
    let (status, _, body) = get(&frontend.url("/tail?count=abc")).await;
    assert_eq!(
        (status, json_of(&body)["detail"][0]["type"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("int_parsing"))
    );
}

#[tokio::test]
async fn previews_are_bounded_cached_and_rate_limited() {
    let mut config = quick_config();
    config.preview_limit = Some(PreviewLimit { per_minute: 1, burst: 2 });
    let frontend = Frontend::start(config).await;

    let (status, _, body) = get(&frontend.url("/preview")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(&body)["detail"][0]["type"], "missing");

    let (status, _, first) = get(&frontend.url("/preview?seed=42")).await;
    assert_eq!(status, StatusCode::OK);
    let world = json_of(&first);
    assert_eq!((world["tick"].as_u64(), world["generator_seed"].as_i64()), (Some(0), Some(42)));
    assert_eq!(world["systems"].as_array().unwrap().len(), 30);
    assert!(world.get("orders_applied").is_none());
    // The same effective seed, spelled differently, comes from the cache (and costs no quota).
    for spelling in ["42", "0x2a", "+42"] {
        let (status, _, again) = get(&frontend.url(&format!("/preview?seed={spelling}"))).await;
        assert_eq!((status, again.as_str()), (StatusCode::OK, first.as_str()), "{spelling}");
    }
    assert_eq!(get(&frontend.url("/preview?seed=43")).await.0, StatusCode::OK);
    let (status, headers, body) = get(&frontend.url("/preview?seed=44")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(headers.contains_key("retry-after"));
    let too_long = "9".repeat(300);
    assert_eq!(
        get(&frontend.url(&format!("/preview?seed={too_long}"))).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn health_ready_and_metrics() {
    let frontend = Frontend::start(quick_config()).await;
    assert_eq!(json_of(&get(&frontend.url("/health")).await.2), json!({"status": "ok"}));
    assert_eq!(get(&frontend.url("/ready")).await.0, StatusCode::OK);
    let (status, headers, body) = get(&frontend.url("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    assert!(body.contains("sector_frontend_ws_clients"), "{body}");
}

/// An upstream that echoes what it received.
async fn echo_api() -> SocketAddr {
    async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> axum::response::Response {
        if uri.path() == "/slow" {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let echoed = json!({
            "method": method.as_str(),
            "uri": uri.to_string(),
            "authorization": header("authorization"),
            "content_type": header("content-type"),
            "bot_token": header("x-bot-token"),
            "forwarded_for": header("x-forwarded-for"),
            "connection": header("connection"),
            "body": String::from_utf8_lossy(&body),
        });
        axum::response::Response::builder()
            .status(if uri.path() == "/teapot" { 418 } else { 200 })
            .header("content-type", "application/json")
            .header("x-upstream", "yes")
            .body(axum::body::Body::from(echoed.to_string()))
            .unwrap()
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, Router::new().fallback(any(echo))).await });
    addr
}

#[tokio::test]
async fn the_proxy_forwards_every_method_header_and_status() {
    let upstream = echo_api().await;
    let frontend = Frontend::start(FrontendConfig::dev(format!("http://{upstream}/"))).await;
    let client = reqwest::Client::new();

    for method in [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS] {
        let response = client
            .request(
                reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap(),
                frontend.url("/api/orders?x=1&y=%20"),
            )
            .header("authorization", "Bearer t0k3n")
            .header("content-type", "application/json")
            .header("x-bot-token", "b0t")
            .body(r#"{"orders":[]}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{method}");
        assert_eq!(response.headers()["x-upstream"], "yes");
        let echoed = json_of(&response.text().await.unwrap());
        assert_eq!(echoed["method"], method.as_str());
        assert_eq!(echoed["uri"], "/orders?x=1&y=%20");
        assert_eq!(echoed["authorization"], "Bearer t0k3n");
        assert_eq!(echoed["content_type"], "application/json");
        assert_eq!(echoed["bot_token"], "b0t", "X-Bot-Token is forwarded (G4)");
        assert_eq!(echoed["forwarded_for"], "127.0.0.1");
        assert_eq!(echoed["body"], r#"{"orders":[]}"#);
    }

    let teapot = client.get(frontend.url("/api/teapot")).send().await.unwrap();
    assert_eq!(teapot.status(), 418, "upstream statuses are relayed");

    let redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let root = redirect.get(frontend.url("/api?a=b")).send().await.unwrap();
    assert_eq!((root.status().as_u16(), root.headers()["location"].to_str().unwrap()), (307, "/api/?a=b"));

    let huge = "x".repeat(2 * 1024 * 1024);
    let refused = client.post(frontend.url("/api/orders")).body(huge).send().await.unwrap();
    assert_eq!(refused.status(), 413);
}

#[tokio::test]
async fn upstream_failures_are_502_and_504_with_a_message() {
    // Nothing listens on this port (bound, then released).
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let frontend = Frontend::start(FrontendConfig::dev(format!("http://{closed}"))).await;
    let (status, _, body) = get(&frontend.url("/api/health")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(json_of(&body)["detail"].as_str().unwrap().contains("unreachable"));

    let upstream = echo_api().await;
    let mut config = FrontendConfig::dev(format!("http://{upstream}"));
    config.proxy_timeout = Duration::from_millis(300);
    let frontend = Frontend::start(config).await;
    let (status, _, body) = get(&frontend.url("/api/slow")).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert!(json_of(&body)["detail"].as_str().unwrap().contains("300 ms"));
    let metrics = frontend.state.metrics().render();
    assert!(metrics.contains("sector_frontend_proxy_requests_total{outcome=\"timeout\"} 1"), "{metrics}");
}
