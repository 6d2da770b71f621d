//! Exact first and second moments of integer samples, and the 256-bit
//! arithmetic they need.
//!
//! A merge of floating-point Welford states is not bit-identical to
//! sequential pushes; exact integer sums are, whatever the order. The same
//! exactness lets a merge check a foreign state: a true set of samples
//! satisfies Cauchy–Schwarz (n·Σx² ≥ (Σx)²) and, for samples bounded by M,
//! Σx ≤ n·M and Σx² ≤ M·Σx, exactly, with no rounding to allow for.

use super::{MomentsState, StateError};
use crate::stats::Welford;
use std::cmp::Ordering;

/// Exact first and second moments of non-negative integer samples
/// (nanoseconds, counts): n, Σx in 128 bits and Σx² in 256 bits, which
/// cannot overflow for fewer than 2^64 samples below 2^64. Sums are exact,
/// so any order of pushes and merges yields the same state, and the mean
/// and variance derived from it are the same bits on every path (the
/// variance numerator n·Σx² − (Σx)² = n·M2 is computed exactly before a
/// single rounding to f64, so it also never suffers Σx²-style cancellation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Moments {
    /// Samples.
    pub(super) n: u64,
    /// Σx, in the samples' unit.
    pub(super) sum: u128,
    /// Σx², in the unit squared.
    pub(super) sum_sq: U256,
}

impl Moments {
    pub(super) fn push(&mut self, x: u64) {
        let x = u128::from(x);
        self.n += 1;
        self.sum += x;
        // x² < 2^128 and fewer than 2^64 of them: Σx² < 2^192.
        self.sum_sq = self
            .sum_sq
            .checked_add(U256::from_u128(x * x))
            .expect("fewer than 2^64 samples below 2^64 keep Σx² below 2^192");
    }

    /// Mean and spread of `x / scale` as a [`Welford`] (for `Interval::of`).
    /// The moments must be those of real samples (pushed, or absorbed after
    /// [`Moments::check`]), for which n·Σx² ≥ (Σx)² holds.
    pub(super) fn welford(&self, scale: f64) -> Welford {
        if self.n == 0 {
            return Welford::new();
        }
        let n = self.n as f64;
        let mean = self.sum as f64 / n / scale;
        let sum = U256::from_u128(self.sum);
        let n_m2 = self
            .sum_sq
            .checked_mul(U256::from_u128(u128::from(self.n)))
            .and_then(|n_sum_sq| n_sum_sq.checked_sub(sum.checked_mul(sum)?))
            .expect("checked moments: n·Σx² fits 256 bits and is at least (Σx)²");
        let m2 = n_m2.to_f64() / n / scale / scale;
        Welford::from_parts(self.n, mean, m2)
    }

    pub(super) fn to_state(self) -> MomentsState {
        MomentsState {
            n: self.n,
            sum: self.sum.to_string(),
            sum_sq: self.sum_sq.to_hex(),
        }
    }

    /// Parses a [`MomentsState`]; `what` is its key path in the state.
    pub(super) fn from_state(what: &str, s: &MomentsState) -> Result<Moments, StateError> {
        let sum = super::state::parse_u128(&format!("{what}.sum"), &s.sum)?;
        let sum_sq = U256::from_hex(&s.sum_sq).ok_or_else(|| {
            StateError(format!(
                "{what}.sum_sq: `{}` is not a 0x-prefixed 256-bit hex",
                super::state::quoted(&s.sum_sq)
            ))
        })?;
        Ok(Moments {
            n: s.n,
            sum,
            sum_sq,
        })
    }

    /// Adds `other`'s samples; refuses (naming `what`) a total that does not fit.
    pub(super) fn checked_absorb(&mut self, what: &str, other: &Moments) -> Result<(), StateError> {
        let too_many = |field: &str| {
            StateError(format!(
                "{what}.{field}: the shards' totals add up past what a run can hold"
            ))
        };
        self.n = self.n.checked_add(other.n).ok_or_else(|| too_many("n"))?;
        self.sum = self
            .sum
            .checked_add(other.sum)
            .ok_or_else(|| too_many("sum"))?;
        self.sum_sq = self
            .sum_sq
            .checked_add(other.sum_sq)
            .ok_or_else(|| too_many("sum_sq"))?;
        Ok(())
    }

