//! `drsim compare BASELINE.json CURRENT.json`: a regression gate between two
//! `summary.json` files.
//!
//! # Why a gate, and why tolerances
//!
//! drsim is deterministic: the same scenario, seed and number of runs give a
//! bit-identical summary on any machine and with any thread count. So when
//! the baseline and the current summary come from the same experiment, *any*
//! difference is a change of behaviour (of the code, or of the scenario when
//! its hash differs), never sampling noise. The gate therefore reports every
//! difference. Tolerances do not absorb noise; they exist so that an
//! intended, small model change can be accepted consciously: a metric that
//! moved within its tolerance is listed as `within` and passes, one that moved
//! beyond it fails the gate. Accepting a bigger change means saying so on the
//! command line (`--tolerance`) or refreshing the baseline.
//!
//! Summaries of different experiments (another `scenario`, `seed`, `runs` or
//! `schema_version`) differ by sampling noise as well as behaviour, so their
//! comparison is refused with [`CompareError::DifferentExperiments`] unless
//! [`CompareOptions::allow_different`] is set. A different `drsim_version` or
//! `scenario_hash` is legitimate (that is what a gate compares across) and
//! only produces a note.
//!
//! # What is compared
//!
//! Nothing here knows the layout of [`crate::metrics::Summary`], so the gate
//! keeps working when later versions add incident classes or whole sections.
//! Both files are flattened into leaves named by dotted paths
//! (`classes.zone.rto_s.p99`, `availability.ci95[0]`, `targets[1].share_met`),
//! sorted by path (array indices in numeric order), and matched by path:
//!
//! * numbers: a metric *moves beyond tolerance* when
//!   `|current − baseline| > max(abs, rel·|baseline|)`;
//! * booleans (`targets[*].met`, `partial`): any change is beyond tolerance,
//!   whatever the rule, unless the rule is `ignore`;
//! * `null` (an absent confidence interval, the `observed_s` of a class
//!   without incidents) turning into a value or back: beyond tolerance unless
//!   ignored;
//! * strings other than the identity fields (`architecture`,
//!   `targets[*].class`): a change is a note;
//! * a path only in the current file is `added` and passes (a newer drsim
//!   may add metrics);
//! * a path only in the baseline is `removed` and fails the gate unless its
//!   tolerance is `ignore`: a summary that lost a metric (or had a section
//!   such as `availability` turned into `null`) can no longer be checked
//!   against it. A renamed metric therefore means refreshing the baseline,
//!   or accepting the removal with `--tolerance PATH=ignore`.
//!
//! # Exit-code convention
//!
//! An `Err(CompareError)` is exit status 2 (unreadable file, invalid JSON,
//! different experiments, bad `--tolerance`); `Ok(c)` with `!c.passed()` is
//! exit status 1; otherwise 0.
//!
//! # Default tolerances
//!
//! First match wins ([`default_rules`]; [`default_rules_markdown`] renders
//! this table):
//!
//! | pattern | tolerance | why |
//! |---|---|---|
//! | `**.std_dev` | ignore | the spread moves with the mean, which is checked |
//! | `**.ci95*` | ignore | the interval moves with the mean, which is checked |
//! | `targets[*].met` | exact | a target verdict must not flip |
//! | `targets[*].target_s` | exact | set by the scenario, not measured |
//! | `targets[*].quantile` | exact | set by the scenario, not measured |
//! | `horizon_s` | exact | set by the scenario, not measured |
//! | `requested_runs` | exact | set by the scenario or `--runs`, not measured |
//! | `targets[*].share_met` | abs 0.001 | a share next to its required quantile: relative slack would hide a near miss |
//! | `availability.*` | abs 1e-6 | a fraction near 1, where relative change means nothing; 1e-6 of a year is 32 s |
//! | `read_availability.*` | abs 1e-6 | as `availability`: a fraction near 1 |
//! | `**.p999` | rel 25% | tails rest on few incidents and move a lot with any model change |
//! | `**.max` | rel 25% | a single incident |
//! | `**` | rel 5% | means, p50 to p99, counts (`incidents`, `interrupted`, `lost_writes`, ...), `observed_s`, and whatever a later drsim adds |
//!
//! With a relative tolerance a baseline of 0 admits no change at all: a
//! zero-loss architecture that starts losing writes always fails.
//!
//! # Tolerance rules
//!
//! `PATTERN=TOLERANCE` ([`parse_tolerance_rule`]), e.g.
//! `classes.*.rto_s.p99=rel:0.10`, `availability.mean=abs:1e-5`,
//! `commit_latency_s.*=ignore`. `TOLERANCE` is `rel:X` (also `rel:X%`),
//! `abs:X`, both (`rel:0.1,abs:1e-3`: the larger bound applies), `exact` or
//! `ignore`. In a pattern `*` matches within one path segment (`targets[*]`,
//! `ci95*`) and a whole `**` segment matches any number of segments. Caller
//! rules take precedence over the defaults, and a later rule over an earlier
//! one. A rule that matches no metric produces a note, so a misspelt path
//! does not silently relax nothing.

mod comparison;
mod defaults;
mod error;
mod numbers;
mod render;
mod summary;
mod tolerance;

pub use comparison::{Comparison, Row, Status, ValueKind, IDENTITY_FIELDS};
pub use defaults::{default_rules, default_rules_markdown, DefaultRule};
pub use error::{CompareError, IdentityDifference};
pub use tolerance::{parse_tolerance_rule, Tolerance, ToleranceRule};

use comparison::compare_labelled;
use serde_json::Value;
use std::path::Path;
use summary::read_summary;

/// What the caller can change about a comparison.
#[derive(Clone, Debug, Default)]
pub struct CompareOptions {
    /// Overrides of the default tolerances; a later rule wins over an earlier one.
    pub rules: Vec<ToleranceRule>,
    /// Compare summaries of different experiments (scenario, seed, runs or
    /// schema version) instead of refusing; the differences become notes.
    pub allow_different: bool,
}

/// Compares two parsed summaries. Fails only when a summary is not a JSON
/// object, or when the summaries come from different experiments and
/// `opts.allow_different` is not set; regressions are in the result.
pub fn compare(
    baseline: &Value,
    current: &Value,
    opts: &CompareOptions,
) -> Result<Comparison, CompareError> {
    compare_labelled(baseline, current, opts, "baseline", "current")
}

/// Reads and compares two `summary.json` files; errors name the file (and
/// for invalid JSON the line and column).
pub fn compare_files(
    base: &Path,
    cur: &Path,
    opts: &CompareOptions,
) -> Result<Comparison, CompareError> {
    let baseline = read_summary(base)?;
    let current = read_summary(cur)?;
    compare_labelled(
        &baseline,
        &current,
        opts,
        &base.display().to_string(),
        &cur.display().to_string(),
    )
}

#[cfg(test)]
mod tests;
