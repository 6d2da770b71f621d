//! Parameter sweeps: run a scenario at every value (or, for two parameters,
//! every combination of values) of some of its keys and tabulate the metrics
//! per point, so a researcher sees how RPO, RTO, availability and loss move
//! with one design choice.
//!
//! # Why overrides work on TOML text
//!
//! A point is the scenario's TOML table with the swept keys replaced, written
//! back to text and validated by [`crate::scenario::parse_str`] exactly like a
//! file. Any key of the format can therefore be swept without per-key code
//! (including keys added later, such as cross-region ones), and every rule of
//! the format applies to every point: an invalid point is reported like an
//! invalid file, with the point named in place of the file name
//! (`scenario.toml [failover.missed_heartbeats=0]`). Line numbers in such a
//! diagnostic refer to the regenerated text, which is shown with the caret.
//!
//! # Common random numbers
//!
//! Every point keeps the scenario's `simulation.seed` (unless the user sweeps
//! `simulation.seed` itself). drsim draws replication `r`'s numbers from the
//! stream `(seed, r)` with one generator per random source, so replication `r`
//! of every point sees the same zone failures, the same reroute draws and the
//! same write arrivals wherever the swept parameter does not change how many
//! draws a source makes. Differences between points are then the effect of
//! the parameter, not sampling noise: two points with identical values give
//! bit-identical results, and a monotone effect shows up as monotone even
//! with few replications. (The confidence intervals are still per point; the
//! CRN correlation makes *differences* far tighter than the overlap of two
//! intervals suggests.)
//!
//! # Parallelism
//!
//! Points, not replications, are the unit of parallel work: with `P` points
//! and `T` worker threads, `min(P, T)` points run at once and each gets
//! `max(1, T / min(P, T))` replication threads (one on the 2-core target as
//! soon as there are two points). Running whole points side by side avoids
//! the runner's per-chunk barrier and its single-threaded in-order fold (one
//! point's fold overlaps another's simulation), and keeps at most `T` chunks
//! of outcomes in memory. The only loss is the tail: when `P` is not a
//! multiple of `T` the last point runs with idle cores, which on 2 cores costs
//! at most one point's time on one core; a single-point "sweep" gets every
//! thread. The outer level uses plain scoped threads, not a rayon pool: a
//! rayon worker that calls `ThreadPool::install` on the runner's pool keeps
//! stealing work from its own pool while it waits, so it would start further
//! points on top of the blocked one and oversubscribe the cores. Results are
//! stored by point index, so the output never depends on scheduling.

use crate::guard::{self, GuardError, Limits};
use crate::incident::IncidentClass;
use crate::metrics::Summary;
use crate::model::ReplicationOutcome;
use crate::report::atomic::write_atomic;
use crate::runner::{self, OutcomeSink, RunError, RunOptions};
use crate::scenario::{self, Diagnostic, Loaded, ScenarioError};
use crate::stats::{student_t_quantile, Welford};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use toml::{Table, Value};

/// At most this many parameters: one gives a line, two a grid. More would
/// make an unreadable chart and a combinatorial number of runs.
pub const MAX_PARAMETERS: usize = 2;

/// Metric charted when neither the `[sweep]` table nor the command line names
/// one: availability exists for every scenario, whatever its incident classes.
pub const DEFAULT_METRIC: &str = "availability";

/// Statistic columns of `sweep.csv`, after one column per swept parameter.
pub const CSV_STAT_COLUMNS: [&str; 8] = [
    "metric",
    "mean",
    "ci95_low",
    "ci95_high",
    "p50",
    "p99",
    "max",
    "runs",
];

/// Why a sweep cannot be set up or run.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A swept key does not name a settable value of the scenario.
    #[error("sweep key `{key}`: {reason}{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    BadKey {
        key: String,
        reason: String,
        /// The nearest key present in the scenario (or known to the format).
        suggestion: Option<String>,
    },
    /// A point's scenario fails validation; `error` names the point as its file.
    #[error("invalid sweep point {point}:\n{error}")]
    InvalidPoint { point: String, error: ScenarioError },
    /// The base scenario itself is invalid.
    #[error("{0}")]
    Scenario(ScenarioError),
    #[error("at most {MAX_PARAMETERS} parameters can be swept (one gives a line, two a grid); {count} were given")]
    TooManyParameters { count: usize },
    #[error("nothing to sweep: give `--set key=v1,v2,...` or a `[sweep.parameters]` table")]
    NoParameters,
    #[error("sweep parameter `{key}` has no values")]
    EmptyValues { key: String },
    #[error("sweep parameter `{key}` is given twice")]
    DuplicateKey { key: String },
    /// A `--set` argument that is not `key=v1,v2,...`.
    #[error("`--set {arg}`: {reason}")]
    BadSet { arg: String, reason: String },
    /// A malformed `[sweep]` table.
    #[error("[sweep] table: {0}")]
    BadSpec(String),
    #[error("sweep metric `{metric}`: {reason}")]
    BadMetric { metric: String, reason: String },
    /// The scenario text is not TOML.
    #[error("scenario is not valid TOML: {0}")]
    Syntax(String),
    /// The cause is the source (shown after it by `{:#}`), not repeated here.
    #[error("sweep point {point}")]
    Run {
        point: String,
        #[source]
        source: RunError,
    },
    /// The grid, or one point, would not finish or not fit in memory.
    #[error("{}{source}", point.as_ref().map(|p| format!("sweep point {p}: ")).unwrap_or_default())]
    Refused {
        /// The point refused on its own; `None` for the whole grid.
        point: Option<String>,
        source: Box<GuardError>,
    },
}

/// One swept key and its values, in the order they are run.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// Dotted key path, array elements by index: `regions[0].zone_distance_km`.
    pub key: String,
    /// Values, typed by TOML rules (see [`parse_value`]).
    pub values: Vec<Value>,
}

/// What to sweep and which metric the chart shows.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSpec {
    /// One or two parameters; with two, the grid's first parameter varies slowest.
    pub parameters: Vec<Parameter>,
    /// Charted metric, e.g. `availability` or `classes.zone.rto_s.p99`
    /// (see [`parse_metric`]). Every metric is in `sweep.csv` regardless.
    pub metric: String,
}

