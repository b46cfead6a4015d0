//! Prometheus metrics of the worker (`/metrics`, text exposition format).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sector_store::StoreError;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabel {
    pub state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: &'static str,
}

/// The worker's metrics. Cheap to update from the tick loop (atomics).
pub struct Metrics {
    registry: Registry,
    pub ticks: Counter,
    pub tick_duration: Histogram,
    pub orders_applied: Counter,
    pub orders_rejected: Family<ReasonLabel, Counter>,
    pub bad_messages: Family<ReasonLabel, Counter>,
    pub lease_state: Family<StateLabel, Gauge>,
    pub lease_transitions: Counter,
    pub store_errors: Family<KindLabel, Counter>,
    pub recoveries: Family<KindLabel, Counter>,
    pub runs_started: Family<ReasonLabel, Counter>,
    pub tick: Gauge,
    pub paused: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("sector_sim");
        let metrics = Self {
            ticks: Counter::default(),
            // 0.5 ms … ~4 s.
            tick_duration: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            orders_applied: Counter::default(),
            orders_rejected: Family::default(),
            bad_messages: Family::default(),
            lease_state: Family::default(),
            lease_transitions: Counter::default(),
            store_errors: Family::default(),
            recoveries: Family::default(),
            runs_started: Family::default(),
            tick: Gauge::default(),
            paused: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register("ticks", "Ticks committed", metrics.ticks.clone());
        registry.register(
            "tick_duration_seconds",
            "Time to compute and commit one tick",
            metrics.tick_duration.clone(),
        );
        registry.register(
            "orders_applied",
            "Orders handed to the rules that passed validation (direct orders and route hops)",
            metrics.orders_applied.clone(),
        );
        registry.register(
            "orders_rejected",
            "Orders dropped before or by validation, by reason",
            metrics.orders_rejected.clone(),
        );
        registry.register(
            "bad_messages",
            "Order-stream messages refused as malformed (acknowledged and skipped), by reason",
            metrics.bad_messages.clone(),
        );
        registry.register(
            "lease_state",
            "1 for the worker's current lease role",
            metrics.lease_state.clone(),
        );
        registry.register(
            "lease_transitions",
            "Changes between leader and standby",
            metrics.lease_transitions.clone(),
        );
        registry.register(
            "store_errors",
            "Failed store operations, by error kind",
            metrics.store_errors.clone(),
        );
        registry.register(
            "recoveries",
            "State recoveries from the store, by outcome",
            metrics.recoveries.clone(),
        );
        registry.register("runs_started", "New runs started, by cause", metrics.runs_started.clone());
        registry.register("tick", "Current tick of the run", metrics.tick.clone());
        registry.register("paused", "1 while the run is paused", metrics.paused.clone());
        for state in ["leader", "standby"] {
            metrics.lease_state.get_or_create(&StateLabel { state }).set(0);
        }
        Self { registry, ..metrics }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    pub fn store_error(&self, error: &StoreError) {
        let kind = match error {
            StoreError::Unavailable(_) => "unavailable",
            StoreError::Fenced { .. } => "fenced",
            StoreError::Invalid { .. } => "invalid",
            StoreError::Backend(_) => "backend",
        };
        self.store_errors.get_or_create(&KindLabel { kind }).inc();
    }

    pub fn reject(&self, reason: &'static str, count: u64) {
        if count > 0 {
            self.orders_rejected.get_or_create(&ReasonLabel { reason }).inc_by(count);
        }
    }

    pub fn set_leader(&self, leader: bool) {
        self.lease_state.get_or_create(&StateLabel { state: "leader" }).set(i64::from(leader));
        self.lease_state.get_or_create(&StateLabel { state: "standby" }).set(i64::from(!leader));
    }

    /// Store errors of every kind so far.
    pub fn store_error_count(&self) -> u64 {
        ["unavailable", "fenced", "invalid", "backend"]
            .into_iter()
            .map(|kind| self.store_errors.get_or_create(&KindLabel { kind }).get())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prefixed_families() {
        let m = Metrics::new();
        m.ticks.inc();
        m.reject("no_path", 2);
        m.set_leader(true);
        m.tick_duration.observe(0.002);
        let text = m.render();
        assert!(text.contains("sector_sim_ticks_total 1"), "{text}");
        assert!(text.contains(r#"sector_sim_orders_rejected_total{reason="no_path"} 2"#), "{text}");
        assert!(text.contains(r#"sector_sim_lease_state{state="leader"} 1"#), "{text}");
        assert!(text.contains("sector_sim_tick_duration_seconds_bucket"), "{text}");
    }
}
