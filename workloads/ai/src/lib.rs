//! `sector-ai`: Sector's bot AI, the "puppet" (BOT_AI.md).
//!
//! The AI is pure: it reads a world through [`WorldView`] (implemented for the engine's
//! [`sector_core::World`] and for a decoded snapshot, [`SnapshotView`]) and returns
//! [`BotOrder`]s. Its only state is per run — goals, colonization pins and its own
//! CPython-compatible MT19937 seeded with `effective_seed ^ 0x5EC7` — and lives in a
//! [`Puppet`]: create one per run (see [`Puppet::reset_for_run`]). No I/O, no clocks,
//! no global randomness, and no hash-map iteration.
//!
//! ```
//! use sector_ai::{Puppet, to_orders};
//! use sector_core::{Config, generator};
//!
//! let config = Config::default();
//! let mut world = generator::generate(&config, 42)?;
//! // One puppet per run, seeded from the run's effective seed.
//! let mut puppet = Puppet::new(world.generator_seed, &config);
//! for _ in 0..10 {
//!     let orders = puppet.decide(&world);
//!     world.advance(&to_orders(&orders));
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod board;
mod colonize;
mod defence;
mod goals;
mod main_orders;
mod order;
mod origins;
mod paths;
mod plan;
mod puppet;
mod rally;
mod scoring;
mod snapshot_view;
mod view;

#[cfg(test)]
mod naive_paths;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;

pub use colonize::python_floor_div;
pub use goals::{Goal, GoalKind};
pub use order::{BotOrder, to_orders};
pub use puppet::{AI_SEED_XOR, Puppet};
pub use snapshot_view::{DEFAULT_REBEL_PERSONALITY, SnapshotView, ViewError};
pub use view::{FleetFacts, OwnerKey, SystemFacts, WorldView};
