//! `drsim decide`: the emergency decision as a curve; the library computes
//! and writes (`drsim::decide`), this only wires the arguments, the output
//! folder and the console.

use super::load::{load, print_warnings};
use crate::cli::DecideArgs;
use anyhow::Result;
use drsim::console;
use drsim::report::default_dir::default_out_dir;
use drsim::report::folder;
use std::process::ExitCode;

/// Prices failing over now or after each wait of the grid, writes the
/// curve's folder and prints its table.
pub(crate) fn decide(args: DecideArgs) -> Result<ExitCode> {
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
