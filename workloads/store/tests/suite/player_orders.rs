use std::time::Duration;

use sector_store::{PlayerBatch, PlayerOrders, PlayerOrdersOutcome, Store};

use super::{assert_invalid, ms, ok};

const BATCH: &str = r#"{"orders":[{"faction":"ultra","origin_id":1,"target_id":2,"source":"human"}]}"#;

fn request<'a>(jti: &'a str, address: &'a str, faction: Option<&'a str>) -> PlayerOrders<'a> {
    PlayerOrders {
        jti,
        address,
        universe_hint: None,
        batch: Some(PlayerBatch { faction, json: BATCH, max_len: 100 }),
    }
}

fn hinted<'a>(universe: &'a str, request: PlayerOrders<'a>) -> PlayerOrders<'a> {
    PlayerOrders { universe_hint: Some(universe), ..request }
}

async fn appended<S: Store>(s: &S) -> Vec<String> {
    ok(s.ensure_order_group().await, "group");
    let entries = ok(s.read_orders("sim-1", 50, ms(0)).await, "read");
    entries.into_iter().map(|e| e.data.unwrap_or_default()).collect()
}

/// Every outcome, each one as far as the request got; nothing is appended unless the session is
/// the address's and the address holds the batch's faction in the current universe.
pub async fn player_orders_check_session_then_claim_then_append<S: Store>(s: S) {
    ok(s.ensure_order_group().await, "group");
    let day = Duration::from_secs(86_400);
    ok(s.create_session("s1", "0xAA", day).await, "session");
    ok(s.create_session("s2", "0xbb", day).await, "other session");

    let no_session = [("gone", "0xaa"), ("s2", "0xaa")];
    for (jti, address) in no_session {
        assert_eq!(
            ok(s.player_orders(request(jti, address, Some("ultra"))).await, "no session"),
            PlayerOrdersOutcome::NoSession,
            "{jti} for {address}"
        );
    }
    assert_eq!(
        ok(s.player_orders(request("s1", "0xaa", Some("ultra"))).await, "unclaimed"),
        PlayerOrdersOutcome::Unclaimed
    );
    let universe = ok(s.universe_id().await, "universe");
    ok(s.claim_faction(&universe, "0xaa", "ultra").await, "claim");
    assert_eq!(
        ok(s.player_orders(request("s1", "0xaa", Some("iron"))).await, "another faction"),
        PlayerOrdersOutcome::Claimed { faction: "ultra".into() }
    );
    let check_only = PlayerOrders { jti: "s1", address: "0xaa", universe_hint: None, batch: None };
    assert_eq!(
        ok(s.player_orders(check_only).await, "check only"),
        PlayerOrdersOutcome::Claimed { faction: "ultra".into() }
    );
    assert!(appended(&s).await.is_empty(), "nothing appended before a valid request");

    // The address in the token may differ in case from the stored one.
    let PlayerOrdersOutcome::Appended { id } =
        ok(s.player_orders(request("s1", "0xAa", Some("ultra"))).await, "append")
    else {
        panic!("expected an append");
    };
    let empty = ok(s.player_orders(hinted(&universe, request("s1", "0xaa", None))).await, "empty batch");
    assert!(matches!(empty, PlayerOrdersOutcome::Appended { id: later } if later > id));
    assert_eq!(appended(&s).await, vec![BATCH.to_owned(), BATCH.to_owned()]);

    // The claim counts in the current universe only, whatever universe the caller believes.
    let next = ok(s.incr_universe().await, "new universe");
    for hint in [None, Some(universe.as_str()), Some(next.as_str())] {
        let after = PlayerOrders { universe_hint: hint, ..request("s1", "0xaa", Some("ultra")) };
        assert_eq!(
            ok(s.player_orders(after).await, "after a new universe"),
            PlayerOrdersOutcome::Unclaimed,
            "hint {hint:?}"
        );
    }
    ok(s.claim_faction(&next, "0xaa", "iron").await, "claim in the new universe");
    assert_eq!(
        ok(s.player_orders(hinted(&universe, request("s1", "0xaa", Some("ultra")))).await, "stale hint"),
        PlayerOrdersOutcome::Claimed { faction: "iron".into() }
    );
    assert!(matches!(
        ok(
            s.player_orders(hinted(&universe, request("s1", "0xaa", Some("iron")))).await,
            "stale hint, append"
        ),
        PlayerOrdersOutcome::Appended { .. }
    ));
    assert_eq!(appended(&s).await, vec![BATCH.to_owned()]);
    ok(s.revoke_session("s1").await, "logout");
    assert_eq!(
        ok(s.player_orders(request("s1", "0xaa", Some("ultra"))).await, "after logout"),
        PlayerOrdersOutcome::NoSession
    );
    assert_invalid(s.player_orders(request("a:b", "0xaa", None)).await, "jti with ':'");
    assert_invalid(s.player_orders(request("s1", "0x a", None)).await, "address with whitespace");
}
