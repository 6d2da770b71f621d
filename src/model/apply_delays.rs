//! Per-batch apply delays, drawn as a tree of block maxima.
//!
//! A last-sync question asks whether any batch in a look-back window (up to
//! a few hundred batches when batches are cut often) is still held up by a
//! slow apply. Drawing every batch of the window costs one quantile each, and
//! that made a replication's cost grow with the write rate (a full batch is
//! cut more often). So the delays are generated top-down: for every aligned
//! block of `8^L` batches the *maximum* of its draws comes first, and a
//! question skips, at the cost of one draw, every block whose maximum is too
//! small to hold anything up. The tree is only as tall as the look-back
//! window needs (one level when a few batches are cut per apply delay).
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
//! a quantile function is not monotone to the last ulp.

use crate::dist::Dist;
use crate::time::SimDuration;
use rand::rngs::ChaCha8Rng;

/// log2 of the number of children per node. Eight measured best: sixteen
/// draws more batches one by one near the newest, four more levels.
const FANOUT_BITS: u32 = 3;
const FANOUT: u64 = 1 << FANOUT_BITS;

/// Batches looked back over at most for slow predecessors: batches older
/// than this are taken as applied (bounds a question's cost).
pub const LOOK_BACK_MAX: u64 = 256;

/// The highest level a tree may need: its blocks hold at least
/// `LOOK_BACK_MAX` batches.
const MAX_LEVEL: usize = 3;

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
    /// Batches a question looks back over (see [`LOOK_BACK_MAX`]).
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
        // Batches older than the apply delay's 1 − 1e-9 quantile cannot still
        // be pending: look back that far, no further.
        let look_back =
            (dist.quantile(1.0 - 1e-9).0 as f64 / interval.0.max(1) as f64).ceil() as u64 + 2;
        let look_back = look_back.min(LOOK_BACK_MAX);
        let top_level = (1..=MAX_LEVEL as u32)
            .find(|&l| block_len(l) >= look_back)
            .unwrap_or(MAX_LEVEL as u32);
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

    /// Batches cut ten times a second: a full look-back, two levels.
    fn often_cut() -> ApplyDelays {
        let rng = stream_rng(7, 0, Stream::ApplyDelay);
        ApplyDelays::new(LOGNORMAL, SimDuration::from_millis(100), &rng)
    }

    #[test]
    fn the_tree_is_as_tall_as_the_look_back_needs() {
        let rng = stream_rng(7, 0, Stream::ApplyDelay);
        // 1 − 1e-9 quantile: 2 s · e^(0.5 · 6.0) ≈ 40 s.
        let rare = ApplyDelays::new(LOGNORMAL, SimDuration::from_secs(5), &rng);
        assert_eq!((rare.look_back(), rare.top_level()), (11, 2));
        let d = often_cut();
        assert_eq!((d.look_back(), d.top_level()), (LOOK_BACK_MAX, 3));
    }

    #[test]
    fn a_block_delay_is_the_largest_of_its_batches() {
        let d = often_cut();
        let (top_len, child_len) = (block_len(3), block_len(2));
        for top_block in 0..4u64 {
            let top = d.top(top_block);
            let batches = (top_block * top_len..(top_block + 1) * top_len).map(|i| d.of(i));
            assert_eq!(batches.max(), Some(top.delay));
            for c in 0..FANOUT {
                let b = top_block * FANOUT + c;
                let mid = d.child(top, 3, top_block, b);
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
