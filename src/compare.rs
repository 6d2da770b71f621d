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
//! * a path in one file only is `added` or `removed` and does not fail the
//!   gate (a newer drsim may add or rename metrics), except a removed metric
//!   that had a target: anything under `targets[..]`, or under
//!   `classes.<class>.<metric>_s` (and `classes.<class>.disruptive_<metric>_s`
//!   for a target of `basis` `disruptive`) for a baseline target on that
//!   class and metric.
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

use serde_json::{Number, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// Top-level fields that identify an experiment: two summaries differing in
/// one of them are not a regression comparison.
pub const IDENTITY_FIELDS: [&str; 4] = ["schema_version", "scenario", "seed", "runs"];

/// Top-level fields whose change is worth a note but compares legitimately.
const NOTED_FIELDS: [&str; 2] = ["drsim_version", "scenario_hash"];

/// How far a metric may move before it fails the gate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    /// Not judged: reported as `ignored` when it changed.
    Ignore,
    /// Accepted when `|current − baseline| <= max(abs, rel·|baseline|)`.
    Bound { abs: f64, rel: f64 },
}

impl Tolerance {
    /// No change accepted.
    pub const EXACT: Tolerance = Tolerance::Bound { abs: 0.0, rel: 0.0 };

    /// A relative bound (`0.05` = 5% of the baseline).
    pub const fn rel(rel: f64) -> Tolerance {
        Tolerance::Bound { abs: 0.0, rel }
    }

    /// An absolute bound in the metric's unit.
    pub const fn abs(abs: f64) -> Tolerance {
        Tolerance::Bound { abs, rel: 0.0 }
    }

    /// The largest accepted `|current − baseline|`; `None` when ignored.
    pub fn allowance(&self, baseline: f64) -> Option<f64> {
        match *self {
            Tolerance::Ignore => None,
            Tolerance::Bound { abs, rel } => Some(abs.max(rel * baseline.abs())),
        }
    }

    /// The rule syntax (`rel:0.05`, `abs:1e-6`, `exact`, `ignore`), which
    /// [`parse_tolerance_rule`] reads back.
    pub fn spec(&self) -> String {
        match *self {
            Tolerance::Ignore => "ignore".to_string(),
            Tolerance::Bound { abs, rel } => match (abs > 0.0, rel > 0.0) {
                (false, false) => "exact".to_string(),
                (false, true) => format!("rel:{rel}"),
                (true, false) => format!("abs:{abs}"),
                (true, true) => format!("rel:{rel},abs:{abs}"),
            },
        }
    }
}

/// Human form: `ignore`, `exact`, `rel 5%`, `abs 1e-6`, `abs 0.001 or rel 5%`.
impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Tolerance::Ignore => f.write_str("ignore"),
            Tolerance::Bound { abs, rel } => match (abs > 0.0, rel > 0.0) {
                (false, false) => f.write_str("exact"),
                (false, true) => write!(f, "rel {}", fmt_percent(rel)),
                (true, false) => write!(f, "abs {}", fmt_bound(abs)),
                (true, true) => write!(f, "abs {} or rel {}", fmt_bound(abs), fmt_percent(rel)),
            },
        }
    }
}

/// A caller's tolerance for the metrics whose path matches `pattern`.
#[derive(Clone, Debug, PartialEq)]
pub struct ToleranceRule {
    pub pattern: String,
    pub tolerance: Tolerance,
}

/// `PATTERN=SPEC`, as [`parse_tolerance_rule`] reads it.
impl fmt::Display for ToleranceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.pattern, self.tolerance.spec())
    }
}

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

/// What the caller can change about a comparison.
#[derive(Clone, Debug, Default)]
pub struct CompareOptions {
    /// Overrides of the default tolerances; a later rule wins over an earlier one.
    pub rules: Vec<ToleranceRule>,
    /// Compare summaries of different experiments (scenario, seed, runs or
    /// schema version) instead of refusing; the differences become notes.
    pub allow_different: bool,
}

/// An identity field that differs between the two summaries.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentityDifference {
    pub field: String,
    /// The JSON text of the baseline value, or `absent`.
    pub baseline: String,
    pub current: String,
}

impl fmt::Display for IdentityDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} vs {}", self.field, self.baseline, self.current)
    }
}

fn join_differences(d: &[IdentityDifference]) -> String {
    d.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why no comparison could be made (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("cannot read {}: {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{}:{line}:{column}: invalid JSON: {message}", path.display())]
    InvalidJson {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file} is not a drsim summary: {reason}")]
    NotASummary { file: String, reason: String },
    #[error(
        "the summaries come from different experiments ({}): their differences \
         mix sampling noise with behaviour, so this is no regression check \
         (--allow-different compares them anyway)",
        join_differences(.differences)
    )]
    DifferentExperiments {
        differences: Vec<IdentityDifference>,
    },
    #[error(
        "invalid tolerance rule `{rule}`: {reason} (expected PATTERN=TOLERANCE with TOLERANCE \
         one of rel:X, abs:X, rel:X,abs:Y, exact, ignore; e.g. `classes.*.rto_s.p99=rel:0.10`)"
    )]
    BadToleranceRule { rule: String, reason: String },
}

/// Parses a `--tolerance` argument: `PATTERN=rel:X`, `PATTERN=rel:X%`,
/// `PATTERN=abs:X`, `PATTERN=rel:X,abs:Y`, `PATTERN=exact` or
/// `PATTERN=ignore`. A bare relative value above 1 is refused as a likely
/// percentage (`rel:10` would be 1000%); write `rel:10%` or `rel:0.10`.
pub fn parse_tolerance_rule(s: &str) -> Result<ToleranceRule, CompareError> {
    let bad = |reason: String| CompareError::BadToleranceRule {
        rule: s.to_string(),
        reason,
    };
    let (pattern, spec) = s
        .split_once('=')
        .ok_or_else(|| bad("missing `=` between the path pattern and the tolerance".into()))?;
    let pattern = pattern.trim();
    let spec = spec.trim();
    check_pattern(pattern).map_err(bad)?;
    let tolerance = parse_spec(spec).map_err(bad)?;
    Ok(ToleranceRule {
        pattern: pattern.to_string(),
        tolerance,
    })
}

fn check_pattern(pattern: &str) -> Result<(), String> {
    if pattern.is_empty() {
        return Err("empty path pattern before `=`".into());
    }
    if let Some(c) = pattern.chars().find(|c| c.is_whitespace()) {
        return Err(format!("whitespace {c:?} inside the path pattern"));
    }
    for seg in pattern.split('.') {
        if seg.is_empty() {
            return Err(format!(
                "empty segment in `{pattern}` (paths look like `classes.zone.rto_s.p99`)"
            ));
        }
        if seg.contains("**") && seg != "**" {
            return Err(format!(
                "`**` must be a whole segment (`a.**.b`), found `{seg}`; `*` matches within a segment"
            ));
        }
    }
    Ok(())
}

