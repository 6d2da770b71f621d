//! Failback after a drill: the reverse resynchronisation of the writes made in the paired
//! region during the stay.

use super::super::check::{Assumption, Measured, Simulated, Spec, Status};
use super::super::estimate::{ratio_over_runs, shifted};
use super::super::link::LinkFacts;
use super::replication::DrRun;
use super::LinkAssumptions;

pub(super) const CATCH_UP: Spec = Spec {
    name: "failback-catch-up",
    title: "failback: reverse resynchronisation (fluid catch-up)",
    source: "fluid catch-up B/(c − r) (Kleinrock Vol. 2); theory::fluid_catch_up_time",
    unit: "s",
};

pub(super) fn assumptions(
    shared: &LinkAssumptions,
    drills_exist: bool,
    facts: Option<&LinkFacts>,
) -> Vec<Assumption> {
    let rho = facts.map_or(f64::NAN, |l| l.rho);
    vec![
        shared.has_link.clone(),
        Assumption::check(
            "drills are scheduled (their failback resyncs r × stay bytes)",
            drills_exist,
            || "no drill operations".into(),
        ),
        Assumption::check(
            "the link carries the writes and the backlog (r < c)",
            facts.is_none_or(|l| l.rho < 1.0),
            || format!("write load ρ = {rho:.3} ≥ 1: drsim stays failed over"),
        ),
        Assumption::new(
            "no region outage between the drill and its failback (others are excluded)",
            Status::Holds,
        ),
    ]
}

pub(super) fn formula(facts: Option<&LinkFacts>) -> String {
    let (r, c) = facts.map_or((f64::NAN, f64::NAN), |l| (l.r, l.c));
    format!(
        "t = B/(c − r), B = r·stay; c = {:.4} MB/s, r = {:.4} MB/s",
        c / 1e6,
        r / 1e6
    )
}

/// The theory averaged over the failbacks used (stays may differ) and the measured resyncs,
/// as residuals shifted back onto that average.
pub(super) fn measured(rows: &[DrRun], as_is: &str) -> (f64, Measured) {
    let catch_ups: f64 = rows.iter().map(|r| r.catch_ups).sum();
    let catch_theory = rows.iter().map(|r| r.catch_up_theory).sum::<f64>() / catch_ups;
    let catch_pairs: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.catch_up_residual, r.catch_ups))
        .collect();
    let m = Measured {
        simulation: format!(
            "{as_is}; {catch_ups:.0} drill failbacks used (resync start = failover done + stay)"
        ),
        simulated: ratio_over_runs(&catch_pairs)
            .map(|m| shifted(m, catch_theory))
            .map_or(Simulated::NotRun, Simulated::Mean),
        allowance: 2e-9,
        allowance_note:
            "the resync duration and the changed time are rounded to integer nanoseconds: ±2 ns"
                .into(),
    };
    (catch_theory, m)
}
