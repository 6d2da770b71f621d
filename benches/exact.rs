//! Exact (per-write) fidelity against a hand-written loop doing the same
//! per-write work: one hour of 1,000 writes/s of 4 KiB, asynchronously
//! replicated over the bundled self-service DR link (5 s batches, 25 MB/s,
//! lognormal apply delay), with no failure (the cost of interest is the
//! writes; incidents add a handful of events).
//!
//! Both count events the same way (see `drsim::model::EVENTS_PER_WRITE`):
//! two per write (its commit, its apply at the secondary) and three per
//! batch (cut, end of send, apply). Criterion reports both throughputs in
//! the group `exact_1h_1000wps`; a summary with events/s and the ratio
//! (target ≥ 0.8) is printed after the measurements (not with `--test`).
//!
//! `cargo bench --bench exact` (single-threaded: the figures are per core);
//! `cargo bench --bench exact -- --test` runs each once.

use criterion::{Criterion, Throughput};
use drsim::engine::queue::EventQueue;
use drsim::engine::rng::{stream_rng, Stream};
use drsim::model::{ApplyDelays, EVENTS_PER_BATCH, EVENTS_PER_WRITE};
use drsim::runner::run_replication;
use drsim::scenario::{parse_str, Fidelity, Scenario};
use rand::rngs::ChaCha8Rng;
use rand_distr::{Distribution, Exp1};
use std::collections::VecDeque;
use std::hint::black_box;
use std::time::{Duration, Instant};

const BASE: &str = include_str!("../scenarios/dynamics365-self-service-dr.toml");

/// The bundled scenario, one hour at 1,000 writes/s, DR on from the start,
/// no failures and no operations, in exact fidelity.
fn scenario() -> Scenario {
    let text = BASE
        .replacen("horizon = \"1y\"", "horizon = \"1h\"", 1)
        .replacen("write_rate = \"200/s\"", "write_rate = \"1000/s\"", 1)
        .replacen("at = \"45d\"", "at = \"30m\"", 1);
    let mut sc = parse_str(&text, "exact-bench.toml")
        .expect("bench scenario is valid")
        .scenario;
    sc.zone_failures.iter_mut().for_each(|z| *z = None);
    sc.region_failures = None;
    sc.operations.clear();
    sc.simulation.fidelity = Fidelity::Exact;
    sc
}

/// What both baseline loops read off the scenario: replication 0's
/// generators (the streams drsim uses) and the link's parameters, in ns.
struct LoopSetup {
    writes_rng: ChaCha8Rng,
    apply: ApplyDelays,
    horizon: u64,
    interval: u64,
    one_way: u64,
    bytes_per_ns: f64,
    size: f64,
    mean_gap: f64,
}

impl LoopSetup {
    fn of(sc: &Scenario) -> LoopSetup {
        let cr = sc.cross_region.as_ref().expect("bench scenario has a link");
        let (seed, run) = (sc.simulation.seed, 0);
        LoopSetup {
            writes_rng: stream_rng(seed, run, Stream::ExactWrites),
            apply: ApplyDelays::new(
                cr.apply_delay.clone(),
                cr.batch_interval,
                &stream_rng(seed, run, Stream::ApplyDelay),
            ),
            horizon: sc.simulation.horizon.0,
            interval: cr.batch_interval.0,
            one_way: cr.one_way.0,
            bytes_per_ns: cr.bandwidth / 1e9,
            size: sc.workload.write_size as f64,
            mean_gap: 1e9 / sc.workload.write_rate,
        }
    }
}

/// The same per-write work written as one loop: a Poisson arrival draw, the
/// batch cut, the FIFO send time and the in-order apply time of each batch
/// (same generators, same apply-delay function), the pending writes kept
/// until their batch is applied. Returns the events processed.
fn hand_loop(sc: &Scenario) -> u64 {
    let LoopSetup {
        mut writes_rng,
        apply,
        horizon,
        interval,
        one_way,
        bytes_per_ns,
        size,
        mean_gap,
    } = LoopSetup::of(sc);

    let mut commits: VecDeque<u64> = VecDeque::new();
    // (writes, apply instant) of batches cut and not yet applied.
    let mut batches: VecDeque<(u64, u64)> = VecDeque::new();
    let (mut index, mut next_cut, mut open) = (1u64, interval, 0u64);
    let (mut send_free, mut last_applied) = (0u64, 0u64);
    let (mut writes, mut cut) = (0u64, 0u64);
    let e: f64 = Exp1.sample(&mut writes_rng);
    let mut pos = e * mean_gap;
    loop {
        let w = pos as u64;
        if w >= horizon {
            break;
        }
        while w >= next_cut {
            let start = next_cut.max(send_free);
            let done = start + (open as f64 * size / bytes_per_ns).ceil() as u64;
            send_free = done;
            let a = apply.of(index).0;
            last_applied = last_applied.max(done + one_way + a);
            batches.push_back((open, last_applied));
            (open, index, next_cut, cut) = (0, index + 1, next_cut + interval, cut + 1);
        }
        while let Some(&(n, at)) = batches.front() {
            if at > w {
                break;
            }
            batches.pop_front();
            commits.drain(..n as usize);
        }
        commits.push_back(w);
        open += 1;
        writes += 1;
        let e: f64 = Exp1.sample(&mut writes_rng);
        pos += e * mean_gap;
    }
    black_box(&commits);
    (writes as f64 * EVENTS_PER_WRITE + cut as f64 * EVENTS_PER_BATCH) as u64
}

