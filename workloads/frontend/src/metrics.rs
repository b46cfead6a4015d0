//! Prometheus metrics of the frontend worker (`GET /metrics`, OpenMetrics text).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: &'static str,
}

pub struct Metrics {
    registry: Registry,
    pub ws_clients: Gauge,
    pub ws_connections: Counter,
    pub ws_messages: Counter,
    pub ws_resyncs: Counter,
    pub frame_resends: Counter,
    pub ws_closed: Family<ReasonLabel, Counter>,
    pub events_published: Counter,
    pub events_skipped: Counter,
    pub store_errors: Counter,
    pub proxy_requests: Family<OutcomeLabel, Counter>,
    pub previews: Family<OutcomeLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("sector_frontend");
        let metrics = Self {
            ws_clients: Gauge::default(),
            ws_connections: Counter::default(),
            ws_messages: Counter::default(),
            ws_resyncs: Counter::default(),
            frame_resends: Counter::default(),
            ws_closed: Family::default(),
            events_published: Counter::default(),
            events_skipped: Counter::default(),
            store_errors: Counter::default(),
            proxy_requests: Family::default(),
            previews: Family::default(),
            registry: Registry::default(),
        };
        let r = &mut registry;
        r.register("ws_clients", "Connected /ws clients", metrics.ws_clients.clone());
        r.register("ws_connections", "Accepted /ws connections", metrics.ws_connections.clone());
        r.register("ws_messages", "Messages sent to /ws clients", metrics.ws_messages.clone());
        r.register("ws_resyncs", "Full frames sent to clients that fell behind", metrics.ws_resyncs.clone());
        r.register(
            "frame_resends",
            "Current frames re-broadcast after a new run or while idle",
            metrics.frame_resends.clone(),
        );
        r.register("ws_closed", "Closed /ws connections by reason", metrics.ws_closed.clone());
        r.register("events_published", "Stream events fanned out", metrics.events_published.clone());
        r.register("events_skipped", "Stream entries not fanned out", metrics.events_skipped.clone());
        r.register(
            "store_errors",
            "Failed reads of the event stream or snapshot",
            metrics.store_errors.clone(),
        );
        r.register(
            "proxy_requests",
            "Requests proxied to the API by outcome",
            metrics.proxy_requests.clone(),
        );
        r.register("previews", "Preview requests by outcome", metrics.previews.clone());
        Self { registry, ..metrics }
    }

    /// The OpenMetrics text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    pub fn proxy(&self, outcome: &'static str) {
        self.proxy_requests.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    pub fn preview(&self, outcome: &'static str) {
        self.previews.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    pub fn closed(&self, reason: &'static str) {
        self.ws_closed.get_or_create(&ReasonLabel { reason }).inc();
    }
}
