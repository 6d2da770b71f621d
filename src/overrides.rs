//! One-off overrides of a scenario's keys: `drsim run --set KEY=VALUE`.
//!
//! Trying one change (`failures.zones.correlated_probability=0.02`) should
//! not need a copy of the file. An override uses the key paths and value
//! syntax of `sweep --set` (one value instead of a list) and works the same
//! way (see `sweep.rs`): the file's TOML table with the keys replaced,
//! written back to text and validated like a file. The file must be valid
//! on its own first, so its own errors point at its own lines.
//!
//! A problem caused by an override points at the `--set` argument, not at
//! the regenerated text nobody has seen: the diagnostic's file is `--set`,
//! its line the argument's position among the `--set`s (1 for the first),
//! its column and caret the value. The overrides applied are recorded in the
//! scenario (`Scenario::overrides`) and from there in `summary.json` and
//! `provenance.json`; the scenario hash is that of the text actually run.

use crate::scenario::{self, Diagnostic, Loaded, Location, ScenarioError};
use crate::sweep::{self, SweepError};
use toml::{Table, Value};

/// One `--set KEY=VALUE`.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The argument as given, for messages.
    pub arg: String,
    /// Dotted key path, e.g. `regions[0].zone_distance_km`.
    pub key: String,
    /// The value, typed by TOML rules ([`sweep::parse_value`]).
    pub value: Value,
}

impl Override {
    /// `key=value` as recorded in the summary: strings without quotes.
    pub fn label(&self) -> String {
        format!("{}={}", self.key, sweep::value_label(&self.value))
    }
}

/// Why overrides cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum OverrideError {
    /// The argument is not `KEY=VALUE`, or gives a key twice.
    #[error("`--set {arg}`: {reason}")]
    BadArgument { arg: String, reason: String },
    /// The key is not a key of the scenario format, or cannot be set.
    #[error("`--set {arg}`: {reason}{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    BadKey {
        arg: String,
        reason: String,
        suggestion: Option<String>,
    },
    /// The file itself, or the file with the overrides, is invalid.
    #[error("{0}")]
    Scenario(ScenarioError),
}

/// Parses one `--set KEY=VALUE` (as `sweep --set`, but exactly one value).
pub fn parse(arg: &str) -> Result<Override, OverrideError> {
    let bad = |reason: String| OverrideError::BadArgument {
        arg: arg.to_string(),
        reason,
    };
    if !arg.contains('=') {
        return Err(bad(
            "expected key=value (e.g. failures.zones.correlated_probability=0.02)".into(),
        ));
    }
    let parameter = sweep::parse_set(arg).map_err(|e| match e {
        SweepError::BadKey { reason, .. } | SweepError::BadSet { reason, .. } => bad(reason),
        SweepError::EmptyValues { .. } => bad("no value after `=`".into()),
        other => bad(other.to_string()),
    })?;
    match <[Value; 1]>::try_from(parameter.values) {
        Ok([value]) => Ok(Override {
            arg: arg.to_string(),
            key: parameter.key,
            value,
        }),
        Err(values) => Err(bad(format!(
            "`run --set` takes one value, found {} (quote a value that holds commas; `drsim sweep --set` runs a list)",
            values.len()
        ))),
    }
}

/// Validates `text` (named `file`), applies `overrides` in order and
/// validates the result. With no overrides this is [`scenario::parse_str`].
pub fn apply(text: &str, file: &str, overrides: &[Override]) -> Result<Loaded, OverrideError> {
    let base_loaded = scenario::parse_str(text, file).map_err(OverrideError::Scenario)?;
    if overrides.is_empty() {
        return Ok(base_loaded);
    }
    for (i, o) in overrides.iter().enumerate() {
        if overrides[..i].iter().any(|p| p.key == o.key) {
            return Err(OverrideError::BadArgument {
                arg: o.arg.clone(),
                reason: format!("`{}` is set twice", o.key),
            });
        }
    }
    let base: Table = text.parse().map_err(|e: toml::de::Error| {
        OverrideError::Scenario(invalid(file, format!("not valid TOML: {}", e.message())))
    })?;
    let mut table = base.clone();
    for o in overrides {
        sweep::set_path(&mut table, &o.key, o.value.clone())
            .map_err(|reason| key_error(sweep::bad_key(&base, &o.key, reason, None), o))?;
    }
    let new_text = toml::to_string(&table).map_err(|e| {
        OverrideError::Scenario(invalid(
            file,
            format!("cannot write the scenario with the overrides as TOML: {e}"),
        ))
    })?;
    let shown = format!("{file} with --set");
    match scenario::parse_str(&new_text, &shown) {
        Ok(mut loaded) => {
            loaded.warnings = loaded
                .warnings
                .into_iter()
                .map(|w| at_argument(w, overrides, &shown))
                .collect();
            loaded.scenario.overrides = overrides.iter().map(Override::label).collect();
            Ok(loaded)
        }
        Err(ScenarioError::Invalid(diags)) => {
            let keys: Vec<&str> = overrides.iter().map(|o| o.key.as_str()).collect();
            if let Some(e) = sweep::unknown_key_error(&base, &keys, &diags) {
                let key = match &e {
                    SweepError::BadKey { key, .. } => key.clone(),
                    _ => String::new(),
                };
                let o = overrides
                    .iter()
                    .find(|o| o.key == key)
                    .unwrap_or(&overrides[0]);
                return Err(key_error(e, o));
            }
            let diags = diags
                .into_iter()
                .map(|d| at_argument(d, overrides, &shown))
                .collect();
            Err(OverrideError::Scenario(ScenarioError::Invalid(diags)))
        }
        Err(other) => Err(OverrideError::Scenario(other)),
    }
}

