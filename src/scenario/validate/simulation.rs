//! `[simulation]`: how many replications, how long each, at which fidelity.

use super::super::model::{Fidelity, Simulation};
use super::super::raw::RawSimulation;
use super::Checker;

/// Most replications one run may ask for; beyond it the run would take days
/// and the per-run CSV would not fit on disk.
pub const MAX_RUNS: i64 = 100_000_000;

/// The horizon is returned even when it is invalid: later sections bound
/// their instants and failure counts by it, whatever else is wrong.
pub(super) fn simulation(c: &mut Checker, sim: &RawSimulation) -> Simulation {
    let runs = *sim.runs.get_ref();
    if !(1..=MAX_RUNS).contains(&runs) {
        c.error(
            Some(sim.runs.span()),
            "simulation.runs",
            format!("expected a number of replications between 1 and {MAX_RUNS}, found {runs}"),
        );
    }
    let horizon = *sim.horizon.get_ref();
    if horizon.is_zero() {
        c.error(
            Some(sim.horizon.span()),
            "simulation.horizon",
            "the horizon must be positive",
        );
    }
    let fidelity = sim.fidelity.as_ref().map_or(Some(Fidelity::Fast), |f| {
        let names: Vec<String> = Fidelity::NAMES.iter().map(|s| s.to_string()).collect();
        c.resolve(f, &names, "fidelity", "simulation.fidelity")
            .and_then(|i| Fidelity::from_name(&names[i]))
    });
    Simulation {
        seed: sim.seed,
        runs: runs as u64,
        horizon,
        fidelity: fidelity.unwrap_or_default(),
    }
}
