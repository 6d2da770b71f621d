//! The link in steady state: the mean replication lag, and why Pollaczek–Khinchine does not
//! apply to drsim's link.

use super::super::check::{Assumption, Measured, Simulated, Spec, Status};
use super::super::estimate::ratio_over_runs;
use super::super::facts::fsec;
use super::super::link::LinkFacts;
use super::replication::DrRun;
use super::LinkAssumptions;
use crate::incident::IncidentClass;
use crate::model::SAMPLES_PER_RUN;
use crate::scenario::Scenario;
use crate::theory;
use crate::time::format_seconds;

pub(super) const PK_WAIT: Spec = Spec {
    name: "link-pk-wait",
    title: "link: mean queueing delay of a batch (Pollaczek–Khinchine)",
    source: "Kleinrock, Queueing Systems Vol. 1 (M/G/1); theory::pk_mean_wait",
    unit: "s",
};

pub(super) const LAG_MEAN: Spec = Spec {
    name: "link-lag-mean",
    title: "link: mean replication lag (D/D/1 fluid, no queueing)",
    source: "fluid queue with periodic cuts (Kleinrock, Queueing Systems Vol. 2, fluid approximation): zero wait when ρ < 1, lag = age of the newest durable cut",
    unit: "s",
};

pub(super) const PK_FORMULA: &str =
    "W_q = λE[S²]/(2(1 − ρ)) with λ = 1/T, S = ρT (what P-K would say for Poisson batch arrivals)";

/// Whether the scenario has region outages, random or scheduled: the lag is then measured on
/// the variant without them.
pub(super) fn has_region_outages(sc: &Scenario) -> bool {
    sc.region_failures.is_some()
        || sc.paired_region_failures.is_some()
        || sc.scheduled.iter().any(|i| is_region_outage(i.class))
}

/// Outages of the home region or of its paired region (which stops shipping).
fn is_region_outage(class: IncidentClass) -> bool {
    matches!(class, IncidentClass::Region | IncidentClass::PairedRegion)
}

/// The lag variant: no region outages (random or scheduled, home or paired).
pub(super) fn lag_variant(sc: &Scenario) -> Scenario {
    let mut v = sc.clone();
    v.region_failures = None;
    v.paired_region_failures = None;
    v.scheduled.retain(|i| !is_region_outage(i.class));
    v
}

pub(super) fn lag_assumptions(shared: &LinkAssumptions, has_regions: bool) -> Vec<Assumption> {
    vec![
        shared.has_link.clone(),
        shared.from_start.clone(),
        shared.apply_constant.clone(),
        shared.stable.clone(),
        shared.no_link_incidents.clone(),
        Assumption::new(
            "steady link: restarts (after a failback) and zone interruptions perturb the lag for a bounded time",
            Status::Approximate(
                "each perturbs the lag by at most 2(d + T) for its length + 2(d + T): bound in the allowance"
                    .into(),
            ),
        ),
        Assumption::new(
            "lag sampled at uniform random instants while DR protects the primary",
            Status::Holds,
        ),
        Assumption::new(
            "the primary region is up: the lag is the age of the newest durable cut",
            if has_regions {
                Status::InVariant(
                    "region outages removed in the variant: until the operator decides, an outage leaves DR 'protected' with the lag growing as the data loss shown".into(),
                )
            } else {
                Status::Holds
            },
        ),
    ]
}

/// P-K is never applicable to drsim's link: the assumptions say why and what is compared
/// instead.
pub(super) fn pk_assumptions(facts: Option<&LinkFacts>) -> Vec<Assumption> {
    let mut pk_a = vec![Assumption::check(
        "a cross-region link",
        facts.is_some(),
        || "no cross-region link".into(),
    )];
    if let Some(l) = facts {
        pk_a.push(Assumption::new(
            "Poisson arrivals of batches (M/G/1)",
            Status::Fails(format!(
                "batches are cut every T = {} (deterministic arrivals: D/G/1, not M/G/1)",
                format_seconds(l.t)
            )),
        ));
        pk_a.push(Assumption::new(
            "random service times",
            Status::Fails(format!(
                "drsim's log is a fluid: a batch's service time is exactly ρT = {}, so the link is D/D/1 and a batch never waits while ρ < 1 — compared instead: link-lag-mean",
                format_seconds(l.rho * l.t)
            )),
        ));
    }
    pk_a
}

pub(super) fn pk_theory(facts: Option<&LinkFacts>) -> f64 {
    facts.map_or(f64::NAN, |l| {
        theory::pk_mean_wait(1.0 / l.t, l.rho * l.t, (l.rho * l.t).powi(2)).unwrap_or(f64::NAN)
    })
}

pub(super) fn lag_formula(t: f64, d: f64) -> String {
    format!(
        "E[lag] = d + T/2 (wait 0); d = {}, T = {}",
        fsec(d),
        fsec(t)
    )
}

/// The mean lag over the samples taken while DR protected the primary; the allowance bounds
/// the disturbances (link restarts, zone interruptions) over the protected time.
pub(super) fn lag_measured(
    lag_rows: &[DrRun],
    l: &LinkFacts,
    sc: &Scenario,
    has_regions: bool,
) -> Measured {
    let lag_runs = lag_rows.len();
    let lag_pairs: Vec<(f64, f64)> = lag_rows.iter().map(|r| (r.lag_sum, r.lag_count)).collect();
    let lag_samples: f64 = lag_rows.iter().map(|r| r.lag_count).sum();
    let protected_fraction = lag_samples / (SAMPLES_PER_RUN as f64 * lag_runs.max(1) as f64);
    let disturbance = lag_rows.iter().map(|r| r.disturbance).sum::<f64>() / lag_runs.max(1) as f64;
    let horizon = sc.simulation.horizon.as_secs_f64();
    let lag_allow = if protected_fraction > 0.0 {
        2.0 * (l.d + l.t) * disturbance / (protected_fraction * horizon)
    } else {
        f64::INFINITY
    };
    Measured {
        simulation: format!(
            "{lag_runs} replications of the {}; {lag_samples:.0} lag samples ({SAMPLES_PER_RUN} uniform instants per replication, kept while DR protected the primary)",
            if has_regions { "variant" } else { "scenario as is" }
        ),
        simulated: ratio_over_runs(&lag_pairs).map_or(Simulated::NotRun, Simulated::Mean),
        allowance: lag_allow,
        allowance_note: format!(
            "link restarts and zone interruptions: 2(d + T) × Σ(length + 2(d + T)) / protected time = {lag_allow:.3e} s"
        ),
    }
}
