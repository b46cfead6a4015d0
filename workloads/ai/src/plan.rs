//! Shared pieces of the per-faction pipeline: the tunables it reads from configuration
//! and the orders it plans (system indices, turned into ids on output).

use sector_core::Config;

/// Bot tunables. Those with a configuration field come from [`Config`]; the rest are
/// constants of the reference AI (BOT_AI.md §7).
#[derive(Debug, Clone, PartialEq)]
pub struct Tunables {
    /// Launch threshold base and minimum colonizer origin strength (`minimum_launch_strength`).
    pub min_launch_strength: f64,
    pub goal_path_bonus: f64,
    pub frontline_origin_bonus: f64,
    pub stagnation_ticks: u64,
    pub rally_min_strength: f64,
    pub rally_max_orders: usize,
    pub overextension_threshold: usize,
    pub colonizer_reserve: f64,
    pub colonizer_per_order: f64,
    pub colonizer_reserve_per_system: f64,
    pub colonizer_order_penalty: f64,
}

/// Defence orders per faction and call (§7.5).
pub const MAX_DEFENCE_ORDERS: usize = 3;
/// Rally-to-besieged orders per faction and call (§7.5).
pub const MAX_BESIEGED_RALLIES: usize = 3;
/// A neighbour defends if its strength is at least this share of the enemy's (§7.5).
pub const DEFENCE_RATIO: f64 = 0.8;
/// Weight of the advantage term and its cap (§7.7).
pub const ADVANTAGE_WEIGHT: f64 = 0.35;
pub const ADVANTAGE_CAP: f64 = 1.5;
/// Weight factor of the fallback origins (§7.7 step 2).
pub const FALLBACK_WEIGHT: f64 = 0.25;
/// The dominant faction launches at half the threshold (§7.2).
pub const DOMINANT_THRESHOLD_FACTOR: f64 = 0.5;
/// Dominance needs at least this many systems (§6.4).
pub const DOMINANCE_MIN_SYSTEMS: usize = 8;

impl Tunables {
    pub fn from_config(config: &Config) -> Self {
        let s = &config.simulation;
        let o = &config.overextension;
        Tunables {
            min_launch_strength: s.minimum_launch_strength,
            goal_path_bonus: s.goal_path_bonus,
            frontline_origin_bonus: s.frontline_origin_bonus,
            stagnation_ticks: s.stagnation_ticks,
            rally_min_strength: s.rally_min_strength,
            rally_max_orders: s.rally_max_orders,
            overextension_threshold: o.threshold,
            colonizer_reserve: config.colonizer_reserve_strength,
            colonizer_per_order: config.colonizer_strength_per_order,
            colonizer_reserve_per_system: o.colonizer_reserve_per_system,
            colonizer_order_penalty: o.colonizer_order_penalty_per_extra_system,
        }
    }
}

/// An order planned by one step of the pipeline (indices into the board).
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub origin: u32,
    pub target: u32,
    pub reason: String,
}

/// Python's `'%.1f' % x` / `f"{x:.1f}"` (correctly rounded, half to even on exact ties,
/// which is also what Rust's formatter does).
pub fn one_decimal(x: f64) -> String {
    format!("{x:.1}")
}

/// Everything one faction's turn reads (BOT_AI.md §6, §7.1–§7.2).
#[derive(Debug, Clone)]
pub struct Turn<'a> {
    pub board: &'a crate::board::Board,
    pub tunables: &'a Tunables,
    pub faction: u32,
    pub personality: sector_core::config::Personality,
    pub owned_count: usize,
    /// Launch threshold (§7.2).
    pub threshold: f64,
    pub stagnation: bool,
    pub dominant: bool,
    pub goal: crate::goals::Goal,
    /// The goal's target as a board index.
    pub goal_target: Option<u32>,
}

impl Turn<'_> {
    /// Stagnation or dominance lifts the launch threshold in §7.4 and §7.7.
    pub fn relaxed(&self) -> bool {
        self.stagnation || self.dominant
    }
}
