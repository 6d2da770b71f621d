//! Active/standby pair with a failover delay: the textbook CTMC and the chain drsim implements.

use super::check::{
    any_fails, build, theory_err, Assumption, Check, Measured, Simulated, Spec, Status,
};
use super::estimate::mean_over_runs;
use super::facts::{
    architecture_assumption, detection_mean_s, dist_name, fsec, identical_zones,
    independence_assumption, is_exponential, no_region_outages, one_offs_dropped, without_one_offs,
};
use super::simulate::Ctx;
use super::{AnalyzeError, MAX_TRANSIENT_SHARE};
use crate::scenario::{FailureProcess, Scenario};
use crate::theory;
use crate::time::format_seconds;

/// The active/standby chain as drsim runs it: the states of `theory::active_standby_availability`
/// (0 both up, 1 active up / other down, 2 failing over / other down, 3 both down, 4 failing over
/// / other repaired) with one difference: from "both down", the first repair leads to a failover
/// (state 2: the zone back must win an election, a reroute draw) instead of straight to service.
pub(super) fn drsim_standby_generator(lambda: f64, mu: f64, phi: f64) -> Vec<Vec<f64>> {
    let mut q = vec![vec![0.0; 5]; 5];
    let rates = [
        (0, 2, lambda),
        (0, 1, lambda),
        (1, 0, mu),
        (1, 3, lambda),
        (2, 1, phi),
        (2, 3, lambda),
        (2, 4, mu),
        (4, 0, phi),
        (4, 2, 2.0 * lambda),
        (3, 2, 2.0 * mu),
    ];
    for (from, to, r) in rates {
        q[from][to] += r;
    }
    for (i, row) in q.iter_mut().enumerate() {
        let out: f64 = row.iter().sum();
        row[i] = -out;
    }
    q
}

/// ∫₀^∞ (A(t) − A∞) dt for a CTMC started in state 0, where A is the probability of the `up`
/// states: the start-up transient, by uniformisation (P = I + Q/Λ, Λ = max|q_ii|; then
/// ∫(p(t) − π)dt = Σ_k (p₀Pᵏ − π)/Λ; Stewart, op. cit., ch. 8).
pub(super) fn ctmc_transient(q: &[Vec<f64>], pi: &[f64], up: &[usize]) -> f64 {
    let n = q.len();
    let lam = (0..n).map(|i| -q[i][i]).fold(0.0, f64::max);
    if lam <= 0.0 {
        return 0.0;
    }
    let a_inf: f64 = up.iter().map(|&i| pi[i]).sum();
    let mut p = vec![0.0; n];
    p[0] = 1.0;
    let mut total = 0.0;
    for _ in 0..10_000_000 {
        total += up.iter().map(|&i| p[i]).sum::<f64>() - a_inf;
        let gap: f64 = p.iter().zip(pi).map(|(x, y)| (x - y).abs()).sum();
        if gap < 1e-14 {
            break;
        }
        let mut next = p.clone();
        for (i, row) in q.iter().enumerate() {
            for (j, &rate) in row.iter().enumerate() {
                next[j] += p[i] * rate / lam;
            }
        }
        p = next;
    }
    total / lam
}

const TEXTBOOK: Spec = Spec {
    name: "active-standby-availability",
    title: "active/standby pair with failover delay (textbook CTMC)",
    source: "CTMC stationary distribution by Gaussian elimination (Stewart, Introduction to the Numerical Solution of Markov Chains); theory::active_standby_availability",
    unit: "",
};

const DRSIM_CHAIN: Spec = Spec {
    name: "active-standby-drsim-chain",
    title: "active/standby pair: the chain drsim implements (CTMC)",
    source: "same method (theory::ctmc_stationary) on drsim's election rule",
    unit: "",
};