impl SweepSpec {
    /// A checked spec: 1 to [`MAX_PARAMETERS`] distinct, well-formed keys, each
    /// with at least one value, and a metric [`parse_metric`] accepts.
    pub fn new(parameters: Vec<Parameter>, metric: impl Into<String>) -> Result<Self, SweepError> {
        let metric = metric.into();
        if parameters.is_empty() {
            return Err(SweepError::NoParameters);
        }
        if parameters.len() > MAX_PARAMETERS {
            return Err(SweepError::TooManyParameters {
                count: parameters.len(),
            });
        }
        for (i, p) in parameters.iter().enumerate() {
            let segs = parse_path(&p.key).map_err(|reason| SweepError::BadKey {
                key: p.key.clone(),
                reason,
                suggestion: None,
            })?;
            if matches!(segs.first(), Some(Seg::Key(k)) if k == "sweep") {
                return Err(SweepError::BadKey {
                    key: p.key.clone(),
                    reason: "the [sweep] table describes the sweep and cannot be swept".into(),
                    suggestion: None,
                });
            }
            if p.values.is_empty() {
                return Err(SweepError::EmptyValues { key: p.key.clone() });
            }
            if parameters[..i].iter().any(|q| q.key == p.key) {
                return Err(SweepError::DuplicateKey { key: p.key.clone() });
            }
        }
        parse_metric(&metric)?;
        Ok(SweepSpec { parameters, metric })
    }

    /// Number of grid points, without building them (saturating).
    pub fn point_count(&self) -> u64 {
        self.parameters
            .iter()
            .fold(1u64, |n, p| n.saturating_mul(p.values.len() as u64))
    }

    /// Every point as (key, value) pairs: the cartesian product of the
    /// parameters' values, first parameter varying slowest (row-major, the
    /// order of nested loops written in parameter order).
    pub fn points(&self) -> Vec<Vec<(String, Value)>> {
        let mut points: Vec<Vec<(String, Value)>> = vec![Vec::new()];
        for p in &self.parameters {
            points = points
                .into_iter()
                .flat_map(|prefix| {
                    p.values.iter().map(move |v| {
                        let mut point = prefix.clone();
                        point.push((p.key.clone(), v.clone()));
                        point
                    })
                })
                .collect();
        }
        points
    }
}

/// The `[sweep]` table of a scenario, if it has one:
///
/// ```toml
/// [sweep]
/// metric = "classes.zone.rto_s.p99"          # optional, default "availability"
/// [sweep.parameters]
/// "failover.missed_heartbeats" = [1, 2, 3, 5]
/// "failover.reroute" = ["30s", "60s"]        # a second parameter makes a grid
/// ```
///
/// Parameters keep the order in which they are written (the first varies
/// slowest), which is why their keys are located in the text rather than
/// read from a `toml::Table` (a sorted map).
pub fn spec_from_scenario(text: &str) -> Result<Option<SweepSpec>, SweepError> {
    let table: Table = text
        .parse()
        .map_err(|e: toml::de::Error| SweepError::Syntax(e.to_string()))?;
    let Some(sweep) = table.get("sweep") else {
        return Ok(None);
    };
    let Value::Table(sweep) = sweep else {
        return Err(SweepError::BadSpec(format!(
            "`sweep` must be a table, found {}",
            with_article(sweep.type_str())
        )));
    };
    for key in sweep.keys() {
        if key != "metric" && key != "parameters" {
            let hint = nearest(key, ["metric", "parameters"])
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            return Err(SweepError::BadSpec(format!(
                "unknown key `{key}`, expected `metric` or `parameters`{hint}"
            )));
        }
    }
    let metric = match sweep.get("metric") {
        None => DEFAULT_METRIC.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(SweepError::BadSpec(format!(
                "`metric` must be a string such as \"classes.zone.rto_s.p99\", found {}",
                with_article(other.type_str())
            )))
        }
    };
    let params = match sweep.get("parameters") {
        Some(Value::Table(t)) => t,
        Some(other) => {
            return Err(SweepError::BadSpec(format!(
                "`parameters` must be a table of key = [values], found {}",
                with_article(other.type_str())
            )))
        }
        None => return Err(SweepError::BadSpec(
            "missing `[sweep.parameters]`: add e.g. `\"failover.missed_heartbeats\" = [1, 2, 3]`"
                .into(),
        )),
    };
    let mut keys: Vec<&String> = params.keys().collect();
    let order = parameter_order(text);
    keys.sort_by_key(|k| order.iter().position(|o| o == *k).unwrap_or(usize::MAX));
    let mut parameters = Vec::new();
    for key in keys {
        match &params[key] {
            Value::Array(values) => parameters.push(Parameter {
                key: key.clone(),
                values: values.clone(),
            }),
            other => {
                return Err(SweepError::BadSpec(format!(
                    "parameter `{key}` must be an array of values, e.g. `\"{key}\" = [1, 2, 3]`; found {}",
                    with_article(other.type_str())
                )))
            }
        }
    }
    SweepSpec::new(parameters, metric).map(Some)
}

/// Keys of `sweep.parameters` in document order (by the byte offset of each
/// key in the text); empty if the text does not parse.
fn parameter_order(text: &str) -> Vec<String> {
    use toml::de::{DeTable, DeValue};
    fn child<'a, 'i>(t: &'a DeTable<'i>, name: &str) -> Option<&'a DeTable<'i>> {
        t.iter()
            .find(|(k, _)| k.get_ref() == name)
            .and_then(|(_, v)| match v.get_ref() {
                DeValue::Table(t) => Some(t),
                _ => None,
            })
    }
    let Ok(doc) = DeTable::parse(text) else {
        return Vec::new();
    };
    let Some(params) = child(doc.get_ref(), "sweep").and_then(|s| child(s, "parameters")) else {
        return Vec::new();
    };
    let mut keys: Vec<(usize, String)> = params
        .iter()
        .map(|(k, _)| (k.span().start, k.get_ref().to_string()))
        .collect();
    keys.sort();
    keys.into_iter().map(|(_, k)| k).collect()
}

/// Combines the scenario's `[sweep]` table with the command line, which wins:
/// `--set` parameters, when any are given, replace the table's parameters as a
/// whole (what is on the command line is exactly what is swept; merging would
/// silently keep a table parameter), and `--metric` replaces its metric.
pub fn resolve_spec(
    text: &str,
    sets: &[Parameter],
    metric: Option<&str>,
) -> Result<SweepSpec, SweepError> {
    let table = spec_from_scenario(text)?;
    let parameters = if sets.is_empty() {
        table
            .as_ref()
            .map(|t| t.parameters.clone())
            .ok_or(SweepError::NoParameters)?
    } else {
        sets.to_vec()
    };
    let metric = metric
        .map(str::to_string)
        .or_else(|| table.map(|t| t.metric))
        .unwrap_or_else(|| DEFAULT_METRIC.to_string());
    SweepSpec::new(parameters, metric)
}

