//! Shared test support: an API over a fresh store (in process or a throw-away redis-server),
//! HTTP calls through the router, test wallets and sim-like seeding.
#![allow(dead_code)] // each test binary uses a different subset

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use ethers_signers::{LocalWallet, Signer};
use http_body_util::BodyExt;
use sector_api::{ApiConfig, AppState};
use sector_store::testing::RedisServer;
use sector_store::{Commit, EntryId, Keys, MemoryStore, RedisStore, Store};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret!";
pub const BOT_TOKEN: &str = "bot-secret-token";
/// Index of the wallet listed in `ADMIN_ADDRESSES`.
pub const ADMIN: u8 = 200;

/// An API on a fresh store, kept alive (with its redis-server) for the test's duration.
pub struct TestApi<S> {
    pub router: Router,
    pub state: AppState<S>,
    pub store: S,
    pub server: Option<RedisServer>,
}

/// Test configuration: production rules (not dev mode), a known secret and bot token, the
/// admin wallet, rate limits off unless `extra` sets them, no snapshot cache.
pub fn config(extra: &[(&str, &str)]) -> ApiConfig {
    let admin = Wallet::new(ADMIN).address;
    let mut vars: Vec<(String, String)> = [
        ("REDIS_URL", "redis://unused:6379/0"),
        ("EVENT_STREAM", "sector:events"),
        ("ORDER_STREAM", "sector:orders"),
        ("SNAPSHOT_KEY", "sector:snapshot"),
        ("JWT_SECRET", JWT_SECRET),
        ("BOT_API_TOKEN", BOT_TOKEN),
        ("ADMIN_ADDRESSES", admin.as_str()),
        ("RATE_LIMIT_AUTH_PER_MINUTE", "0"),
        ("RATE_LIMIT_ORDERS_PER_MINUTE", "0"),
        ("READ_CACHE_MS", "0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    ApiConfig::from_vars(vars, false).expect("test config")
}

pub fn memory_api(extra: &[(&str, &str)]) -> TestApi<MemoryStore> {
    let store = MemoryStore::new();
    let state = AppState::new(store.clone(), config(extra)).expect("state");
    TestApi { router: sector_api::router(state.clone()), state, store, server: None }
}

pub async fn redis_api(extra: &[(&str, &str)]) -> TestApi<RedisStore> {
    let server = RedisServer::start().unwrap_or_else(|e| panic!("cannot start redis-server: {e}"));
    let store = server.store(Keys::default()).await.expect("connect");
    let state = AppState::new(store.clone(), config(extra)).expect("state");
    TestApi { router: sector_api::router(state.clone()), state, store, server: Some(server) }
}

/// A response: status, headers and the body parsed as JSON (`Value::String` if it is not).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The `detail` string of an error body.
    pub fn detail(&self) -> &str {
        self.body["detail"].as_str().unwrap_or_else(|| panic!("no string detail in {:?}", self.body))
    }

    /// `(type, loc)` of each 422 item.
    pub fn problems(&self) -> Vec<(String, Value)> {
        self.body["detail"]
            .as_array()
            .unwrap_or_else(|| panic!("no detail list in {:?}", self.body))
            .iter()
            .map(|e| (e["type"].as_str().unwrap_or_default().to_owned(), e["loc"].clone()))
            .collect()
    }
}

impl<S: Store> TestApi<S> {
    /// Sends one request through the router.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Reply { status, headers, body }
    }

    /// A JSON request with optional bearer token and extra headers.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        self.call_with(method, path, token, &[], body).await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let mut builder =
            Request::builder().method(method).uri(path).header("content-type", "application/json");
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let body = body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty);
        self.send(builder.body(body).expect("request")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn bot_orders(&self, orders: Value) -> Reply {
        self.call_with(
            Method::POST,
            "/orders",
            None,
            &[("x-bot-token", BOT_TOKEN)],
            Some(json!({ "orders": orders })),
        )
        .await
    }

    /// Full wallet login; returns the token.
    pub async fn login(&self, wallet: &Wallet) -> String {
        let nonce = self.post("/auth/nonce", None, json!({ "address": wallet.address })).await;
        assert_eq!(nonce.status, StatusCode::OK, "{:?}", nonce.body);
        let message = nonce.body["message"].as_str().expect("message").to_owned();
        let verify = self
            .post(
                "/auth/verify",
                None,
                json!({ "address": wallet.address, "signature": wallet.sign(&message).await }),
            )
            .await;
        assert_eq!(verify.status, StatusCode::OK, "{:?}", verify.body);
        verify.body["token"].as_str().expect("token").to_owned()
    }
}

