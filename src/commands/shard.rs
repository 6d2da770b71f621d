//! `drsim run --shard I/N` and `drsim merge`: a slice of the replications
//! per machine, then the single-machine result rebuilt from the slices
//! (`drsim::shard` computes, checks and writes).

use super::progress::{sinks_of, Progress};
use crate::cli::{MergeArgs, RunArgs};
use anyhow::Result;
use drsim::console;
use drsim::report::default_dir::default_out_dir;
use drsim::report::{self, folder};
use drsim::runner::RunOptions;
use drsim::scenario::Scenario;
use drsim::shard::{ScenarioSource, ShardSpec};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

/// Shard `spec` of the scenario's replications into its own folder; exit
/// 130 when interrupted, since an incomplete shard must not be merged.
pub(super) fn run_shard(
    args: &RunArgs,
    source: ScenarioSource,
    sc: &Scenario,
    spec: ShardSpec,
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
    let mut sinks = sinks_of(&mut progress);
    let r = drsim::shard::run_shard(source, sc, spec, options, staged.path(), &mut sinks, stop)?;
    drop(sinks);
    let out = staged.publish()?;
    if let Some(p) = progress {
        p.clear();
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

/// `drsim merge`: the shard folders into one results folder (never one of
/// the shards' own), as a single machine would have written it.
pub(crate) fn merge(args: MergeArgs) -> Result<ExitCode> {
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
