//! The fenced commit in memory: check everything, then write everything, under one lock.

use super::{MemoryStore, live};
use crate::awards::{AWARD_QUEUE_MAX_LEN, Award};
use crate::commit::{AppliedRecord, Commit, CommitReceipt, CommitStore, SavedState, tick_not_after};
use crate::control::status_fields;
use crate::error::StoreResult;
use crate::lease::Lease;
use crate::snapshot::StoredSnapshot;

impl CommitStore for MemoryStore {
    async fn commit(&self, lease: &Lease, commit: &Commit<'_>) -> StoreResult<CommitReceipt> {
        commit.validate()?;
        let receipt = {
            let mut state = self.lock();
            if !live(&mut state.lease).is_some_and(|held| held.value == *lease) {
                tracing::warn!(holder = lease.holder, token = lease.token, "commit refused: lease lost");
                return Err(lease.fenced());
            }
            if let Some(applied) = commit.applied
                && !commit.start_run
                && let Some((&last, _)) =
                    state.applied.get(commit.universe).and_then(|log| log.last_key_value())
                && applied.tick <= last
            {
                return Err(tick_not_after(commit.universe, applied.tick, last));
            }

            if commit.start_run {
                state.universe = Some(commit.universe.to_owned());
                state.applied.remove(commit.universe);
            }
            let mut event_ids = Vec::with_capacity(commit.events.len());
            for event in &commit.events {
                event_ids.push(state.events.append(event));
                state.events.trim_to(commit.event_max_len);
            }
            if let Some(applied) = commit.applied {
                state
                    .applied
                    .entry(commit.universe.to_owned())
                    .or_default()
                    .insert(applied.tick, applied.orders_json.to_owned());
            }
            if let Some((tick, data)) = commit.snapshot {
                state.snapshot = Some(StoredSnapshot { data: data.to_owned(), tick: Some(tick) });
            }
            if let Some((tick, data)) = commit.state {
                state.saved =
                    Some(SavedState { universe: commit.universe.to_owned(), tick, data: data.to_vec() });
            }
            let acked = state.group.as_mut().map(|g| g.ack(commit.ack)).unwrap_or(0);
            if let Some(status) = commit.status {
                for (name, value) in status_fields(status) {
                    state.control.insert(name.to_owned(), value);
                }
            }
            // Scored before any claim removal below, which may remove the winner's claim.
            let awarded = commit.award.and_then(|award| {
                *state.faction_wins.entry(award.faction.to_owned()).or_insert(0) += 1;
                state.faction_names.insert(award.faction.to_owned(), award.label.to_owned());
                let player = state.claims.get(award.universe)?.player(award.faction)?.clone();
                *state.player_wins.entry(player.clone()).or_insert(0) += 1;
                let job = Award {
                    universe_id: award.universe.to_owned(),
                    winner: award.faction.to_owned(),
                    winner_label: award.label.to_owned(),
                    tick: award.tick,
                    address: player.clone(),
                    faction: award.faction.to_owned(),
                };
                // An `Award` is strings and a number: serializing it cannot fail.
                state.awards.append(&serde_json::to_string(&job).unwrap_or_default());
                state.awards.trim_to(AWARD_QUEUE_MAX_LEN);
                tracing::info!(
                    universe = award.universe,
                    faction = award.faction,
                    player,
                    "run award queued"
                );
                Some(player)
            });
            let revoked = match state.claims.get_mut(commit.universe) {
                Some(claims) => commit.revoke_claims.iter().map(|f| claims.revoke(f)).collect(),
                None => vec![None; commit.revoke_claims.len()],
            };
            let claims_cleared =
                commit.clear_claims.iter().filter_map(|u| state.claims.remove(*u)).map(|c| c.len()).sum();
            let restart_request_consumed = commit
                .consume_restart_request
                .is_some_and(|raw| state.legacy_restart.as_deref() == Some(raw));
            if restart_request_consumed {
                state.legacy_restart = None;
            }
            CommitReceipt { event_ids, acked, revoked, claims_cleared, restart_request_consumed, awarded }
        };
        if !receipt.event_ids.is_empty() {
            self.inner.events_appended.notify_waiters();
        }
        Ok(receipt)
    }

    async fn saved_state(&self) -> StoreResult<Option<SavedState>> {
        Ok(self.lock().saved.clone())
    }

    async fn applied_after(
        &self,
        universe: &str,
        after_tick: Option<u64>,
        count: usize,
    ) -> StoreResult<Vec<AppliedRecord>> {
        use std::ops::Bound::{Excluded, Unbounded};
        let state = self.lock();
        let Some(log) = state.applied.get(universe) else { return Ok(Vec::new()) };
        let start = after_tick.map(Excluded).unwrap_or(Unbounded);
        Ok(log
            .range((start, Unbounded))
            .take(count)
            .map(|(tick, orders)| AppliedRecord { tick: *tick, orders_json: orders.clone() })
            .collect())
    }
}
