//! A fleet: N universes (100, or `SECTOR_E2E_UNIVERSES`) applied at once, each with its Redis
//! and a simulation that keeps ticking. Once they all run, the API server's own
//! `apiserver_request_total` over a minute says what the settled fleet costs: writes to the
//! objects the operator manages must be none (the live tick is not worth an API write), and
//! reads at most 0.1 per universe per minute (the operator reads its watch caches).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;
use sector_operator::names::Names;

use super::support::{phase, registry, wait_all_workloads_ready};
use crate::api_requests::{self, Rates};
use crate::suite::Suite;
use crate::wait;

const WINDOW: Duration = Duration::from_secs(60);

pub async fn run(s: &mut Suite) -> Result<()> {
    let count: usize = std::env::var("SECTOR_E2E_UNIVERSES").ok().and_then(|n| n.parse().ok()).unwrap_or(100);
    let ns = s.namespace("e2e-scale").await?;
    let names: Vec<String> = (0..count).map(|i| format!("u{i:04}")).collect();
    let yaml: String = names
        .iter()
        .map(|n| format!("apiVersion: sector.dev/v1alpha1\nkind: SectorUniverse\nmetadata: {{name: {n}}}\nspec: {{}}\n---\n"))
        .collect();
    let applied = Instant::now();
    s.apply(&ns, &yaml).await?;

    // Each universe's Redis comes up as soon as the operator generated its Secret, in whatever
    // order that happens (as Redis pods would).
    let ids = registry(5);
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let secrets: Api<Secret> = Api::namespaced(s.client.clone(), &ns);
    let mut sims = Vec::new();
    let mut waiting: BTreeSet<&String> = names.iter().collect();
    let deadline = Instant::now() + Duration::from_secs(300);
    while !waiting.is_empty() {
        let existing: BTreeSet<String> = secrets
            .list(&Default::default())
            .await?
            .items
            .into_iter()
            .filter_map(|s| s.metadata.name)
            .collect();
        let ready: Vec<&String> =
            waiting.iter().copied().filter(|n| existing.contains(&Names::new(n).secret())).collect();
        for name in ready {
            let redis = s.universe_redis(&ns, name).await?;
            redis.play_sim("run-1", 1, "running", &ids).await?;
            sims.push((redis.connection().await?, redis.keys.control()));
            waiting.remove(name);
        }
        ensure!(Instant::now() < deadline, "{} universes still have no Secret after 300 s", waiting.len());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!(
        "{count} universes have their Secret {:.1} s after `kubectl apply`",
        applied.elapsed().as_secs_f64()
    );
    let api = &s.universes(&ns);
    let total = count;
    wait::until(&format!("{count} universes Running"), Duration::from_secs(300), || async move {
        let list = api.list(&Default::default()).await?.items;
        let running = list.iter().filter(|su| phase(su) == "Running").count();
        Ok(if running == total { Ok(()) } else { Err(format!("{running}/{total} Running")) })
    })
    .await?;
    println!("{count} universes Running {:.1} s after `kubectl apply`", applied.elapsed().as_secs_f64());

    // Settled: every pod the controllers create is Ready, so they stop writing too.
    wait_all_workloads_ready(s, &ns, Duration::from_secs(300)).await?;
    println!(
        "{count} universes' workloads all Ready {:.1} s after `kubectl apply`",
        applied.elapsed().as_secs_f64()
    );

    // The simulations tick once a second while the fleet is measured.
    let ticker = tokio::spawn(async move {
        for tick in 2u64.. {
            for (connection, key) in &mut sims {
                let _: redis::RedisResult<()> =
                    redis::cmd("HMSET").arg(&*key).arg("tick").arg(tick).query_async(connection).await;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    // Let the last reconciles and status updates of the start finish before measuring.
    tokio::time::sleep(Duration::from_secs(20)).await;
    let before = api_requests::read(s).await?;
    tokio::time::sleep(WINDOW).await;
    let after = api_requests::read(s).await?;
    ticker.abort();

    let rates = Rates::between(&before, &after, count, WINDOW);
    println!("settled fleet, {count} universes, requests per universe per minute (verb resource):");
    rates.print();
    println!(
        "settled fleet: {:.3} writes and {:.3} reads per universe per minute",
        rates.writes, rates.reads
    );
    ensure!(rates.writes == 0.0, "a settled fleet still writes: {:.3} per universe per minute", rates.writes);
    // Readiness and credentials come from the watch caches: reads are (nearly) none too.
    ensure!(
        rates.reads <= 0.1,
        "a settled fleet still reads: {:.3} GETs/LISTs per universe per minute",
        rates.reads
    );
    Ok(())
}
