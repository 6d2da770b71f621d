//! Fast (default) fidelity: replications per second of the self-service DR
//! scenario (one simulated year each, one thread), at write rates from 10/s
//! to 100,000/s — the cost must not grow with the write rate — and a small
//! sweep (two points, common random numbers).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use drsim::runner::run_replication;
use drsim::scenario::parse_str;
use std::hint::black_box;
use std::sync::atomic::AtomicBool;

const DR: &str = include_str!("../scenarios/dynamics365-self-service-dr.toml");

fn fast_mode(c: &mut Criterion) {
    const BATCH: u64 = 50;
    let mut group = c.benchmark_group("fast_mode_self_service_dr");
    group.throughput(Throughput::Elements(BATCH));
    group.sample_size(20);
    for rate in ["10/s", "1000/s", "100000/s"] {
        // Keep the link ahead of the load at every rate (1 Tbit/s).
        let text = DR
            .replacen(
                "write_rate = \"200/s\"",
                &format!("write_rate = \"{rate}\""),
                1,
            )
            .replacen("bandwidth = \"200Mbit/s\"", "bandwidth = \"1Tbit/s\"", 1);
        let sc = parse_str(&text, "bench.toml").expect("valid").scenario;
        group.bench_with_input(BenchmarkId::new("write_rate", rate), &sc, |b, sc| {
            let mut next = 0u64;
            b.iter(|| {
                for _ in 0..BATCH {
                    black_box(run_replication(sc, next));
                    next += 1;
                }
            })
        });
    }
    group.finish();
}

fn sweep(c: &mut Criterion) {
    let spec = drsim::sweep::resolve_spec(
        DR,
        &[drsim::sweep::parse_set("cross_region.batch_interval=1s,30s").expect("valid set")],
        Some("region.rpo_s"),
    )
    .expect("valid spec");
    let stop = AtomicBool::new(false);
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.throughput(Throughput::Elements(2 * 200));
    group.bench_function("two_points_200_runs", |b| {
        b.iter(|| {
            black_box(
                drsim::sweep::run_sweep(DR, "bench.toml", &spec, Some(200), &stop)
                    .expect("sweep runs"),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, fast_mode, sweep);
criterion_main!(benches);
