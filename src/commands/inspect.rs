//! The commands that check or read rather than produce a results folder:
//! `validate`, `schema`, `plot` (of an existing folder), `compare` and
//! `analyze`.

use super::load::{load, print_warnings};
use super::{check_runs, names};
use crate::cli::{AnalyzeArgs, CompareArgs};
use anyhow::{bail, Result};
use drsim::report::{atomic, charts};
use drsim::{compare, console, guard, runner, scenario};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

/// `drsim validate`: the scenario's errors (exit 2) or warnings and a one
/// line description of what it would run.
pub(crate) fn validate(path: &Path) -> Result<ExitCode> {
    let loaded = load(Some(path))?;
    print_warnings(&loaded);
    let sc = &loaded.scenario;
    console::outln(&format!(
        "{}: ok — scenario {}, {} runs × {}, {}",
        path.display(),
        drsim::quote::quoted(&sc.name),
        sc.simulation.runs,
        sc.simulation.horizon,
        runner::describe_architecture(sc)
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// `drsim schema`: the JSON Schema of scenario files, or with `--failures`
/// of failure descriptions.
pub(crate) fn schema(failures: bool) -> Result<ExitCode> {
    console::out(&if failures {
        scenario::failures_schema_json()
    } else {
        scenario::schema_json()
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `drsim plot`: the charts of a `run` folder; a sweep folder is refused,
/// since `drsim sweep` draws its chart.
pub(crate) fn plot(dir: &Path, metric: &str) -> Result<ExitCode> {
    if !dir.join("summary.json").exists() && dir.join("sweep.csv").exists() {
        bail!(
            "{}: a sweep folder; its chart is drawn by `drsim sweep` (metric {metric})",
            dir.display()
        );
    }
    let files = charts::plot_folder(dir)?;
    console::outln(&names(&files))?;
    Ok(ExitCode::SUCCESS)
}

/// `drsim compare`: exit 1 when a metric moved beyond its tolerance.
pub(crate) fn compare(args: CompareArgs) -> Result<ExitCode> {
    let rules = args
        .tolerances
        .iter()
        .map(|r| compare::parse_tolerance_rule(r))
        .collect::<Result<Vec<_>, _>>()?;
    let options = compare::CompareOptions {
        rules,
        allow_different: args.allow_different,
    };
    let result = compare::compare_files(&args.baseline, &args.current, &options)?;
    console::out(&result.render(args.all))?;
    Ok(if result.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `drsim analyze`: theory beside simulation; exit 1 when a check disagrees.
pub(crate) fn analyze(args: AnalyzeArgs) -> Result<ExitCode> {
    let loaded = load(args.scenario.as_deref())?;
    let runs = check_runs(args.runs)?;
    if !args.allow_large {
        let runs = runs.unwrap_or(loaded.scenario.simulation.runs);
        guard::check_analyze(&loaded.scenario, runs, &guard::Limits::default())?;
    }
    let stop = AtomicBool::new(false);
    let analysis = drsim::analyze::analyze(&loaded.scenario, runs, &stop)?;
    console::out(&analysis.render_table())?;
    if let Some(md) = &args.markdown {
        atomic::write_atomic(md, analysis.render_markdown().as_bytes())?;
    }
    let disagree = analysis.checks.iter().any(|c| c.verdict.is_failure());
    Ok(if disagree {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
