//! The AI's cost for one tick: orders of every faction, on states of a bot-played game.
//!
//! Targets: 30 systems <= 30 µs, 1,000 systems <= 1 ms, 10,000 systems <= 20 ms.
//!
//! * `decide/N` — mean over the consecutive states of ticks 30..80 of a bots-only game
//!   (after 30 warm-up ticks; the window includes the tick-80 goal re-pick, when the
//!   goals picked on the first call expire);
//! * `decide-worst/N` — the slowest single state of that window;
//! * `decide-first-call/N` — the first call of a run on the tick-30 state with a fresh
//!   puppet: every faction picks a goal (one jitter draw per candidate system).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use sector_ai::{Puppet, to_orders};
use sector_core::{Config, World, generator};

const SEED: i64 = 7;
const WARMUP_TICKS: u64 = 30;
const LAST_TICK: u64 = 80;

/// (world, puppet before its call on that world) for every tick of the window.
fn recorded_states(systems: usize) -> Vec<(World, Puppet)> {
    let mut config = Config::default();
    config.simulation.number_of_systems = systems;
    let mut world = generator::generate(&config, SEED).expect("bench world generates");
    let mut puppet = Puppet::new(SEED, &config);
    let mut states = Vec::new();
    let mut orders_total = 0;
    while world.tick <= LAST_TICK {
        if world.tick >= WARMUP_TICKS {
            states.push((world.clone(), puppet.clone()));
        }
        let orders = puppet.decide(&world);
        if world.tick >= WARMUP_TICKS {
            orders_total += orders.len();
        }
        world.advance(&to_orders(&orders));
    }
    let (last, _) = &states[states.len() - 1];
    eprintln!(
        "{systems} systems, ticks {WARMUP_TICKS}..={LAST_TICK}: {} states, {orders_total} orders; at tick {}: \
         {} factions, {} owned systems, {} fleets",
        states.len(),
        last.tick,
        last.registry.len(),
        last.systems.iter().filter(|s| s.owner.is_some()).count(),
        last.fleets.len(),
    );
    states
}

/// Time of one call on a state (fresh clone of the puppet each time, outside the timing).
fn time_once(world: &World, puppet: &Puppet) -> Duration {
    let mut p = puppet.clone();
    let start = Instant::now();
    black_box(p.decide(world));
    start.elapsed()
}

fn decide(c: &mut Criterion) {
    for systems in [30, 1_000, 10_000] {
        let states = recorded_states(systems);
        c.bench_function(&format!("decide/{systems}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for i in 0..iters {
                    let (world, puppet) = &states[i as usize % states.len()];
                    total += time_once(world, puppet);
                }
                total
            });
        });
        // The slowest state, by the minimum of a few timings each.
        let worst = (0..states.len())
            .max_by_key(|&i| (0..5).map(|_| time_once(&states[i].0, &states[i].1)).min().unwrap_or_default())
            .unwrap_or(0);
        let (world, puppet) = &states[worst];
        c.bench_with_input(BenchmarkId::new("decide-worst", systems), world, |b, world| {
            b.iter_batched_ref(|| puppet.clone(), |p| p.decide(world), BatchSize::SmallInput);
        });
        let (world, _) = &states[0];
        c.bench_with_input(BenchmarkId::new("decide-first-call", systems), world, |b, world| {
            b.iter_batched_ref(
                || Puppet::new(SEED, &world.config),
                |p| p.decide(world),
                BatchSize::SmallInput,
            );
        });
        eprintln!("{systems} systems: slowest state is tick {}", world_tick(&states, worst));
    }
}

fn world_tick(states: &[(World, Puppet)], i: usize) -> u64 {
    states.get(i).map_or(0, |(w, _)| w.tick)
}

criterion_group!(benches, decide);
criterion_main!(benches);
