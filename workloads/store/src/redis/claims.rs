//! Faction claims on Redis (reference key layout, atomic scripts).

use ::redis::{Value, cmd};

use super::scripts::{CLAIM, CLAIM_CLEAR, CLAIM_RELEASE, CLAIM_REVOKE};
use super::{RedisStore, reply};
use crate::claims::{ClaimOutcome, ClaimStore};
use crate::error::{StoreError, StoreResult};
use crate::validate::{address as check_address, non_empty};

impl ClaimStore for RedisStore {
    async fn claim_faction(&self, universe: &str, address: &str, faction: &str) -> StoreResult<ClaimOutcome> {
        let address = check_address(address)?;
        let faction = non_empty(faction, "faction")?;
        let keys = &self.keys;
        let mut inv = CLAIM.prepare_invoke();
        inv.key(keys.player_faction(universe, &address))
            .key(keys.faction_player(universe, faction))
            .key(keys.human_factions(universe))
            .key(keys.control())
            .key(keys.legacy_bots_only(universe))
            .arg(&address)
            .arg(faction);
        let parts = reply::items(self.invoke::<Value>(&inv).await?)?;
        let tag = parts.first().and_then(reply::text).unwrap_or_default();
        let outcome = match tag.as_str() {
            "claimed" => ClaimOutcome::Claimed,
            "already" => ClaimOutcome::AlreadyYours,
            "taken" => ClaimOutcome::FactionTaken,
            "bots_only" => ClaimOutcome::BotsOnly,
            "other" => ClaimOutcome::PlayerHasOther(parts.get(1).and_then(reply::text).unwrap_or_default()),
            "wrongtype" => {
                return Err(StoreError::invalid(
                    "claims",
                    format!("{} is not a set", keys.human_factions(universe)),
                ));
            }
            other => return Err(StoreError::invalid("claim reply", other)),
        };
        if outcome == ClaimOutcome::Claimed {
            tracing::info!(universe, address, faction, "faction claimed");
        }
        Ok(outcome)
    }

    async fn release_claim(&self, universe: &str, address: &str) -> StoreResult<Option<String>> {
        let address = check_address(address)?;
        let mut inv = CLAIM_RELEASE.prepare_invoke();
        inv.key(self.keys.player_faction(universe, &address))
            .key(self.keys.human_factions(universe))
            .arg(&address)
            .arg(format!("{}:{universe}:", self.keys.faction_player_prefix()));
        self.invoke(&inv).await
    }

    async fn clear_claims(&self, universe: &str) -> StoreResult<u64> {
        let mut inv = CLAIM_CLEAR.prepare_invoke();
        inv.key(self.keys.human_factions(universe))
            .arg(format!("{}:{universe}:", self.keys.faction_player_prefix()))
            .arg(format!("{}:{universe}:", self.keys.player_faction_prefix()));
        let cleared: u64 = self.invoke(&inv).await?;
        tracing::info!(universe, cleared, "claims cleared");
        Ok(cleared)
    }

    async fn human_factions(&self, universe: &str) -> StoreResult<Vec<String>> {
        let mut factions: Vec<String> =
            self.query_retry(cmd("SMEMBERS").arg(self.keys.human_factions(universe))).await?;
        factions.sort();
        Ok(factions)
    }

    async fn faction_of(&self, universe: &str, address: &str) -> StoreResult<Option<String>> {
        let address = check_address(address)?;
        self.query_retry(cmd("GET").arg(self.keys.player_faction(universe, &address))).await
    }

    async fn player_of(&self, universe: &str, faction: &str) -> StoreResult<Option<String>> {
        self.query_retry(cmd("GET").arg(self.keys.faction_player(universe, faction))).await
    }

    async fn revoke_faction(&self, universe: &str, faction: &str) -> StoreResult<Option<String>> {
        let faction = non_empty(faction, "faction")?;
        let mut inv = CLAIM_REVOKE.prepare_invoke();
        inv.key(self.keys.faction_player(universe, faction))
            .key(self.keys.human_factions(universe))
            .arg(faction)
            .arg(format!("{}:{universe}:", self.keys.player_faction_prefix()));
        let player: Option<String> = self.invoke(&inv).await?;
        tracing::info!(universe, faction, ?player, "faction revoked");
        Ok(player)
    }
}
