//! The award contract on an Ethereum chain: the one module that uses the Ethereum client library
//! (`ethers-core` for types, ABI and transaction encoding, `ethers-signers` for the local key).
//! ethers is deprecated upstream in favour of alloy; replacing it means replacing this file.
//!
//! Transactions are legacy (type 0) with EIP-155 replay protection: every chain accepts them, the
//! dev chain (ganache 7.9) included, and a replacement only needs a higher gas price.

use std::time::{Duration, Instant};

use ethers_core::abi::{self, ParamType, Token};
use ethers_core::types::transaction::eip2718::TypedTransaction;
use ethers_core::types::{Address, Bytes, NameOrAddress, TransactionRequest, U256};
use ethers_core::utils::{hex, id, keccak256};
use ethers_signers::{LocalWallet, Signer};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use crate::config::Secret;
use crate::ledger::{ChainError, Ledger, MintReceipt, SignedTx};
use crate::rpc::{Rpc, RpcError};

/// Gas limit margin over the node's estimate, in percent.
const GAS_MARGIN_PERCENT: u64 = 20;
/// A replacement must outbid the transaction it replaces (nodes require ≥ 10%).
const REPLACEMENT_BUMP_PERCENT: u128 = 125;
/// How often a deployment's receipt is polled.
const RECEIPT_POLL: Duration = Duration::from_millis(100);

/// The contract's custom errors, so a revert reads as a cause rather than as hex.
const CUSTOM_ERRORS: &[(&str, &str)] = &[
    ("NotMinter()", "the signing key is not the contract's minter (MINTER_PRIVATE_KEY / setMinter)"),
    ("NotOwner()", "the caller is not the contract's owner"),
    ("ZeroAddress()", "the zero address cannot hold an award"),
    ("NonexistentToken(uint256)", "no such token"),
    ("NotAuthorized()", "the caller may not move this token"),
    ("WrongFrom()", "the token is not owned by `from`"),
    ("Soulbound()", "award tokens are soulbound (ERC-5192): they cannot be transferred"),
    ("UnsafeRecipient()", "the recipient contract does not accept ERC-721 tokens"),
];

fn hex0x(bytes: impl AsRef<[u8]>) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn parse_address(text: &str, what: &str) -> Result<Address, ChainError> {
    text.parse().map_err(|_| ChainError::Setup(format!("{what} {text:?} is not an address")))
}

/// A `0x` hex quantity.
fn quantity(value: &Value, what: &str) -> Result<U256, ChainError> {
    value
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .and_then(|digits| U256::from_str_radix(digits, 16).ok())
        .ok_or_else(|| ChainError::BadAnswer(format!("{what}: expected a hex quantity, got {value}")))
}

fn small(value: U256, what: &str) -> Result<u64, ChainError> {
    u64::try_from(value).map_err(|_| ChainError::BadAnswer(format!("{what} {value} is out of range")))
}

/// `0x` hex data.
fn data(value: &Value, what: &str) -> Result<Vec<u8>, ChainError> {
    value
        .as_str()
        .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
        .ok_or_else(|| ChainError::BadAnswer(format!("{what}: expected hex data, got {value}")))
}

/// Every string inside a JSON value (revert data hides at various depths depending on the node).
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The meaning of a revert of the award contract found in a node error's data, if any.
fn revert_hint(data: Option<&Value>) -> Option<&'static str> {
    let mut found = Vec::new();
    strings(data?, &mut found);
    CUSTOM_ERRORS.iter().find_map(|(signature, meaning)| {
        let selector = hex0x(id(signature));
        found.iter().any(|s| s.to_ascii_lowercase().starts_with(&selector)).then_some(*meaning)
    })
}

fn chain_error(error: RpcError) -> ChainError {
    match error {
        RpcError::Unreachable(message) => ChainError::Unreachable(message),
        RpcError::BadAnswer(message) => ChainError::BadAnswer(message),
        RpcError::Node { code, message, data } => match revert_hint(data.as_ref()) {
            Some(hint) => ChainError::Rejected(format!("{message} (code {code}): {hint}")),
            None => ChainError::Rejected(format!("{message} (code {code})")),
        },
    }
}

