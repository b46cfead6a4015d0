//! Runs named scenarios one after another, each with a time limit, and counts them. A failing
//! scenario is reported with its error and the suite goes on, so one run shows every failure.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::suite::Suite;

pub type ScenarioFuture<'a> = Pin<Box<dyn Future<Output = Result<()>> + 'a>>;

/// One scenario: a name (for `cluster-e2e NAME…` filters and the report) and its body.
pub struct Scenario {
    pub name: &'static str,
    pub limit: Duration,
    pub run: for<'a> fn(&'a mut Suite) -> ScenarioFuture<'a>,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
}

pub async fn run_all(suite: &mut Suite, scenarios: &[Scenario], only: &[String]) -> Summary {
    let mut summary = Summary::default();
    for scenario in scenarios {
        if !only.is_empty() && !only.iter().any(|o| o == scenario.name) {
            continue;
        }
        println!("--- {}", scenario.name);
        let started = Instant::now();
        let outcome = tokio::time::timeout(scenario.limit, (scenario.run)(suite)).await;
        let took = started.elapsed().as_secs_f64();
        match outcome {
            Ok(Ok(())) => {
                summary.passed += 1;
                println!("PASS {} ({took:.1} s)", scenario.name);
            }
            Ok(Err(e)) => {
                summary.failed += 1;
                println!("FAIL {} ({took:.1} s): {e:#}", scenario.name);
            }
            Err(_) => {
                summary.failed += 1;
                println!("FAIL {} ({took:.1} s): over its {:?} limit", scenario.name, scenario.limit);
            }
        }
    }
    summary
}
