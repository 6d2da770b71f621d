//! Last-writer-wins conflicts between two writing regions, as rates over
//! the replication lag instead of one event per write.
//!
//! **Definition.** A write `w` made in region X at `t` reaches the other
//! region Y at `t + L` (its lag: the wait for its batch's cut, the batch's
//! sending time, the propagation and the apply delay; visible = applied).
//! `w` is a **lost update** when the next write to its key, in timestamp
//! order, is made in Y before `t + L`: that write did not see `w` and wins
//! by its later timestamp, so `w` is silently overwritten. A later write to
//! the key in X supersedes `w` legitimately (it saw it), and so does a
//! write in Y after `w` arrived. Each write is lost at most once, so lost
//! updates never exceed writes (a pair count would: a hot key overwritten
//! many times in one window).
//!
//! **Why a formula is exact.** Writes are Poisson in each region and keys
//! are drawn independently of times (key `k` with probability `p_k`), so
//! the writes to key `k` are independent Poisson processes of rates
//! `p_k·a(s)` (X) and `p_k·b(s)` (Y). With rates piecewise constant over
//! segments `i` of lengths `l_i` after `t` (rates `a_i`, `b_i`), the chance
//! that the first write to `k` after `t` is Y's and within the window is
//!
//! ```text
//! P_k = Σ_i exp(−p_k Σ_{j<i} (a_j + b_j) l_j) · b_i/(a_i + b_i) · (1 − exp(−p_k (a_i + b_i) l_i))
//! ```
//!
//! and `w` is lost with probability `Σ_k p_k P_k` (its own key is `k` with
//! probability `p_k`). Expected lost updates are that probability summed
//! (integrated) over the writes; the count of a replication is a Poisson
//! draw of the expectation (thin per-key processes). For one segment of
//! constant rates α (X), β (Y) and a uniform key space of `K` keys:
//! `P = β/Λ · (1 − e^{−ΛL/K})`, `Λ = α + β`, so for small windows the
//! rate of lost updates is `≈ αβ(L_X + L_Y)/K`, and `αβ(L_X + L_Y)Σp_k²`
//! under a skewed key space. `per_write` simulates the same definition
//! write by write to check these.
//!
//! **Key space.** Uniform: one bucket. Zipf (`p_k ∝ k^−s`): the first
//! [`HEAD_KEYS`] keys one by one, the rest in buckets of keys whose
//! probabilities differ by at most [`BUCKET_RATIO`]; a bucket's keys share
//! its mean probability (the error is second order in the ratio's excess,
//! about 1e-4 relative), so a million keys cost about 700 terms.

/// Keys of a Zipf key space taken one by one (the hot ones).
pub const HEAD_KEYS: u64 = 256;
/// Ratio of the last to the first key index of a tail bucket.
pub const BUCKET_RATIO: f64 = 1.02;
/// Midpoints of the rule integrating over a window of write instants.
const QUADRATURE_POINTS: usize = 32;

/// Keys grouped by probability: `(number of keys, probability of each)`.
#[derive(Clone, Debug, PartialEq)]
pub struct KeySpace {
    buckets: Vec<(f64, f64)>,
}

/// A stretch after a write during which the rates of later writes to the
/// key space are constant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    /// Writes per second of the write's own region (they supersede it).
    pub own: f64,
    /// Writes per second made in the other region without seeing it.
    pub other: f64,
    /// Length of the stretch (seconds).
    pub secs: f64,
}

impl KeySpace {
    /// `keys` keys (≥ 1) with Zipf exponent `skew` (0: uniform).
    pub fn new(keys: u64, skew: f64) -> KeySpace {
        let keys = keys.max(1);
        if skew == 0.0 {
            return KeySpace {
                buckets: vec![(keys as f64, 1.0 / keys as f64)],
            };
        }
        // Unnormalised masses: the head key by key, the tail by the
        // integral of x^−s over each bucket [a − ½, b − ½] (the midpoint
        // sum of the keys a … b − 1, exact to O(s²/a²)).
        let mut raw: Vec<(f64, f64)> = (1..=keys.min(HEAD_KEYS))
            .map(|k| (1.0, (k as f64).powf(-skew)))
            .collect();
        let mut a = HEAD_KEYS + 1;
        while a <= keys {
            let b = (((a as f64) * BUCKET_RATIO).ceil() as u64)
                .max(a + 1)
                .min(keys + 1);
            let mass = power_integral(a as f64 - 0.5, b as f64 - 0.5, skew);
            let n = (b - a) as f64;
            raw.push((n, mass / n));
            a = b;
        }
        let total: f64 = raw.iter().map(|&(n, w)| n * w).sum();
        KeySpace {
            buckets: raw.into_iter().map(|(n, w)| (n, w / total)).collect(),
        }
    }

