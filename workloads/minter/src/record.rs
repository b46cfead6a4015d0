//! The minter's record of one run's award, stored as JSON under the run's idempotency key
//! (`{p}:awards:minted:{universe}:{run}`): what was asked, every transaction signed for it, and
//! once one is mined, the token.

use serde::{Deserialize, Serialize};

use crate::ledger::SignedTx;

/// Bumped when the shape changes incompatibly.
pub const RECORD_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MintRecord {
    pub version: u32,
    /// Stable id of this award (returned on every answer about it).
    pub mint_id: String,
    pub universe: String,
    pub run: String,
    /// The recipient (lower-case hex).
    pub address: String,
    pub faction: String,
    pub winner: String,
    pub winner_label: Option<String>,
    pub tick: Option<i64>,
    /// The contract the transactions call (`0x`, lower-case).
    pub contract: String,
    /// The token's metadata URI, fixed at the first attempt so every attempt mints the same.
    pub token_uri: String,
    /// Unix seconds of the first request.
    pub created_at: u64,
    /// Transactions broadcast for this award, oldest first. At most one can ever succeed per
    /// nonce; the minter never starts a new nonce while an older attempt can still be mined.
    pub attempts: Vec<Attempt>,
    /// Set once an attempt is mined successfully; never changes afterwards.
    pub minted: Option<Minted>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    #[serde(flatten)]
    pub tx: SignedTx,
    /// Mined but reverted: it minted nothing and its nonce is spent.
    #[serde(default)]
    pub reverted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Minted {
    pub tx_hash: String,
    /// Decimal token id.
    pub token_id: String,
    pub block_number: u64,
    pub chain_id: u64,
    /// Unix seconds when the minter saw the receipt.
    pub minted_at: u64,
}
