//! Fairness: universes whose Redis cannot be reached — one whose Redis accepts connections and
//! never answers (a hung server: every attempt waits for the operator's timeout) and one whose
//! name does not resolve — are
//! applied together with healthy ones. The bad ones still get every child and a status that
//! names the address tried, and they hold nobody up: the healthy ones run as soon as their
//! Redis answers.

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use sector_operator::names::{Component, Names};

use super::support::{condition, phase, registry};
use crate::suite::{Suite, children_of};
use crate::wait;

/// Children of a minimal universe.
const CHILDREN: usize = 14;
/// Where the hung Redis listens.
const BLACKHOLE: &str = "127.79.0.1";
const HEALTHY: usize = 8;

fn universe(name: &str) -> String {
    format!(
        "apiVersion: sector.dev/v1alpha1\nkind: SectorUniverse\nmetadata: {{name: {name}}}\nspec: {{}}\n---\n"
    )
}

pub async fn run(s: &mut Suite) -> Result<()> {
    let ns = s.namespace("e2e-fairness").await?;
    let hung = hung_server().await?;
    let blackholed = "blackhole";
    let unresolvable = "nowhere";
    s.hosts
        .add(BLACKHOLE, &format!("{}.{ns}.svc.cluster.local", Names::new(blackholed).of(Component::Redis)))?;
    let healthy: Vec<String> = (0..HEALTHY).map(|i| format!("ok{i}")).collect();
    let yaml: String = [blackholed, unresolvable]
        .into_iter()
        .chain(healthy.iter().map(String::as_str))
        .map(universe)
        .collect();
    let applied = Instant::now();
    s.apply(&ns, &yaml).await?;

    // The healthy universes' Redis answer as soon as their Secrets exist.
    let ids = registry(4);
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    for name in &healthy {
        let redis = s.universe_redis(&ns, name).await?;
        redis.play_sim("run-1", 1, "running", &ids).await?;
    }
    let api = &s.universes(&ns);
    let expected = healthy.len();
    wait::until("the healthy universes Running", Duration::from_secs(60), || async move {
        let list = api.list(&Default::default()).await?.items;
        let running = list
            .iter()
            .filter(|su| {
                su.metadata.name.as_deref().is_some_and(|n| n.starts_with("ok")) && phase(su) == "Running"
            })
            .count();
        Ok(if running == expected { Ok(()) } else { Err(format!("{running}/{expected} Running")) })
    })
    .await?;
    println!(
        "{HEALTHY} healthy universes Running {:.1} s after the apply, beside two unreachable ones",
        applied.elapsed().as_secs_f64()
    );

    for (name, why) in [(blackholed, "no answer within"), (unresolvable, "")] {
        let children = children_of(s, &ns, name).await?;
        ensure!(children.len() == CHILDREN, "{name} has {} of its {CHILDREN} children", children.len());
        let su = s.universe(&ns, name).await?;
        ensure!(phase(&su) == "Pending", "{name} is {} (expected Pending)", phase(&su));
        let redis =
            condition(&su, "RedisReady").map(|c| (c.status.clone(), c.message.clone())).unwrap_or_default();
        let address = format!("{name}-redis.{ns}.svc.cluster.local:6379");
        ensure!(
            redis.0 == "False" && redis.1.contains(&address),
            "{name}: RedisReady {redis:?} does not name {address}"
        );
        ensure!(redis.1.contains(why), "{name}: RedisReady message {:?} lacks {why:?}", redis.1);
        ensure!(!redis.1.contains("redis://"), "{name}: the message carries the URL (and its password)");
    }

    hung.abort();
    // Failing universes keep the operator retrying; later scenarios measure a quiet cluster.
    s.kubectl.run(&["delete", "namespace", &ns, "--wait=false"]).await?;
    Ok(())
}

/// A TCP server at the Redis port that accepts connections and never says a word.
async fn hung_server() -> Result<tokio::task::JoinHandle<()>> {
    let listener =
        tokio::net::TcpListener::bind((BLACKHOLE, sector_operator::names::REDIS_PORT as u16)).await?;
    Ok(tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    }))
}
