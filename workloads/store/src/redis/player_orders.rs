//! A player's order request on Redis: one script (`lua/player_orders.lua`), one round trip.

use ::redis::Value;

use super::RedisStore;
use super::reply::{entry_id, text};
use super::scripts::PLAYER_ORDERS;
use crate::error::{StoreError, StoreResult};
use crate::player_orders::{PlayerOrderStore, PlayerOrders, PlayerOrdersOutcome};
use crate::universe::FIRST_UNIVERSE;
use crate::validate::{address as check_address, jti as check_jti};

impl PlayerOrderStore for RedisStore {
    async fn player_orders(&self, request: PlayerOrders<'_>) -> StoreResult<PlayerOrdersOutcome> {
        let jti = check_jti(request.jti)?;
        let address = check_address(request.address)?;
        let (batch, faction, max_len) = match request.batch {
            Some(batch) => (batch.json, batch.faction.unwrap_or(""), batch.max_len),
            None => ("", "", 0),
        };
        let mut inv = PLAYER_ORDERS.prepare_invoke();
        inv.key(self.keys.session(jti)).key(self.keys.universe_id()).key(self.keys.orders());
        if let Some(universe) = request.universe_hint {
            inv.key(self.keys.player_faction(universe, &address));
        }
        inv.arg(&address)
            .arg(request.universe_hint.unwrap_or(""))
            .arg(self.keys.player_faction_prefix())
            .arg(FIRST_UNIVERSE)
            .arg(batch)
            .arg(faction)
            .arg(max_len)
            .arg(self.keys.order_group());
        // Only a request that may append must not run twice.
        let reply: Value =
            if request.batch.is_some() { self.invoke(&inv).await? } else { self.invoke_retry(&inv).await? };
        outcome(&reply)
    }
}

fn outcome(reply: &Value) -> StoreResult<PlayerOrdersOutcome> {
    let Value::Array(items) = reply else {
        return Ok(PlayerOrdersOutcome::Appended { id: entry_id(reply)? });
    };
    let items: Vec<String> = items.iter().filter_map(text).collect();
    match items.as_slice() {
        [outcome] if outcome == "no_session" => Ok(PlayerOrdersOutcome::NoSession),
        [outcome] if outcome == "unclaimed" => Ok(PlayerOrdersOutcome::Unclaimed),
        [outcome, faction] if outcome == "claimed" => {
            Ok(PlayerOrdersOutcome::Claimed { faction: faction.clone() })
        }
        _ => Err(StoreError::invalid("player orders reply", format!("unexpected {reply:?}"))),
    }
}