/// What the textbook and drsim chains both assume: two identical zones failing and repaired
/// at exponential rates, one needed, an exponential failover delay. Also the zones' common
/// failure process, when they have one.
fn pair_assumptions(sc: &Scenario) -> (Option<&FailureProcess>, Vec<Assumption>) {
    let n = sc.home_region().zones.len();
    let q = sc.replication.quorum;
    let (process, identical) = identical_zones(sc);
    let mut assumptions = vec![architecture_assumption(sc)];
    assumptions.push(Assumption::check(
        "two units: a region with exactly two zones",
        n == 2,
        || format!("{n} zones: the chain models exactly two units"),
    ));
    assumptions.push(Assumption::check(
        "service needs the active unit only (quorum 1)",
        q == 1,
        || format!("quorum {q}: writes need {q} zones up, not just the active one"),
    ));
    assumptions.extend(identical);
    let exp_laws = sc
        .zone_failures
        .iter()
        .flatten()
        .all(|p| is_exponential(&p.time_between) && is_exponential(&p.duration));
    let laws = sc
        .zone_failures
        .iter()
        .flatten()
        .next()
        .map(|p| {
            format!(
                "up times {}, repairs {}",
                dist_name(&p.time_between),
                dist_name(&p.duration)
            )
        })
        .unwrap_or_default();
    assumptions.push(Assumption::check(
        "exponential times to failure and to repair (Markov)",
        exp_laws,
        || format!("{laws}: not exponential"),
    ));
    assumptions.push(independence_assumption(sc));
    assumptions.push(no_region_outages(sc));
    let h = sc.failover.heartbeat_interval.as_secs_f64();
    let kb = f64::from(sc.failover.missed_heartbeats);
    let reroute = &sc.failover.reroute;
    let detect_max = kb * h;
    let reroute_mean = reroute.mean_secs();
    let failover_ok = is_exponential(reroute) && detect_max <= 1e-3 * reroute_mean;
    assumptions.push(Assumption::check(
        "exponential failover delay: detection negligible (≤ 0.1% of the reroute) and an exponential reroute",
        failover_ok,
        || {
            format!(
                "failover delay = detection (uniform on [{}, {})) + reroute ({}): not exponential",
                format_seconds((kb - 1.0) * h),
                format_seconds(detect_max),
                dist_name(reroute)
            )
        },
    ));
    assumptions.push(Assumption::new(
        "a repair during a failover does not abort it (drsim: the pending election completes)",
        Status::Holds,
    ));
    assumptions.push(one_offs_dropped(sc));
    (process, assumptions)
}

/// The availability of the scenario without its one-offs, compared with both chains: the
/// textbook one within the model mapping and the transient, drsim's within the transient.
fn measured(sc: &Scenario, ctx: &mut Ctx, mapping: f64, transient: f64) -> (Measured, Measured) {
    let horizon = sc.simulation.horizon.as_secs_f64();
    let variant = without_one_offs(sc);
    let rows = ctx.simulate(&variant, |o| (o.availability(), o.interruptions as f64));
    let interruptions: f64 = rows.iter().map(|r| r.1).sum();
    let m = mean_over_runs(
        &rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        interruptions as u64,
    );
    let simulation = format!(
        "{} replications of the scenario{}; {interruptions:.0} interruptions of service",
        rows.len(),
        if sc.scheduled.is_empty() && sc.operations.is_empty() {
            ""
        } else {
            " without its scheduled incidents and operations"
        }
    );
    let bias = transient.abs() / horizon;
    let textbook_m = Measured {
        simulation: simulation.clone(),
        simulated: m.clone().map_or(Simulated::NotRun, Simulated::Mean),
        allowance: mapping + bias,
        allowance_note: format!(
            "model mapping |A(textbook) − A(drsim chain)| = {mapping:.3e} + start-up transient {bias:.3e}"
        ),
    };
    let drsim_m = Measured {
        simulation,
        simulated: m.map_or(Simulated::NotRun, Simulated::Mean),
        allowance: bias,
        allowance_note: format!("start-up transient (both zones up at t = 0): {bias:.3e}"),
    };
    (textbook_m, drsim_m)
}