/// Parses a `--set key=v1,v2,...` argument. Values are split at top-level
/// commas (commas inside quotes, arrays and inline tables do not split) and
/// typed by [`parse_value`], so `--set failover.reroute=30s,60s` needs no quotes.
pub fn parse_set(arg: &str) -> Result<Parameter, SweepError> {
    let bad = |reason: &str| SweepError::BadSet {
        arg: arg.to_string(),
        reason: reason.to_string(),
    };
    let (key, values) = arg
        .split_once('=')
        .ok_or_else(|| bad("expected key=v1,v2,... (e.g. failover.missed_heartbeats=1,3,5)"))?;
    let key = key.trim();
    parse_path(key).map_err(|reason| SweepError::BadKey {
        key: key.to_string(),
        reason,
        suggestion: None,
    })?;
    if values.trim().is_empty() {
        return Err(SweepError::EmptyValues {
            key: key.to_string(),
        });
    }
    let mut parsed = Vec::new();
    for item in split_top_level(values) {
        let item = item.trim();
        if item.is_empty() {
            return Err(bad("empty value between commas"));
        }
        parsed.push(parse_value(item));
    }
    Ok(Parameter {
        key: key.to_string(),
        values: parsed,
    })
}

/// Types a command-line value by TOML rules: `3` is an integer, `0.5` a
/// float, `true` a boolean, `"5m"` a string, `{ dist = "exponential", mean =
/// "90d" }` an inline table. Text that is not a TOML value is taken as a
/// string, so bare durations, sizes and rates (`30s`, `4KiB`, `200/s`) work.
pub fn parse_value(text: &str) -> Value {
    let text = text.trim();
    text.parse::<Value>()
        .unwrap_or_else(|_| Value::String(text.to_string()))
}

/// A value as shown in `sweep.csv` and in point names: strings without their
/// quotes (`30s`), everything else in TOML syntax (`3`, `0.5`, `true`).
pub fn value_label(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value as a number for a chart's x axis: integers and floats as they are,
/// strings in their base unit when they are a duration (seconds), a
/// bandwidth (bytes/s), a rate (per second) or a size (bytes). `None` for
/// anything else (booleans, distributions), which a chart plots by position.
pub fn numeric_value(value: &Value) -> Option<f64> {
    match value {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::String(s) => crate::time::parse_duration(s)
            .map(|d| d.as_secs_f64())
            .ok()
            .or_else(|| crate::units::parse_bandwidth(s).ok().map(|b| b.0))
            .or_else(|| crate::units::parse_rate(s).ok().map(|r| r.0))
            .or_else(|| crate::units::parse_size(s).ok().map(|b| b.0 as f64)),
        _ => None,
    }
}

/// Splits at commas outside quotes, brackets and braces.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '[' | '{' => depth += 1,
                ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&text[start..i]);
                    start = i + 1;
                }
                _ => {}
            },
        }
    }
    parts.push(&text[start..]);
    parts
}

/// One step of a key path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Parses `a.b[0].c` (bare TOML keys separated by dots, each optionally
/// followed by `[index]`s). Bare keys cover every key of the scenario format.
fn parse_path(key: &str) -> Result<Vec<Seg>, String> {
    if key.is_empty() {
        return Err("the key path is empty".into());
    }
    let mut segs = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "`{part}` is not a key: expected letters, digits, `_` or `-`, optionally followed by `[index]` (e.g. `regions[0].zone_distance_km`)"
            ));
        }
        segs.push(Seg::Key(name.to_string()));
        while !rest.is_empty() {
            let index = rest
                .strip_prefix('[')
                .and_then(|r| r.split_once(']'))
                .and_then(|(n, after)| n.parse::<usize>().ok().map(|n| (n, after)));
            let Some((n, after)) = index else {
                return Err(format!(
                    "`{part}`: an index must be a non-negative integer in brackets, e.g. `regions[0]`"
                ));
            };
            segs.push(Seg::Index(n));
            rest = after;
        }
    }
    Ok(segs)
}

