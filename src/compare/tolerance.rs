//! Tolerances and the `--tolerance PATTERN=SPEC` rules that set them per
//! metric path.

use super::error::CompareError;
use super::numbers::{fmt_bound, fmt_percent};
use std::fmt;

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
pub(super) fn path_matches(pattern: &str, path: &str) -> bool {
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