fn parse_spec(spec: &str) -> Result<Tolerance, String> {
    match spec.to_ascii_lowercase().as_str() {
        "" => return Err("missing tolerance after `=`".into()),
        "ignore" => return Ok(Tolerance::Ignore),
        "exact" => return Ok(Tolerance::EXACT),
        _ => {}
    }
    let (mut abs, mut rel) = (None, None);
    for part in spec.split(',').map(str::trim) {
        let (kind, value) = part.split_once(':').ok_or_else(|| {
            format!("`{part}` is not a tolerance: expected rel:X, abs:X, exact or ignore")
        })?;
        let (kind, value) = (kind.trim().to_ascii_lowercase(), value.trim());
        let slot = match kind.as_str() {
            "rel" => &mut rel,
            "abs" => &mut abs,
            _ => {
                return Err(format!(
                    "unknown tolerance kind `{kind}`: expected rel, abs, exact or ignore"
                ))
            }
        };
        if slot.is_some() {
            return Err(format!("`{kind}` given twice"));
        }
        let (digits, percent) = match value.strip_suffix('%') {
            Some(d) if kind == "rel" => (d.trim(), true),
            _ => (value, false),
        };
        let x: f64 = digits
            .parse()
            .map_err(|_| format!("`{value}` is not a number"))?;
        if !x.is_finite() || x < 0.0 {
            return Err(format!(
                "{kind} must be a finite number >= 0, got `{value}`"
            ));
        }
        if kind == "rel" && !percent && x > 1.0 {
            return Err(format!(
                "rel:{value} would accept a change of {}; write rel:{value}% for {value} percent, \
                 or rel:{}% to mean it",
                fmt_percent(x),
                x * 100.0
            ));
        }
        *slot = Some(if percent { x / 100.0 } else { x });
    }
    Ok(Tolerance::Bound {
        abs: abs.unwrap_or(0.0),
        rel: rel.unwrap_or(0.0),
    })
}

/// Whether `path` (dotted, `[i]` inside segments) matches `pattern`.
fn path_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('.').collect();
    let segs: Vec<&str> = path.split('.').collect();
    segments_match(&pat, &segs)
}

fn segments_match(pat: &[&str], path: &[&str]) -> bool {
    match pat.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|i| segments_match(rest, &path[i..])),
        Some((p, rest)) => path.split_first().is_some_and(|(s, tail)| {
            glob(p.as_bytes(), s.as_bytes()) && segments_match(rest, tail)
        }),
    }
}

/// `*` matches any run of characters (within one segment); everything else
/// matches itself.
fn glob(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if p < pat.len() && pat[p] == b'*' {
            star = Some((p, i));
            p += 1;
        } else if p < pat.len() && pat[p] == s[i] {
            p += 1;
            i += 1;
        } else if let Some((sp, si)) = star {
            p = sp + 1;
            i = si + 1;
            star = Some((sp, si + 1));
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// Caller rules (last first), then the defaults (first first).
fn tolerance_for(path: &str, rules: &[ToleranceRule]) -> Tolerance {
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

/// The outcome for one path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Identical in both files.
    Same,
    /// Changed within its tolerance.
    Within,
    /// Changed beyond its tolerance: a regression.
    Beyond,
    /// Only in the current file.
    Added,
    /// Only in the baseline file (a regression when it had a target).
    Removed,
    /// Changed, but its tolerance is `ignore`.
    Ignored,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Same => "same",
            Status::Within => "within",
            Status::Beyond => "BEYOND",
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Ignored => "ignored",
        })
    }
}

/// What kind of leaf a row compares (for display).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Number,
    /// `baseline`/`current` hold 1.0 for true and 0.0 for false.
    Boolean,
}

/// One compared leaf. `None` values are JSON `null`, or the side a path is
/// missing from when the status is `Added` or `Removed`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Dotted path, e.g. `classes.zone.rto_s.p99` or `targets[1].met`.
    pub path: String,
    pub kind: ValueKind,
    pub baseline: Option<f64>,
    pub current: Option<f64>,
    /// `current − baseline` when both are numbers.
    pub change_abs: Option<f64>,
    /// `change_abs / |baseline|` when the baseline is a non-zero number.
    pub change_rel: Option<f64>,
    /// The tolerance applied, in human form (`rel 5%`, `exact`, `ignore`).
    pub tolerance: String,
    pub status: Status,
    /// Whether this row fails the gate: `Beyond`, or `Removed` with a target.
    pub regression: bool,
}

/// The result of [`compare`]: every leaf of either file, sorted by path.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub rows: Vec<Row>,
    /// Context: changed drsim version or scenario hash, changed strings,
    /// tolerance rules that matched nothing, differences allowed by
    /// `allow_different`.
    pub notes: Vec<String>,
    /// Rows with `regression` set.
    pub regressions: usize,
}

impl Comparison {
    /// `true` when no metric regressed (exit status 0; otherwise 1).
    pub fn passed(&self) -> bool {
        self.regressions == 0
    }

