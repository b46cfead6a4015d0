//! World generation at the shipped size and at large sizes (placement grid, Delaunay and
//! the lane search dominate as maps grow).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sector_core::Config;
use sector_core::generator::generate;

fn generation(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    for systems in [30usize, 1_000, 10_000] {
        let mut config = Config::default();
        config.simulation.number_of_systems = systems;
        group.bench_with_input(BenchmarkId::from_parameter(systems), &config, |b, config| {
            b.iter(|| generate(std::hint::black_box(config), std::hint::black_box(42)))
        });
    }
    group.finish();
}

criterion_group!(benches, generation);
criterion_main!(benches);
