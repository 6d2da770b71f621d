//! Heartbeat failure detection: mean delay and its distribution.

use super::check::{
    any_fails, build, theory_err, Assumption, Check, Measured, Simulated, Spec, Status,
};
use super::estimate::{distribution, ratio_over_runs};
use super::facts::{architecture_assumption, dist_name, one_offs_dropped, without_one_offs};
use super::simulate::Ctx;
use super::AnalyzeError;
use crate::dist::Dist;
use crate::incident::{Incident, IncidentClass};
use crate::scenario::Scenario;
use crate::theory;
use crate::time::{format_seconds, SimDuration};

const DELAY_MEAN: Spec = Spec {
    name: "detection-delay-mean",
    title: "heartbeat failure detection: mean delay",
    source: "failure at a uniform phase between heartbeat ticks: D ~ Uniform((k−1)h, kh]; theory::detection_delay_mean",
    unit: "s",
};

const DELAY_DISTRIBUTION: Spec = Spec {
    name: "detection-delay-distribution",
    title: "heartbeat failure detection: delay distribution",
    source: "theory::detection_delay_cdf (uniform phase argument)",
    unit: "s",
};

/// Single-zone incidents that overlap no other incident of their replication.
fn isolated(incidents: &[Incident]) -> impl Iterator<Item = &Incident> {
    let span = |i: &Incident| (i.start_ns, i.end_ns.unwrap_or(u64::MAX));
    incidents.iter().filter(move |a| {
        a.class == IncidentClass::Zone
            && !a.scope.contains('+')
            && incidents.iter().all(|b| {
                let (a0, a1) = span(a);
                let (b0, b1) = span(b);
                a.seq == b.seq || b1 < a0 || a1 < b0
            })
    })
}

pub(super) fn detection_checks(sc: &Scenario, ctx: &mut Ctx) -> Result<Vec<Check>, AnalyzeError> {
    let n = sc.home_region().zones.len();
    let q = sc.replication.quorum;
    let h = sc.failover.heartbeat_interval.as_secs_f64();
    let k = sc.failover.missed_heartbeats;
    let any_random = sc.zone_failures.iter().any(Option::is_some);
    let mut assumptions = vec![architecture_assumption(sc)];
    assumptions.push(Assumption::check(
        "leader zones fail at random (failure instants at a uniform phase of the heartbeat ticks)",
        any_random,
        || "no zone has a random failure process: scheduled incidents start at fixed phases".into(),
    ));
    assumptions.push(Assumption::check(
        "a single leader failure leaves a quorum (zones − 1 ≥ quorum)",
        n > q,
        || format!("with {n} zones and quorum {q} a leader failure also loses the quorum: the outage lasts until a zone returns"),
    ));
    assumptions.push(Assumption::check(
        "the heartbeat interval is far above the 1 ns time resolution (≥ 1 µs)",
        sc.failover.heartbeat_interval.0 >= 1_000,
        || {
            format!(
                "heartbeat interval {} ns: with integer-nanosecond failure instants the delay is (k − 1)h plus a whole number of ns, not a continuous uniform law",
                sc.failover.heartbeat_interval.0
            )
        },
    ));
    assumptions.push(Assumption::new(
        "the RTO of an isolated leader failure is the detection delay alone",
        if sc.failover.reroute.is_always_zero() {
            Status::Holds
        } else {
            Status::InVariant(format!(
                "reroute ({}) set to 0 in the variant",
                dist_name(&sc.failover.reroute)
            ))
        },
    ));
    assumptions.push(one_offs_dropped(sc));
    assumptions.push(Assumption::new(
        "only leader failures of one zone that overlap no other incident are used",
        Status::Holds,
    ));
    let mean = theory::detection_delay_mean(h, k).map_err(theory_err("detection-delay-mean"))?;
    let formula_m = format!("E[D] = (k − ½)h; h = {}, k = {k}", format_seconds(h));
    let formula_d = format!(
        "P(D ≤ x) = clamp((x − (k−1)h)/h, 0, 1); h = {}, k = {k}",
        format_seconds(h)
    );
    if any_fails(&assumptions) {
        return Ok(vec![
            build(
                DELAY_MEAN,
                formula_m,
                assumptions.clone(),
                mean,
                Measured::not_run(),
            ),
            build(
                DELAY_DISTRIBUTION,
                formula_d,
                assumptions,
                mean,
                Measured::not_run(),
            ),
        ]);
    }
    let mut variant = without_one_offs(sc);
    variant.failover.reroute = Dist::Constant(SimDuration::ZERO);
    let rows: Vec<Vec<f64>> = ctx.simulate(&variant, |o| {
        isolated(&o.incidents)
            .filter(|i| i.recovery == "zone-failover")
            .map(|i| i.rto_ns as f64 / 1e9)
            .collect()
    });
    let pairs: Vec<(f64, f64)> = rows
        .iter()
        .map(|d| (d.iter().sum::<f64>(), d.len() as f64))
        .collect();
    let all: Vec<f64> = rows.concat();
    let simulation = format!(
        "{} replications of the variant; {} isolated leader failures (RTO = detection delay)",
        rows.len(),
        all.len()
    );
    let kf = f64::from(k);
    let dist = distribution(
        &all,
        |x| theory::detection_delay_cdf(x, h, k).unwrap_or(f64::NAN),
        |p| (kf - 1.0 + p) * h,
    );
    Ok(vec![
        build(
            DELAY_MEAN,
            formula_m,
            assumptions.clone(),
            mean,
            Measured {
                simulation: simulation.clone(),
                simulated: ratio_over_runs(&pairs).map_or(Simulated::NotRun, Simulated::Mean),
                allowance: 1e-9,
                allowance_note:
                    "failure instants are integer nanoseconds: the mean is (k − ½)h − ½ ns".into(),
            },
        ),
        build(
            DELAY_DISTRIBUTION,
            formula_d,
            assumptions,
            mean,
            Measured {
                simulation,
                simulated: Simulated::Distribution(dist),
                allowance: 0.0,
                allowance_note: "none (KS test)".into(),
            },
        ),
    ])
}
