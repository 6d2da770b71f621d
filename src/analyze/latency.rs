//! Quorum commit latency: the mean as an order statistic of the zone round trips.

use super::check::{
    any_fails, build, theory_err, Assumption, Check, Measured, Simulated, Spec, Status,
};
use super::estimate::ratio_over_runs;
use super::facts::{architecture_assumption, without_one_offs};
use super::simulate::Ctx;
use super::AnalyzeError;
use crate::model::SAMPLES_PER_RUN;
use crate::scenario::{Scenario, ZoneRtt};
use crate::theory;

const COMMIT_LATENCY_MEAN: Spec = Spec {
    name: "commit-latency-mean",
    title: "quorum commit latency: mean (order statistic)",
    source: "David & Nagaraja, Order Statistics, ch. 2: E[X_(k)] = ∫₀^∞ P(X_(k) > x) dx; theory::order_statistic_mean",
    unit: "ms",
};

pub(super) fn rtt_cdf(rtt: &ZoneRtt, x: f64) -> f64 {
    match rtt {
        ZoneRtt::Given(d) => d.cdf_secs(x),
        ZoneRtt::Derived {
            propagation,
            overhead,
        } => overhead.cdf_secs(x - propagation.as_secs_f64()),
    }
}

pub(super) fn rtt_mean(rtt: &ZoneRtt) -> f64 {
    match rtt {
        ZoneRtt::Given(d) => d.mean_secs(),
        ZoneRtt::Derived {
            propagation,
            overhead,
        } => propagation.as_secs_f64() + overhead.mean_secs(),
    }
}

pub(super) fn commit_latency_check(sc: &Scenario, ctx: &mut Ctx) -> Result<Check, AnalyzeError> {
    let n = sc.home_region().zones.len() as u32;
    let q = sc.replication.quorum as u32;
    let rtt = &sc.replication.zone_rtt;
    let mut assumptions = vec![architecture_assumption(sc)];
    assumptions.push(Assumption::check(
        "a commit waits for followers (quorum ≥ 2)",
        q >= 2,
        || format!("quorum {q}: the leader acknowledges alone, commit latency is 0 by definition"),
    ));
    assumptions.push(Assumption::new(
        "round trips i.i.d. across followers and samples (drsim draws each one independently)",
        Status::Holds,
    ));
    let disturbed = sc.zone_failures.iter().any(Option::is_some)
        || sc.region_failures.is_some()
        || !sc.scheduled.is_empty()
        || !sc.operations.is_empty();
    assumptions.push(Assumption::new(
        "every follower is up and in sync at each sample (n − 1 round trips)",
        if disturbed {
            Status::InVariant(
                "failures, scheduled incidents and operations removed in the variant".into(),
            )
        } else {
            Status::Holds
        },
    ));
    let formula = format!(
        "E[X_(q−1:n−1)] of the zone round trip; n − 1 = {} followers, q − 1 = {}",
        n.saturating_sub(1),
        q.saturating_sub(1)
    );
    let theory_s = if q >= 2 && q <= n {
        let mut upper = 2.0 * rtt_mean(rtt).max(1e-9);
        for _ in 0..200 {
            if 1.0 - rtt_cdf(rtt, upper) <= 1e-13 {
                break;
            }
            upper *= 2.0;
        }
        theory::order_statistic_mean(n - 1, q - 1, |x| rtt_cdf(rtt, x), upper)
            .map_err(theory_err("commit-latency-mean"))?
    } else {
        f64::NAN
    };
    let theory_ms = theory_s * 1e3;
    if any_fails(&assumptions) {
        return Ok(build(
            COMMIT_LATENCY_MEAN,
            formula,
            assumptions,
            theory_ms,
            Measured::not_run(),
        ));
    }
    let mut variant = without_one_offs(sc);
    for z in variant.zone_failures.iter_mut() {
        *z = None;
    }
    variant.region_failures = None;
    variant.link_failures = None;
    variant.link_degradation = None;
    let rows = ctx.simulate(&variant, |o| {
        (
            o.commit_latencies_ns.iter().map(|&l| l as f64).sum::<f64>() / 1e6,
            o.commit_latencies_ns.len() as f64,
        )
    });
    let m = ratio_over_runs(&rows);
    let samples: f64 = rows.iter().map(|r| r.1).sum();
    Ok(build(
        COMMIT_LATENCY_MEAN,
        formula,
        assumptions,
        theory_ms,
        Measured {
            simulation: format!(
                "{} replications{}; {samples:.0} latency samples ({} per replication at uniform random instants)",
                rows.len(),
                if disturbed { " of the variant" } else { "" },
                SAMPLES_PER_RUN
            ),
            simulated: m.map_or(Simulated::NotRun, Simulated::Mean),
            allowance: 1e-6,
            allowance_note: "round trips are rounded to integer nanoseconds: ±1 ns".into(),
        },
    ))
}
