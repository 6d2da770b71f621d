//! Hold-model benchmark of the engine's event queue against a bare `BinaryHeap`.
//!
//! The classic hold model keeps the pending-event count fixed at N: every operation pops the
//! earliest event and schedules one Exp(1) later (mean 1 ms in integer nanoseconds). That is the
//! steady state of a simulation's inner loop, so it isolates queue cost from event handling.
//!
//! * The increments come from a pre-generated ring (fixed-seed ChaCha8), shared by both
//!   structures, so the RNG is not measured and both see the same key sequence.
//! * Each structure is prefilled and run for N hold operations outside the timing so it starts
//!   in steady state, then kept across criterion iterations; one iteration is `BATCH` hold
//!   operations and criterion reports events (hold operations) per second.
//! * The baseline stores `(time, seq)` and the queue stores a `u64` payload, so both move
//!   16-byte elements and both give FIFO tie-breaking.
//!
//! Memory per pending event (measured with a counting allocator, `E = u64`): the heap holds
//! 16 bytes per element (pre-sized here, so no growth slack); the queue ~23 bytes in steady
//! state at N = 10^5 and 10^6 (~40 at peak) and a roughly fixed ~0.3 MB at N = 10^3. See the
//! module docs of `drsim::engine::queue` for the breakdown.
//!
//! Run: `cargo bench --bench hold` (about 20 s); smoke test: `cargo bench --bench hold -- --test`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use drsim::engine::queue::EventQueue;
use rand::rngs::ChaCha8Rng;
use rand::SeedableRng;
use rand_distr::{Distribution, Exp};

/// Pending-event counts: fits in L1/L2, spills L2/L3, far beyond the caches.
const SIZES: [usize; 3] = [1_000, 100_000, 1_000_000];
/// Hold operations per timed iteration: long enough to dwarf timer overhead and to amortise the
/// queue's bucket redistributions, short enough for criterion to take many samples.
const BATCH: u64 = 1_000;
/// Ring of pre-drawn increments; a power of two so indexing is a mask.
const RING: usize = 1 << 16;
/// Mean increment: Exp(1) expressed in integer nanoseconds with a 1 ms mean.
const MEAN_NS: f64 = 1_000_000.0;

fn increments() -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5EED_401D);
    let exp = Exp::new(1.0).expect("rate 1 is valid");
    (0..RING)
        .map(|_| {
            let x: f64 = exp.sample(&mut rng);
            (x * MEAN_NS).round() as u64
        })
        .collect()
}

/// The operations the hold loop needs, so both structures run the very same driver code.
trait Hold {
    fn schedule(&mut self, time: u64);
    /// Pops the earliest event and returns its time.
    fn next(&mut self) -> u64;
}

struct Baseline {
    heap: BinaryHeap<Reverse<(u64, u64)>>,
    seq: u64,
}

impl Hold for Baseline {
    #[inline]
    fn schedule(&mut self, time: u64) {
        self.heap.push(Reverse((time, self.seq)));
        self.seq += 1;
    }
    #[inline]
    fn next(&mut self) -> u64 {
        self.heap.pop().expect("hold keeps N > 0 pending").0 .0
    }
}

struct Radix {
    queue: EventQueue<u64>,
    id: u64,
}

impl Hold for Radix {
    #[inline]
    fn schedule(&mut self, time: u64) {
        self.queue.push(time, self.id);
        self.id += 1;
    }
    #[inline]
    fn next(&mut self) -> u64 {
        self.queue.pop().expect("hold keeps N > 0 pending").0
    }
}

/// The hold loop plus its position in the increment ring.
struct Model<'a, Q> {
    q: Q,
    ring: &'a [u64],
    cursor: usize,
}

impl<'a, Q: Hold> Model<'a, Q> {
    /// Prefills `n` events at Exp(1) offsets from time 0, then runs `n` hold operations so the
    /// timed part starts from the steady-state key distribution.
    fn new(mut q: Q, n: usize, ring: &'a [u64]) -> Self {
        for i in 0..n {
            q.schedule(ring[i % RING]);
        }
        let mut model = Model {
            q,
            ring,
            cursor: n % RING,
        };
        model.hold(n as u64);
        model
    }

    #[inline]
    fn hold(&mut self, ops: u64) -> u64 {
        let mut now = 0;
        for _ in 0..ops {
            now = self.q.next();
            self.q.schedule(now + self.ring[self.cursor]);
            self.cursor = (self.cursor + 1) & (RING - 1);
        }
        now
    }
}

fn bench_hold(c: &mut Criterion) {
    let ring = increments();
    let mut group = c.benchmark_group("hold");
    group
        .throughput(Throughput::Elements(BATCH))
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for n in SIZES {
        let baseline = Baseline {
            heap: BinaryHeap::with_capacity(n + 1),
            seq: 0,
        };
        let mut model = Model::new(baseline, n, &ring);
        group.bench_function(BenchmarkId::new("binary_heap", n), |b| {
            b.iter(|| model.hold(black_box(BATCH)))
        });
        drop(model);

        let radix = Radix {
            queue: EventQueue::with_capacity(n + 1),
            id: 0,
        };
        let mut model = Model::new(radix, n, &ring);
        group.bench_function(BenchmarkId::new("event_queue", n), |b| {
            b.iter(|| model.hold(black_box(BATCH)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_hold);
criterion_main!(benches);