fn render_path(segs: &[Seg]) -> String {
    let mut out = String::new();
    for s in segs {
        match s {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Sets the value at `key` in `table`. Missing tables on the way are created
/// (so keys the scenario leaves at their default, like `replication.zone_rtt`,
/// can be swept; validation rejects keys the format does not know); array
/// elements must exist. On failure returns why, naming the failing prefix.
pub(crate) fn set_path(table: &mut Table, key: &str, value: Value) -> Result<(), String> {
    let segs = parse_path(key)?;
    let mut root = Value::Table(std::mem::take(table));
    let result = set_at(&mut root, &segs, 0, value);
    if let Value::Table(t) = root {
        *table = t;
    }
    result
}

fn set_at(node: &mut Value, segs: &[Seg], i: usize, value: Value) -> Result<(), String> {
    let here = render_path(&segs[..i]);
    let last = i + 1 == segs.len();
    match (&segs[i], node) {
        (Seg::Key(k), Value::Table(t)) => {
            if last {
                t.insert(k.clone(), value);
                return Ok(());
            }
            if !t.contains_key(k) {
                if matches!(segs[i + 1], Seg::Index(_)) {
                    return Err(format!(
                        "`{}` is not in the scenario, so it has no elements to index",
                        render_path(&segs[..=i])
                    ));
                }
                t.insert(k.clone(), Value::Table(Table::new()));
            }
            let next = t.get_mut(k).expect("inserted above when missing");
            set_at(next, segs, i + 1, value)
        }
        (Seg::Index(n), Value::Array(a)) => {
            let len = a.len();
            match a.get_mut(*n) {
                None => Err(format!(
                    "`{here}` has {len} element{}; index {n} is out of range",
                    if len == 1 { "" } else { "s" }
                )),
                Some(v) if last => {
                    *v = value;
                    Ok(())
                }
                Some(v) => set_at(v, segs, i + 1, value),
            }
        }
        (Seg::Key(_), Value::Array(_)) => {
            Err(format!("`{here}` is an array: index it, e.g. `{here}[0]`"))
        }
        (Seg::Key(_), other) => Err(format!(
            "`{here}` is {}, not a table",
            with_article(other.type_str())
        )),
        (Seg::Index(_), other) => Err(format!(
            "`{here}` is {}, not an array",
            with_article(other.type_str())
        )),
    }
}

/// "an integer", "a string".
fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

/// Every key path present in `table` (tables, arrays and leaves), for
/// "did you mean" suggestions.
fn present_paths(table: &Table) -> Vec<String> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<String>) {
        match v {
            Value::Table(t) => {
                for (k, c) in t {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    out.push(p.clone());
                    walk(c, &p, out);
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    let p = format!("{prefix}[{i}]");
                    out.push(p.clone());
                    walk(c, &p, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (k, v) in table {
        out.push(k.clone());
        walk(v, k, &mut out);
    }
    out
}

/// Levenshtein distance (small inputs: key paths).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `word` if close enough to be a typo (edit
/// distance at most a third of its length); ties go to the smallest name so
/// the suggestion is deterministic.
fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = word.chars().count().div_ceil(3);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

pub(crate) fn bad_key(
    base: &Table,
    key: &str,
    reason: String,
    fallback: Option<String>,
) -> SweepError {
    let paths = present_paths(base);
    let suggestion = nearest(key, paths.iter().map(String::as_str))
        .map(str::to_string)
        .or(fallback);
    SweepError::BadKey {
        key: key.to_string(),
        reason,
        suggestion,
    }
}

/// When validation rejects a point because a swept key (or a table on its
/// path) is unknown to the format, that is a bad key, not a bad value: report
/// it as such, with the nearest present key or, failing that, the format's
/// own suggestion for the misspelt segment.
pub(crate) fn unknown_key_error(
    base: &Table,
    keys: &[&str],
    diags: &[Diagnostic],
) -> Option<SweepError> {
    for d in diags {
        if !d.message.starts_with("unknown field") {
            continue;
        }
        let Ok(dsegs) = parse_path(&d.key_path) else {
            continue;
        };
        for key in keys {
            let Ok(segs) = parse_path(key) else { continue };
            if dsegs.is_empty() || !segs.starts_with(&dsegs) {
                continue;
            }
            // The format's suggestion for the segment, e.g. "did you mean `quorum`?".
            let fallback = d
                .help
                .as_deref()
                .and_then(|h| h.split('`').nth(1))
                .map(|name| {
                    let mut fixed = segs.clone();
                    fixed[dsegs.len() - 1] = Seg::Key(name.to_string());
                    render_path(&fixed)
                });
            return Some(bad_key(base, key, d.message.clone(), fallback));
        }
    }
    None
}

/// Name of a point in messages and diagnostics: `k1=v1, k2=v2`.
fn point_name(values: &[(String, String)]) -> String {
    values
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A point ready to run.
struct Prepared {
    values: Vec<(String, String)>,
    loaded: Loaded,
}

/// Builds and validates every point before any runs, so a typo in the last
/// value does not surface after an hour of simulation.
fn prepare(
    text: &str,
    file: &str,
    spec: &SweepSpec,
    runs_override: Option<u64>,
) -> Result<Vec<Prepared>, SweepError> {
    // The base must be valid on its own: its errors point at the user's file.
    scenario::parse_str(text, file).map_err(SweepError::Scenario)?;
    let mut base: Table = text
        .parse()
        .map_err(|e: toml::de::Error| SweepError::Syntax(e.to_string()))?;
    base.remove("sweep");
    if let Some(runs) = runs_override {
        let runs = i64::try_from(runs).unwrap_or(i64::MAX);
        set_path(&mut base, "simulation.runs", Value::Integer(runs))
            .map_err(|reason| bad_key(&base, "simulation.runs", reason, None))?;
    }
    let keys: Vec<&str> = spec.parameters.iter().map(|p| p.key.as_str()).collect();
    let mut prepared = Vec::new();
    for point in spec.points() {
        let mut table = base.clone();
        for (key, value) in &point {
            set_path(&mut table, key, value.clone())
                .map_err(|reason| bad_key(&base, key, reason, None))?;
        }
        let values: Vec<(String, String)> = point
            .iter()
            .map(|(k, v)| (k.clone(), value_label(v)))
            .collect();
        let name = point_name(&values);
        let point_file = format!("{file} [{name}]");
        let point_text = toml::to_string(&table).map_err(|e| SweepError::InvalidPoint {
            point: name.clone(),
            error: ScenarioError::Invalid(vec![Diagnostic {
                file: point_file.clone(),
                location: None,
                key_path: String::new(),
                message: format!("cannot write the point's scenario as TOML: {e}"),
                help: None,
            }]),
        })?;
        match scenario::parse_str(&point_text, &point_file) {
            Ok(loaded) => prepared.push(Prepared { values, loaded }),
            Err(error) => {
                if let ScenarioError::Invalid(diags) = &error {
                    if let Some(e) = unknown_key_error(&base, &keys, diags) {
                        return Err(e);
                    }
                }
                return Err(SweepError::InvalidPoint { point: name, error });
            }
        }
    }
    Ok(prepared)
}

/// Streaming mean, variances and covariance of pairs (y, x) over
/// replications, for the ratio estimator Σy / Σx.
#[derive(Clone, Copy, Debug, Default)]
struct RatioAcc {
    n: u64,
    mean_y: f64,
    mean_x: f64,
    m2_y: f64,
    m2_x: f64,
    c_xy: f64,
}

impl RatioAcc {
    fn push(&mut self, y: f64, x: f64) {
        self.n += 1;
        let n = self.n as f64;
        let dx = x - self.mean_x;
        let dy = y - self.mean_y;
        self.mean_x += dx / n;
        self.mean_y += dy / n;
        self.m2_x += dx * (x - self.mean_x);
        self.m2_y += dy * (y - self.mean_y);
        self.c_xy += dx * (y - self.mean_y);
    }

    /// Half width of the 95% interval of R = ȳ / x̄: delta method over
    /// replications, SE = s_z / (√n · x̄) with z_r = y_r − R·x_r, and a
    /// Student t with n − 1 degrees of freedom. `None` with fewer than two
    /// replications or no incident at all.
    fn half_width95(&self) -> Option<f64> {
        if self.n < 2 || self.mean_x <= 0.0 {
            return None;
        }
        let r = self.mean_y / self.mean_x;
        let var_z =
            ((self.m2_y - 2.0 * r * self.c_xy + r * r * self.m2_x) / (self.n - 1) as f64).max(0.0);
        let se = var_z.sqrt() / ((self.n as f64).sqrt() * self.mean_x);
        let t = student_t_quantile(0.975, (self.n - 1) as f64);
        Some(t * se)
    }
}

/// Per-replication totals of one incident class.
#[derive(Clone, Debug, Default)]
struct ClassRuns {
    rpo: RatioAcc,
    rto: RatioAcc,
    lost_writes: Welford,
}

/// Collects, per replication and per incident class, the incident count, the
/// RPO and RTO sums and the lost writes: the per-replication values the
/// confidence intervals are built from (the summary only has pooled totals).
struct PerRunSink<'a> {
    classes: Vec<(IncidentClass, ClassRuns)>,
    /// Called once per replication (progress display).
    tick: &'a (dyn Fn() + Sync),
}

impl<'a> PerRunSink<'a> {
    fn new(tick: &'a (dyn Fn() + Sync)) -> Self {
        PerRunSink {
            classes: IncidentClass::ALL
                .iter()
                .map(|&c| (c, ClassRuns::default()))
                .collect(),
            tick,
        }
    }

    fn class(&self, name: &str) -> Option<&ClassRuns> {
        self.classes
            .iter()
            .find(|(c, _)| c.name() == name)
            .map(|(_, r)| r)
    }
}

impl OutcomeSink for PerRunSink<'_> {
    fn accept(&mut self, outcome: &ReplicationOutcome, _: &str) -> std::io::Result<()> {
        (self.tick)();
        for (class, acc) in &mut self.classes {
            let (mut n, mut rpo_ns, mut rto_ns, mut lost) = (0u64, 0u128, 0u128, 0u64);
            for inc in outcome.incidents.iter().filter(|i| i.class == *class) {
                n += 1;
                rpo_ns += u128::from(inc.rpo_ns);
                rto_ns += u128::from(inc.rto_ns);
                lost += inc.lost_writes;
            }
            acc.rpo.push(rpo_ns as f64 / 1e9, n as f64);
            acc.rto.push(rto_ns as f64 / 1e9, n as f64);
            acc.lost_writes.push(lost as f64);
        }
        Ok(())
    }
}

/// One row of `sweep.csv` for one point. Empty (`None`) cells mean "not
/// defined here": quantiles of per-replication metrics, RPO/RTO of a class
/// without incidents, an interval from fewer than two replications, or
/// anything of a point that ran no replication (an interrupted sweep).
#[derive(Clone, Debug, PartialEq)]
pub struct MetricRow {
    /// `availability`, `downtime_s`, `<class>.rpo_s`, `<class>.rto_s`, `<class>.lost_writes`.
    pub metric: String,
    pub mean: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub p50: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
    /// Replications the row is based on.
    pub runs: u64,
}

impl MetricRow {
    fn empty(metric: String, runs: u64) -> Self {
        MetricRow {
            metric,
            mean: None,
            ci95_low: None,
            ci95_high: None,
            p50: None,
            p99: None,
            max: None,
            runs,
        }
    }

    /// The value of one statistic column.
    pub fn stat(&self, stat: Stat) -> Option<f64> {
        match stat {
            Stat::Mean => self.mean,
            Stat::Ci95Low => self.ci95_low,
            Stat::Ci95High => self.ci95_high,
            Stat::P50 => self.p50,
            Stat::P99 => self.p99,
            Stat::Max => self.max,
        }
    }
}

/// The results of one point.
#[derive(Clone, Debug, PartialEq)]
pub struct PointResult {
    /// (key, value label) per swept parameter, in parameter order.
    pub values: Vec<(String, String)>,
    pub summary: Summary,
    /// Every metric of the point, in the order of `sweep.csv`.
    pub rows: Vec<MetricRow>,
    /// Validation warnings of the point's scenario (e.g. a non-majority quorum).
    pub warnings: Vec<Diagnostic>,
}

impl PointResult {
    pub fn row(&self, metric: &str) -> Option<&MetricRow> {
        self.rows.iter().find(|r| r.metric == metric)
    }
}

/// A whole sweep, points in [`SweepSpec::points`] order.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepResult {
    pub spec: SweepSpec,
    pub points: Vec<PointResult>,
    /// `true` when `stop` was raised: some points ran fewer replications than
    /// requested (possibly none; their `runs` is 0 and their cells empty).
    pub partial: bool,
}

/// The charted metric at one point.
#[derive(Clone, Debug, PartialEq)]
pub struct Selected<'a> {
    /// (key, value label) per swept parameter.
    pub values: &'a [(String, String)],
    pub value: Option<f64>,
    /// The 95% interval of the mean; only for `Stat::Mean`.
    pub ci95: Option<(f64, f64)>,
}

impl SweepResult {
    /// The selected metric at every point, for a chart (convert the x value
    /// with [`numeric_value`] on the spec's parameter values).
    pub fn select(&self, selector: &MetricSelector) -> Vec<Selected<'_>> {
        self.points
            .iter()
            .map(|p| {
                let row = p.row(&selector.metric);
                Selected {
                    values: &p.values,
                    value: row.and_then(|r| r.stat(selector.stat)),
                    ci95: row
                        .filter(|_| selector.stat == Stat::Mean)
                        .and_then(|r| r.ci95_low.zip(r.ci95_high)),
                }
            })
            .collect()
    }
}

/// A statistic column of `sweep.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    Mean,
    Ci95Low,
    Ci95High,
    P50,
    P99,
    Max,
}

impl Stat {
    pub const ALL: [Stat; 6] = [
        Stat::Mean,
        Stat::Ci95Low,
        Stat::Ci95High,
        Stat::P50,
        Stat::P99,
        Stat::Max,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stat::Mean => "mean",
            Stat::Ci95Low => "ci95_low",
            Stat::Ci95High => "ci95_high",
            Stat::P50 => "p50",
            Stat::P99 => "p99",
            Stat::Max => "max",
        }
    }
}