pub(super) fn active_standby_checks(
    sc: &Scenario,
    ctx: &mut Ctx,
) -> Result<Vec<Check>, AnalyzeError> {
    let horizon = sc.simulation.horizon.as_secs_f64();
    let (process, mut assumptions) = pair_assumptions(sc);
    let (mttf, mttr) = process.map_or((f64::NAN, f64::NAN), |p| {
        (p.time_between.mean_secs(), p.duration.mean_secs())
    });
    let failover = sc.failover.reroute.mean_secs() + detection_mean_s(sc);
    let computable = process.is_some() && failover > 0.0;
    let textbook = if computable {
        theory::active_standby_availability(mttf, mttr, failover)
            .map_err(theory_err("active-standby-availability"))?
    } else {
        f64::NAN
    };
    let (drsim, transient) = if computable {
        let qm = drsim_standby_generator(1.0 / mttf, 1.0 / mttr, 1.0 / failover);
        let pi = theory::ctmc_stationary(&qm).map_err(theory_err("active-standby-drsim-chain"))?;
        (pi[0] + pi[1], ctmc_transient(&qm, &pi, &[0, 1]))
    } else {
        (f64::NAN, f64::NAN)
    };
    let mapping = (textbook - drsim).abs();
    let mut textbook_assumptions = assumptions.clone();
    textbook_assumptions.push(Assumption::new(
        "after a double failure the first unit repaired serves at once",
        if computable {
            Status::Approximate(format!(
                "drsim makes the first zone back win an election (a reroute draw) before serving; |A(textbook) − A(drsim chain)| = {mapping:.3e} is in the allowance"
            ))
        } else {
            Status::Approximate(
                "drsim makes the first zone back win an election (a reroute draw) before serving"
                    .into(),
            )
        },
    ));
    let mut drsim_assumptions = assumptions.clone();
    drsim_assumptions.push(Assumption::new(
        "after a double failure the first zone back wins an election (a reroute draw) before serving",
        Status::Holds,
    ));
    if computable {
        let share = (transient / horizon).abs() / (1.0 - drsim);
        let status = if share <= MAX_TRANSIENT_SHARE {
            Status::Approximate(format!(
                "transient {:.2e} (both up at t = 0, by uniformisation) = {:.2}% of the unavailability over a {} horizon; in the allowance",
                (transient / horizon).abs(),
                100.0 * share,
                fsec(horizon)
            ))
        } else {
            Status::Fails(format!(
                "the start-up transient is {:.0}% of the unavailability: the {} horizon is too short for steady state",
                100.0 * share,
                fsec(horizon)
            ))
        };
        let text = "steady state: the start-up transient (both zones up at t = 0) is small against the unavailability";
        assumptions.push(Assumption::new(text, status.clone()));
        textbook_assumptions.push(Assumption::new(text, status.clone()));
        drsim_assumptions.push(Assumption::new(text, status));
    }
    let formula_t = format!(
        "π Q = 0 on the 5-state chain of theory::active_standby_availability; A = π(both up) + π(active up, other down); MTTF = {}, MTTR = {}, failover = {}",
        fsec(mttf),
        fsec(mttr),
        fsec(failover)
    );
    let formula_d = format!(
        "π Q' = 0 where Q' is the same chain with 'both down → (first repair) → failing over' instead of '→ active up'; MTTF = {}, MTTR = {}, failover = {}",
        fsec(mttf),
        fsec(mttr),
        fsec(failover)
    );
    if any_fails(&assumptions) {
        return Ok(vec![
            build(
                TEXTBOOK,
                formula_t,
                textbook_assumptions,
                textbook,
                Measured::not_run(),
            ),
            build(
                DRSIM_CHAIN,
                formula_d,
                drsim_assumptions,
                drsim,
                Measured::not_run(),
            ),
        ]);
    }
    let (textbook_m, drsim_m) = measured(sc, ctx, mapping, transient);
    Ok(vec![
        build(
            TEXTBOOK,
            formula_t,
            textbook_assumptions,
            textbook,
            textbook_m,
        ),
        build(DRSIM_CHAIN, formula_d, drsim_assumptions, drsim, drsim_m),
    ])
}