    fn count(&self, status: Status) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }

    /// One line of totals, e.g. `37 metrics compared: 35 identical, 1 within
    /// tolerance, 1 beyond tolerance`, followed by the ignored, added and
    /// removed counts when there are any.
    pub fn summary_line(&self) -> String {
        let n = self.rows.len();
        let mut line = format!(
            "{n} metric{} compared: {} identical, {} within tolerance, {} beyond tolerance",
            if n == 1 { "" } else { "s" },
            self.count(Status::Same),
            self.count(Status::Within),
            self.count(Status::Beyond),
        );
        let ignored = self.count(Status::Ignored);
        if ignored > 0 {
            line.push_str(&format!(", {ignored} changed but ignored"));
        }
        let added = self.count(Status::Added);
        if added > 0 {
            line.push_str(&format!(", {added} added"));
        }
        let removed = self.count(Status::Removed);
        if removed > 0 {
            let targeted = self
                .rows
                .iter()
                .filter(|r| r.status == Status::Removed && r.regression)
                .count();
            line.push_str(&format!(", {removed} removed"));
            if targeted > 0 {
                line.push_str(&format!(" ({targeted} with a target)"));
            }
        }
        line
    }

    /// The notes (`note: ...`), an aligned table (path, baseline, current,
    /// change, tolerance, status) of the rows that differ — of every row
    /// with `show_all` — and the [`summary_line`](Self::summary_line).
    pub fn render(&self, show_all: bool) -> String {
        let mut out = String::new();
        for note in &self.notes {
            out.push_str("note: ");
            out.push_str(note);
            out.push('\n');
        }
        let shown: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| show_all || r.status != Status::Same)
            .collect();
        if !shown.is_empty() {
            let mut table: Vec<[String; 6]> = vec![[
                "metric".into(),
                "baseline".into(),
                "current".into(),
                "change".into(),
                "tolerance".into(),
                "status".into(),
            ]];
            table.extend(shown.iter().map(|r| row_cells(r)));
            let mut widths = [0usize; 6];
            for cells in &table {
                for (w, c) in widths.iter_mut().zip(cells) {
                    *w = (*w).max(c.chars().count());
                }
            }
            // Numbers right-aligned, text left-aligned.
            let right = [false, true, true, true, false, false];
            for cells in &table {
                let mut line = String::new();
                for (i, c) in cells.iter().enumerate() {
                    if i > 0 {
                        line.push_str("  ");
                    }
                    let pad = " ".repeat(widths[i] - c.chars().count());
                    if right[i] {
                        line.push_str(&pad);
                        line.push_str(c);
                    } else {
                        line.push_str(c);
                        line.push_str(&pad);
                    }
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        out.push_str(&self.summary_line());
        out.push('\n');
        out
    }
}

fn row_cells(r: &Row) -> [String; 6] {
    let absent = || "—".to_string();
    let (base, cur) = match (r.kind, r.baseline, r.current) {
        (ValueKind::Number, Some(b), Some(c)) => fmt_pair(b, c),
        (kind, b, c) => (fmt_value(kind, b), fmt_value(kind, c)),
    };
    let base = if r.status == Status::Added {
        absent()
    } else {
        base
    };
    let cur = if r.status == Status::Removed {
        absent()
    } else {
        cur
    };
    let change = match (r.kind, r.change_abs) {
        _ if r.status == Status::Same => String::new(),
        (ValueKind::Boolean, _) if r.baseline.is_some() && r.current.is_some() => "flipped".into(),
        (ValueKind::Number, Some(d)) => {
            let mut s = fmt_sig(d, 4);
            if d > 0.0 {
                s.insert(0, '+');
            }
            if let Some(rel) = r.change_rel {
                s.push_str(&format!(" ({})", fmt_change_percent(rel)));
            }
            s
        }
        _ => absent(),
    };
    let status = match r.status {
        Status::Removed if r.regression => "REMOVED (had a target)".to_string(),
        s => s.to_string(),
    };
    [
        r.path.clone(),
        base,
        cur,
        change,
        r.tolerance.clone(),
        status,
    ]
}

fn fmt_value(kind: ValueKind, v: Option<f64>) -> String {
    match (kind, v) {
        (_, None) => "null".into(),
        (ValueKind::Boolean, Some(x)) => (x != 0.0).to_string(),
        (ValueKind::Number, Some(x)) => fmt_sig(x, 6),
    }
}

/// Both values with 6 significant digits, or as many more as it takes to
/// tell them apart.
fn fmt_pair(b: f64, c: f64) -> (String, String) {
    if b != c {
        for digits in 6..=17 {
            let pair = (fmt_sig(b, digits), fmt_sig(c, digits));
            if pair.0 != pair.1 {
                return pair;
            }
        }
        return (b.to_string(), c.to_string());
    }
    (fmt_sig(b, 6), fmt_sig(c, 6))
}

/// `v` with at most `digits` significant digits: integers in full below
/// 1e15, fixed notation from 1e-4, scientific otherwise.
fn fmt_sig(v: f64, digits: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v == 0.0 { "0".into() } else { v.to_string() };
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let exp = v.abs().log10().floor() as i32;
    if (-4..15).contains(&exp) {
        let decimals = (digits as i32 - 1 - exp).max(0) as usize;
        trim_zeros(format!("{v:.decimals$}"))
    } else {
        let s = format!("{v:.prec$e}", prec = digits.saturating_sub(1));
        match s.split_once('e') {
            Some((mantissa, e)) => format!("{}e{e}", trim_zeros(mantissa.to_string())),
            None => s,
        }
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A relative change: two decimals, or two significant digits when that
/// would show `-0.00%` (`-0.0011%`).
fn fmt_change_percent(rel: f64) -> String {
    let pct = rel * 100.0;
    let digits = if pct.abs() >= 0.01 || pct == 0.0 {
        format!("{pct:.2}")
    } else {
        fmt_sig(pct, 2)
    };
    if pct > 0.0 {
        format!("+{digits}%")
    } else {
        format!("{digits}%")
    }
}

/// `0.05` → `5%`.
fn fmt_percent(rel: f64) -> String {
    format!("{}%", trim_zeros(format!("{:.4}", rel * 100.0)))
}

/// An absolute bound: `1e-6`, `0.001`, `30`.
fn fmt_bound(x: f64) -> String {
    if x != 0.0 && !(1e-3..1e6).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// A step of a leaf's path; derives the sort order (indices numerically).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Key(String),
    Index(usize),
}

fn path_string(steps: &[Step]) -> String {
    let mut s = String::new();
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Key(k) => {
                if i > 0 {
                    s.push('.');
                }
                s.push_str(k);
            }
            Step::Index(n) => s.push_str(&format!("[{n}]")),
        }
    }
    s
}

#[derive(Clone, Copy, Debug)]
enum Leaf<'a> {
    Null,
    Bool(bool),
    Number(&'a Number),
    Str(&'a str),
}

impl Leaf<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Leaf::Null => "null",
            Leaf::Bool(_) => "boolean",
            Leaf::Number(_) => "number",
            Leaf::Str(_) => "string",
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match *self {
            Leaf::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
            Leaf::Number(n) => n.as_f64(),
            Leaf::Null | Leaf::Str(_) => None,
        }
    }
}

type Leaves<'a> = BTreeMap<Vec<Step>, Leaf<'a>>;

fn flatten<'a>(v: &'a Value, prefix: &mut Vec<Step>, out: &mut Leaves<'a>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                prefix.push(Step::Key(k.clone()));
                flatten(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(Step::Index(i));
                flatten(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Null => {
            out.insert(prefix.clone(), Leaf::Null);
        }
        Value::Bool(b) => {
            out.insert(prefix.clone(), Leaf::Bool(*b));
        }
        Value::Number(n) => {
            out.insert(prefix.clone(), Leaf::Number(n));
        }
        Value::String(s) => {
            out.insert(prefix.clone(), Leaf::Str(s));
        }
    }
}

