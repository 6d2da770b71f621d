//! The RPO bound (`cross_region.rpo_bound`): the write time blocked per link partition against
//! its closed form ([`theory::rpo_blocked_time`]).

use super::check::{any_fails, build, Assumption, Check, Measured, Simulated, Spec, Status};
use super::estimate::ratio_over_runs;
use super::facts::{dist_name, fsec};
use super::link::{link_facts, rpo_bound_link, LinkFacts};
use super::simulate::Ctx;
use super::AnalyzeError;
use crate::dist::Dist;
use crate::incident::IncidentClass;
use crate::model::ReplicationOutcome;
use crate::scenario::Scenario;
use crate::theory::{self, RpoBoundLink};

const BLOCKED_TIME: Spec = Spec {
    name: "rpo-bound-blocked-time",
    title: "RPO bound: blocked-write time per link partition",
    source: "fluid link with periodic cuts, lag growing at 1 s/s during a partition and falling as the backlog's batches become durable after it (theory::rpo_blocked_time), averaged over the partition law and a uniform phase (midpoint rule)",
    unit: "s",
};

/// Points per axis of the midpoint rule over (phase, duration quantile).
const QUADRATURE_POINTS: u32 = 2_000;

/// The check of the mean blocked time per partition.
pub(super) fn rpo_bound_checks(sc: &Scenario, ctx: &mut Ctx) -> Result<Vec<Check>, AnalyzeError> {
    let facts = link_facts(sc);
    let link = facts.as_ref().and_then(|l| rpo_bound_link(sc, l));
    let assumptions = assumptions(sc, facts.as_ref(), link.as_ref());
    let formula = formula(link.as_ref());
    let (Some(link), false) = (link, any_fails(&assumptions)) else {
        return Ok(vec![build(
            BLOCKED_TIME,
            formula,
            assumptions,
            f64::NAN,
            Measured::not_run(),
        )]);
    };
    let duration = sc
        .link_failures
        .as_ref()
        .map(|p| p.duration.clone())
        .expect("the assumptions require link partitions");
    let theory = theory::rpo_blocked_time_mean(
        &link,
        |u| duration.quantile(u).as_secs_f64(),
        QUADRATURE_POINTS,
    )
    .map_err(|source| AnalyzeError::Theory {
        check: BLOCKED_TIME.name,
        source,
    })?;
    let settle = settle_ns(&link);
    let pairs: Vec<(f64, f64)> = ctx.simulate(sc, |o| blocked_per_partition(o, settle));
    let used: f64 = pairs.iter().map(|p| p.1).sum();
    let measured = Measured {
        simulation: format!(
            "{} replications of the scenario as is; {used:.0} partitions used (those starting on a link at rest, {} after the previous partition's effects, and whose effects end before the next one and the horizon)",
            pairs.len(),
            fsec(settle as f64 / 1e9)
        ),
        simulated: ratio_over_runs(&pairs).map_or(Simulated::NotRun, Simulated::Mean),
        allowance: 2.0 * link.load * link.interval,
        allowance_note: "the resumption is found on checks spaced by a batch's sending time ρT, at the fluid estimate of the crossing: up to 2ρT late".into(),
    };
    Ok(vec![build(
        BLOCKED_TIME,
        formula,
        assumptions,
        theory,
        measured,
    )])
}

/// A link is at rest this long after the end of a partition's effects: the bound, plus two
/// batch intervals for the lag to be back at its steady law.
fn settle_ns(link: &RpoBoundLink) -> u64 {
    ((link.bound + 2.0 * link.interval + link.one_way) * 1e9).ceil() as u64
}