    /// Checks these are the moments of `n` non-negative integer samples, each
    /// at most `max` when given: Σx = Σx² = 0 without samples,
    /// (Σx)² ≤ n·Σx² (Cauchy–Schwarz: the variance is not negative),
    /// Σx ≤ Σx² (x ≤ x² for integers), Σx² ≤ (Σx)², and with a bound
    /// Σx ≤ n·max and Σx² ≤ max·Σx. Exact: no rounding to allow for.
    pub(super) fn check(&self, what: &str, max: Option<u64>) -> Result<(), StateError> {
        let refuse = |law: &str| {
            Err(StateError(format!(
                "{what}: n = {}, sum = {}, sum_sq = {} are not the moments of {} samples: {law} does not hold",
                self.n,
                self.sum,
                self.sum_sq.to_hex(),
                self.n
            )))
        };
        let sum = U256::from_u128(self.sum);
        let sum_squared = sum.checked_mul(sum).expect("a u128 squared fits 256 bits");
        if self.n == 0 {
            if self.sum != 0 || self.sum_sq != U256::default() {
                return refuse("sum = sum_sq = 0 without samples");
            }
            return Ok(());
        }
        // n·Σx² overflowing 256 bits is certainly ≥ (Σx)² < 2^256.
        let n_sum_sq = self.sum_sq.checked_mul(U256::from_u128(u128::from(self.n)));
        if n_sum_sq.is_some_and(|v| v < sum_squared) {
            return refuse("(sum)² ≤ n·sum_sq (a variance is never negative)");
        }
        if self.sum_sq < sum {
            return refuse("sum ≤ sum_sq (x ≤ x² for integers)");
        }
        if self.sum_sq > sum_squared {
            return refuse("sum_sq ≤ (sum)² (non-negative samples)");
        }
        if let Some(max) = max {
            if self.sum > u128::from(self.n) * u128::from(max) {
                return refuse(&format!("sum ≤ n·{max} (every sample is at most {max})"));
            }
            let bound = U256::from_u128(self.sum)
                .checked_mul(U256::from_u128(u128::from(max)))
                .expect("a u128 times a u64 fits 256 bits");
            if self.sum_sq > bound {
                return refuse(&format!(
                    "sum_sq ≤ {max}·sum (every sample is at most {max})"
                ));
            }
        }
        Ok(())
    }
}

/// Just enough unsigned 256-bit arithmetic for [`Moments`]: little-endian
/// 64-bit limbs, every operation checked (`None` on overflow), so a foreign
/// state can neither panic nor wrap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct U256(pub(super) [u64; 4]);

impl Ord for U256 {
    fn cmp(&self, other: &U256) -> Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }
}

