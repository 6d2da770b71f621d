//! The commands of the `drsim` binary, one module per command or family.
//! Each turns its validated arguments into library calls, an output folder
//! and console text, and returns the exit status; the computing and the
//! writing of results stay in the library, so it is usable without them.

mod decide;
mod frontier;
mod inspect;
mod load;
mod progress;
mod run;
mod shard;
mod side_by_side;
mod sweep;
mod trace;

pub(crate) use decide::decide;
pub(crate) use frontier::frontier;
pub(crate) use inspect::{analyze, compare, plot, schema, validate};
pub(crate) use load::RenderedDiagnostics;
pub(crate) use run::run;
pub(crate) use shard::merge;
pub(crate) use sweep::sweep;
pub(crate) use trace::trace;

use anyhow::{bail, Context, Result};
use drsim::scenario::MAX_RUNS;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// `--runs` as given, refused when 0 or above [`MAX_RUNS`] (before any
/// work, so the message names the flag rather than a scenario key).
fn check_runs(runs: Option<u64>) -> Result<Option<u64>> {
    match runs {
        Some(r) if r == 0 || r > MAX_RUNS as u64 => {
            bail!("--runs must be between 1 and {MAX_RUNS}, got {r}")
        }
        other => Ok(other),
    }
}

/// The stop flag of a long command, set by the first Ctrl-C so the work in
/// flight finishes and a partial result is written (the second one exits).
fn stop_on_ctrl_c() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    drsim::guard::install_ctrlc(Arc::clone(&stop)).context("cannot install the Ctrl-C handler")?;
    Ok(stop)
}

/// The file names of `files`, comma-separated, for the summary lines that
/// say which charts were drawn.
fn names(files: &[PathBuf]) -> String {
    files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}
