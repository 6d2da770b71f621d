//! `drsim run A.toml B.toml … --failures F.toml`: the scenarios side by
//! side on the same failures (`drsim::side_by_side` computes and writes).

use super::load::{scenario_error, scenario_text};
use super::progress::{sinks_of, Progress};
use super::{check_runs, names, stop_on_ctrl_c};
use crate::cli::RunArgs;
use anyhow::{bail, Result};
use drsim::report::default_dir::default_out_dir;
use drsim::report::folder;
use drsim::runner::{self, RunOptions};
use drsim::side_by_side::{self, Compared, SideBySideError};
use drsim::{console, guard, scenario};
use std::path::Path;
use std::process::ExitCode;

/// Refuses the flags of a single run, prepares every scenario on the
/// failure description, runs them into one folder and prints the table.
pub(super) fn run_side_by_side(args: RunArgs) -> Result<ExitCode> {
    refuse_single_run_flags(&args)?;
    let failures_path = args.failures.as_deref().unwrap_or(Path::new(""));
    let (scenario_files, left_out) =
        side_by_side::without_failure_file(&args.scenarios, failures_path);
    for p in left_out.iter().filter(|_| !args.quiet) {
        console::errln(&format!(
            "note: {} is the failure description (--failures), not a scenario: left out",
            p.display()
        ));
    }
    if scenario_files.is_empty() {
        bail!("--failures needs the scenario files to run on it: drsim run A.toml B.toml --failures FAILURES.toml");
    }
    let mut failures = scenario::read_failure_file(failures_path).map_err(scenario_error)?;
    if let Some(runs) = check_runs(args.runs)? {
        failures.runs = runs;
    }
    if let Some(seed) = args.seed {
        failures.seed = seed;
    }
    let texts = scenario_files
        .iter()
        .map(|p| scenario_text(Some(p)))
        .collect::<Result<Vec<_>>>()?;
    let compared = side_by_side::prepare(&texts, &failures).map_err(|e| match e {
        SideBySideError::Scenario(e) => scenario_error(e),
        other => other.into(),
    })?;
    let threads = runner::check_threads(args.threads)?;
    let total_runs = check_each(&compared, &args)?;
    let stop = stop_on_ctrl_c()?;
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = failures_path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy();
        default_out_dir(&format!("comparison-{stem}"), "")
    });
    let staged = folder::stage(&out, args.force)?;
    let mut progress = Progress::new(total_runs, args.quiet);
    let mut sinks = sinks_of(&mut progress);
    let options = RunOptions { threads };
    let result = side_by_side::run_into(
        staged.path(),
        &compared,
        &failures,
        &options,
        &mut sinks,
        &stop,
    )?;
    drop(sinks);
    if let Some(p) = progress {
        p.clear();
    }
    let out = staged.publish()?;
    if !args.quiet {
        console::out(&side_by_side::render(&result.rows))?;
        console::outln(&format!(
            "\nresults in {} (comparison.csv, {}, one folder per scenario)",
            out.display(),
            names(&result.charts)
        ))?;
    }
    if result.partial {
        console::errln("interrupted: comparison.csv holds the scenarios that finished; a partial one is marked in its summary.json");
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}

/// The flags that only make sense for one scenario, refused by name (the
/// first one given) rather than silently ignored.
fn refuse_single_run_flags(args: &RunArgs) -> Result<()> {
    let refused = [
        (!args.sets.is_empty(), "--set"),
        (args.shard.is_some(), "--shard"),
        (args.precision.is_some(), "--precision"),
        (args.fidelity.is_some(), "--fidelity"),
        (args.check, "--check"),
        (args.plot, "--plot (the comparison charts are always drawn)"),
        (args.verify_determinism, "--verify-determinism"),
    ];
    if let Some((_, flag)) = refused.iter().find(|(given, _)| *given) {
        bail!("{flag} does not apply to a side-by-side run (--failures): run that scenario alone");
    }
    Ok(())
}

/// Prints the scenarios' warnings, each once (unless `--quiet`), checks
/// each against the guard's limits (unless `--allow-large`) and returns
/// the replications of all of them, the length of the progress bar.
fn check_each(compared: &[Compared], args: &RunArgs) -> Result<u64> {
    if !args.quiet {
        for w in side_by_side::warnings_once(compared) {
            console::err(&format!("warning: {w}"));
        }
    }
    let mut total_runs = 0u64;
    for c in compared {
        if !args.allow_large {
            guard::check(&c.loaded.scenario, &guard::Limits::default())?;
        }
        total_runs = total_runs.saturating_add(c.loaded.scenario.simulation.runs);
    }
    Ok(total_runs)
}
