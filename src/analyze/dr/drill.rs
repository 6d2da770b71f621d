//! Drills: the time writes stay stopped while the link drains and the environment switches.

use super::super::check::{Assumption, Measured, Simulated, Spec, Status};
use super::super::estimate::{ratio_over_runs, shifted};
use super::super::facts::fsec;
use super::super::link::{max_pending_batches, LinkFacts};
use super::super::MAX_PENDING_BATCHES;
use super::replication::DrRun;
use super::LinkAssumptions;

pub(super) const DRILL_DRAIN: Spec = Spec {
    name: "drill-drain",
    title: "drill: drain + switch time (writes stopped)",
    source: "fluid backlog / bandwidth (Kleinrock Vol. 2, fluid approximation) with writes stopped (r = 0); in-order apply: the latest of the pending batches' completions, P(max ≤ x) = Π_j F(x − send_j) for independent delays (theory::latest_completion_mean, adaptive Simpson)",
    unit: "s",
};

pub(super) fn assumptions(
    shared: &LinkAssumptions,
    drills_exist: bool,
    facts: Option<&LinkFacts>,
) -> Vec<Assumption> {
    let t = facts.map_or(f64::NAN, |l| l.t);
    vec![
        shared.has_link.clone(),
        Assumption::check(
            "drills are scheduled",
            drills_exist,
            || "no drill operations".into(),
        ),
        shared.stable.clone(),
        shared.no_link_incidents.clone(),
        Assumption::new(
            "writes served and the link running throughout 2T + the apply delay's 1 − 1e-12 quantile before the drill, so every batch that can still be pending was cut and sent regularly (others are excluded)",
            Status::Holds,
        ),
        Assumption::new(
            "apply delays independent and identically distributed across batches, applied in order; any switch law (its mean enters)",
            Status::Holds,
        ),
        Assumption::check(
            format!(
                "at most {MAX_PENDING_BATCHES} batches can be pending at a drill (the exact expectation integrates over each)"
            ),
            facts.is_none_or(|l| max_pending_batches(l) <= MAX_PENDING_BATCHES),
            || {
                format!(
                    "{:.0} batches of T = {} can be pending within the apply delay's 1 − 1e-12 quantile",
                    facts.map_or(f64::NAN, max_pending_batches),
                    fsec(t)
                )
            },
        ),
    ]
}

pub(super) fn formula(facts: Option<&LinkFacts>, switch_mean: f64) -> String {
    let (r, c) = facts.map_or((f64::NAN, f64::NAN), |l| (l.r, l.c));
    format!(
        "E[RTO] = E[max_j (send_j + a_j)] + one-way + E[switch]: batches are applied in order, so the drain ends when the last of the pending batches j is applied; send_j = when batch j is fully sent with writes stopped (r = 0): the open batch, cut on schedule, at T − φ + ρφ, the batch cut k intervals back at ρT − φ − (k − 1)T, for every batch with send_j + Q_a(1 − 1e-12) ≥ 0; a_j i.i.d. apply delays of CDF F; E[max] = m + ∫_m^∞ (1 − Π_j F(x − send_j)) dx, m = max_j send_j; φ = drill time mod T; averaged over the drills used; c = {:.4} MB/s, r = {:.4} MB/s, E[switch] = {}",
        c / 1e6,
        r / 1e6,
        fsec(switch_mean)
    )
}

/// The theory averaged over the drills used (each drill has its own phase) and the measured
/// drains, as residuals against each drill's theory shifted back onto that average.
pub(super) fn measured(rows: &[DrRun], as_is: &str) -> (f64, Measured) {
    let drills: f64 = rows.iter().map(|r| r.drills).sum();
    let drill_theory = rows.iter().map(|r| r.drill_theory).sum::<f64>() / drills;
    let drill_pairs: Vec<(f64, f64)> = rows.iter().map(|r| (r.drill_residual, r.drills)).collect();
    let m = Measured {
        simulation: format!("{as_is}; {drills:.0} drills used"),
        simulated: ratio_over_runs(&drill_pairs)
            .map(|m| shifted(m, drill_theory))
            .map_or(Simulated::NotRun, Simulated::Mean),
        allowance: 3e-9,
        allowance_note:
            "send time, apply and switch draws are rounded to integer nanoseconds: ±3 ns".into(),
    };
    (drill_theory, m)
}
