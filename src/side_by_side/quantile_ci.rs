//! Confidence intervals of the p99 RPO and RTO, for the comparison chart's
//! error bars: the summary's quantiles come from HDR histograms and carry
//! no interval, so the realised values of each class are kept here.
//!
//! The interval is the distribution-free one of order statistics: with `n`
//! values sorted, the p-quantile lies between the `l`-th and the `u`-th
//! smallest with about 95% confidence, `l, u = n·p ∓ 1.96·√(n·p·(1 − p))`
//! (the normal approximation of the binomial count of values below the
//! quantile). It treats the incidents as independent draws: replications
//! are, incidents within one replication nearly so.

use crate::incident::IncidentClass;
use crate::model::ReplicationOutcome;
use crate::runner::OutcomeSink;

/// The realised values (ns) of one incident class, over every replication.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClassValues {
    /// RPO of every incident of the class (the summary's `rpo_s`).
    pub rpo_ns: Vec<u64>,
    /// RTO of the disruptive incidents (the summary's `disruptive_rto_s`).
    pub disruptive_rto_ns: Vec<u64>,
}

/// Collects the zone and region values of a run, in replication order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IncidentValues {
    pub zone: ClassValues,
    pub region: ClassValues,
}

impl OutcomeSink for IncidentValues {
    fn accept(&mut self, outcome: &ReplicationOutcome, _: &str) -> std::io::Result<()> {
        for inc in &outcome.incidents {
            let class = match inc.class {
                IncidentClass::Zone => &mut self.zone,
                IncidentClass::Region => &mut self.region,
                _ => continue,
            };
            class.rpo_ns.push(inc.rpo_ns);
            if inc.disruptive() {
                class.disruptive_rto_ns.push(inc.rto_ns);
            }
        }
        Ok(())
    }
}

/// z of a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// The 95% interval (seconds) of the `p`-quantile of `values` (ns, any
/// order); `None` without values.
pub fn quantile_ci95(values: &[u64], p: f64) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len() as f64;
    let half = Z95 * (n * p * (1.0 - p)).sqrt();
    // 1-based ranks l = ⌊np − half⌋ and u = ⌈np + half⌉, clamped to the data.
    let rank = |r: f64| (r.max(1.0).min(n) as usize) - 1;
    let low = sorted[rank((n * p - half).floor())];
    let high = sorted[rank((n * p + half).ceil())];
    Some((low as f64 / 1e9, high as f64 / 1e9))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_brackets_the_quantile_by_binomial_ranks() {
        // 1..=10000 s: the p99 is 9900 s; n·p = 9900, half = 1.96·√99 ≈ 19.5,
        // so ranks 9880 and 9920.
        let values: Vec<u64> = (1..=10_000u64).rev().map(|s| s * 1_000_000_000).collect();
        assert_eq!(quantile_ci95(&values, 0.99), Some((9880.0, 9920.0)));
        assert_eq!(quantile_ci95(&[], 0.99), None);
        // One value: the interval is that value.
        assert_eq!(quantile_ci95(&[5_000_000_000], 0.99), Some((5.0, 5.0)));
    }
}
