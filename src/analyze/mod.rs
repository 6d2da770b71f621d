//! Analytic cross-checks of a scenario (`drsim analyze`): for every metric where closed-form or
//! numerical theory applies to the scenario's assumptions, the theoretical value next to the
//! simulated one, with its confidence interval and a verdict; where the scenario is outside a
//! theory's assumptions, which assumption fails.
//!
//! Why: a simulator that disagrees with a closed form on the closed form's own ground is wrong,
//! whatever its users conclude from it. Each [`Check`] therefore states its formula and source
//! (the formulas live in [`crate::theory`]), the assumptions under which it holds and whether the
//! scenario meets each one, and — when the check runs on a *variant* of the scenario (e.g. a copy
//! with the reroute delay set to zero to isolate the k-of-n law) — exactly what was changed.
//!
//! Statistics: every confidence interval is a Student-t interval over **independent
//! replications** (one value per replication, or a ratio estimator Σy/Σx over replications with a
//! delta-method standard error), never over the correlated samples inside one replication.
//! Distribution checks use the one-sample Kolmogorov–Smirnov test ([`crate::stats::ks_one_sample`]).
//!
//! Verdict rule (stated once, used everywhere):
//! - mean checks *agree* when |simulated − theory| ≤ t_{1−α/2, n−1}·SE + allowance with
//!   α = [`VERDICT_ALPHA`] = 1e-5 (≈ 4.4–4.6 standard errors), where n is the number of
//!   replications and the allowance is a stated, computed numerical term (integer-nanosecond
//!   rounding, the start-up transient of a finite horizon, a model-mapping difference). The 95%
//!   interval is what the reports print; the verdict uses the wider one because a suite of a dozen
//!   checks at 95% would report a false disagreement in about half of all analyses of a correct
//!   simulator, while at α = 1e-5 a false alarm over the whole suite has probability ~1e-4;
//! - a mean check that agrees only through its allowance — |simulated − theory| exceeds the
//!   sampling interval t·SE but not t·SE + allowance — *differs by design*: the simulation
//!   measurably differs from the formula, by no more than the stated allowance covers (e.g. the
//!   textbook active/standby chain, which drsim deliberately does not implement). The verdict
//!   carries the allowance note as its reason and the figures (gap, z, sampling interval,
//!   allowance), so a reader never takes such a check for a match. It is not a failure: `drsim
//!   analyze` exits 1 only when a check *disagrees* ([`Verdict::is_failure`]). Only random
//!   quantities can differ by design; a deterministic one (no standard error, no z) has no
//!   sampling interval, and its allowance is the integer-nanosecond resolution of the model;
//! - distribution checks *agree* when the KS p-value exceeds [`KS_ALPHA`] = 0.001;
//! - a check whose assumptions fail is *not applicable*, with the failing assumptions as reason.

mod check;
mod detection;
mod dr;
mod estimate;
mod facts;
mod in_sync;
mod latency;
mod link;
mod markdown;
mod multi_writer;
mod region_quorum;
mod rpo_bound;
mod simulate;
mod standby;
#[cfg(test)]
mod tests;
mod text;
mod zones;

pub use check::{
    Assumption, ByDesign, Check, DistributionComparison, MeanComparison, QuantileRow, Simulated,
    Status, Verdict,
};
pub use markdown::{markdown_details, markdown_table};
pub use text::verdict_rule;

use crate::scenario::Scenario;
use crate::theory::TheoryError;
use detection::detection_checks;
use dr::dr_checks;
use in_sync::all_in_sync_checks;
use latency::commit_latency_check;
use simulate::Ctx;
use standby::active_standby_checks;
use std::sync::atomic::AtomicBool;
use zones::zone_law_checks;

/// Two-sided false-alarm probability of a mean check's verdict (see the module docs).
pub const VERDICT_ALPHA: f64 = 1e-5;
/// A distribution check disagrees when the KS p-value is at or below this.
pub const KS_ALPHA: f64 = 1e-3;
/// Confidence level of the interval printed next to each simulated mean.
pub const DISPLAY_CONFIDENCE: f64 = 0.95;
/// Fewest events (outages, failovers, drills, …) a check needs before it gives a verdict: below
/// this the t-interval's normal approximation and the KS asymptotics are not trustworthy.
pub const MIN_SAMPLES: u64 = 30;
/// Largest start-up transient, as a share of the unavailability, for which a steady-state
/// formula is still compared (the transient itself is then in the allowance). Zones start up at
/// t = 0, so a replication's mean availability is the time average of P(up at t) over the
/// horizon, which differs from the stationary value by the transient alone.
const MAX_TRANSIENT_SHARE: f64 = 0.25;
/// A batch is counted as possibly pending at a drill when its apply delay's (1 − this) quantile
/// would still reach past the drill: older batches change the expected drain by less than
/// this probability times seconds.
const PENDING_TAIL: f64 = 1e-12;
/// Most pending batches the drill check integrates over (one CDF evaluation each per point of
/// the integral): beyond this the check says so instead of computing for minutes.
const MAX_PENDING_BATCHES: f64 = 100_000.0;

