//! `drsim trace`: one replication replayed alone, its every event written
//! (trace.csv, a Chrome trace JSON) and, with `--plot`, one incident drawn
//! as a story.

use super::load::load;
use super::names;
use crate::cli::TraceArgs;
use anyhow::Result;
use drsim::model::{Replication, ReplicationOutcome, TraceEvent};
use drsim::report::default_dir::default_out_dir;
use drsim::report::{self, charts, folder};
use drsim::scenario::Scenario;
use drsim::{console, guard, runner};
use std::path::Path;
use std::process::ExitCode;

/// Replays replication `--run` (checked against the guard's limits first)
/// into the output folder and prints its event and incident counts.
pub(crate) fn trace(args: TraceArgs) -> Result<ExitCode> {
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
        guard::check_trace(sc, &guard::Limits::default())?;
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
    sc: &Scenario,
    trace: &[TraceEvent],
    outcome: &ReplicationOutcome,
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
