//! The synchronous quorum over regions (`replication.scope = "regions"`): the mean commit
//! latency as the order statistic of the leader's round trips to voters at different distances.

use super::check::{any_fails, build, theory_err, Assumption, Check, Measured, Simulated, Spec};
use super::estimate::ratio_over_runs;
use super::facts::without_one_offs;
use super::latency::{rtt_cdf, rtt_mean};
use super::simulate::Ctx;
use super::AnalyzeError;
use crate::model::SAMPLES_PER_RUN;
use crate::scenario::{RegionQuorum, Scenario};
use crate::theory;

const COMMIT_LATENCY: Spec = Spec {
    name: "region-quorum-commit-latency-mean",
    title: "quorum over regions: commit latency mean (order statistic of unequal round trips)",
    source: "David & Nagaraja, Order Statistics, §5.2: P(X_(k) > x) is the lower tail of a Poisson-binomial law with p_i = F_i(x); E[X_(k)] = ∫₀^∞ P(X_(k) > x) dx; theory::order_statistic_mean_mixed",
    unit: "ms",
};

/// One round trip of the leader, as a CDF in seconds, with its mean.
struct RoundTrip<'a> {
    cdf: Box<dyn Fn(f64) -> f64 + 'a>,
    mean_s: f64,
}

/// The leader's round trips to every other voter when all are up.
fn round_trips(q: &RegionQuorum, leader: usize) -> Vec<RoundTrip<'_>> {
    let l = &q.voters[leader];
    (0..q.voters.len())
        .filter(|&v| v != leader)
        .map(|v| {
            let to = q.voters[v].region;
            if to == l.region {
                RoundTrip {
                    cdf: Box::new(move |x| rtt_cdf(&l.zone_rtt, x)),
                    mean_s: rtt_mean(&l.zone_rtt),
                }
            } else {
                let p = l.propagation[&to].as_secs_f64();
                let overhead = &q.region_rtt_overhead;
                RoundTrip {
                    cdf: Box::new(move |x| overhead.cdf_secs(x - p)),
                    mean_s: p + overhead.mean_secs(),
                }
            }
        })
        .collect()
}

/// The check; not applicable without a quorum over regions.
pub(super) fn region_quorum_checks(
    sc: &Scenario,
    ctx: &mut Ctx,
) -> Result<Vec<Check>, AnalyzeError> {
    let Some(q) = sc.region_quorum.as_ref() else {
        let scope = Assumption::check(
            "a synchronous quorum over regions (replication.scope = \"regions\")",
            false,
            || "the quorum is over zones: see commit-latency-mean".into(),
        );
        return Ok(vec![build(
            COMMIT_LATENCY,
            "E[X_(q−1)] of the leader's round trips to the other voters".into(),
            vec![scope],
            f64::NAN,
            Measured::not_run(),
        )]);
    };
    let home = sc.environment.region;
    let leader = (0..q.voters.len())
        .find(|&v| q.voters[v].region == home && !q.voters[v].witness)
        .expect("validation: the home region has a non-witness voter");
    let k = q.quorum.saturating_sub(1) as u32;
    let mut assumptions = vec![Assumption::check(
        "a commit waits for other voters (quorum ≥ 2)",
        k >= 1,
        || {
            format!(
                "quorum {}: the leader acknowledges alone, commit latency is 0",
                q.quorum
            )
        },
    )];
    assumptions.push(Assumption::new(
        "round trips independent across voters and samples (drsim draws each one independently)",
        super::Status::Holds,
    ));
    let disturbed = sc.zone_failures.iter().any(Option::is_some)
        || sc.region_failures.is_some()
        || sc.extra_regions.iter().any(|e| e.failures.is_some())
        || !sc.scheduled.is_empty();
    assumptions.push(Assumption::new(
        "every voter is up and the home region leads at each sample",
        if disturbed {
            super::Status::InVariant(
                "failures and scheduled incidents removed in the variant".into(),
            )
        } else {
            super::Status::Holds
        },
    ));
    let trips = round_trips(q, leader);
    let formula = format!(
        "E[X_({k}:{})] of the leader's round trips: {} to its own region's voters (zone round trip), 2 × 5 µs/km × distance + region_rtt_overhead to the others",
        trips.len(),
        q.voters.iter().enumerate().filter(|&(v, x)| v != leader && x.region == home).count()
    );
    if any_fails(&assumptions) {
        return Ok(vec![build(
            COMMIT_LATENCY,
            formula,
            assumptions,
            f64::NAN,
            Measured::not_run(),
        )]);
    }
    let mut upper = 2.0 * trips.iter().map(|t| t.mean_s).fold(1e-9, f64::max);
    for _ in 0..200 {
        if trips.iter().all(|t| 1.0 - (t.cdf)(upper) <= 1e-13) {
            break;
        }
        upper *= 2.0;
    }
    let cdfs: Vec<&dyn Fn(f64) -> f64> = trips
        .iter()
        .map(|t| &*t.cdf as &dyn Fn(f64) -> f64)
        .collect();
    let theory_ms = theory::order_statistic_mean_mixed(&cdfs, k, upper)
        .map_err(theory_err(COMMIT_LATENCY.name))?
        * 1e3;
    let mut variant = without_one_offs(sc);
    variant.zone_failures.iter_mut().for_each(|z| *z = None);
    variant.region_failures = None;
    variant.zone_escalation = None;
    variant
        .extra_regions
        .iter_mut()
        .for_each(|e| e.failures = None);
    let rows = ctx.simulate(&variant, |o| {
        (
            o.commit_latencies_ns.iter().map(|&l| l as f64).sum::<f64>() / 1e6,
            o.commit_latencies_ns.len() as f64,
        )
    });
    let samples: f64 = rows.iter().map(|r| r.1).sum();
    Ok(vec![build(
        COMMIT_LATENCY,
        formula,
        assumptions,
        theory_ms,
        Measured {
            simulation: format!(
                "{} replications{}; {samples:.0} latency samples ({SAMPLES_PER_RUN} per replication at uniform random instants)",
                rows.len(),
                if disturbed { " of the variant" } else { "" },
            ),
            simulated: ratio_over_runs(&rows).map_or(Simulated::NotRun, Simulated::Mean),
            allowance: 1e-6,
            allowance_note: "round trips are rounded to integer nanoseconds: ±1 ns".into(),
        },
    )])
}
