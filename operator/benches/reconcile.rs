//! Reconciles 1,000 universes against the in-memory Kubernetes API (`kube-fake-client`), each
//! with its own in-process store standing in for its Redis, and reports the total time and the
//! process's resident memory. Targets: < 60 s, < 64 MiB.
//!
//! `cargo bench -p sector-operator --bench reconcile` (`UNIVERSES=N` to change the count).
//! The in-memory API runs in a child process (this binary again, serving the fake client over
//! HTTP on loopback), so the RSS reported for the operator is the operator's alone, as in a
//! cluster where the API server is elsewhere.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use kube::api::{Api, PostParams};
use sector_operator::controller::{Context, reconcile};
use sector_operator::crd::{SectorUniverse, SectorUniverseSpec};
use sector_operator::live::Connector;
use sector_operator::metrics::Metrics;
use sector_operator::settings::Settings;
use sector_store::{ControlStore, MemoryStore, SimPhase, SimStatus, StoreResult};

/// One in-process store per universe, as if each had its own Redis with a running sim.
#[derive(Default)]
struct MemoryConnector(Mutex<HashMap<String, MemoryStore>>);

impl Connector for MemoryConnector {
    type Store = MemoryStore;

    async fn connect(&self, key: &str, _url: &str) -> StoreResult<MemoryStore> {
        let existing = self.0.lock().ok().and_then(|m| m.get(key).cloned());
        if let Some(store) = existing {
            return Ok(store);
        }
        let store = MemoryStore::new();
        let status = SimStatus {
            run: Some("1".into()),
            tick: Some(1),
            phase: Some(SimPhase::Running),
            ..SimStatus::default()
        };
        store.record_status(&status).await?;
        if let Ok(mut map) = self.0.lock() {
            map.insert(key.to_owned(), store.clone());
        }
        Ok(store)
    }
}

fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

const SERVER_ENV: &str = "SECTOR_BENCH_FAKE_API";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Child-process mode: serves the in-memory API over HTTP until stdin closes.
async fn serve_fake_api() -> Result<(), BoxError> {
    use http_body_util::BodyExt;
    let client = kube_fake_client::ClientBuilder::new()
        .with_resource::<SectorUniverse>()
        .with_status_subresource::<SectorUniverse>()
        .with_status_subresource::<Deployment>()
        .with_status_subresource::<StatefulSet>()
        .build()
        .await?;
    let forward = move |request: axum::extract::Request| {
        let client = client.clone();
        async move {
            let (parts, body) = request.into_parts();
            let bytes = body.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
            let request = http::Request::from_parts(parts, kube::client::Body::from(bytes));
            match client.send(request).await {
                Ok(response) => {
                    let (parts, body) = response.into_parts();
                    let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                    http::Response::from_parts(parts, axum::body::Body::from(bytes))
                }
                Err(e) => http::Response::builder()
                    .status(500)
                    .body(axum::body::Body::from(e.to_string()))
                    .unwrap_or_default(),
            }
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    let stop = async {
        // The parent closes our stdin when it is done (or dies).
        let _ =
            tokio::task::spawn_blocking(|| std::io::Read::read(&mut std::io::stdin(), &mut [0u8; 1])).await;
    };
    axum::serve(listener, axum::Router::new().fallback(forward)).with_graceful_shutdown(stop).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    if std::env::var_os(SERVER_ENV).is_some() {
        return serve_fake_api().await;
    }
    sector_operator::install_crypto_provider();
    // `cargo bench` passes `--bench`; nothing to parse.
    let universes: usize = std::env::var("UNIVERSES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let namespaces = 10;
    let mut server = std::process::Command::new(std::env::current_exe()?)
        .env(SERVER_ENV, "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut port = String::new();
    if let Some(out) = server.stdout.as_mut() {
        std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut port)?;
    }
    let url: http::Uri = format!("http://127.0.0.1:{}", port.trim()).parse()?;
    let client = kube::Client::try_from(kube::Config::new(url))?;
    let settings = Settings { bot_scale_down_window: Duration::ZERO, ..Settings::default() };
    let ctx = Arc::new(Context::new(
        client.clone(),
        settings,
        MemoryConnector::default(),
        Arc::new(Metrics::new()),
    ));
    let rss_start = rss_kib("VmRSS:");

    let mut refs = Vec::with_capacity(universes);
    for i in 0..universes {
        let ns = format!("games-{}", i % namespaces);
        let mut su = SectorUniverse::new(&format!("u{i}"), SectorUniverseSpec::default());
        su.metadata.namespace = Some(ns.clone());
        Api::<SectorUniverse>::namespaced(client.clone(), &ns).create(&PostParams::default(), &su).await?;
        refs.push((ns, format!("u{i}")));
    }

    // No watches here: each pass starts from caches listed as the watches would have them.
    let cache = ctx.cache_to_fill(false);
    let pass = |label: &'static str| {
        let ctx = ctx.clone();
        let client = client.clone();
        let refs = refs.clone();
        let cache = cache.clone();
        async move {
            let started = Instant::now();
            if let Err(e) = cache.relist(&client, &ctx.applied).await {
                println!("{label}: listing for the caches failed: {e}");
            }
            let results: Vec<bool> = futures::stream::iter(refs)
                .map(|(ns, name)| {
                    let ctx = ctx.clone();
                    let client = client.clone();
                    async move {
                        let Ok(su) = Api::<SectorUniverse>::namespaced(client, &ns).get(&name).await else {
                            return false;
                        };
                        reconcile(Arc::new(su), ctx).await.is_ok()
                    }
                })
                .buffer_unordered(16)
                .collect()
                .await;
            let elapsed = started.elapsed();
            let failed = results.iter().filter(|ok| !**ok).count();
            println!(
                "{label:<12} {} universes in {:>7.2} s ({:>6.2} ms each), {failed} failed",
                results.len(),
                elapsed.as_secs_f64(),
                elapsed.as_secs_f64() * 1000.0 / results.len().max(1) as f64
            );
            elapsed
        }
    };

    let first = pass("create").await;
    let second = pass("steady").await;
    let total = first + second;
    let rss = rss_kib("VmRSS:");
    let peak = rss_kib("VmHWM:");
    println!(
        "total        {:.2} s for {} reconciles (target < 60 s for 1,000 universes)",
        total.as_secs_f64(),
        2 * universes
    );
    let api_rss = std::fs::read_to_string(format!("/proc/{}/status", server.id()))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:").map(|v| v.trim().to_owned()))
        .unwrap_or_default();
    println!(
        "operator     RSS {:.1} MiB now, {:.1} MiB peak, {:.1} MiB at start (target < 64 MiB)",
        mib(rss),
        mib(peak),
        mib(rss_start)
    );
    println!("in-memory API process (not the operator): RSS {api_rss}");
    println!(
        "caches       {} applied-child records, {} open stores",
        ctx.applied.len(),
        ctx.connections.len()
    );
    drop(server.stdin.take());
    let _ = server.wait();
    Ok(())
}