/// Exact equality for integers (counts beyond 2^53 included), `==` for
/// floats; and the difference `current − baseline`.
fn number_change(b: &Number, c: &Number) -> (bool, f64) {
    let int = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    if let (Some(bi), Some(ci)) = (int(b), int(c)) {
        return (bi == ci, (ci - bi) as f64);
    }
    let (bf, cf) = (
        b.as_f64().unwrap_or(f64::NAN),
        c.as_f64().unwrap_or(f64::NAN),
    );
    (bf == cf, cf - bf)
}

/// Path prefixes whose removal fails the gate: every target result, and the
/// metric of each baseline target (`classes.zone.rto_s`, and for a target
/// judged over the disruptive incidents `classes.zone.disruptive_rto_s`).
fn targeted_prefixes(baseline: &Value) -> Vec<String> {
    let mut prefixes = vec!["targets".to_string()];
    for t in baseline
        .get("targets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(class), Some(metric)) = (
            t.get("class").and_then(Value::as_str),
            t.get("metric").and_then(Value::as_str),
        ) {
            prefixes.push(format!("classes.{class}.{metric}_s"));
            prefixes.push(format!("classes.{class}.{metric}"));
            if t.get("basis").and_then(Value::as_str) == Some("disruptive") {
                prefixes.push(format!("classes.{class}.disruptive_{metric}_s"));
            }
        }
    }
    prefixes
}

fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

