//! The reconciler against an in-memory Kubernetes API and a real redis-server.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::*;
use kube::api::DeleteParams;
use kube::runtime::controller::Action;
use sector_operator::controller::{error_policy, reconcile};
use sector_operator::crd::Phase;
use sector_operator::error::Error;
use sector_operator::status::{self, DEGRADED, PAUSED, READY, REDIS_READY};
use sector_store::{ClaimStore, ControlStore, SimPhase, SimStatus};
use serde_json::{Value, json};

fn names(children: &std::collections::BTreeMap<String, Value>) -> BTreeSet<String> {
    children.keys().cloned().collect()
}

fn container<'a>(children: &'a std::collections::BTreeMap<String, Value>, deployment: &str) -> &'a Value {
    &children[&format!("Deployment/{deployment}")]["spec"]["template"]["spec"]["containers"][0]
}

fn env<'a>(container: &'a Value, name: &str) -> &'a Value {
    container["env"]
        .as_array()
        .and_then(|vars| vars.iter().find(|v| v["name"] == name))
        .unwrap_or(&Value::Null)
}

fn admin_actions(h: &Harness, action: &str) -> String {
    let text = h.ctx.metrics.encode();
    let prefix = format!("sector_operator_admin_actions_total{{action=\"{action}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or("0").to_owned()
}

#[tokio::test]
async fn minimal_spec_builds_every_child_labelled_owned_and_hardened() {
    let h = harness().await;
    let su = h.create("blue", json!({})).await;
    h.reconcile("blue").await.expect("reconcile");
    let children = h.children().await;
    let expected: BTreeSet<String> = [
        "ConfigMap/blue-config",
        "Deployment/blue-api",
        "Deployment/blue-bots",
        "Deployment/blue-frontend",
        "Deployment/blue-sim",
        "NetworkPolicy/blue-redis",
        "Role/blue-api",
        "RoleBinding/blue-api",
        "Secret/blue-credentials",
        "Service/blue-api",
        "Service/blue-frontend",
        "Service/blue-redis",
        "ServiceAccount/blue-api",
        "StatefulSet/blue-redis",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(names(&children), expected, "no PDB, ingress or minter by default");

    for (key, child) in &children {
        let labels = &child["metadata"]["labels"];
        assert_eq!(labels["sector.dev/universe"], "blue", "{key}");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "sector-operator", "{key}");
        let owner = &child["metadata"]["ownerReferences"][0];
        assert_eq!(owner["uid"], owner_uid(&su).as_str(), "{key}");
        assert_eq!(
            (owner["kind"].as_str(), owner["controller"].as_bool()),
            (Some("SectorUniverse"), Some(true)),
            "{key}"
        );
    }

    for (deployment, port) in
        [("blue-api", 8000), ("blue-frontend", 9000), ("blue-sim", 9300), ("blue-bots", 0)]
    {
        let pod = &children[&format!("Deployment/{deployment}")]["spec"]["template"]["spec"];
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{deployment}");
        assert_eq!(pod["enableServiceLinks"], false, "{deployment}");
        let c = container(&children, deployment);
        let sc = &c["securityContext"];
        assert_eq!(sc["readOnlyRootFilesystem"], true, "{deployment}");
        assert_eq!(sc["allowPrivilegeEscalation"], false, "{deployment}");
        assert_eq!(sc["capabilities"]["drop"], json!(["ALL"]), "{deployment}");
        for kind in ["requests", "limits"] {
            for resource in ["cpu", "memory"] {
                assert!(c["resources"][kind][resource].is_string(), "{deployment} {kind}.{resource}");
            }
        }
        assert_eq!(env(c, "REDIS_URL")["value"], "redis://:$(REDIS_PASSWORD)@blue-redis:6379/0");
        assert_eq!(env(c, "EVENT_STREAM")["value"], "sector:events");
        if port == 0 {
            assert!(
                c.get("livenessProbe").is_none() && c.get("readinessProbe").is_none(),
                "bots serve no HTTP"
            );
            continue;
        }
        assert_eq!(c["ports"][0]["containerPort"], port, "{deployment}");
        assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/health", "{deployment}");
        assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/ready", "{deployment}");
        assert_eq!(c["ports"][0]["name"], "http", "{deployment}");
        for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
            assert_eq!(c[probe]["httpGet"]["port"], "http", "{deployment} {probe} on the named port");
        }
    }

    let sim = &children["Deployment/blue-sim"]["spec"];
    assert_eq!((sim["replicas"].as_i64(), sim["strategy"]["type"].as_str()), (Some(1), Some("Recreate")));
    assert_eq!(
        env(container(&children, "blue-sim"), "WORKER_ID")["valueFrom"]["fieldRef"]["fieldPath"],
        "metadata.name"
    );
    let api = container(&children, "blue-api");
    assert_eq!(env(api, "SECTOR_UNIVERSE_NAME")["value"], "blue");
    assert_eq!(env(api, "JWT_SECRET")["valueFrom"]["secretKeyRef"]["name"], "blue-credentials");
    assert_eq!(children["Deployment/blue-api"]["spec"]["template"]["spec"]["serviceAccountName"], "blue-api");
    let bots = container(&children, "blue-bots");
    assert_eq!(env(bots, "BOT_API_URL")["value"], "http://blue-api:8000");
    assert_eq!(env(container(&children, "blue-frontend"), "API_URL")["value"], "http://blue-api:8000");

    let rule = &children["Role/blue-api"]["rules"][0];
    assert_eq!(rule["resourceNames"], json!(["blue"]));
    assert_eq!(rule["verbs"], json!(["get", "patch"]));
    let policy = &children["NetworkPolicy/blue-redis"]["spec"];
    assert_eq!(policy["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["sector.dev/universe"], "blue");
    let secret = &children["Secret/blue-credentials"]["data"];
    for key in ["jwt-secret", "bot-token", "redis-password"] {
        assert!(secret[key].as_str().is_some_and(|v| !v.is_empty()), "{key}");
    }

    let su = h.get("blue").await;
    let status = su.status.expect("status written");
    assert_eq!(status.observed_generation, su.metadata.generation);
    assert_eq!(status.phase, Some(Phase::Pending), "the simulation has not reported yet");
    assert_eq!(status.url.as_deref(), Some("http://blue-frontend.games.svc:9000/"));
    assert_eq!(status::condition_status(&status, REDIS_READY), Some("True"));
}

#[tokio::test]
async fn a_second_reconcile_changes_nothing() {
    let h = harness().await;
    h.create("blue", json!({"world": {"seed": "s1"}})).await;
    h.reconcile("blue").await.expect("first reconcile");
    h.roll_out().await;
    h.reconcile("blue").await.expect("settle after roll-out");
    let children = h.children().await;
    let versions = h.versions().await;
    let resource_version = h.get("blue").await.metadata.resource_version;
    let events = h.events().await.len();

    h.reconcile("blue").await.expect("second reconcile");
    assert_eq!(h.children().await, children, "every child as it was");
    assert_eq!(h.versions().await, versions, "no child was written");
    assert_eq!(h.get("blue").await.metadata.resource_version, resource_version, "no status write");
    assert_eq!(h.events().await.len(), events, "no new events");
    let credentials = &children["Secret/blue-credentials"]["data"];
    assert_eq!(&h.children().await["Secret/blue-credentials"]["data"], credentials, "credentials are stable");
}

#[tokio::test]
async fn a_spec_change_updates_only_what_changed() {
    let h = harness().await;
    h.create("blue", json!({})).await;
    h.reconcile("blue").await.expect("reconcile");
    let before = h.children().await;
    let versions = h.versions().await;

    h.patch_spec("blue", json!({"api": {"replicas": 3}})).await;
    h.reconcile("blue").await.expect("reconcile");
    let after = h.children().await;
    let new_versions = h.versions().await;
    let written: BTreeSet<String> =
        new_versions.keys().filter(|k| versions.get(*k) != new_versions.get(*k)).cloned().collect();
    assert_eq!(
        written,
        BTreeSet::from(["Deployment/blue-api".to_owned(), "PodDisruptionBudget/blue-api".to_owned()]),
        "only those were written"
    );
    let changed: BTreeSet<String> =
        after.keys().filter(|k| before.get(*k) != after.get(*k)).cloned().collect();
    assert_eq!(
        changed,
        BTreeSet::from(["Deployment/blue-api".to_owned(), "PodDisruptionBudget/blue-api".to_owned()]),
        "only the API Deployment changed (and its new disruption budget appeared)"
    );
    assert_eq!(after["Deployment/blue-api"]["spec"]["replicas"], 3);
    assert_eq!(after["PodDisruptionBudget/blue-api"]["spec"]["minAvailable"], 1);

    // A world change rolls the pods that read the game config (a new config hash), nothing else.
    h.patch_spec("blue", json!({"world": {"systems": 40}})).await;
    h.reconcile("blue").await.expect("reconcile");
    let later = h.children().await;
    let changed: BTreeSet<String> =
        later.keys().filter(|k| after.get(*k) != later.get(*k)).cloned().collect();
    let expected: BTreeSet<String> = [
        "ConfigMap/blue-config",
        "Deployment/blue-api",
        "Deployment/blue-bots",
        "Deployment/blue-frontend",
        "Deployment/blue-sim",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(changed, expected);
}

#[tokio::test]
async fn switching_a_child_off_deletes_it() {
    let h = harness().await;
    h.create(
        "blue",
        json!({
            "api": {"replicas": 2},
            "sim": {"standby": true},
            "ingress": {"enabled": true, "host": "blue.example", "tlsSecretName": "blue-tls"},
        }),
    )
    .await;
    h.reconcile("blue").await.expect("reconcile");
    let children = h.children().await;
    for key in
        ["Ingress/blue", "Ingress/blue-api", "PodDisruptionBudget/blue-api", "PodDisruptionBudget/blue-sim"]
    {
        assert!(children.contains_key(key), "{key}");
    }
    assert_eq!(children["Deployment/blue-sim"]["spec"]["replicas"], 2);
    assert_eq!(children["Ingress/blue"]["spec"]["tls"][0]["secretName"], "blue-tls");
    assert_eq!(h.get("blue").await.status.and_then(|s| s.url).as_deref(), Some("https://blue.example/"));

    h.patch_spec(
        "blue",
        json!({"api": {"replicas": 1}, "sim": {"standby": false}, "ingress": {"enabled": false}}),
    )
    .await;
    h.reconcile("blue").await.expect("reconcile");
    let children = h.children().await;
    for key in
        ["Ingress/blue", "Ingress/blue-api", "PodDisruptionBudget/blue-api", "PodDisruptionBudget/blue-sim"]
    {
        assert!(!children.contains_key(key), "{key} deleted");
    }
    assert_eq!(children["Deployment/blue-sim"]["spec"]["strategy"]["type"], "Recreate");
    let deleted = h.events().await.into_iter().filter(|(reason, _)| reason == "ChildDeleted").count();
    assert!(deleted >= 1, "deletions are recorded as events");
}

#[tokio::test]
async fn deleting_the_universe_deletes_its_children() {
    let h = harness().await;
    h.create("blue", json!({})).await;
    h.reconcile("blue").await.expect("reconcile");
    assert!(!h.children().await.is_empty());
    h.universes().delete("blue", &DeleteParams::foreground()).await.expect("delete");
    assert_eq!(h.children().await.len(), 0, "owner references cascade the deletion");
}

#[tokio::test]
async fn a_universe_deleted_while_reconciled_is_not_a_failure() {
    let h = harness().await;
    h.create("blue", json!({})).await;
    let stale = Arc::new(h.get("blue").await);
    h.universes().delete("blue", &DeleteParams::background()).await.expect("delete");
    h.sync_cache().await;
    let result = reconcile(stale.clone(), h.ctx.clone()).await;
    assert!(matches!(result, Err(Error::Gone)), "{result:?}");
    assert_eq!(error_policy(stale, &Error::Gone, h.ctx.clone()), Action::await_change(), "no retry");
}

#[tokio::test]
async fn pause_bots_only_and_restart_reach_the_control_hash_once() {
    let h = harness().await;
    h.create("blue", json!({"world": {"seed": "alpha"}})).await;
    h.reconcile("blue").await.expect("reconcile");
    h.roll_out().await;
    h.sim_reports(SimStatus {
        run: Some("1".into()),
        tick: Some(10),
        phase: Some(SimPhase::Running),
        ..SimStatus::default()
    })
    .await;
    h.reconcile("blue").await.expect("reconcile");
    let status = h.get("blue").await.status.expect("status");
    assert_eq!(status.phase, Some(Phase::Running));
    assert_eq!(status::condition_status(&status, READY), Some("True"));
    assert_eq!(status.tick, Some(10));

    // Pause.
    h.patch_spec("blue", json!({"paused": true})).await;
    h.reconcile("blue").await.expect("reconcile");
    assert!(h.store.control("").await.expect("control").paused, "paused written");
    let status = h.get("blue").await.status.expect("status");
    assert_eq!(status::condition(&status, PAUSED).map(|c| c.reason.as_str()), Some("Pausing"));
    h.sim_reports(SimStatus { phase: Some(SimPhase::Paused), ..SimStatus::default() }).await;
    h.reconcile("blue").await.expect("reconcile");
    h.reconcile("blue").await.expect("reconcile");
    let status = h.get("blue").await.status.expect("status");
    assert_eq!(status.phase, Some(Phase::Paused));
    assert_eq!(status::condition_status(&status, PAUSED), Some("True"));
    assert_eq!(admin_actions(&h, "Paused"), "1", "written once over three reconciles");

    // Resume and bots-only.
    h.patch_spec("blue", json!({"paused": false, "botsOnly": true})).await;
    h.reconcile("blue").await.expect("reconcile");
    h.reconcile("blue").await.expect("reconcile");
    let control = h.store.control("").await.expect("control");
    assert!(!control.paused && control.bots_only);
    assert_eq!(
        (admin_actions(&h, "Resumed"), admin_actions(&h, "BotsOnlyEnabled")),
        ("1".into(), "1".into())
    );

    // Restart: written once the sim runs its current template, exactly once.
    h.sim_reports(SimStatus { phase: Some(SimPhase::Running), ..SimStatus::default() }).await;
    h.patch_spec("blue", json!({"restartGeneration": 1, "restartSeed": "beta"})).await;
    h.reconcile("blue").await.expect("reconcile");
    let control = h.store.control("").await.expect("control");
    assert_eq!((control.restart_generation, control.restart_seed.as_deref()), (1, Some("beta")));
    assert_eq!(h.get("blue").await.status.and_then(|s| s.phase), Some(Phase::Resetting));
    h.reconcile("blue").await.expect("reconcile");
    assert_eq!(admin_actions(&h, "RestartRequested"), "1");

    // The sim applies it: a new run.
    h.sim_reports(SimStatus {
        applied_restart_generation: Some(1),
        run: Some("2".into()),
        tick: Some(0),
        phase: Some(SimPhase::Running),
    })
    .await;
    h.reconcile("blue").await.expect("reconcile");
    let status = h.get("blue").await.status.expect("status");
    assert_eq!(status.applied_restart_generation, Some(1));
    assert_eq!((status.run.as_deref(), status.phase), (Some("2"), Some(Phase::Running)));

    let reasons = h.reasons().await;
    for reason in
        ["Paused", "Resumed", "BotsOnlyEnabled", "RestartRequested", "RestartApplied", "PhaseChanged"]
    {
        assert!(reasons.iter().any(|r| r == reason), "event {reason} in {reasons:?}");
    }
}

#[tokio::test]
async fn a_restart_waits_for_the_sim_to_run_its_new_template() {
    let h = harness().await;
    h.create("blue", json!({"world": {"seed": "alpha"}})).await;
    h.reconcile("blue").await.expect("reconcile");
    h.roll_out().await;
    h.reconcile("blue").await.expect("reconcile");
    // A new map seed comes with a bump; the sim Deployment's template changes with it.
    h.patch_spec("blue", json!({"world": {"seed": "beta"}, "restartGeneration": 1})).await;
    h.reconcile("blue").await.expect("reconcile");
    assert_eq!(
        h.store.control("").await.expect("control").restart_generation,
        0,
        "old sim pod still running"
    );
    h.roll_out().await;
    h.reconcile("blue").await.expect("reconcile");
    let control = h.store.control("").await.expect("control");
    assert_eq!((control.restart_generation, control.restart_seed.as_deref()), (1, Some("beta")));
}

#[tokio::test]
async fn bot_replicas_follow_claims_within_bounds() {
    let h = harness().await;
    h.create("blue", json!({"bots": {"minReplicas": 1, "maxReplicas": 3, "factionsPerReplica": 2}})).await;
    let bots = || async { h.children().await["Deployment/blue-bots"]["spec"]["replicas"].as_i64() };

    // Before any snapshot: configured factions (5) + the League, capped at 3.
    h.reconcile("blue").await.expect("reconcile");
    assert_eq!(bots().await, Some(3));

    h.save_snapshot("1", &["F1", "F2", "F3", "F4", "F5", "L", "R1"], 4242, 3).await;
    h.sim_reports(SimStatus {
        run: Some("1".into()),
        phase: Some(SimPhase::Running),
        ..SimStatus::default()
    })
    .await;
    for (claims, expected) in
        [(&["F1", "F2", "F3"][..], 2), (&["F4"][..], 2), (&["F5"][..], 1), (&["L", "R1"][..], 1)]
    {
        for faction in claims {
            // One player per faction: the address spells the faction id in hex.
            let hex: String = faction.bytes().map(|b| format!("{b:02x}")).collect();
            let address = format!("0x{hex:0>40}");
            let outcome = h.store.claim_faction("1", &address, faction).await.expect("claim");
            assert_eq!(outcome, sector_store::ClaimOutcome::Claimed);
        }
        h.reconcile("blue").await.expect("reconcile");
        assert_eq!(bots().await, Some(expected), "after claiming {claims:?}");
    }
    let status = h.get("blue").await.status.expect("status");
    let replicas = status.bot_replicas.expect("bot replicas in status");
    assert_eq!((replicas.desired, replicas.bot_played_factions), (1, 0));
    assert_eq!(status.human_factions.len(), 7);
    assert_eq!(status.seed.as_deref(), Some("4242"));

    // Bots-only: every faction is bot-played again.
    h.store
        .update_control(&sector_store::ControlPatch { bots_only: Some(true), ..Default::default() })
        .await
        .expect("control");
    h.patch_spec("blue", json!({"botsOnly": true})).await;
    h.reconcile("blue").await.expect("reconcile");
    assert_eq!(bots().await, Some(3));
    assert!(h.reasons().await.iter().any(|r| r == "BotsScaled"));
}

#[tokio::test]
async fn bot_scale_down_waits_for_the_stabilization_window() {
    let mut settings = settings();
    settings.bot_scale_down_window = std::time::Duration::from_secs(600);
    let h = harness_with(settings).await;
    h.create("blue", json!({"bots": {"minReplicas": 1, "maxReplicas": 4, "factionsPerReplica": 1}})).await;
    h.save_snapshot("1", &["F1", "F2", "F3"], 1, 1).await;
    h.sim_reports(SimStatus {
        run: Some("1".into()),
        phase: Some(SimPhase::Running),
        ..SimStatus::default()
    })
    .await;
    h.reconcile("blue").await.expect("reconcile");
    let bots = || async { h.children().await["Deployment/blue-bots"]["spec"]["replicas"].as_i64() };
    assert_eq!(bots().await, Some(3));
    h.store.claim_faction("1", "0x00000000000000000000000000000000000000a1", "F1").await.expect("claim");
    h.store.claim_faction("1", "0x00000000000000000000000000000000000000a2", "F2").await.expect("claim");
    h.reconcile("blue").await.expect("reconcile");
    assert_eq!(bots().await, Some(3), "no scale-down within the window");
    let status = h.get("blue").await.status.and_then(|s| s.bot_replicas).expect("bot replicas");
    assert_eq!((status.desired, status.bot_played_factions), (3, 1));
}

#[tokio::test]
async fn an_invalid_spec_is_degraded_with_a_clear_message_and_backs_off() {
    let h = harness().await;
    // The in-memory API does not run the CRD's CEL rules, like a cluster with an older CRD.
    let su = h.create("blue", json!({"bots": {"minReplicas": 5, "maxReplicas": 2}})).await;
    let err = h.reconcile("blue").await.expect_err("invalid spec");
    assert!(err.to_string().contains("bots.minReplicas (5) must not exceed bots.maxReplicas (2)"), "{err}");
    assert!(h.children().await.is_empty(), "nothing applied");
    let status = h.get("blue").await.status.expect("status");
    assert_eq!(status.phase, Some(Phase::Degraded));
    let degraded = status::condition(&status, DEGRADED).expect("Degraded condition");
    assert_eq!((degraded.status.as_str(), degraded.reason.as_str()), ("True", "InvalidSpec"));
    assert!(degraded.message.contains("bots.minReplicas (5) must not exceed bots.maxReplicas (2)"));
    let events = h.events().await;
    assert!(events.iter().any(|(r, n)| r == "InvalidSpec" && n.contains("minReplicas")), "{events:?}");

    let first =
        sector_operator::controller::error_policy(std::sync::Arc::new(su.clone()), &err, h.ctx.clone());
    let second = sector_operator::controller::error_policy(std::sync::Arc::new(su), &err, h.ctx.clone());
    assert_ne!(first, second, "backoff grows");

    // Fixing the spec recovers.
    h.patch_spec("blue", json!({"bots": {"minReplicas": 1}})).await;
    h.reconcile("blue").await.expect("valid again");
    let status = h.get("blue").await.status.expect("status");
    assert_eq!(status::condition_status(&status, DEGRADED), Some("False"));
}

#[tokio::test]
async fn unreachable_redis_is_pending_first_then_degraded() {
    let mut h = harness().await;
    h.create("blue", json!({})).await;
    h.redis.stop();
    h.reconcile("blue").await.expect("children still applied");
    let status = h.get("blue").await.status.expect("status");
    assert_eq!(status.phase, Some(Phase::Pending));
    let redis = status::condition(&status, REDIS_READY).expect("RedisReady");
    assert_eq!(redis.status, "False");
    assert!(
        redis.message.contains("blue-redis.games.svc.cluster.local:6379"),
        "names the address: {}",
        redis.message
    );
    assert!(!redis.message.contains("redis://"), "never the URL with its password: {}", redis.message);

    h.redis.restart().expect("redis back");
    // Within its retry backoff Redis is not tried again...
    let action = h.reconcile("blue").await.expect("reconcile");
    assert_eq!(h.get("blue").await.status.and_then(|s| s.phase), Some(Phase::Pending));
    assert_eq!(action, Action::requeue(std::time::Duration::from_secs(5)), "the first retry is 5 s later");
    // ...unless its StatefulSet became ready since: then at once.
    h.sim_reports_on_fresh_store(SimStatus {
        run: Some("1".into()),
        phase: Some(SimPhase::Running),
        ..SimStatus::default()
    })
    .await;
    h.roll_out().await;
    h.reconcile("blue").await.expect("reconcile");
    assert_eq!(h.get("blue").await.status.and_then(|s| s.phase), Some(Phase::Running));

    h.redis.stop();
    // Reconnecting to the stopped server outlasts the reconcile's wait: the status changes
    // once the read in the background ends.
    h.reconcile("blue").await.expect("reconcile");
    h.reconcile_after_redis_reads("blue").await.expect("reconcile");
    let status = h.get("blue").await.status.expect("status");
    assert_eq!(status.phase, Some(Phase::Degraded));
    assert_eq!(status::condition(&status, DEGRADED).map(|c| c.reason.as_str()), Some("RedisUnreachable"));
    assert_eq!(status.run.as_deref(), Some("1"), "last known run kept");
}

#[tokio::test]
async fn a_moving_tick_alone_sends_no_status_patch_but_a_phase_change_does() {
    let h = harness().await;
    h.create("blue", json!({})).await;
    h.reconcile("blue").await.expect("reconcile");
    h.roll_out().await;
    let running = |tick, phase| SimStatus {
        run: Some("1".into()),
        tick: Some(tick),
        phase: Some(phase),
        ..SimStatus::default()
    };
    h.sim_reports(running(10, SimPhase::Running)).await;
    h.reconcile("blue").await.expect("reconcile");
    let su = h.get("blue").await;
    assert_eq!(su.status.as_ref().and_then(|s| s.tick), Some(10));
    let version = su.metadata.resource_version;

    // The simulation advances: only the tick differs, and the last write was just now.
    h.sim_reports(running(11, SimPhase::Running)).await;
    h.reconcile("blue").await.expect("reconcile");
    let su = h.get("blue").await;
    assert_eq!(su.metadata.resource_version, version, "no status write for the tick alone");
    assert_eq!(su.status.as_ref().and_then(|s| s.tick), Some(10));

    // Something else changes: the status is written, with the current tick.
    h.sim_reports(running(12, SimPhase::Paused)).await;
    h.reconcile("blue").await.expect("reconcile");
    let status = h.get("blue").await.status.expect("status");
    assert_eq!((status.phase, status.tick), (Some(Phase::Paused), Some(12)));
}

#[tokio::test]
async fn the_tick_is_refreshed_once_the_refresh_period_passed() {
    let mut settings = settings();
    settings.status_tick_refresh = std::time::Duration::ZERO;
    let h = harness_with(settings).await;
    h.create("blue", json!({})).await;
    h.sim_reports(SimStatus {
        run: Some("1".into()),
        tick: Some(1),
        phase: Some(SimPhase::Running),
        ..SimStatus::default()
    })
    .await;
    h.reconcile("blue").await.expect("reconcile");
    h.sim_reports(SimStatus { tick: Some(2), ..SimStatus::default() }).await;
    h.reconcile("blue").await.expect("reconcile");
    assert_eq!(h.get("blue").await.status.and_then(|s| s.tick), Some(2));
}

fn gateway_spec() -> Value {
    json!({"ingress": {"enabled": true, "host": "blue.example",
                       "gateway": {"parentRefs": [{"name": "public", "namespace": "infra"}]}}})
}

#[tokio::test]
async fn a_gateway_universe_gets_an_http_route_instead_of_the_ingresses() {
    let h = harness_on(settings(), fake_client_with_gateway_api().await).await;
    let routes: kube::Api<HTTPRoute> = kube::Api::namespaced(h.client.clone(), NS);
    let route_names = || async {
        let list = routes.list(&Default::default()).await.expect("list routes");
        list.items.into_iter().map(|r| r.metadata.name.unwrap_or_default()).collect::<Vec<_>>()
    };
    h.create("blue", gateway_spec()).await;
    h.reconcile("blue").await.expect("reconcile");
    assert_eq!(route_names().await, ["blue"]);
    let route = serde_json::to_value(routes.get("blue").await.expect("route")).expect("json");
    assert_eq!(route["spec"]["hostnames"], json!(["blue.example"]));
    assert_eq!(route["spec"]["parentRefs"][0]["namespace"], "infra");
    assert_eq!(route["spec"]["rules"][0]["filters"][0]["urlRewrite"]["path"]["replacePrefixMatch"], "/");
    assert_eq!(route["spec"]["rules"][1]["backendRefs"][0]["name"], "blue-frontend");
    assert_eq!(route["metadata"]["ownerReferences"][0]["kind"], "SectorUniverse");
    let children = h.children().await;
    assert!(!children.contains_key("Ingress/blue") && !children.contains_key("Ingress/blue-api"));
    assert!(h.ctx.gateway_api.served(), "a route applied proves Gateway API served");

    // Back to Ingress objects: the route goes.
    h.patch_spec("blue", json!({"ingress": {"gateway": null}})).await;
    h.reconcile("blue").await.expect("reconcile");
    assert!(route_names().await.is_empty(), "route deleted");
    let children = h.children().await;
    assert!(children.contains_key("Ingress/blue") && children.contains_key("Ingress/blue-api"));
}

#[tokio::test]
async fn without_gateway_api_nothing_fails_until_a_route_is_wanted() {
    // The in-memory API here serves no HTTPRoute kind, like a cluster without Gateway API.
    let h = harness().await;
    h.create("blue", json!({"ingress": {"enabled": true, "host": "blue.example"}})).await;
    h.reconcile("blue").await.expect("no route wanted: the missing kind is no error");
    h.ctx.gateway_api.set_served(false);
    h.reconcile("blue").await.expect("known absent: not even tried");

    h.patch_spec("blue", gateway_spec()).await;
    let err = h.reconcile("blue").await.expect_err("a route wanted where none can exist");
    let message = err.to_string();
    assert!(
        message.contains("HTTPRoute/blue: the cluster does not serve gateway.networking.k8s.io/v1 HTTPRoute"),
        "{message}"
    );
    let status = h.get("blue").await.status.expect("status");
    assert_eq!(status.phase, Some(Phase::Degraded));
}

#[tokio::test]
async fn a_settled_universe_costs_no_request_and_child_status_updates_are_not_reapplied() {
    let (client, requests) = counting_fake_client().await;
    let h = harness_on(settings(), client).await;
    h.create("blue", json!({})).await;
    h.reconcile("blue").await.expect("first reconcile");
    assert!(requests.patches.load(std::sync::atomic::Ordering::SeqCst) >= 14, "every child applied once");
    h.sim_reports(SimStatus {
        run: Some("1".into()),
        phase: Some(SimPhase::Running),
        ..SimStatus::default()
    })
    .await;
    // Pods become ready: only the workloads' status moves.
    h.roll_out().await;
    let before = requests.total();
    h.reconcile("blue").await.expect("reconcile");
    h.reconcile("blue").await.expect("reconcile");
    assert_eq!(
        requests.total(),
        before,
        "no GET, apply or delete of a child: readiness comes from the cache"
    );
    let status = h.get("blue").await.status.expect("status");
    assert_eq!(status.phase, Some(Phase::Running));
    assert_eq!(status::condition_status(&status, READY), Some("True"), "readiness read from the cache");

    // Someone edits a child: it is applied again (and only it).
    h.client_patch_deployment_replicas("blue-api", 5).await;
    let before = requests.total();
    h.reconcile("blue").await.expect("reconcile");
    assert_eq!(requests.total(), before + 1, "the changed child is repaired, nothing else is sent");
    assert_eq!(h.children().await["Deployment/blue-api"]["spec"]["replicas"], 1);

    // A deleted child is recreated.
    let services: kube::Api<k8s_openapi::api::core::v1::Service> =
        kube::Api::namespaced(h.client.clone(), NS);
    services.delete("blue-frontend", &DeleteParams::default()).await.expect("delete");
    h.reconcile("blue").await.expect("reconcile");
    assert!(h.children().await.contains_key("Service/blue-frontend"));
}

#[tokio::test]
async fn credentials_generated_once_even_before_the_cache_shows_the_secret() {
    let mut settings = settings();
    settings.cache_lag = std::time::Duration::from_secs(60);
    let h = harness_with(settings).await;
    h.sync_cache().await;
    let su = h.create("blue", json!({})).await;
    // Two reconciles before any watch event: the Secret is not in the cache yet.
    sector_operator::controller::reconcile(std::sync::Arc::new(su.clone()), h.ctx.clone()).await.ok();
    let first = h.children().await["Secret/blue-credentials"]["data"].clone();
    sector_operator::controller::reconcile(std::sync::Arc::new(h.get("blue").await), h.ctx.clone())
        .await
        .ok();
    assert_eq!(
        h.children().await["Secret/blue-credentials"]["data"],
        first,
        "the same passwords, not new ones"
    );
}

#[tokio::test]
async fn nothing_is_reconciled_before_the_watch_caches_are_listed() {
    let h = harness_with(settings()).await;
    let su = h.create("blue", json!({})).await;
    // Not synced: a reconcile now could not tell an existing Secret from a missing one.
    let action =
        sector_operator::controller::reconcile(std::sync::Arc::new(su), h.ctx.clone()).await.expect("waits");
    assert_eq!(action, Action::requeue(std::time::Duration::from_secs(1)));
    assert!(h.children().await.is_empty(), "nothing applied");
}

#[tokio::test]
async fn a_pending_volume_claim_is_named_in_the_status() {
    let mut h = harness().await;
    h.create("blue", json!({"redis": {"storage": {"size": "1Gi"}}})).await;
    let claims: kube::Api<k8s_openapi::api::core::v1::PersistentVolumeClaim> =
        kube::Api::namespaced(h.client.clone(), NS);
    let claim: k8s_openapi::api::core::v1::PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": {"name": "data-blue-redis-0", "namespace": NS,
                     "labels": {"sector.dev/universe": "blue", "app.kubernetes.io/managed-by": "sector-operator"}},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        "status": {"phase": "Pending"},
    }))
    .expect("claim");
    claims.create(&Default::default(), &claim).await.expect("create claim");
    h.redis.stop();
    h.reconcile("blue").await.expect("reconcile");
    let status = h.get("blue").await.status.expect("status");
    let ready = status::condition(&status, READY).expect("Ready");
    assert_eq!(ready.reason, "VolumePending", "{}", ready.message);
    assert!(ready.message.contains("no default StorageClass"), "{}", ready.message);
    assert!(status.message.unwrap_or_default().contains("data-blue-redis-0"));
}
