//! `drsim frontier`: parse the flags, run the library's policy frontier
//! (`drsim::frontier`) and write its folder; the logic is in the library.

use super::load::{print_warnings, scenario_error, scenario_text};
use super::progress::Progress;
use super::{check_runs, names, stop_on_ctrl_c};
use crate::cli::FrontierArgs;
use anyhow::Result;
use drsim::frontier::{self, output, FrontierError, Policies};
use drsim::report::default_dir::default_out_dir;
use drsim::report::{self, charts, folder};
use drsim::{console, runner, scenario};
use std::process::ExitCode;

/// Plans the policies (refused before any work when too large), runs them
/// into frontier.csv and its chart, and prints which policies are efficient.
pub(crate) fn frontier(args: FrontierArgs) -> Result<ExitCode> {
    let (text, file) = scenario_text(Some(&args.scenario))?;
    let loaded = scenario::parse_str(&text, &file).map_err(scenario_error)?;
    if !args.quiet {
        print_warnings(&loaded);
    }
    let policies = Policies::parse(&args.max_data_loss, &args.decision)?;
    let runs = check_runs(args.runs)?;
    let threads = runner::check_threads(args.threads)?;
    let limits = if args.allow_large {
        drsim::guard::Limits::unlimited()
    } else {
        drsim::guard::Limits::default()
    };
    let plan =
        frontier::plan(&text, &file, &policies, runs, threads, &limits).map_err(|e| match e {
            FrontierError::Scenario(e) => scenario_error(e),
            other => other.into(),
        })?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&loaded.scenario.name, "-frontier"));
    let staged = folder::stage(&out, args.force)?;
    let stop = stop_on_ctrl_c()?;
    let per_policy = runs.unwrap_or(loaded.scenario.simulation.runs);
    let total = (plan.len() as u64).saturating_mul(per_policy);
    let result = Progress::ticking(total, args.quiet, |tick| frontier::run(plan, &stop, tick))?;
    let first = &result.points[0].summary;
    output::write_csv(&result, &staged.path().join("frontier.csv"))?;
    report::provenance::write(
        staged.path(),
        &loaded.scenario,
        first.runs,
        "frontier",
        &["frontier.csv"],
    )?;
    let prov = charts::provenance(&serde_json::to_value(first)?);
    let files = match output::write_chart(&result, staged.path(), &prov) {
        Ok(files) => files,
        // Interrupted before any policy finished a replication: no chart.
        Err(drsim::plot::PlotError::EmptyInput(_)) if result.partial => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let out = staged.publish()?;
    if !args.quiet {
        console::outln(&format!(
            "{} policies × {} replications:",
            result.points.len(),
            first.runs
        ))?;
        console::out(&output::render(&result))?;
        console::outln(&format!(
            "results in {} (frontier.csv, {})",
            out.display(),
            names(&files)
        ))?;
    }
    if result.partial {
        let done: u64 = result.points.iter().map(|p| p.summary.runs).sum();
        console::errln(&format!(
            "interrupted: {done} of {total} replications finished; frontier.csv holds what finished (its runs column counts them per policy)"
        ));
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}
