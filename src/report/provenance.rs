//! `provenance.json`: the sidecar that ties every file of an output folder
//! (CSV files carry no comments, so they cannot say it themselves) to the
//! exact run that produced it.

use super::atomic::write_atomic;
use crate::scenario::Scenario;
use serde::Serialize;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Serialize)]
struct Provenance<'a> {
    drsim_version: &'static str,
    scenario: &'a str,
    scenario_hash: &'a str,
    /// `run --set` overrides applied to the file, as `key=value`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    overrides: Vec<String>,
    seed: u64,
    runs: u64,
    /// The command that wrote the folder (`run`, `sweep`, `trace`).
    command: &'a str,
    /// The files this record covers.
    files: &'a [&'a str],
}

/// Writes `dir/provenance.json` for `files`.
pub fn write(
    dir: &Path,
    sc: &Scenario,
    runs: u64,
    command: &str,
    files: &[&str],
) -> io::Result<PathBuf> {
    let p = Provenance {
        drsim_version: env!("CARGO_PKG_VERSION"),
        scenario: &sc.name,
        scenario_hash: &sc.source_hash,
        overrides: sc.overrides.clone(),
        seed: sc.simulation.seed,
        runs,
        command,
        files,
    };
    let mut text = serde_json::to_string_pretty(&p).map_err(io::Error::other)?;
    text.push('\n');
    write_atomic(&dir.join("provenance.json"), text.as_bytes())
}
