//! The `sector` command: game tooling and (later) the workloads, one subcommand each.

pub mod conformance;
pub mod preview;