/// A metric row and a statistic column of `sweep.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricSelector {
    /// Row name: `availability`, `downtime_s` or `<class>.<rpo_s|rto_s|lost_writes>`.
    pub metric: String,
    pub stat: Stat,
}

/// Parses a metric name as the summary JSON spells it
/// (`classes.zone.rto_s.p99`, `availability.mean`) or as `sweep.csv` does
/// (`zone.rto_s.p99`, `availability`); the statistic defaults to `mean`.
/// Incident classes are checked against the classes drsim knows, so a typo is
/// caught before anything runs.
pub fn parse_metric(text: &str) -> Result<MetricSelector, SweepError> {
    let bad = |reason: String| SweepError::BadMetric {
        metric: text.to_string(),
        reason,
    };
    let t = text.trim();
    let t = t.strip_prefix("classes.").unwrap_or(t);
    let (name, stat) = match t.rsplit_once('.') {
        Some((name, s)) => match Stat::ALL.into_iter().find(|st| st.name() == s) {
            Some(stat) => (name, stat),
            None if ["p90", "p999", "count", "std_dev", "ci95"].contains(&s) => {
                return Err(bad(format!(
                    "`{s}` is not a column of sweep.csv; use one of mean, ci95_low, ci95_high, p50, p99, max"
                )))
            }
            None => (t, Stat::Mean),
        },
        None => (t, Stat::Mean),
    };
    match name.split_once('.') {
        None if name == "availability" || name == "downtime_s" => {}
        None => {
            let hint = nearest(name, ["availability", "downtime_s"])
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            return Err(bad(format!(
                "expected `availability`, `downtime_s` or `<class>.<rpo_s|rto_s|lost_writes>`, optionally followed by `.<statistic>`{hint}"
            )));
        }
        Some((class, m)) => {
            if IncidentClass::from_name(class).is_none() {
                let names: Vec<&str> = IncidentClass::ALL.iter().map(|c| c.name()).collect();
                let hint = nearest(class, names.iter().copied())
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                return Err(bad(format!(
                    "unknown incident class `{class}` (classes: {}){hint}",
                    names.join(", ")
                )));
            }
            if !["rpo_s", "rto_s", "lost_writes"].contains(&m) {
                let hint = nearest(m, ["rpo_s", "rto_s", "lost_writes"])
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                return Err(bad(format!(
                    "`{m}`: per-class metrics are rpo_s, rto_s and lost_writes{hint}"
                )));
            }
        }
    }
    Ok(MetricSelector {
        metric: name.to_string(),
        stat,
    })
}

