//! Prometheus metrics (`GET /metrics`): requests by route and status, latency by route,
//! orders accepted / dropped / rejected, logins and rate-limit refusals.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sector_store::Store;

use crate::rate_limit::Scope;
use crate::state::AppState;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabel {
    pub route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OrderLabels {
    pub source: &'static str,
    pub outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ScopeLabel {
    pub scope: &'static str,
}

type HistogramFamily = Family<RouteLabel, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 100 µs … ~1.6 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 15))
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    orders: Family<OrderLabels, Counter>,
    logins: Family<ResultLabel, Counter>,
    rate_limited: Family<ScopeLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("sector_api");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let orders = Family::<OrderLabels, Counter>::default();
        let logins = Family::<ResultLabel, Counter>::default();
        let rate_limited = Family::<ScopeLabel, Counter>::default();
        registry.register("http_requests", "HTTP requests by method, route and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency by route", latency.clone());
        registry.register(
            "orders",
            "Orders by source (bot/human) and outcome (accepted, dropped for a claimed faction, rejected)",
            orders.clone(),
        );
        registry.register("logins", "Wallet login attempts by result", logins.clone());
        registry.register("rate_limited", "Requests refused by a rate limit, by scope", rate_limited.clone());
        Self { registry, requests, latency, orders, logins, rate_limited }
    }

    /// Counts `n` orders of `source` with `outcome`.
    pub fn orders(&self, source: &'static str, outcome: &'static str, n: usize) {
        if n > 0 {
            self.orders.get_or_create(&OrderLabels { source, outcome }).inc_by(n as u64);
        }
    }

    pub fn login(&self, result: &'static str) {
        self.logins.get_or_create(&ResultLabel { result }).inc();
    }

    pub fn rate_limited(&self, scope: Scope) {
        self.rate_limited.get_or_create(&ScopeLabel { scope: scope.as_str() }).inc();
    }

    /// OpenMetrics text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(%error, "metrics encoding failed");
        }
        out
    }
}

/// Middleware recording every request's route, status and latency.
pub async fn track<S: Store>(State(state): State<AppState<S>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().as_str().to_owned();
    let response = next.run(req).await;
    let metrics = state.metrics();
    metrics
        .latency
        .get_or_create(&RouteLabel { route: route.clone() })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels { method, route, status: response.status().as_u16() })
        .inc();
    response
}