fn show_identity(v: Option<&Value>) -> String {
    v.map_or_else(|| "absent".to_string(), Value::to_string)
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

fn compare_labelled(
    baseline: &Value,
    current: &Value,
    opts: &CompareOptions,
    base_label: &str,
    cur_label: &str,
) -> Result<Comparison, CompareError> {
    for (v, label) in [(baseline, base_label), (current, cur_label)] {
        if !v.is_object() {
            return Err(CompareError::NotASummary {
                file: label.to_string(),
                reason: "the top level is not a JSON object".into(),
            });
        }
    }
    let mut notes = Vec::new();

    let differences: Vec<IdentityDifference> = IDENTITY_FIELDS
        .iter()
        .filter(|f| baseline.get(**f) != current.get(**f))
        .map(|f| IdentityDifference {
            field: f.to_string(),
            baseline: show_identity(baseline.get(*f)),
            current: show_identity(current.get(*f)),
        })
        .collect();
    if !differences.is_empty() {
        if !opts.allow_different {
            return Err(CompareError::DifferentExperiments { differences });
        }
        notes.push(format!(
            "different experiments ({}), compared anyway: differences include sampling noise",
            join_differences(&differences)
        ));
    }
    for field in NOTED_FIELDS {
        let (b, c) = (baseline.get(field), current.get(field));
        if b != c {
            let what = if field == "scenario_hash" {
                "the scenario file changed; differences may come from it as well as from the code"
            } else {
                "a different drsim produced the current summary"
            };
            notes.push(format!(
                "{field} {} → {}: {what}",
                show_identity(b),
                show_identity(c)
            ));
        }
    }

    let (mut base_leaves, mut cur_leaves) = (Leaves::new(), Leaves::new());
    flatten(baseline, &mut Vec::new(), &mut base_leaves);
    flatten(current, &mut Vec::new(), &mut cur_leaves);
    let skipped = |steps: &Vec<Step>| {
        matches!(steps.as_slice(), [Step::Key(k)]
            if IDENTITY_FIELDS.contains(&k.as_str()) || NOTED_FIELDS.contains(&k.as_str()))
    };
    let paths: BTreeSet<&Vec<Step>> = base_leaves
        .keys()
        .chain(cur_leaves.keys())
        .filter(|p| !skipped(p))
        .collect();
    let targeted = targeted_prefixes(baseline);

    let mut rows = Vec::new();
    let mut compared_paths = Vec::new();
    for steps in paths {
        let path = path_string(steps);
        let (b, c) = (
            base_leaves.get(steps).copied(),
            cur_leaves.get(steps).copied(),
        );
        let tolerance = tolerance_for(&path, &opts.rules);
        let ignored = tolerance == Tolerance::Ignore;
        let kind = match (b, c) {
            (Some(Leaf::Bool(_)) | None, Some(Leaf::Bool(_)) | None)
            | (Some(Leaf::Bool(_)), Some(Leaf::Null))
            | (Some(Leaf::Null), Some(Leaf::Bool(_))) => ValueKind::Boolean,
            _ => ValueKind::Number,
        };
        let mut row = Row {
            path: path.clone(),
            kind,
            baseline: b.and_then(|l| l.as_f64()),
            current: c.and_then(|l| l.as_f64()),
            change_abs: None,
            change_rel: None,
            tolerance: match (kind, tolerance) {
                (ValueKind::Boolean, Tolerance::Bound { .. }) => "exact".into(),
                _ => tolerance.to_string(),
            },
            status: Status::Same,
            regression: false,
        };
        match (b, c) {
            (Some(Leaf::Str(x)), Some(Leaf::Str(y))) => {
                if x != y {
                    notes.push(format!("{path} changed: {x:?} → {y:?}"));
                }
                continue;
            }
            (Some(Leaf::Str(x)), None) => {
                notes.push(format!("{path} removed (was {x:?})"));
                continue;
            }
            (None, Some(Leaf::Str(y))) => {
                notes.push(format!("{path} added: {y:?}"));
                continue;
            }
            (Some(_), None) => {
                row.status = Status::Removed;
                row.regression = !ignored && targeted.iter().any(|p| under(&path, p));
            }
            (None, Some(_)) => row.status = Status::Added,
            (None, None) => continue,
            (Some(Leaf::Number(x)), Some(Leaf::Number(y))) => {
                let (same, diff) = number_change(x, y);
                if !same {
                    let base = x.as_f64().unwrap_or(0.0);
                    row.change_abs = Some(diff);
                    row.change_rel = (base != 0.0).then(|| diff / base.abs());
                    row.status = match tolerance.allowance(base) {
                        None => Status::Ignored,
                        Some(allowed) if diff.abs() <= allowed => Status::Within,
                        Some(_) => Status::Beyond,
                    };
                }
            }
            (Some(Leaf::Null), Some(Leaf::Null)) => {}
            (Some(Leaf::Bool(x)), Some(Leaf::Bool(y))) if x == y => {}
            (Some(x), Some(y)) => {
                // A flipped boolean, null ↔ value, or a change of type.
                let (tx, ty) = (x.type_name(), y.type_name());
                if tx != ty && tx != "null" && ty != "null" {
                    notes.push(format!("{path} changed type: {tx} → {ty}"));
                }
                row.status = if ignored {
                    Status::Ignored
                } else {
                    Status::Beyond
                };
            }
        }
        row.regression |= row.status == Status::Beyond;
        compared_paths.push(path);
        rows.push(row);
    }

    for rule in &opts.rules {
        if !compared_paths
            .iter()
            .any(|p| path_matches(&rule.pattern, p))
        {
            notes.push(format!(
                "tolerance rule `{rule}` matched no metric (`*` matches within one path \
                 segment, `**` any number of segments)"
            ));
        }
    }
    let regressions = rows.iter().filter(|r| r.regression).count();
    Ok(Comparison {
        rows,
        notes,
        regressions,
    })
}

fn read_summary(path: &Path) -> Result<Value, CompareError> {
    let text = std::fs::read_to_string(path).map_err(|cause| CompareError::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    serde_json::from_str(&text).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        let full = e.to_string();
        let suffix = format!(" at line {line} column {column}");
        CompareError::InvalidJson {
            path: path.to_path_buf(),
            line,
            column,
            message: full.strip_suffix(&suffix).unwrap_or(&full).to_string(),
        }
    })
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
mod tests {
    use super::*;
    use serde_json::json;

    fn summary() -> Value {
        json!({
            "schema_version": 1,
            "drsim_version": "0.1.0",
            "scenario": "dynamics365-zone-redundant",
            "scenario_hash": "200d2a86fb0109bb",
            "seed": 20251015,
            "runs": 2000,
            "requested_runs": 2000,
            "partial": false,
            "horizon_s": 31536000.0,
            "architecture": "zone-redundant",
            "classes": {
                "zone": {
                    "incidents": 20273,
                    "interrupted": 7791,
                    "lost_writes": 0,
                    "rpo_s": {"count": 20273, "mean": 0.0, "p50": 0.0, "p99": 0.0, "p999": 0.0, "max": 0.0},
                    "rto_s": {"count": 20273, "mean": 91.5, "p50": 0.0, "p99": 153.0, "p999": 19430.4, "max": 73667.3}
                }
            },
            "availability": {"mean": 0.99997, "ci95": [0.99996, 0.99998], "std_dev": 0.000134},
            "downtime_s": {"mean": 927.6, "ci95": [741.4, 1113.7], "std_dev": 4244.8},
            "commit_latency_s": {"count": 63998, "mean": 0.000499, "p99": 0.000737},
            "targets": [
                {"class": "zone", "metric": "rpo", "target_s": 0.0, "quantile": 0.99,
                 "observed_s": 0.0, "incidents": 20273, "share_met": 1.0, "met": true},
                {"class": "zone", "metric": "rto", "target_s": 300.0, "quantile": 0.99,
                 "observed_s": 153.0, "incidents": 20273, "share_met": 0.9934, "met": true}
            ]
        })
    }

    /// Replaces the leaf at a JSON pointer.
    fn with(pointer: &str, value: Value) -> Value {
        let mut v = summary();
        *v.pointer_mut(pointer).expect("pointer exists") = value;
        v
    }

    fn without(pointer: &str) -> Value {
        let mut v = summary();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match v.pointer_mut(parent).unwrap() {
            Value::Object(m) => {
                m.remove(key);
            }
            Value::Array(a) => {
                a.remove(key.parse::<usize>().unwrap());
            }
            _ => panic!("no container at {parent}"),
        }
        v
    }

    fn run(base: &Value, cur: &Value, rules: &[&str]) -> Comparison {
        let opts = CompareOptions {
            rules: rules
                .iter()
                .map(|r| parse_tolerance_rule(r).unwrap())
                .collect(),
            allow_different: false,
        };
        compare(base, cur, &opts).unwrap()
    }

    fn row<'a>(c: &'a Comparison, path: &str) -> &'a Row {
        c.rows
            .iter()
            .find(|r| r.path == path)
            .unwrap_or_else(|| panic!("no row {path}"))
    }

    #[test]
    fn identical_summaries_pass() {
        let c = run(&summary(), &summary(), &[]);
        assert!(c.passed());
        assert_eq!(c.regressions, 0);
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        assert!(c.rows.iter().all(|r| r.status == Status::Same));
        // Identity and noted fields are not rows; strings are not rows.
        for p in ["seed", "runs", "scenario", "scenario_hash", "architecture"] {
            assert!(c.rows.iter().all(|r| r.path != p), "{p} is a row");
        }
        let n = c.rows.len();
        assert_eq!(
            c.render(false),
            format!(
                "{n} metrics compared: {n} identical, 0 within tolerance, 0 beyond tolerance\n"
            )
        );
    }

    #[test]
    fn rows_are_sorted_by_path_with_numeric_indices() {
        let mut big = summary();
        let t = big["targets"][0].clone();
        let targets = big["targets"].as_array_mut().unwrap();
        while targets.len() < 11 {
            targets.push(t.clone());
        }
        let c = run(&big, &big, &[]);
        let paths: Vec<&str> = c.rows.iter().map(|r| r.path.as_str()).collect();
        let pos = |p: &str| paths.iter().position(|x| *x == p).unwrap();
        assert!(pos("targets[2].met") < pos("targets[10].met"));
        assert!(pos("availability.ci95[0]") < pos("availability.ci95[1]"));
        assert!(pos("availability.mean") < pos("classes.zone.incidents"));
        assert!(paths.contains(&"classes.zone.rto_s.p99"));
        assert!(paths.contains(&"targets[1].share_met"));
        // Deterministic: the same inputs render the same text.
        assert_eq!(c.render(true), run(&big, &big, &[]).render(true));
    }

    #[test]
    fn p99_change_of_one_percent_is_within() {
        let cur = with("/classes/zone/rto_s/p99", json!(154.53));
        let c = run(&summary(), &cur, &[]);
        let r = row(&c, "classes.zone.rto_s.p99");
        assert_eq!(r.status, Status::Within);
        assert_eq!(r.tolerance, "rel 5%");
        assert!((r.change_rel.unwrap() - 0.01).abs() < 1e-9);
        assert!((r.change_abs.unwrap() - 1.53).abs() < 1e-9);
        assert!(c.passed());
    }

    #[test]
    fn p99_change_of_twenty_percent_is_beyond() {
        let cur = with("/classes/zone/rto_s/p99", json!(183.6));
        let c = run(&summary(), &cur, &[]);
        let r = row(&c, "classes.zone.rto_s.p99");
        assert_eq!(r.status, Status::Beyond);
        assert!(r.regression);
        assert_eq!(c.regressions, 1);
        assert!(!c.passed());
    }

    #[test]
    fn tails_get_more_slack() {
        let cur = with("/classes/zone/rto_s/p999", json!(19430.4 * 1.2));
        let c = run(&summary(), &cur, &[]);
        assert_eq!(row(&c, "classes.zone.rto_s.p999").status, Status::Within);
        assert_eq!(row(&c, "classes.zone.rto_s.p999").tolerance, "rel 25%");
        let cur = with("/classes/zone/rto_s/max", json!(73667.3 * 1.3));
        assert!(!run(&summary(), &cur, &[]).passed());
    }

    #[test]
    fn availability_uses_an_absolute_tolerance() {
        let cur = with("/availability/mean", json!(0.99997 - 2e-6));
        let c = run(&summary(), &cur, &[]);
        let r = row(&c, "availability.mean");
        assert_eq!(r.status, Status::Beyond);
        assert_eq!(r.tolerance, "abs 1e-6");
        assert!(!c.passed());

        let cur = with("/availability/mean", json!(0.99997 + 5e-7));
        let c = run(&summary(), &cur, &[]);
        assert_eq!(row(&c, "availability.mean").status, Status::Within);
        assert!(c.passed());
    }

    #[test]
    fn spread_and_interval_are_ignored_by_default() {
        let mut cur = with("/availability/std_dev", json!(0.0002));
        cur["availability"]["ci95"][0] = json!(0.9);
        let c = run(&summary(), &cur, &[]);
        assert_eq!(row(&c, "availability.std_dev").status, Status::Ignored);
        assert_eq!(row(&c, "availability.ci95[0]").status, Status::Ignored);
        assert_eq!(row(&c, "availability.ci95[1]").status, Status::Same);
        assert!(c.passed());
        assert!(c.summary_line().ends_with(", 2 changed but ignored"));
    }

    #[test]
    fn a_flipped_target_verdict_fails() {
        let cur = with("/targets/1/met", json!(false));
        let c = run(&summary(), &cur, &[]);
        let r = row(&c, "targets[1].met");
        assert_eq!(r.status, Status::Beyond);
        assert_eq!(r.kind, ValueKind::Boolean);
        assert_eq!((r.baseline, r.current), (Some(1.0), Some(0.0)));
        assert!(!c.passed());
        let text = c.render(false);
        assert!(text.contains("true"), "{text}");
        assert!(text.contains("flipped"), "{text}");

        // Any change of a boolean is a behaviour change, whatever the
        // numeric tolerance; only `ignore` lets it pass.
        let base = with("/targets/1/met", json!(false));
        assert!(!run(&base, &summary(), &["targets[*].met=rel:0.5"]).passed());
        assert!(!run(&summary(), &with("/partial", json!(true)), &[]).passed());
        assert!(run(&summary(), &cur, &["targets[*].met=ignore"]).passed());
    }

    #[test]
    fn an_override_relaxes_a_failing_metric() {
        let cur = with("/classes/zone/rto_s/p99", json!(183.6));
        let c = run(&summary(), &cur, &["classes.*.rto_s.p99=rel:0.25"]);
        let r = row(&c, "classes.zone.rto_s.p99");
        assert_eq!(r.status, Status::Within);
        assert_eq!(r.tolerance, "rel 25%");
        assert!(c.passed());
        assert!(c.notes.is_empty(), "{:?}", c.notes);

        // A later rule overrides an earlier one.
        let c = run(
            &summary(),
            &cur,
            &[
                "classes.*.rto_s.p99=rel:0.25",
                "classes.zone.rto_s.*=rel:10%",
            ],
        );
        assert_eq!(row(&c, "classes.zone.rto_s.p99").status, Status::Beyond);
        // An absolute bound alone, or the larger of both.
        let c = run(&summary(), &cur, &["**.p99=abs:31"]);
        assert!(c.passed());
        let c = run(&summary(), &cur, &["**.p99=rel:0.01,abs:30"]);
        assert!(!c.passed());
        assert_eq!(
            row(&c, "classes.zone.rto_s.p99").tolerance,
            "abs 30 or rel 1%"
        );
    }

    #[test]
    fn an_ignore_rule_passes_any_change() {
        let mut cur = with("/commit_latency_s/p99", json!(0.01));
        cur["commit_latency_s"]["mean"] = json!(0.005);
        assert!(!run(&summary(), &cur, &[]).passed());
        let c = run(&summary(), &cur, &["commit_latency_s.*=ignore"]);
        assert!(c.passed());
        assert_eq!(row(&c, "commit_latency_s.p99").status, Status::Ignored);
        assert_eq!(row(&c, "commit_latency_s.p99").tolerance, "ignore");
        assert_eq!(row(&c, "commit_latency_s.count").status, Status::Same);
    }

    #[test]
    fn an_exact_rule_tightens() {
        let cur = with("/classes/zone/rto_s/p99", json!(154.53));
        assert!(!run(&summary(), &cur, &["**=exact"]).passed());
    }

    #[test]
    fn a_rule_matching_nothing_is_noted() {
        let c = run(&summary(), &summary(), &["classes.zone.rto.p99=rel:0.1"]);
        assert!(c.passed());
        assert_eq!(c.notes.len(), 1);
        assert!(
            c.notes[0].contains("classes.zone.rto.p99=rel:0.1"),
            "{:?}",
            c.notes
        );
        assert!(c.notes[0].contains("matched no metric"));
    }

    #[test]
    fn a_different_seed_is_a_different_experiment() {
        let cur = with("/seed", json!(7));
        let err = compare(&summary(), &cur, &CompareOptions::default()).unwrap_err();
        match &err {
            CompareError::DifferentExperiments { differences } => {
                assert_eq!(differences.len(), 1);
                assert_eq!(differences[0].field, "seed");
                assert_eq!(differences[0].baseline, "20251015");
                assert_eq!(differences[0].current, "7");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("seed 20251015 vs 7"), "{err}");

        for (pointer, value) in [
            ("/runs", json!(1000)),
            ("/scenario", json!("other")),
            ("/schema_version", json!(2)),
        ] {
            let cur = with(pointer, value);
            assert!(matches!(
                compare(&summary(), &cur, &CompareOptions::default()),
                Err(CompareError::DifferentExperiments { .. })
            ));
        }
        let err = compare(&summary(), &without("/runs"), &CompareOptions::default()).unwrap_err();
        assert!(err.to_string().contains("runs 2000 vs absent"), "{err}");

        let opts = CompareOptions {
            allow_different: true,
            ..CompareOptions::default()
        };
        let c = compare(&summary(), &with("/seed", json!(7)), &opts).unwrap();
        assert!(c.passed());
        assert!(c.notes[0].contains("seed 20251015 vs 7"), "{:?}", c.notes);
    }

    #[test]
    fn version_and_scenario_hash_changes_are_notes() {
        let mut cur = with("/scenario_hash", json!("0123456789abcdef"));
        cur["drsim_version"] = json!("0.2.0");
        cur["architecture"] = json!("regional");
        let c = run(&summary(), &cur, &[]);
        assert!(c.passed());
        let notes = c.notes.join("\n");
        assert!(notes.contains("\"0.1.0\" → \"0.2.0\""), "{notes}");
        assert!(notes.contains("scenario file changed"), "{notes}");
        assert!(notes.contains("architecture changed"), "{notes}");
        assert!(c.render(false).contains("note: scenario_hash"));
    }

    #[test]
    fn added_and_removed_metrics_are_reported_without_failing() {
        let mut cur = without("/downtime_s/mean");
        cur["classes"]["region"] = json!({"incidents": 3, "rto_s": {"p99": 3600.0}});
        cur["events_per_run"] = json!(120.5);
        let c = run(&summary(), &cur, &[]);
        assert!(c.passed(), "{}", c.render(false));
        let r = row(&c, "downtime_s.mean");
        assert_eq!(r.status, Status::Removed);
        assert_eq!((r.baseline, r.current), (Some(927.6), None));
        assert_eq!(row(&c, "classes.region.rto_s.p99").status, Status::Added);
        assert_eq!(row(&c, "events_per_run").current, Some(120.5));
        assert!(
            c.summary_line().ends_with(", 3 added, 1 removed"),
            "{}",
            c.summary_line()
        );
        let text = c.render(false);
        assert!(text.contains("classes.region.incidents"), "{text}");
    }

    #[test]
    fn a_removed_metric_with_a_target_fails() {
        let c = run(&summary(), &without("/classes/zone/rto_s/p99"), &[]);
        let r = row(&c, "classes.zone.rto_s.p99");
        assert_eq!(r.status, Status::Removed);
        assert!(r.regression);
        assert!(!c.passed());
        assert!(c.render(false).contains("REMOVED (had a target)"));
        assert!(c.summary_line().ends_with("1 removed (1 with a target)"));

        // A target judged over the disruptive incidents guards their figures.
        let mut base = summary();
        base["targets"][1]["basis"] = json!("disruptive");
        base["classes"]["zone"]["disruptive_rto_s"] = json!({"p99": 2913.0});
        let mut cur = base.clone();
        cur["classes"]["zone"]
            .as_object_mut()
            .unwrap()
            .remove("disruptive_rto_s");
        let c = run(&base, &cur, &[]);
        assert!(row(&c, "classes.zone.disruptive_rto_s.p99").regression);
        base["targets"][1]["basis"] = json!("all");
        let c = run(&base, &cur, &[]);
        assert!(!row(&c, "classes.zone.disruptive_rto_s.p99").regression);

        // A whole target result gone.
        let c = run(&summary(), &without("/targets/1"), &[]);
        assert!(!c.passed());
        assert!(row(&c, "targets[1].met").regression);

        // No target on lost writes: a plain removal.
        let c = run(&summary(), &without("/classes/zone/lost_writes"), &[]);
        assert!(c.passed());
        // An explicit ignore accepts it.
        let c = run(
            &summary(),
            &without("/classes/zone/rto_s/p99"),
            &["classes.zone.rto_s.p99=ignore"],
        );
        assert!(c.passed());
    }

    #[test]
    fn null_turning_into_a_value_is_a_change() {
        let base = with("/targets/1/observed_s", Value::Null);
        let c = run(&base, &summary(), &[]);
        let r = row(&c, "targets[1].observed_s");
        assert_eq!((r.baseline, r.current), (None, Some(153.0)));
        assert_eq!(r.status, Status::Beyond);
        assert!(c.render(false).contains("null"));
        assert!(run(&base, &base, &[]).passed());
        // ci95 is ignored by default, null or not.
        let cur = with("/availability/ci95", Value::Null);
        let c = run(&summary(), &cur, &[]);
        assert!(c.passed());
        assert_eq!(row(&c, "availability.ci95").status, Status::Added);
        assert_eq!(row(&c, "availability.ci95[0]").status, Status::Removed);
    }

    #[test]
    fn a_change_of_type_is_noted_and_fails() {
        let cur = with("/classes/zone/incidents", json!(true));
        let c = run(&summary(), &cur, &[]);
        assert!(!c.passed());
        assert!(c.notes[0].contains("number → boolean"), "{:?}", c.notes);
    }

    #[test]
    fn large_integers_compare_exactly() {
        let base = with("/classes/zone/lost_writes", json!(u64::MAX));
        let cur = with("/classes/zone/lost_writes", json!(u64::MAX - 1));
        let c = run(&base, &cur, &[]);
        let r = row(&c, "classes.zone.lost_writes");
        assert_eq!(r.status, Status::Within);
        assert_eq!(r.change_abs, Some(-1.0));
        // A zero baseline admits no relative change.
        let cur = with("/classes/zone/lost_writes", json!(1));
        assert!(!run(&summary(), &cur, &[]).passed());
    }

    #[test]
    fn render_lists_changed_paths_and_totals() {
        let mut cur = with("/classes/zone/rto_s/p99", json!(183.6));
        cur["classes"]["zone"]["incidents"] = json!(20300);
        let c = run(&summary(), &cur, &[]);
        let text = c.render(false);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("metric"), "{text}");
        assert!(text.contains("classes.zone.rto_s.p99"), "{text}");
        assert!(text.contains("BEYOND"), "{text}");
        assert!(text.contains("+30.6 (+20.00%)"), "{text}");
        assert!(text.contains("+27 (+0.13%)"), "{text}");
        assert!(!text.contains("availability.mean"), "{text}");
        let n = c.rows.len();
        assert_eq!(
            *lines.last().unwrap(),
            format!(
                "{n} metrics compared: {} identical, 1 within tolerance, 1 beyond tolerance",
                n - 2
            )
        );
        // Columns line up: every table line starts its baseline column at
        // the same place (right-aligned numbers end at the same column).
        let status_col = lines[0].find("status").unwrap();
        for l in &lines[1..3] {
            assert!(l.len() > status_col, "{text}");
        }
        let all = c.render(true);
        assert!(all.contains("availability.mean"));
        assert_eq!(all.lines().count(), n + 2);
    }

    #[test]
    fn close_values_get_enough_digits_to_differ() {
        assert_eq!(
            fmt_pair(0.99997, 0.9999705),
            ("0.99997".into(), "0.9999705".into())
        );
        assert_eq!(fmt_pair(153.0, 183.6), ("153".into(), "183.6".into()));
        assert_eq!(fmt_sig(1.23456789e-7, 6), "1.23457e-7");
        assert_eq!(fmt_sig(20273.0, 6), "20273");
        assert_eq!(fmt_sig(-0.5, 6), "-0.5");
        assert_eq!(fmt_change_percent(0.2), "+20.00%");
        assert_eq!(fmt_change_percent(-1.059e-5), "-0.0011%");
        assert_eq!(fmt_change_percent(-0.0001), "-0.01%");
    }

    #[test]
    fn rule_parser_accepts_the_documented_forms() {
        let p = |s: &str| parse_tolerance_rule(s).unwrap();
        assert_eq!(
            p("classes.*.rto_s.p99=rel:0.10").tolerance,
            Tolerance::rel(0.1)
        );
        assert_eq!(
            p(" availability.mean = abs:1e-5 ").pattern,
            "availability.mean"
        );
        assert_eq!(
            p("availability.mean=abs:1e-5").tolerance,
            Tolerance::abs(1e-5)
        );
        assert_eq!(p("commit_latency_s.*=ignore").tolerance, Tolerance::Ignore);
        assert_eq!(p("x=EXACT").tolerance, Tolerance::EXACT);
        assert_eq!(p("x=rel:10%").tolerance, Tolerance::rel(0.1));
        assert_eq!(
            p("x=rel:0.1, abs:1e-3").tolerance,
            Tolerance::Bound {
                abs: 1e-3,
                rel: 0.1
            }
        );
        // Display is the rule syntax and reads back.
        for s in [
            "a.**.b=rel:0.1,abs:0.001",
            "x=exact",
            "x=ignore",
            "targets[*].met=abs:2",
        ] {
            assert_eq!(p(s).to_string(), s);
            assert_eq!(p(&p(s).to_string()), p(s));
        }
    }

    #[test]
    fn rule_parser_errors_say_what_is_wrong() {
        let err = |s: &str| match parse_tolerance_rule(s) {
            Err(e @ CompareError::BadToleranceRule { .. }) => e.to_string(),
            other => panic!("{s}: expected an error, got {other:?}"),
        };
        for (rule, says) in [
            ("availability.mean", "missing `=`"),
            ("=rel:0.1", "empty path pattern"),
            ("a..b=ignore", "empty segment"),
            ("a.b**=ignore", "`**` must be a whole segment"),
            ("a b=ignore", "whitespace"),
            ("a=", "missing tolerance"),
            ("a=loose", "`loose` is not a tolerance"),
            ("a=pct:5", "unknown tolerance kind `pct`"),
            ("a=rel:x", "`x` is not a number"),
            ("a=abs:-1", "finite number >= 0"),
            ("a=rel:inf", "finite number >= 0"),
            ("a=rel:10", "write rel:10% for 10 percent"),
            ("a=rel:0.1,rel:0.2", "`rel` given twice"),
            ("a=abs:5%", "`5%` is not a number"),
        ] {
            let msg = err(rule);
            assert!(msg.contains(says), "{rule}: {msg}");
            assert!(msg.contains(&format!("`{rule}`")), "{rule}: {msg}");
        }
    }

    #[test]
    fn patterns_match_segments() {
        assert!(path_matches(
            "classes.*.rto_s.p99",
            "classes.zone.rto_s.p99"
        ));
        assert!(!path_matches("classes.*", "classes.zone.rto_s.p99"));
        assert!(path_matches("targets[*].met", "targets[12].met"));
        assert!(!path_matches("targets[*].met", "targets[1].share_met"));
        assert!(path_matches("**.ci95*", "availability.ci95[0]"));
        assert!(path_matches("**.p999", "p999"));
        assert!(path_matches("**", "a.b.c"));
        assert!(path_matches("classes.**.p99", "classes.zone.rto_s.p99"));
        assert!(path_matches("*_s.p9*", "downtime_s.p99"));
        assert!(!path_matches("*_s.p9*", "availability.p99"));
        assert!(path_matches("a*b*c", "abxxbyc"));
        assert!(!path_matches("a*b*c", "abxxbyd"));
    }

    #[test]
    fn every_path_gets_a_default_tolerance() {
        assert_eq!(default_rules().last().unwrap().pattern, "**");
        assert_eq!(tolerance_for("something.new", &[]), Tolerance::rel(0.05));
        assert_eq!(
            tolerance_for("targets[0].share_met", &[]),
            Tolerance::abs(1e-3)
        );
        assert_eq!(
            tolerance_for("availability.std_dev", &[]),
            Tolerance::Ignore
        );
        assert_eq!(
            tolerance_for("classes.link.rpo_s.max", &[]),
            Tolerance::rel(0.25)
        );
    }

    #[test]
    fn module_doc_table_matches_the_defaults() {
        let source = include_str!("compare.rs");
        for line in default_rules_markdown().lines() {
            assert!(
                source.contains(&format!("//! {line}\n")),
                "module doc lacks the row `{line}`"
            );
        }
    }

    #[test]
    fn files_errors_name_the_file_and_position() {
        let dir = std::env::temp_dir().join(format!("drsim-compare-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.json");
        let bad = dir.join("bad.json");
        std::fs::write(&good, serde_json::to_string_pretty(&summary()).unwrap()).unwrap();
        std::fs::write(&bad, "{\n  \"seed\": 1,\n  \"runs\": }\n").unwrap();
        let opts = CompareOptions::default();

        let c = compare_files(&good, &good, &opts).unwrap();
        assert!(c.passed());

        let e = compare_files(&good, &bad, &opts).unwrap_err();
        match &e {
            CompareError::InvalidJson { line, column, .. } => assert_eq!((*line, *column), (3, 11)),
            other => panic!("unexpected {other:?}"),
        }
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!("{}:3:11: invalid JSON: ", bad.display())),
            "{msg}"
        );
        assert!(!msg.contains("at line"), "{msg}");

        let missing = dir.join("missing.json");
        let e = compare_files(&missing, &good, &opts).unwrap_err();
        assert!(matches!(e, CompareError::Io { .. }));
        assert!(e.to_string().contains("missing.json"), "{e}");

        std::fs::write(&bad, "[1, 2]").unwrap();
        let e = compare_files(&good, &bad, &opts).unwrap_err();
        assert!(
            e.to_string().contains("bad.json is not a drsim summary"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