/// Runs every point of `spec` on the scenario `text` (named `file` in
/// messages) with every core; see [`run_sweep_with_threads`].
pub fn run_sweep(
    text: &str,
    file: &str,
    spec: &SweepSpec,
    runs_override: Option<u64>,
    stop: &AtomicBool,
) -> Result<SweepResult, SweepError> {
    run_sweep_with_threads(text, file, spec, runs_override, None, stop)
}

/// Runs every point of `spec` and tabulates its metrics.
///
/// The `[sweep]` table is removed from each point's text; `runs_override`
/// replaces `simulation.runs` in the base (a swept `simulation.runs` still
/// wins at its points); `simulation.seed` is left alone so the points share
/// their random numbers (see the module documentation). Every point is built
/// and validated before the first one runs. `threads` bounds the total worker
/// threads (`None`: every core); results do not depend on it. When `stop` is
/// raised, running points end after their current chunk, points not started
/// run no replication, and the result is marked `partial`.
pub fn run_sweep_with_threads(
    text: &str,
    file: &str,
    spec: &SweepSpec,
    runs_override: Option<u64>,
    threads: Option<usize>,
    stop: &AtomicBool,
) -> Result<SweepResult, SweepError> {
    run_sweep_observed(text, file, spec, runs_override, threads, stop, &|| {})
}

/// [`run_sweep_with_threads`], calling `on_replication` after every
/// replication of every point (from the worker threads), e.g. to drive a
/// progress bar over points × runs replications. Not guarded: see
/// [`plan_sweep`] and [`run_plan`].
pub fn run_sweep_observed(
    text: &str,
    file: &str,
    spec: &SweepSpec,
    runs_override: Option<u64>,
    threads: Option<usize>,
    stop: &AtomicBool,
    on_replication: &(dyn Fn() + Sync),
) -> Result<SweepResult, SweepError> {
    let plan = plan_sweep(
        text,
        file,
        spec,
        runs_override,
        threads,
        &Limits::unlimited(),
    )?;
    run_plan(plan, stop, on_replication)
}

/// A sweep built, validated and guarded, ready to run.
pub struct SweepPlan {
    spec: SweepSpec,
    prepared: Vec<Prepared>,
    /// Points run at once, and worker threads per point.
    outer: usize,
    options: RunOptions,
}

impl SweepPlan {
    /// Number of grid points.
    pub fn len(&self) -> usize {
        self.prepared.len()
    }

    /// `true` for a plan without points (never built: a spec has values).
    pub fn is_empty(&self) -> bool {
        self.prepared.is_empty()
    }

    /// The first point's scenario (the base with the first values).
    pub fn first_scenario(&self) -> Option<&scenario::Scenario> {
        self.prepared.first().map(|p| &p.loaded.scenario)
    }
}

/// Builds and validates every point of `spec` (see [`run_sweep_with_threads`]
/// for the arguments) and refuses the sweep when it exceeds `limits`: the
/// grid before any point is built ([`guard::check_grid`], so a 1000 × 1000
/// grid is refused at once), then each point as a run of its own and the
/// points together ([`guard::check_sweep`]).
pub fn plan_sweep(
    text: &str,
    file: &str,
    spec: &SweepSpec,
    runs_override: Option<u64>,
    threads: Option<usize>,
    limits: &Limits,
) -> Result<SweepPlan, SweepError> {
    let spec = SweepSpec::new(spec.parameters.clone(), spec.metric.clone())?;
    let mut base = scenario::parse_str(text, file)
        .map_err(SweepError::Scenario)?
        .scenario;
    if let Some(runs) = runs_override {
        base.simulation.runs = runs;
    }
    let refused = |point: Option<String>| {
        move |e: GuardError| SweepError::Refused {
            point,
            source: Box::new(e),
        }
    };
    guard::check_grid(&base, spec.point_count(), limits).map_err(refused(None))?;
    let prepared = prepare(text, file, &spec, runs_override)?;
    for p in &prepared {
        guard::check(&p.loaded.scenario, limits).map_err(refused(Some(point_name(&p.values))))?;
    }
    let total = threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let outer = total.min(prepared.len()).max(1);
    let scenarios: Vec<&scenario::Scenario> = prepared.iter().map(|p| &p.loaded.scenario).collect();
    guard::check_sweep(&scenarios, outer, limits).map_err(refused(None))?;
    Ok(SweepPlan {
        spec,
        prepared,
        outer,
        options: RunOptions {
            threads: Some((total / outer).max(1)),
        },
    })
}

/// Runs every point of `plan` and tabulates its metrics (see
/// [`run_sweep_with_threads`]).
pub fn run_plan(
    plan: SweepPlan,
    stop: &AtomicBool,
    on_replication: &(dyn Fn() + Sync),
) -> Result<SweepResult, SweepError> {
    let spec = plan.spec.clone();
    let runs = run_points(plan, stop, &|| PerRunSink::new(on_replication))?;
    // Classes in any point's summary, so every point has the same rows.
    let mut classes: Vec<String> = runs
        .iter()
        .flat_map(|p| p.summary.classes.keys().cloned())
        .collect();
    classes.sort();
    classes.dedup();
    let partial = runs.iter().any(|p| p.summary.partial);
    let points = runs
        .into_iter()
        .map(|p| PointResult {
            rows: metric_rows(&p.summary, &p.sink, &classes),
            values: p.values,
            summary: p.summary,
            warnings: p.warnings,
        })
        .collect();
    Ok(SweepResult {
        spec,
        points,
        partial,
    })
}

/// One point run by [`run_points`]: its summary and the sink that saw its
/// replications (in replication order, whatever the thread count).
pub struct PointRun<S> {
    /// (key, value label) per swept parameter, in parameter order.
    pub values: Vec<(String, String)>,
    pub summary: Summary,
    pub sink: S,
    /// Validation warnings of the point's scenario.
    pub warnings: Vec<Diagnostic>,
}

/// What one point's run leaves: its summary and the sink that saw it.
type Finished<S> = Result<(Summary, S), RunError>;

