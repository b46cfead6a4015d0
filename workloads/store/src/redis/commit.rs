//! The fenced commit on Redis: one EVALSHA of `lua/commit.lua`.

use ::redis::{Value, cmd};

use super::scripts::COMMIT;
use super::{RedisStore, reply};
use crate::awards::AWARD_QUEUE_MAX_LEN;
use crate::commit::{AppliedRecord, Commit, CommitReceipt, CommitStore, SavedState, tick_not_after};
use crate::control::status_fields;
use crate::error::{StoreError, StoreResult};
use crate::lease::Lease;

fn opt_tick(tick: Option<u64>) -> String {
    tick.map(|t| t.to_string()).unwrap_or_default()
}

impl CommitStore for RedisStore {
    async fn commit(&self, lease: &Lease, commit: &Commit<'_>) -> StoreResult<CommitReceipt> {
        commit.validate()?;
        let keys = &self.keys;
        let status = commit.status.map(status_fields).unwrap_or_default();
        let mut inv = COMMIT.prepare_invoke();
        inv.key(keys.lease())
            .key(keys.events())
            .key(keys.applied(commit.universe))
            .key(keys.snapshot())
            .key(keys.state())
            .key(keys.orders())
            .key(keys.control())
            .key(keys.universe_id())
            .key(keys.legacy_restart())
            .key(keys.human_factions(commit.universe));
        for universe in &commit.clear_claims {
            inv.key(keys.human_factions(universe));
        }
        inv.key(keys.leaderboard_players())
            .key(keys.leaderboard_factions())
            .key(keys.leaderboard_faction_names())
            .key(keys.awards());
        let award = commit.award.as_ref();
        inv.arg(lease.value())
            .arg(commit.universe)
            .arg(if commit.start_run { "1" } else { "0" })
            .arg(commit.event_max_len)
            .arg(commit.events.len())
            .arg(opt_tick(commit.applied.map(|a| a.tick)))
            .arg(commit.applied.map(|a| a.orders_json).unwrap_or_default())
            .arg(opt_tick(commit.snapshot.map(|s| s.0)))
            .arg(commit.snapshot.map(|s| s.1).unwrap_or_default())
            .arg(opt_tick(commit.state.map(|s| s.0)))
            .arg(commit.state.map(|s| s.1).unwrap_or_default())
            .arg(keys.order_group())
            .arg(commit.ack.len())
            .arg(status.len())
            .arg(if commit.consume_restart_request.is_some() { "1" } else { "0" })
            .arg(commit.consume_restart_request.unwrap_or_default())
            .arg(keys.faction_player_prefix())
            .arg(keys.player_faction_prefix())
            .arg(commit.revoke_claims.len())
            .arg(commit.clear_claims.len())
            .arg(if award.is_some() { "1" } else { "0" })
            .arg(award.map(|a| a.universe).unwrap_or_default())
            .arg(award.map(|a| a.faction).unwrap_or_default())
            .arg(award.map(|a| a.label).unwrap_or_default())
            .arg(award.map(|a| a.tick).unwrap_or_default())
            .arg(AWARD_QUEUE_MAX_LEN);
        for event in &commit.events {
            inv.arg(*event);
        }
        for id in commit.ack {
            inv.arg(id.to_string());
        }
        for (name, value) in &status {
            inv.arg(*name).arg(value);
        }
        for faction in &commit.revoke_claims {
            inv.arg(*faction);
        }
        for universe in &commit.clear_claims {
            inv.arg(*universe);
        }
        let parts = reply::items(self.invoke::<Value>(&inv).await?)?;
        match parts.first().and_then(reply::int) {
            Some(1) => {
                let count = |i: usize| parts.get(i).and_then(reply::int).and_then(|n| u64::try_from(n).ok());
                let (acked, claims_cleared) = (count(1).unwrap_or(0), count(2).unwrap_or(0));
                let restart_request_consumed = count(3) == Some(1);
                let awarded = parts.get(4).and_then(reply::text).filter(|player| !player.is_empty());
                let n_events = commit.events.len();
                if parts.len() != 5 + n_events + commit.revoke_claims.len() {
                    return Err(StoreError::invalid("commit reply", format!("{parts:?}")));
                }
                let event_ids =
                    parts[5..5 + n_events].iter().map(reply::entry_id).collect::<StoreResult<Vec<_>>>()?;
                let revoked = parts[5 + n_events..]
                    .iter()
                    .map(|v| reply::text(v).filter(|player| !player.is_empty()))
                    .collect();
                if let (Some(award), Some(player)) = (award, &awarded) {
                    tracing::info!(
                        universe = award.universe,
                        faction = award.faction,
                        player,
                        "run award queued"
                    );
                }
                Ok(CommitReceipt {
                    event_ids,
                    acked,
                    revoked,
                    claims_cleared,
                    restart_request_consumed,
                    awarded,
                })
            }
            Some(0) => {
                tracing::warn!(holder = lease.holder, token = lease.token, "commit refused: lease lost");
                Err(lease.fenced())
            }
            Some(-1) => {
                let last = parts.get(1).and_then(reply::int).and_then(|t| u64::try_from(t).ok()).unwrap_or(0);
                let tick = commit.applied.map(|a| a.tick).unwrap_or(0);
                Err(tick_not_after(commit.universe, tick, last))
            }
            Some(-2) => {
                let key = parts.get(1).and_then(reply::text).unwrap_or_default();
                Err(StoreError::invalid("commit", format!("key {key} holds the wrong type")))
            }
            _ => Err(StoreError::invalid("commit reply", format!("{parts:?}"))),
        }
    }

    async fn saved_state(&self) -> StoreResult<Option<SavedState>> {
        let (universe, tick, data): (Option<String>, Option<String>, Option<Vec<u8>>) = self
            .query_retry(cmd("HMGET").arg(self.keys.state()).arg("universe").arg("tick").arg("data"))
            .await?;
        match (universe, tick, data) {
            (None, None, None) => Ok(None),
            (Some(universe), Some(tick), Some(data)) => {
                let tick = tick.parse().map_err(|_| StoreError::invalid("saved state tick", tick))?;
                Ok(Some(SavedState { universe, tick, data }))
            }
            _ => Err(StoreError::invalid("saved state", "hash lacks universe, tick or data")),
        }
    }

    async fn applied_after(
        &self,
        universe: &str,
        after_tick: Option<u64>,
        count: usize,
    ) -> StoreResult<Vec<AppliedRecord>> {
        if count == 0 {
            return Ok(Vec::new());
        }
        // Record ids are `{tick}-1`, so "after tick t" is the exclusive range from `t-1`.
        let start = after_tick.map(|t| format!("({t}-1")).unwrap_or_else(|| "-".to_owned());
        let value: Value = self
            .query_retry(
                cmd("XRANGE").arg(self.keys.applied(universe)).arg(start).arg("+").arg("COUNT").arg(count),
            )
            .await?;
        reply::items(value)?
            .into_iter()
            .map(|v| {
                let (id, data) = reply::entry_with(v, "data")?;
                let orders_json = data.ok_or_else(|| {
                    StoreError::invalid("applied-orders record", format!("{id} lacks data"))
                })?;
                Ok(AppliedRecord { tick: id.ms, orders_json })
            })
            .collect()
    }
}