/// The same simulation driven by the engine's general event queue: every
/// write arrival, cut, end of send and apply is a queued event. Kept as the
/// measurement behind the choice of a specialised loop in `model::exact`
/// (the four event sources are monotone, so the next event is a comparison,
/// not a queue operation).
fn queue_loop(sc: &Scenario) -> u64 {
    #[derive(Clone, Copy)]
    enum Ev {
        Write,
        Cut,
        Sent { index: u64, writes: u64 },
        Applied { writes: u64 },
    }
    let LoopSetup {
        mut writes_rng,
        apply,
        horizon,
        interval,
        one_way,
        bytes_per_ns,
        size,
        mean_gap,
    } = LoopSetup::of(sc);

    let mut queue = EventQueue::new();
    let mut commits: VecDeque<u64> = VecDeque::new();
    let (mut index, mut open, mut send_free, mut last_applied) = (1u64, 0u64, 0u64, 0u64);
    let (mut writes, mut cut) = (0u64, 0u64);
    let e: f64 = Exp1.sample(&mut writes_rng);
    let mut pos = e * mean_gap;
    queue.push(pos as u64, Ev::Write);
    queue.push(interval, Ev::Cut);
    while let Some((now, ev)) = queue.pop() {
        if now >= horizon {
            break;
        }
        match ev {
            Ev::Write => {
                commits.push_back(now);
                open += 1;
                writes += 1;
                let e: f64 = Exp1.sample(&mut writes_rng);
                pos += e * mean_gap;
                queue.push(pos as u64, Ev::Write);
            }
            Ev::Cut => {
                let start = now.max(send_free);
                send_free = start + (open as f64 * size / bytes_per_ns).ceil() as u64;
                queue.push(
                    send_free,
                    Ev::Sent {
                        index,
                        writes: open,
                    },
                );
                (open, index, cut) = (0, index + 1, cut + 1);
                queue.push(now + interval, Ev::Cut);
            }
            Ev::Sent { index, writes } => {
                let a = apply.of(index).0;
                last_applied = last_applied.max(now + one_way + a);
                queue.push(last_applied, Ev::Applied { writes });
            }
            Ev::Applied { writes } => {
                commits.drain(..writes as usize);
            }
        }
    }
    black_box(&commits);
    (writes as f64 * EVENTS_PER_WRITE + cut as f64 * EVENTS_PER_BATCH) as u64
}

fn drsim_exact(sc: &Scenario) -> u64 {
    run_replication(sc, 0).events
}

fn bench(c: &mut Criterion, sc: &Scenario) {
    let mut group = c.benchmark_group("exact_1h_1000wps");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(drsim_exact(sc)));
    group.bench_function("drsim_exact", |b| b.iter(|| black_box(drsim_exact(sc))));
    group.throughput(Throughput::Elements(hand_loop(sc)));
    group.bench_function("hand_loop", |b| b.iter(|| black_box(hand_loop(sc))));
    group.throughput(Throughput::Elements(queue_loop(sc)));
    group.bench_function("event_queue_loop", |b| b.iter(|| black_box(queue_loop(sc))));
    group.finish();
}

/// Median seconds of `reps` runs of `f`, alternated by the caller.
fn timed(f: impl Fn() -> u64) -> (f64, u64) {
    let t = Instant::now();
    let events = black_box(f());
    (t.elapsed().as_secs_f64(), events)
}

fn summary(sc: &Scenario) {
    let (mut a, mut b, mut q) = (Vec::new(), Vec::new(), Vec::new());
    let (mut ea, mut eb, mut eq) = (0, 0, 0);
    for _ in 0..7 {
        let (t, e) = timed(|| drsim_exact(sc));
        a.push(t);
        ea = e;
        let (t, e) = timed(|| hand_loop(sc));
        b.push(t);
        eb = e;
        let (t, e) = timed(|| queue_loop(sc));
        q.push(t);
        eq = e;
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ta, tb, tq) = (median(&mut a), median(&mut b), median(&mut q));
    let writes = sc.workload.write_rate * sc.simulation.horizon.as_secs_f64();
    let (ra, rb, rq) = (ea as f64 / ta, eb as f64 / tb, eq as f64 / tq);
    println!(
        "exact fidelity, 1 h at 1,000 writes/s ({writes:.0} writes), median of 7:\n  \
         drsim exact      : {:>6.2} M events/s ({:.1} ns/write, {ea} events)\n  \
         hand loop        : {:>6.2} M events/s ({:.1} ns/write, {eb} events)\n  \
         event-queue loop : {:>6.2} M events/s ({:.1} ns/write, {eq} events)\n  \
         ratio drsim / hand loop: {:.2} (target ≥ 0.80)",
        ra / 1e6,
        ta * 1e9 / writes,
        rb / 1e6,
        tb * 1e9 / writes,
        rq / 1e6,
        tq * 1e9 / writes,
        ra / rb
    );
}

fn main() {
    let sc = scenario();
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &sc);
    c.final_summary();
    let quick = std::env::args().any(|a| a == "--test" || a == "--list");
    if !quick {
        summary(&sc);
    }
}