/// Runs every point of `plan` (points side by side, see the module
/// documentation), each feeding a fresh sink from `make_sink`, and returns
/// them in point order. The sweep's own tabulation ([`run_plan`]) and other
/// per-point analyses (`crate::frontier`) share this one run loop.
pub fn run_points<S: OutcomeSink + Send>(
    plan: SweepPlan,
    stop: &AtomicBool,
    make_sink: &(dyn Fn() -> S + Sync),
) -> Result<Vec<PointRun<S>>, SweepError> {
    let SweepPlan {
        prepared,
        outer,
        options,
        ..
    } = plan;
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, Finished<S>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..outer)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(point) = prepared.get(i) else { break };
                        let mut sink = make_sink();
                        let result =
                            runner::run(&point.loaded.scenario, &options, &mut [&mut sink], stop);
                        mine.push((i, result.map(|summary| (summary, sink))));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    let mut runs = Vec::with_capacity(done.len());
    for ((_, result), point) in done.into_iter().zip(prepared) {
        let (summary, sink) = result.map_err(|source| SweepError::Run {
            point: point_name(&point.values),
            source,
        })?;
        runs.push(PointRun {
            values: point.values,
            summary,
            sink,
            warnings: point.loaded.warnings,
        });
    }
    Ok(runs)
}

/// The rows of one point.
///
/// Confidence intervals are always over independent replications, never over
/// incidents (incidents of one replication are correlated: a correlated
/// outage, an interruption prolonged by the next failure):
/// - `availability`, `downtime_s`: the summary's t-interval of the
///   per-replication values.
/// - `<class>.rpo_s`, `<class>.rto_s`: the mean is per incident (the
///   summary's mean: Σ over all incidents / number of incidents), which is a
///   ratio of two per-replication sums, R = ΣS_r / ΣN_r. Its interval is the
///   delta-method (regenerative, ratio-estimator) t-interval over
///   replications: R ± t₀.₉₇₅,ₙ₋₁ · s_z / (√n · N̄), z_r = S_r − R·N_r. That
///   keeps the estimand the summary reports (averaging per-replication means
///   instead would weight a replication with one incident like one with
///   twenty and drop replications without incidents). Quantiles and max are
///   per incident, from the summary's HDR histograms (≤ 0.1% above exact).
/// - `<class>.lost_writes`: lost writes per replication, mean and t-interval
///   from a per-replication Welford; no quantiles.
fn metric_rows(summary: &Summary, sink: &PerRunSink, classes: &[String]) -> Vec<MetricRow> {
    let runs = summary.runs;
    let mut rows = Vec::with_capacity(2 + 3 * classes.len());
    let names = ["availability".to_string(), "downtime_s".to_string()]
        .into_iter()
        .chain(
            classes
                .iter()
                .flat_map(|c| ["rpo_s", "rto_s", "lost_writes"].map(|m| format!("{c}.{m}"))),
        );
    for name in names {
        let mut row = MetricRow::empty(name, runs);
        if runs > 0 {
            fill_row(&mut row, summary, sink);
        }
        rows.push(row);
    }
    rows
}

fn fill_row(row: &mut MetricRow, summary: &Summary, sink: &PerRunSink) {
    let interval = match row.metric.as_str() {
        "availability" => Some(&summary.availability),
        "downtime_s" => Some(&summary.downtime_s),
        _ => None,
    };
    if let Some(interval) = interval {
        let Some(iv) = interval else { return };
        row.mean = Some(iv.mean);
        if let Some([lo, hi]) = iv.ci95 {
            row.ci95_low = Some(lo);
            row.ci95_high = Some(hi);
        }
        return;
    }
    let Some((class, metric)) = row.metric.split_once('.') else {
        return;
    };
    let runs = sink.class(class);
    let stats = summary.classes.get(class);
    match metric {
        "lost_writes" => {
            let Some(w) = runs.map(|r| &r.lost_writes) else {
                return;
            };
            let ci = w.mean_ci95();
            row.mean = Some(ci.mean);
            if ci.half_width.is_finite() {
                row.ci95_low = Some(ci.low);
                row.ci95_high = Some(ci.high);
            }
        }
        "rpo_s" | "rto_s" => {
            let Some(q) = stats.filter(|s| s.incidents > 0).map(|s| {
                if metric == "rpo_s" {
                    &s.rpo_s
                } else {
                    &s.rto_s
                }
            }) else {
                return;
            };
            row.mean = Some(q.mean);
            row.p50 = Some(q.p50);
            row.p99 = Some(q.p99);
            row.max = Some(q.max);
            let acc = runs.map(|r| if metric == "rpo_s" { &r.rpo } else { &r.rto });
            if let Some(hw) = acc.and_then(RatioAcc::half_width95) {
                row.ci95_low = Some(q.mean - hw);
                row.ci95_high = Some(q.mean + hw);
            }
        }
        _ => {}
    }
}

