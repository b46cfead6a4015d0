//! The leaderboard on Redis: two sorted sets and a names hash, read by one script.

use ::redis::Value;

use super::scripts::LEADERBOARD;
use super::{RedisStore, reply};
use crate::error::{StoreError, StoreResult};
use crate::leaderboard::{FactionWins, Leaderboard, LeaderboardStore, PlayerWins, check_limit, rank};

/// `[member, score, ...]` as (member, wins).
fn scored(value: Value) -> StoreResult<Vec<(String, u64)>> {
    let flat = reply::items(value)?;
    flat.chunks(2)
        .map(|pair| {
            let member = pair.first().and_then(reply::text);
            let score = pair.get(1).and_then(reply::text).and_then(|s| s.parse::<f64>().ok());
            match (member, score) {
                // Scores only ever grow by whole wins from zero.
                (Some(member), Some(score)) if score >= 0.0 => Ok((member, score as u64)),
                _ => Err(StoreError::invalid("leaderboard entry", format!("{pair:?}"))),
            }
        })
        .collect()
}

impl LeaderboardStore for RedisStore {
    async fn leaderboard(&self, limit: usize) -> StoreResult<Leaderboard> {
        let limit = check_limit(limit)?;
        let keys = &self.keys;
        let mut inv = LEADERBOARD.prepare_invoke();
        inv.key(keys.leaderboard_players())
            .key(keys.leaderboard_factions())
            .key(keys.leaderboard_faction_names())
            .arg(limit);
        let mut parts = reply::items(self.invoke_retry::<Value>(&inv).await?)?.into_iter();
        let (Some(players), Some(factions), Some(names)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(StoreError::invalid("leaderboard reply", "expected three lists"));
        };
        let players =
            scored(players)?.into_iter().map(|(address, wins)| PlayerWins { address, wins }).collect();
        let names = reply::items(names)?;
        let factions = scored(factions)?
            .into_iter()
            .enumerate()
            .map(|(i, (faction, wins))| FactionWins {
                faction,
                name: names.get(i).and_then(reply::text),
                wins,
            })
            .collect();
        Ok(Leaderboard {
            players: rank(players, limit, |p: &PlayerWins| (p.wins, p.address.as_str())),
            factions: rank(factions, limit, |f: &FactionWins| (f.wins, f.faction.as_str())),
        })
    }
}
