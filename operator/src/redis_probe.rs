//! Reading a universe's Redis without holding a reconcile slot for it. A read runs as its own
//! task (at most `limit` at once); the reconcile waits for it only briefly. A Redis that answers
//! at once (the usual case) is read within the reconcile as before; a slow one — a name lookup
//! that hangs, a server that accepts and never answers — lets the reconcile finish with what
//! was known, and the read's completion triggers a new reconcile of that universe. So one slow
//! Redis costs a background task, never another universe's turn.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use kube::runtime::reflector::ObjectRef;
use tokio::sync::{Semaphore, mpsc};

use crate::crd::SectorUniverse;
use crate::live::Live;

/// What a read found: the open store and the live state, or why not.
pub type Outcome<S> = Result<(S, Live), String>;

/// A finished read nobody took is used by the next reconcile if it is younger than this.
const FRESH: Duration = Duration::from_secs(30);

struct InFlight<S> {
    outcome: Shared<BoxFuture<'static, Outcome<S>>>,
    /// A reconcile is waiting for it (so its completion needs no trigger).
    awaited: bool,
    /// Set by the read itself, under the lock, when it finished.
    finished: Option<(Instant, Outcome<S>)>,
}

type Reads<S> = Arc<Mutex<HashMap<String, InFlight<S>>>>;

/// The reads in flight, by universe (`namespace/name`).
pub struct Probes<S: Clone + Send + Sync + 'static> {
    reads: Reads<S>,
    permits: Arc<Semaphore>,
    done: mpsc::UnboundedSender<ObjectRef<SectorUniverse>>,
    done_rx: Mutex<Option<mpsc::UnboundedReceiver<ObjectRef<SectorUniverse>>>>,
}

fn lock<S>(reads: &Reads<S>) -> std::sync::MutexGuard<'_, HashMap<String, InFlight<S>>> {
    reads.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<S: Clone + Send + Sync + 'static> Probes<S> {
    /// At most `limit` reads at once (each may hold a thread for a name lookup).
    pub fn new(limit: usize) -> Self {
        let (done, done_rx) = mpsc::unbounded_channel();
        Self {
            reads: Arc::default(),
            permits: Arc::new(Semaphore::new(limit.max(1))),
            done,
            done_rx: Mutex::new(Some(done_rx)),
        }
    }

    /// The universes whose read finished while no reconcile waited (taken once, by the runner).
    pub fn take_finished(&self) -> Option<mpsc::UnboundedReceiver<ObjectRef<SectorUniverse>>> {
        self.done_rx.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }

    /// A read of this universe is running, or finished and not taken yet.
    pub fn pending(&self, key: &str) -> bool {
        lock(&self.reads)
            .get(key)
            .is_some_and(|r| r.finished.as_ref().is_none_or(|(at, _)| at.elapsed() < FRESH))
    }

    /// A read of this universe is still running.
    pub fn running(&self, key: &str) -> bool {
        lock(&self.reads).get(key).is_some_and(|r| r.finished.is_none())
    }

    /// Joins the universe's read in flight, or starts `read`; waits for it at most `wait`.
    /// `None`: still running (its completion sends `universe` to [`Self::take_finished`]'s
    /// receiver).
    pub async fn read(
        &self,
        key: &str,
        universe: ObjectRef<SectorUniverse>,
        wait: Duration,
        read: impl Future<Output = Outcome<S>> + Send + 'static,
    ) -> Option<Outcome<S>> {
        let outcome = {
            let mut reads = lock(&self.reads);
            if reads
                .get(key)
                .is_some_and(|r| r.finished.as_ref().is_some_and(|(at, _)| at.elapsed() >= FRESH))
            {
                reads.remove(key);
            }
            match reads.get_mut(key) {
                Some(in_flight) => {
                    in_flight.awaited = true;
                    in_flight.outcome.clone()
                }
                None => {
                    let outcome = self.spawn(key, universe, read);
                    reads.insert(
                        key.to_owned(),
                        InFlight { outcome: outcome.clone(), awaited: true, finished: None },
                    );
                    outcome
                }
            }
        };
        let answered = tokio::time::timeout(wait, outcome).await.ok();
        let mut reads = lock(&self.reads);
        let finished =
            answered.or_else(|| reads.get_mut(key).and_then(|r| r.finished.take().map(|(_, o)| o)));
        match finished {
            Some(outcome) => {
                reads.remove(key);
                Some(outcome)
            }
            None => {
                if let Some(in_flight) = reads.get_mut(key) {
                    in_flight.awaited = false;
                }
                None
            }
        }
    }

    fn spawn(
        &self,
        key: &str,
        universe: ObjectRef<SectorUniverse>,
        read: impl Future<Output = Outcome<S>> + Send + 'static,
    ) -> Shared<BoxFuture<'static, Outcome<S>>> {
        let (reads, permits, done, key) =
            (self.reads.clone(), self.permits.clone(), self.done.clone(), key.to_owned());
        let task = async move {
            let outcome = match permits.acquire_owned().await {
                Ok(_permit) => read.await,
                Err(_) => Err("the operator is shutting down".to_owned()),
            };
            let notify = {
                let mut reads = lock(&reads);
                match reads.get_mut(&key) {
                    Some(in_flight) => {
                        in_flight.finished = Some((Instant::now(), outcome.clone()));
                        !in_flight.awaited
                    }
                    None => false,
                }
            };
            if notify {
                // Nobody waits: have the controller reconcile the universe with the answer.
                let _ = done.send(universe);
            }
            outcome
        }
        .boxed()
        .shared();
        tokio::spawn(task.clone());
        task
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn universe() -> ObjectRef<SectorUniverse> {
        ObjectRef::new("blue").within("games")
    }

    #[tokio::test]
    async fn a_quick_read_is_answered_within_the_reconcile() {
        let probes = Probes::<u8>::new(4);
        let outcome = probes
            .read("games/blue", universe(), Duration::from_secs(1), async { Ok((7, Live::default())) })
            .await;
        assert_eq!(outcome.map(|o| o.map(|(s, _)| s)), Some(Ok(7)));
        assert!(!probes.pending("games/blue"));
        let mut finished = probes.take_finished().expect("receiver");
        assert!(finished.try_recv().is_err(), "no trigger for a read taken at once");
    }

    #[tokio::test]
    async fn a_slow_read_frees_the_reconcile_and_triggers_another_when_done() {
        let probes = Probes::<u8>::new(4);
        let mut finished = probes.take_finished().expect("receiver");
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let slow = async move {
            let _ = released.await;
            Err("no answer".to_owned())
        };
        let outcome = probes.read("games/blue", universe(), Duration::from_millis(20), slow).await;
        assert!(outcome.is_none(), "the reconcile does not wait for a slow Redis");
        assert!(probes.pending("games/blue") && probes.running("games/blue"));
        // A second reconcile joins the same read instead of starting another.
        let never = async { panic!("a second read was started") };
        assert!(probes.read("games/blue", universe(), Duration::from_millis(20), never).await.is_none());
        release.send(()).expect("read waiting");
        let triggered = tokio::time::timeout(Duration::from_secs(5), finished.recv()).await.expect("trigger");
        assert_eq!(triggered, Some(universe()));
        let never = async { panic!("the finished read is used") };
        let outcome = probes.read("games/blue", universe(), Duration::from_millis(20), never).await;
        assert_eq!(outcome.map(|o| o.map(|(s, _)| s)), Some(Err("no answer".to_owned())));
        assert!(!probes.pending("games/blue"));
    }
}
