//! `kubectl patch` of the admin fields reaches the universe's real Redis: each change is
//! written to the control hash exactly once (counted by the server's own command statistics)
//! and recorded as exactly one Event, however many reconciles follow.

use std::time::Duration;

use anyhow::{Result, ensure};

use super::support::{patch, registry, wait_phase};
use crate::suite::Suite;
use crate::wait;

pub const NS: &str = "e2e-admin";
pub const NAME: &str = "blue";

/// Several resyncs (the chart is installed with 2 s), long enough for a duplicate to show.
const QUIET: Duration = Duration::from_secs(7);

/// Patches the spec, waits until the control hash shows `done`, then checks that exactly one
/// write and one `reason` Event came of it.
pub async fn admin_change(
    s: &Suite,
    ns: &str,
    name: &str,
    spec: serde_json::Value,
    reason: &str,
    done: impl Fn(&sector_store::Control) -> bool,
) -> Result<()> {
    let redis = s.redis_of(ns, name)?;
    let writes_before = redis.hset_calls().await?;
    let events_before = s.event_count(ns, name, reason).await?;
    patch(s, ns, name, serde_json::json!({ "spec": spec.clone() })).await?;
    let done = &done;
    wait::until(&format!("the control hash to show {spec}"), Duration::from_secs(30), || async move {
        let control = redis.control().await?;
        Ok(if done(&control) { Ok(()) } else { Err(format!("{control:?}")) })
    })
    .await?;
    tokio::time::sleep(QUIET).await;
    let writes = redis.hset_calls().await? - writes_before;
    ensure!(writes == 1, "{spec}: {writes} writes to the control hash, expected exactly 1");
    let events = s.event_count(ns, name, reason).await? - events_before;
    ensure!(events == 1, "{spec}: {events} {reason} Events, expected exactly 1");
    Ok(())
}

pub async fn run(s: &mut Suite) -> Result<()> {
    let ns = s.namespace(NS).await?;
    s.apply(&ns, &format!("apiVersion: sector.dev/v1alpha1\nkind: SectorUniverse\nmetadata: {{name: {NAME}}}\nspec: {{world: {{seed: first}}}}\n")).await?;
    let redis = s.universe_redis(&ns, NAME).await?;
    let ids = registry(5);
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    redis.play_sim("run-1", 3, "running", &ids).await?;
    wait_phase(s, &ns, NAME, "Running").await?;

    admin_change(s, &ns, NAME, serde_json::json!({ "paused": true }), "Paused", |c| c.paused).await?;
    admin_change(s, &ns, NAME, serde_json::json!({ "botsOnly": true }), "BotsOnlyEnabled", |c| c.bots_only)
        .await?;
    admin_change(s, &ns, NAME, serde_json::json!({ "paused": false }), "Resumed", |c| !c.paused).await?;
    admin_change(
        s,
        &ns,
        NAME,
        serde_json::json!({ "restartGeneration": 1, "restartSeed": "second" }),
        "RestartRequested",
        |c| c.restart_generation == 1 && c.restart_seed.as_deref() == Some("second"),
    )
    .await?;

    // The sim applies the restart: the status follows, with one RestartApplied Event.
    s.redis_of(&ns, NAME)?.play_restart_applied(1, "run-2").await?;
    let api = &s.universes(&ns);
    wait::until("status to show the new run", Duration::from_secs(30), || async move {
        let status = api.get(NAME).await?.status.unwrap_or_default();
        Ok(if status.applied_restart_generation == Some(1) && status.run.as_deref() == Some("run-2") {
            Ok(())
        } else {
            Err(format!(
                "appliedRestartGeneration {:?}, run {:?}",
                status.applied_restart_generation, status.run
            ))
        })
    })
    .await?;
    tokio::time::sleep(QUIET).await;
    let applied = s.event_count(&ns, NAME, "RestartApplied").await?;
    ensure!(applied == 1, "{applied} RestartApplied Events, expected 1");
    Ok(())
}
