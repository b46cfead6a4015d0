//! Human faction claims of a universe (WIRE.md §3 keys, so the reference's readers still work):
//! `{p}:human_factions:{u}` (set), `{p}:player:faction:{u}:{addr}`, `{p}:faction:player:{u}:{f}`.
//!
//! A claim is one atomic step (Lua on Redis, one lock in process), so concurrent claims can never
//! give a player two factions or a faction two players (KNOWN_DEFECTS A9). Addresses are
//! lower-cased by the store.
//!
//! The removals here are not fenced (players releasing a claim, an admin clearing a universe).
//! The sim removes claims inside its fenced commit instead ([`crate::Commit::revoke_claims`],
//! [`crate::Commit::clear_claims`]; same effect), so a worker that lost the lease cannot.

use crate::error::StoreResult;

/// The result of a claim attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The faction is now the player's.
    Claimed,
    /// The player already holds this faction (claims are idempotent).
    AlreadyYours,
    /// Another player holds the faction.
    FactionTaken,
    /// The player already holds another faction (named).
    PlayerHasOther(String),
    /// The universe is bots-only (control hash `botsOnly` or the legacy flag): claims are refused.
    BotsOnly,
}

pub trait ClaimStore {
    /// Claims `faction` for `address` in `universe`.
    fn claim_faction(
        &self,
        universe: &str,
        address: &str,
        faction: &str,
    ) -> impl Future<Output = StoreResult<ClaimOutcome>> + Send;

    /// Gives up the player's claim; returns the faction released, if any.
    fn release_claim(
        &self,
        universe: &str,
        address: &str,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;

    /// Removes every claim of the universe; returns how many factions were held. Not fenced.
    fn clear_claims(&self, universe: &str) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Claimed factions, sorted.
    fn human_factions(&self, universe: &str) -> impl Future<Output = StoreResult<Vec<String>>> + Send;

    /// The player's faction.
    fn faction_of(
        &self,
        universe: &str,
        address: &str,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;

    /// The faction's player.
    fn player_of(
        &self,
        universe: &str,
        faction: &str,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;

    /// Removes the claim on an (eliminated) faction; returns the player that held it. Not fenced.
    fn revoke_faction(
        &self,
        universe: &str,
        faction: &str,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;
}
