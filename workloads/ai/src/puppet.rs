//! The puppet: the bot AI with its per-run memory (BOT_AI.md §5, §6, §7, §9).
//!
//! **One puppet per run.** Goals and colonization pins refer to system ids of one map, and
//! the random stream is the run's (`effective_seed XOR 0x5EC7`). Create a new puppet (or
//! call [`Puppet::reset_for_run`]) whenever a new run starts; this fixes KNOWN_DEFECTS D1
//! (the reference carried goals and pins into the next map) by construction.
//!
//! Reproduced on purpose: static personalities (D2), the NextHop quirk (D3) and the
//! "unclaimed" label for owners the bot does not know (D4).

use std::collections::BTreeMap;

use sector_core::Config;
use sector_core::rng::Mt19937;

use crate::board::Board;
use crate::colonize::colonizer_orders;
use crate::defence::besieged_orders;
use crate::goals::{self, Goal};
use crate::main_orders::{OwnerNames, main_orders};
use crate::order::BotOrder;
use crate::origins::candidate_origins;
use crate::paths::{FastPaths, PathQueries};
use crate::plan::{DOMINANCE_MIN_SYSTEMS, DOMINANT_THRESHOLD_FACTOR, Planned, Tunables, Turn};
use crate::rally::goal_rallies;
use crate::view::WorldView;

/// XORed into the effective seed to seed the AI's generator.
pub const AI_SEED_XOR: i64 = 0x5EC7;

#[derive(Debug, Clone)]
pub struct Puppet {
    rng: Mt19937,
    tunables: Tunables,
    /// Per faction id (ordered map: nothing iterates it in a way that matters, but the
    /// order is deterministic anyway).
    goals: BTreeMap<String, Goal>,
    pins: BTreeMap<String, u32>,
    /// Search buffers reused between calls; no state that affects decisions.
    paths: FastPaths,
}

impl Puppet {
    /// The puppet of a run with this effective seed.
    pub fn new(effective_seed: i64, config: &Config) -> Self {
        Puppet {
            rng: ai_rng(effective_seed),
            tunables: Tunables::from_config(config),
            goals: BTreeMap::new(),
            pins: BTreeMap::new(),
            paths: FastPaths::new(),
        }
    }

    /// Starts a new run: forgets goals and pins and reseeds the generator.
    pub fn reset_for_run(&mut self, effective_seed: i64) {
        self.rng = ai_rng(effective_seed);
        self.goals.clear();
        self.pins.clear();
    }

    /// The stored goal of a faction (for logs and tests).
    pub fn goal(&self, faction_id: &str) -> Option<&Goal> {
        self.goals.get(faction_id)
    }

    /// The pinned colonization target (a system id) of a faction.
    pub fn pin(&self, faction_id: &str) -> Option<u32> {
        self.pins.get(faction_id).copied()
    }

    /// Orders for every faction of the view's registry, in processing order. Call once
    /// per tick on the state the next tick starts from. The output is not capped (the bot
    /// worker keeps the first 200).
    pub fn decide<V: WorldView + ?Sized>(&mut self, view: &V) -> Vec<BotOrder> {
        let mut paths = std::mem::take(&mut self.paths);
        let orders = self.decide_with(view, &mut paths);
        self.paths = paths;
        orders
    }

    /// [`Puppet::decide`] with a chosen path implementation (tests compare the fast one
    /// with a literal transcription of the reference's searches).
    pub(crate) fn decide_with<V: WorldView + ?Sized, P: PathQueries>(
        &mut self,
        view: &V,
        paths: &mut P,
    ) -> Vec<BotOrder> {
        let board = Board::new(view);
        let t = &self.tunables;
        let factions = board.factions;
        // §6.1 (a last event after the current tick counts as no stagnation).
        let stagnation = board.tick.saturating_sub(board.last_event_tick) > t.stagnation_ticks;

        // §6.3: the processing order is the first draw of every call.
        let mut order: Vec<u32> = (0..factions as u32).collect();
        self.rng.shuffle(&mut order);
        let dominant = dominant_faction(&board);

        let names = ViewNames(view);
        let mut out: Vec<BotOrder> = Vec::new();
        let mut planned: Vec<Planned> = Vec::new();
        for &f in &order {
            let id = view.faction_id(f as usize);
            let goal = goals::settle(self.goals.get(id), &board, f, &mut self.rng);
            self.goals.insert(id.to_string(), goal);
            let is_dominant = dominant == Some(f);
            let turn = Turn {
                board: &board,
                tunables: t,
                faction: f,
                personality: view.personality(f as usize),
                owned_count: board.owned_count(f),
                threshold: t.min_launch_strength * if is_dominant { DOMINANT_THRESHOLD_FACTOR } else { 1.0 },
                stagnation,
                dominant: is_dominant,
                goal,
                goal_target: goal.target.and_then(|g| board.index_of(g)),
            };
            paths.reset(f);
            if let Some(g) = turn.goal_target {
                paths.focus(g);
            }
            planned.clear();

            let mut pin = self.pins.get(id).copied();
            colonizer_orders(&board, f, t, &mut pin, paths, &mut planned);
            match pin {
                Some(p) => self.pins.insert(id.to_string(), p),
                None => self.pins.remove(id),
            };
            let origins = candidate_origins(&turn);
            if !origins.is_empty() {
                besieged_orders(&turn, paths, &mut planned);
                goal_rallies(&turn, paths, &mut planned);
                main_orders(&turn, &origins, &names, paths, &mut self.rng, &mut planned);
            }
            out.extend(planned.drain(..).map(|p| BotOrder {
                faction: id.to_string(),
                origin_id: board.id(p.origin),
                target_id: board.id(p.target),
                reason: p.reason,
            }));
        }
        out
    }
}

fn ai_rng(effective_seed: i64) -> Mt19937 {
    Mt19937::from_seed(i128::from(effective_seed ^ AI_SEED_XOR))
}

/// §6.4: the faction with the most systems (first in registry order on ties) if it has
/// at least max(8, 2 × max(second, 1)) of them.
pub(crate) fn dominant_faction(board: &Board) -> Option<u32> {
    let mut ranked: Vec<(u32, usize)> =
        (0..board.factions as u32).map(|f| (f, board.owned_count(f))).collect();
    // Stable: ties keep registry order.
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    let &(top, c1) = ranked.first()?;
    let c2 = ranked.get(1).map_or(0, |r| r.1);
    (c1 >= DOMINANCE_MIN_SYSTEMS.max(2 * c2.max(1))).then_some(top)
}

/// Faction names as the view reports them.
struct ViewNames<'a, V: ?Sized>(&'a V);

impl<V: WorldView + ?Sized> OwnerNames for ViewNames<'_, V> {
    fn registry_name(&self, owner: u32) -> Option<&str> {
        let i = owner as usize;
        (i < self.0.faction_count()).then(|| self.0.faction_name(i))
    }

    fn label(&self, owner: u32) -> &str {
        self.0.owner_label(owner)
    }
}