/// A node's way of saying it has this transaction already.
fn already_known(error: &RpcError) -> bool {
    let RpcError::Node { message, .. } = error else { return false };
    let message = message.to_ascii_lowercase();
    ["already known", "known transaction", "already imported", "already exists", "already in the tx pool"]
        .iter()
        .any(|m| message.contains(m))
}

/// Reads ABI-encoded return values.
fn decode(types: &[ParamType], bytes: &[u8], what: &str) -> Result<Vec<Token>, ChainError> {
    abi::decode(types, bytes).map_err(|e| ChainError::BadAnswer(format!("{what}: {e}")))
}

/// A deployed `SectorAward` contract, reached through `rpc_url` and written with one key.
pub struct Chain {
    rpc: Rpc,
    wallet: LocalWallet,
    contract: Address,
    contract_text: String,
    expected_chain_id: Option<u64>,
    chain_id: OnceCell<u64>,
}

impl Chain {
    /// A client for the contract at `contract`; nothing is sent until the first call.
    pub fn new(
        rpc_url: &str,
        contract: &str,
        private_key: &Secret,
        rpc_timeout: Duration,
        expected_chain_id: Option<u64>,
    ) -> Result<Self, ChainError> {
        let key = hex::decode(private_key.expose().trim_start_matches("0x"))
            .ok()
            .filter(|k| k.len() == 32)
            .ok_or_else(|| ChainError::Setup("the private key must be 32 bytes of hex".into()))?;
        let wallet = LocalWallet::from_bytes(&key)
            .map_err(|_| ChainError::Setup("the private key is not a valid secp256k1 key".into()))?;
        let contract = parse_address(contract, "contract")?;
        let rpc = Rpc::new(rpc_url, rpc_timeout).map_err(ChainError::Setup)?;
        Ok(Self {
            rpc,
            wallet,
            contract,
            contract_text: format!("{contract:?}"),
            expected_chain_id,
            chain_id: OnceCell::new(),
        })
    }

    /// The signer's address (lower-case hex).
    pub fn signer(&self) -> String {
        format!("{:?}", self.wallet.address())
    }

    async fn call(&self, method: &str, params: Value) -> Result<Value, ChainError> {
        self.rpc.call(method, params).await.map_err(chain_error)
    }

    async fn nonce(&self, block: &str) -> Result<u64, ChainError> {
        let count = self.call("eth_getTransactionCount", json!([self.signer(), block])).await?;
        small(quantity(&count, "eth_getTransactionCount")?, "nonce")
    }

    /// Signs a legacy transaction calling `to` (or creating a contract) with `input`.
    async fn sign(
        &self,
        to: Option<Address>,
        input: Vec<u8>,
        nonce: Option<u64>,
        min_gas_price: Option<u128>,
    ) -> Result<SignedTx, ChainError> {
        let chain_id = self.chain_id().await?;
        let nonce = match nonce {
            Some(n) => n,
            None => self.nonce("pending").await?,
        };
        let gas_price = quantity(&self.call("eth_gasPrice", json!([])).await?, "eth_gasPrice")?;
        let gas_price = u128::try_from(gas_price)
            .map_err(|_| ChainError::BadAnswer(format!("gas price {gas_price} is out of range")))?
            .max(min_gas_price.unwrap_or(0));
        let mut call = json!({"from": self.signer(), "data": hex0x(&input)});
        if let Some(to) = to {
            call["to"] = json!(format!("{to:?}"));
        }
        let estimate =
            small(quantity(&self.call("eth_estimateGas", json!([call])).await?, "eth_estimateGas")?, "gas")?;
        let gas = estimate.saturating_add(estimate * GAS_MARGIN_PERCENT / 100);

        let mut request = TransactionRequest::new()
            .from(self.wallet.address())
            .data(Bytes::from(input))
            .nonce(nonce)
            .gas(gas)
            .gas_price(gas_price)
            .chain_id(chain_id);
        if let Some(to) = to {
            request = request.to(NameOrAddress::Address(to));
        }
        let tx = TypedTransaction::Legacy(request);
        let signature = self
            .wallet
            .sign_transaction_sync(&tx)
            .map_err(|e| ChainError::Setup(format!("signing failed: {e}")))?;
        let raw = tx.rlp_signed(&signature);
        Ok(SignedTx { hash: hex0x(keccak256(&raw)), raw: hex0x(&raw), nonce, gas_price })
    }

