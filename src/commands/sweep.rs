//! `drsim sweep`: one or two scenario parameters over a grid of points
//! (`drsim::sweep` plans, runs and writes sweep.csv; this wires the flags,
//! the folder, the chart and the console).

use super::load::{scenario_error, scenario_text};
use super::progress::Progress;
use super::{check_runs, names, stop_on_ctrl_c};
use crate::cli::SweepArgs;
use anyhow::Result;
use drsim::report::default_dir::default_out_dir;
use drsim::report::{self, charts, folder};
use drsim::sweep::{self, MetricSelector, SweepResult};
use drsim::{console, guard, runner, scenario};
use std::process::ExitCode;

/// Plans the grid (refused before any work when too large), runs it into
/// sweep.csv and its chart, and prints the metric per point.
pub(crate) fn sweep(args: SweepArgs) -> Result<ExitCode> {
    let (text, file) = scenario_text(Some(&args.scenario))?;
    // Validate the text just read rather than reading the file a second time.
    let loaded = scenario::parse_str(&text, &file).map_err(scenario_error)?;
    let sets = args
        .sets
        .iter()
        .map(|s| sweep::parse_set(s))
        .collect::<Result<Vec<_>, _>>()?;
    let spec = sweep::resolve_spec(&text, &sets, args.metric.as_deref())?;
    let runs = check_runs(args.runs)?;
    let threads = runner::check_threads(args.threads)?;
    let limits = if args.allow_large {
        guard::Limits::unlimited()
    } else {
        guard::Limits::default()
    };
    let plan = sweep::plan_sweep(&text, &file, &spec, runs, threads, &limits)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&loaded.scenario.name, "-sweep"));
    let staged = folder::stage(&out, args.force)?;
    let stop = stop_on_ctrl_c()?;
    let points = plan.len() as u64;
    let per_point = runs.unwrap_or(loaded.scenario.simulation.runs);
    let result = Progress::ticking(points.saturating_mul(per_point), args.quiet, |tick| {
        sweep::run_plan(plan, &stop, tick)
    })?;
    let mut seen = std::collections::BTreeSet::new();
    for w in result.points.iter().flat_map(|p| &p.warnings) {
        if seen.insert(w.to_string()) && !args.quiet {
            console::err(&format!("warning: {w}"));
        }
    }
    let csv_path = staged.path().join("sweep.csv");
    sweep::write_csv(&result, &csv_path)?;
    report::provenance::write(
        staged.path(),
        &loaded.scenario,
        result.points[0].summary.runs,
        "sweep",
        &["sweep.csv"],
    )?;
    let prov = charts::provenance(&serde_json::to_value(&result.points[0].summary)?);
    let selector = sweep::parse_metric(&spec.metric)?;
    let files = charts::sweep_chart_from_csv(&csv_path, staged.path(), &selector.metric, &prov)?;
    let out = staged.publish()?;
    if !args.quiet {
        print_points(&result, &selector, &spec.metric)?;
        console::outln(&format!("results in {} ({})", out.display(), names(&files)))?;
    }
    if result.partial {
        let done: u64 = result.points.iter().map(|p| p.summary.runs).sum();
        console::errln(&format!(
            "interrupted: {done} of {} replications finished; sweep.csv holds what finished (its runs column counts them per point)",
            points.saturating_mul(per_point)
        ));
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}

/// The swept metric at every point, with its 95% interval where it has one.
fn print_points(result: &SweepResult, selector: &MetricSelector, metric: &str) -> Result<()> {
    console::outln(&format!(
        "{} points × {} replications; metric {}:",
        result.points.len(),
        result.points[0].summary.runs,
        metric
    ))?;
    for s in result.select(selector) {
        let values: Vec<String> = s.values.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let ci = s
            .ci95
            .map(|(lo, hi)| format!(" (95% CI {lo:.6} – {hi:.6})"))
            .unwrap_or_default();
        console::outln(&format!(
            "  {:<50} {}{}",
            values.join(" "),
            s.value.map_or("-".into(), |v| format!("{v:.6}")),
            ci
        ))?;
    }
    Ok(())
}
