//! `sector-core`: Sector's game engine.
//!
//! Pure and deterministic: no I/O, no clocks, no global randomness. A world is generated
//! from a seed and advanced tick by tick with an ordered list of orders; the same seed and
//! the same orders always give the same state (and the same [`hash::state_hash`]).

mod combat;
pub mod config;
pub mod delta;
pub mod economy;
pub mod faction;
mod fleet_index;
pub mod generator;
pub mod hash;
pub mod lanes;
mod orders;
pub mod outcome;
mod rebellion;
pub mod rng;
pub mod routes;
pub mod seed;
pub mod snapshot;
mod tick;
pub mod trace;
pub mod world;

pub use config::Config;
pub use faction::{FactionIdx, Registry};
pub use world::{Fleet, FleetId, Order, System, SystemId, SystemKind, TickSummary, World};
