//! The comparison proper: leaves of both files matched by path, each judged
//! against its tolerance.

use super::defaults::tolerance_for;
use super::error::{join_differences, CompareError, IdentityDifference};
use super::summary::{flatten, path_string, Leaf, Leaves, Step};
use super::tolerance::{path_matches, Tolerance};
use super::CompareOptions;
use serde_json::{Number, Value};
use std::collections::BTreeSet;
use std::fmt;

/// Top-level fields that identify an experiment: two summaries differing in
/// one of them are not a regression comparison.
pub const IDENTITY_FIELDS: [&str; 4] = ["schema_version", "scenario", "seed", "runs"];

/// Top-level fields whose change is worth a note but compares legitimately.
const NOTED_FIELDS: [&str; 2] = ["drsim_version", "scenario_hash"];

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
    /// Only in the baseline file: a regression unless its tolerance is `ignore`.
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
    /// Whether this row fails the gate: `Beyond`, or `Removed` and not ignored.
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

    pub(super) fn count(&self, status: Status) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
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

fn show_identity(v: Option<&Value>) -> String {
    v.map_or_else(|| "absent".to_string(), Value::to_string)
}

/// `compare` with the files' names in its errors.
pub(super) fn compare_labelled(
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
    let mut notes = identity_notes(baseline, current, opts)?;

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

    let mut rows = Vec::new();
    let mut compared_paths = Vec::new();
    for steps in paths {
        let path = path_string(steps);
        let (b, c) = (
            base_leaves.get(steps).copied(),
            cur_leaves.get(steps).copied(),
        );
        let tolerance = tolerance_for(&path, &opts.rules);
        if let Some(row) = compare_leaf(&path, b, c, tolerance, &mut notes) {
            compared_paths.push(path);
            rows.push(row);
        }
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

/// Refuses different experiments unless allowed; notes the differences
/// that are allowed, and a changed drsim version or scenario hash.
fn identity_notes(
    baseline: &Value,
    current: &Value,
    opts: &CompareOptions,
) -> Result<Vec<String>, CompareError> {
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
    Ok(notes)
}

/// The row of one path, or `None` for a string (a change of one is a note,
/// never a row) and for a path in neither file.
fn compare_leaf(
    path: &str,
    b: Option<Leaf>,
    c: Option<Leaf>,
    tolerance: Tolerance,
    notes: &mut Vec<String>,
) -> Option<Row> {
    let ignored = tolerance == Tolerance::Ignore;
    let kind = match (b, c) {
        (Some(Leaf::Bool(_)) | None, Some(Leaf::Bool(_)) | None)
        | (Some(Leaf::Bool(_)), Some(Leaf::Null))
        | (Some(Leaf::Null), Some(Leaf::Bool(_))) => ValueKind::Boolean,
        _ => ValueKind::Number,
    };
    let mut row = Row {
        path: path.to_string(),
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
            return None;
        }
        (Some(Leaf::Str(x)), None) => {
            notes.push(format!("{path} removed (was {x:?})"));
            return None;
        }
        (None, Some(Leaf::Str(y))) => {
            notes.push(format!("{path} added: {y:?}"));
            return None;
        }
        (Some(_), None) => {
            // A metric the current summary no longer reports (a number gone,
            // or an object turned into `null`) cannot be checked: a
            // regression, unless its tolerance is `ignore`.
            row.status = Status::Removed;
            row.regression = !ignored;
        }
        (None, Some(_)) => row.status = Status::Added,
        (None, None) => return None,
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
    Some(row)
}
