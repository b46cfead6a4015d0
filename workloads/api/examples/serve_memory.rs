//! Serves the API on a free local port, for schemathesis and the benchmark.
//!
//! - Store: Redis at `REDIS_URL` if set, else in process (`MemoryStore`).
//! - A world of `SYSTEMS` systems (default 30) is generated and saved as the snapshot (plus
//!   one `snapshot` event), as the sim would; `SYSTEMS=0` skips it.
//! - Configuration from the environment in dev mode (`JWT_SECRET` optional); `PORT`
//!   (default 0 = ephemeral). Prints `listening on http://ADDR` once ready.
//! - `EXAMPLE_LOGIN=1`: a fixed test wallet is made an admin, signs in (the real
//!   nonce/verify flow, in process), claims `F1`, and `token <jwt>` is printed first.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use ethers_signers::{LocalWallet, Signer};
use http_body_util::BodyExt;
use sector_api::{ApiConfig, AppState};
use sector_store::{Commit, MemoryStore, RedisStore, Store};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// One JSON request through the router.
async fn call(
    router: &axum::Router,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Result<Value, Box<dyn std::error::Error>> {
    let mut request = Request::post(path).header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = router.clone().oneshot(request.body(Body::from(body.to_string()))?).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        return Err(format!("{path}: {status} {}", String::from_utf8_lossy(&bytes)).into());
    }
    Ok(serde_json::from_slice(&bytes)?)
}

/// Signs in `wallet` and claims F1; returns the token.
async fn login(router: &axum::Router, wallet: &LocalWallet) -> Result<String, Box<dyn std::error::Error>> {
    let address = format!("{:#x}", wallet.address());
    let nonce = call(router, "/auth/nonce", None, json!({ "address": address })).await?;
    let message = nonce["message"].as_str().ok_or("no message")?;
    let signature = wallet.sign_message(message).await?;
    let verify =
        call(router, "/auth/verify", None, json!({ "address": address, "signature": signature.to_string() }))
            .await?;
    let token = verify["token"].as_str().ok_or("no token")?.to_owned();
    call(router, "/factions/claim", Some(&token), json!({ "faction": "F1" })).await?;
    Ok(token)
}

async fn seed<S: Store>(store: &S, systems: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut config = sector_core::Config::default();
    config.simulation.number_of_systems = systems;
    let world = sector_core::generator::generate(&config, 7)?;
    let snapshot = serde_json::to_string(&world.snapshot())?;
    let event = format!(r#"{{"type":"snapshot","data":{snapshot}}}"#);
    let universe = store.universe_id().await?;
    let lease = store
        .acquire_lease("serve-example", Duration::from_secs(5))
        .await?
        .ok_or("the sim lease is held by someone else")?;
    store.commit(&lease, &Commit::tick(&universe).event(&event).snapshot(0, &snapshot)).await?;
    store.release_lease(&lease).await?;
    Ok(())
}

async fn run<S: Store>(store: S, mut config: ApiConfig) -> Result<(), Box<dyn std::error::Error>> {
    let systems: usize = std::env::var("SYSTEMS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    if systems > 0 {
        seed(&store, systems).await?;
    }
    let admin = LocalWallet::from_bytes(&[0x11; 32])?;
    let login_requested = std::env::var("EXAMPLE_LOGIN").is_ok_and(|v| v == "1");
    if login_requested {
        config.admin_addresses.insert(format!("{:#x}", admin.address()));
    }
    let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
    let state = AppState::new(store, config)?;
    if login_requested {
        println!("token {}", login(&sector_api::router(state.clone()), &admin).await?);
    }
    println!("listening on http://{}", listener.local_addr()?);
    sector_api::serve(state, listener, sector_api::shutdown_signal()).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let mut config = ApiConfig::from_env_dev()?;
    if std::env::var_os("PORT").is_none() {
        config.port = 0;
    }
    match config.redis_url.clone() {
        Some(url) => run(RedisStore::connect(&url, config.keys.clone()).await?, config).await,
        None => run(MemoryStore::new(), config).await,
    }
}
