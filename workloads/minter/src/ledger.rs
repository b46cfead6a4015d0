//! What minting needs from a chain, in plain types: sign a mint, broadcast it, read its receipt,
//! read the signer's confirmed nonce. [`crate::chain::Chain`] implements it over JSON-RPC (the
//! only code that knows the Ethereum client library); tests of the idempotency logic use a fake.

use std::future::Future;

/// A signed mint transaction, ready to broadcast (and to broadcast again: same bytes, same hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignedTx {
    /// `0x` + 64 hex digits.
    pub hash: String,
    /// The signed transaction, `0x`-prefixed hex.
    pub raw: String,
    pub nonce: u64,
    /// Wei per gas (legacy transaction); a decimal string in JSON, as JSON numbers lose precision.
    #[serde(with = "decimal")]
    pub gas_price: u128,
}

/// `u128` as a decimal string.
mod decimal {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(|_| D::Error::custom(format!("{text:?} is not a decimal number")))
    }
}

/// A mined mint transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintReceipt {
    /// Status 1: the mint happened.
    pub success: bool,
    /// Decimal id of the token minted (from the contract's `Transfer` event), if successful.
    pub token_id: Option<String>,
    pub block_number: u64,
}

/// Why a chain operation failed; decides the HTTP status and whether retrying can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// No answer: connection refused, timeout, or a gateway reporting its node down (503).
    #[error("chain unreachable: {0}")]
    Unreachable(String),
    /// An answer that is not valid JSON-RPC or lacks what was asked for (502).
    #[error("bad answer from the chain: {0}")]
    BadAnswer(String),
    /// The node refused the request (e.g. the mint would revert, or funds are short) (502).
    #[error("the chain refused: {0}")]
    Rejected(String),
    /// The node is not the chain this minter is configured for, or the key is unusable (502).
    #[error("chain setup: {0}")]
    Setup(String),
}

impl ChainError {
    /// Worth retrying later as is (the same request may succeed once the node is back).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unreachable(_))
    }
}

pub trait Ledger: Send + Sync + 'static {
    /// The award contract (`0x`, lower-case hex).
    fn contract(&self) -> &str;

    /// The chain id of the node (checked against the configured one, if any).
    fn chain_id(&self) -> impl Future<Output = Result<u64, ChainError>> + Send;

    /// Signs `mint(to, uri)`. With `nonce`, the transaction replaces any other of that nonce (its
    /// gas price at least `min_gas_price`); without, it takes the signer's next pending nonce.
    fn sign_mint(
        &self,
        to: &str,
        uri: &str,
        nonce: Option<u64>,
        min_gas_price: Option<u128>,
    ) -> impl Future<Output = Result<SignedTx, ChainError>> + Send;

    /// Broadcasts a signed transaction; a node that already has it counts as success.
    fn send_raw(&self, raw: &str) -> impl Future<Output = Result<(), ChainError>> + Send;

    /// The receipt of a transaction, once mined.
    fn receipt(&self, hash: &str) -> impl Future<Output = Result<Option<MintReceipt>, ChainError>> + Send;

    /// How many transactions of the signer are mined (the nonce of its next one).
    fn confirmed_nonce(&self) -> impl Future<Output = Result<u64, ChainError>> + Send;
}
