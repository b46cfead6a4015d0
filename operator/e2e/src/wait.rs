//! Polling until the cluster reaches a state: the operator and the controllers act
//! asynchronously, so every assertion on their results waits for it, with a bound.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

const POLL: Duration = Duration::from_millis(250);

/// Polls `check` until it yields `Some`, or fails after `limit` with the last `None` reason.
/// `check` returns `Ok(Err(reason))` while waiting, so a timeout says what was last seen.
pub async fn until<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Result<T, String>>>,
{
    let started = Instant::now();
    loop {
        let last = match check().await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(reason)) => reason,
            // API hiccups while objects come and go are retried like a false condition.
            Err(e) => format!("{e:#}"),
        };
        if started.elapsed() >= limit {
            bail!("timed out after {:?} waiting for {what}: {last}", limit);
        }
        tokio::time::sleep(POLL).await;
    }
}
