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

use crate::dist::{gamma, Dist};
use crate::incident::{Incident, IncidentClass};
use crate::model::{ReplicationOutcome, SAMPLES_PER_RUN};
use crate::runner::run_replication;
use crate::scenario::{Architecture, FailureProcess, OperationKind, Scenario, ZoneRtt};
use crate::stats::{ks_one_sample, student_t_quantile, KsResult, MeanCi, Welford};
use crate::theory::{self, TheoryError};
use crate::time::{format_seconds, SimDuration};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

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
/// Replications simulated in parallel between two polls of `stop`.
const CHUNK: u64 = 256;
/// Relative slack for floating-point rounding when a simulated value is deterministic.
const FLOAT_SLACK: f64 = 1e-12;
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

/// Whether one assumption of a check holds for the scenario.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Holds,
    /// Holds in the variant of the scenario that is simulated for this check; the text says
    /// what the variant changes.
    InVariant(String),
    /// Holds approximately; the text quantifies the residual effect (part of the allowance).
    Approximate(String),
    /// Does not hold: the check is not applicable. The text says why, with numbers.
    Fails(String),
}

/// One assumption of a check and its status for the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumption {
    pub text: String,
    pub status: Status,
}

impl Assumption {
    fn new(text: impl Into<String>, status: Status) -> Self {
        Assumption {
            text: text.into(),
            status,
        }
    }

    fn check(text: impl Into<String>, holds: bool, reason: impl FnOnce() -> String) -> Self {
        let status = if holds {
            Status::Holds
        } else {
            Status::Fails(reason())
        };
        Assumption::new(text, status)
    }
}

/// A simulated mean over replications.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanComparison {
    /// The 95% Student-t interval over replications (`ci.n` is the number of replications).
    pub ci: MeanCi,
    /// Standard error of `ci.mean` (0 for a deterministic quantity).
    pub std_error: f64,
    /// Events behind the mean (outages, failovers, drills, samples…).
    pub events: u64,
}

/// A theoretical and an empirical quantile of a distribution check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantileRow {
    pub p: f64,
    pub theory: f64,
    pub simulated: f64,
}

/// A simulated sample tested against a theoretical CDF.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionComparison {
    pub n: u64,
    pub ks: KsResult,
    pub quantiles: Vec<QuantileRow>,
}

/// What the simulation measured for a check.
#[derive(Debug, Clone, PartialEq)]
pub enum Simulated {
    /// Not simulated: the check is not applicable.
    NotRun,
    Mean(MeanComparison),
    Distribution(DistributionComparison),
}

/// The figures of a mean check that agrees only through its allowance (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct ByDesign {
    /// simulated − theory, in the check's unit.
    pub gap: f64,
    /// gap / SE.
    pub z: f64,
    /// Half-width t_{1−α/2, n−1}·SE of the verdict's sampling interval, which the gap exceeds.
    pub sampling: f64,
    /// The check's allowance, which covers the rest of the gap.
    pub allowance: f64,
    /// What the allowance covers (the check's allowance note).
    pub reason: String,
}

impl ByDesign {
    /// The figures and the reason in one sentence, for every renderer.
    pub fn describe(&self) -> String {
        format!(
            "simulated − theory = {} (z = {:+.2}) exceeds the sampling interval ±{} and is within the allowance {}: {}",
            num(self.gap),
            self.z,
            num(self.sampling),
            num(self.allowance),
            self.reason
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Agrees,
    /// Agrees only through the allowance: theory and simulation differ by a stated design
    /// difference (or numerical term) wider than the noise.
    DiffersByDesign(ByDesign),
    Disagrees,
    NotApplicable(String),
}

impl Verdict {
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Agrees => "agrees",
            Verdict::DiffersByDesign(_) => "differs by design",
            Verdict::Disagrees => "DISAGREES",
            Verdict::NotApplicable(_) => "not-applicable",
        }
    }

    /// Whether the check fails the analysis (exit status 1 of `drsim analyze`): only a
    /// disagreement does. A difference by design is stated and explained, not an error of the
    /// simulator; a check that does not apply judges nothing.
    pub fn is_failure(&self) -> bool {
        matches!(self, Verdict::Disagrees)
    }

    /// The label, followed by the reason or the figures where the verdict has them.
    fn explained(&self) -> String {
        match self {
            Verdict::NotApplicable(r) => format!("not-applicable: {r}"),
            Verdict::DiffersByDesign(d) => format!("differs by design: {}", d.describe()),
            v => v.label().to_string(),
        }
    }
}

/// One analytic cross-check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Stable identifier, e.g. `kofn-availability`.
    pub name: &'static str,
    pub title: &'static str,
    pub formula: String,
    pub source: &'static str,
    pub assumptions: Vec<Assumption>,
    /// What was simulated: the scenario as is or a variant, and which events were used.
    pub simulation: String,
    /// The theoretical value in `unit` (NaN when it cannot be computed).
    pub theory: f64,
    pub simulated: Simulated,
    pub unit: &'static str,
    /// Numerical allowance added to the statistical tolerance (in `unit`).
    pub allowance: f64,
    /// What the allowance covers and how it was computed.
    pub allowance_note: String,
    pub verdict: Verdict,
}

impl Check {
    /// (simulated − theory)/SE, when the quantity is random: not when its standard error is
    /// at the level of floating-point noise (a deterministic quantity, where only rounding
    /// remains and the deviation itself is reported).
    pub fn z_score(&self) -> Option<f64> {
        match &self.simulated {
            Simulated::Mean(m) => z_score(m, self.theory),
            _ => None,
        }
    }
}

/// (mean − theory)/SE when the mean is random (see [`Check::z_score`]).
fn z_score(m: &MeanComparison, theory: f64) -> Option<f64> {
    (theory.is_finite() && m.std_error > 1e-9 * theory.abs())
        .then(|| (m.ci.mean - theory) / m.std_error)
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
    checks.extend(active_standby_checks(sc, &mut ctx)?);
    checks.extend(detection_checks(sc, &mut ctx)?);
    checks.push(commit_latency_check(sc, &mut ctx)?);
    checks.extend(dr_checks(sc, &mut ctx)?);
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

/// Runs replications of variants in parallel, in index order.
struct Ctx<'a> {
    runs: u64,
    stop: &'a AtomicBool,
    partial: bool,
}

