//! The award dispatcher: drains the universe's award queue (`{p}:awards`, filled by the sim's
//! run-end commit) into the minter, in this process.
//!
//! Why here and not in the sim: the sim's tick loop then never depends on the chain, holds no
//! minter credentials and has no retry state; the queue and the minter's idempotency records
//! live in the same Redis, so a job is completed (removed) only after its token exists, and a
//! crash in between costs one idempotent repeat (answered from the record). Several minter
//! replicas may drain the same queue: the per-run lock makes them mint once.
//!
//! Failures never block the sim or the next run: jobs wait in Redis. A failure worth retrying
//! (chain or Redis down, transaction pending) pauses the queue with exponential backoff (1 s,
//! doubling, capped at `MINTER_RETRY_MAX_MS`); a job that can never succeed (an address the
//! chain cannot take, a run awarded to someone else) is logged at error level and dropped.

use std::sync::Arc;
use std::time::Duration;

use sector_store::{AwardJob, AwardStore, MintStore};
use tokio::sync::watch;

use crate::ledger::Ledger;
use crate::mint::{MintError, Minter};
use crate::request::{MintFields, MintRequest};

/// Jobs read per round.
const BATCH: usize = 16;
/// Pause between looks at an empty queue.
pub const IDLE_POLL: Duration = Duration::from_millis(500);
const FIRST_RETRY: Duration = Duration::from_secs(1);

pub struct Dispatcher<S, L> {
    pub store: S,
    pub minter: Arc<Minter<S, L>>,
    /// The universe name awards are minted under.
    pub universe: String,
    pub retry_max: Duration,
    pub idle_poll: Duration,
}

enum Delivery {
    Done,
    Retry(MintError),
}

impl<S, L> Dispatcher<S, L>
where
    S: MintStore + AwardStore + Clone + Send + Sync + 'static,
    L: Ledger,
{
    /// Runs until `shutdown` turns true (or its sender is dropped).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(universe = self.universe, "award dispatcher started");
        let mut retry = FIRST_RETRY.min(self.retry_max);
        loop {
            if *shutdown.borrow() {
                break;
            }
            let wait = match self.round().await {
                Ok(true) => {
                    retry = FIRST_RETRY.min(self.retry_max);
                    Duration::ZERO
                }
                Ok(false) => self.idle_poll,
                Err(error) => {
                    tracing::warn!(%error, retry_in_ms = retry.as_millis() as u64, "award not minted yet; will retry");
                    let wait = retry;
                    retry = (retry * 2).min(self.retry_max);
                    wait
                }
            };
            if !wait.is_zero() {
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    changed = shutdown.changed() => if changed.is_err() { break },
                }
            }
        }
        tracing::info!("award dispatcher stopped");
    }

    /// Delivers queued jobs in order; `Ok(true)` if any was taken off the queue.
    async fn round(&self) -> Result<bool, MintError> {
        let jobs = self.store.pending_awards(BATCH).await?;
        let any = !jobs.is_empty();
        for job in jobs {
            match self.deliver(&job).await {
                Delivery::Done => {
                    self.store.complete_award(job.id).await?;
                }
                Delivery::Retry(error) => return Err(error),
            }
        }
        Ok(any)
    }

    async fn deliver(&self, job: &AwardJob) -> Delivery {
        let Some(award) = &job.award else {
            tracing::error!(id = %job.id, "award queue entry is not an award; dropped");
            return Delivery::Done;
        };
        let fields = MintFields {
            universe_id: award.universe_id.clone(),
            winner: award.winner.clone(),
            winner_label: Some(award.winner_label.clone()),
            tick: i64::try_from(award.tick).ok(),
            address: award.address.clone(),
            faction: award.faction.clone(),
            timestamp: i64::try_from(job.queued_at()).ok(),
            metadata: None,
            universe: None,
        };
        let request = match MintRequest::check(fields, &self.universe) {
            Ok(request) => request,
            Err(error) => {
                tracing::error!(id = %job.id, run = award.universe_id, address = award.address, %error,
                    "award cannot be minted; dropped");
                return Delivery::Done;
            }
        };
        match self.minter.mint(&request).await {
            Ok(outcome) => {
                let minted = outcome.minted();
                tracing::info!(
                    run = award.universe_id,
                    address = request.address,
                    token_id = minted.map(|m| m.token_id.as_str()),
                    tx_hash = minted.map(|m| m.tx_hash.as_str()),
                    already_minted = outcome.already_minted,
                    "award delivered"
                );
                Delivery::Done
            }
            Err(error) if !error.is_retryable() => {
                tracing::error!(id = %job.id, run = award.universe_id, %error, "award cannot be minted; dropped");
                Delivery::Done
            }
            Err(error) => Delivery::Retry(error),
        }
    }
}
