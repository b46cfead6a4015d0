//! What the operator costs the API server, from the server's own counter
//! `apiserver_request_total` (`kubectl get --raw /metrics`): two readings a window apart give
//! requests per universe per minute by verb and resource.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Result;

use crate::suite::Suite;

/// Kinds the operator reads or writes (controllers' own kinds, pods, nodes and leases are not
/// counted: kwok and the controllers write those).
const OPERATOR_RESOURCES: &[&str] = &[
    "sectoruniverses",
    "secrets",
    "configmaps",
    "services",
    "statefulsets",
    "deployments",
    "networkpolicies",
    "ingresses",
    "poddisruptionbudgets",
    "serviceaccounts",
    "roles",
    "rolebindings",
    "events",
    "httproutes",
];
const WRITES: &[&str] = &["POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"];

/// One reading: `apiserver_request_total` by (verb, resource/subresource) for the operator's
/// kinds.
#[derive(Clone)]
pub struct Reading(BTreeMap<(String, String), f64>);

pub async fn read(s: &Suite) -> Result<Reading> {
    let text = s.kubectl.run(&["get", "--raw", "/metrics"]).await?;
    let mut counts = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("apiserver_request_total{")) {
        let Some((labels, value)) = line.rsplit_once(' ') else { continue };
        let label = |name: &str| {
            labels
                .split(&format!("{name}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_default()
                .to_owned()
        };
        let resource = label("resource");
        if !OPERATOR_RESOURCES.contains(&resource.as_str()) {
            continue;
        }
        let sub = label("subresource");
        let resource = if sub.is_empty() { resource } else { format!("{resource}/{sub}") };
        *counts.entry((label("verb"), resource)).or_insert(0.0) += value.parse::<f64>().unwrap_or(0.0);
    }
    Ok(Reading(counts))
}

/// Requests between two readings, per universe per minute.
pub struct Rates {
    /// (verb, resource, rate), only those that happened; WATCH is left out (a watch is one
    /// long request, counted when it starts).
    pub rows: Vec<(String, String, f64)>,
    pub writes: f64,
    /// GETs and LISTs.
    pub reads: f64,
}

impl Rates {
    pub fn between(before: &Reading, after: &Reading, universes: usize, window: Duration) -> Self {
        let per_universe_minute = |n: f64| n / universes.max(1) as f64 / (window.as_secs_f64() / 60.0);
        let mut rates = Rates { rows: Vec::new(), writes: 0.0, reads: 0.0 };
        for ((verb, resource), value) in &after.0 {
            let delta = value - before.0.get(&(verb.clone(), resource.clone())).copied().unwrap_or(0.0);
            if delta <= 0.0 || verb == "WATCH" {
                continue;
            }
            let rate = per_universe_minute(delta);
            rates.rows.push((verb.clone(), resource.clone(), rate));
            if WRITES.contains(&verb.as_str()) {
                rates.writes += rate;
            } else {
                rates.reads += rate;
            }
        }
        rates
    }

    /// The table, one `verb resource rate` line each.
    pub fn print(&self) {
        for (verb, resource, rate) in &self.rows {
            println!("  {verb:<8} {resource:<28} {rate:.3}");
        }
    }
}