    /// `eth_call` of the contract as `from` (default: the signer); the raw return data.
    async fn read(&self, from: Option<&str>, input: Vec<u8>) -> Result<Vec<u8>, ChainError> {
        let from = from.map(str::to_owned).unwrap_or_else(|| self.signer());
        let call = json!({"from": from, "to": self.contract_text, "data": hex0x(&input)});
        data(&self.call("eth_call", json!([call, "latest"])).await?, "eth_call")
    }

    fn token_call(signature: &str, token_id: &str) -> Result<Vec<u8>, ChainError> {
        let id_value = U256::from_dec_str(token_id)
            .map_err(|_| ChainError::Setup(format!("token id {token_id:?} is not a decimal number")))?;
        let mut input = id(signature).to_vec();
        input.extend(abi::encode(&[Token::Uint(id_value)]));
        Ok(input)
    }

    /// The holder of a token (lower-case hex).
    pub async fn owner_of(&self, token_id: &str) -> Result<String, ChainError> {
        let out = self.read(None, Self::token_call("ownerOf(uint256)", token_id)?).await?;
        match decode(&[ParamType::Address], &out, "ownerOf")?.as_slice() {
            [Token::Address(holder)] => Ok(format!("{holder:?}")),
            other => Err(ChainError::BadAnswer(format!("ownerOf returned {other:?}"))),
        }
    }

    /// A token's metadata URI.
    pub async fn token_uri(&self, token_id: &str) -> Result<String, ChainError> {
        let out = self.read(None, Self::token_call("tokenURI(uint256)", token_id)?).await?;
        match decode(&[ParamType::String], &out, "tokenURI")?.as_slice() {
            [Token::String(uri)] => Ok(uri.clone()),
            other => Err(ChainError::BadAnswer(format!("tokenURI returned {other:?}"))),
        }
    }

    /// ERC-5192: whether a token is locked to its holder.
    pub async fn locked(&self, token_id: &str) -> Result<bool, ChainError> {
        let out = self.read(None, Self::token_call("locked(uint256)", token_id)?).await?;
        match decode(&[ParamType::Bool], &out, "locked")?.as_slice() {
            [Token::Bool(locked)] => Ok(*locked),
            other => Err(ChainError::BadAnswer(format!("locked returned {other:?}"))),
        }
    }

    /// How many tokens exist.
    pub async fn total_supply(&self) -> Result<u64, ChainError> {
        let out = self.read(None, id("totalSupply()").to_vec()).await?;
        match decode(&[ParamType::Uint(256)], &out, "totalSupply")?.as_slice() {
            [Token::Uint(n)] => small(*n, "totalSupply"),
            other => Err(ChainError::BadAnswer(format!("totalSupply returned {other:?}"))),
        }
    }

    /// Simulates `transferFrom(from, to, token_id)` sent by `from`: `Ok` if it would succeed,
    /// `Rejected` (with the contract's reason) if it would revert.
    pub async fn simulate_transfer(&self, from: &str, to: &str, token_id: &str) -> Result<(), ChainError> {
        let (from_addr, to_addr) = (parse_address(from, "from")?, parse_address(to, "to")?);
        let mut input = id("transferFrom(address,address,uint256)").to_vec();
        let id_value = U256::from_dec_str(token_id)
            .map_err(|_| ChainError::Setup(format!("token id {token_id:?} is not a decimal number")))?;
        input.extend(abi::encode(&[
            Token::Address(from_addr),
            Token::Address(to_addr),
            Token::Uint(id_value),
        ]));
        self.read(Some(from), input).await.map(|_| ())
    }

