//! The idempotency procedure against a scripted chain: crashes, lost broadcasts, spent nonces,
//! refusals and concurrent requests, each ending with exactly one token.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex as StdMutex};

use sector_store::MemoryStore;
use serde_json::json;

use super::*;
use crate::ledger::MintReceipt;
use crate::request::{MintFields, MintRequest};

#[derive(Default)]
struct FakeState {
    down: bool,
    refuse: Option<String>,
    auto_mine: bool,
    /// Mined transactions of the signer (its next nonce).
    confirmed: u64,
    pool: BTreeMap<String, SignedTx>,
    by_raw: HashMap<String, SignedTx>,
    receipts: HashMap<String, MintReceipt>,
    signed: usize,
    tokens: Vec<(String, String)>,
}

#[derive(Default)]
struct FakeChain(StdMutex<FakeState>);

impl FakeChain {
    fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        f(&mut self.0.lock().unwrap())
    }

    fn mine(state: &mut FakeState, tx: &SignedTx) {
        if tx.nonce != state.confirmed || state.receipts.contains_key(&tx.hash) {
            return;
        }
        state.confirmed += 1;
        state.pool.retain(|_, t| t.nonce != tx.nonce);
        state.tokens.push((tx.hash.clone(), tx.raw.clone()));
        let token_id = state.tokens.len().to_string();
        state.receipts.insert(
            tx.hash.clone(),
            MintReceipt { success: true, token_id: Some(token_id), block_number: state.confirmed },
        );
    }

    fn mine_pool(&self) {
        self.with(|s| {
            let mut pending: Vec<SignedTx> = s.pool.values().cloned().collect();
            pending.sort_by_key(|t| t.nonce);
            for tx in pending {
                Self::mine(s, &tx);
            }
        });
    }

    /// Another transaction of the same key takes the next nonce.
    fn spend_nonce(&self) {
        self.with(|s| {
            let n = s.confirmed;
            s.pool.retain(|_, t| t.nonce != n);
            s.confirmed += 1;
        });
    }

    fn check_up(state: &FakeState) -> Result<(), ChainError> {
        if state.down { Err(ChainError::Unreachable("fake chain down".into())) } else { Ok(()) }
    }
}

impl Ledger for Arc<FakeChain> {
    fn contract(&self) -> &str {
        "0x00000000000000000000000000000000000000aa"
    }

    async fn chain_id(&self) -> Result<u64, ChainError> {
        Ok(1337)
    }

    async fn sign_mint(
        &self,
        to: &str,
        uri: &str,
        nonce: Option<u64>,
        min_gas_price: Option<u128>,
    ) -> Result<SignedTx, ChainError> {
        self.with(|s| {
            FakeChain::check_up(s)?;
            s.signed += 1;
            let nonce = nonce.unwrap_or(s.confirmed + s.pool.len() as u64);
            let tx = SignedTx {
                hash: format!("0x{:064x}", s.signed),
                raw: format!("raw:{}:{to}:{}", s.signed, uri.len()),
                nonce,
                gas_price: min_gas_price.unwrap_or(10),
            };
            s.by_raw.insert(tx.raw.clone(), tx.clone());
            Ok(tx)
        })
    }

    async fn send_raw(&self, raw: &str) -> Result<(), ChainError> {
        self.with(|s| {
            FakeChain::check_up(s)?;
            if let Some(reason) = &s.refuse {
                return Err(ChainError::Rejected(reason.clone()));
            }
            let tx = s.by_raw.get(raw).cloned().ok_or_else(|| ChainError::Rejected("unknown tx".into()))?;
            if tx.nonce < s.confirmed {
                return Err(ChainError::Rejected("nonce too low".into()));
            }
            if s.auto_mine {
                FakeChain::mine(s, &tx);
            } else {
                s.pool.insert(tx.hash.clone(), tx);
            }
            Ok(())
        })
    }

    async fn receipt(&self, hash: &str) -> Result<Option<MintReceipt>, ChainError> {
        self.with(|s| {
            FakeChain::check_up(s)?;
            Ok(s.receipts.get(hash).cloned())
        })
    }

    async fn confirmed_nonce(&self) -> Result<u64, ChainError> {
        self.with(|s| {
            FakeChain::check_up(s)?;
            Ok(s.confirmed)
        })
    }
}

