//! The conformance suite: every behaviour of the store contract, run against both backends.
//!
//! Each behaviour is one generic async function in `suite/` taking a fresh, empty store; the
//! macro below instantiates it once per backend. The Redis half starts its own `redis-server` per
//! test (on a free port, killed on drop) and fails if none is installed: nothing is skipped.

mod suite;

use sector_store::testing::RedisServer;
use sector_store::{Keys, MemoryStore, RedisStore};

/// A fresh empty store of one backend, kept alive (with its server) for the test's duration.
pub struct Fixture<S> {
    pub store: S,
    _server: Option<RedisServer>,
}

pub fn memory() -> Fixture<MemoryStore> {
    Fixture { store: MemoryStore::new(), _server: None }
}

pub async fn redis() -> Fixture<RedisStore> {
    let server = RedisServer::start().unwrap_or_else(|e| panic!("cannot start redis-server: {e}"));
    let store = server.store(Keys::default()).await.unwrap_or_else(|e| panic!("cannot connect: {e}"));
    Fixture { store, _server: Some(server) }
}

macro_rules! conformance {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let fixture = crate::memory();
                    crate::suite::$module::$name(fixture.store.clone()).await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let fixture = crate::redis().await;
                    crate::suite::$module::$name(fixture.store.clone()).await;
                }
            )*
        }
    };
}

conformance! {
    universe::universe_defaults_to_one_then_counts,
    universe::universe_incr_refuses_non_integer,
    lease::lease_excludes_other_holders,
    lease::lease_renewal_keeps_it_and_expiry_ends_it,
    lease::lease_tokens_grow_for_the_same_holder,
    lease::lease_rejects_bad_arguments,
    orders::order_group_starts_at_stream_end,
    orders::order_group_ensure_is_idempotent,
    orders::order_read_recreates_a_missing_group,
    orders::order_read_blocks_until_an_append,
    orders::order_read_block_times_out_empty,
    orders::own_pending_orders_are_reread_after_restart,
    orders::stale_pending_orders_are_claimed_from_a_dead_consumer,
    orders::orders_are_not_trimmed_while_unconsumed,
    orders::orders_without_group_are_trimmed_to_max_len,
    orders::order_acks_count_pending_entries,
    orders::idle_consumers_without_pending_are_pruned,
    events::events_append_and_read_back,
    events::events_read_blocks_until_an_append,
    events::events_read_block_times_out_empty,
    events::events_are_trimmed_approximately,
    events::events_empty_stream,
    commit::commit_writes_every_part,
    commit::commit_is_refused_after_the_lease_moves,
    commit::commit_is_refused_after_release_or_expiry,
    commit::commit_refuses_a_stale_tick_and_writes_nothing,
    commit::run_start_sets_universe_and_resets_its_log,
    commit::applied_log_round_trip,
    commit::commit_event_ids_match_the_stream,
    commit::commit_removes_claims,
    commit::refused_commit_keeps_claims_and_restart_request,
    commit::restart_request_is_peeked_and_consumed_only_if_unchanged,
    control::control_defaults,
    control::control_patch_and_status,
    control::claims_refused_while_bots_only,
    player_orders::player_orders_check_session_then_claim_then_append,
    claims::claim_outcomes,
    claims::claims_release_revoke_and_clear,
    claims::claims_are_atomic_under_concurrency,
    claims::claims_reject_bad_arguments,
    sessions::nonces_are_single_use_and_expire,
    sessions::sessions_create_read_and_revoke,
    sessions::sessions_expire,
    members::members_heartbeat_expire_and_leave,
    awards::run_end_queues_an_award_for_a_human_winner_only,
    awards::refused_commit_scores_nothing,
    awards::leaderboard_sorts_by_wins_then_key_and_limits,
    awards::mint_records_are_written_only_under_the_lock,
}