/// (Σ blocked time of the partitions used, partitions used) in one replication. A block is
/// the partition's when it starts after the partition's start and before the next partition's;
/// a partition is used when it starts `settle` after the previous one's effects (its end and
/// its block) and its own effects end `settle` before the next partition and the horizon.
fn blocked_per_partition(o: &ReplicationOutcome, settle: u64) -> (f64, f64) {
    let of = |class| o.incidents.iter().filter(move |i| i.class == class);
    let partitions: Vec<(u64, u64)> = of(IncidentClass::Link)
        .map(|i| (i.start_ns, i.end_ns.unwrap_or(u64::MAX)))
        .collect();
    let blocks: Vec<(u64, u64)> = of(IncidentClass::RpoBound)
        .map(|i| (i.start_ns, i.interruption_end_ns.unwrap_or(u64::MAX)))
        .collect();
    let mut effects_end = 0u64;
    let (mut sum, mut used) = (0.0, 0.0);
    for (k, &(start, end)) in partitions.iter().enumerate() {
        let next = partitions.get(k + 1).map_or(o.horizon_ns, |p| p.0);
        let mine: Vec<(u64, u64)> = blocks
            .iter()
            .copied()
            .filter(|&(s, _)| s >= start && s < next)
            .collect();
        let own_end = mine.iter().map(|b| b.1).fold(end, u64::max);
        let at_rest = start >= effects_end.saturating_add(settle);
        if at_rest && own_end.saturating_add(settle) <= next {
            sum += mine.iter().map(|&(s, e)| (e - s) as f64 / 1e9).sum::<f64>();
            used += 1.0;
        }
        effects_end = own_end;
    }
    (sum, used)
}

fn assumptions(
    sc: &Scenario,
    facts: Option<&LinkFacts>,
    link: Option<&RpoBoundLink>,
) -> Vec<Assumption> {
    let bound = sc.cross_region.as_ref().and_then(|c| c.rpo_bound);
    let partitions = sc.link_failures.as_ref();
    let steady = facts.map_or(f64::NAN, |l| l.t * (1.0 + l.rho) + l.one_way + l.apply_mean);
    let others = sc.zone_failures.iter().any(Option::is_some)
        || sc.region_failures.is_some()
        || sc.paired_region_failures.is_some()
        || sc.link_degradation.is_some()
        || !sc.scheduled.is_empty()
        || !sc.operations.is_empty();
    vec![
        Assumption::check(
            "DR on from the start with a cross-region link and an RPO bound",
            facts.is_some() && sc.dr.as_ref().is_some_and(|d| d.enabled_at_start) && bound.is_some(),
            || "no DR enabled at the start, no link, or no cross_region.rpo_bound".into(),
        ),
        Assumption::check(
            "the link keeps up: load ρ = r/c < 1",
            facts.is_none_or(|l| l.rho < 1.0),
            || format!("link load ρ = {:.3} ≥ 1", facts.map_or(f64::NAN, |l| l.rho)),
        ),
        Assumption::check(
            "constant delay from arrival to durability (none with durable_at = arrival)",
            facts.is_some_and(|l| l.apply_constant),
            || "a random apply delay under durable_at = apply: batches do not become durable one sending time apart".into(),
        ),
        Assumption::check(
            "random link partitions with exponential or constant durations",
            partitions.is_some_and(|p| matches!(p.duration, Dist::Exponential { .. } | Dist::Constant(_))),
            || match partitions {
                None => "no random link partitions".into(),
                Some(p) => format!("partition duration {}", dist_name(&p.duration)),
            },
        ),
        Assumption::check(
            "the bound is a multiple of the batch interval T and above the steady lag T(1 + ρ) + w + apply",
            link.is_some(),
            || {
                format!(
                    "bound {} with T = {} and steady lag {}",
                    bound.map_or("none".into(), |b| fsec(b.lag.as_secs_f64())),
                    fsec(facts.map_or(f64::NAN, |l| l.t)),
                    fsec(steady)
                )
            },
        ),
        Assumption::check(
            "nothing else stops writes or the link: no zone, region or paired-region failures, degradations, scheduled incidents or operations",
            !others,
            || "other failures or operations interrupt writes or the link".into(),
        ),
        Assumption::new(
            "each partition measured alone (one that starts within the previous one's effects, or whose effects reach the next one, is left out)",
            Status::Holds,
        ),
    ]
}

fn formula(link: Option<&RpoBoundLink>) -> String {
    let (t, w, rho, b) = link.map_or((f64::NAN, f64::NAN, f64::NAN, f64::NAN), |l| {
        (l.interval, l.one_way, l.load, l.bound)
    });
    format!(
        "E[B] over D ~ partition law and φ ~ U[0, T): B = (D + ψ − b + w + x_i)^+, ψ = φ (+T if φ < ρT, the cut batch not yet sent), x_i = ρ(iT − δ) the send of the i-th backlog batch after the heal (δ = φ/ρ already sent), i the first i ≤ b/T with D + ψ + w + x_i − iT < b; ≈ (D − b + ψ)^+ + w + r(D − b + ψ)/(c − r) for long partitions; T = {}, w = {}, ρ = {rho:.4}, b = {}",
        fsec(t),
        fsec(w),
        fsec(b)
    )
}