    /// `Σ_k p_k²`: the chance that two independent writes share a key.
    pub fn collision(&self) -> f64 {
        self.buckets.iter().map(|&(n, p)| n * p * p).sum()
    }

    /// Probability that a write followed by `segments` (its window, in
    /// order) is a lost update: the next write to its key is made in the
    /// other region within the window.
    pub fn overwritten(&self, segments: &[Segment]) -> f64 {
        self.buckets
            .iter()
            .map(|&(n, p)| {
                let mut before = 0.0;
                let mut lost = 0.0;
                for s in segments {
                    let total = s.own + s.other;
                    if total <= 0.0 || s.secs <= 0.0 {
                        continue;
                    }
                    lost += (-p * before).exp() * s.other / total * -(-p * total * s.secs).exp_m1();
                    before += total * s.secs;
                }
                n * p * lost
            })
            .sum()
    }

    /// Expected lost updates among writes made at `rate` per second over a
    /// span of `span` seconds, the write at offset `u` from its start
    /// followed by `window(u)` (midpoint rule over [`QUADRATURE_POINTS`]).
    pub fn lost_over_span(
        &self,
        rate: f64,
        span: f64,
        window: impl Fn(f64) -> Vec<Segment>,
    ) -> f64 {
        if rate <= 0.0 || span <= 0.0 {
            return 0.0;
        }
        let h = span / QUADRATURE_POINTS as f64;
        let sum: f64 = (0..QUADRATURE_POINTS)
            .map(|i| self.overwritten(&window((i as f64 + 0.5) * h)))
            .sum();
        rate * h * sum
    }
}

/// `∫_a^b x^−s dx`.
fn power_integral(a: f64, b: f64, s: f64) -> f64 {
    if (s - 1.0).abs() < 1e-12 {
        (b / a).ln()
    } else {
        (b.powf(1.0 - s) - a.powf(1.0 - s)) / (1.0 - s)
    }
}

/// The lag of a write on a link at rest: `fixed` (sending time,
/// propagation, and one of `apply` quantiles, equally likely) plus the wait
/// for its batch's cut, uniform on `[0, batch)` for a write at a uniform
/// instant.
#[derive(Clone, Debug, PartialEq)]
pub struct SteadyLag {
    /// Seconds every write waits after its cut (sending time + propagation).
    pub fixed: f64,
    /// Batch interval (seconds).
    pub batch: f64,
    /// Equally likely apply delays (seconds): midpoint quantiles of the law.
    pub apply: Vec<f64>,
}

impl SteadyLag {
    /// The mean lag (seconds).
    pub fn mean(&self) -> f64 {
        let apply = if self.apply.is_empty() {
            0.0
        } else {
            self.apply.iter().sum::<f64>() / self.apply.len() as f64
        };
        self.fixed + self.batch / 2.0 + apply
    }
}

/// Lost updates per second among the writes of a region writing at `own`
/// while the other writes at `other`, both steadily, the link at rest:
/// the write rate times the chance of being overwritten, averaged over the
/// lag's law (midpoints over the cut wait, the apply quantiles as given).
pub fn steady_lost_rate(keys: &KeySpace, own: f64, other: f64, lag: &SteadyLag) -> f64 {
    let applies: &[f64] = if lag.apply.is_empty() {
        &[0.0]
    } else {
        &lag.apply
    };
    let per_apply: f64 = applies
        .iter()
        .map(|&a| {
            keys.lost_over_span(own, lag.batch.max(1e-12), |u| {
                vec![Segment {
                    own,
                    other,
                    secs: lag.fixed + a + u,
                }]
            })
        })
        .sum::<f64>()
        / applies.len() as f64;
    per_apply / lag.batch.max(1e-12)
}

