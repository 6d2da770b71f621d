//! Statistics over independent replications: means and ratio estimators with t-intervals, and
//! a sample against a theoretical CDF.

use super::check::{DistributionComparison, MeanComparison, QuantileRow};
use super::DISPLAY_CONFIDENCE;
use crate::stats::{ks_one_sample, student_t_quantile, MeanCi, Welford};

/// Mean of one value per replication with its t-interval.
pub(super) fn mean_over_runs(values: &[f64], events: u64) -> Option<MeanComparison> {
    let mut w = Welford::new();
    for &v in values {
        w.push(v);
    }
    if w.count() < 2 {
        return None;
    }
    Some(MeanComparison {
        ci: w.mean_ci(DISPLAY_CONFIDENCE),
        std_error: w.std_dev() / (w.count() as f64).sqrt(),
        events,
    })
}

/// Ratio estimator R = Σy/Σx over replications (y, x per replication; e.g. total downtime and
/// number of outages), with the delta-method standard error sd(y − R·x)/(√n·x̄) and a t-interval
/// with n − 1 degrees of freedom (Cochran, *Sampling Techniques*, ch. 6). This is how a mean per
/// event (per outage, per failover) gets an interval from independent replications when the
/// events inside one replication are correlated and their number varies.
pub(super) fn ratio_over_runs(pairs: &[(f64, f64)]) -> Option<MeanComparison> {
    let n = pairs.len();
    let sx: f64 = pairs.iter().map(|p| p.1).sum();
    if n < 2 || sx <= 0.0 {
        return None;
    }
    let r = pairs.iter().map(|p| p.0).sum::<f64>() / sx;
    let mut w = Welford::new();
    for &(y, x) in pairs {
        w.push(y - r * x);
    }
    let xbar = sx / n as f64;
    let se = w.std_dev() / ((n as f64).sqrt() * xbar);
    let t = student_t_quantile(0.5 + 0.5 * DISPLAY_CONFIDENCE, (n - 1) as f64);
    Some(MeanComparison {
        ci: MeanCi {
            n: n as u64,
            mean: r,
            half_width: t * se,
            low: r - t * se,
            high: r + t * se,
        },
        std_error: se,
        events: sx.round() as u64,
    })
}

/// Shifts a comparison of residuals (simulated − per-event theory) back onto the scale of the
/// quantity: simulated mean = theory + mean residual, same interval width.
pub(super) fn shifted(mut m: MeanComparison, theory: f64) -> MeanComparison {
    m.ci.mean += theory;
    m.ci.low += theory;
    m.ci.high += theory;
    m
}

pub(super) fn distribution(
    sample: &[f64],
    cdf: impl Fn(f64) -> f64,
    quantile: impl Fn(f64) -> f64,
) -> DistributionComparison {
    let ks = ks_one_sample(sample, &cdf);
    let mut sorted = sample.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let quantiles = [0.1, 0.5, 0.9]
        .iter()
        .map(|&p| QuantileRow {
            p,
            theory: quantile(p),
            simulated: empirical_quantile(&sorted, p),
        })
        .collect();
    DistributionComparison {
        n: sample.len() as u64,
        ks,
        quantiles,
    }
}

/// Nearest-rank empirical quantile of a sorted sample (NaN when empty).
fn empirical_quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}
