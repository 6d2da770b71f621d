//! A failure description shared by several scenarios (`drsim run A.toml
//! B.toml --failures FILE`): `[simulation]` seed, runs and horizon,
//! `[failures]` and `[[incidents]]`, nothing else.
//!
//! Comparing deployments is only fair on the same bad days. Every scenario
//! run with the file has its own failure sections and replications replaced
//! by the file's, and since every failure process draws from its own random
//! stream (`engine::rng`), replication `r` of every scenario sees the same
//! zone, region and link failures.
//!
//! The file is read with the scenario's own raw types, so its keys, their
//! documentation and their errors are a scenario's. It is then validated as
//! part of each scenario it is applied to (a zone override must name a zone
//! of that scenario's home region): a problem in one of its sections points
//! into the failure description, at its line and column, and names the
//! scenario it was applied to.

use super::error::{Diagnostic, ScenarioError};
use super::raw::{RawFailureFile, RawScenario};
use super::validate::{self, fnv1a_hex, Checker, MAX_RUNS};
use super::{parse_bounded, parse_raw, parse_str, read_file, Loaded};
use crate::time::SimDuration;
use std::path::Path;

/// A failure description, read and checked on its own.
#[derive(Clone, Debug)]
pub struct FailureFile {
    /// The name it is reported under (its path as given).
    pub file: String,
    /// Its text, validated again with each scenario it is applied to.
    pub text: String,
    /// The `description` key, empty when absent.
    pub description: String,
    /// Master seed of every scenario compared.
    pub seed: u64,
    /// Replications of every scenario compared.
    pub runs: u64,
    /// Simulated time per replication of every scenario compared.
    pub horizon: SimDuration,
}

/// Reads a failure description (bounded as a scenario file is) and checks it.
pub fn read_failure_file(path: &Path) -> Result<FailureFile, ScenarioError> {
    let text = read_file(path)?;
    parse_failure_file(&text, &path.display().to_string())
}

/// Checks a failure description on its own: TOML syntax, known keys and
/// types, the replications. What its sections name (zones, regions) is
/// checked against each scenario by [`with_failures`].
pub fn parse_failure_file(text: &str, file: &str) -> Result<FailureFile, ScenarioError> {
    let mut checker = Checker::new(file, text);
    let Some(raw) = parse_bounded::<RawFailureFile>(text, &mut checker, "failure descriptions")
    else {
        return Err(ScenarioError::Invalid(checker.into_errors()));
    };
    let runs = *raw.simulation.runs.get_ref();
    if !(1..=MAX_RUNS).contains(&runs) {
        checker.error(
            Some(raw.simulation.runs.span()),
            "simulation.runs",
            format!("expected a number of replications between 1 and {MAX_RUNS}, found {runs}"),
        );
    }
    let horizon = *raw.simulation.horizon.get_ref();
    if horizon.is_zero() {
        checker.error(
            Some(raw.simulation.horizon.span()),
            "simulation.horizon",
            "the horizon must be positive",
        );
    }
    if !checker.diagnostics.is_empty() {
        return Err(ScenarioError::Invalid(checker.into_errors()));
    }
    Ok(FailureFile {
        file: file.to_string(),
        text: text.to_string(),
        description: raw.description.unwrap_or_default(),
        seed: raw.simulation.seed,
        runs: runs as u64,
        horizon,
    })
}

/// The scenario `text` (named `file`) with its `[failures]`,
/// `[[incidents]]` and `simulation.seed`, `runs` and `horizon` replaced by
/// those of `failures`. The scenario must be valid on its own first (its
/// errors point at its own lines); errors of the substituted sections point
/// into the failure description and name the scenario. The scenario's text
/// and hash become those of the combined TOML actually run.
pub fn with_failures(
    text: &str,
    file: &str,
    failures: &FailureFile,
) -> Result<Loaded, ScenarioError> {
    parse_str(text, file)?;
    let mut checker = Checker::new(file, text);
    let mut raw: RawScenario =
        parse_raw(text, &mut checker).ok_or_else(|| invalid(file, "cannot be read again"))?;
    let mut failures_checker = Checker::new(&failures.file, &failures.text);
    let shared: RawFailureFile = parse_raw(&failures.text, &mut failures_checker)
        .ok_or_else(|| ScenarioError::Invalid(failures_checker.into_errors()))?;
    raw.simulation.seed = shared.simulation.seed;
    raw.simulation.runs = shared.simulation.runs;
    raw.simulation.horizon = shared.simulation.horizon;
    raw.failures = shared.failures;
    raw.incidents = shared.incidents;
    checker.overlay = Some(validate::Overlay {
        file: &failures.file,
        source: &failures.text,
    });
    let scenario = validate::validate(raw, &mut checker);
    let mut scenario = match scenario {
        Some(s) if checker.diagnostics.is_empty() => s,
        _ => return Err(ScenarioError::Invalid(checker.into_errors())),
    };
    // `--runs` and `--seed` override the file's figures in `failures`.
    scenario.simulation.seed = failures.seed;
    scenario.simulation.runs = failures.runs;
    let combined = combined_text(text, file, failures)?;
    scenario.source_hash = fnv1a_hex(&combined);
    scenario.source_text = combined;
    Ok(Loaded {
        scenario,
        warnings: checker.warnings,
    })
}

/// The scenario as run: its TOML with the failure sections and the
/// replications of the failure description (comments are not kept).
fn combined_text(text: &str, file: &str, failures: &FailureFile) -> Result<String, ScenarioError> {
    let parse = |t: &str, f: &str| {
        t.parse::<toml::Table>()
            .map_err(|e| invalid(f, &format!("not valid TOML: {}", e.message())))
    };
    let mut table = parse(text, file)?;
    let shared = parse(&failures.text, &failures.file)?;
    table.remove("failures");
    table.remove("incidents");
    for key in ["failures", "incidents"] {
        if let Some(v) = shared.get(key) {
            table.insert(key.to_string(), v.clone());
        }
    }
    if let (Some(toml::Value::Table(sim)), Some(toml::Value::Table(from))) =
        (table.get_mut("simulation"), shared.get("simulation"))
    {
        for (k, v) in from {
            sim.insert(k.clone(), v.clone());
        }
        // The replications actually run, `--runs` and `--seed` included
        // (a seed above i64::MAX stays as the file gave it: TOML integers
        // are signed).
        sim.insert("runs".into(), toml::Value::Integer(failures.runs as i64));
        if let Ok(seed) = i64::try_from(failures.seed) {
            sim.insert("seed".into(), toml::Value::Integer(seed));
        }
    }
    toml::to_string(&table)
        .map_err(|e| invalid(file, &format!("cannot write the combined scenario: {e}")))
}

fn invalid(file: &str, message: &str) -> ScenarioError {
    ScenarioError::Invalid(vec![Diagnostic {
        file: file.to_string(),
        location: None,
        key_path: String::new(),
        message: message.to_string(),
        help: None,
    }])
}