impl Ctx<'_> {
    /// `per_run` of replications 0..runs of `sc`, in replication order. Replications are
    /// independent (stream r of the master seed), so any statistic computed once per replication
    /// is an i.i.d. sample.
    fn simulate<T: Send>(
        &mut self,
        sc: &Scenario,
        per_run: impl Fn(&ReplicationOutcome) -> T + Sync,
    ) -> Vec<T> {
        let mut out = Vec::with_capacity(self.runs.min(1 << 20) as usize);
        let mut start = 0;
        while start < self.runs {
            if self.stop.load(Ordering::Relaxed) {
                self.partial = true;
                break;
            }
            let end = start.saturating_add(CHUNK).min(self.runs);
            let chunk: Vec<T> = (start..end)
                .into_par_iter()
                .map(|r| per_run(&run_replication(sc, r)))
                .collect();
            out.extend(chunk);
            start = end;
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Statistics over replications

/// Mean of one value per replication with its t-interval.
fn mean_over_runs(values: &[f64], events: u64) -> Option<MeanComparison> {
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
fn ratio_over_runs(pairs: &[(f64, f64)]) -> Option<MeanComparison> {
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
fn shifted(mut m: MeanComparison, theory: f64) -> MeanComparison {
    m.ci.mean += theory;
    m.ci.low += theory;
    m.ci.high += theory;
    m
}

fn distribution(
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

// ---------------------------------------------------------------------------------------------
// Building checks

/// The fixed description of a check.
struct Spec {
    name: &'static str,
    title: &'static str,
    source: &'static str,
    unit: &'static str,
}

/// The measured part of a check.
struct Measured {
    simulation: String,
    simulated: Simulated,
    allowance: f64,
    allowance_note: String,
}

impl Measured {
    fn not_run() -> Self {
        Measured {
            simulation: "not simulated".into(),
            simulated: Simulated::NotRun,
            allowance: 0.0,
            allowance_note: String::new(),
        }
    }
}

fn build(
    spec: Spec,
    formula: String,
    assumptions: Vec<Assumption>,
    theory: f64,
    measured: Measured,
) -> Check {
    let verdict = decide(&assumptions, &measured, theory);
    Check {
        name: spec.name,
        title: spec.title,
        formula,
        source: spec.source,
        assumptions,
        simulation: measured.simulation,
        theory,
        simulated: measured.simulated,
        unit: spec.unit,
        allowance: measured.allowance,
        allowance_note: measured.allowance_note,
        verdict,
    }
}

/// The failing assumptions, joined, if any.
fn failing(assumptions: &[Assumption]) -> Option<String> {
    let reasons: Vec<&str> = assumptions
        .iter()
        .filter_map(|a| match &a.status {
            Status::Fails(r) => Some(r.as_str()),
            _ => None,
        })
        .collect();
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

fn any_fails(assumptions: &[Assumption]) -> bool {
    failing(assumptions).is_some()
}

/// The verdict rule of the module docs.
fn decide(assumptions: &[Assumption], measured: &Measured, theory: f64) -> Verdict {
    let allowance = measured.allowance;
    if let Some(reason) = failing(assumptions) {
        return Verdict::NotApplicable(reason);
    }
    let too_few = |events: u64| {
        Verdict::NotApplicable(format!(
            "too few events to judge: {events} (at least {MIN_SAMPLES} needed)"
        ))
    };
    match &measured.simulated {
        Simulated::NotRun => Verdict::NotApplicable(
            "no qualifying event in the simulation (see the assumptions)".into(),
        ),
        Simulated::Mean(m) if m.events < MIN_SAMPLES || m.ci.n < 2 => too_few(m.events),
        Simulated::Distribution(d) if d.n < MIN_SAMPLES => too_few(d.n),
        _ if !theory.is_finite() => Verdict::NotApplicable("no finite theoretical value".into()),
        Simulated::Mean(m) => {
            let t = student_t_quantile(1.0 - VERDICT_ALPHA / 2.0, (m.ci.n - 1) as f64);
            let sampling = t * m.std_error;
            let slack = FLOAT_SLACK * theory.abs().max(m.ci.mean.abs());
            let gap = m.ci.mean - theory;
            match z_score(m, theory) {
                _ if gap.abs() > sampling + allowance + slack => Verdict::Disagrees,
                Some(z) if gap.abs() > sampling + slack => Verdict::DiffersByDesign(ByDesign {
                    gap,
                    z,
                    sampling,
                    allowance,
                    reason: measured.allowance_note.clone(),
                }),
                _ => Verdict::Agrees,
            }
        }
        Simulated::Distribution(d) => {
            if d.ks.p_value > KS_ALPHA {
                Verdict::Agrees
            } else {
                Verdict::Disagrees
            }
        }
    }
}

fn theory_err(check: &'static str) -> impl Fn(TheoryError) -> AnalyzeError {
    move |source| AnalyzeError::Theory { check, source }
}

// ---------------------------------------------------------------------------------------------
// Scenario facts

/// `format_seconds`, with "—" for a value that could not be computed.
fn fsec(s: f64) -> String {
    if s.is_nan() {
        "—".into()
    } else {
        format_seconds(s)
    }
}

fn secs(d: SimDuration) -> String {
    format_seconds(d.as_secs_f64())
}

fn dist_name(d: &Dist) -> String {
    match d {
        Dist::Constant(c) => format!("constant {}", secs(*c)),
        Dist::Exponential { .. } => format!("exponential (mean {})", format_seconds(d.mean_secs())),
        Dist::LogNormal { sigma, .. } => format!(
            "lognormal (mean {}, σ {sigma})",
            format_seconds(d.mean_secs())
        ),
        Dist::Uniform { low, high } => format!("uniform on [{}, {}]", secs(*low), secs(*high)),
        Dist::Weibull { shape, .. } => format!(
            "Weibull (shape {shape}, mean {})",
            format_seconds(d.mean_secs())
        ),
    }
}

/// First and second moments (s, s²) of a duration law.
fn moments(d: &Dist) -> (f64, f64) {
    match *d {
        Dist::Constant(c) => {
            let s = c.as_secs_f64();
            (s, s * s)
        }
        Dist::Exponential { mean } => {
            let m = mean / 1e9;
            (m, 2.0 * m * m)
        }
        Dist::LogNormal { median, sigma } => {
            let m = median / 1e9;
            (
                m * (0.5 * sigma * sigma).exp(),
                m * m * (2.0 * sigma * sigma).exp(),
            )
        }
        Dist::Uniform { low, high } => {
            let (l, h) = (low.as_secs_f64(), high.as_secs_f64());
            (0.5 * (l + h), (l * l + l * h + h * h) / 3.0)
        }
        Dist::Weibull { shape, mean } => {
            let scale = mean / 1e9 / gamma(1.0 + 1.0 / shape);
            (mean / 1e9, scale * scale * gamma(1.0 + 2.0 / shape))
        }
    }
}

fn is_constant(d: &Dist) -> bool {
    let (m1, m2) = moments(d);
    m2 - m1 * m1 <= 1e-12 * m1 * m1
}

fn is_exponential(d: &Dist) -> bool {
    matches!(d, Dist::Exponential { .. })
        || matches!(d, Dist::Weibull { shape, .. } if *shape == 1.0)
}

fn architecture_assumption(sc: &Scenario) -> Assumption {
    let arch = sc.architecture();
    Assumption::check(
        "zone-redundant architecture (production environment in a region with zones)",
        arch == Architecture::ZoneRedundant,
        || match arch {
            Architecture::SingleZone => {
                "the environment lives in one zone (non-production): no quorum".into()
            }
            _ => "the region has no availability zones: recovery is by support ticket".into(),
        },
    )
}

fn independence_assumption(sc: &Scenario) -> Assumption {
    let p = sc.correlated_zone_probability;
    Assumption::check(
        "independent zone failures (correlated_probability = 0)",
        p == 0.0,
        || format!("zone failures are not independent: correlated_probability = {p} > 0"),
    )
}

fn no_region_outages(sc: &Scenario) -> Assumption {
    Assumption::check(
        "zone outages are the only failures (no random region outages)",
        sc.region_failures.is_none(),
        || {
            "random region outages take every zone down at once: zone states are not independent"
                .into()
        },
    )
}

/// The common failure process of the zones when every zone has one with the same means, else
/// the failing assumption.
fn identical_zones(sc: &Scenario) -> (Option<&FailureProcess>, Vec<Assumption>) {
    let n = sc.zone_failures.len();
    let missing = sc.zone_failures.iter().filter(|p| p.is_none()).count();
    let every = Assumption::check(
        "every zone fails at random (one up/down renewal process per zone)",
        missing == 0,
        || format!("{missing} of {n} zones have no random failure process"),
    );
    let first = sc.zone_failures.iter().flatten().next();
    let same = first.is_some_and(|f| {
        sc.zone_failures.iter().flatten().all(|p| {
            close(p.time_between.mean_secs(), f.time_between.mean_secs())
                && close(p.duration.mean_secs(), f.duration.mean_secs())
        })
    });
    let identical = Assumption::check(
        "identical zones: the same MTTF and MTTR for every zone (the laws may differ)",
        same || first.is_none(),
        || "per-zone overrides give zones different MTTF or MTTR".into(),
    );
    let process = (missing == 0 && same).then_some(first).flatten();
    (process, vec![every, identical])
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// drsim's failover is instantaneous: a 1 ns heartbeat declared at the first missed beat
/// (detection exactly 0 with integer-nanosecond failure instants) and no reroute.
fn instant_failover(sc: &Scenario) -> bool {
    sc.failover.heartbeat_interval.0 == 1
        && sc.failover.missed_heartbeats == 1
        && sc.failover.reroute.is_always_zero()
}

fn detection_mean_s(sc: &Scenario) -> f64 {
    theory::detection_delay_mean(
        sc.failover.heartbeat_interval.as_secs_f64(),
        sc.failover.missed_heartbeats,
    )
    .unwrap_or(0.0)
}

/// Assumption that scheduled incidents and planned operations are absent, or dropped in the
/// variant (they are one-off perturbations, not part of the stationary process).
fn one_offs_dropped(sc: &Scenario) -> Assumption {
    let (s, o) = (sc.scheduled.len(), sc.operations.len());
    let status = if s + o == 0 {
        Status::Holds
    } else {
        Status::InVariant(format!(
            "{s} scheduled incident(s) and {o} planned operation(s) dropped in the variant"
        ))
    };
    Assumption::new(
        "no scheduled incidents or planned operations (one-off perturbations of the stationary process)",
        status,
    )
}

fn without_one_offs(sc: &Scenario) -> Scenario {
    let mut v = sc.clone();
    v.scheduled.clear();
    v.operations.clear();
    v
}

// ---------------------------------------------------------------------------------------------
// Per-replication timelines

/// What a replication's records say about when writes were served.
struct Timeline {
    /// Interruptions of positive length [start, end) in ns (end censored at the horizon),
    /// sorted by start. Each interruption is owned by exactly one incident.
    interruptions: Vec<(u64, u64)>,
    /// Instants at which the cross-region link (re)started: DR on at 0, the end of an initial
    /// seeding, every completed switch back.
    link_starts: Vec<u64>,
}

impl Timeline {
    fn of(sc: &Scenario, o: &ReplicationOutcome) -> Self {
        let mut interruptions: Vec<(u64, u64)> = o
            .incidents
            .iter()
            // An overlapping incident's interruption is its cause's.
            .filter(|i| i.overlaps.is_none())
            .filter_map(|i| {
                let s = i.interruption_start_ns?;
                let e = i.interruption_end_ns.unwrap_or(o.horizon_ns);
                (e > s).then_some((s, e))
            })
            .collect();
        interruptions.sort_unstable();
        let mut link_starts = Vec::new();
        if sc.dr.as_ref().is_some_and(|d| d.enabled_at_start) {
            link_starts.push(0);
        }
        if let (Some(seeding), Some(enable)) = (
            o.seeding_ns,
            sc.operations
                .iter()
                .find(|op| op.kind == OperationKind::Enable),
        ) {
            link_starts.push(enable.at.0.saturating_add(seeding));
        }
        link_starts.extend(
            o.incidents
                .iter()
                .filter(|i| {
                    matches!(
                        i.class,
                        IncidentClass::Failback | IncidentClass::DrillReturn
                    )
                })
                .filter_map(|i| i.interruption_end_ns),
        );
        link_starts.sort_unstable();
        Timeline {
            interruptions,
            link_starts,
        }
    }

    /// Writes were served throughout [from, to).
    fn served_throughout(&self, from: u64, to: u64) -> bool {
        !self.interruptions.iter().any(|&(s, e)| s < to && e > from)
    }

    /// The link has run without restart since at least `since` at instant `t`.
    fn link_steady(&self, since: u64, t: u64) -> bool {
        let last = self.link_starts.iter().rev().find(|&&s| s <= t);
        last.is_some_and(|&s| s <= since)
    }
}

// ---------------------------------------------------------------------------------------------
// k-of-n zone quorum

/// First-order start-up transient of an alternating renewal process that begins at the start of
/// an up period, from the moments (m, m₂) of its up (U) and down (D) times, over an unbounded
/// horizon: (c, Δn) where c = ∫(q∞ − q(t))dt is the expected downtime deficit versus the
/// stationary process and Δn the expected excess of failures. From the Laplace transform of
/// P(down at t) expanded at s = 0: c = (E[D²]/2 + E[U]E[D] − E[D]K/M)/M with M = E[U] + E[D],
/// K = E[U²]/2 + E[D²]/2 + E[U]E[D]; and, from the delayed renewal function,
/// Δn = E[C²]/(2E[C]²) − E[U]/E[C] with C = U + D (Cox, *Renewal Theory*, §4.5).
fn renewal_transient(up: (f64, f64), down: (f64, f64)) -> (f64, f64) {
    let ((mu, mu2), (md, md2)) = (up, down);
    let m = mu + md;
    let k = 0.5 * mu2 + 0.5 * md2 + mu * md;
    let c = (0.5 * md2 + mu * md - md * k / m) / m;
    let ec2 = mu2 + md2 + 2.0 * mu * md;
    let dn = ec2 / (2.0 * m * m) - mu / m;
    (c, dn)
}

/// Binomial probability C(n, j) pʲ (1 − p)ⁿ⁻ʲ, 0 outside 0 ≤ j ≤ n (small n only).
fn binom(n: u32, j: i64, p: f64) -> f64 {
    if j < 0 || j > i64::from(n) {
        return 0.0;
    }
    let j = j as u32;
    let choose: f64 = (0..j)
        .map(|i| f64::from(n - i) / f64::from(i + 1))
        .product();
    choose * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32)
}

/// The zone-law variant: failover instantaneous and resync instant, so that quorum loss is
/// the only cause of outage.
fn zone_law_variant(sc: &Scenario) -> Scenario {
    let mut v = without_one_offs(sc);
    v.failover.heartbeat_interval = SimDuration(1);
    v.failover.missed_heartbeats = 1;
    v.failover.reroute = Dist::Constant(SimDuration::ZERO);
    v.replication.resync_bandwidth = None;
    v
}

fn zone_law_checks(sc: &Scenario, ctx: &mut Ctx) -> Result<Vec<Check>, AnalyzeError> {
    let n = sc.home_region().zones.len() as u32;
    let k = sc.replication.quorum as u32;
    let horizon = sc.simulation.horizon.as_secs_f64();
    let (process, mut assumptions) = identical_zones(sc);
    assumptions.insert(0, architecture_assumption(sc));
    assumptions.push(independence_assumption(sc));
    assumptions.push(no_region_outages(sc));
    let detect = detection_mean_s(sc);
    let reroute = sc.failover.reroute.mean_secs();
    let resync = sc.replication.resync_bandwidth;
    let delays = if instant_failover(sc) && resync.is_none() {
        Status::Holds
    } else {
        Status::InVariant(format!(
            "the scenario adds detection ≈ {} + reroute ≈ {} per leader failure{}; simulated on a variant with detection 0 (1 ns heartbeat, 1 missed beat), reroute 0 and instant resync",
            format_seconds(detect),
            format_seconds(reroute),
            resync.map_or(String::new(), |b| format!(
                " and resync at {:.0} MB/s",
                b / 1e6
            ))
        ))
    };
    assumptions.push(Assumption::new(
        "quorum loss is the only outage cause: no detection, reroute or resync delay",
        delays,
    ));
    assumptions.push(one_offs_dropped(sc));
    let (mttf, mttr) = process.map_or((f64::NAN, f64::NAN), |p| {
        (p.time_between.mean_secs(), p.duration.mean_secs())
    });
    let (avail, freq, dur) = if process.is_some() && k >= 1 && k <= n {
        (
            theory::k_of_n_availability(n, k, mttf, mttr)
                .map_err(theory_err("kofn-availability"))?,
            theory::k_of_n_outage_frequency(n, k, mttf, mttr)
                .map_err(theory_err("kofn-outage-frequency"))?,
            theory::k_of_n_mean_outage_duration(n, k, mttf, mttr)
                .map_err(theory_err("kofn-mean-outage-duration"))?,
        )
    } else {
        (f64::NAN, f64::NAN, f64::NAN)
    };
    // Start-up transient, first order in the per-zone deviations (see `renewal_transient`).
    let (bias_a, bias_f, bias_d) = match process {
        Some(p) if avail.is_finite() => {
            let (c, dn) = renewal_transient(moments(&p.time_between), moments(&p.duration));
            let a = mttf / (mttf + mttr);
            let nn = f64::from(n);
            let crit = binom(n - 1, i64::from(k) - 1, a);
            let dcrit = binom(n.saturating_sub(2), i64::from(k) - 1, a)
                - binom(n.saturating_sub(2), i64::from(k) - 2, a);
            let bias_a = nn * crit * c / horizon;
            let bias_onsets = nn * crit * dn - nn * (nn - 1.0) * dcrit * c / (mttf + mttr);
            let bias_d =
                dur * (nn * crit * c / ((1.0 - avail) * horizon) + bias_onsets / (freq * horizon));
            (bias_a, bias_onsets / horizon, bias_d)
        }
        _ => (f64::NAN, f64::NAN, f64::NAN),
    };
    if process.is_some() && avail.is_finite() {
        let share = bias_a.abs() / (1.0 - avail);
        assumptions.push(Assumption::new(
            "steady state: the start-up transient (every zone up at t = 0) is small against the unavailability",
            if share <= MAX_TRANSIENT_SHARE {
                Status::Approximate(format!(
                    "first-order transient {:.2e} = {:.2}% of the unavailability over a {} horizon; in the allowance",
                    bias_a.abs(),
                    100.0 * share,
                    fsec(horizon)
                ))
            } else {
                Status::Fails(format!(
                    "the start-up transient is {:.0}% of the unavailability: the {} horizon is too short for steady state",
                    100.0 * share,
                    fsec(horizon)
                ))
            },
        ));
    }
    let formula_a = format!(
        "A = Σ_{{j=k}}^{{n}} C(n,j) aʲ(1−a)ⁿ⁻ʲ, a = MTTF/(MTTF+MTTR); n = {n}, k = {k}, MTTF = {}, MTTR = {}",
        fsec(mttf),
        fsec(mttr)
    );
    let formula_f =
        format!("f = C(n,k) aᵏ(1−a)ⁿ⁻ᵏ · k/MTTF (rate of k → k−1 up); n = {n}, k = {k}");
    let formula_d = format!("D = (1 − A)/f; n = {n}, k = {k}");
    let specs = [
        Spec {
            name: "kofn-availability",
            title: "k-of-n zone quorum: availability",
            source: "Trivedi, Probability and Statistics with Reliability, Queuing and Computer Science Applications (k-of-n, binomial); insensitive to the laws by independence; theory::k_of_n_availability",
            unit: "",
        },
        Spec {
            name: "kofn-outage-frequency",
            title: "k-of-n zone quorum: outage frequency",
            source: "Billinton & Allan, Reliability Evaluation of Engineering Systems (frequency and duration method); theory::k_of_n_outage_frequency",
            unit: "/d",
        },
        Spec {
            name: "kofn-mean-outage-duration",
            title: "k-of-n zone quorum: mean outage duration",
            source: "Billinton & Allan, op. cit. (renewal reward: down fraction / frequency); theory::k_of_n_mean_outage_duration",
            unit: "s",
        },
    ];
    let [sa, sf, sd] = specs;
    if any_fails(&assumptions) {
        return Ok(vec![
            build(
                sa,
                formula_a,
                assumptions.clone(),
                avail,
                Measured::not_run(),
            ),
            build(
                sf,
                formula_f,
                assumptions.clone(),
                freq * 86_400.0,
                Measured::not_run(),
            ),
            build(sd, formula_d, assumptions, dur, Measured::not_run()),
        ]);
    }
    let variant = zone_law_variant(sc);
    // Per replication: availability, outages begun (positive-length interruptions), downtime.
    let rows = ctx.simulate(&variant, |o| {
        let t = Timeline::of(&variant, o);
        let downtime: u64 = t.interruptions.iter().map(|&(s, e)| e - s).sum();
        (
            o.availability(),
            t.interruptions.len() as f64,
            downtime as f64 / 1e9,
            o.horizon_ns as f64 / 1e9,
        )
    });
    let runs = rows.len();
    let outages: f64 = rows.iter().map(|r| r.1).sum();
    let simulation = format!(
        "{runs} replications of the variant; {outages:.0} outages (interruptions of positive length)"
    );
    let transient = |x: f64, unit: &str| {
        format!(
            "start-up transient (every zone up at t = 0), first order in the per-zone renewal deviations: {x:.3e}{unit}"
        )
    };
    let avail_m = mean_over_runs(
        &rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        outages as u64,
    );
    let freq_m = mean_over_runs(
        &rows
            .iter()
            .map(|r| r.1 / r.3 * 86_400.0)
            .collect::<Vec<_>>(),
        outages as u64,
    );
    let dur_m = ratio_over_runs(&rows.iter().map(|r| (r.2, r.1)).collect::<Vec<_>>());
    let measured = |m: Option<MeanComparison>, allowance: f64, note: String| Measured {
        simulation: simulation.clone(),
        simulated: m.map_or(Simulated::NotRun, Simulated::Mean),
        allowance,
        allowance_note: note,
    };
    Ok(vec![
        build(
            sa,
            formula_a,
            assumptions.clone(),
            avail,
            measured(avail_m, bias_a.abs(), transient(bias_a.abs(), "")),
        ),
        build(
            sf,
            formula_f,
            assumptions.clone(),
            freq * 86_400.0,
            measured(
                freq_m,
                bias_f.abs() * 86_400.0,
                transient(bias_f.abs() * 86_400.0, " /d"),
            ),
        ),
        build(
            sd,
            formula_d,
            assumptions,
            dur,
            measured(dur_m, bias_d.abs(), transient(bias_d.abs(), " s")),
        ),
    ])
}

// ---------------------------------------------------------------------------------------------
// Active/standby pair

/// The active/standby chain as drsim runs it: the states of `theory::active_standby_availability`
/// (0 both up, 1 active up / other down, 2 failing over / other down, 3 both down, 4 failing over
/// / other repaired) with one difference: from "both down", the first repair leads to a failover
/// (state 2: the zone back must win an election, a reroute draw) instead of straight to service.
fn drsim_standby_generator(lambda: f64, mu: f64, phi: f64) -> Vec<Vec<f64>> {
    let mut q = vec![vec![0.0; 5]; 5];
    let rates = [
        (0, 2, lambda),
        (0, 1, lambda),
        (1, 0, mu),
        (1, 3, lambda),
        (2, 1, phi),
        (2, 3, lambda),
        (2, 4, mu),
        (4, 0, phi),
        (4, 2, 2.0 * lambda),
        (3, 2, 2.0 * mu),
    ];
    for (from, to, r) in rates {
        q[from][to] += r;
    }
    for (i, row) in q.iter_mut().enumerate() {
        let out: f64 = row.iter().sum();
        row[i] = -out;
    }
    q
}

/// ∫₀^∞ (A(t) − A∞) dt for a CTMC started in state 0, where A is the probability of the `up`
/// states: the start-up transient, by uniformisation (P = I + Q/Λ, Λ = max|q_ii|; then
/// ∫(p(t) − π)dt = Σ_k (p₀Pᵏ − π)/Λ; Stewart, op. cit., ch. 8).
fn ctmc_transient(q: &[Vec<f64>], pi: &[f64], up: &[usize]) -> f64 {
    let n = q.len();
    let lam = (0..n).map(|i| -q[i][i]).fold(0.0, f64::max);
    if lam <= 0.0 {
        return 0.0;
    }
    let a_inf: f64 = up.iter().map(|&i| pi[i]).sum();
    let mut p = vec![0.0; n];
    p[0] = 1.0;
    let mut total = 0.0;
    for _ in 0..10_000_000 {
        total += up.iter().map(|&i| p[i]).sum::<f64>() - a_inf;
        let gap: f64 = p.iter().zip(pi).map(|(x, y)| (x - y).abs()).sum();
        if gap < 1e-14 {
            break;
        }
        let mut next = p.clone();
        for (i, row) in q.iter().enumerate() {
            for (j, &rate) in row.iter().enumerate() {
                next[j] += p[i] * rate / lam;
            }
        }
        p = next;
    }
    total / lam
}

fn active_standby_checks(sc: &Scenario, ctx: &mut Ctx) -> Result<Vec<Check>, AnalyzeError> {
    let n = sc.home_region().zones.len();
    let q = sc.replication.quorum;
    let horizon = sc.simulation.horizon.as_secs_f64();
    let (process, identical) = identical_zones(sc);
    let mut assumptions = vec![architecture_assumption(sc)];
    assumptions.push(Assumption::check(
        "two units: a region with exactly two zones",
        n == 2,
        || format!("{n} zones: the chain models exactly two units"),
    ));
    assumptions.push(Assumption::check(
        "service needs the active unit only (quorum 1)",
        q == 1,
        || format!("quorum {q}: writes need {q} zones up, not just the active one"),
    ));
    assumptions.extend(identical);
    let exp_laws = sc
        .zone_failures
        .iter()
        .flatten()
        .all(|p| is_exponential(&p.time_between) && is_exponential(&p.duration));
    let laws = sc
        .zone_failures
        .iter()
        .flatten()
        .next()
        .map(|p| {
            format!(
                "up times {}, repairs {}",
                dist_name(&p.time_between),
                dist_name(&p.duration)
            )
        })
        .unwrap_or_default();
    assumptions.push(Assumption::check(
        "exponential times to failure and to repair (Markov)",
        exp_laws,
        || format!("{laws}: not exponential"),
    ));
    assumptions.push(independence_assumption(sc));
    assumptions.push(no_region_outages(sc));
    let h = sc.failover.heartbeat_interval.as_secs_f64();
    let kb = f64::from(sc.failover.missed_heartbeats);
    let reroute = &sc.failover.reroute;
    let detect_max = kb * h;
    let reroute_mean = reroute.mean_secs();
    let failover_ok = is_exponential(reroute) && detect_max <= 1e-3 * reroute_mean;
    assumptions.push(Assumption::check(
        "exponential failover delay: detection negligible (≤ 0.1% of the reroute) and an exponential reroute",
        failover_ok,
        || {
            format!(
                "failover delay = detection (uniform on [{}, {})) + reroute ({}): not exponential",
                format_seconds((kb - 1.0) * h),
                format_seconds(detect_max),
                dist_name(reroute)
            )
        },
    ));
    assumptions.push(Assumption::new(
        "a repair during a failover does not abort it (drsim: the pending election completes)",
        Status::Holds,
    ));
    assumptions.push(one_offs_dropped(sc));
    let (mttf, mttr) = process.map_or((f64::NAN, f64::NAN), |p| {
        (p.time_between.mean_secs(), p.duration.mean_secs())
    });
    let failover = reroute_mean + detection_mean_s(sc);
    let computable = process.is_some() && failover > 0.0;
    let textbook = if computable {
        theory::active_standby_availability(mttf, mttr, failover)
            .map_err(theory_err("active-standby-availability"))?
    } else {
        f64::NAN
    };
    let (drsim, transient) = if computable {
        let qm = drsim_standby_generator(1.0 / mttf, 1.0 / mttr, 1.0 / failover);
        let pi = theory::ctmc_stationary(&qm).map_err(theory_err("active-standby-drsim-chain"))?;
        (pi[0] + pi[1], ctmc_transient(&qm, &pi, &[0, 1]))
    } else {
        (f64::NAN, f64::NAN)
    };
    let mapping = (textbook - drsim).abs();
    let mut textbook_assumptions = assumptions.clone();
    textbook_assumptions.push(Assumption::new(
        "after a double failure the first unit repaired serves at once",
        if computable {
            Status::Approximate(format!(
                "drsim makes the first zone back win an election (a reroute draw) before serving; |A(textbook) − A(drsim chain)| = {mapping:.3e} is in the allowance"
            ))
        } else {
            Status::Approximate(
                "drsim makes the first zone back win an election (a reroute draw) before serving"
                    .into(),
            )
        },
    ));
    let mut drsim_assumptions = assumptions.clone();
    drsim_assumptions.push(Assumption::new(
        "after a double failure the first zone back wins an election (a reroute draw) before serving",
        Status::Holds,
    ));
    if computable {
        let share = (transient / horizon).abs() / (1.0 - drsim);
        let status = if share <= MAX_TRANSIENT_SHARE {
            Status::Approximate(format!(
                "transient {:.2e} (both up at t = 0, by uniformisation) = {:.2}% of the unavailability over a {} horizon; in the allowance",
                (transient / horizon).abs(),
                100.0 * share,
                fsec(horizon)
            ))
        } else {
            Status::Fails(format!(
                "the start-up transient is {:.0}% of the unavailability: the {} horizon is too short for steady state",
                100.0 * share,
                fsec(horizon)
            ))
        };
        let text = "steady state: the start-up transient (both zones up at t = 0) is small against the unavailability";
        assumptions.push(Assumption::new(text, status.clone()));
        textbook_assumptions.push(Assumption::new(text, status.clone()));
        drsim_assumptions.push(Assumption::new(text, status));
    }
    let formula_t = format!(
        "π Q = 0 on the 5-state chain of theory::active_standby_availability; A = π(both up) + π(active up, other down); MTTF = {}, MTTR = {}, failover = {}",
        fsec(mttf),
        fsec(mttr),
        fsec(failover)
    );
    let formula_d = format!(
        "π Q' = 0 where Q' is the same chain with 'both down → (first repair) → failing over' instead of '→ active up'; MTTF = {}, MTTR = {}, failover = {}",
        fsec(mttf),
        fsec(mttr),
        fsec(failover)
    );
    let spec_t = Spec {
        name: "active-standby-availability",
        title: "active/standby pair with failover delay (textbook CTMC)",
        source: "CTMC stationary distribution by Gaussian elimination (Stewart, Introduction to the Numerical Solution of Markov Chains); theory::active_standby_availability",
        unit: "",
    };
    let spec_d = Spec {
        name: "active-standby-drsim-chain",
        title: "active/standby pair: the chain drsim implements (CTMC)",
        source: "same method (theory::ctmc_stationary) on drsim's election rule",
        unit: "",
    };
    if any_fails(&assumptions) {
        return Ok(vec![
            build(
                spec_t,
                formula_t,
                textbook_assumptions,
                textbook,
                Measured::not_run(),
            ),
            build(
                spec_d,
                formula_d,
                drsim_assumptions,
                drsim,
                Measured::not_run(),
            ),
        ]);
    }
    let variant = without_one_offs(sc);
    let rows = ctx.simulate(&variant, |o| (o.availability(), o.interruptions as f64));
    let interruptions: f64 = rows.iter().map(|r| r.1).sum();
    let m = mean_over_runs(
        &rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        interruptions as u64,
    );
    let simulation = format!(
        "{} replications of the scenario{}; {interruptions:.0} interruptions of service",
        rows.len(),
        if sc.scheduled.is_empty() && sc.operations.is_empty() {
            ""
        } else {
            " without its scheduled incidents and operations"
        }
    );
    let bias = transient.abs() / horizon;
    let textbook_m = Measured {
        simulation: simulation.clone(),
        simulated: m.clone().map_or(Simulated::NotRun, Simulated::Mean),
        allowance: mapping + bias,
        allowance_note: format!(
            "model mapping |A(textbook) − A(drsim chain)| = {mapping:.3e} + start-up transient {bias:.3e}"
        ),
    };
    let drsim_m = Measured {
        simulation,
        simulated: m.map_or(Simulated::NotRun, Simulated::Mean),
        allowance: bias,
        allowance_note: format!("start-up transient (both zones up at t = 0): {bias:.3e}"),
    };
    Ok(vec![
        build(
            spec_t,
            formula_t,
            textbook_assumptions,
            textbook,
            textbook_m,
        ),
        build(spec_d, formula_d, drsim_assumptions, drsim, drsim_m),
    ])
}

// ---------------------------------------------------------------------------------------------
// Heartbeat detection

/// Single-zone incidents that overlap no other incident of their replication.
fn isolated(incidents: &[Incident]) -> impl Iterator<Item = &Incident> {
    let span = |i: &Incident| (i.start_ns, i.end_ns.unwrap_or(u64::MAX));
    incidents.iter().filter(move |a| {
        a.class == IncidentClass::Zone
            && !a.scope.contains('+')
            && incidents.iter().all(|b| {
                let (a0, a1) = span(a);
                let (b0, b1) = span(b);
                a.seq == b.seq || b1 < a0 || a1 < b0
            })
    })
}

fn detection_checks(sc: &Scenario, ctx: &mut Ctx) -> Result<Vec<Check>, AnalyzeError> {
    let n = sc.home_region().zones.len();
    let q = sc.replication.quorum;
    let h = sc.failover.heartbeat_interval.as_secs_f64();
    let k = sc.failover.missed_heartbeats;
    let any_random = sc.zone_failures.iter().any(Option::is_some);
    let mut assumptions = vec![architecture_assumption(sc)];
    assumptions.push(Assumption::check(
        "leader zones fail at random (failure instants at a uniform phase of the heartbeat ticks)",
        any_random,
        || "no zone has a random failure process: scheduled incidents start at fixed phases".into(),
    ));
    assumptions.push(Assumption::check(
        "a single leader failure leaves a quorum (zones − 1 ≥ quorum)",
        n > q,
        || format!("with {n} zones and quorum {q} a leader failure also loses the quorum: the outage lasts until a zone returns"),
    ));
    assumptions.push(Assumption::check(
        "the heartbeat interval is far above the 1 ns time resolution (≥ 1 µs)",
        sc.failover.heartbeat_interval.0 >= 1_000,
        || {
            format!(
                "heartbeat interval {} ns: with integer-nanosecond failure instants the delay is (k − 1)h plus a whole number of ns, not a continuous uniform law",
                sc.failover.heartbeat_interval.0
            )
        },
    ));
    assumptions.push(Assumption::new(
        "the RTO of an isolated leader failure is the detection delay alone",
        if sc.failover.reroute.is_always_zero() {
            Status::Holds
        } else {
            Status::InVariant(format!(
                "reroute ({}) set to 0 in the variant",
                dist_name(&sc.failover.reroute)
            ))
        },
    ));
    assumptions.push(one_offs_dropped(sc));
    assumptions.push(Assumption::new(
        "only leader failures of one zone that overlap no other incident are used",
        Status::Holds,
    ));
    let mean = theory::detection_delay_mean(h, k).map_err(theory_err("detection-delay-mean"))?;
    let spec_m = Spec {
        name: "detection-delay-mean",
        title: "heartbeat failure detection: mean delay",
        source: "failure at a uniform phase between heartbeat ticks: D ~ Uniform((k−1)h, kh]; theory::detection_delay_mean",
        unit: "s",
    };
    let spec_d = Spec {
        name: "detection-delay-distribution",
        title: "heartbeat failure detection: delay distribution",
        source: "theory::detection_delay_cdf (uniform phase argument)",
        unit: "s",
    };
    let formula_m = format!("E[D] = (k − ½)h; h = {}, k = {k}", format_seconds(h));
    let formula_d = format!(
        "P(D ≤ x) = clamp((x − (k−1)h)/h, 0, 1); h = {}, k = {k}",
        format_seconds(h)
    );
    if any_fails(&assumptions) {
        return Ok(vec![
            build(
                spec_m,
                formula_m,
                assumptions.clone(),
                mean,
                Measured::not_run(),
            ),
            build(spec_d, formula_d, assumptions, mean, Measured::not_run()),
        ]);
    }
    let mut variant = without_one_offs(sc);
    variant.failover.reroute = Dist::Constant(SimDuration::ZERO);
    let rows: Vec<Vec<f64>> = ctx.simulate(&variant, |o| {
        isolated(&o.incidents)
            .filter(|i| i.recovery == "zone-failover")
            .map(|i| i.rto_ns as f64 / 1e9)
            .collect()
    });
    let pairs: Vec<(f64, f64)> = rows
        .iter()
        .map(|d| (d.iter().sum::<f64>(), d.len() as f64))
        .collect();
    let all: Vec<f64> = rows.concat();
    let simulation = format!(
        "{} replications of the variant; {} isolated leader failures (RTO = detection delay)",
        rows.len(),
        all.len()
    );
    let kf = f64::from(k);
    let dist = distribution(
        &all,
        |x| theory::detection_delay_cdf(x, h, k).unwrap_or(f64::NAN),
        |p| (kf - 1.0 + p) * h,
    );
    Ok(vec![
        build(
            spec_m,
            formula_m,
            assumptions.clone(),
            mean,
            Measured {
                simulation: simulation.clone(),
                simulated: ratio_over_runs(&pairs).map_or(Simulated::NotRun, Simulated::Mean),
                allowance: 1e-9,
                allowance_note:
                    "failure instants are integer nanoseconds: the mean is (k − ½)h − ½ ns".into(),
            },
        ),
        build(
            spec_d,
            formula_d,
            assumptions,
            mean,
            Measured {
                simulation,
                simulated: Simulated::Distribution(dist),
                allowance: 0.0,
                allowance_note: "none (KS test)".into(),
            },
        ),
    ])
}

// ---------------------------------------------------------------------------------------------
// Quorum commit latency

fn rtt_cdf(rtt: &ZoneRtt, x: f64) -> f64 {
    match rtt {
        ZoneRtt::Given(d) => d.cdf_secs(x),
        ZoneRtt::Derived {
            propagation,
            overhead,
        } => overhead.cdf_secs(x - propagation.as_secs_f64()),
    }
}

fn rtt_mean(rtt: &ZoneRtt) -> f64 {
    match rtt {
        ZoneRtt::Given(d) => d.mean_secs(),
        ZoneRtt::Derived {
            propagation,
            overhead,
        } => propagation.as_secs_f64() + overhead.mean_secs(),
    }
}

fn commit_latency_check(sc: &Scenario, ctx: &mut Ctx) -> Result<Check, AnalyzeError> {
    let n = sc.home_region().zones.len() as u32;
    let q = sc.replication.quorum as u32;
    let rtt = &sc.replication.zone_rtt;
    let mut assumptions = vec![architecture_assumption(sc)];
    assumptions.push(Assumption::check(
        "a commit waits for followers (quorum ≥ 2)",
        q >= 2,
        || format!("quorum {q}: the leader acknowledges alone, commit latency is 0 by definition"),
    ));
    assumptions.push(Assumption::new(
        "round trips i.i.d. across followers and samples (drsim draws each one independently)",
        Status::Holds,
    ));
    let disturbed = sc.zone_failures.iter().any(Option::is_some)
        || sc.region_failures.is_some()
        || !sc.scheduled.is_empty()
        || !sc.operations.is_empty();
    assumptions.push(Assumption::new(
        "every follower is up and in sync at each sample (n − 1 round trips)",
        if disturbed {
            Status::InVariant(
                "failures, scheduled incidents and operations removed in the variant".into(),
            )
        } else {
            Status::Holds
        },
    ));
    let spec = Spec {
        name: "commit-latency-mean",
        title: "quorum commit latency: mean (order statistic)",
        source: "David & Nagaraja, Order Statistics, ch. 2: E[X_(k)] = ∫₀^∞ P(X_(k) > x) dx; theory::order_statistic_mean",
        unit: "ms",
    };
    let formula = format!(
        "E[X_(q−1:n−1)] of the zone round trip; n − 1 = {} followers, q − 1 = {}",
        n.saturating_sub(1),
        q.saturating_sub(1)
    );
    let theory_s = if q >= 2 && q <= n {
        let mut upper = 2.0 * rtt_mean(rtt).max(1e-9);
        for _ in 0..200 {
            if 1.0 - rtt_cdf(rtt, upper) <= 1e-13 {
                break;
            }
            upper *= 2.0;
        }
        theory::order_statistic_mean(n - 1, q - 1, |x| rtt_cdf(rtt, x), upper)
            .map_err(theory_err("commit-latency-mean"))?
    } else {
        f64::NAN
    };
    let theory_ms = theory_s * 1e3;
    if any_fails(&assumptions) {
        return Ok(build(
            spec,
            formula,
            assumptions,
            theory_ms,
            Measured::not_run(),
        ));
    }
    let mut variant = without_one_offs(sc);
    for z in variant.zone_failures.iter_mut() {
        *z = None;
    }
    variant.region_failures = None;
    variant.link_failures = None;
    variant.link_degradation = None;
    let rows = ctx.simulate(&variant, |o| {
        (
            o.commit_latencies_ns.iter().map(|&l| l as f64).sum::<f64>() / 1e6,
            o.commit_latencies_ns.len() as f64,
        )
    });
    let m = ratio_over_runs(&rows);
    let samples: f64 = rows.iter().map(|r| r.1).sum();
    Ok(build(
        spec,
        formula,
        assumptions,
        theory_ms,
        Measured {
            simulation: format!(
                "{} replications{}; {samples:.0} latency samples ({} per replication at uniform random instants)",
                rows.len(),
                if disturbed { " of the variant" } else { "" },
                SAMPLES_PER_RUN
            ),
            simulated: m.map_or(Simulated::NotRun, Simulated::Mean),
            allowance: 1e-6,
            allowance_note: "round trips are rounded to integer nanoseconds: ±1 ns".into(),
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// Cross-region replication and the DR lifecycle

/// What the DR checks need to know about the link.
struct LinkFacts {
    /// Batch interval T (s) and in ns.
    t: f64,
    t_ns: u64,
    one_way: f64,
    apply: Dist,
    apply_mean: f64,
    apply_constant: bool,
    /// The apply delay's 1 − [`PENDING_TAIL`] quantile (s): how long a batch can stay pending.
    pending: f64,
    /// Offered write bytes per second r and link bytes per second c.
    r: f64,
    c: f64,
    rho: f64,
    write_rate: f64,
    /// Durability delay d = ρT + one-way + apply of a batch after its cut (constant apply).
    d: f64,
}

fn link_facts(sc: &Scenario) -> Option<LinkFacts> {
    let cr = sc.cross_region.as_ref()?;
    let t = cr.batch_interval.as_secs_f64();
    let r = sc.workload.bytes_per_sec();
    let c = cr.bandwidth;
    let rho = r / c;
    let one_way = cr.one_way.as_secs_f64();
    let apply_mean = cr.apply_delay.mean_secs();
    Some(LinkFacts {
        t,
        t_ns: cr.batch_interval.0.max(1),
        one_way,
        apply: cr.apply_delay.clone(),
        apply_mean,
        apply_constant: is_constant(&cr.apply_delay),
        pending: cr.apply_delay.quantile(1.0 - PENDING_TAIL).as_secs_f64(),
        r,
        c,
        rho,
        write_rate: sc.workload.write_rate,
        d: rho * t + one_way + apply_mean,
    })
}

/// When each batch that can still be pending at a drill at phase φ (s after a cut) is fully
/// sent, relative to the drill, in the fluid link with ρ < 1 and writes stopped (r = 0 during
/// the drain): the open batch (if φ > 0) holds the r·φ bytes written since the last cut and is
/// cut on schedule, T − φ after the drill (a drill does not force a cut), when the link is idle,
/// so it is sent by T − φ + ρφ; the batch cut k intervals back at ρT − φ − (k − 1)T (each batch
/// is sent in ρT from its cut, the link being idle by then).
/// Batches whose send ended more than [`LinkFacts::pending`] before the drill are applied.
fn drill_send_times(l: &LinkFacts, phase_ns: u64) -> Vec<f64> {
    let phi = phase_ns as f64 / 1e9;
    let mut sends = Vec::new();
    if phase_ns > 0 {
        sends.push(l.t - phi + l.rho * phi);
    }
    let newest = l.rho * l.t - phi;
    let older = ((newest + l.pending) / l.t).floor().max(0.0) as u64;
    sends.extend((0..=older).map(|k| newest - k as f64 * l.t));
    sends
}

/// Most batches [`drill_send_times`] returns for any phase.
fn max_pending_batches(l: &LinkFacts) -> f64 {
    ((l.rho * l.t + l.pending) / l.t).floor() + 2.0
}

/// E[max_j (send_j + a_j)] (s) over the batches pending at a drill at `phase_ns`: batches are
/// applied in order, so the drain ends when the last of them to complete is applied.
fn drill_drain_mean(l: &LinkFacts, phase_ns: u64) -> Result<f64, TheoryError> {
    theory::latest_completion_mean(
        &drill_send_times(l, phase_ns),
        |x| l.apply.cdf_secs(x),
        l.pending + l.t,
    )
}

/// [`drill_drain_mean`] per batch phase, computed once per phase and shared by the replications
/// (drills repeat at a few phases; each value costs an integral over the pending batches).
struct DrainMemo(Mutex<BTreeMap<u64, f64>>);

impl DrainMemo {
    /// The expected drain at `phase_ns`; NaN when the formula rejects the link (the check then
    /// has no finite theory and says so).
    fn get(&self, l: &LinkFacts, phase_ns: u64) -> f64 {
        let cached = self.0.lock().map(|m| m.get(&phase_ns).copied());
        if let Ok(Some(v)) = cached {
            return v;
        }
        let v = drill_drain_mean(l, phase_ns).unwrap_or(f64::NAN);
        if let Ok(mut m) = self.0.lock() {
            m.insert(phase_ns, v);
        }
        v
    }
}

/// Per-replication measurements of the DR checks.
#[derive(Default)]
struct DrRun {
    windows: Vec<f64>,
    lost: f64,
    failovers: f64,
    lag_sum: f64,
    lag_count: f64,
    /// Σ over disturbances of the lag (link starts, zone interruptions) of their length + 2(d + T).
    disturbance: f64,
    drill_residual: f64,
    drill_theory: f64,
    drills: f64,
    catch_up_residual: f64,
    catch_up_theory: f64,
    catch_ups: f64,
}

/// The stay of the drill operation that fired at `at_ns`.
fn drill_stay(sc: &Scenario, at_ns: u64) -> Option<f64> {
    sc.operations
        .iter()
        .filter(|op| op.kind == OperationKind::Drill)
        .find(|op| match op.every {
            Some(e) if e.0 > 0 => at_ns >= op.at.0 && (at_ns - op.at.0).is_multiple_of(e.0),
            _ => at_ns == op.at.0,
        })
        .map(|op| op.stay.as_secs_f64())
}

fn dr_run(
    sc: &Scenario,
    l: &LinkFacts,
    switch_mean: f64,
    drains: &DrainMemo,
    o: &ReplicationOutcome,
) -> DrRun {
    let tl = Timeline::of(sc, o);
    let mut run = DrRun::default();
    let settle = ((l.d + 2.0 * l.t) * 1e9).ceil() as u64;
    for i in &o.incidents {
        match i.class {
            IncidentClass::Region => {
                let (Some(sync), Some(stopped)) = (i.last_sync_ns, i.interruption_start_ns) else {
                    continue;
                };
                let from = i.start_ns.saturating_sub(settle);
                if stopped != i.start_ns
                    || i.overlaps.is_some()
                    || i.start_ns < settle
                    || !tl.served_throughout(from, i.start_ns)
                    || !tl.link_steady(from, i.start_ns)
                {
                    continue;
                }
                run.windows.push((i.start_ns - sync) as f64 / 1e9);
                if i.decision == Some("failover") && i.recovery == "dr-failover" {
                    run.lost += i.lost_writes as f64;
                    run.failovers += 1.0;
                }
            }
            IncidentClass::Zone => {
                if let Some(s) = i.interruption_start_ns {
                    let e = i.interruption_end_ns.unwrap_or(o.horizon_ns);
                    run.disturbance += (e - s) as f64 / 1e9 + 2.0 * (l.d + l.t);
                }
            }
            IncidentClass::Drill => {
                let (Some(s), Some(e)) = (i.interruption_start_ns, i.interruption_end_ns) else {
                    continue;
                };
                // Every batch that can still be pending was cut and sent regularly.
                let look_back = l
                    .t_ns
                    .saturating_mul(2)
                    .saturating_add((l.pending * 1e9).ceil() as u64);
                let from = s.saturating_sub(look_back);
                if i.decision != Some("failover")
                    || s != i.start_ns
                    || s < look_back
                    || !tl.served_throughout(from, s)
                    || !tl.link_steady(from, s)
                {
                    continue;
                }
                let expect = drains.get(l, s % l.t_ns) + l.one_way + switch_mean;
                run.drill_residual += (e - s) as f64 / 1e9 - expect;
                run.drill_theory += expect;
                run.drills += 1.0;
                // The failback that follows: its reverse resync started `stay` after the
                // failover completed.
                let Some(stay) = drill_stay(sc, i.start_ns) else {
                    continue;
                };
                let Some(fb) = o
                    .incidents
                    .iter()
                    .find(|f| f.class == IncidentClass::DrillReturn && f.start_ns >= e)
                else {
                    continue;
                };
                let region_between = o.incidents.iter().any(|r| {
                    r.class == IncidentClass::Region
                        && r.start_ns <= fb.start_ns
                        && r.end_ns.is_none_or(|x| x >= i.start_ns)
                });
                if region_between {
                    continue;
                }
                let Ok(expect) = theory::fluid_catch_up_time(l.r * stay, l.c, l.r) else {
                    continue;
                };
                // In integer ns first: at t ~ 1e7 s an f64 of seconds has ~2 ns resolution.
                let measured = fb.start_ns.saturating_sub(e) as f64 / 1e9 - stay;
                run.catch_up_residual += measured - expect;
                run.catch_up_theory += expect;
                run.catch_ups += 1.0;
            }
            _ => {}
        }
    }
    run.disturbance += tl.link_starts.len() as f64 * (l.d + l.t);
    run.lag_sum = o.lag_samples_ns.iter().map(|&x| x as f64 / 1e9).sum();
    run.lag_count = o.lag_samples_ns.len() as f64;
    run
}

/// The lag variant: no region outages (random or scheduled).
fn lag_variant(sc: &Scenario) -> Scenario {
    let mut v = sc.clone();
    v.region_failures = None;
    v.scheduled.retain(|i| i.class != IncidentClass::Region);
    v
}

/// `m`, or nothing measured when an assumption fails (so reports show no numbers for
/// checks that do not apply).
fn gated(assumptions: &[Assumption], m: Measured) -> Measured {
    if any_fails(assumptions) {
        Measured::not_run()
    } else {
        m
    }
}

fn dr_checks(sc: &Scenario, ctx: &mut Ctx) -> Result<Vec<Check>, AnalyzeError> {
    let facts = link_facts(sc);
    let dr = sc.dr.as_ref();
    let has_link = Assumption::check(
        "self-service DR with a cross-region link",
        facts.is_some() && dr.is_some(),
        || "no self-service DR / cross-region link in this scenario".into(),
    );
    let (t, d, rho) = facts
        .as_ref()
        .map_or((f64::NAN, f64::NAN, f64::NAN), |l| (l.t, l.d, l.rho));
    let stable = Assumption::check(
        "the link keeps up: load ρ = r/c < 1",
        facts.as_ref().is_none_or(|l| l.rho < 1.0),
        || format!("link load ρ = {rho:.3} ≥ 1: no steady state, the lag grows without bound"),
    );
    let no_link_incidents = Assumption::check(
        "no link partitions or degradations (they build backlogs)",
        sc.link_failures.is_none() && sc.link_degradation.is_none(),
        || {
            "random link partitions/degradations build backlogs: the lag law changes after each"
                .into()
        },
    );
    let from_start = Assumption::check(
        "DR protects from the start (dr.enabled = true, no enable/disable operations)",
        dr.is_some_and(|d| d.enabled_at_start)
            && sc
                .operations
                .iter()
                .all(|op| op.kind == OperationKind::Drill),
        || "DR is turned on or off by operations: the link's steady state is not guaranteed".into(),
    );
    let apply_constant = Assumption::check(
        "constant apply delay",
        facts.as_ref().is_some_and(|l| l.apply_constant),
        || {
            format!(
                "apply delay is {}: with in-order apply, a random delay makes the window a maximum over batches, not d + Uniform(0, T)",
                sc.cross_region
                    .as_ref()
                    .map_or("absent".into(), |c| dist_name(&c.apply_delay))
            )
        },
    );
    let random_regions = Assumption::check(
        "random region outages: failure instants at a uniform phase of the batch schedule",
        sc.region_failures.is_some(),
        || "no random region outages (scheduled ones start at fixed phases)".into(),
    );
    let continuous = Assumption::new(
        "writes served and the link running throughout d + 2T before the failure (others are excluded)",
        Status::Holds,
    );
    let mut window_a = vec![
        has_link.clone(),
        from_start.clone(),
        random_regions,
        apply_constant.clone(),
        stable.clone(),
        no_link_incidents.clone(),
        continuous,
    ];
    let mut lost_a = window_a.clone();
    let policy_ok = dr
        .and_then(|d| d.max_data_loss)
        .is_none_or(|m| m.as_secs_f64() >= d + t || d.is_nan());
    lost_a.push(Assumption::check(
        "the failover policy does not select on the window (max_data_loss ≥ d + T)",
        policy_ok,
        || {
            format!(
                "policy max_data_loss = {} < d + T = {}: failovers keep only the shorter windows",
                dr.and_then(|d| d.max_data_loss).map_or("none".into(), secs),
                fsec(d + t)
            )
        },
    ));
    lost_a.push(Assumption::check(
        "failovers succeed (VNet paired or no VNet)",
        dr.is_none_or(|d| !d.vnet_unpaired),
        || "the VNet has no pair: every failover fails".into(),
    ));
    lost_a.push(Assumption::new(
        "writes Poisson in served time (drsim's write model): N | W ~ Poisson(λW)",
        Status::Holds,
    ));
    window_a.push(Assumption::new(
        "last sync = cut time of the newest durable batch; a batch is durable ρT + one-way + apply after its cut",
        Status::Holds,
    ));
    let mut lag_a = vec![
        has_link.clone(),
        from_start,
        apply_constant,
        stable.clone(),
        no_link_incidents.clone(),
        Assumption::new(
            "steady link: restarts (after a failback) and zone interruptions perturb the lag for a bounded time",
            Status::Approximate(
                "each perturbs the lag by at most 2(d + T) for its length + 2(d + T): bound in the allowance"
                    .into(),
            ),
        ),
    ];
    lag_a.push(Assumption::new(
        "lag sampled at uniform random instants while DR protects the primary",
        Status::Holds,
    ));
    let has_regions = sc.region_failures.is_some()
        || sc
            .scheduled
            .iter()
            .any(|i| i.class == IncidentClass::Region);
    lag_a.push(Assumption::new(
        "the primary region is up: the lag is the age of the newest durable cut",
        if has_regions {
            Status::InVariant(
                "region outages removed in the variant: until the operator decides, an outage leaves DR 'protected' with the lag growing as the data loss shown".into(),
            )
        } else {
            Status::Holds
        },
    ));
    let drills_exist = sc
        .operations
        .iter()
        .any(|op| op.kind == OperationKind::Drill);
    let drill_a = vec![
        has_link.clone(),
        Assumption::check(
            "drills are scheduled",
            drills_exist,
            || "no drill operations".into(),
        ),
        stable.clone(),
        no_link_incidents.clone(),
        Assumption::new(
            "writes served and the link running throughout 2T + the apply delay's 1 − 1e-12 quantile before the drill, so every batch that can still be pending was cut and sent regularly (others are excluded)",
            Status::Holds,
        ),
        Assumption::new(
            "apply delays independent and identically distributed across batches, applied in order; any switch law (its mean enters)",
            Status::Holds,
        ),
        Assumption::check(
            format!(
                "at most {MAX_PENDING_BATCHES} batches can be pending at a drill (the exact expectation integrates over each)"
            ),
            facts
                .as_ref()
                .is_none_or(|l| max_pending_batches(l) <= MAX_PENDING_BATCHES),
            || {
                format!(
                    "{:.0} batches of T = {} can be pending within the apply delay's 1 − 1e-12 quantile",
                    facts.as_ref().map_or(f64::NAN, max_pending_batches),
                    fsec(t)
                )
            },
        ),
    ];
    let catch_a = vec![
        has_link,
        Assumption::check(
            "drills are scheduled (their failback resyncs r × stay bytes)",
            drills_exist,
            || "no drill operations".into(),
        ),
        Assumption::check(
            "the link carries the writes and the backlog (r < c)",
            facts.as_ref().is_none_or(|l| l.rho < 1.0),
            || format!("write load ρ = {rho:.3} ≥ 1: drsim stays failed over"),
        ),
        Assumption::new(
            "no region outage between the drill and its failback (others are excluded)",
            Status::Holds,
        ),
    ];
    // P-K: never applicable to drsim's link; say why and what is compared instead.
    let mut pk_a = vec![Assumption::check(
        "a cross-region link",
        facts.is_some(),
        || "no cross-region link".into(),
    )];
    if let Some(l) = &facts {
        pk_a.push(Assumption::new(
            "Poisson arrivals of batches (M/G/1)",
            Status::Fails(format!(
                "batches are cut every T = {} (deterministic arrivals: D/G/1, not M/G/1)",
                format_seconds(l.t)
            )),
        ));
        pk_a.push(Assumption::new(
            "random service times",
            Status::Fails(format!(
                "drsim's log is a fluid: a batch's service time is exactly ρT = {}, so the link is D/D/1 and a batch never waits while ρ < 1 — compared instead: link-lag-mean",
                format_seconds(l.rho * l.t)
            )),
        ));
    }
    let pk_theory = facts.as_ref().map_or(f64::NAN, |l| {
        theory::pk_mean_wait(1.0 / l.t, l.rho * l.t, (l.rho * l.t).powi(2)).unwrap_or(f64::NAN)
    });

    let (lambda, apply_mean, one_way, r, c) = facts
        .as_ref()
        .map_or((f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN), |l| {
            (l.write_rate, l.apply_mean, l.one_way, l.r, l.c)
        });
    let window_mean = theory::batch_loss_window_mean(t, d).unwrap_or(f64::NAN);
    let lost_theory = theory::poisson_lost_writes_mean(lambda, window_mean).unwrap_or(f64::NAN);
    let switch_mean = dr.map_or(f64::NAN, |d| d.switch_time.mean_secs());
    let specs = (
        Spec {
            name: "emergency-lost-writes",
            title: "emergency failover: mean lost writes",
            source: "Poisson writes over the loss window (Ross, Stochastic Processes: M/G/∞ / Poisson process); theory::poisson_lost_writes_mean, theory::batch_loss_window_mean",
            unit: "writes",
        },
        Spec {
            name: "emergency-loss-window",
            title: "emergency failover: loss window distribution (periodic batches)",
            source: "uniform phase of a random failure in the batch cycle: W ~ Uniform[d, d + T]; theory::batch_loss_window_cdf",
            unit: "s",
        },
        Spec {
            name: "link-pk-wait",
            title: "link: mean queueing delay of a batch (Pollaczek–Khinchine)",
            source: "Kleinrock, Queueing Systems Vol. 1 (M/G/1); theory::pk_mean_wait",
            unit: "s",
        },
        Spec {
            name: "link-lag-mean",
            title: "link: mean replication lag (D/D/1 fluid, no queueing)",
            source: "fluid queue with periodic cuts (Kleinrock, Queueing Systems Vol. 2, fluid approximation): zero wait when ρ < 1, lag = age of the newest durable cut",
            unit: "s",
        },
        Spec {
            name: "drill-drain",
            title: "drill: drain + switch time (writes stopped)",
            source: "fluid backlog / bandwidth (Kleinrock Vol. 2, fluid approximation) with writes stopped (r = 0); in-order apply: the latest of the pending batches' completions, P(max ≤ x) = Π_j F(x − send_j) for independent delays (theory::latest_completion_mean, adaptive Simpson)",
            unit: "s",
        },
        Spec {
            name: "failback-catch-up",
            title: "failback: reverse resynchronisation (fluid catch-up)",
            source: "fluid catch-up B/(c − r) (Kleinrock Vol. 2); theory::fluid_catch_up_time",
            unit: "s",
        },
    );
    let formula_lost = format!(
        "E[N] = λ·E[W] = λ(d + T/2), d = ρT + one-way + apply; λ = {lambda}/s, T = {}, ρ = {rho:.4}, one-way = {}, apply = {}",
        fsec(t),
        fsec(one_way),
        fsec(apply_mean)
    );
    let formula_window = format!(
        "P(W ≤ w) = clamp((w − d)/T, 0, 1); d = {}, T = {}",
        fsec(d),
        fsec(t)
    );
    let formula_pk = "W_q = λE[S²]/(2(1 − ρ)) with λ = 1/T, S = ρT (what P-K would say for Poisson batch arrivals)".to_string();
    let formula_lag = format!(
        "E[lag] = d + T/2 (wait 0); d = {}, T = {}",
        fsec(d),
        fsec(t)
    );
    let formula_drill = format!(
        "E[RTO] = E[max_j (send_j + a_j)] + one-way + E[switch]: batches are applied in order, so the drain ends when the last of the pending batches j is applied; send_j = when batch j is fully sent with writes stopped (r = 0): the open batch, cut on schedule, at T − φ + ρφ, the batch cut k intervals back at ρT − φ − (k − 1)T, for every batch with send_j + Q_a(1 − 1e-12) ≥ 0; a_j i.i.d. apply delays of CDF F; E[max] = m + ∫_m^∞ (1 − Π_j F(x − send_j)) dx, m = max_j send_j; φ = drill time mod T; averaged over the drills used; c = {:.4} MB/s, r = {:.4} MB/s, E[switch] = {}",
        c / 1e6,
        r / 1e6,
        fsec(switch_mean)
    );
    let formula_catch = format!(
        "t = B/(c − r), B = r·stay; c = {:.4} MB/s, r = {:.4} MB/s",
        c / 1e6,
        r / 1e6
    );
    let needed = [&window_a, &lost_a, &lag_a, &drill_a, &catch_a]
        .iter()
        .any(|a| !any_fails(a));
    let Some(l) = facts.filter(|_| needed) else {
        return Ok(vec![
            build(
                specs.0,
                formula_lost,
                lost_a,
                lost_theory,
                Measured::not_run(),
            ),
            build(
                specs.1,
                formula_window,
                window_a,
                window_mean,
                Measured::not_run(),
            ),
            build(specs.2, formula_pk, pk_a, pk_theory, Measured::not_run()),
            build(
                specs.3,
                formula_lag,
                lag_a,
                window_mean,
                Measured::not_run(),
            ),
            build(
                specs.4,
                formula_drill,
                drill_a,
                f64::NAN,
                Measured::not_run(),
            ),
            build(
                specs.5,
                formula_catch,
                catch_a,
                f64::NAN,
                Measured::not_run(),
            ),
        ]);
    };
    let main_needed = [&window_a, &lost_a, &drill_a, &catch_a]
        .iter()
        .any(|a| !any_fails(a));
    let drains = DrainMemo(Mutex::new(BTreeMap::new()));
    let rows: Vec<DrRun> = if main_needed {
        ctx.simulate(sc, |o| dr_run(sc, &l, switch_mean, &drains, o))
    } else {
        Vec::new()
    };
    let lag_sc = lag_variant(sc);
    let lag_rows: Vec<DrRun> = if any_fails(&lag_a) {
        Vec::new()
    } else {
        ctx.simulate(&lag_sc, |o| dr_run(&lag_sc, &l, switch_mean, &drains, o))
    };
    let runs = rows.len();
    let as_is = format!("{runs} replications of the scenario as is");

    // Emergency: lost writes (ratio per failover) and the window sample.
    let lost_pairs: Vec<(f64, f64)> = rows.iter().map(|r| (r.lost, r.failovers)).collect();
    let failovers: f64 = rows.iter().map(|r| r.failovers).sum();
    let lost_m = Measured {
        simulation: format!("{as_is}; {failovers:.0} emergency failovers used"),
        simulated: ratio_over_runs(&lost_pairs).map_or(Simulated::NotRun, Simulated::Mean),
        allowance: 0.0,
        allowance_note: "none: the window law is exact in the fluid link and the count is Poisson given the window".into(),
    };
    let windows: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.windows.iter().copied())
        .collect();
    let window_m = Measured {
        simulation: format!(
            "{as_is}; {} region outages striking while DR protected and writes flowed",
            windows.len()
        ),
        simulated: Simulated::Distribution(distribution(
            &windows,
            |w| theory::batch_loss_window_cdf(w, l.t, l.d).unwrap_or(f64::NAN),
            |p| l.d + p * l.t,
        )),
        allowance: 0.0,
        allowance_note: "none (KS test)".into(),
    };

    // Lag: ratio over samples, disturbance bound as allowance.
    let lag_runs = lag_rows.len();
    let lag_pairs: Vec<(f64, f64)> = lag_rows.iter().map(|r| (r.lag_sum, r.lag_count)).collect();
    let lag_samples: f64 = lag_rows.iter().map(|r| r.lag_count).sum();
    let protected_fraction = lag_samples / (SAMPLES_PER_RUN as f64 * lag_runs.max(1) as f64);
    let disturbance = lag_rows.iter().map(|r| r.disturbance).sum::<f64>() / lag_runs.max(1) as f64;
    let horizon = sc.simulation.horizon.as_secs_f64();
    let lag_allow = if protected_fraction > 0.0 {
        2.0 * (l.d + l.t) * disturbance / (protected_fraction * horizon)
    } else {
        f64::INFINITY
    };
    let lag_m = Measured {
        simulation: format!(
            "{lag_runs} replications of the {}; {lag_samples:.0} lag samples ({SAMPLES_PER_RUN} uniform instants per replication, kept while DR protected the primary)",
            if has_regions { "variant" } else { "scenario as is" }
        ),
        simulated: ratio_over_runs(&lag_pairs).map_or(Simulated::NotRun, Simulated::Mean),
        allowance: lag_allow,
        allowance_note: format!(
            "link restarts and zone interruptions: 2(d + T) × Σ(length + 2(d + T)) / protected time = {lag_allow:.3e} s"
        ),
    };

    // Drills and failbacks: residuals against the per-event theory.
    let drills: f64 = rows.iter().map(|r| r.drills).sum();
    let drill_theory = rows.iter().map(|r| r.drill_theory).sum::<f64>() / drills;
    let drill_pairs: Vec<(f64, f64)> = rows.iter().map(|r| (r.drill_residual, r.drills)).collect();
    let drill_m = Measured {
        simulation: format!("{as_is}; {drills:.0} drills used"),
        simulated: ratio_over_runs(&drill_pairs)
            .map(|m| shifted(m, drill_theory))
            .map_or(Simulated::NotRun, Simulated::Mean),
        allowance: 3e-9,
        allowance_note:
            "send time, apply and switch draws are rounded to integer nanoseconds: ±3 ns".into(),
    };
    let catch_ups: f64 = rows.iter().map(|r| r.catch_ups).sum();
    let catch_theory = rows.iter().map(|r| r.catch_up_theory).sum::<f64>() / catch_ups;
    let catch_pairs: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.catch_up_residual, r.catch_ups))
        .collect();
    let catch_m = Measured {
        simulation: format!(
            "{as_is}; {catch_ups:.0} drill failbacks used (resync start = failover done + stay)"
        ),
        simulated: ratio_over_runs(&catch_pairs)
            .map(|m| shifted(m, catch_theory))
            .map_or(Simulated::NotRun, Simulated::Mean),
        allowance: 2e-9,
        allowance_note:
            "the resync duration and the changed time are rounded to integer nanoseconds: ±2 ns"
                .into(),
    };
    let lost_m = gated(&lost_a, lost_m);
    let window_m = gated(&window_a, window_m);
    let lag_m = gated(&lag_a, lag_m);
    let drill_m = gated(&drill_a, drill_m);
    let catch_m = gated(&catch_a, catch_m);
    Ok(vec![
        build(specs.0, formula_lost, lost_a, lost_theory, lost_m),
        build(specs.1, formula_window, window_a, window_mean, window_m),
        build(specs.2, formula_pk, pk_a, pk_theory, Measured::not_run()),
        build(specs.3, formula_lag, lag_a, window_mean, lag_m),
        build(specs.4, formula_drill, drill_a, drill_theory, drill_m),
        build(specs.5, formula_catch, catch_a, catch_theory, catch_m),
    ])
}

// ---------------------------------------------------------------------------------------------
// Rendering

/// A number with 7 significant digits (scientific outside [1e-3, 1e7)); "—" when not finite.
fn num(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs().log10().floor();
    if !(-3.0..7.0).contains(&mag) {
        format!("{x:.6e}")
    } else {
        let decimals = (6.0 - mag).max(0.0) as usize;
        format!("{x:.decimals$}")
    }
}

fn with_unit(x: &str, unit: &str) -> String {
    if unit.is_empty() || x == "—" {
        x.to_string()
    } else if unit.starts_with('/') {
        format!("{x}{unit}")
    } else {
        format!("{x} {unit}")
    }
}

fn simulated_text(c: &Check) -> String {
    match &c.simulated {
        Simulated::NotRun => "—".into(),
        Simulated::Mean(m) => format!("{} [{}, {}]", num(m.ci.mean), num(m.ci.low), num(m.ci.high)),
        Simulated::Distribution(d) => {
            let q: Vec<String> = d
                .quantiles
                .iter()
                .map(|r| format!("p{:.0} {}", r.p * 100.0, num(r.simulated)))
                .collect();
            format!("n = {}, {}", d.n, q.join(", "))
        }
    }
}

fn expected_text(c: &Check) -> String {
    match &c.simulated {
        Simulated::Distribution(d) => {
            let q: Vec<String> = d
                .quantiles
                .iter()
                .map(|r| format!("p{:.0} {}", r.p * 100.0, num(r.theory)))
                .collect();
            q.join(", ")
        }
        _ => num(c.theory),
    }
}

fn deviation_text(c: &Check) -> String {
    match (&c.simulated, &c.verdict) {
        (_, Verdict::NotApplicable(_)) | (Simulated::NotRun, _) => "—".into(),
        (Simulated::Distribution(d), _) => {
            format!("KS D = {:.4}, p = {:.3}", d.ks.statistic, d.ks.p_value)
        }
        (Simulated::Mean(m), _) => match c.z_score() {
            // The allowance is worth showing when it is not small against the noise.
            Some(z) if c.allowance >= 0.5 * m.std_error => {
                format!("z = {z:+.2}, allowance {:.3e}", c.allowance)
            }
            Some(z) => format!("z = {z:+.2}"),
            None => format!("Δ = {}", num(m.ci.mean - c.theory)),
        },
    }
}

fn status_line(a: &Assumption) -> String {
    match &a.status {
        Status::Holds => format!("[holds]   {}", a.text),
        Status::InVariant(s) => format!("[variant] {}: {s}", a.text),
        Status::Approximate(s) => format!("[approx]  {}: {s}", a.text),
        Status::Fails(s) => format!("[FAILS]   {}: {s}", a.text),
    }
}

/// The verdict rule, in words (printed by both renderers).
pub fn verdict_rule() -> String {
    format!(
        "A mean check agrees when |simulated − theory| ≤ t(1 − α/2, n − 1)·SE + allowance, α = {VERDICT_ALPHA:e} (false alarm ~{VERDICT_ALPHA:e} per check; n = independent replications, SE from a t-interval over them, or from the ratio estimator Σy/Σx over them for per-event means); the printed interval is the {:.0}% t-interval. A random mean beyond t·SE but within t·SE + allowance agrees only through its stated allowance and reads \"differs by design\", with the allowance's reason and the figures; it is not a failure. A distribution check agrees when the one-sample Kolmogorov–Smirnov p-value exceeds {KS_ALPHA}. Checks need at least {MIN_SAMPLES} events.",
        DISPLAY_CONFIDENCE * 100.0
    )
}

impl Analysis {
    /// Plain-text report for the terminal: a summary table, then each check's formula, source,
    /// assumptions and allowance.
    pub fn render_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "drsim analyze · {} · hash {} · seed {} · {} runs × {}{}",
            self.scenario,
            &self.scenario_hash[..self.scenario_hash.len().min(8)],
            self.seed,
            self.runs,
            format_seconds(self.horizon_s),
            if self.partial {
                " · PARTIAL (stopped)"
            } else {
                ""
            }
        );
        let _ = writeln!(s);
        let rows: Vec<[String; 5]> = self
            .checks
            .iter()
            .map(|c| {
                [
                    c.name.to_string(),
                    with_unit(&expected_text(c), c.unit),
                    with_unit(&simulated_text(c), c.unit),
                    deviation_text(c),
                    c.verdict.label().to_string(),
                ]
            })
            .collect();
        let header = [
            "check",
            "theory",
            "simulated (95% CI)",
            "deviation",
            "verdict",
        ];
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                let pad = w - cell.chars().count();
                out.push_str(cell);
                if i + 1 < cells.len() {
                    out.push_str(&" ".repeat(pad + 2));
                }
            }
            out
        };
        let _ = writeln!(
            s,
            "{}",
            line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>())
        );
        for r in &rows {
            let _ = writeln!(s, "{}", line(r));
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "verdict rule: {}", verdict_rule());
        for c in &self.checks {
            let _ = writeln!(s);
            let _ = writeln!(s, "{} — {}", c.name, c.title);
            let _ = writeln!(s, "  formula     {}", c.formula);
            let _ = writeln!(s, "  source      {}", c.source);
            let _ = writeln!(s, "  simulated   {}", c.simulation);
            if !c.allowance_note.is_empty() {
                let _ = writeln!(s, "  allowance   {}", c.allowance_note);
            }
            let _ = writeln!(s, "  assumptions");
            for a in &c.assumptions {
                let _ = writeln!(s, "    {}", status_line(a));
            }
            let _ = writeln!(s, "  verdict     {}", c.verdict.explained());
        }
        s
    }

    /// Markdown report: the same content as [`Analysis::render_table`].
    pub fn render_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# drsim analyze: {}", self.scenario);
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Scenario hash `{}`, seed {}, {} replications × {}{}.",
            self.scenario_hash,
            self.seed,
            self.runs,
            format_seconds(self.horizon_s),
            if self.partial {
                " (partial: stopped)"
            } else {
                ""
            }
        );
        let _ = writeln!(s);
        let rows: Vec<(&str, &Check)> = self.checks.iter().map(|c| ("", c)).collect();
        s.push_str(&markdown_table(&rows));
        let _ = writeln!(s);
        let _ = writeln!(s, "Verdict rule: {}", verdict_rule());
        let _ = writeln!(s);
        for c in &self.checks {
            s.push_str(&markdown_details(c, None));
        }
        s
    }
}

