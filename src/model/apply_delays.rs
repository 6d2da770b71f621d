//! Per-batch apply delays, drawn as a tree of block maxima.
//!
//! A last-sync question asks whether any batch in a look-back window (tens
//! of thousands of batches when 1 ms batches meet seconds of apply delay;
//! see [`look_back`]) is still held up by a slow apply. Drawing every batch of the window costs one quantile each, and
//! that made a replication's cost grow with the write rate (a full batch is
//! cut more often). So the delays are generated top-down: for every aligned
//! block of `8^L` batches the *maximum* of its draws comes first, and a
//! question skips, at the cost of one draw, every block whose maximum is too
//! small to hold anything up. The tree is only as tall as the look-back
//! window needs (one level when a few batches are cut per apply delay, a
//! level more for every eightfold longer window).
//!
//! The law is exactly that of independent draws: in uniform space the
//! maximum of `n` iid uniforms is `U^(1/n)`; it sits in a uniformly chosen
//! child; every other child holds `n/8` iid uniforms conditioned below the
//! block's maximum `m`, whose own maximum is `m·U^(8/n)`. A batch's level is
//! its leaf value and its delay the apply-delay quantile there, so each batch
//! still has the apply-delay law and batches are independent.
//!
//! Every node is a pure function of (the `ApplyDelay` stream's key, level,
//! block), computed by the same arithmetic whoever asks, so both fidelities
//! (the fluid `link.rs`, which descends the tree, and the per-write
//! `exact.rs`, which asks for one batch at a time) see the same delay for
//! the same batch. A node's delay is clamped to its parent's, so "no batch
//! in the block is slower than the block's delay" holds exactly, even where
//! a quantile function is not monotone to the last ulp. Blocks of more than
//! about 10^15 batches (only in trees of 17 levels or more) have a maximum
//! level that rounds to 1, i.e. the largest delay `Dist::quantile` returns:
//! the law is resolved to the same 1e-16 as every quantile draw.

use crate::dist::{gamma, Dist};
use crate::stats::normal_cdf;
use crate::time::SimDuration;
use rand::rngs::ChaCha8Rng;
use std::cell::RefCell;

/// log2 of the number of children per node. Eight measured best: sixteen
/// draws more batches one by one near the newest, four more levels.
const FANOUT_BITS: u32 = 3;
const FANOUT: u64 = 1 << FANOUT_BITS;

/// Bound on the probability that a batch older than the look-back window
/// is still pending when a question ignores it (all such batches together).
pub const IGNORED_PENDING: f64 = 1e-9;

/// The longest window: `8^MAX_LEVEL = 2^63` batches, more than any run can
/// cut (292 years of 1 ns batches; scenarios cut at most one per ms). A
/// window this long covers every batch since time 0, so it is exact, not
/// a truncation.
pub const LOOK_BACK_MAX: u64 = 1 << (FANOUT_BITS * MAX_LEVEL as u32);

/// The highest level a tree may need: its one block covers [`LOOK_BACK_MAX`].
const MAX_LEVEL: usize = 21;

/// One node of the tree: an aligned block of `8^level` batches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Node {
    /// The largest uniform level of the block's draws, in (0, 1).
    level: f64,
    /// The block's largest apply delay (a batch's own delay at level 0).
    pub delay: SimDuration,
}

/// The apply-delay draws of one replication's link.
#[derive(Clone, Debug)]
pub struct ApplyDelays {
    dist: Dist,
    /// Batches a question looks back over (see [`look_back`]).
    look_back: u64,
    /// Level of the top blocks: the lowest whose blocks cover the look-back
    /// (a taller tree would cost every question a draw per extra level).
    top_level: u32,
    /// Hash keys of the level values, per level (index 0: batches).
    level_keys: [u64; MAX_LEVEL + 1],
    /// Hash keys of the child holding each node's maximum, per level.
    argmax_keys: [u64; MAX_LEVEL + 1],
}

