//! The `drsim` binary: parse, validate at the edge, call the library, map
//! outcomes to exit codes (0 ok, 1 target missed under `--check` or a
//! regression under `compare`, 2 error).

mod cli;
mod frontier_cmd;

use anyhow::{bail, Context, Result};
use clap::Parser;
use cli::{Cli, Command, CompareArgs, DecideArgs, MergeArgs, RunArgs, SweepArgs, TraceArgs};
use drsim::model::Replication;
use drsim::report::default_dir::default_out_dir;
use drsim::report::{self, charts, folder};
use drsim::runner::{self, OutcomeSink, RunOptions};
use drsim::scenario::{self, Loaded, ScenarioError, MAX_RUNS};
use drsim::{compare, console, sweep};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Outcomes are allocated on the worker that simulates them and freed by
/// the one that folds them; glibc's allocator serialises such cross-thread
/// frees on its arena locks, mimalloc does not (two-core runs measured 18%
/// faster, one-core 11%). The library leaves the choice to its users.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Validate { scenario } => validate(&scenario),
        Command::Sweep(args) => run_sweep(args),
        Command::Frontier(args) => frontier_cmd::frontier(args),
        Command::Trace(args) => trace(args),
        Command::Plot { dir, metric } => plot(&dir, &metric),
        Command::Compare(args) => compare(args),
        Command::Analyze {
            scenario,
            runs,
            markdown,
            allow_large,
        } => analyze(scenario.as_deref(), runs, markdown.as_deref(), allow_large),
        Command::Merge(args) => merge(args),
        Command::Schema { failures } => console::out(&if failures {
            scenario::failures_schema_json()
        } else {
            scenario::schema_json()
        })
        .map(|()| ExitCode::SUCCESS)
        .map_err(Into::into),
        Command::Decide(args) => decide(args),
    };
    match result {
        Ok(code) => code,
        Err(e) if console::is_stdout_closed(e.as_ref()) => {
            ExitCode::from(console::EXIT_STDOUT_CLOSED)
        }
        Err(e) => {
            let text = format!("error: {e:#}");
            if e.is::<RenderedDiagnostics>() {
                console::errln(&text);
            } else {
                console::errln(&drsim::quote::shorten_quoted(&text));
            }
            ExitCode::from(2)
        }
    }
}

