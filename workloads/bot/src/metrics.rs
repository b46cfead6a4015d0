//! The worker's counters. Shared (`Arc`) with the caller, which may read them at any time, e.g.
//! to expose them over HTTP or to assert on them in tests.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters; read a consistent-enough copy with [`BotMetrics::snapshot`].
#[derive(Debug, Default)]
pub struct BotMetrics {
    orders_posted: AtomicU64,
    ticks_acted: AtomicU64,
    ticks_skipped: AtomicU64,
    post_failures: AtomicU64,
    runs_started: AtomicU64,
    store_errors: AtomicU64,
    driven_factions: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MetricsSnapshot {
    /// Orders delivered to the sink (API or order stream).
    pub orders_posted: u64,
    /// Ticks the AI ran on (at most once per tick).
    pub ticks_acted: u64,
    /// Ticks of a run never acted on because a later snapshot was seen first.
    pub ticks_skipped: u64,
    /// Order batches the sink could not deliver (no API found, post failed).
    pub post_failures: u64,
    /// Runs (universe, map seed) the puppet was created for.
    pub runs_started: u64,
    /// Store operations that failed (the loop retries after the poll interval).
    pub store_errors: u64,
    /// Factions this replica drove at its last action (a gauge).
    pub driven_factions: u64,
}

impl BotMetrics {
    pub fn snapshot(&self) -> MetricsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        MetricsSnapshot {
            orders_posted: get(&self.orders_posted),
            ticks_acted: get(&self.ticks_acted),
            ticks_skipped: get(&self.ticks_skipped),
            post_failures: get(&self.post_failures),
            runs_started: get(&self.runs_started),
            store_errors: get(&self.store_errors),
            driven_factions: get(&self.driven_factions),
        }
    }

    pub(crate) fn orders_posted(&self, n: usize) {
        self.orders_posted.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn tick_acted(&self) {
        self.ticks_acted.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn ticks_skipped(&self, n: u64) {
        self.ticks_skipped.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn post_failed(&self) {
        self.post_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn run_started(&self) {
        self.runs_started.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn store_error(&self) {
        self.store_errors.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn set_driven(&self, n: usize) {
        self.driven_factions.store(n as u64, Ordering::Relaxed);
    }
}