/// A deterministic test wallet (private key = 32 bytes of `index`, index ≥ 1).
pub struct Wallet {
    pub inner: LocalWallet,
    /// Lower-case `0x` address.
    pub address: String,
}

impl Wallet {
    pub fn new(index: u8) -> Self {
        assert!(index > 0, "a zero key is invalid");
        Self::from_key([index; 32])
    }

    /// Wallet `i` of a larger family (for many concurrent players).
    pub fn numbered(i: u16) -> Self {
        let mut key = [7u8; 32];
        key[0] = 1;
        key[30..].copy_from_slice(&i.to_be_bytes());
        Self::from_key(key)
    }

    fn from_key(key: [u8; 32]) -> Self {
        let inner = LocalWallet::from_bytes(&key).expect("key");
        let address = format!("{:#x}", inner.address());
        Self { inner, address }
    }

    /// `personal_sign` of `message`, as a `0x` hex string (v = 27/28).
    pub async fn sign(&self, message: &str) -> String {
        format!("0x{}", self.inner.sign_message(message).await.expect("sign"))
    }
}

/// A world of `systems` systems, as the sim's snapshot JSON.
pub fn world_snapshot(systems: usize) -> String {
    let mut config = sector_core::Config::default();
    config.simulation.number_of_systems = systems;
    let world = sector_core::generator::generate(&config, 11).expect("generate");
    serde_json::to_string(&world.snapshot()).expect("json")
}

/// Saves `snapshot` and appends `events` as the sim would (one fenced commit); returns the
/// event ids.
pub async fn commit<S: Store>(store: &S, snapshot: Option<&str>, events: &[&str]) -> Vec<EntryId> {
    let universe = store.universe_id().await.expect("universe");
    let lease =
        store.acquire_lease("test-sim", Duration::from_secs(5)).await.expect("lease").expect("free lease");
    let mut commit = Commit::tick(&universe);
    for event in events {
        commit = commit.event(event);
    }
    if let Some(snapshot) = snapshot {
        commit = commit.snapshot(0, snapshot);
    }
    let receipt = store.commit(&lease, &commit).await.expect("commit");
    store.release_lease(&lease).await.expect("release");
    receipt.event_ids
}

/// Seeds a 30-system snapshot with its `snapshot` event; returns the snapshot JSON.
pub async fn seed_world<S: Store>(store: &S) -> String {
    let snapshot = world_snapshot(30);
    let event = format!(r#"{{"type":"snapshot","data":{snapshot}}}"#);
    commit(store, Some(&snapshot), &[&event]).await;
    snapshot
}

/// A token signed with `secret` carrying `claims` (for forged / expired token tests).
pub fn sign_token(claims: Value, secret: &str) -> String {
    jsonwebtoken_like::sign(&claims, secret.as_bytes())
}

/// Minimal HS256 signing, so the tests do not depend on the crate's own JWT code.
pub mod jsonwebtoken_like {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::Value;

    /// HS256 JWT of `claims`.
    pub fn sign(claims: &Value, secret: &[u8]) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{header}.{payload}");
        let mac = hmac_sha256(secret, input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut block = [0u8; 64];
        if key.len() > 64 {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let mut inner = Sha256::new();
        inner.update(block.map(|b| b ^ 0x36));
        inner.update(message);
        let mut outer = Sha256::new();
        outer.update(block.map(|b| b ^ 0x5c));
        outer.update(inner.finalize());
        outer.finalize().into()
    }
}
