//! What a check is and how it is judged: assumptions and their status, the simulated
//! figures, the verdict rule, and the constructor every family of checks goes through.

use super::text::num;
use super::{AnalyzeError, KS_ALPHA, MIN_SAMPLES, VERDICT_ALPHA};
use crate::stats::{student_t_quantile, KsResult, MeanCi};
use crate::theory::TheoryError;

/// Relative slack for floating-point rounding when a simulated value is deterministic.
const FLOAT_SLACK: f64 = 1e-12;

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
    pub(super) fn new(text: impl Into<String>, status: Status) -> Self {
        Assumption {
            text: text.into(),
            status,
        }
    }

    pub(super) fn check(
        text: impl Into<String>,
        holds: bool,
        reason: impl FnOnce() -> String,
    ) -> Self {
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
    pub(super) fn explained(&self) -> String {
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
pub(super) fn z_score(m: &MeanComparison, theory: f64) -> Option<f64> {
    (theory.is_finite() && m.std_error > 1e-9 * theory.abs())
        .then(|| (m.ci.mean - theory) / m.std_error)
}

/// The fixed description of a check.
pub(super) struct Spec {
    pub(super) name: &'static str,
    pub(super) title: &'static str,
    pub(super) source: &'static str,
    pub(super) unit: &'static str,
}

/// The measured part of a check.
pub(super) struct Measured {
    pub(super) simulation: String,
    pub(super) simulated: Simulated,
    pub(super) allowance: f64,
    pub(super) allowance_note: String,
}

impl Measured {
    pub(super) fn not_run() -> Self {
        Measured {
            simulation: "not simulated".into(),
            simulated: Simulated::NotRun,
            allowance: 0.0,
            allowance_note: String::new(),
        }
    }
}

pub(super) fn build(
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

pub(super) fn any_fails(assumptions: &[Assumption]) -> bool {
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

pub(super) fn theory_err(check: &'static str) -> impl Fn(TheoryError) -> AnalyzeError {
    move |source| AnalyzeError::Theory { check, source }
}
