use sector_store::{ClaimOutcome, Control, ControlPatch, SimPhase, SimStatus, Store};

use super::ok;

pub async fn control_defaults<S: Store>(s: S) {
    let control = ok(s.control("1").await, "control");
    assert_eq!(control, Control::default());
    assert!(!control.restart_pending());
    assert_eq!(ok(s.take_restart_request().await, "restart request"), None);
    assert_eq!(ok(s.peek_restart_request().await, "restart request"), None);
}

pub async fn control_patch_and_status<S: Store>(s: S) {
    let patch = ControlPatch {
        paused: Some(true),
        restart_generation: Some(2),
        restart_seed: Some(Some("galaxy-9".into())),
        ..Default::default()
    };
    ok(s.update_control(&patch).await, "patch");
    let control = ok(s.control("1").await, "control");
    assert!(control.paused && !control.bots_only);
    assert_eq!(control.restart_generation, 2);
    assert_eq!(control.restart_seed.as_deref(), Some("galaxy-9"));
    assert!(control.restart_pending());

    let status = SimStatus {
        applied_restart_generation: Some(2),
        run: Some("5".into()),
        tick: Some(0),
        phase: Some(SimPhase::WaitingForPlayers),
    };
    ok(s.record_status(&status).await, "status");
    let control = ok(s.control("5").await, "control");
    assert_eq!(control.status, status);
    assert!(!control.restart_pending());

    // Partial writes leave other fields alone; a seed can be removed.
    ok(
        s.update_control(&ControlPatch {
            paused: Some(false),
            restart_seed: Some(None),
            ..Default::default()
        })
        .await,
        "patch 2",
    );
    ok(s.record_status(&SimStatus { tick: Some(12), ..Default::default() }).await, "status 2");
    let control = ok(s.control("5").await, "control");
    assert!(!control.paused);
    assert_eq!(control.restart_seed, None);
    assert_eq!(control.restart_generation, 2);
    assert_eq!(control.status.tick, Some(12));
    assert_eq!(control.status.phase, Some(SimPhase::WaitingForPlayers));
}

pub async fn claims_refused_while_bots_only<S: Store>(s: S) {
    assert_eq!(ok(s.claim_faction("1", "0xaa", "ultra").await, "claim"), ClaimOutcome::Claimed);
    ok(s.update_control(&ControlPatch { bots_only: Some(true), ..Default::default() }).await, "bots only");
    assert!(ok(s.control("1").await, "control").bots_only);
    assert_eq!(ok(s.claim_faction("1", "0xbb", "iron").await, "claim"), ClaimOutcome::BotsOnly);
    ok(
        s.update_control(&ControlPatch { bots_only: Some(false), ..Default::default() }).await,
        "humans again",
    );
    assert_eq!(ok(s.claim_faction("1", "0xbb", "iron").await, "claim"), ClaimOutcome::Claimed);
}
