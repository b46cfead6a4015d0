//! Minting an award exactly once per (universe, run), whatever fails and whoever asks.
//!
//! - **One worker per run**: a request takes the run's lock in the store (expiring, so a crashed
//!   minter cannot block a run for good). A second identical request waits for the first and
//!   answers with the same token; if the first gives up, the waiter takes over.
//! - **Record before broadcast**: every signed transaction is written to the run's record before
//!   it is sent (the write checks the lock atomically). A minter that crashes after sending finds
//!   the transaction in the record and looks for its receipt instead of minting again.
//! - **One nonce at a time**: a new transaction (new nonce) is signed only when no earlier attempt
//!   can still be mined: each was mined (a successful one ends the story), reverted, or its nonce
//!   was taken by another transaction. An attempt that may still be mined is broadcast again, or
//!   replaced at a higher gas price with the *same* nonce, so at most one of them can ever land.
//!   The signer's confirmed nonce is read *before* the receipts, so a transaction mined between
//!   the two reads is never mistaken for a dead one.
//! - Transactions of one process are signed and sent one at a time (nonces come from the node's
//!   pending count); minters sharing a key across processes may collide on a nonce, which a
//!   retry resolves (the refused attempt never left the process and is forgotten).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sector_store::{MintStore, StoreError};
use tokio::sync::Mutex;

use crate::chain::replacement_price;
use crate::ledger::{ChainError, Ledger, SignedTx};
use crate::metadata::{AwardFacts, token_uri};
use crate::record::{Attempt, MintRecord, Minted, RECORD_VERSION};
use crate::request::MintRequest;

/// Most transactions one award may try (replacements included) before an operator looks.
pub const MAX_ATTEMPTS: usize = 16;
/// How often receipts (and a busy run's record) are polled.
const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, thiserror::Error)]
pub enum MintError {
    /// The run was awarded to someone else (409, permanent).
    #[error("run {run} of universe {universe} was already awarded to {address} ({faction})")]
    Conflict { universe: String, run: String, address: String, faction: String },
    /// Another request is minting this run and did not finish in time (503, retry).
    #[error("a mint of run {run} of universe {universe} is in progress; retry later")]
    InProgress { universe: String, run: String },
    /// Broadcast, not mined yet (503, retry: the same transaction is looked for again).
    #[error("mint transaction {tx_hash} was sent but is not mined after {waited:?}; retry later")]
    Pending { tx_hash: String, waited: Duration },
    /// Every transaction of the award reverted (502; a retry signs a new one).
    #[error("mint transaction {tx_hash} reverted; nothing was minted")]
    Reverted { tx_hash: String },
    #[error(
        "gave up after {MAX_ATTEMPTS} transactions for run {run} of universe {universe}; check the signer's account"
    )]
    TooManyAttempts { universe: String, run: String },
    #[error("the award's metadata cannot be built: {0}")]
    Metadata(String),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("redis: {0}")]
    Store(#[from] StoreError),
    #[error("unreadable mint record of run {run} of universe {universe}: {reason}")]
    Record { universe: String, run: String, reason: String },
}