    /// Deploys `SectorAward` (creation `bytecode` as compiled by `contracts/build.js`) with the
    /// key, waiting up to `timeout` for it to be mined; the new contract's address.
    pub async fn deploy_award(
        rpc_url: &str,
        private_key: &Secret,
        bytecode: &str,
        (name, symbol, soulbound): (&str, &str, bool),
        timeout: Duration,
    ) -> Result<String, ChainError> {
        let deployer = Self::new(rpc_url, &format!("{:?}", Address::zero()), private_key, timeout, None)?;
        let mut input = hex::decode(bytecode.trim().trim_start_matches("0x"))
            .map_err(|_| ChainError::Setup("the contract bytecode is not hex".into()))?;
        input.extend(abi::encode(&[
            Token::String(name.to_owned()),
            Token::String(symbol.to_owned()),
            Token::Bool(soulbound),
        ]));
        let tx = deployer.sign(None, input, None, None).await?;
        deployer.send_raw(&tx.raw).await?;
        let deadline = Instant::now() + timeout;
        loop {
            let receipt = deployer.call("eth_getTransactionReceipt", json!([tx.hash])).await?;
            if !receipt.is_null() {
                if receipt.get("status").and_then(Value::as_str) != Some("0x1") {
                    return Err(ChainError::Rejected(format!("deployment {} failed: {receipt}", tx.hash)));
                }
                let address = receipt.get("contractAddress").and_then(Value::as_str).unwrap_or_default();
                return Ok(format!("{:?}", parse_address(address, "contractAddress")?));
            }
            if Instant::now() >= deadline {
                return Err(ChainError::Unreachable(format!(
                    "deployment {} not mined within {timeout:?}",
                    tx.hash
                )));
            }
            tokio::time::sleep(RECEIPT_POLL).await;
        }
    }
}

impl Ledger for Chain {
    fn contract(&self) -> &str {
        &self.contract_text
    }

    async fn chain_id(&self) -> Result<u64, ChainError> {
        let id = self
            .chain_id
            .get_or_try_init(|| async {
                let id =
                    small(quantity(&self.call("eth_chainId", json!([])).await?, "eth_chainId")?, "chain id")?;
                match self.expected_chain_id {
                    Some(expected) if expected != id => Err(ChainError::Setup(format!(
                        "the node is on chain {id}, MINTER_CHAIN_ID is {expected}: refusing to sign"
                    ))),
                    _ => Ok(id),
                }
            })
            .await?;
        Ok(*id)
    }

    async fn sign_mint(
        &self,
        to: &str,
        uri: &str,
        nonce: Option<u64>,
        min_gas_price: Option<u128>,
    ) -> Result<SignedTx, ChainError> {
        let to = parse_address(to, "award recipient")?;
        let mut input = id("mint(address,string)").to_vec();
        input.extend(abi::encode(&[Token::Address(to), Token::String(uri.to_owned())]));
        self.sign(Some(self.contract), input, nonce, min_gas_price).await
    }

    async fn send_raw(&self, raw: &str) -> Result<(), ChainError> {
        match self.rpc.call("eth_sendRawTransaction", json!([raw])).await {
            Ok(_) => Ok(()),
            Err(error) if already_known(&error) => Ok(()),
            Err(error) => Err(chain_error(error)),
        }
    }

    async fn receipt(&self, hash: &str) -> Result<Option<MintReceipt>, ChainError> {
        let receipt = self.call("eth_getTransactionReceipt", json!([hash])).await?;
        if receipt.is_null() {
            return Ok(None);
        }
        let block_number = small(quantity(&receipt["blockNumber"], "receipt blockNumber")?, "block number")?;
        let success = quantity(&receipt["status"], "receipt status")? == U256::one();
        let transfer = hex0x(keccak256("Transfer(address,address,uint256)"));
        let token_id = receipt["logs"].as_array().into_iter().flatten().find_map(|log| {
            let from_contract =
                log["address"].as_str().is_some_and(|a| a.eq_ignore_ascii_case(&self.contract_text));
            let topics = log["topics"].as_array()?;
            let is_mint = topics.len() == 4
                && topics[0].as_str().is_some_and(|t| t.eq_ignore_ascii_case(&transfer))
                && topics[1].as_str().and_then(|t| U256::from_str_radix(t.trim_start_matches("0x"), 16).ok())
                    == Some(U256::zero());
            if !(from_contract && is_mint) {
                return None;
            }
            let id = U256::from_str_radix(topics[3].as_str()?.trim_start_matches("0x"), 16).ok()?;
            Some(id.to_string())
        });
        if success && token_id.is_none() {
            return Err(ChainError::BadAnswer(format!(
                "mint {hash} succeeded without a Transfer event of {}",
                self.contract_text
            )));
        }
        Ok(Some(MintReceipt { success, token_id, block_number }))
    }

