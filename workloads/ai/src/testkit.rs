//! Hand-built engine worlds for unit tests.

use std::collections::VecDeque;

use sector_core::rng::Mt19937;
use sector_core::world::{Fleet, HistoryEvent, System, SystemKind};
use sector_core::{Config, FactionIdx, Registry, World};

pub struct TestWorld {
    pub world: World,
}

impl TestWorld {
    /// `n` unowned systems (value 5, normal, stability 1) joined by `edges`; the registry
    /// holds the configured factions F1..F5.
    pub fn new(n: usize, edges: &[(u32, u32)]) -> Self {
        let config = Config::default();
        let registry = Registry::new(&config.configured_factions().expect("default config is valid"));
        let mut lanes: Vec<(u32, u32)> = edges.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
        lanes.sort_unstable();
        lanes.dedup();
        let mut systems: Vec<System> = (0..n as u32)
            .map(|id| System {
                id,
                x: 0.0,
                y: 0.0,
                value: 5,
                kind: SystemKind::Normal,
                neighbors: Vec::new(),
                owner: None,
                stability: 1.0,
                heat: 0.0,
                unrest: 0.0,
                reclaim_cooldown: 0,
                occupation_faction: None,
                occupation_progress: 0,
                garrison: 3.0,
                econ_maturity: 15,
            })
            .collect();
        for &(a, b) in &lanes {
            systems[a as usize].neighbors.push(b);
            systems[b as usize].neighbors.push(a);
        }
        for s in &mut systems {
            s.neighbors.sort_unstable();
        }
        let factions = registry.len();
        TestWorld {
            world: World {
                config,
                tick: 0,
                systems,
                lanes,
                fleets: Vec::new(),
                next_fleet_id: 0,
                build_stock: vec![0.0; factions],
                registry,
                events: VecDeque::new(),
                history: VecDeque::new(),
                highlights: Vec::new(),
                generator_seed: 0,
                rng: Mt19937::from_seed(0),
                orders_applied: None,
            },
        }
    }

    /// A path 0 - 1 - … - (n−1).
    pub fn line(n: usize) -> Self {
        let edges: Vec<(u32, u32)> = (1..n as u32).map(|i| (i - 1, i)).collect();
        Self::new(n, &edges)
    }

    /// A random connected sparse map with random owners (among the first `owners`
    /// factions) and random fleets, some travelling.
    pub fn random(rng: &mut Mt19937, n: usize, owners: u32) -> World {
        let mut edges = Vec::new();
        for i in 1..n as u32 {
            edges.push((rng.randbelow(i), i));
        }
        for _ in 0..n / 3 {
            let a = rng.randbelow(n as u32);
            let b = rng.randbelow(n as u32);
            if a != b {
                edges.push((a, b));
            }
        }
        let mut w = TestWorld::new(n, &edges);
        for s in 0..n as u32 {
            match rng.randbelow(owners + 2) {
                k if k < owners => {
                    w.own(s, k as u16);
                }
                _ => {}
            }
            w.value(s, 1 + i64::from(rng.randbelow(10)));
        }
        let fleets = rng.randbelow(2 * n as u32);
        for _ in 0..fleets {
            let owner = rng.randbelow(owners) as u16;
            let s = rng.randbelow(n as u32);
            let strength = f64::from(1 + rng.randbelow(12)) * 0.75;
            if rng.randbelow(6) == 0 {
                w.moving_fleet(owner, s, strength);
            } else {
                w.fleet(owner, s, strength);
            }
        }
        w.build()
    }

    pub fn own(&mut self, s: u32, faction: u16) -> &mut Self {
        self.world.systems[s as usize].owner = Some(FactionIdx(faction));
        self
    }

    pub fn value(&mut self, s: u32, value: i64) -> &mut Self {
        self.world.systems[s as usize].value = value;
        self
    }

    pub fn kind(&mut self, s: u32, kind: SystemKind) -> &mut Self {
        self.world.systems[s as usize].kind = kind;
        self
    }

    pub fn stability(&mut self, s: u32, stability: f64) -> &mut Self {
        self.world.systems[s as usize].stability = stability;
        self
    }

    pub fn tick(&mut self, tick: u64) -> &mut Self {
        self.world.tick = tick;
        self
    }

    /// Records a history event at `tick` (only its tick matters to the AI).
    pub fn event_at(&mut self, tick: u64) -> &mut Self {
        self.world.history.push_back(HistoryEvent {
            tick,
            kind: sector_core::world::EventKind::FleetMove,
            systems: vec![],
            factions: vec![],
            text: String::new(),
        });
        self
    }

    /// An idle fleet.
    pub fn fleet(&mut self, owner: u16, s: u32, strength: f64) -> &mut Self {
        self.push_fleet(owner, Some(s), strength, 0, None)
    }

    /// A fleet travelling towards `to`.
    pub fn moving_fleet(&mut self, owner: u16, to: u32, strength: f64) -> &mut Self {
        self.push_fleet(owner, None, strength, 1, Some(to))
    }

    fn push_fleet(
        &mut self,
        owner: u16,
        s: Option<u32>,
        strength: f64,
        eta: i64,
        to: Option<u32>,
    ) -> &mut Self {
        let id = self.world.next_fleet_id;
        self.world.next_fleet_id += 1;
        self.world.fleets.push(Fleet {
            id,
            owner: FactionIdx(owner),
            system_id: s,
            strength,
            max_strength: strength,
            enroute_from: to.map(|_| 0),
            enroute_to: to,
            eta,
        });
        self
    }

    /// Registers the League (the next registry position).
    pub fn league(&mut self) -> &mut Self {
        self.world.registry.ensure_league();
        self.world.build_stock.push(0.0);
        self
    }

    pub fn build(&self) -> World {
        self.world.clone()
    }
}