fn request(run: &str, address: &str) -> MintRequest {
    let fields = MintFields {
        universe_id: run.into(),
        winner: "F1".into(),
        winner_label: Some("Empire".into()),
        tick: Some(40),
        address: address.into(),
        faction: "F1".into(),
        timestamp: None,
        metadata: json!({"season": 1}).as_object().cloned(),
        universe: None,
    };
    MintRequest::check(fields, "blue").expect("valid request")
}

const ALICE: &str = "0x1111111111111111111111111111111111111111";
const BOB: &str = "0x2222222222222222222222222222222222222222";

fn minter_on(chain: &Arc<FakeChain>) -> (Arc<Minter<MemoryStore, Arc<FakeChain>>>, MemoryStore) {
    let timing = MintTiming {
        lock_ttl: Duration::from_secs(10),
        receipt_timeout: Duration::from_millis(300),
        busy_wait: Duration::from_secs(10),
    };
    let store = MemoryStore::new();
    (Arc::new(Minter::new(store.clone(), chain.clone(), timing)), store)
}

fn minter(chain: &Arc<FakeChain>) -> Arc<Minter<MemoryStore, Arc<FakeChain>>> {
    minter_on(chain).0
}

fn token(outcome: &MintOutcome) -> (&str, &str) {
    let minted = outcome.minted().expect("minted");
    (minted.token_id.as_str(), minted.tx_hash.as_str())
}

