//! The leaderboard in memory.

use super::MemoryStore;
use crate::error::StoreResult;
use crate::leaderboard::{FactionWins, Leaderboard, LeaderboardStore, PlayerWins, check_limit, rank};

impl LeaderboardStore for MemoryStore {
    async fn leaderboard(&self, limit: usize) -> StoreResult<Leaderboard> {
        let limit = check_limit(limit)?;
        let state = self.lock();
        let players = state
            .player_wins
            .iter()
            .map(|(address, wins)| PlayerWins { address: address.clone(), wins: *wins })
            .collect();
        let factions = state
            .faction_wins
            .iter()
            .map(|(faction, wins)| FactionWins {
                faction: faction.clone(),
                name: state.faction_names.get(faction).cloned(),
                wins: *wins,
            })
            .collect();
        Ok(Leaderboard {
            players: rank(players, limit, |p: &PlayerWins| (p.wins, p.address.as_str())),
            factions: rank(factions, limit, |f: &FactionWins| (f.wins, f.faction.as_str())),
        })
    }
}