/// Every check of the validation suite and the scenario file (relative to the crate root) it is
/// validated on: `cargo run --release --example validation_table` runs them into
/// `VALIDATION.md`, and `tests/validation_suite.rs` asserts each verdict.
pub const VALIDATION_SUITE: &[(&str, &[&str])] = &[
    (
        "tests/scenarios/kofn.toml",
        &[
            "kofn-availability",
            "kofn-outage-frequency",
            "kofn-mean-outage-duration",
        ],
    ),
    (
        "tests/scenarios/active-standby.toml",
        &["active-standby-availability", "active-standby-drsim-chain"],
    ),
    (
        "tests/scenarios/all-in-sync.toml",
        &["all-in-sync-pair-availability"],
    ),
    (
        "tests/scenarios/detection.toml",
        &["detection-delay-mean", "detection-delay-distribution"],
    ),
    (
        "tests/scenarios/commit-latency.toml",
        &["commit-latency-mean"],
    ),
    (
        "tests/scenarios/emergency.toml",
        &[
            "emergency-lost-writes",
            "emergency-loss-window",
            "link-pk-wait",
            "link-lag-mean",
        ],
    ),
    (
        "tests/scenarios/drill.toml",
        &["drill-drain", "failback-catch-up"],
    ),
    (
        "tests/scenarios/rpo-bound.toml",
        &["rpo-bound-blocked-time"],
    ),
    (
        "tests/scenarios/region-quorum.toml",
        &["region-quorum-commit-latency-mean"],
    ),
    (
        "tests/scenarios/multi-writer-steady.toml",
        &["lww-conflict-rate"],
    ),
];

/// Why an analysis could not be produced at all (a check outside its assumptions is not an
/// error: it is reported as not applicable).
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// Zero replications were requested.
    #[error("an analysis needs at least one replication")]
    NoRuns,
    /// A formula rejected parameters that the applicability checks let through (a bug).
    #[error("{check}: {source}")]
    Theory {
        check: &'static str,
        source: TheoryError,
    },
}

/// The cross-checks of one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub scenario: String,
    pub scenario_hash: String,
    pub seed: u64,
    /// Replications requested per simulated variant.
    pub runs: u64,
    pub horizon_s: f64,
    /// `stop` was raised: some checks use fewer replications than requested.
    pub partial: bool,
    pub checks: Vec<Check>,
}

impl Analysis {
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// Analyses `sc`: decides which checks apply, simulates what they need (`runs` replications
/// per variant, default `simulation.runs`), and compares. `stop` is polled between chunks of
/// replications; when raised, the checks use the replications completed (`partial` is set).
pub fn analyze(
    sc: &Scenario,
    runs: Option<u64>,
    stop: &AtomicBool,
) -> Result<Analysis, AnalyzeError> {
    let runs = runs.unwrap_or(sc.simulation.runs);
    if runs == 0 {
        return Err(AnalyzeError::NoRuns);
    }
    let mut ctx = Ctx {
        runs,
        stop,
        partial: false,
    };
    let mut checks = Vec::new();
    checks.extend(zone_law_checks(sc, &mut ctx)?);
    checks.extend(all_in_sync_checks(sc, &mut ctx)?);
    checks.extend(active_standby_checks(sc, &mut ctx)?);
    checks.extend(detection_checks(sc, &mut ctx)?);
    checks.push(commit_latency_check(sc, &mut ctx)?);
    checks.extend(dr_checks(sc, &mut ctx)?);
    checks.extend(rpo_bound::rpo_bound_checks(sc, &mut ctx)?);
    checks.extend(region_quorum::region_quorum_checks(sc, &mut ctx)?);
    checks.extend(multi_writer::multi_writer_checks(sc, &mut ctx)?);
    Ok(Analysis {
        scenario: sc.name.clone(),
        scenario_hash: sc.source_hash.clone(),
        seed: sc.simulation.seed,
        runs,
        horizon_s: sc.simulation.horizon.as_secs_f64(),
        partial: ctx.partial,
        checks,
    })
}
