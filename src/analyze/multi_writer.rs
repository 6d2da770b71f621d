//! Several writing regions (`[multi_writer]`): the rate of lost updates (last writer wins) of
//! two regions writing steadily to a uniform key space, against its closed form
//! ([`theory::lww_uniform_batched_rate`]).

use super::check::{any_fails, build, Assumption, Check, Measured, Simulated, Spec};
use super::estimate::ratio_over_runs;
use super::simulate::Ctx;
use super::AnalyzeError;
use crate::dist::Dist;
use crate::scenario::Scenario;
use crate::theory;

const LWW_RATE: Spec = Spec {
    name: "lww-conflict-rate",
    title: "Several writing regions: lost updates per second (last writer wins)",
    source: "race of two Poisson processes on each key: a write with lag L is lost with probability β/Λ·(1 − e^{−ΛL/K}), averaged over the uniform wait for the cut (theory::lww_uniform_batched_rate)",
    unit: "1/s",
};

/// The check of the steady lost-update rate.
pub(super) fn multi_writer_checks(
    sc: &Scenario,
    ctx: &mut Ctx,
) -> Result<Vec<Check>, AnalyzeError> {
    let assumptions = assumptions(sc);
    let (Some(mw), Some(cr), false) = (
        sc.multi_writer.as_ref(),
        sc.cross_region.as_ref(),
        any_fails(&assumptions),
    ) else {
        return Ok(vec![build(
            LWW_RATE,
            "αβ/Λ · Σ [1 − e^{−ac}(1 − e^{−aT})/(aT)], a = Λ/K".into(),
            assumptions,
            f64::NAN,
            Measured::not_run(),
        )]);
    };
    let (alpha, beta) = (sc.workload.write_rate, mw.paired_write_rate);
    let size = sc.workload.write_size as f64;
    let t = cr.batch_interval.as_secs_f64();
    let apply = match cr.apply_delay {
        Dist::Constant(d) => d.as_secs_f64(),
        _ => unreachable!("the assumptions require a constant apply delay"),
    };
    let fixed = |rate: f64| t * rate * size / cr.bandwidth + cr.one_way.as_secs_f64() + apply;
    let theory = theory::lww_uniform_batched_rate(
        (alpha, beta),
        mw.keys as f64,
        (fixed(alpha), fixed(beta)),
        t,
    )
    .map_err(|source| AnalyzeError::Theory {
        check: LWW_RATE.name,
        source,
    })?;
    let horizon = sc.simulation.horizon.as_secs_f64();
    let pairs: Vec<(f64, f64)> = ctx.simulate(sc, |o| {
        let lost = o.multi_writer.as_ref().map_or(0, |m| m.lost_updates);
        (lost as f64, horizon)
    });
    let formula = format!(
        "αβ/Λ · Σ_c [1 − e^{{−ac}}(1 − e^{{−aT}})/(aT)], a = Λ/K; α = {alpha}/s, β = {beta}/s, K = {}, T = {t} s, c = {:.6} s / {:.6} s",
        mw.keys,
        fixed(alpha),
        fixed(beta)
    );
    let measured = Measured {
        simulation: format!(
            "{} replications of the scenario as is: lost updates per second of horizon",
            pairs.len()
        ),
        simulated: ratio_over_runs(&pairs).map_or(Simulated::NotRun, Simulated::Mean),
        allowance: 1e-3 * theory,
        allowance_note: "the replication integrates the cut wait by a 32-point midpoint rule: relative error below 1e-3".into(),
    };
    Ok(vec![build(
        LWW_RATE,
        formula,
        assumptions,
        theory,
        measured,
    )])
}

fn assumptions(sc: &Scenario) -> Vec<Assumption> {
    let mw = sc.multi_writer.as_ref();
    let failures = sc.zone_failures.iter().any(Option::is_some)
        || sc.paired_zone_failures.iter().any(Option::is_some)
        || sc.region_failures.is_some()
        || sc.paired_region_failures.is_some()
        || sc.link_failures.is_some()
        || sc.link_degradation.is_some()
        || !sc.scheduled.is_empty();
    let apply_constant = sc
        .cross_region
        .as_ref()
        .is_some_and(|c| matches!(c.apply_delay, Dist::Constant(_)));
    vec![
        Assumption::check(
            "two writing regions (`[multi_writer]`) over a cross-region link",
            mw.is_some() && sc.cross_region.is_some(),
            || "no [multi_writer] section".into(),
        ),
        Assumption::check(
            "a uniform key space (key_skew = 0)",
            mw.is_some_and(|m| m.key_skew == 0.0),
            || format!("key_skew = {}", mw.map_or(f64::NAN, |m| m.key_skew)),
        ),
        Assumption::check("a constant apply delay", apply_constant, || {
            "a random apply delay".into()
        }),
        Assumption::check(
            "no failure of any kind: both regions write steadily over the whole horizon",
            !failures,
            || "the scenario has random or scheduled failures".into(),
        ),
    ]
}