/// The scenario text and the name it is reported under; the file is read
/// once, bounded (a FIFO or a device is refused, never waited on).
fn scenario_text(path: Option<&Path>) -> Result<(String, String)> {
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

fn load(path: Option<&Path>) -> Result<Loaded> {
    let (text, file) = scenario_text(path)?;
    scenario::parse_str(&text, &file).map_err(scenario_error)
}

/// Scenario diagnostics as rendered by `Diagnostic`, user text already cut
/// to 80 characters in their messages: `main` prints them as they are, since
/// cutting a quoted span inside a source excerpt would move the caret.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct RenderedDiagnostics(String);

fn scenario_error(e: ScenarioError) -> anyhow::Error {
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

fn print_warnings(loaded: &Loaded) {
    for w in &loaded.warnings {
        console::err(&format!("warning: {w}"));
    }
}

fn validate(path: &Path) -> Result<ExitCode> {
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

fn check_runs(runs: Option<u64>) -> Result<Option<u64>> {
    match runs {
        Some(r) if r == 0 || r > MAX_RUNS as u64 => {
            bail!("--runs must be between 1 and {MAX_RUNS}, got {r}")
        }
        other => Ok(other),
    }
}

/// Progress on a terminal: replications done, rate and time left.
struct Progress(indicatif::ProgressBar);

impl Progress {
    fn new(total: u64, quiet: bool) -> Option<Progress> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = indicatif::ProgressBar::new(total);
        let style = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} replications · {per_sec} · {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        Some(Progress(bar))
    }

    /// Runs `work` with a tick per replication drawn on a bar of `total`
    /// (none when `quiet` or stderr is not a terminal), cleared after.
    fn ticking<T>(total: u64, quiet: bool, work: impl FnOnce(&(dyn Fn() + Sync)) -> T) -> T {
        let progress = Progress::new(total, quiet);
        let tick = || {
            if let Some(p) = &progress {
                p.0.inc(1);
            }
        };
        let result = work(&tick);
        if let Some(p) = &progress {
            p.0.finish_and_clear();
        }
        result
    }
}

impl OutcomeSink for Progress {
    fn accept(&mut self, _: &drsim::model::ReplicationOutcome, _: &str) -> std::io::Result<()> {
        self.0.inc(1);
        Ok(())
    }
}

/// The scenario of `run`: the text read once (the file or the reference
/// scenario) with the `--set` overrides applied.
fn load_with_overrides(text: &str, file: &str, sets: &[String]) -> Result<Loaded> {
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

fn run(args: RunArgs) -> Result<ExitCode> {
    if args.failures.is_some() {
        return run_side_by_side(args);
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
    if let Some(runs) = check_runs(args.runs)? {
        sc.simulation.runs = runs;
    }
    if let Some(seed) = args.seed {
        sc.simulation.seed = seed;
    }
    if let Some(f) = args.fidelity.as_deref() {
        sc.simulation.fidelity = if f == "exact" {
            drsim::scenario::Fidelity::Exact
        } else {
            drsim::scenario::Fidelity::Fast
        };
    }
    let threads = runner::check_threads(args.threads)?;
    if !args.allow_large {
        drsim::guard::check(sc, &drsim::guard::Limits::default())?;
    }
    if args.verify_determinism {
        let sample = sc.simulation.runs.min(1000);
        drsim::guard::verify_determinism(sc, sample)?;
        if !args.quiet {
            console::errln(&format!("determinism: {sample} replications identical in 3 passes (1 thread twice, 2 threads)"));
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    drsim::guard::install_ctrlc(Arc::clone(&stop)).context("cannot install the Ctrl-C handler")?;
    let options = RunOptions { threads };
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
    if let Some(spec) = args.shard {
        let source = drsim::shard::ScenarioSource {
            text: &text,
            file: &file,
        };
        return run_shard(&args, source, sc, spec, &options, &stop);
    }
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
            Some(relative) => {
                let metric = runner::PrecisionMetric::from_name(&args.precision_metric)
                    .context("unknown --precision-metric")?;
                let (summary, reached) =
                    runner::run_until_precise(sc, &options, &mut sinks, &stop, metric, relative)?;
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
                summary
            }
            None => runner::run(sc, &options, &mut sinks, &stop)?,
        }
    };
    if let Some(p) = progress {
        p.0.finish_and_clear();
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

/// `run A.toml B.toml … --failures F.toml`: the scenarios side by side on
/// the same failures (`drsim::side_by_side`).
fn run_side_by_side(args: RunArgs) -> Result<ExitCode> {
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
    let failures_path = args.failures.as_deref().unwrap_or(Path::new(""));
    let (scenario_files, left_out) =
        drsim::side_by_side::without_failure_file(&args.scenarios, failures_path);
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
    let compared = drsim::side_by_side::prepare(&texts, &failures).map_err(|e| match e {
        drsim::side_by_side::SideBySideError::Scenario(e) => scenario_error(e),
        other => other.into(),
    })?;
    let threads = runner::check_threads(args.threads)?;
    let mut total_runs = 0u64;
    for c in &compared {
        if !args.quiet {
            print_warnings(&c.loaded);
        }
        if !args.allow_large {
            drsim::guard::check(&c.loaded.scenario, &drsim::guard::Limits::default())?;
        }
        total_runs = total_runs.saturating_add(c.loaded.scenario.simulation.runs);
    }
    let stop = Arc::new(AtomicBool::new(false));
    drsim::guard::install_ctrlc(Arc::clone(&stop)).context("cannot install the Ctrl-C handler")?;
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = failures_path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy();
        default_out_dir(&format!("comparison-{stem}"), "")
    });
    let staged = folder::stage(&out, args.force)?;
    let mut progress = Progress::new(total_runs, args.quiet);
    let mut sinks: Vec<&mut dyn OutcomeSink> = Vec::new();
    if let Some(p) = progress.as_mut() {
        sinks.push(p);
    }
    let options = RunOptions { threads };
    let result = drsim::side_by_side::run_into(
        staged.path(),
        &compared,
        &failures,
        &options,
        &mut sinks,
        &stop,
    )?;
    drop(sinks);
    if let Some(p) = progress {
        p.0.finish_and_clear();
    }
    let out = staged.publish()?;
    if !args.quiet {
        console::out(&drsim::side_by_side::render(&result.rows))?;
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

fn run_shard(
    args: &RunArgs,
    source: drsim::shard::ScenarioSource,
    sc: &drsim::scenario::Scenario,
    spec: drsim::shard::ShardSpec,
    options: &RunOptions,
    stop: &AtomicBool,
) -> Result<ExitCode> {
    let out = args.out.clone().unwrap_or_else(|| {
        default_out_dir(
            &sc.name,
            &format!("-shard-{}-of-{}", spec.index, spec.count),
        )
    });
    let staged = folder::stage(&out, args.force)?;
    let range = spec.range(sc.simulation.runs);
    let mut progress = Progress::new(range.end - range.start, args.quiet);
    let mut sinks: Vec<&mut dyn OutcomeSink> = Vec::new();
    if let Some(p) = progress.as_mut() {
        sinks.push(p);
    }
    let r = drsim::shard::run_shard(source, sc, spec, options, staged.path(), &mut sinks, stop)?;
    drop(sinks);
    let out = staged.publish()?;
    if let Some(p) = progress {
        p.0.finish_and_clear();
    }
    if !args.quiet {
        console::outln(&format!(
            "shard {spec}: replications [{}, {}) of {} → {}",
            r.range.start,
            r.range.end,
            sc.simulation.runs,
            out.display()
        ))?;
    }
    if r.completed < r.range.end - r.range.start {
        console::errln(&format!(
            "interrupted: {} of the shard's {} replications finished; run the shard again before merging",
            r.completed,
            r.range.end - r.range.start
        ));
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}

fn merge(args: MergeArgs) -> Result<ExitCode> {
    let merged = drsim::shard::merge(&args.dirs)?;
    let out = args
        .out
        .unwrap_or_else(|| default_out_dir(&merged.scenario.name, ""));
    let staged = folder::stage_apart_from(&out, args.force, &args.dirs)?;
    merged.write(staged.path())?;
    report::html::write(staged.path(), &merged.summary, &merged.scenario)?;
    report::provenance::write(
        staged.path(),
        &merged.scenario,
        merged.summary.runs,
        "merge",
        &["summary.json", "incidents.csv", "runs.csv", "report.html"],
    )?;
    let out = staged.publish()?;
    if !args.quiet {
        console::out(&report::table::render(&merged.summary))?;
        console::outln(&format!(
            "\nmerged {} shards into {}",
            merged.shards.len(),
            out.display()
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn names(files: &[PathBuf]) -> String {
    files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn run_sweep(args: SweepArgs) -> Result<ExitCode> {
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
        drsim::guard::Limits::unlimited()
    } else {
        drsim::guard::Limits::default()
    };
    let plan = sweep::plan_sweep(&text, &file, &spec, runs, threads, &limits)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&loaded.scenario.name, "-sweep"));
    let staged = folder::stage(&out, args.force)?;
    let stop = Arc::new(AtomicBool::new(false));
    drsim::guard::install_ctrlc(Arc::clone(&stop)).context("cannot install the Ctrl-C handler")?;
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
        console::outln(&format!(
            "{} points × {} replications; metric {}:",
            result.points.len(),
            result.points[0].summary.runs,
            spec.metric
        ))?;
        for s in result.select(&selector) {
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

fn trace(args: TraceArgs) -> Result<ExitCode> {
    let mut loaded = load(args.scenario.as_deref())?;
    let sc = &mut loaded.scenario;
    if let Some(seed) = args.seed {
        sc.simulation.seed = seed;
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&sc.name, &format!("-trace-{}", args.run)));
    if !args.allow_large {
        drsim::guard::check_trace(sc, &drsim::guard::Limits::default())?;
    }
    let staged = folder::stage(&out, args.force)?;
    let dir = staged.path();
    let (outcome, trace) = Replication::new(sc, args.run).traced().run_traced();
    report::trace::write_csv(&dir.join("trace.csv"), &trace)?;
    let mut incidents = report::csv::CsvSink::create(dir)?;
    runner::feed(&mut incidents, &outcome)?;
    incidents.commit()?;
    let provenance = serde_json::json!({
        "drsim_version": env!("CARGO_PKG_VERSION"), "scenario": sc.name, "scenario_hash": sc.source_hash,
        "seed": sc.simulation.seed, "run": args.run,
    });
    report::trace::write_chrome_json(
        &dir.join("trace.json"),
        &trace,
        &outcome.incidents,
        outcome.horizon_ns,
        provenance,
    )?;
    let mut drawn = String::new();
    if args.plot {
        drawn = trace_chart(dir, sc, &trace, &outcome, args.incident)?;
    }
    let out = staged.publish()?;
    console::outln(&format!(
        "replication {}: {} events, {} incidents, availability {:.6}%\nwrote trace.csv, trace.json (Perfetto / chrome://tracing), incidents.csv, runs.csv{drawn} in {}",
        args.run,
        trace.len(),
        outcome.incidents.len(),
        outcome.availability() * 100.0,
        out.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// The story chart of `drsim trace --plot`; returns ", <files>" for the
/// summary line, or a note that there was nothing to draw.
fn trace_chart(
    out: &Path,
    sc: &drsim::scenario::Scenario,
    trace: &[drsim::model::TraceEvent],
    outcome: &drsim::model::ReplicationOutcome,
    incident: Option<u32>,
) -> Result<String> {
    let actors = drsim::plot::Actors {
        region: sc.home_region().name.clone(),
        zones: sc.home_region().zones.clone(),
        paired: sc
            .cross_region
            .as_ref()
            .map(|c| sc.regions[c.paired_region].name.clone()),
    };
    let prov = drsim::plot::Provenance {
        scenario: sc.name.clone(),
        scenario_hash: sc.source_hash.clone(),
        seed: sc.simulation.seed,
        runs: 1,
        drsim_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let files = charts::incident_chart(
        out,
        trace,
        &outcome.incidents,
        (&actors, outcome.horizon_ns),
        incident,
        &prov,
    )?;
    Ok(match files {
        Some(files) => format!(", {}", names(&files)),
        None => " (no zone or region incident to draw; pick one with --incident)".to_string(),
    })
}

fn plot(dir: &Path, metric: &str) -> Result<ExitCode> {
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

fn compare(args: CompareArgs) -> Result<ExitCode> {
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

fn analyze(
    path: Option<&Path>,
    runs: Option<u64>,
    markdown: Option<&Path>,
    allow_large: bool,
) -> Result<ExitCode> {
    let loaded = load(path)?;
    let runs = check_runs(runs)?;
    if !allow_large {
        let runs = runs.unwrap_or(loaded.scenario.simulation.runs);
        drsim::guard::check_analyze(&loaded.scenario, runs, &drsim::guard::Limits::default())?;
    }
    let stop = AtomicBool::new(false);
    let analysis = drsim::analyze::analyze(&loaded.scenario, runs, &stop)?;
    console::out(&analysis.render_table())?;
    if let Some(md) = markdown {
        report::atomic::write_atomic(md, analysis.render_markdown().as_bytes())?;
    }
    let disagree = analysis.checks.iter().any(|c| c.verdict.is_failure());
    Ok(if disagree {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `drsim decide`: the library computes and writes; this only wires the
/// arguments, the output folder and the console.
fn decide(args: DecideArgs) -> Result<ExitCode> {
    let loaded = load(Some(&args.scenario))?;
    let sc = &loaded.scenario;
    let request = drsim::decide::Request::parse(
        &args.elapsed,
        args.loss_shown.as_deref(),
        args.grid.as_deref(),
    )?;
    let curve = drsim::decide::decide(sc, &request)?;
    let out = args
        .out
        .unwrap_or_else(|| default_out_dir(&sc.name, "-decide"));
    let staged = folder::stage(&out, args.force)?;
    drsim::decide::write_outputs(staged.path(), &curve, sc)?;
    let out = staged.publish()?;
    if !args.quiet {
        print_warnings(&loaded);
        console::out(&drsim::decide::render_table(&curve, sc))?;
        console::outln(&format!("results in {}", out.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