#[tokio::test]
async fn mints_once_and_answers_repeats_from_the_record() {
    let chain = Arc::new(FakeChain::default());
    chain.with(|s| s.auto_mine = true);
    let m = minter(&chain);
    let first = m.mint(&request("5", ALICE)).await.expect("mint");
    assert!(!first.already_minted);
    assert_eq!(token(&first).0, "1");
    let again = m.mint(&request("5", ALICE)).await.expect("repeat");
    assert!(again.already_minted);
    assert_eq!(token(&again), token(&first));
    assert_eq!(again.record.mint_id, first.record.mint_id, "the same award keeps its id");
    assert_eq!(chain.with(|s| (s.signed, s.tokens.len())), (1, 1), "no second transaction");

    let other_run = m.mint(&request("6", ALICE)).await.expect("another run");
    assert_eq!(token(&other_run).0, "2");
    match m.mint(&request("5", BOB)).await {
        Err(e @ MintError::Conflict { .. }) => {
            assert_eq!(e.status(), axum::http::StatusCode::CONFLICT);
            assert!(!e.is_retryable());
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_identical_requests_mint_once() {
    let chain = Arc::new(FakeChain::default());
    let m = minter(&chain);
    // Nothing is mined until every request is in flight.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(async move { m.mint(&request("5", ALICE)).await })
        })
        .collect();
    let pending = loop {
        if let Some(tx) = chain.with(|s| s.pool.values().next().cloned()) {
            break tx;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    chain.mine_pool();
    let mut tokens = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(outcome) => tokens.push(token(&outcome).1.to_owned()),
            // The first request may time out waiting; the token exists all the same.
            Err(MintError::Pending { tx_hash, .. }) => tokens.push(tx_hash),
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert!(tokens.iter().all(|t| *t == pending.hash), "{tokens:?}");
    assert_eq!(chain.with(|s| (s.signed, s.tokens.len())), (1, 1));
}

#[tokio::test]
async fn a_sent_but_unmined_transaction_is_found_again_not_repeated() {
    let chain = Arc::new(FakeChain::default());
    let m = minter(&chain);
    let pending = match m.mint(&request("5", ALICE)).await {
        Err(e @ MintError::Pending { .. }) => {
            assert_eq!(e.status(), axum::http::StatusCode::SERVICE_UNAVAILABLE);
            e
        }
        other => panic!("expected Pending, got {other:?}"),
    };
    // Still unmined: the retry broadcasts the same transaction again, it signs nothing new.
    assert!(matches!(m.mint(&request("5", ALICE)).await, Err(MintError::Pending { .. })));
    chain.mine_pool();
    let done = m.mint(&request("5", ALICE)).await.expect("mined meanwhile");
    let MintError::Pending { tx_hash, .. } = pending else { unreachable!() };
    assert_eq!(token(&done).1, tx_hash);
    assert_eq!(chain.with(|s| (s.signed, s.tokens.len())), (1, 1));
}

#[tokio::test]
async fn a_recorded_but_unsent_transaction_is_sent_with_the_same_hash() {
    let chain = Arc::new(FakeChain::default());
    chain.with(|s| s.auto_mine = true);
    let (m, store) = minter_on(&chain);
    // A minter crashed between recording its transaction and broadcasting it.
    let req = request("5", ALICE);
    let mut record = m.new_record(&req).expect("record");
    let signed = chain.sign_mint(ALICE, &record.token_uri, None, None).await.expect("sign");
    record.attempts.push(Attempt { tx: signed.clone(), reverted: false });
    assert!(store.lock_mint("blue", "5", "crashed", Duration::from_secs(10)).await.unwrap());
    store.put_mint_record("blue", "5", "crashed", &serde_json::to_string(&record).unwrap()).await.unwrap();
    store.unlock_mint("blue", "5", "crashed").await.unwrap();

    let done = m.mint(&req).await.expect("resumed");
    assert_eq!(token(&done).1, signed.hash, "the recorded transaction, not a new one");
    assert_eq!(done.record.mint_id, record.mint_id);
    assert_eq!(chain.with(|s| (s.signed, s.tokens.len())), (1, 1));
}

#[tokio::test]
async fn an_attempt_whose_nonce_was_spent_elsewhere_is_replaced() {
    let chain = Arc::new(FakeChain::default());
    let m = minter(&chain);
    assert!(matches!(m.mint(&request("5", ALICE)).await, Err(MintError::Pending { .. })));
    // Another transaction of the key takes nonce 0: the recorded attempt can never be mined.
    chain.spend_nonce();
    chain.with(|s| s.auto_mine = true);
    let done = m.mint(&request("5", ALICE)).await.expect("minted with a new nonce");
    assert_eq!(done.record.attempts.len(), 2);
    assert_eq!(done.record.attempts[1].tx.nonce, 1);
    assert_eq!(chain.with(|s| s.tokens.len()), 1);
}

#[tokio::test]
async fn a_refused_rebroadcast_is_replaced_with_the_same_nonce_and_a_higher_price() {
    let chain = Arc::new(FakeChain::default());
    let m = minter(&chain);
    assert!(matches!(m.mint(&request("5", ALICE)).await, Err(MintError::Pending { .. })));
    // The node dropped it and now refuses the old bytes (e.g. underpriced).
    chain.with(|s| {
        s.pool.clear();
        s.refuse = Some("transaction underpriced".into());
    });
    let refused = m.mint(&request("5", ALICE)).await;
    assert!(matches!(refused, Err(MintError::Chain(ChainError::Rejected(_)))), "{refused:?}");
    chain.with(|s| {
        s.refuse = None;
        s.auto_mine = true;
    });
    // The old bytes are accepted again now; either way one nonce, one token.
    let done = m.mint(&request("5", ALICE)).await.expect("minted");
    assert!(done.record.attempts.iter().all(|a| a.tx.nonce == 0));
    assert_eq!(chain.with(|s| s.tokens.len()), 1);
}

#[tokio::test]
async fn chain_outages_and_refusals_leave_nothing_behind() {
    let chain = Arc::new(FakeChain::default());
    let m = minter(&chain);
    chain.with(|s| s.down = true);
    match m.mint(&request("5", ALICE)).await {
        Err(e) => {
            assert_eq!(e.status(), axum::http::StatusCode::SERVICE_UNAVAILABLE, "{e}");
            assert!(e.is_retryable());
        }
        Ok(_) => panic!("minted on a dead chain"),
    }
    chain.with(|s| {
        s.down = false;
        s.refuse = Some("insufficient funds for gas".into());
    });
    match m.mint(&request("5", ALICE)).await {
        Err(e) => {
            assert_eq!(e.status(), axum::http::StatusCode::BAD_GATEWAY, "{e}");
            assert!(e.to_string().contains("insufficient funds"), "{e}");
        }
        Ok(_) => panic!("minted without funds"),
    }
    chain.with(|s| {
        s.refuse = None;
        s.auto_mine = true;
    });
    let done = m.mint(&request("5", ALICE)).await.expect("minted once funded");
    assert_eq!(done.record.attempts.len(), 1, "the refused attempt was forgotten");
    assert_eq!(chain.with(|s| s.tokens.len()), 1);
}