/// Writes `sweep.csv` atomically (whole or not at all): one row per (point,
/// metric), one column per swept parameter (header = key path, values as
/// labelled by [`value_label`]) then [`CSV_STAT_COLUMNS`]. Numbers use
/// Rust's shortest round-trip formatting, identical on every platform; an
/// undefined cell is empty.
pub fn write_csv(result: &SweepResult, path: &Path) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = result
        .spec
        .parameters
        .iter()
        .map(|p| p.key.as_str())
        .chain(CSV_STAT_COLUMNS)
        .collect();
    w.write_record(&header).map_err(std::io::Error::other)?;
    let cell = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
    for point in &result.points {
        for row in &point.rows {
            let mut record: Vec<String> = point.values.iter().map(|(_, v)| v.clone()).collect();
            record.push(row.metric.clone());
            record.extend(Stat::ALL.map(|s| cell(row.stat(s))));
            record.push(row.runs.to_string());
            w.write_record(&record).map_err(std::io::Error::other)?;
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    write_atomic(path, &bytes).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        text.parse().unwrap()
    }

    #[test]
    fn path_parsing_and_rendering_round_trip() {
        for key in [
            "failover.missed_heartbeats",
            "regions[0].zone_distance_km",
            "a[1][2].b",
            "name",
        ] {
            assert_eq!(render_path(&parse_path(key).unwrap()), key);
        }
        assert_eq!(
            parse_path("regions[0].zones[2]").unwrap(),
            vec![
                Seg::Key("regions".into()),
                Seg::Index(0),
                Seg::Key("zones".into()),
                Seg::Index(2)
            ]
        );
        for bad in [
            "", "a..b", ".a", "a.", "a[x]", "a[0", "a[-1]", "[0]", "a b", "a[0]x",
        ] {
            assert!(parse_path(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn sets_existing_nested_and_indexed_values() {
        let mut t = table(
            "[failover]\nmissed_heartbeats = 3\n[[regions]]\nname = \"a\"\nzone_distance_km = 15\n[[regions]]\nname = \"b\"\n",
        );
        set_path(&mut t, "failover.missed_heartbeats", Value::Integer(5)).unwrap();
        set_path(&mut t, "regions[0].zone_distance_km", Value::Float(2.5)).unwrap();
        set_path(&mut t, "regions[1].zone_distance_km", Value::Integer(40)).unwrap();
        assert_eq!(t["failover"]["missed_heartbeats"], Value::Integer(5));
        assert_eq!(t["regions"][0]["zone_distance_km"], Value::Float(2.5));
        assert_eq!(t["regions"][1]["zone_distance_km"], Value::Integer(40));
        assert_eq!(t["regions"][1]["name"], Value::String("b".into()));
    }

    #[test]
    fn creates_missing_tables_and_replaces_whole_values() {
        let mut t = table(
            "[failover]\nreroute = { dist = \"lognormal\", median = \"45s\", sigma = 0.5 }\n",
        );
        set_path(&mut t, "failover.reroute", Value::String("30s".into())).unwrap();
        assert_eq!(t["failover"]["reroute"], Value::String("30s".into()));
        set_path(
            &mut t,
            "failures.zones.correlated_probability",
            Value::Float(0.1),
        )
        .unwrap();
        assert_eq!(
            t["failures"]["zones"]["correlated_probability"],
            Value::Float(0.1)
        );
    }

    #[test]
    fn path_errors_name_the_failing_prefix() {
        let mut t = table("[failover]\nmissed_heartbeats = 3\n[[regions]]\nname = \"a\"\n");
        let err = |t: &mut Table, k: &str| set_path(t, k, Value::Integer(1)).unwrap_err();
        assert!(err(&mut t, "regions[1].name").contains("`regions` has 1 element; index 1"));
        assert!(err(&mut t, "regions.name").contains("`regions` is an array"));
        assert!(err(&mut t, "failover.missed_heartbeats.x")
            .contains("`failover.missed_heartbeats` is an integer"));
        assert!(err(&mut t, "failover[0]").contains("not an array"));
        assert!(err(&mut t, "incidents[0].at").contains("`incidents` is not in the scenario"));
    }

    #[test]
    fn suggestions_come_from_present_keys() {
        let t = table("[failover]\nmissed_heartbeats = 3\n[[regions]]\nzone_distance_km = 15\n");
        let e = bad_key(&t, "failover.missed_heartbeat", "x".into(), None);
        assert!(
            matches!(e, SweepError::BadKey { suggestion: Some(ref s), .. } if s == "failover.missed_heartbeats")
        );
        let e = bad_key(&t, "regions.zone_distance_km", "x".into(), None);
        assert!(
            matches!(e, SweepError::BadKey { suggestion: Some(ref s), .. } if s == "regions[0].zone_distance_km")
        );
        let e = bad_key(&t, "totally.different", "x".into(), None);
        assert!(matches!(
            e,
            SweepError::BadKey {
                suggestion: None,
                ..
            }
        ));
    }

    #[test]
    fn values_split_at_top_level_commas_only() {
        assert_eq!(split_top_level("1,2,3"), ["1", "2", "3"]);
        assert_eq!(
            split_top_level(r#""a,b",[1,2],{ x = 1, y = 2 },'c,d'"#),
            [r#""a,b""#, "[1,2]", "{ x = 1, y = 2 }", "'c,d'"]
        );
        assert_eq!(split_top_level(r#""a\",b",c"#), [r#""a\",b""#, "c"]);
    }

    #[test]
    fn grid_points_vary_the_first_parameter_slowest() {
        let spec = SweepSpec::new(
            vec![
                parse_set("a.x=1,2").unwrap(),
                parse_set("b.y=p,q,r").unwrap(),
            ],
            DEFAULT_METRIC,
        )
        .unwrap();
        let labels: Vec<String> = spec
            .points()
            .iter()
            .map(|p| {
                p.iter()
                    .map(|(_, v)| value_label(v))
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
        assert_eq!(labels, ["1/p", "1/q", "1/r", "2/p", "2/q", "2/r"]);
    }

    #[test]
    fn ratio_interval_matches_the_closed_form() {
        // y = 2x exactly: the ratio is 2 with zero width.
        let mut acc = RatioAcc::default();
        for x in [1.0, 3.0, 0.0, 2.0] {
            acc.push(2.0 * x, x);
        }
        assert!(acc.half_width95().unwrap().abs() < 1e-12);
        // Two-pass reference on noisy pairs.
        let pairs = [(3.0, 1.0), (1.0, 2.0), (7.0, 2.0), (0.0, 0.0), (4.0, 3.0)];
        let mut acc = RatioAcc::default();
        for (y, x) in pairs {
            acc.push(y, x);
        }
        let n = pairs.len() as f64;
        let (sy, sx): (f64, f64) = pairs
            .iter()
            .fold((0.0, 0.0), |(a, b), (y, x)| (a + y, b + x));
        let r = sy / sx;
        let z: Vec<f64> = pairs.iter().map(|(y, x)| y - r * x).collect();
        let zbar = z.iter().sum::<f64>() / n;
        let var = z.iter().map(|v| (v - zbar).powi(2)).sum::<f64>() / (n - 1.0);
        let expect = student_t_quantile(0.975, n - 1.0) * var.sqrt() / (n.sqrt() * (sx / n));
        assert!((acc.half_width95().unwrap() - expect).abs() < 1e-12);
        assert_eq!(RatioAcc::default().half_width95(), None);
    }

    #[test]
    fn metric_names_in_both_spellings() {
        let p = |s: &str| parse_metric(s).unwrap();
        assert_eq!(
            p("classes.zone.rto_s.p99"),
            MetricSelector {
                metric: "zone.rto_s".into(),
                stat: Stat::P99
            }
        );
        assert_eq!(p("zone.lost_writes").stat, Stat::Mean);
        assert_eq!(p("availability").metric, "availability");
        assert_eq!(p("downtime_s.ci95_high").stat, Stat::Ci95High);
        for bad in ["zone.rto", "zonee.rto_s", "latency", "zone.rto_s.p90"] {
            assert!(parse_metric(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numeric_values_of_units() {
        assert_eq!(numeric_value(&Value::String("2m".into())), Some(120.0));
        assert_eq!(numeric_value(&Value::String("500MB/s".into())), Some(5e8));
        assert_eq!(numeric_value(&Value::String("30/min".into())), Some(0.5));
        assert_eq!(numeric_value(&Value::String("4KiB".into())), Some(4096.0));
        assert_eq!(numeric_value(&Value::Integer(3)), Some(3.0));
        assert_eq!(numeric_value(&Value::Boolean(true)), None);
    }
}
