//! The `drsim` binary: parse, validate at the edge, call the library, map
//! outcomes to exit codes (0 ok, 1 target missed under `--check`, 2 error).

mod cli;

use anyhow::{bail, Context, Result};
use clap::Parser;
use cli::{Cli, Command, RunArgs};
use drsim::report;
use drsim::runner::{self, OutcomeSink, RunOptions};
use drsim::scenario::{self, Loaded, ScenarioError, MAX_RUNS};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Validate { scenario } => validate(&scenario),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn load(path: Option<&Path>) -> Result<Loaded> {
    let loaded = match path {
        Some(p) => scenario::load_file(p),
        None => scenario::parse_str(
            scenario::REFERENCE_SCENARIO,
            scenario::REFERENCE_SCENARIO_FILE,
        ),
    };
    loaded.map_err(|e| match e {
        ScenarioError::Invalid(_) => {
            anyhow::anyhow!("{e}\nthe scenario has errors; nothing was run")
        }
        other => anyhow::Error::new(other),
    })
}

fn print_warnings(loaded: &Loaded) {
    for w in &loaded.warnings {
        eprint!("warning: {w}");
    }
}

fn validate(path: &Path) -> Result<ExitCode> {
    let loaded = load(Some(path))?;
    print_warnings(&loaded);
    let sc = &loaded.scenario;
    println!(
        "{}: ok — scenario `{}`, {} runs × {}, {}",
        path.display(),
        sc.name,
        sc.simulation.runs,
        sc.simulation.horizon,
        runner::describe_architecture(sc)
    );
    Ok(ExitCode::SUCCESS)
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let mut loaded = load(args.scenario.as_deref())?;
    if !args.quiet {
        print_warnings(&loaded);
    }
    let sc = &mut loaded.scenario;
    if let Some(runs) = args.runs {
        if runs == 0 || runs > MAX_RUNS as u64 {
            bail!("--runs must be between 1 and {MAX_RUNS}, got {runs}");
        }
        sc.simulation.runs = runs;
    }
    if let Some(seed) = args.seed {
        sc.simulation.seed = seed;
    }
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&sc.name));
    prepare_out_dir(&out, args.force)?;

    let mut csv = report::csv::CsvSink::create(&out)
        .with_context(|| format!("cannot write results into {}", out.display()))?;
    let stop = AtomicBool::new(false);
    let options = RunOptions {
        threads: args.threads,
    };
    let summary = runner::run(sc, &options, &mut [&mut csv as &mut dyn OutcomeSink], &stop)?;
    csv.commit()?;
    report::write_summary_json(&out, &summary)?;
    if !args.quiet {
        print!("{}", report::table::render(&summary));
        println!("\nresults in {}", out.display());
    }
    let missed = summary.missed_targets().count();
    if args.check && missed > 0 {
        eprintln!("{missed} target(s) missed");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Creates the output folder; refuses to replace earlier results unless forced.
fn prepare_out_dir(out: &Path, force: bool) -> Result<()> {
    if out.join("summary.json").exists() && !force {
        bail!(
            "{} already holds results (summary.json); pass --force to replace them or choose another --out",
            out.display()
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))
}