    async fn confirmed_nonce(&self) -> Result<u64, ChainError> {
        self.nonce("latest").await
    }
}

/// The lowest gas price a replacement of a transaction priced `previous` may offer.
pub fn replacement_price(previous: u128) -> u128 {
    previous.saturating_mul(REPLACEMENT_BUMP_PERCENT) / 100 + 1
}

/// `address` with its EIP-55 checksum verified when it is mixed-case; lower-case on success.
pub fn normalize_address(address: &str) -> Result<String, &'static str> {
    let hex_part = address
        .strip_prefix("0x")
        .filter(|h| h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or("address must be 0x followed by 40 hex digits")?;
    let lower = hex_part.to_ascii_lowercase();
    let upper = hex_part.to_ascii_uppercase();
    if hex_part != lower && hex_part != upper {
        let parsed: Address = address.parse().map_err(|_| "address must be 0x followed by 40 hex digits")?;
        if ethers_core::utils::to_checksum(&parsed, None) != address {
            return Err("address has a wrong EIP-55 checksum (mixed case)");
        }
    }
    if lower.bytes().all(|b| b == b'0') {
        return Err("the zero address cannot hold an award");
    }
    Ok(format!("0x{lower}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let checksummed = "0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1";
        assert_eq!(
            normalize_address(checksummed).as_deref(),
            Ok("0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1")
        );
        assert!(normalize_address(&checksummed.to_ascii_lowercase()).is_ok());
        assert!(
            normalize_address("0x90F8BF6A479F320EAD074411A4B0E7944EA8C9C1").is_ok(),
            "all caps has no checksum"
        );
        assert!(normalize_address("0x90F8bf6A479f320ead074411a4B0e7944Ea8c9c1").is_err(), "bad checksum");
        for bad in [
            "",
            "0x",
            "90f8bf6a479f320ead074411a4b0e7944ea8c9c1",
            "0x90f8bf",
            "0xzz",
            "0x0000000000000000000000000000000000000000",
        ] {
            assert!(normalize_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn custom_errors_are_explained() {
        let data = json!({"message": "revert", "data": format!("{}", hex0x(id("NotMinter()")))});
        assert_eq!(revert_hint(Some(&data)), Some(CUSTOM_ERRORS[0].1));
        assert_eq!(revert_hint(Some(&json!("0x12345678"))), None);
        assert_eq!(revert_hint(None), None);
    }

    #[test]
    fn replacements_outbid() {
        assert!(replacement_price(1_000) >= 1_100);
        assert_eq!(replacement_price(u128::MAX), u128::MAX / 100 + 1);
    }

    #[test]
    fn keys_are_checked() {
        let bad = Chain::new(
            "http://127.0.0.1:1",
            "0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1",
            &Secret::new("00"),
            Duration::from_secs(1),
            None,
        );
        assert!(matches!(bad, Err(ChainError::Setup(_))));
        let zero = Secret::new("0".repeat(64));
        let bad = Chain::new(
            "http://127.0.0.1:1",
            "0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1",
            &zero,
            Duration::from_secs(1),
            None,
        );
        assert!(matches!(bad, Err(ChainError::Setup(_))), "zero is not a valid scalar");
        let good = Secret::new("4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d");
        let chain = Chain::new(
            "http://127.0.0.1:1",
            "0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1",
            &good,
            Duration::from_secs(1),
            None,
        );
        assert_eq!(
            chain.map(|c| c.signer()).ok().as_deref(),
            Some("0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1")
        );
    }
}