impl PartialOrd for U256 {
    fn partial_cmp(&self, other: &U256) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl U256 {
    pub(super) fn from_u128(v: u128) -> U256 {
        U256([v as u64, (v >> 64) as u64, 0, 0])
    }

    pub(super) fn checked_add(self, o: U256) -> Option<U256> {
        let mut r = [0u64; 4];
        let mut carry = false;
        for (i, limb) in r.iter_mut().enumerate() {
            let (s, c1) = self.0[i].overflowing_add(o.0[i]);
            let (s, c2) = s.overflowing_add(u64::from(carry));
            *limb = s;
            carry = c1 || c2;
        }
        (!carry).then_some(U256(r))
    }

    pub(super) fn checked_sub(self, o: U256) -> Option<U256> {
        let mut r = [0u64; 4];
        let mut borrow = false;
        for (i, limb) in r.iter_mut().enumerate() {
            let (d, b1) = self.0[i].overflowing_sub(o.0[i]);
            let (d, b2) = d.overflowing_sub(u64::from(borrow));
            *limb = d;
            borrow = b1 || b2;
        }
        (!borrow).then_some(U256(r))
    }

    pub(super) fn checked_mul(self, o: U256) -> Option<U256> {
        let mut r = [0u64; 8];
        for i in 0..4 {
            let mut carry = 0u128;
            for j in 0..4 {
                // (2^64−1)² + 2·(2^64−1) = 2^128 − 1: never overflows.
                let t = u128::from(self.0[i]) * u128::from(o.0[j]) + u128::from(r[i + j]) + carry;
                r[i + j] = t as u64;
                carry = t >> 64;
            }
            r[i + 4] = carry as u64;
        }
        r[4..]
            .iter()
            .all(|&l| l == 0)
            .then_some(U256([r[0], r[1], r[2], r[3]]))
    }

    /// Correctly rounded (to nearest, ties to even) conversion.
    pub(super) fn to_f64(self) -> f64 {
        let lo = u128::from(self.0[0]) | (u128::from(self.0[1]) << 64);
        let hi = u128::from(self.0[2]) | (u128::from(self.0[3]) << 64);
        if hi == 0 {
            return lo as f64;
        }
        // Keep the top 128 bits, folding every bit shifted out into a sticky
        // low bit: 128 ≫ 53 + 2 bits, so the one rounding below is exact-correct.
        let shift = 128 - hi.leading_zeros();
        let top = if shift == 128 {
            hi
        } else {
            (hi << (128 - shift)) | (lo >> shift)
        };
        let dropped = if shift == 128 {
            lo
        } else {
            lo & ((1u128 << shift) - 1)
        };
        let sticky = u128::from(dropped != 0);
        (top | sticky) as f64 * f64::from_bits(u64::from(1023 + shift) << 52)
    }

    pub(super) fn to_hex(self) -> String {
        format!(
            "0x{:016x}{:016x}{:016x}{:016x}",
            self.0[3], self.0[2], self.0[1], self.0[0]
        )
    }

    pub(super) fn from_hex(text: &str) -> Option<U256> {
        let digits = text.strip_prefix("0x")?;
        if digits.is_empty() || digits.len() > 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        let padded = format!("{digits:0>64}");
        let mut limbs = [0u64; 4];
        for (i, limb) in limbs.iter_mut().enumerate() {
            let start = 64 - 16 * (i + 1);
            *limb = u64::from_str_radix(&padded[start..start + 16], 16).ok()?;
        }
        Some(U256(limbs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Arithmetic identities, overflow detection, ordering, hex round trip,
    /// and the rounding of `to_f64` at a tie (values chosen so the exact
    /// answer is known).
    #[test]
    fn u256_arithmetic_and_rounding() {
        let one = U256::from_u128(1);
        let a = U256::from_u128(u128::MAX);
        let sq = a.checked_mul(a).unwrap(); // (2^128 − 1)² = 2^256 − 2^129 + 1
        assert_eq!(sq.0, [1, 0, u64::MAX - 1, u64::MAX]);
        assert_eq!(sq.checked_sub(sq), Some(U256::default()));
        let below = sq.checked_sub(one).unwrap();
        assert_eq!(below.checked_add(one), Some(sq));
        assert!(below < sq && sq > a && one < a);
        let max = U256([u64::MAX; 4]);
        assert_eq!(max.checked_add(one), None);
        assert_eq!(U256::default().checked_sub(one), None);
        assert_eq!(sq.checked_mul(U256::from_u128(2)), None);
        assert_eq!(U256::from_hex(&sq.to_hex()), Some(sq));
        assert_eq!(U256::from_hex("0x1f"), Some(U256::from_u128(31)));
        assert_eq!(U256::from_hex("1f"), None);
        assert_eq!(U256::from_hex("0x"), None);
        assert_eq!(U256::from_hex("0xg"), None);
        // Rounding: 2^200 + 2^147 is a tie between 2^200 and 2^200 + 2^148
        // (53-bit mantissa): ties to even → 2^200. One more unit anywhere
        // below breaks the tie upwards (the sticky bit).
        let p200 = U256([0, 0, 0, 1 << 8]);
        let tie = p200.checked_add(U256([0, 0, 1 << 19, 0])).unwrap();
        assert_eq!(tie.to_f64(), 2f64.powi(200));
        let above = tie.checked_add(one).unwrap();
        assert_eq!(above.to_f64(), 2f64.powi(200) + 2f64.powi(148));
        assert_eq!(U256::from_u128(12345).to_f64(), 12345.0);
        assert_eq!(sq.to_f64(), 2f64.powi(256));
    }

    #[test]
    fn moments_match_welford_and_are_order_independent() {
        let xs: Vec<u64> = (0..1000u64)
            .map(|i| (i * 7919 % 1000) * 1_000_000_007)
            .collect();
        let mut fwd = Moments::default();
        xs.iter().for_each(|&x| fwd.push(x));
        let mut rev = Moments::default();
        xs.iter().rev().for_each(|&x| rev.push(x));
        assert_eq!(fwd, rev);
        let mut halves = Moments::default();
        let mut second = Moments::default();
        xs[..333].iter().for_each(|&x| halves.push(x));
        xs[333..].iter().for_each(|&x| second.push(x));
        let parsed = Moments::from_state("x", &second.to_state()).unwrap();
        halves.checked_absorb("x", &parsed).unwrap();
        assert_eq!(halves, fwd);

        let mut w = Welford::new();
        xs.iter().for_each(|&x| w.push(x as f64 / 1e9));
        let e = fwd.welford(1e9);
        assert_eq!(e.count(), w.count());
        assert!((e.mean() - w.mean()).abs() <= 1e-12 * w.mean().abs());
        assert!((e.variance() - w.variance()).abs() <= 1e-10 * w.variance());
        assert_eq!(Moments::default().welford(1e9), Welford::new());
    }

    /// Real samples pass the check; each law refuses a state that breaks
    /// only it (a halved Σx², a sum past n·max, moments without samples).
    #[test]
    fn moments_check_refuses_impossible_states() {
        let mut m = Moments::default();
        [0u64, 3, 7, 7, 1_000].iter().for_each(|&x| m.push(x));
        m.check("m", Some(1_000)).unwrap();
        m.check("m", None).unwrap();
        Moments::default().check("m", Some(0)).unwrap();
        let refused = |bad: Moments, max: Option<u64>, law: &str| {
            let e = bad.check("state.m", max).unwrap_err().0;
            assert!(e.starts_with("state.m: ") && e.contains(law), "{e}");
        };
        let mut narrow = Moments::default();
        [100u64, 101, 102, 103, 104]
            .iter()
            .for_each(|&x| narrow.push(x));
        narrow.check("m", Some(104)).unwrap();
        let halved = U256::from_u128(narrow.sum_sq.to_f64() as u128 / 2);
        refused(
            Moments {
                sum_sq: halved,
                ..narrow
            },
            None,
            "variance is never negative",
        );
        refused(m, Some(900), "sum_sq ≤ 900·sum");
        let fives = Moments {
            n: 2,
            sum: 10,
            sum_sq: U256::from_u128(50),
        };
        fives.check("m", Some(5)).unwrap();
        refused(fives, Some(4), "sum ≤ n·4");
        refused(Moments { n: 0, ..m }, None, "without samples");
        let with_sq = |n, sum, sum_sq| Moments {
            n,
            sum,
            sum_sq: U256::from_u128(sum_sq),
        };
        refused(with_sq(10, 3, 2), None, "x ≤ x²");
        refused(with_sq(1, 2, 5), None, "sum_sq ≤ (sum)²");
        let mut full = Moments {
            n: u64::MAX,
            ..Moments::default()
        };
        let e = full.checked_absorb("state.m", &m).unwrap_err().0;
        assert!(e.starts_with("state.m.n: "), "{e}");
    }
}