fn md_escape(x: &str) -> String {
    x.replace('|', "\\|")
}

/// A Markdown table of checks; the first element of each row names the scenario file (omitted
/// from the table when every row's is empty).
pub fn markdown_table(rows: &[(&str, &Check)]) -> String {
    let with_file = rows.iter().any(|(f, _)| !f.is_empty());
    let mut s = String::new();
    if with_file {
        let _ = writeln!(
            s,
            "| check | formula and source | scenario | expected | simulated (95% CI) | deviation | verdict |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    } else {
        let _ = writeln!(
            s,
            "| check | formula and source | expected | simulated (95% CI) | deviation | verdict |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|");
    }
    for (file, c) in rows {
        let verdict = match &c.verdict {
            Verdict::Disagrees => "**DISAGREES**".into(),
            v => v.explained(),
        };
        let cells = [
            format!("`{}` {}", c.name, c.title),
            format!("{} — {}", c.formula, c.source),
            format!("`{file}`"),
            with_unit(&expected_text(c), c.unit),
            with_unit(&simulated_text(c), c.unit),
            deviation_text(c),
            verdict,
        ];
        let cells: Vec<String> = cells
            .iter()
            .enumerate()
            .filter(|&(i, _)| with_file || i != 2)
            .map(|(_, x)| md_escape(x))
            .collect();
        let _ = writeln!(s, "| {} |", cells.join(" | "));
    }
    s
}

/// A Markdown section with one check's assumptions, simulation and allowance.
pub fn markdown_details(c: &Check, file: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### `{}` — {}", c.name, c.title);
    let _ = writeln!(s);
    if let Some(f) = file {
        let _ = writeln!(s, "- scenario: `{f}`");
    }
    let _ = writeln!(s, "- formula: {}", c.formula);
    let _ = writeln!(s, "- source: {}", c.source);
    let _ = writeln!(s, "- simulated: {}", c.simulation);
    if !c.allowance_note.is_empty() {
        let _ = writeln!(s, "- allowance: {}", c.allowance_note);
    }
    let _ = writeln!(
        s,
        "- expected {} · simulated {} · {}",
        with_unit(&expected_text(c), c.unit),
        with_unit(&simulated_text(c), c.unit),
        deviation_text(c)
    );
    let _ = writeln!(s, "- assumptions:");
    for a in &c.assumptions {
        let line = match &a.status {
            Status::Holds => format!("holds — {}", a.text),
            Status::InVariant(x) => format!("holds in the variant — {}: {x}", a.text),
            Status::Approximate(x) => format!("approximately — {}: {x}", a.text),
            Status::Fails(x) => format!("**fails** — {}: {x}", a.text),
        };
        let _ = writeln!(s, "  - {line}");
    }
    let _ = writeln!(
        s,
        "- verdict: {}",
        match &c.verdict {
            Verdict::NotApplicable(r) => format!("not-applicable ({r})"),
            v => v.explained(),
        }
    );
    let _ = writeln!(s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_transient_matches_the_exponential_closed_form() {
        // Exponential up (rate λ) and down (rate μ), starting up: ∫(q∞ − q(t))dt = q∞/(λ + μ).
        let (l, m) = (0.1, 1.0);
        let (c, _) = renewal_transient((1.0 / l, 2.0 / (l * l)), (1.0 / m, 2.0 / (m * m)));
        let q = l / (l + m);
        assert!((c - q / (l + m)).abs() < 1e-12, "{c}");
        // Deterministic unit up and down: the Cesàro-average deficit is 1/4.
        let (c, _) = renewal_transient((1.0, 1.0), (1.0, 1.0));
        assert!((c - 0.25).abs() < 1e-12);
    }

    #[test]
    fn ctmc_transient_of_a_two_state_chain() {
        // Up → down at λ, down → up at μ, start up: ∫(A(t) − A∞)dt = (1 − A∞)/(λ + μ).
        let (l, m) = (0.2, 3.0);
        let q = vec![vec![-l, l], vec![m, -m]];
        let pi = theory::ctmc_stationary(&q).unwrap();
        let got = ctmc_transient(&q, &pi, &[0]);
        let want = (l / (l + m)) / (l + m);
        assert!((got - want).abs() < 1e-10, "{got} vs {want}");
    }

    #[test]
    fn drsim_chain_is_below_the_textbook_chain() {
        // The extra election after a double failure can only cost availability.
        let (mttf, mttr, fo) = (20.0, 1.0, 0.1);
        let textbook = theory::active_standby_availability(mttf, mttr, fo).unwrap();
        let q = drsim_standby_generator(1.0 / mttf, 1.0 / mttr, 1.0 / fo);
        let pi = theory::ctmc_stationary(&q).unwrap();
        assert!(pi[0] + pi[1] < textbook);
        assert!(textbook - (pi[0] + pi[1]) < 1e-3);
    }

    #[test]
    fn ratio_estimator_of_constant_ratio_has_zero_width() {
        let m = ratio_over_runs(&[(2.0, 1.0), (4.0, 2.0), (6.0, 3.0)]).unwrap();
        assert_eq!(m.ci.mean, 2.0);
        assert!(m.std_error.abs() < 1e-15);
        assert_eq!(m.events, 6);
    }

    /// A mean check of theory 1 over 1000 replications with standard error 1e-3 (sampling
    /// interval t·SE ≈ 4.4e-3) and an allowance of 0.02 for a stated design difference.
    fn judged(mean: f64, std_error: f64, allowance: f64) -> Check {
        let ci = MeanCi {
            n: 1000,
            mean,
            half_width: 1.96 * std_error,
            low: mean - 1.96 * std_error,
            high: mean + 1.96 * std_error,
        };
        build(
            Spec {
                name: "test-check",
                title: "a check",
                source: "none",
                unit: "",
            },
            "x = 1".into(),
            vec![Assumption::new("holds", Status::Holds)],
            1.0,
            Measured {
                simulation: "synthetic".into(),
                simulated: Simulated::Mean(MeanComparison {
                    ci,
                    std_error,
                    events: 1000,
                }),
                allowance,
                allowance_note: "the simulator's chain differs from the formula's by 0.02".into(),
            },
        )
    }

    #[test]
    fn a_gap_covered_only_by_the_allowance_differs_by_design() {
        let c = judged(1.0 - 0.01, 1e-3, 0.02);
        let Verdict::DiffersByDesign(d) = &c.verdict else {
            panic!("{:?}", c.verdict)
        };
        assert!(
            (d.gap + 0.01).abs() < 1e-12 && (d.z + 10.0).abs() < 1e-9,
            "{d:?}"
        );
        assert!(d.sampling > 4e-3 && d.sampling < 5e-3, "{}", d.sampling);
        assert_eq!(d.allowance, 0.02);
        assert_eq!(d.reason, c.allowance_note);
        assert!(!c.verdict.is_failure());
    }

    #[test]
    fn a_gap_within_the_sampling_interval_agrees_whatever_the_allowance() {
        assert_eq!(judged(1.0 + 2e-3, 1e-3, 0.02).verdict, Verdict::Agrees);
        assert_eq!(judged(1.0 - 4e-3, 1e-3, 0.0).verdict, Verdict::Agrees);
    }

    #[test]
    fn a_gap_beyond_interval_and_allowance_disagrees_and_fails() {
        let c = judged(1.0 + 0.03, 1e-3, 0.02);
        assert_eq!(c.verdict, Verdict::Disagrees);
        assert!(c.verdict.is_failure());
        // Without an allowance, any gap beyond the interval disagrees.
        assert_eq!(judged(1.0 + 5e-3, 1e-3, 0.0).verdict, Verdict::Disagrees);
    }

    #[test]
    fn a_deterministic_quantity_within_its_rounding_allowance_agrees() {
        // No standard error, hence no sampling interval and no z: the allowance is the
        // model's resolution, not a difference of design.
        let c = judged(1.0 + 1e-9, 0.0, 2e-9);
        assert_eq!(c.z_score(), None);
        assert_eq!(c.verdict, Verdict::Agrees);
        assert_eq!(judged(1.0 + 3e-9, 0.0, 2e-9).verdict, Verdict::Disagrees);
    }

    #[test]
    fn only_a_disagreement_is_a_failure() {
        assert!(Verdict::Disagrees.is_failure());
        assert!(!Verdict::Agrees.is_failure());
        assert!(!Verdict::NotApplicable("no events".into()).is_failure());
    }

    #[test]
    fn every_report_states_a_difference_by_design_with_its_reason_and_figures() {
        let a = Analysis {
            scenario: "synthetic".into(),
            scenario_hash: "0123456789".into(),
            seed: 1,
            runs: 1000,
            horizon_s: 3600.0,
            partial: false,
            checks: vec![judged(1.0 - 0.01, 1e-3, 0.02)],
        };
        let figures = "simulated − theory = -0.01000000 (z = -10.00) exceeds the sampling interval";
        let reason = "within the allowance 0.02000000: the simulator's chain differs";
        for out in [a.render_table(), a.render_markdown()] {
            assert!(out.contains("differs by design: simulated"), "{out}");
            assert!(out.contains(figures) && out.contains(reason), "{out}");
        }
        // The summary row of the text table names the verdict in its column.
        let row = a.render_table().lines().nth(3).unwrap().to_string();
        assert!(
            row.starts_with("test-check") && row.ends_with("differs by design"),
            "{row}"
        );
    }

    /// The link of tests/scenarios/drill.toml: T = 10 s, r = 0.8 MB/s, c = 3.2 MB/s, lognormal
    /// apply delays of median 2 s and σ 0.5.
    fn drill_link(t: f64, apply: Dist) -> LinkFacts {
        let (r, c) = (0.8e6, 3.2e6);
        LinkFacts {
            t,
            t_ns: (t * 1e9) as u64,
            one_way: 0.00375,
            apply_mean: apply.mean_secs(),
            apply_constant: is_constant(&apply),
            pending: apply.quantile(1.0 - PENDING_TAIL).as_secs_f64(),
            apply,
            r,
            c,
            rho: r / c,
            write_rate: 200.0,
            d: f64::NAN,
        }
    }

    const DRILL_APPLY: Dist = Dist::LogNormal {
        median: 2e9,
        sigma: 0.5,
    };

    #[test]
    fn pending_batches_at_a_drill_are_the_open_one_and_those_within_the_apply_tail() {
        let l = drill_link(10.0, DRILL_APPLY);
        // 1 − 1e-12 quantile: 2 s · e^(0.5 · 7.03) ≈ 67.4 s.
        assert!((l.pending - 67.4).abs() < 0.1, "{}", l.pending);
        // Phase 1 s: the open batch, cut on schedule 9 s later and sent in 0.25 s; the
        // previous one is still on the wire until 1.5 s.
        let sends = drill_send_times(&l, 1_000_000_000);
        let want = [9.25, 1.5, -8.5, -18.5, -28.5, -38.5, -48.5, -58.5];
        assert_eq!(sends.len(), want.len(), "{sends:?}");
        for (got, want) in sends.iter().zip(want) {
            assert!((got - want).abs() < 1e-9, "{sends:?}");
        }
        // Phase 6 s: the open batch is cut 4 s later and sent in 1.5 s; the previous
        // batch went out at −3.5 s.
        let sends = drill_send_times(&l, 6_000_000_000);
        assert!((sends[0] - 5.5).abs() < 1e-9 && (sends[1] + 3.5).abs() < 1e-9);
        // At a cut there is no open batch: the batch just cut is the last to send.
        let sends = drill_send_times(&l, 0);
        assert!((sends[0] - 2.5).abs() < 1e-9 && (sends[1] + 7.5).abs() < 1e-9);
        assert!(sends.len() as f64 <= max_pending_batches(&l));
    }

    #[test]
    fn a_constant_apply_leaves_the_drain_as_the_last_send_plus_the_apply() {
        let l = drill_link(10.0, Dist::Constant(SimDuration::from_secs(2)));
        for (phase, send) in [(1_000_000_000, 9.25), (6_000_000_000, 5.5)] {
            let got = drill_drain_mean(&l, phase).unwrap();
            assert!((got - (send + 2.0)).abs() < 1e-9, "{phase}: {got}");
        }
    }

    #[test]
    fn short_batches_with_long_applies_are_beyond_the_drill_check() {
        // 1 ms batches, apply delays of median 1 h: ~1.2e8 batches can be pending.
        let l = drill_link(
            1e-3,
            Dist::LogNormal {
                median: 3.6e12,
                sigma: 0.5,
            },
        );
        assert!(max_pending_batches(&l) > MAX_PENDING_BATCHES);
        assert!(max_pending_batches(&drill_link(10.0, DRILL_APPLY)) < 10.0);
    }

    #[test]
    fn numbers_render_with_seven_significant_digits() {
        assert_eq!(num(0.981_032_71), "0.9810327");
        assert_eq!(num(2100.75), "2100.750");
        assert_eq!(num(1.5e-5), "1.500000e-5");
        assert_eq!(num(f64::NAN), "—");
    }
}
