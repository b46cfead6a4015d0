//! World generation (GAME_RULES.md §4): placement, values, lanes, special kinds, homes
//! and the initial state, drawing from one CPython-compatible MT19937 in the reference's
//! exact order so that a seed reproduces the reference's map bit for bit.

use std::cmp::Ordering;
use std::collections::VecDeque;

use crate::config::{Config, ConfigError};
use crate::faction::{FactionIdx, Registry};
use crate::lanes::{LaneError, build_lanes};
use crate::rng::Mt19937;
use crate::world::{Fleet, FleetId, System, SystemId, SystemKind, World};

/// Strength and maximum strength of each faction's starting fleet (hard-wired, §1.2).
pub const STARTING_FLEET_STRENGTH: f64 = 10.0;

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("the map needs at least one system (simulation.number_of_systems is 0)")]
    NoSystems,
    #[error("{systems} systems are too many for 32-bit system ids")]
    TooManySystems { systems: usize },
    #[error("{factions} factions need at least as many systems, but the map has {systems}")]
    TooManyFactions { factions: usize, systems: usize },
    #[error("faction configuration: {0}")]
    Factions(#[from] ConfigError),
    #[error("building lanes: {0}")]
    Lanes(#[from] LaneError),
}

/// Generates the world for `effective_seed` (already normalized, §4.1).
pub fn generate(config: &Config, effective_seed: i64) -> Result<World, GenerateError> {
    let sim = &config.simulation;
    let n = sim.number_of_systems;
    if n == 0 {
        return Err(GenerateError::NoSystems);
    }
    // Every id must fit a SystemId, and randbelow(n) needs n < 2^32.
    let n_u32 = u32::try_from(n).map_err(|_| GenerateError::TooManySystems { systems: n })?;
    let configured = config.configured_factions()?;
    let faction_count = configured.len();
    // The registry indexes factions with u16; more factions than systems also cannot
    // all get a home (§4.6).
    if faction_count > n || u16::try_from(faction_count).is_err() {
        return Err(GenerateError::TooManyFactions { factions: faction_count, systems: n });
    }

    let mut rng = Mt19937::from_seed(i128::from(effective_seed));
    let maturity = config.economy.maturity_ticks;
    let garrison = config.battle.garrison_maximum_strength;

    // §4.3: placement, then the value, system by system.
    let mut grid = PlacementGrid::new(n, sim.minimum_system_distance);
    let mut systems = Vec::with_capacity(n);
    for id in 0..n_u32 {
        let (x, y) = grid.place(&mut rng, sim.maximum_placement_attempts);
        let value = rng.randint(1, 10);
        systems.push(System {
            id,
            x,
            y,
            value,
            kind: SystemKind::Normal,
            neighbors: Vec::new(),
            owner: None,
            stability: 1.0,
            heat: 0.0,
            unrest: 0.0,
            reclaim_cooldown: 0,
            occupation_faction: None,
            occupation_progress: 0,
            garrison,
            econ_maturity: maturity,
        });
    }

    // §4.4: lanes draw nothing from the generator.
    let graph = build_lanes(&grid.points, sim.lanes_per_system, sim.maximum_lane_length)?;
    for (system, neighbors) in systems.iter_mut().zip(graph.neighbors) {
        system.neighbors = neighbors;
    }

    // §4.5: special kinds from a shuffled copy of the ids.
    let ids: Vec<SystemId> = (0..n_u32).collect();
    let mut shuffled = ids.clone();
    rng.shuffle(&mut shuffled);
    let specials = &config.special_systems;
    let kinds = std::iter::repeat_n(SystemKind::Relic, specials.relic)
        .chain(std::iter::repeat_n(SystemKind::Forge, specials.forge))
        .chain(std::iter::repeat_n(SystemKind::Hive, specials.hive));
    // zip caps each count by the ids remaining.
    for (&id, kind) in shuffled.iter().zip(kinds) {
        systems[id as usize].kind = kind;
    }

    // §4.6: homes, independent of kinds.
    let homes = rng
        .sample(&ids, faction_count)
        .ok_or(GenerateError::TooManyFactions { factions: faction_count, systems: n })?;

    // §4.7: one starting fleet per configured faction, in registry order.
    let mut fleets = Vec::with_capacity(faction_count);
    for (k, &home) in homes.iter().enumerate() {
        let owner = FactionIdx(k as u16); // k < faction_count <= u16::MAX, checked above
        systems[home as usize].owner = Some(owner);
        fleets.push(Fleet {
            id: k as FleetId,
            owner,
            system_id: Some(home),
            strength: STARTING_FLEET_STRENGTH,
            max_strength: STARTING_FLEET_STRENGTH,
            enroute_from: None,
            enroute_to: None,
            eta: 0,
        });
    }

    Ok(World {
        config: config.clone(),
        tick: 0,
        systems,
        lanes: graph.lanes,
        fleets,
        next_fleet_id: faction_count as FleetId,
        build_stock: vec![0.0; faction_count],
        registry: Registry::new(&configured),
        events: VecDeque::new(),
        history: VecDeque::new(),
        highlights: Vec::new(),
        generator_seed: effective_seed,
        // §12: the rules get a fresh stream with the same seed, not the map stream's tail.
        rng: Mt19937::from_seed(i128::from(effective_seed)),
        orders_applied: None,
    })
}

/// Placed positions plus a bucket grid over the unit square, so the minimum-distance test
/// only visits nearby systems. Cells are wider than the minimum distance, so a system two
/// or more cells away always passes; the outcome equals the all-pairs test of §4.3.
struct PlacementGrid {
    points: Vec<(f64, f64)>,
    min_distance_squared: f64,
    cells_per_side: usize,
    /// Positions per cell, stored inline to keep the scan cache-friendly.
    cells: Vec<Vec<(f64, f64)>>,
}

impl PlacementGrid {
    /// Cells per side never exceed about sqrt(n), which bounds memory for tiny distances.
    fn new(n: usize, min_distance: f64) -> Self {
        let max_cells = (n.isqrt() + 1).clamp(1, 4096);
        let cells_per_side = if min_distance.is_nan() || min_distance.is_infinite() {
            // Comparisons against NaN or infinity fail for every pair, near or far, so
            // every placed system must be visited: one cell.
            1
        } else if min_distance == 0.0 {
            max_cells
        } else {
            // The 0.1% margin keeps the cell width above |D| despite rounding in the
            // cell index computation. The float-to-int cast saturates.
            ((1.0 / (min_distance.abs() * 1.001)).floor() as usize).clamp(1, max_cells)
        };
        PlacementGrid {
            points: Vec::with_capacity(n),
            min_distance_squared: min_distance * min_distance,
            cells_per_side,
            cells: vec![Vec::new(); cells_per_side * cells_per_side],
        }
    }

    fn cell_of(&self, x: f64, y: f64) -> (usize, usize) {
        let side = self.cells_per_side;
        // Coordinates are in [0, 1); the min guards the top edge against rounding.
        let cx = ((x * side as f64) as usize).min(side - 1);
        let cy = ((y * side as f64) as usize).min(side - 1);
        (cx, cy)
    }

    /// §4.3 steps 1–2: draw a candidate, redraw up to `attempts` times while it is too
    /// close to a placed system, and accept the last redraw unchecked.
    fn place(&mut self, rng: &mut Mt19937, attempts: usize) -> (f64, f64) {
        let mut x = rng.random();
        let mut y = rng.random();
        for _ in 0..attempts {
            if self.far_enough(x, y) {
                break;
            }
            x = rng.random();
            y = rng.random();
        }
        let (cx, cy) = self.cell_of(x, y);
        self.cells[cy * self.cells_per_side + cx].push((x, y));
        self.points.push((x, y));
        (x, y)
    }

    fn far_enough(&self, x: f64, y: f64) -> bool {
        let side = self.cells_per_side;
        let (cx, cy) = self.cell_of(x, y);
        let clear = |cell: &[(f64, f64)]| {
            cell.iter().all(|&(px, py)| {
                let dx = x - px;
                let dy = y - py;
                // Passes only when ">=" holds, so a NaN comparison fails, as in the reference.
                (dx * dx + dy * dy).partial_cmp(&self.min_distance_squared).is_some_and(Ordering::is_ge)
            })
        };
        // The candidate's own cell is the likeliest to hold a conflict: check it first.
        if !clear(&self.cells[cy * side + cx]) {
            return false;
        }
        for gy in cy.saturating_sub(1)..=(cy + 1).min(side - 1) {
            for gx in cx.saturating_sub(1)..=(cx + 1).min(side - 1) {
                if (gx, gy) != (cx, cy) && !clear(&self.cells[gy * side + gx]) {
                    return false;
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::normalize_seed_str;

    fn generate_default(seed: &str) -> World {
        generate(&Config::default(), normalize_seed_str(seed).unwrap()).unwrap()
    }

    fn homes(world: &World) -> Vec<(String, SystemId)> {
        world.fleets.iter().map(|f| (world.registry.id(f.owner).to_string(), f.system_id.unwrap())).collect()
    }

    fn of_kind(world: &World, kind: SystemKind) -> Vec<SystemId> {
        world.systems.iter().filter(|s| s.kind == kind).map(|s| s.id).collect()
    }

    fn config_with(systems: usize, factions: usize) -> Config {
        let mut config = Config::default();
        config.simulation.number_of_systems = systems;
        config.simulation.faction_count = factions;
        config
    }

    #[test]
    fn seed_42_test_vector() {
        let world = generate_default("42");
        assert_eq!(world.generator_seed, 42);
        assert_eq!(world.systems.len(), 30);
        assert_eq!(world.systems[0].x, 0.6394267984578837);
        assert_eq!(world.systems[0].y, 0.025010755222666936);
        let values: Vec<i64> = world.systems.iter().map(|s| s.value).collect();
        assert_eq!(
            values,
            [5, 2, 2, 10, 9, 5, 3, 3, 2, 6, 8, 7, 10, 4, 4, 4, 3, 5, 2, 4, 9, 1, 6, 10, 8, 9, 7, 9, 3, 2]
        );
        let expected_lanes = [
            (0, 14),
            (0, 19),
            (1, 17),
            (1, 22),
            (1, 25),
            (2, 10),
            (2, 15),
            (3, 4),
            (3, 12),
            (3, 25),
            (5, 21),
            (6, 14),
            (6, 28),
            (7, 19),
            (7, 24),
            (7, 29),
            (8, 16),
            (8, 27),
            (9, 25),
            (10, 18),
            (10, 26),
            (11, 16),
            (12, 20),
            (13, 29),
            (16, 26),
            (17, 23),
            (18, 29),
            (19, 23),
            (20, 21),
        ];
        assert_eq!(world.lanes, expected_lanes);
        assert_eq!(world.systems[7].neighbors, [19, 24, 29]);
        let homes = homes(&world);
        let expected_homes = [("F1", 24), ("F2", 5), ("F3", 17), ("F4", 29), ("F5", 16)];
        assert_eq!(homes, expected_homes.map(|(f, s)| (f.to_string(), s)));
        assert_eq!(of_kind(&world, SystemKind::Relic), [25, 27]);
        assert_eq!(of_kind(&world, SystemKind::Forge), [11, 28]);
        assert_eq!(of_kind(&world, SystemKind::Hive), [15]);
        // Spot checks of the rounded table.
        assert_eq!(format!("{:.6} {:.6}", world.systems[29].x, world.systems[29].y), "0.792079 0.422160");
        assert_eq!(format!("{:.6} {:.6}", world.systems[15].x, world.systems[15].y), "0.773068 0.985222");
    }

    #[test]
    fn sector_test_vector() {
        let world = generate_default("sector");
        assert_eq!(world.generator_seed, 264_861_306_070_298);
        let expected_homes = [("F1", 15), ("F2", 2), ("F3", 14), ("F4", 11), ("F5", 27)];
        assert_eq!(homes(&world), expected_homes.map(|(f, s)| (f.to_string(), s)));
        assert_eq!(of_kind(&world, SystemKind::Relic), [2, 9]);
        assert_eq!(of_kind(&world, SystemKind::Forge), [4, 18]);
        assert_eq!(of_kind(&world, SystemKind::Hive), [20]);
    }

    #[test]
    fn initial_state() {
        let world = generate_default("42");
        assert_eq!(world.tick, 0);
        assert_eq!(world.next_fleet_id, 5);
        assert_eq!(world.build_stock, vec![0.0; 5]);
        assert!(world.events.is_empty() && world.history.is_empty() && world.highlights.is_empty());
        assert!(
            world.systems.iter().all(|s| s.garrison == 3.0 && s.econ_maturity == 15 && s.stability == 1.0)
        );
        assert!(world.fleets.iter().all(|f| f.strength == 10.0 && f.max_strength == 10.0 && f.is_idle()));
        let ids: Vec<FleetId> = world.fleets.iter().map(|f| f.id).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4]);
        // The rules stream starts afresh: its first draw repeats the map's first draw.
        let mut rules = world.rng.clone();
        assert_eq!(rules.random(), world.systems[0].x);
        assert_eq!(world.orders_applied, None);
    }

    #[test]
    fn deterministic() {
        for seed in ["42", "sector", "-5", "0"] {
            assert_eq!(generate_default(seed), generate_default(seed));
        }
        assert_ne!(generate_default("1").systems, generate_default("2").systems);
    }

    #[test]
    fn negative_seed_uses_its_magnitude_for_the_map() {
        let config = Config::default();
        let negative = generate(&config, -42).unwrap();
        let positive = generate(&config, 42).unwrap();
        assert_eq!(negative.generator_seed, -42);
        assert_eq!(negative.systems, positive.systems);
    }

    #[test]
    fn tiny_maps() {
        let one = generate(&config_with(1, 1), 7).unwrap();
        assert!(one.lanes.is_empty());
        assert_eq!(one.systems[0].owner, Some(FactionIdx(0)));
        let two = generate(&config_with(2, 2), 7).unwrap();
        assert_eq!(two.lanes, [(0, 1)]);
        assert_eq!(two.systems[0].neighbors, [1]);
        let mut homes: Vec<_> = two.fleets.iter().map(|f| f.system_id.unwrap()).collect();
        homes.sort();
        assert_eq!(homes, [0, 1]);
        let three = generate(&config_with(3, 1), 7).unwrap();
        assert_eq!(three.lanes.len(), 2);
        // Five specials requested on a three-system map: capped by the ids available.
        assert!(three.systems.iter().all(|s| s.kind != SystemKind::Normal));
        assert_eq!(three.systems.iter().filter(|s| s.kind == SystemKind::Relic).count(), 2);
    }

    #[test]
    fn impossible_maps_are_errors() {
        assert!(matches!(generate(&config_with(0, 1), 1), Err(GenerateError::NoSystems)));
        let err = generate(&config_with(3, 4), 1).unwrap_err();
        assert!(matches!(err, GenerateError::TooManyFactions { factions: 4, systems: 3 }), "{err}");
        let mut degree_one = Config::default();
        degree_one.simulation.lanes_per_system = 1;
        let err = generate(&degree_one, 1).unwrap_err();
        assert!(matches!(err, GenerateError::Lanes(LaneError::Unconnected { .. })), "{err}");
    }

    /// The all-pairs placement of §4.3, to check the grid gives identical results.
    fn place_all_pairs(n: usize, min_distance: f64, attempts: usize, seed: i64) -> Vec<(f64, f64)> {
        let mut rng = Mt19937::from_seed(i128::from(seed));
        let d2 = min_distance * min_distance;
        let mut points: Vec<(f64, f64)> = Vec::new();
        for _ in 0..n {
            let mut x = rng.random();
            let mut y = rng.random();
            for _ in 0..attempts {
                if points.iter().all(|&(px, py)| (x - px) * (x - px) + (y - py) * (y - py) >= d2) {
                    break;
                }
                x = rng.random();
                y = rng.random();
            }
            points.push((x, y));
            rng.randint(1, 10);
        }
        points
    }

    #[test]
    fn grid_placement_matches_all_pairs() {
        for &(n, d, attempts) in &[
            (30, 0.05, 40),
            (2000, 0.05, 40),
            (2000, 0.013, 40),
            (500, 0.3, 3),
            (300, 0.0, 5),
            (200, f64::NAN, 2),
            (200, -0.07, 4),
            (1000, 1e-300, 2),
        ] {
            let mut config = config_with(n, 1);
            config.simulation.minimum_system_distance = d;
            config.simulation.maximum_placement_attempts = attempts;
            let expected = place_all_pairs(n, d, attempts, 99);
            let mut rng = Mt19937::from_seed(99);
            let mut grid = PlacementGrid::new(n, d);
            for _ in 0..n {
                grid.place(&mut rng, attempts);
                rng.randint(1, 10);
            }
            assert_eq!(grid.points, expected, "n={n} d={d}");
        }
    }
}
