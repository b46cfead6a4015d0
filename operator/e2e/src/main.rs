//! The operator's end-to-end suite against a real control plane (kube-apiserver, etcd,
//! kube-controller-manager, kube-scheduler and kwok from `scripts/cluster.sh start`).
//!
//! It installs the chart with helm as an admin would, runs the operator binary as the chart's
//! ServiceAccount, then runs the scenarios in `scenarios/` in order and ends with the line
//! `cluster e2e: N passed, N failed`. `cluster-e2e NAME…` runs only the named scenarios;
//! on-demand ones (the `fleet` benchmark) run only when named.
//! Needs root (the operator runs in a private mount namespace for cluster DNS), `redis-server`,
//! and `npm ci` done at the repository root (helm).

mod api_requests;
mod harness;
mod kubectl;
mod operator_process;
mod scenarios;
mod suite;
mod universe_redis;
mod wait;

use std::path::PathBuf;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    sector_operator::install_crypto_provider();
    let only: Vec<String> = std::env::args().skip(1).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap_or(root);
    let mut suite = match suite::Suite::setup(&root).await {
        Ok(suite) => suite,
        Err(e) => {
            println!("FAIL setup: {e:#}");
            println!("cluster e2e: 0 passed, 1 failed");
            return ExitCode::FAILURE;
        }
    };
    // On-demand scenarios (benchmarks) run only when named.
    let mut named = scenarios::all();
    named.extend(scenarios::on_demand().into_iter().filter(|s| only.iter().any(|o| o == s.name)));
    let summary = harness::run_all(&mut suite, &named, &only).await;
    if summary.failed > 0 {
        println!("operator logs (last lines):\n{}", suite.operator_logs());
    }
    for operator in &mut suite.operators {
        let _ = operator.stop().await;
    }
    println!("cluster e2e: {} passed, {} failed", summary.passed, summary.failed);
    if summary.failed == 0 && summary.passed > 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
