//! The `sector` command: game tooling and (later) the workloads, one subcommand each.

pub mod bots;
pub mod conformance;
pub mod dev;
pub mod map_config;
pub mod preview;
pub mod replay;
pub mod services;
pub mod simulate;
pub mod telemetry;
pub mod tournament;
