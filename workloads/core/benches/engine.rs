//! Rules-only tick cost at several map sizes, with chaos-trace-like orders: nearly every
//! idle fleet moves to a random neighbour each tick, plus some orders the rules reject.

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use sector_core::rng::Mt19937;
use sector_core::{Config, Order, World, generator};

fn chaos_orders(world: &World, rng: &mut Mt19937) -> Vec<Order> {
    let mut orders = Vec::new();
    for fleet in world.fleets.iter().filter(|f| f.is_idle()) {
        let Some(origin) = fleet.system_id else { continue };
        if rng.random() < 0.1 {
            continue;
        }
        let neighbors = &world.systems[origin as usize].neighbors;
        let Some(&target) = rng.choice(neighbors) else { continue };
        let mut order = Order::new(world.faction_id(fleet.owner), i64::from(origin), i64::from(target));
        if rng.random() < 0.2 {
            order.fleet_id = Some(fleet.id as i64);
        }
        orders.push(order);
    }
    // Orders the rules must reject: unknown faction, unknown system, non-neighbour.
    orders.push(Order::new("nobody", 0, 1));
    orders.push(Order::new(world.faction_id(sector_core::FactionIdx(0)), 999_999, 0));
    orders.push(Order::new(world.faction_id(sector_core::FactionIdx(0)), 0, 0));
    orders
}

/// A world played for `warmup` ticks so that it has territory, fleets and wars.
fn warmed_world(systems: usize, warmup: u32) -> (World, Mt19937) {
    let mut config = Config::default();
    config.simulation.number_of_systems = systems;
    let mut world = generator::generate(&config, 7).expect("bench world generates");
    let mut rng = Mt19937::from_seed(11);
    for _ in 0..warmup {
        let orders = chaos_orders(&world, &mut rng);
        world.advance(&orders);
    }
    (world, rng)
}

fn tick(c: &mut Criterion) {
    let mut group = c.benchmark_group("tick");
    for systems in [30usize, 1_000, 10_000] {
        let (world, mut rng) = warmed_world(systems, 300);
        let orders = chaos_orders(&world, &mut rng);
        group.bench_with_input(BenchmarkId::from_parameter(systems), &systems, |b, _| {
            b.iter_batched(
                || (world.clone(), orders.clone()),
                |(mut world, orders)| world.advance(&orders),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, tick);
criterion_main!(benches);