impl ApplyDelays {
    /// The draws of a link cutting a batch every `interval`, keyed by a
    /// replication's `ApplyDelay` stream (its seed and stream number; the
    /// stream is not advanced). Both fidelities build it from the same
    /// arguments, so they share the tree's shape and every draw.
    pub fn new(dist: Dist, interval: SimDuration, rng: &ChaCha8Rng) -> ApplyDelays {
        let look_back = look_back(&dist, interval);
        let top_level = (1..=MAX_LEVEL as u32)
            .find(|&l| block_len(l) >= look_back)
            .expect("the look-back is at most one block of the top level");
        let mut key = rng.get_stream();
        for chunk in rng.get_seed().chunks_exact(8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            key = mix64(key ^ u64::from_le_bytes(word));
        }
        let mut level_keys = [0; MAX_LEVEL + 1];
        let mut argmax_keys = [0; MAX_LEVEL + 1];
        for level in 0..=MAX_LEVEL {
            level_keys[level] = mix64(key ^ (2 * level as u64 + 1));
            argmax_keys[level] = mix64(key ^ (2 * level as u64 + 2));
        }
        ApplyDelays {
            dist,
            look_back,
            top_level,
            level_keys,
            argmax_keys,
        }
    }

    /// Batches a question looks back over behind the newest arrived one.
    pub fn look_back(&self) -> u64 {
        self.look_back
    }

    /// Level of the top blocks (see [`ApplyDelays::top`]).
    pub fn top_level(&self) -> u32 {
        self.top_level
    }

    /// The apply delay of batch `index`.
    pub fn of(&self, index: u64) -> SimDuration {
        if let Dist::Constant(d) = self.dist {
            // Every node would say the same: skip the walk.
            return d;
        }
        let mut node = self.top(index >> (FANOUT_BITS * self.top_level));
        for level in (0..self.top_level).rev() {
            let block = index >> (FANOUT_BITS * level);
            node = self.child(node, level + 1, block >> FANOUT_BITS, block);
        }
        node.delay
    }

    /// The top-level node `block`: batches from `block·8^top_level` on.
    pub fn top(&self, block: u64) -> Node {
        let batches = block_len(self.top_level) as f64;
        let level = (self.uniform(self.top_level, block).ln() / batches).exp();
        Node {
            level,
            delay: self.dist.quantile(level),
        }
    }

    /// Child `block` (at `level − 1`) of `parent`, the node `parent_block`
    /// at `level`.
    pub fn child(&self, parent: Node, level: u32, parent_block: u64, block: u64) -> Node {
        let argmax = mix64(self.argmax_keys[level as usize] ^ spread(parent_block)) % FANOUT;
        if block % FANOUT == argmax {
            return parent;
        }
        let u = self.uniform(level - 1, block);
        // A batch is one uniform below its block's maximum; a block of `n`
        // batches has the maximum of `n` of them (no `powf` for batches).
        let scale = if level == 1 {
            u
        } else {
            (u.ln() / block_len(level - 1) as f64).exp()
        };
        let level = parent.level * scale;
        Node {
            level,
            delay: self.dist.quantile(level).min(parent.delay),
        }
    }

