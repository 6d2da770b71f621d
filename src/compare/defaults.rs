//! The metric catalogue: the built-in tolerance of every path of a summary,
//! and how a path finds its tolerance among the caller's rules and these.

use super::tolerance::{path_matches, Tolerance, ToleranceRule};

/// One row of the built-in tolerance table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DefaultRule {
    pub pattern: &'static str,
    pub tolerance: Tolerance,
    /// Why this tolerance, for the documentation.
    pub why: &'static str,
}

const SCENARIO_SET: &str = "set by the scenario, not measured";

const DEFAULT_RULES: &[DefaultRule] = &[
    DefaultRule {
        pattern: "**.std_dev",
        tolerance: Tolerance::Ignore,
        why: "the spread moves with the mean, which is checked",
    },
    DefaultRule {
        pattern: "**.ci95*",
        tolerance: Tolerance::Ignore,
        why: "the interval moves with the mean, which is checked",
    },
    DefaultRule {
        pattern: "targets[*].met",
        tolerance: Tolerance::EXACT,
        why: "a target verdict must not flip",
    },
    DefaultRule {
        pattern: "targets[*].target_s",
        tolerance: Tolerance::EXACT,
        why: SCENARIO_SET,
    },
    DefaultRule {
        pattern: "targets[*].quantile",
        tolerance: Tolerance::EXACT,
        why: SCENARIO_SET,
    },
    DefaultRule {
        pattern: "horizon_s",
        tolerance: Tolerance::EXACT,
        why: SCENARIO_SET,
    },
    DefaultRule {
        pattern: "requested_runs",
        tolerance: Tolerance::EXACT,
        why: "set by the scenario or `--runs`, not measured",
    },
    DefaultRule {
        pattern: "targets[*].share_met",
        tolerance: Tolerance::abs(1e-3),
        why: "a share next to its required quantile: relative slack would hide a near miss",
    },
    DefaultRule {
        pattern: "availability.*",
        tolerance: Tolerance::abs(1e-6),
        why: "a fraction near 1, where relative change means nothing; 1e-6 of a year is 32 s",
    },
    DefaultRule {
        pattern: "read_availability.*",
        tolerance: Tolerance::abs(1e-6),
        why: "as `availability`: a fraction near 1",
    },
    DefaultRule {
        pattern: "**.p999",
        tolerance: Tolerance::rel(0.25),
        why: "tails rest on few incidents and move a lot with any model change",
    },
    DefaultRule {
        pattern: "**.max",
        tolerance: Tolerance::rel(0.25),
        why: "a single incident",
    },
    DefaultRule {
        pattern: "**",
        tolerance: Tolerance::rel(0.05),
        why: "means, p50 to p99, counts (`incidents`, `interrupted`, `lost_writes`, ...), \
              `observed_s`, and whatever a later drsim adds",
    },
];

/// The built-in tolerances, first match wins; the last rule (`**`) matches
/// every path.
pub fn default_rules() -> &'static [DefaultRule] {
    DEFAULT_RULES
}

/// The built-in tolerances as a Markdown table (for the README); the module
/// documentation holds the same table, which a test keeps in step.
pub fn default_rules_markdown() -> String {
    let mut out = String::from("| pattern | tolerance | why |\n|---|---|---|\n");
    for r in DEFAULT_RULES {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            r.pattern, r.tolerance, r.why
        ));
    }
    out
}

/// Caller rules (last first), then the defaults (first first).
pub(super) fn tolerance_for(path: &str, rules: &[ToleranceRule]) -> Tolerance {
    rules
        .iter()
        .rev()
        .find(|r| path_matches(&r.pattern, path))
        .map(|r| r.tolerance)
        .or_else(|| {
            DEFAULT_RULES
                .iter()
                .find(|r| path_matches(r.pattern, path))
                .map(|r| r.tolerance)
        })
        .unwrap_or(Tolerance::rel(0.05))
}
