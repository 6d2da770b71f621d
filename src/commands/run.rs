//! `drsim run`: one scenario's replications into a results folder (or, with
//! `--shard`, one shard of them; with `--failures`, several scenarios side
//! by side).

use super::load::{load_with_overrides, print_warnings, scenario_text};
use super::progress::Progress;
use super::{check_runs, names, shard, side_by_side, stop_on_ctrl_c};
use crate::cli::RunArgs;
use anyhow::{bail, Context, Result};
use drsim::metrics::Summary;
use drsim::model::Replication;
use drsim::report::default_dir::default_out_dir;
use drsim::report::{self, charts, folder};
use drsim::runner::{self, OutcomeSink, RunOptions};
use drsim::scenario::{Fidelity, Scenario};
use drsim::{console, guard};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

/// Checks the flags in the order their errors are reported, loads the
/// scenario and hands it to the whole run, a shard or a side-by-side run.
pub(crate) fn run(args: RunArgs) -> Result<ExitCode> {
    if args.failures.is_some() {
        return side_by_side::run_side_by_side(args);
    }
    if args.scenarios.len() > 1 {
        bail!("several scenarios are run side by side on one failure description: add --failures FAILURES.toml");
    }
    if !args.sets.is_empty() && args.shard.is_some() {
        bail!("--set cannot be combined with --shard: `drsim merge` rebuilds the scenario from the file; write the change into a copy of the file");
    }
    let (text, file) = scenario_text(args.scenarios.first().map(PathBuf::as_path))?;
    let mut loaded = load_with_overrides(&text, &file, &args.sets)?;
    if !args.quiet {
        print_warnings(&loaded);
    }
    let sc = &mut loaded.scenario;
    if !args.quiet && !sc.defines_failures() {
        console::errln(&format!(
            "note: nothing fails in {file} (no failure process, scheduled incident or operation): every replication is failure-free. Run it on a failure description: drsim run {file} --failures FAILURES.toml (for the presets of scenarios/services/: --failures scenarios/services/failures.toml)"
        ));
    }
    apply_simulation_flags(sc, &args)?;
    let threads = runner::check_threads(args.threads)?;
    if !args.allow_large {
        guard::check(sc, &guard::Limits::default())?;
    }
    if args.verify_determinism {
        let sample = sc.simulation.runs.min(1000);
        guard::verify_determinism(sc, sample)?;
        if !args.quiet {
            console::errln(&format!("determinism: {sample} replications identical in 3 passes (1 thread twice, 2 threads)"));
        }
    }
    let stop = stop_on_ctrl_c()?;
    let options = RunOptions { threads };
    check_precision(&args)?;
    if let Some(spec) = args.shard {
        let source = drsim::shard::ScenarioSource {
            text: &text,
            file: &file,
        };
        return shard::run_shard(&args, source, sc, spec, &options, &stop);
    }
    run_whole(&args, sc, &options, &stop)
}

/// `--runs`, `--seed` and `--fidelity` over the scenario's `[simulation]`.
fn apply_simulation_flags(sc: &mut Scenario, args: &RunArgs) -> Result<()> {
    if let Some(runs) = check_runs(args.runs)? {
        sc.simulation.runs = runs;
    }
    if let Some(seed) = args.seed {
        sc.simulation.seed = seed;
    }
    if let Some(f) = args.fidelity.as_deref() {
        sc.simulation.fidelity = if f == "exact" {
            Fidelity::Exact
        } else {
            Fidelity::Fast
        };
    }
    Ok(())
}

/// `--precision` is a relative half-width, and decides the number of
/// replications as it goes, so a shard (a fixed slice of them) cannot use it.
fn check_precision(args: &RunArgs) -> Result<()> {
    if let Some(p) = args.precision {
        if !(p > 0.0 && p < 1.0) {
            bail!("--precision is a relative half-width in (0, 1), e.g. 0.05; got {p}");
        }
        if args.shard.is_some() {
            bail!(
                "--precision decides the number of replications as it goes; it cannot be sharded"
            );
        }
    }
    Ok(())
}

/// Every replication of the scenario into the output folder: incidents.csv
/// and runs.csv, summary.json, report.html and, with `--plot`, the charts;
/// then the table, and the exit status (130 interrupted, 1 a target missed
/// under `--check`).
fn run_whole(
    args: &RunArgs,
    sc: &Scenario,
    options: &RunOptions,
    stop: &AtomicBool,
) -> Result<ExitCode> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&sc.name, ""));
    let staged = folder::stage(&out, args.force)?;
    let dir = staged.path();

    let mut csv = report::csv::CsvSink::create(dir)?;
    let mut progress = Progress::new(sc.simulation.runs, args.quiet);
    let summary = {
        let mut sinks: Vec<&mut dyn OutcomeSink> = vec![&mut csv];
        if let Some(p) = progress.as_mut() {
            sinks.push(p);
        }
        match args.precision {
            Some(relative) => run_to_precision(args, sc, options, &mut sinks, stop, relative)?,
            None => runner::run(sc, options, &mut sinks, stop)?,
        }
    };
    if let Some(p) = progress {
        p.clear();
    }
    csv.commit()?;
    report::write_run_record(dir, &summary, sc)?;
    let mut charted = None;
    if args.plot {
        let (_, trace) = Replication::new(sc, 0).traced().run_traced();
        report::trace::write_csv(&dir.join("timeline.csv"), &trace)?;
        charted = Some(names(&charts::plot_results(dir)?));
    }
    report::html::write(dir, &summary, sc)?;
    let out = staged.publish()?;
    if let (Some(files), false) = (charted, args.quiet) {
        console::outln(&format!("charts: {files}"))?;
    }
    if !args.quiet {
        console::out(&report::table::render(&summary))?;
        console::outln(&format!("\nresults in {}", out.display()))?;
    }
    if summary.partial {
        console::errln(&format!(
            "interrupted: {} of {} replications finished; the summary is marked partial",
            summary.runs, summary.requested_runs
        ));
        return Ok(ExitCode::from(130));
    }
    let missed = summary.missed_targets().count();
    if args.check && missed > 0 {
        console::errln(&format!("{missed} target(s) missed"));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// `--precision`: replications until the metric's 95% interval is within
/// `relative` of its mean or `--runs` is spent, saying which on stderr.
fn run_to_precision(
    args: &RunArgs,
    sc: &Scenario,
    options: &RunOptions,
    sinks: &mut [&mut dyn OutcomeSink],
    stop: &AtomicBool,
    relative: f64,
) -> Result<Summary> {
    let metric = runner::PrecisionMetric::from_name(&args.precision_metric)
        .context("unknown --precision-metric")?;
    let (summary, reached) = runner::run_until_precise(sc, options, sinks, stop, metric, relative)?;
    if !args.quiet {
        if reached {
            console::errln(&format!(
                "{} within ±{:.1}% (95% CI) after {} replications",
                args.precision_metric,
                relative * 100.0,
                summary.runs
            ));
        } else {
            console::errln(&format!(
                "warning: {} not within ±{:.1}% after the budget of {} replications (raise --runs)",
                args.precision_metric,
                relative * 100.0,
                summary.runs
            ));
        }
    }
    Ok(summary)
}
