//! Faction claims in memory.

use std::collections::HashMap;

use super::MemoryStore;
use crate::claims::{ClaimOutcome, ClaimStore};
use crate::control::{field, parse_bool};
use crate::error::StoreResult;
use crate::validate::{address as check_address, non_empty};

/// The claims of one universe, both directions (the faction map's keys are the human factions).
#[derive(Debug, Default)]
pub(super) struct UniverseClaims {
    player_faction: HashMap<String, String>,
    faction_player: HashMap<String, String>,
}

impl UniverseClaims {
    /// Removes the claim on `faction`; returns the player that held it.
    pub(super) fn revoke(&mut self, faction: &str) -> Option<String> {
        let player = self.faction_player.remove(faction);
        if let Some(p) = &player
            && self.player_faction.get(p).map(String::as_str) == Some(faction)
        {
            self.player_faction.remove(p);
        }
        player
    }

    /// The player holding `faction`.
    pub(super) fn player(&self, faction: &str) -> Option<&String> {
        self.faction_player.get(faction)
    }

    /// How many factions are claimed.
    pub(super) fn len(&self) -> u64 {
        self.faction_player.len() as u64
    }
}

impl ClaimStore for MemoryStore {
    async fn claim_faction(&self, universe: &str, address: &str, faction: &str) -> StoreResult<ClaimOutcome> {
        let address = check_address(address)?;
        let faction = non_empty(faction, "faction")?;
        let mut state = self.lock();
        if state.control.get(field::BOTS_ONLY).and_then(|v| parse_bool(v)).unwrap_or(false) {
            return Ok(ClaimOutcome::BotsOnly);
        }
        let claims = state.claims.entry(universe.to_owned()).or_default();
        if let Some(mine) = claims.player_faction.get(&address) {
            return Ok(if mine == faction {
                ClaimOutcome::AlreadyYours
            } else {
                ClaimOutcome::PlayerHasOther(mine.clone())
            });
        }
        if claims.faction_player.contains_key(faction) {
            return Ok(ClaimOutcome::FactionTaken);
        }
        claims.faction_player.insert(faction.to_owned(), address.clone());
        claims.player_faction.insert(address.clone(), faction.to_owned());
        tracing::info!(universe, address, faction, "faction claimed");
        Ok(ClaimOutcome::Claimed)
    }

    async fn release_claim(&self, universe: &str, address: &str) -> StoreResult<Option<String>> {
        let address = check_address(address)?;
        let mut state = self.lock();
        let Some(claims) = state.claims.get_mut(universe) else { return Ok(None) };
        let faction = claims.player_faction.remove(&address);
        if let Some(f) = &faction
            && claims.faction_player.get(f) == Some(&address)
        {
            claims.faction_player.remove(f);
        }
        Ok(faction)
    }

    async fn clear_claims(&self, universe: &str) -> StoreResult<u64> {
        let cleared = self.lock().claims.remove(universe).map(|c| c.len()).unwrap_or(0);
        tracing::info!(universe, cleared, "claims cleared");
        Ok(cleared)
    }

    async fn human_factions(&self, universe: &str) -> StoreResult<Vec<String>> {
        let state = self.lock();
        let mut factions: Vec<String> = state
            .claims
            .get(universe)
            .map(|c| c.faction_player.keys().cloned().collect())
            .unwrap_or_default();
        factions.sort();
        Ok(factions)
    }

    async fn faction_of(&self, universe: &str, address: &str) -> StoreResult<Option<String>> {
        let address = check_address(address)?;
        Ok(self.lock().claims.get(universe).and_then(|c| c.player_faction.get(&address).cloned()))
    }

    async fn player_of(&self, universe: &str, faction: &str) -> StoreResult<Option<String>> {
        Ok(self.lock().claims.get(universe).and_then(|c| c.faction_player.get(faction).cloned()))
    }

    async fn revoke_faction(&self, universe: &str, faction: &str) -> StoreResult<Option<String>> {
        let faction = non_empty(faction, "faction")?;
        let mut state = self.lock();
        let Some(claims) = state.claims.get_mut(universe) else { return Ok(None) };
        let player = claims.revoke(faction);
        tracing::info!(universe, faction, ?player, "faction revoked");
        Ok(player)
    }
}
