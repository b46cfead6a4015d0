//! The leaderboard: wins per player wallet address and per faction, across runs.
//!
//! Written only by the fenced commit that ends a run ([`crate::Commit::award`]), so every decided
//! run counts exactly once: `{p}:leaderboard:factions` (sorted set) gains one win for the winning
//! faction (whoever played it, human or bot), `{p}:leaderboard:players` (sorted set) one win for
//! the wallet that held the winning faction, if a human did, and
//! `{p}:leaderboard:faction_names` keeps the faction's name at its last win (registries may name
//! League or rebel factions that no configuration lists).

use crate::error::StoreResult;

/// Largest `limit` a leaderboard read accepts.
pub const MAX_LEADERBOARD_LIMIT: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerWins {
    /// Lower-case wallet address.
    pub address: String,
    pub wins: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactionWins {
    pub faction: String,
    /// The faction's name when it last won (`None` if unknown).
    pub name: Option<String>,
    pub wins: u64,
}

/// The top entries of both boards, each sorted by wins (descending), then key (ascending).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Leaderboard {
    pub players: Vec<PlayerWins>,
    pub factions: Vec<FactionWins>,
}

pub trait LeaderboardStore {
    /// The top `limit` players and the top `limit` factions (`Invalid` unless
    /// 1 ≤ `limit` ≤ [`MAX_LEADERBOARD_LIMIT`]).
    fn leaderboard(&self, limit: usize) -> impl Future<Output = StoreResult<Leaderboard>> + Send;
}

pub(crate) fn check_limit(limit: usize) -> StoreResult<usize> {
    if (1..=MAX_LEADERBOARD_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(crate::StoreError::invalid(
            "leaderboard limit",
            format!("{limit} is not in 1..={MAX_LEADERBOARD_LIMIT}"),
        ))
    }
}

/// Orders entries by wins (descending), then key (ascending), and keeps `limit`.
pub(crate) fn rank<T>(mut entries: Vec<T>, limit: usize, key: impl Fn(&T) -> (u64, &str)) -> Vec<T> {
    entries.sort_by(|a, b| {
        let (wa, ka) = key(a);
        let (wb, kb) = key(b);
        wb.cmp(&wa).then_with(|| ka.cmp(kb))
    });
    entries.truncate(limit);
    entries
}
