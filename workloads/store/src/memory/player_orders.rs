//! A player's order request in memory: the steps one after another (there is no round trip to
//! save in process; the universe hint is not needed). Each step takes the store's lock on its own, as the API's separate calls
//! did before this operation existed.

use super::MemoryStore;
use crate::claims::ClaimStore;
use crate::error::StoreResult;
use crate::orders::OrderStore;
use crate::player_orders::{PlayerOrderStore, PlayerOrders, PlayerOrdersOutcome};
use crate::sessions::SessionStore;
use crate::universe::UniverseStore;
use crate::validate::{address as check_address, jti as check_jti};

impl PlayerOrderStore for MemoryStore {
    async fn player_orders(&self, request: PlayerOrders<'_>) -> StoreResult<PlayerOrdersOutcome> {
        let jti = check_jti(request.jti)?;
        let address = check_address(request.address)?;
        match self.session_address(jti).await? {
            Some(owner) if owner.eq_ignore_ascii_case(&address) => {}
            _ => return Ok(PlayerOrdersOutcome::NoSession),
        }
        let universe = self.universe_id().await?;
        let Some(faction) = self.faction_of(&universe, &address).await? else {
            return Ok(PlayerOrdersOutcome::Unclaimed);
        };
        match request.batch {
            Some(batch) if batch.faction.is_none_or(|wanted| wanted == faction) => {
                let id = self.append_orders(batch.json, batch.max_len).await?;
                Ok(PlayerOrdersOutcome::Appended { id })
            }
            _ => Ok(PlayerOrdersOutcome::Claimed { faction }),
        }
    }
}
