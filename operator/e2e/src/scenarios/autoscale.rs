//! Bot autoscaling from human claims in the universe's Redis: replicas follow
//! clamp(ceil(bot-played factions / factionsPerReplica), min, max); scale-up is immediate,
//! scale-down waits for the window (the chart is installed with a 6 s window).

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use sector_operator::autoscale::recommended;

use super::support::{deployment, registry, wait_phase};
use crate::suite::Suite;
use crate::wait;

const NAME: &str = "swarm";
const RUN: &str = "run-1";

async fn replicas(s: &Suite, ns: &str) -> Result<i32> {
    Ok(deployment(s, ns, &format!("{NAME}-bots")).await?.spec.and_then(|d| d.replicas).unwrap_or(0))
}

async fn wait_replicas(s: &Suite, ns: &str, wanted: i32, limit: Duration) -> Result<Duration> {
    let started = Instant::now();
    wait::until(&format!("{wanted} bot replicas"), limit, || async move {
        let now = replicas(s, ns).await?;
        Ok(if now == wanted { Ok(()) } else { Err(format!("{now} replicas")) })
    })
    .await?;
    Ok(started.elapsed())
}

/// Waits until the operator's status counts `played` bot-played factions.
async fn wait_observed(s: &Suite, ns: &str, played: i32) -> Result<()> {
    let api = &s.universes(ns);
    wait::until(&format!("{played} bot-played factions in status"), Duration::from_secs(30), || async move {
        let bots = api.get(NAME).await?.status.and_then(|st| st.bot_replicas);
        Ok(match bots {
            Some(b) if b.bot_played_factions == played => Ok(()),
            other => Err(format!("{other:?}")),
        })
    })
    .await
}

pub async fn run(s: &mut Suite) -> Result<()> {
    let ns = s.namespace("e2e-bots").await?;
    s.apply(&ns, &format!("apiVersion: sector.dev/v1alpha1\nkind: SectorUniverse\nmetadata: {{name: {NAME}}}\nspec: {{bots: {{factionsPerReplica: 2, minReplicas: 1, maxReplicas: 4}}}}\n")).await?;
    let redis = s.universe_redis(&ns, NAME).await?;
    let ids = registry(5);
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    redis.play_sim(RUN, 4, "running", &ids).await?;
    wait_phase(s, &ns, NAME, "Running").await?;
    let spec = s.universe(&ns, NAME).await?.spec.bots;
    let all = i32::try_from(ids.len())?;

    wait_observed(s, &ns, all).await?;
    wait_replicas(s, &ns, recommended(&spec, all), Duration::from_secs(30)).await?;
    ensure!(recommended(&spec, all) == 3, "6 bot-played factions at 2 per replica should need 3 bots");

    // Three claims: 3 bot-played factions → 2 replicas, but only after the window.
    s.redis_of(&ns, NAME)?.claim(RUN, &["F1", "F2", "F3"]).await?;
    wait_observed(s, &ns, all - 3).await?;
    let held = replicas(s, &ns).await?;
    ensure!(held == 3, "scaled down to {held} as soon as the claims were seen (window ignored)");
    let took = wait_replicas(s, &ns, recommended(&spec, all - 3), Duration::from_secs(30)).await?;
    println!("scale-down to 2 replicas {took:?} after the operator saw the claims (window 6 s)");

    // Claims released: back up at once.
    s.redis_of(&ns, NAME)?.release(RUN, 3).await?;
    wait_observed(s, &ns, all).await?;
    wait_replicas(s, &ns, 3, Duration::from_secs(8)).await?;
    let (shared, ns_ref) = (&*s, ns.as_str());
    wait::until("a BotsScaled Event per change", Duration::from_secs(10), || async move {
        let scaled = shared.event_count(ns_ref, NAME, "BotsScaled").await?;
        Ok(if scaled == 3 { Ok(()) } else { Err(format!("{scaled} BotsScaled Events for 3 changes")) })
    })
    .await?;
    Ok(())
}
