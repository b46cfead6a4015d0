use std::collections::{HashMap, HashSet};

use sector_store::{ClaimOutcome, Store};

use super::{assert_invalid, ok};

pub async fn claim_outcomes<S: Store>(s: S) {
    assert_eq!(ok(s.claim_faction("1", "0xAA", "ultra").await, "claim"), ClaimOutcome::Claimed);
    assert_eq!(ok(s.claim_faction("1", "0xaa", "ultra").await, "again"), ClaimOutcome::AlreadyYours);
    assert_eq!(
        ok(s.claim_faction("1", "0xaa", "iron").await, "second faction"),
        ClaimOutcome::PlayerHasOther("ultra".into())
    );
    assert_eq!(ok(s.claim_faction("1", "0xbb", "ultra").await, "taken"), ClaimOutcome::FactionTaken);
    assert_eq!(ok(s.claim_faction("1", "0xbb", "iron").await, "other"), ClaimOutcome::Claimed);
    assert_eq!(ok(s.human_factions("1").await, "humans"), vec!["iron".to_owned(), "ultra".to_owned()]);
    // Addresses are stored lower-case.
    assert_eq!(ok(s.faction_of("1", "0xAa").await, "faction of"), Some("ultra".into()));
    assert_eq!(ok(s.player_of("1", "ultra").await, "player of"), Some("0xaa".into()));
    assert_eq!(ok(s.player_of("1", "nobody").await, "unclaimed"), None);
    // Universes are independent.
    assert!(ok(s.human_factions("2").await, "other universe").is_empty());
    assert_eq!(ok(s.claim_faction("2", "0xbb", "ultra").await, "other universe"), ClaimOutcome::Claimed);
}

pub async fn claims_release_revoke_and_clear<S: Store>(s: S) {
    for (addr, faction) in [("0xaa", "ultra"), ("0xbb", "iron"), ("0xcc", "void")] {
        assert_eq!(ok(s.claim_faction("1", addr, faction).await, "claim"), ClaimOutcome::Claimed);
    }
    ok(s.claim_faction("2", "0xaa", "ultra").await, "claim in universe 2");

    assert_eq!(ok(s.release_claim("1", "0xaa").await, "release"), Some("ultra".into()));
    assert_eq!(ok(s.release_claim("1", "0xaa").await, "release twice"), None);
    assert_eq!(ok(s.faction_of("1", "0xaa").await, "released player"), None);
    assert_eq!(ok(s.player_of("1", "ultra").await, "released faction"), None);

    assert_eq!(ok(s.revoke_faction("1", "iron").await, "revoke"), Some("0xbb".into()));
    assert_eq!(ok(s.revoke_faction("1", "iron").await, "revoke twice"), None);
    assert_eq!(ok(s.faction_of("1", "0xbb").await, "revoked player"), None);
    assert_eq!(ok(s.human_factions("1").await, "humans"), vec!["void".to_owned()]);
    // The revoked player may claim again.
    assert_eq!(ok(s.claim_faction("1", "0xbb", "ultra").await, "reclaim"), ClaimOutcome::Claimed);

    assert_eq!(ok(s.clear_claims("1").await, "clear"), 2);
    assert!(ok(s.human_factions("1").await, "humans").is_empty());
    for addr in ["0xaa", "0xbb", "0xcc"] {
        assert_eq!(ok(s.faction_of("1", addr).await, "cleared player"), None);
    }
    assert_eq!(ok(s.player_of("1", "void").await, "cleared faction"), None);
    assert_eq!(ok(s.clear_claims("1").await, "clear empty"), 0);
    assert_eq!(ok(s.human_factions("2").await, "universe 2 untouched"), vec!["ultra".to_owned()]);
}

pub async fn claims_are_atomic_under_concurrency<S: Store>(s: S) {
    let players: Vec<String> = (0..16).map(|i| format!("0x{i:02x}")).collect();
    let factions: Vec<String> = (0..6).map(|i| format!("faction-{i}")).collect();
    let mut tasks = Vec::new();
    // Every player races for every faction, all at once (A9: the reference let one player take two).
    for round in 0..factions.len() {
        for (p, player) in players.iter().enumerate() {
            let faction = factions[(p + round) % factions.len()].clone();
            let (s, player) = (s.clone(), player.clone());
            tasks.push(tokio::spawn(async move {
                let outcome = s.claim_faction("1", &player, &faction).await;
                (player, faction, outcome)
            }));
        }
    }
    let mut claimed = Vec::new();
    for task in tasks {
        let (player, faction, outcome) = task.await.expect("claim task");
        if ok(outcome, "claim") == ClaimOutcome::Claimed {
            claimed.push((player, faction));
        }
    }
    let by_player: HashSet<&String> = claimed.iter().map(|(p, _)| p).collect();
    let by_faction: HashSet<&String> = claimed.iter().map(|(_, f)| f).collect();
    assert_eq!(by_player.len(), claimed.len(), "a player won two factions: {claimed:?}");
    assert_eq!(by_faction.len(), claimed.len(), "a faction went to two players: {claimed:?}");
    assert_eq!(claimed.len(), factions.len(), "every faction was claimed once: {claimed:?}");

    let humans = ok(s.human_factions("1").await, "humans");
    assert_eq!(humans.len(), factions.len());
    let expected: HashMap<String, String> = claimed.iter().cloned().collect();
    for player in &players {
        let faction = ok(s.faction_of("1", player).await, "faction of");
        assert_eq!(faction.as_ref(), expected.get(player));
        if let Some(f) = faction {
            assert_eq!(ok(s.player_of("1", &f).await, "player of").as_ref(), Some(player));
        }
    }
}

pub async fn claims_reject_bad_arguments<S: Store>(s: S) {
    assert_invalid(s.claim_faction("1", "", "ultra").await, "empty address");
    assert_invalid(s.claim_faction("1", "0xaa:x", "ultra").await, "address with ':'");
    assert_invalid(s.claim_faction("1", "0xaa", "").await, "empty faction");
    assert!(ok(s.human_factions("1").await, "humans").is_empty());
}
