//! A player's order request in one step: the session check, the claim lookup and, when both
//! allow it, the append to the order stream.
//!
//! Done one call at a time that is four store round trips per request (session, universe id,
//! claim, append) where a bot's request needs one; the Redis backend does it in one script.
//! The outcome says how far the request got, so the API can still report its errors in the
//! order it always has (401, then 403, then 422).

use crate::error::StoreResult;
use crate::stream::EntryId;

/// The player's side of [`PlayerOrderStore::player_orders`].
#[derive(Debug, Clone, Copy)]
pub struct PlayerOrders<'a> {
    /// Session id (the token's `jti`).
    pub jti: &'a str,
    /// The wallet address the token names (`sub`); the session must belong to it.
    pub address: &'a str,
    /// The universe the caller believes current (e.g. from a short-lived cache). The store may
    /// read the claim in it together with the session; it checks the hint, and a stale one
    /// only costs a second look. `None`: the store finds the universe itself.
    pub universe_hint: Option<&'a str>,
    /// What to append if the player holds the batch's faction; `None`: check only.
    pub batch: Option<PlayerBatch<'a>>,
}

/// An order batch a player asks to append.
#[derive(Debug, Clone, Copy)]
pub struct PlayerBatch<'a> {
    /// The faction every order names; `None` for an empty batch (any claim will do).
    pub faction: Option<&'a str>,
    /// `{"orders": [...]}` JSON text, as for [`crate::OrderStore::append_orders`].
    pub json: &'a str,
    /// Length cap of the order stream, as for [`crate::OrderStore::append_orders`].
    pub max_len: usize,
}

/// How far a player's order request got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlayerOrdersOutcome {
    /// No live session `jti`, or it belongs to another address.
    NoSession,
    /// The session is live, but the address holds no faction in the current universe.
    Unclaimed,
    /// The address holds `faction`; nothing was appended (no batch, or it names another faction).
    Claimed { faction: String },
    /// The address holds the batch's faction, and the batch was appended as `id`.
    Appended { id: EntryId },
}

pub trait PlayerOrderStore {
    /// Checks the session and the claim of `request.address` in the current universe and, if it
    /// holds the batch's faction, appends the batch.
    fn player_orders(
        &self,
        request: PlayerOrders<'_>,
    ) -> impl Future<Output = StoreResult<PlayerOrdersOutcome>> + Send;
}
