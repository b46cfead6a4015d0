//! Run awards: the fenced commit that ends a run scores it (leaderboard) and queues an award job
//! for a human winner; the minter's idempotency records.

use sector_store::{
    Award, ClaimOutcome, Commit, FactionWins, Leaderboard, Lease, MAX_LEADERBOARD_LIMIT, PlayerWins, Store,
};

use super::{assert_invalid, ms, ok, sleep_ms};

async fn lease<S: Store>(s: &S) -> Lease {
    ok(s.acquire_lease("sim-a", ms(10_000)).await, "acquire").expect("lease is free")
}

fn player(address: &str, wins: u64) -> PlayerWins {
    PlayerWins { address: address.into(), wins }
}

fn faction(id: &str, name: &str, wins: u64) -> FactionWins {
    FactionWins { faction: id.into(), name: Some(name.into()), wins }
}

/// Ends run `universe` with `winner` held by `holder` (if any), as the sim's run-start commit does.
async fn win<S: Store>(
    s: &S,
    lease: &Lease,
    universe: &str,
    winner: &str,
    holder: Option<&str>,
) -> Option<String> {
    if let Some(address) = holder {
        assert_eq!(ok(s.claim_faction(universe, address, winner).await, "claim"), ClaimOutcome::Claimed);
    }
    let next = format!("{universe}-next");
    let label = format!("{winner} name");
    let commit = Commit::run_start(&next)
        .event(r#"{"type": "run_end"}"#)
        .applied(0, "{}")
        .clear_claims()
        .clear_claims_of(universe)
        .award(universe, winner, &label, 9);
    ok(s.commit(lease, &commit).await, "run-end commit").awarded
}

pub async fn run_end_queues_an_award_for_a_human_winner_only<S: Store>(s: S) {
    let lease = lease(&s).await;
    ok(s.claim_faction("5", "0xbb", "F2").await, "a losing claim");
    ok(s.claim_faction("5", "0xAA", "F1").await, "the winner's claim");
    let commit = Commit::run_start("6")
        .event(r#"{"type": "run_end", "winner": "F1"}"#)
        .applied(0, "{}")
        .clear_claims()
        .clear_claims_of("5")
        .award("5", "F1", "Empire", 42);
    let receipt = ok(s.commit(&lease, &commit).await, "run-end commit");
    assert_eq!(
        receipt.awarded.as_deref(),
        Some("0xaa"),
        "the claim is read before the same commit clears it"
    );
    assert_eq!(receipt.claims_cleared, 2);
    assert!(ok(s.human_factions("5").await, "claims of the ended run").is_empty());

    let jobs = ok(s.pending_awards(10).await, "queue");
    assert_eq!(jobs.len(), 1);
    let expected = Award {
        universe_id: "5".into(),
        winner: "F1".into(),
        winner_label: "Empire".into(),
        tick: 42,
        address: "0xaa".into(),
        faction: "F1".into(),
    };
    assert_eq!(jobs[0].award.as_ref(), Some(&expected));
    assert!(jobs[0].queued_at() > 1_600_000_000, "queued at a plausible Unix time");
    assert_eq!(
        ok(s.leaderboard(20).await, "board"),
        Leaderboard { players: vec![player("0xaa", 1)], factions: vec![faction("F1", "Empire", 1)] }
    );

    // A bot winner scores for its faction only: no player, no award.
    let receipt = ok(s.commit(&lease, &Commit::run_start("7").award("6", "F2", "Iron", 7)).await, "bot win");
    assert_eq!(receipt.awarded, None);
    assert_eq!(ok(s.pending_awards(10).await, "queue").len(), 1, "no job for a bot winner");
    let board = ok(s.leaderboard(20).await, "board");
    assert_eq!(board.players, vec![player("0xaa", 1)]);
    assert_eq!(board.factions, vec![faction("F1", "Empire", 1), faction("F2", "Iron", 1)]);

    // A commit without a winner (an admin restart) scores nothing.
    ok(
        s.commit(&lease, &Commit::run_start("8").event(r#"{"type": "run_end", "winner": null}"#)).await,
        "restart",
    );
    assert_eq!(ok(s.leaderboard(20).await, "board"), board);

    // Jobs stay queued, oldest first, until completed; completing is idempotent.
    assert_eq!(win(&s, &lease, "8", "F3", Some("0xcc")).await.as_deref(), Some("0xcc"));
    let jobs = ok(s.pending_awards(10).await, "queue");
    assert_eq!(
        jobs.iter().map(|j| j.award.as_ref().map(|a| a.universe_id.as_str())).collect::<Vec<_>>(),
        [Some("5"), Some("8")]
    );
    assert_eq!(ok(s.pending_awards(1).await, "one").len(), 1);
    assert!(ok(s.complete_award(jobs[0].id).await, "complete"));
    assert!(!ok(s.complete_award(jobs[0].id).await, "complete again"));
    let left = ok(s.pending_awards(10).await, "queue");
    assert_eq!(left.iter().map(|j| j.id).collect::<Vec<_>>(), vec![jobs[1].id]);

    assert_invalid(s.commit(&lease, &Commit::run_start("9").award("", "F1", "x", 1)).await, "empty universe");
    assert_invalid(s.commit(&lease, &Commit::run_start("9").award("8", "", "x", 1)).await, "empty faction");
}

pub async fn refused_commit_scores_nothing<S: Store>(s: S) {
    ok(s.claim_faction("5", "0xaa", "F1").await, "claim");
    let a = ok(s.acquire_lease("sim-a", ms(200)).await, "acquire").expect("free");
    sleep_ms(300).await;
    let _b = ok(s.acquire_lease("sim-b", ms(10_000)).await, "acquire b").expect("a's lease expired");
    let commit = Commit::run_start("6").clear_claims_of("5").award("5", "F1", "Empire", 3);
    assert!(s.commit(&a, &commit).await.is_err_and(|e| e.is_fenced()), "fenced");
    assert!(ok(s.pending_awards(10).await, "queue").is_empty());
    assert_eq!(ok(s.leaderboard(10).await, "board"), Leaderboard::default());
    assert_eq!(ok(s.player_of("5", "F1").await, "claim kept"), Some("0xaa".into()));
}

pub async fn leaderboard_sorts_by_wins_then_key_and_limits<S: Store>(s: S) {
    let lease = lease(&s).await;
    // Players: 0xdd 3, 0xbb 2, 0xcc 2, 0xaa 1, 0xee 1, 0xff 1. Factions: F1 4, F2 3, F3 2, F0 1.
    let runs = [
        ("F1", "0xdd"),
        ("F1", "0xdd"),
        ("F2", "0xdd"),
        ("F2", "0xcc"),
        ("F3", "0xbb"),
        ("F1", "0xcc"),
        ("F3", "0xbb"),
        ("F1", "0xff"),
        ("F2", "0xee"),
        ("F0", "0xaa"),
    ];
    for (i, (winner, holder)) in runs.iter().enumerate() {
        win(&s, &lease, &format!("r{i}"), winner, Some(holder)).await;
    }
    let board = ok(s.leaderboard(20).await, "board");
    assert_eq!(
        board.players,
        vec![
            player("0xdd", 3),
            player("0xbb", 2),
            player("0xcc", 2),
            player("0xaa", 1),
            player("0xee", 1),
            player("0xff", 1),
        ]
    );
    assert_eq!(
        board.factions,
        vec![
            faction("F1", "F1 name", 4),
            faction("F2", "F2 name", 3),
            faction("F3", "F3 name", 2),
            faction("F0", "F0 name", 1),
        ]
    );
    // The cut falls inside a tie: the smallest keys at the cut's score are kept.
    let top = ok(s.leaderboard(2).await, "top 2");
    assert_eq!(top.players, vec![player("0xdd", 3), player("0xbb", 2)]);
    assert_eq!(top.factions.iter().map(|f| f.faction.as_str()).collect::<Vec<_>>(), ["F1", "F2"]);
    let top = ok(s.leaderboard(4).await, "top 4");
    assert_eq!(
        top.players.iter().map(|p| p.address.as_str()).collect::<Vec<_>>(),
        ["0xdd", "0xbb", "0xcc", "0xaa"]
    );
    assert_eq!(ok(s.leaderboard(MAX_LEADERBOARD_LIMIT).await, "max").players.len(), 6);
    assert_invalid(s.leaderboard(0).await, "limit 0");
    assert_invalid(s.leaderboard(MAX_LEADERBOARD_LIMIT + 1).await, "limit too large");
}

pub async fn mint_records_are_written_only_under_the_lock<S: Store>(s: S) {
    assert_eq!(ok(s.mint_record("blue", "5").await, "none yet"), None);
    assert!(ok(s.lock_mint("blue", "5", "m1", ms(10_000)).await, "m1 locks"));
    assert!(!ok(s.lock_mint("blue", "5", "m2", ms(10_000)).await, "m2 must wait"));
    assert!(ok(s.lock_mint("blue", "6", "m2", ms(10_000)).await, "another run is independent"));
    assert!(ok(s.lock_mint("green", "5", "m2", ms(10_000)).await, "another universe is independent"));
    assert!(!ok(s.put_mint_record("blue", "5", "m2", "{}").await, "m2 does not hold the lock"));
    assert_eq!(ok(s.mint_record("blue", "5").await, "nothing written"), None);
    assert!(ok(s.put_mint_record("blue", "5", "m1", r#"{"state": "sent"}"#).await, "m1 writes"));
    assert!(ok(s.put_mint_record("blue", "5", "m1", r#"{"state": "minted"}"#).await, "m1 overwrites"));
    assert_eq!(ok(s.mint_record("blue", "5").await, "read").as_deref(), Some(r#"{"state": "minted"}"#));
    assert_eq!(ok(s.mint_record("blue", "6").await, "other run"), None);

    ok(s.unlock_mint("blue", "5", "m2").await, "m2 cannot release m1's lock");
    assert!(!ok(s.lock_mint("blue", "5", "m3", ms(10_000)).await, "still m1's"));
    ok(s.unlock_mint("blue", "5", "m1").await, "m1 releases");
    assert!(!ok(s.put_mint_record("blue", "5", "m1", "{}").await, "no lock, no write"));
    assert!(ok(s.lock_mint("blue", "5", "m3", ms(200)).await, "m3 locks"));
    sleep_ms(300).await;
    assert!(!ok(s.put_mint_record("blue", "5", "m3", "{}").await, "an expired lock writes nothing"));
    assert!(ok(s.lock_mint("blue", "5", "m4", ms(10_000)).await, "expired lock is free"));
    assert_eq!(ok(s.mint_record("blue", "5").await, "kept").as_deref(), Some(r#"{"state": "minted"}"#));

    assert_invalid(s.lock_mint("a:b", "5", "m1", ms(1000)).await, "':' in the universe");
    assert_invalid(s.lock_mint("blue", "", "m1", ms(1000)).await, "empty run");
    assert_invalid(s.lock_mint("blue", "7", "", ms(1000)).await, "empty holder");
    assert_invalid(s.lock_mint("blue", "7", "m1", ms(0)).await, "zero ttl");
    assert_invalid(s.mint_record("", "5").await, "empty universe");
}