impl MintError {
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Metadata(_) => StatusCode::BAD_REQUEST,
            Self::InProgress { .. } | Self::Pending { .. } | Self::Store(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Chain(e) if e.is_unreachable() => StatusCode::SERVICE_UNAVAILABLE,
            Self::Chain(_) | Self::Reverted { .. } | Self::TooManyAttempts { .. } => StatusCode::BAD_GATEWAY,
            Self::Record { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Whether asking again later can succeed (the dispatcher drops a job otherwise).
    pub fn is_retryable(&self) -> bool {
        !matches!(self, Self::Conflict { .. } | Self::Metadata(_))
    }
}

/// Timing of the procedure.
#[derive(Debug, Clone, Copy)]
pub struct MintTiming {
    /// How long one attempt may hold a run's lock.
    pub lock_ttl: Duration,
    /// How long to wait for a broadcast transaction to be mined.
    pub receipt_timeout: Duration,
    /// How long a request waits for another one minting the same run.
    pub busy_wait: Duration,
}

/// The answer about an award.
#[derive(Debug, Clone, PartialEq)]
pub struct MintOutcome {
    pub record: MintRecord,
    /// The award existed before this request.
    pub already_minted: bool,
}

impl MintOutcome {
    pub fn minted(&self) -> Option<&Minted> {
        self.record.minted.as_ref()
    }
}

pub struct Minter<S, L> {
    store: S,
    ledger: L,
    timing: MintTiming,
    /// Serializes signing and sending, so concurrent awards take distinct nonces.
    send: Mutex<()>,
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl<S: MintStore, L: Ledger> Minter<S, L> {
    pub fn new(store: S, ledger: L, timing: MintTiming) -> Self {
        Self { store, ledger, timing, send: Mutex::new(()) }
    }

    pub fn ledger(&self) -> &L {
        &self.ledger
    }

    /// Mints the award `req` describes, or answers with the one minted before.
    pub async fn mint(&self, req: &MintRequest) -> Result<MintOutcome, MintError> {
        let deadline = Instant::now() + self.timing.busy_wait;
        loop {
            if let Some(record) = self.load(req).await? {
                same_award(&record, req)?;
                if record.minted.is_some() {
                    return Ok(MintOutcome { record, already_minted: true });
                }
            }
            let holder = uuid::Uuid::new_v4().simple().to_string();
            if self.store.lock_mint(&req.universe, &req.run, &holder, self.timing.lock_ttl).await? {
                let result = self.attempt(req, &holder).await;
                if let Err(error) = self.store.unlock_mint(&req.universe, &req.run, &holder).await {
                    tracing::warn!(%error, universe = req.universe, run = req.run, "mint lock not released; it expires");
                }
                return result;
            }
            if Instant::now() >= deadline {
                return Err(MintError::InProgress { universe: req.universe.clone(), run: req.run.clone() });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn load(&self, req: &MintRequest) -> Result<Option<MintRecord>, MintError> {
        let Some(text) = self.store.mint_record(&req.universe, &req.run).await? else { return Ok(None) };
        let record: MintRecord = serde_json::from_str(&text).map_err(|e| MintError::Record {
            universe: req.universe.clone(),
            run: req.run.clone(),
            reason: e.to_string(),
        })?;
        if record.version != RECORD_VERSION {
            return Err(MintError::Record {
                universe: req.universe.clone(),
                run: req.run.clone(),
                reason: format!("version {} (this minter reads {RECORD_VERSION})", record.version),
            });
        }
        Ok(Some(record))
    }

    /// Writes the record under the lock; `InProgress` if the lock was lost (someone else owns
    /// the run now, and nothing may be broadcast).
    async fn save(&self, record: &MintRecord, holder: &str) -> Result<(), MintError> {
        let text = serde_json::to_string(record).map_err(|e| MintError::Record {
            universe: record.universe.clone(),
            run: record.run.clone(),
            reason: e.to_string(),
        })?;
        if self.store.put_mint_record(&record.universe, &record.run, holder, &text).await? {
            Ok(())
        } else {
            tracing::warn!(universe = record.universe, run = record.run, "mint lock expired mid-attempt");
            Err(MintError::InProgress { universe: record.universe.clone(), run: record.run.clone() })
        }
    }

    /// One attempt, holding the run's lock.
    async fn attempt(&self, req: &MintRequest, holder: &str) -> Result<MintOutcome, MintError> {
        let mut record = match self.load(req).await? {
            Some(record) => {
                same_award(&record, req)?;
                if record.minted.is_some() {
                    return Ok(MintOutcome { record, already_minted: true });
                }
                record
            }
            None => self.new_record(req)?,
        };
        // Confirmed nonce first, receipts second (see the module docs).
        let confirmed = match record.attempts.is_empty() {
            true => None,
            false => Some(self.ledger.confirmed_nonce().await?),
        };
        if let Some(outcome) = self.find_mined(&mut record, holder).await? {
            return Ok(outcome);
        }
        {
            let _sending = self.send.lock().await;
            let live = record
                .attempts
                .iter()
                .rev()
                .find(|a| !a.reverted && confirmed.is_some_and(|c| a.tx.nonce >= c))
                .map(|a| a.tx.clone());
            match live {
                Some(tx) => match self.ledger.send_raw(&tx.raw).await {
                    Ok(()) => tracing::info!(
                        hash = tx.hash,
                        nonce = tx.nonce,
                        run = req.run,
                        "mint transaction re-sent"
                    ),
                    Err(error) if error.is_unreachable() => return Err(error.into()),
                    Err(error) => {
                        tracing::warn!(%error, hash = tx.hash, "re-sending refused; replacing with the same nonce");
                        let price = replacement_price(tx.gas_price);
                        self.sign_and_send(&mut record, holder, Some(tx.nonce), Some(price)).await?;
                    }
                },
                None => self.sign_and_send(&mut record, holder, None, None).await?,
            }
        }
        self.wait_mined(&mut record, holder).await
    }

    fn new_record(&self, req: &MintRequest) -> Result<MintRecord, MintError> {
        let f = &req.fields;
        let uri = token_uri(&AwardFacts {
            universe: &req.universe,
            run: &req.run,
            faction: &f.faction,
            label: f.winner_label.as_deref(),
            tick: f.tick,
            address: &req.address,
            metadata: f.metadata.as_ref(),
        })
        .map_err(MintError::Metadata)?;
        Ok(MintRecord {
            version: RECORD_VERSION,
            mint_id: uuid::Uuid::new_v4().simple().to_string(),
            universe: req.universe.clone(),
            run: req.run.clone(),
            address: req.address.clone(),
            faction: f.faction.clone(),
            winner: f.winner.clone(),
            winner_label: f.winner_label.clone(),
            tick: f.tick,
            contract: self.ledger.contract().to_owned(),
            token_uri: uri,
            created_at: now_secs(),
            attempts: Vec::new(),
            minted: None,
        })
    }

    /// Signs a transaction, records it, then broadcasts it. A transaction the node refuses never
    /// left this process, so it is dropped from the record again.
    async fn sign_and_send(
        &self,
        record: &mut MintRecord,
        holder: &str,
        nonce: Option<u64>,
        min_gas_price: Option<u128>,
    ) -> Result<(), MintError> {
        if record.attempts.len() >= MAX_ATTEMPTS {
            return Err(MintError::TooManyAttempts {
                universe: record.universe.clone(),
                run: record.run.clone(),
            });
        }
        let tx: SignedTx =
            self.ledger.sign_mint(&record.address, &record.token_uri, nonce, min_gas_price).await?;
        record.attempts.push(Attempt { tx: tx.clone(), reverted: false });
        self.save(record, holder).await?;
        match self.ledger.send_raw(&tx.raw).await {
            Ok(()) => {
                tracing::info!(
                    hash = tx.hash,
                    nonce = tx.nonce,
                    universe = record.universe,
                    run = record.run,
                    to = record.address,
                    "mint transaction sent"
                );
                Ok(())
            }
            // Unreachable: it may have arrived; keep it (the next attempt looks for it).
            Err(error) if error.is_unreachable() => Err(error.into()),
            Err(error) => {
                record.attempts.pop();
                if let Err(save_error) = self.save(record, holder).await {
                    tracing::warn!(%save_error, "refused attempt stays recorded; it is re-checked next time");
                }
                Err(error.into())
            }
        }
    }

    /// Looks for a mined attempt: a success finalizes the record; reverts are noted.
    async fn find_mined(
        &self,
        record: &mut MintRecord,
        holder: &str,
    ) -> Result<Option<MintOutcome>, MintError> {
        let mut reverted_now = false;
        for index in 0..record.attempts.len() {
            if record.attempts[index].reverted {
                continue;
            }
            let hash = record.attempts[index].tx.hash.clone();
            match self.ledger.receipt(&hash).await? {
                Some(receipt) if receipt.success => {
                    let token_id = receipt.token_id.clone().unwrap_or_default();
                    record.minted = Some(Minted {
                        tx_hash: hash.clone(),
                        token_id,
                        block_number: receipt.block_number,
                        chain_id: self.ledger.chain_id().await?,
                        minted_at: now_secs(),
                    });
                    // The token exists whatever happens to this write; a later request finds the
                    // same receipt if it is lost.
                    if let Err(error) = self.save(record, holder).await {
                        tracing::warn!(%error, hash, "minted, but the record could not be finalized");
                    }
                    tracing::info!(
                        hash,
                        universe = record.universe,
                        run = record.run,
                        to = record.address,
                        token_id = record.minted.as_ref().map(|m| m.token_id.as_str()),
                        "award minted"
                    );
                    return Ok(Some(MintOutcome { record: record.clone(), already_minted: false }));
                }
                Some(_) => {
                    tracing::warn!(hash, run = record.run, "mint transaction reverted");
                    record.attempts[index].reverted = true;
                    reverted_now = true;
                }
                None => {}
            }
        }
        if reverted_now {
            self.save(record, holder).await?;
        }
        Ok(None)
    }

    async fn wait_mined(&self, record: &mut MintRecord, holder: &str) -> Result<MintOutcome, MintError> {
        let started = Instant::now();
        loop {
            if let Some(outcome) = self.find_mined(record, holder).await? {
                return Ok(outcome);
            }
            let pending = record.attempts.iter().rev().find(|a| !a.reverted);
            let Some(pending) = pending else {
                let tx_hash = record.attempts.last().map(|a| a.tx.hash.clone()).unwrap_or_default();
                return Err(MintError::Reverted { tx_hash });
            };
            if started.elapsed() >= self.timing.receipt_timeout {
                return Err(MintError::Pending {
                    tx_hash: pending.tx.hash.clone(),
                    waited: started.elapsed(),
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The record must be for the same recipient and faction as the request.
fn same_award(record: &MintRecord, req: &MintRequest) -> Result<(), MintError> {
    if record.address == req.address && record.faction == req.fields.faction {
        return Ok(());
    }
    Err(MintError::Conflict {
        universe: record.universe.clone(),
        run: record.run.clone(),
        address: record.address.clone(),
        faction: record.faction.clone(),
    })
}

#[cfg(test)]
mod tests;