/// The closed form for a uniform key space of `keys` keys, rates `a` and
/// `b` per second, and constant lags `la`, `lb` (seconds): lost updates per
/// second `ab/Λ · (2 − e^{−Λ la/K} − e^{−Λ lb/K})`, `Λ = a + b`.
pub fn uniform_constant_lag_rate(keys: f64, a: f64, b: f64, la: f64, lb: f64) -> f64 {
    let total = a + b;
    if total <= 0.0 {
        return 0.0;
    }
    a * b / total * (-(-total * la / keys).exp_m1() - (-total * lb / keys).exp_m1())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_space_is_a_distribution() {
        for (k, s) in [
            (1, 0.0),
            (10, 0.0),
            (1000, 0.99),
            (1_000_000, 0.99),
            (1 << 40, 1.2),
        ] {
            let ks = KeySpace::new(k, s);
            let total: f64 = ks.buckets.iter().map(|&(n, p)| n * p).sum();
            let keys: f64 = ks.buckets.iter().map(|&(n, _)| n).sum();
            assert!((total - 1.0).abs() < 1e-9, "{k} {s}: {total}");
            assert_eq!(keys, k as f64);
            assert!(ks.buckets.len() < 2000, "{}", ks.buckets.len());
        }
    }

    /// The bucketed Zipf space against the key-by-key sum of p_k² (a
    /// wrong normalisation or bucket mass fails this).
    #[test]
    fn zipf_collision_matches_the_sum_over_keys() {
        for (k, s) in [(100_000u64, 0.99), (50_000, 0.5), (20_000, 1.5)] {
            let h: f64 = (1..=k).map(|i| (i as f64).powf(-s)).sum();
            let exact: f64 = (1..=k).map(|i| ((i as f64).powf(-s) / h).powi(2)).sum();
            let got = KeySpace::new(k, s).collision();
            assert!(
                (got / exact - 1.0).abs() < 2e-3,
                "{k} {s}: {got} vs {exact}"
            );
        }
    }

    /// One segment, uniform keys: the closed form β/Λ·(1 − e^{−ΛL/K}).
    #[test]
    fn one_segment_is_the_closed_form() {
        let ks = KeySpace::new(1000, 0.0);
        let p = ks.overwritten(&[Segment {
            own: 30.0,
            other: 70.0,
            secs: 5.0,
        }]);
        let closed = 0.7 * -(-100.0 * 5.0 / 1000.0f64).exp_m1();
        assert!((p - closed).abs() < 1e-12, "{p} vs {closed}");
    }

    /// Small windows: the steady rate tends to the pair count
    /// αβ·(E[L_A] + E[L_B])·Σp_k², uniform (Σp² = 1/K) and Zipf alike.
    #[test]
    fn small_windows_tend_to_the_sum_of_squares() {
        let lag = SteadyLag {
            fixed: 0.3,
            batch: 1.0,
            apply: vec![0.1, 0.5],
        };
        for (keys, skew) in [(1_000_000u64, 0.0), (1_000_000, 0.99), (10_000_000, 1.1)] {
            let ks = KeySpace::new(keys, skew);
            let (a, b) = (1e-3, 2e-3);
            let rate = steady_lost_rate(&ks, a, b, &lag) + steady_lost_rate(&ks, b, a, &lag);
            let pairs = a * b * 2.0 * lag.mean() * ks.collision();
            assert!(
                (rate / pairs - 1.0).abs() < 1e-3,
                "{keys} {skew}: {rate} vs {pairs}"
            );
        }
        assert!((KeySpace::new(1000, 0.0).collision() - 1e-3).abs() < 1e-15);
    }

    /// Splitting a segment in two changes nothing (the memoryless race).
    #[test]
    fn segments_compose() {
        let ks = KeySpace::new(5000, 0.8);
        let s = |secs| Segment {
            own: 10.0,
            other: 20.0,
            secs,
        };
        let one = ks.overwritten(&[s(3.0)]);
        let two = ks.overwritten(&[s(1.0), s(2.0)]);
        assert!((one - two).abs() < 1e-12);
    }
}
