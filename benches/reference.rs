//! End-to-end throughput of the reference scenario: replications per second
//! (one simulated year each), single-threaded so the figure is per core.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use drsim::runner::run_replication;
use drsim::scenario::{parse_str, REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE};
use std::hint::black_box;

fn reference(c: &mut Criterion) {
    let sc = parse_str(REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE)
        .expect("reference scenario is valid")
        .scenario;
    const BATCH: u64 = 100;
    let mut group = c.benchmark_group("reference_scenario");
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("replications", |b| {
        let mut next = 0u64;
        b.iter(|| {
            for _ in 0..BATCH {
                black_box(run_replication(&sc, next));
                next += 1;
            }
        })
    });
    group.finish();
}

criterion_group!(benches, reference);
criterion_main!(benches);
