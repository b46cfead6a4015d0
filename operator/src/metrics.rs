//! Prometheus metrics of the operator (`/metrics`): reconciles by outcome, failures by error,
//! reconcile duration, admin actions carried to universes, and whether this replica leads.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabel {
    error: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabel {
    action: &'static str,
}

pub struct Metrics {
    registry: Registry,
    reconciles: Family<OutcomeLabel, Counter>,
    failures: Family<ErrorLabel, Counter>,
    duration: Histogram,
    actions: Family<ActionLabel, Counter>,
    leader: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("sector_operator");
        let reconciles = Family::<OutcomeLabel, Counter>::default();
        let failures = Family::<ErrorLabel, Counter>::default();
        let duration = Histogram::new(exponential_buckets(0.001, 2.0, 16));
        let actions = Family::<ActionLabel, Counter>::default();
        let leader = Gauge::default();
        registry.register("reconciles", "Reconciles by outcome (ok, error)", reconciles.clone());
        registry.register("reconcile_failures", "Failed reconciles by error", failures.clone());
        registry.register("reconcile_duration_seconds", "Time one reconcile takes", duration.clone());
        registry.register(
            "admin_actions",
            "Admin actions written to universes' control hashes",
            actions.clone(),
        );
        registry.register("leader", "1 while this replica holds the leader lease", leader.clone());
        Self { registry, reconciles, failures, duration, actions, leader }
    }

    pub fn reconciled(&self, seconds: f64, error: Option<&'static str>) {
        self.duration.observe(seconds);
        let outcome = if error.is_some() { "error" } else { "ok" };
        self.reconciles.get_or_create(&OutcomeLabel { outcome }).inc();
        if let Some(error) = error {
            self.failures.get_or_create(&ErrorLabel { error }).inc();
        }
    }

    pub fn admin_action(&self, action: &'static str) {
        self.actions.get_or_create(&ActionLabel { action }).inc();
    }

    pub fn set_leader(&self, leading: bool) {
        self.leader.set(i64::from(leading));
    }

    /// OpenMetrics text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::warn!(error = %e, "encoding metrics");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_appear_in_the_text() {
        let m = Metrics::new();
        m.reconciled(0.01, None);
        m.reconciled(0.02, Some("apply"));
        m.admin_action("Paused");
        m.set_leader(true);
        let text = m.encode();
        assert!(text.contains("sector_operator_reconciles_total{outcome=\"ok\"} 1"), "{text}");
        assert!(text.contains("sector_operator_reconcile_failures_total{error=\"apply\"} 1"));
        assert!(text.contains("sector_operator_reconcile_duration_seconds_count 2"));
        assert!(text.contains("sector_operator_admin_actions_total{action=\"Paused\"} 1"));
        assert!(text.contains("sector_operator_leader 1"));
    }
}
