//! Reading a scenario for a command: its text, `--set` overrides, and the
//! diagnostics and warnings as the console shows them.

use anyhow::Result;
use drsim::console;
use drsim::scenario::{self, Loaded, ScenarioError};
use std::path::Path;

/// The scenario text and the name it is reported under; the file is read
/// once, bounded (a FIFO or a device is refused, never waited on).
pub(super) fn scenario_text(path: Option<&Path>) -> Result<(String, String)> {
    match path {
        Some(p) => {
            let text = scenario::read_file(p).map_err(scenario_error)?;
            Ok((text, p.display().to_string()))
        }
        None => Ok((
            scenario::REFERENCE_SCENARIO.to_string(),
            scenario::REFERENCE_SCENARIO_FILE.to_string(),
        )),
    }
}

/// The scenario at `path` (the embedded reference scenario when `None`),
/// parsed and validated.
pub(super) fn load(path: Option<&Path>) -> Result<Loaded> {
    let (text, file) = scenario_text(path)?;
    scenario::parse_str(&text, &file).map_err(scenario_error)
}

/// The scenario of `run`: the text read once (the file or the reference
/// scenario) with the `--set` overrides applied.
pub(super) fn load_with_overrides(text: &str, file: &str, sets: &[String]) -> Result<Loaded> {
    if sets.is_empty() {
        return scenario::parse_str(text, file).map_err(scenario_error);
    }
    let overrides = sets
        .iter()
        .map(|s| drsim::overrides::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    drsim::overrides::apply(text, file, &overrides).map_err(|e| match e {
        drsim::overrides::OverrideError::Scenario(e) => scenario_error(e),
        other => other.into(),
    })
}

/// Scenario diagnostics as rendered by `Diagnostic`, user text already cut
/// to 80 characters in their messages: `main` prints them as they are, since
/// cutting a quoted span inside a source excerpt would move the caret.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct RenderedDiagnostics(String);

/// A scenario error as `main` prints it: every diagnostic of an invalid
/// scenario, then the note that nothing ran.
pub(super) fn scenario_error(e: ScenarioError) -> anyhow::Error {
    match e {
        // `main` prints "error: " before the first diagnostic; each other
        // one gets its own.
        ScenarioError::Invalid(diags) => {
            let all: Vec<String> = diags.iter().map(ToString::to_string).collect();
            anyhow::Error::new(RenderedDiagnostics(format!(
                "{}\nthe scenario has errors; nothing was run",
                all.join("\nerror: ")
            )))
        }
        other => anyhow::Error::new(other),
    }
}

/// The scenario's warnings on standard error (they never stop a command).
pub(super) fn print_warnings(loaded: &Loaded) {
    for w in &loaded.warnings {
        console::err(&format!("warning: {w}"));
    }
}