    /// A uniform in (0, 1] hashed from (level, block).
    fn uniform(&self, level: u32, block: u64) -> f64 {
        let h = mix64(self.level_keys[level as usize] ^ spread(block));
        // 53 random bits, centred in their cell: never 0.
        ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

/// Batches a question looks back over behind the newest arrived one, from
/// the apply-delay law: the fewest `L` (to 1/256) such that, with batches
/// sent as they are cut, all the batches older than the window together are
/// still pending with probability below [`IGNORED_PENDING`].
///
/// Why that sum: when batch `n` is the newest arrived by `t − one_way` and
/// the link has no backlog, batch `n − k` was sent before `(n − k + 1)T`
/// (its send takes less than an interval) and `t − one_way ≥ nT`, so it is
/// pending only if its delay exceeds `(k − 1)T`. Every batch older than
/// the window (`k > L`) can be the one a question wrongly takes as applied,
/// so the union bound is `Σ_{m≥L} S(mT)`, `S` the delay's survival
/// function; `S` is non-increasing, so that sum is at most
/// `S(LT) + ∫_{LT}^∞ S(x) dx / T`, which has a closed form (or a closed
/// upper bound) for every law of `Dist`. A per-batch `1 − 1e-9` quantile
/// bounds one term only: with 1 ms batches and seconds of delay thousands
/// of terms add up.
///
/// No draw exceeds the delay's `1 − ε` quantile (`Dist::quantile` clamps
/// its level), so `⌈Q(1 − ε)/T⌉` batches always suffice and the window is
/// never longer; it is also at most [`LOOK_BACK_MAX`], which no scenario
/// reaches. While a backlog drains after a partition, batches leave faster
/// than they are cut and the window spans less time: the bound above holds
/// for a link that keeps up with its load.
///
/// The search costs a few dozen `erfc` for a lognormal delay, more than the
/// rest of a replication: the last answer is kept per thread (every link of
/// a scenario asks with the same law and interval), a pure function's memo.
pub fn look_back(dist: &Dist, interval: SimDuration) -> u64 {
    thread_local! {
        static LAST: RefCell<Option<(Dist, SimDuration, u64)>> = const { RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((d, i, l)) if d == dist && *i == interval => *l,
            _ => {
                let l = search_look_back(dist, interval);
                *last = Some((dist.clone(), interval, l));
                l
            }
        }
    })
}

/// [`look_back`], computed.
fn search_look_back(dist: &Dist, interval: SimDuration) -> u64 {
    let t = interval.0.max(1) as f64;
    let certain = (dist.quantile(1.0 - f64::EPSILON).0 as f64 / t).ceil();
    let cap = certain.clamp(1.0, LOOK_BACK_MAX as f64) as u64;
    // A NaN bound (degenerate parameters) is not a pass.
    let too_short = |x: f64| {
        let bound = survival(dist, x) + tail_integral(dist, x) / t;
        bound.is_nan() || bound > IGNORED_PENDING
    };
    // The bound is at least `S(x)`, so it fails below the 1 − target
    // quantile: start there and double, then bisect.
    let mut lo = 0.0;
    let mut hi = (dist.quantile(1.0 - IGNORED_PENDING).0 as f64).max(t);
    while too_short(hi) {
        if hi / t >= cap as f64 {
            return cap;
        }
        lo = hi;
        hi *= 2.0;
    }
    while hi - lo > t.max(hi / 256.0) {
        let mid = 0.5 * (lo + hi);
        if too_short(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    ((hi / t).ceil() as u64).clamp(1, cap)
}

/// `P(a > x)`, `x` in ns, computed in the upper tail (not as `1 − CDF`,
/// which is 0 below 1e-16).
fn survival(dist: &Dist, x: f64) -> f64 {
    if x < 0.0 {
        return 1.0;
    }
    match *dist {
        Dist::Constant(d) => f64::from(u8::from(x < d.0 as f64)),
        Dist::Exponential { mean } => (-x / mean).exp(),
        Dist::LogNormal { median, sigma } => normal_cdf(-(x / median).ln() / sigma),
        Dist::Uniform { low, high } => {
            let (l, h) = (low.0 as f64, high.0 as f64);
            if x < l {
                1.0
            } else if x >= h {
                0.0
            } else {
                (h - x) / (h - l)
            }
        }
        Dist::Weibull { shape, mean } => {
            let scale = mean / gamma(1.0 + 1.0 / shape);
            (-(x / scale).powf(shape)).exp()
        }
    }
}

/// `∫_x^∞ P(a > y) dy = E[(a − x)⁺]` in ns, or an upper bound of it (Weibull).
fn tail_integral(dist: &Dist, x: f64) -> f64 {
    let x = x.max(0.0);
    match *dist {
        Dist::Constant(d) => (d.0 as f64 - x).max(0.0),
        Dist::Exponential { mean } => mean * (-x / mean).exp(),
        Dist::LogNormal { median, sigma } => {
            // E[(a − x)⁺] = E[a]·Φ(σ − z) − x·Φ(−z), z = ln(x/m)/σ.
            let z = (x / median).ln() / sigma;
            let mean = median * (0.5 * sigma * sigma).exp();
            (mean * normal_cdf(sigma - z) - x * normal_cdf(-z)).max(0.0)
        }
        Dist::Uniform { low, high } => {
            let (l, h) = (low.0 as f64, high.0 as f64);
            if x < l {
                (l - x) + 0.5 * (h - l)
            } else if x >= h {
                0.0
            } else {
                (h - x) * (h - x) / (2.0 * (h - l))
            }
        }
        Dist::Weibull { shape, mean } => {
            // (λ/k)·Γ(s, z) with s = 1/k, z = (x/λ)^k, and
            // Γ(s, z) = z^(s−1) e^(−z) ∫₀^∞ (1 + u/z)^(s−1) e^(−u) du
            //        ≤ z^(s−1) e^(−z) / (1 − max(s − 1, 0)/z) for z > max(s − 1, 0)
            // ((1 + u/z)^(s−1) ≤ e^((s−1)u/z)); else the mean bounds it.
            let scale = mean / gamma(1.0 + 1.0 / shape);
            let (s, z) = (1.0 / shape, (x / scale).powf(shape));
            let excess = (s - 1.0).max(0.0);
            if z > 2.0 * excess && z > 0.0 {
                scale / shape * z.powf(s - 1.0) * (-z).exp() / (1.0 - excess / z)
            } else {
                mean
            }
        }
    }
}

/// Number of batches in a block at `level`.
pub fn block_len(level: u32) -> u64 {
    1 << (FANOUT_BITS * level)
}

/// Distinct block numbers far apart before hashing.
fn spread(block: u64) -> u64 {
    block.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The splitmix64 finaliser: a bijective avalanche of 64 bits.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::{stream_rng, Stream};
    use crate::stats::ks_one_sample;

    const LOGNORMAL: Dist = Dist::LogNormal {
        median: 2e9,
        sigma: 0.5,
    };

    /// Batches cut ten times a second: a look-back of about 45 s, three levels.
    fn often_cut() -> ApplyDelays {
        let rng = stream_rng(7, 0, Stream::ApplyDelay);
        ApplyDelays::new(LOGNORMAL, SimDuration::from_millis(100), &rng)
    }

    #[test]
    fn the_tree_is_as_tall_as_the_look_back_needs() {
        let rng = stream_rng(7, 0, Stream::ApplyDelay);
        let rare = ApplyDelays::new(LOGNORMAL, SimDuration::from_secs(5), &rng);
        let d = often_cut();
        let millis = ApplyDelays::new(LOGNORMAL, SimDuration::from_millis(1), &rng);
        // 5 s, 100 ms and 1 ms batches, lognormal median 2 s, σ 0.5: the
        // windows reach 45 s to 76 s.
        assert_eq!((rare.look_back(), rare.top_level()), (9, 2));
        assert_eq!((d.look_back(), d.top_level()), (538, 4));
        assert_eq!((millis.look_back(), millis.top_level()), (75_709, 6));
        for x in [&rare, &d, &millis] {
            let l = x.look_back();
            assert!(block_len(x.top_level()) >= l && block_len(x.top_level() - 1) < l);
        }
    }

    /// `Σ_{m≥from} P(a > m·T)`, term by term from `1 − CDF` (independent
    /// of the closed forms `look_back` uses), until the terms vanish.
    fn ignored_mass(dist: &Dist, interval: SimDuration, from: u64) -> f64 {
        let t = interval.as_secs_f64();
        let mut sum = 0.0;
        for m in from.. {
            let s = 1.0 - dist.cdf_secs(m as f64 * t);
            sum += s;
            if s < 1e-17 {
                return sum;
            }
        }
        unreachable!()
    }

    /// The window is the fewest batches (within the bisection's 1/256 and
    /// one batch) such that the batches older than it are, all together,
    /// still pending with probability at most 1e-9: the old rule (the
    /// 1 − 1e-9 quantile, capped at 256 batches) ignored a pending batch
    /// with probability ~1 at 10 ms batches and 2 s delays.
    #[test]
    fn the_look_back_bounds_what_it_ignores() {
        let ms = SimDuration::from_millis;
        let laws = [
            Dist::Exponential { mean: 1e8 },
            Dist::Exponential { mean: 1e9 },
            Dist::Exponential { mean: 3e9 },
            LOGNORMAL,
            Dist::LogNormal {
                median: 1e8,
                sigma: 1.0,
            },
            Dist::Weibull {
                shape: 0.7,
                mean: 1e9,
            },
            Dist::Weibull {
                shape: 2.0,
                mean: 1e9,
            },
            Dist::Uniform {
                low: ms(100),
                high: ms(900),
            },
            Dist::Constant(ms(250)),
        ];
        for dist in &laws {
            for interval in [ms(1), ms(10), ms(1000)] {
                let l = look_back(dist, interval);
                let beyond = ignored_mass(dist, interval, l);
                assert!(
                    beyond <= IGNORED_PENDING,
                    "{dist:?} {interval:?}: L {l}, {beyond:e}"
                );
                // Not much longer than needed.
                let shorter = ((l as f64 / 1.02) as u64).saturating_sub(1);
                if shorter >= 1 {
                    let m = ignored_mass(dist, interval, shorter);
                    assert!(m > IGNORED_PENDING, "{dist:?} {interval:?}: L {l} too long");
                }
            }
        }
        let l = look_back(&LOGNORMAL, ms(10));
        assert!(
            l > 4_000 && ignored_mass(&LOGNORMAL, ms(10), 256) > 0.99,
            "{l}"
        );
    }

    /// Every draw is at most the delay's `1 − ε` quantile, so a window that
    /// long is certain and the bound never asks for more; a delay of zero
    /// needs one batch.
    #[test]
    fn the_look_back_never_exceeds_the_longest_draw() {
        let ms = SimDuration::from_millis;
        let day = Dist::Uniform {
            low: SimDuration::ZERO,
            high: SimDuration::from_secs(86_400),
        };
        assert_eq!(look_back(&day, ms(1)), 86_400_000);
        assert_eq!(look_back(&Dist::Constant(SimDuration::ZERO), ms(1)), 1);
        assert_eq!(look_back(&Dist::Constant(ms(5)), ms(1)), 5);
        // A year-long mean at 1 ms batches: a 12-level tree, no cap.
        let rng = stream_rng(7, 0, Stream::ApplyDelay);
        let year = Dist::Exponential { mean: 3.15e16 };
        let d = ApplyDelays::new(year, ms(1), &rng);
        assert!(
            d.look_back() > 1 << 36 && d.top_level() >= 12,
            "{}",
            d.look_back()
        );
        assert_eq!(d.of(5), d.of(5));
    }

    /// A deep tree (1 ms batches, six levels) keeps the law.
    #[test]
    fn a_deep_tree_keeps_the_law() {
        let rng = stream_rng(9, 0, Stream::ApplyDelay);
        let d = ApplyDelays::new(LOGNORMAL, SimDuration::from_millis(1), &rng);
        assert!(d.top_level() >= 6);
        let all: Vec<f64> = (0..20_000u64).map(|i| d.of(i).as_secs_f64()).collect();
        let p = ks_one_sample(&all, |x| LOGNORMAL.cdf_secs(x)).p_value;
        assert!(p > 0.001, "KS p = {p}");
        let maxima: Vec<f64> = (0..2_000u64)
            .map(|b| {
                let m = (b * 512..(b + 1) * 512).map(|i| d.of(i)).max();
                m.expect("512 batches").as_secs_f64()
            })
            .collect();
        let p = ks_one_sample(&maxima, |x| LOGNORMAL.cdf_secs(x).powi(512)).p_value;
        assert!(p > 0.001, "KS p = {p}");
    }

    #[test]
    fn a_block_delay_is_the_largest_of_its_batches() {
        let d = often_cut();
        let top_level = d.top_level();
        let (top_len, child_len) = (block_len(top_level), block_len(top_level - 1));
        for top_block in 0..4u64 {
            let top = d.top(top_block);
            let batches = (top_block * top_len..(top_block + 1) * top_len).map(|i| d.of(i));
            assert_eq!(batches.max(), Some(top.delay));
            for c in 0..FANOUT {
                let b = top_block * FANOUT + c;
                let mid = d.child(top, top_level, top_block, b);
                let own = (b * child_len..(b + 1) * child_len).map(|i| d.of(i)).max();
                assert_eq!(own, Some(mid.delay), "block {b}");
            }
        }
    }

    #[test]
    fn batch_delays_follow_the_law_whatever_their_place_in_the_tree() {
        let d = often_cut();
        let n = 20_000u64;
        // Every batch, and separately one batch per leaf block (so a block's
        // maximum is not over-represented), against the law.
        let all: Vec<f64> = (0..n).map(|i| d.of(i).as_secs_f64()).collect();
        let sparse: Vec<f64> = (0..n).map(|i| d.of(i * FANOUT + 5).as_secs_f64()).collect();
        for sample in [all, sparse] {
            let p = ks_one_sample(&sample, |x| LOGNORMAL.cdf_secs(x)).p_value;
            assert!(p > 0.001, "KS p = {p}");
        }
    }

    #[test]
    fn a_block_holds_independent_draws() {
        // The largest of 64 independent draws has CDF F^64: a tree that put
        // its children's maxima too close to (or too far below) the
        // block's would shift it. Blocks of 64 span two levels.
        let d = often_cut();
        let maxima: Vec<f64> = (0..3_000u64)
            .map(|b| {
                let m = (b * 64 + 3..(b + 1) * 64 + 3).map(|i| d.of(i)).max();
                m.expect("64 batches").as_secs_f64()
            })
            .collect();
        let p = ks_one_sample(&maxima, |x| LOGNORMAL.cdf_secs(x).powi(64)).p_value;
        assert!(p > 0.001, "KS p = {p}");
    }

    #[test]
    fn neighbouring_batches_are_independent() {
        // Lag-1 correlation of the uniform levels: its standard error under
        // independence is 1/√n, so 4/√n never flakes with a fixed seed and
        // catches a tree that makes neighbours share their draws.
        let d = often_cut();
        let n = 40_000u64;
        let u: Vec<f64> = (0..n)
            .map(|i| LOGNORMAL.cdf_secs(d.of(i).as_secs_f64()))
            .collect();
        let mean = u.iter().sum::<f64>() / n as f64;
        let var = u.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
        let cov = u
            .windows(2)
            .map(|w| (w[0] - mean) * (w[1] - mean))
            .sum::<f64>();
        let r = cov / var;
        assert!(r.abs() < 4.0 / (n as f64).sqrt(), "lag-1 correlation {r}");
    }

    #[test]
    fn constant_delays_need_no_tree() {
        let rng = stream_rng(1, 0, Stream::ApplyDelay);
        let d = ApplyDelays::new(Dist::Constant(SimDuration(5)), SimDuration(1), &rng);
        assert_eq!(d.of(123_456), SimDuration(5));
    }

    #[test]
    fn another_replication_draws_other_delays() {
        let a = often_cut();
        let rng = stream_rng(7, 1, Stream::ApplyDelay);
        let b = ApplyDelays::new(LOGNORMAL, SimDuration::from_millis(100), &rng);
        let same = (0..100).filter(|&i| a.of(i) == b.of(i)).count();
        assert!(same < 5, "{same} of 100 equal");
    }
}