fn invalid(file: &str, message: String) -> ScenarioError {
    ScenarioError::Invalid(vec![Diagnostic {
        file: file.to_string(),
        location: None,
        key_path: String::new(),
        message,
        help: None,
    }])
}

fn key_error(e: SweepError, o: &Override) -> OverrideError {
    match e {
        SweepError::BadKey {
            reason, suggestion, ..
        } => OverrideError::BadKey {
            arg: o.arg.clone(),
            reason,
            suggestion,
        },
        other => OverrideError::BadArgument {
            arg: o.arg.clone(),
            reason: other.to_string(),
        },
    }
}

/// A diagnostic of the overridden text, moved to the `--set` argument it
/// concerns; one that concerns no override keeps its key path and message
/// but loses its position in the regenerated text.
fn at_argument(d: Diagnostic, overrides: &[Override], shown: &str) -> Diagnostic {
    match overrides.iter().position(|o| related(&o.key, &d.key_path)) {
        Some(i) => {
            let arg = &overrides[i].arg;
            let value_start = arg.find('=').map_or(0, |eq| {
                eq + 1 + (arg[eq + 1..].len() - arg[eq + 1..].trim_start().len())
            });
            let value = arg[value_start..].trim_end();
            Diagnostic {
                file: "--set".into(),
                location: Some(Location {
                    line: i + 1,
                    column: arg[..value_start].chars().count() + 1,
                    line_text: arg.clone(),
                    width: value.chars().count().max(1),
                }),
                ..d
            }
        }
        None => Diagnostic {
            file: shown.to_string(),
            location: None,
            ..d
        },
    }
}

/// `a` is `b`, or one is a table or array on the path of the other
/// (`failures.zones` and `failures.zones.duration`).
fn related(a: &str, b: &str) -> bool {
    fn within(outer: &str, inner: &str) -> bool {
        inner == outer
            || (inner.starts_with(outer)
                && matches!(inner.as_bytes().get(outer.len()), Some(b'.' | b'[')))
    }
    !a.is_empty() && !b.is_empty() && (within(a, b) || within(b, a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_per_override() {
        let o = parse("failover.reroute=30s").unwrap();
        assert_eq!(o.key, "failover.reroute");
        assert_eq!(o.value, Value::String("30s".into()));
        assert_eq!(o.label(), "failover.reroute=30s");
        let table = parse(r#"failover.reroute={ dist = "exponential", mean = "1m" }"#).unwrap();
        assert!(matches!(table.value, Value::Table(_)));
        let e = parse("replication.quorum=1,2").unwrap_err().to_string();
        assert!(e.contains("takes one value, found 2"), "{e}");
        let e = parse("replication.quorum").unwrap_err().to_string();
        assert!(e.contains("expected key=value"), "{e}");
        let e = parse("replication.quorum=").unwrap_err().to_string();
        assert!(e.contains("no value"), "{e}");
    }

    #[test]
    fn related_keys_share_a_path_on_segment_boundaries() {
        assert!(related("failures.zones", "failures.zones.duration"));
        assert!(related("regions[0].name", "regions[0]"));
        assert!(related("replication.quorum", "replication.quorum"));
        assert!(!related("failures.zone", "failures.zones"));
        assert!(!related("replication.quorum", ""));
    }
}
