//! Emergency failover after a region outage: the loss window (last sync → writes stopped) and
//! the writes lost in it.

use super::super::check::{Assumption, Measured, Simulated, Spec, Status};
use super::super::estimate::{distribution, ratio_over_runs};
use super::super::facts::{fsec, secs};
use super::super::link::LinkFacts;
use super::replication::DrRun;
use super::LinkAssumptions;
use crate::scenario::{Durability, Scenario};
use crate::theory;

pub(super) const LOST_WRITES: Spec = Spec {
    name: "emergency-lost-writes",
    title: "emergency failover: mean lost writes",
    source: "Poisson writes over the loss window (Ross, Stochastic Processes: M/G/∞ / Poisson process); theory::poisson_lost_writes_mean, theory::batch_loss_window_mean",
    unit: "writes",
};

pub(super) const LOSS_WINDOW: Spec = Spec {
    name: "emergency-loss-window",
    title: "emergency failover: loss window distribution (periodic batches)",
    source: "uniform phase of a random failure in the batch cycle: W ~ Uniform[d, d + T]; theory::batch_loss_window_cdf",
    unit: "s",
};

/// The assumptions of the loss window and, with the failover policy's, of the lost writes.
pub(super) fn assumptions(
    sc: &Scenario,
    shared: &LinkAssumptions,
    t: f64,
    d: f64,
) -> (Vec<Assumption>, Vec<Assumption>) {
    let dr = sc.dr.as_ref();
    let random_regions = Assumption::check(
        "random region outages: failure instants at a uniform phase of the batch schedule",
        sc.region_failures.is_some(),
        || "no random region outages (scheduled ones start at fixed phases)".into(),
    );
    let continuous = Assumption::new(
        "writes served and the link running throughout d + 2T before the failure (others are excluded)",
        Status::Holds,
    );
    let mut window_a = vec![
        shared.has_link.clone(),
        shared.from_start.clone(),
        random_regions,
        shared.apply_constant.clone(),
        shared.stable.clone(),
        shared.no_link_incidents.clone(),
        continuous,
    ];
    let mut lost_a = window_a.clone();
    let policy_ok = dr
        .and_then(|d| d.max_data_loss)
        .is_none_or(|m| m.as_secs_f64() >= d + t || d.is_nan());
    lost_a.push(Assumption::check(
        "the failover policy does not select on the window (max_data_loss ≥ d + T)",
        policy_ok,
        || {
            format!(
                "policy max_data_loss = {} < d + T = {}: failovers keep only the shorter windows",
                dr.and_then(|d| d.max_data_loss).map_or("none".into(), secs),
                fsec(d + t)
            )
        },
    ));
    lost_a.push(Assumption::check(
        "failovers succeed (VNet paired or no VNet)",
        dr.is_none_or(|d| !d.vnet_unpaired),
        || "the VNet has no pair: every failover fails".into(),
    ));
    lost_a.push(Assumption::new(
        "writes Poisson in served time (drsim's write model): N | W ~ Poisson(λW)",
        Status::Holds,
    ));
    window_a.push(Assumption::new(
        "last sync = cut time of the newest durable batch; a batch is durable ρT + one-way + sync after its cut (sync = 0 on arrival, the apply delay on apply)",
        Status::Holds,
    ));
    (window_a, lost_a)
}

/// How the durability point enters `d`, for the formulas.
fn sync_term(facts: Option<&LinkFacts>) -> String {
    match facts.map(|l| l.durable_at) {
        Some(Durability::Arrival) => {
            "sync = 0 (durable_at = arrival: a batch counts once it has arrived)".into()
        }
        Some(Durability::Apply) => format!(
            "sync = apply = {} (durable_at = apply)",
            fsec(facts.map_or(f64::NAN, |l| l.apply_mean))
        ),
        None => "sync = —".into(),
    }
}

pub(super) fn lost_writes_formula(facts: Option<&LinkFacts>) -> String {
    let (lambda, t, rho, one_way) = facts.map_or((f64::NAN, f64::NAN, f64::NAN, f64::NAN), |l| {
        (l.write_rate, l.t, l.rho, l.one_way)
    });
    format!(
        "E[N] = λ·E[W] = λ(d + T/2), d = ρT + one-way + sync; λ = {lambda}/s, T = {}, ρ = {rho:.4}, one-way = {}, {}",
        fsec(t),
        fsec(one_way),
        sync_term(facts)
    )
}

pub(super) fn loss_window_formula(facts: Option<&LinkFacts>, t: f64, d: f64) -> String {
    format!(
        "P(W ≤ w) = clamp((w − d)/T, 0, 1); d = ρT + one-way + sync = {}, T = {}, {}",
        fsec(d),
        fsec(t),
        sync_term(facts)
    )
}

/// Lost writes per emergency failover, a ratio estimator over replications.
pub(super) fn lost_writes_measured(rows: &[DrRun], as_is: &str) -> Measured {
    let lost_pairs: Vec<(f64, f64)> = rows.iter().map(|r| (r.lost, r.failovers)).collect();
    let failovers: f64 = rows.iter().map(|r| r.failovers).sum();
    Measured {
        simulation: format!("{as_is}; {failovers:.0} emergency failovers used"),
        simulated: ratio_over_runs(&lost_pairs).map_or(Simulated::NotRun, Simulated::Mean),
        allowance: 0.0,
        allowance_note: "none: the window law is exact in the fluid link and the count is Poisson given the window".into(),
    }
}

/// Every qualifying window of every replication, against the uniform law.
pub(super) fn loss_window_measured(rows: &[DrRun], as_is: &str, l: &LinkFacts) -> Measured {
    let windows: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.windows.iter().copied())
        .collect();
    Measured {
        simulation: format!(
            "{as_is}; {} region outages striking while DR protected and writes flowed",
            windows.len()
        ),
        simulated: Simulated::Distribution(distribution(
            &windows,
            |w| theory::batch_loss_window_cdf(w, l.t, l.d).unwrap_or(f64::NAN),
            |p| l.d + p * l.t,
        )),
        allowance: 0.0,
        allowance_note: "none (KS test)".into(),
    }
}
