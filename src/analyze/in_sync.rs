//! Two zones replicating in mode `all-in-sync`: availability against the closed form of the
//! rule (a zone that left the in-sync set may not serve until it has caught up).

use super::check::{any_fails, build, theory_err, Assumption, Check, Measured, Simulated, Spec};
use super::estimate::mean_over_runs;
use super::facts::{
    architecture_assumption, dist_name, fsec, identical_zones, independence_assumption,
    is_exponential, no_region_outages, one_offs_dropped,
};
use super::simulate::Ctx;
use super::zones::zone_law_variant;
use super::AnalyzeError;
use crate::scenario::{ReplicationMode, Scenario};
use crate::theory;

const AVAILABILITY: Spec = Spec {
    name: "all-in-sync-pair-availability",
    title: "two zones, all-in-sync: availability (stale zone never elected)",
    source: "stationary law of the four-state chain (both up; one up in sync; both down; stale up, in-sync down), solved in closed form; theory::all_in_sync_pair_availability",
    unit: "",
};

/// Mean over [0, h] of A(t) − A∞ for the chain started with both zones up: the start-up
/// transient of a finite horizon (s⁻¹ rates `l`, `m`; `h` in s), by RK4 on the forward
/// equations, stopped once the chain has relaxed (40 relaxation times).
fn start_up_bias(l: f64, m: f64, h: f64, a_inf: f64) -> f64 {
    let q = [
        [-2.0 * l, 2.0 * l, 0.0, 0.0],
        [m, -(l + m), l, 0.0],
        [0.0, m, -2.0 * m, m],
        [m, 0.0, l, -(l + m)],
    ];
    let deriv = |p: &[f64; 4]| {
        let mut d = [0.0; 4];
        for (i, row) in q.iter().enumerate() {
            for (j, rate) in row.iter().enumerate() {
                d[j] += p[i] * rate;
            }
        }
        d
    };
    let end = h.min(40.0 / (l + m));
    let steps = ((end * 2.0 * (l + m)) / 0.01).ceil().max(1.0) as u64;
    let dt = end / steps as f64;
    let (mut p, mut integral) = ([1.0, 0.0, 0.0, 0.0], 0.0);
    let served = |p: &[f64; 4]| p[0] + p[1] - a_inf;
    for _ in 0..steps {
        let before = served(&p);
        let add = |p: &[f64; 4], k: &[f64; 4], f: f64| std::array::from_fn(|i| p[i] + f * k[i]);
        let k1 = deriv(&p);
        let k2 = deriv(&add(&p, &k1, dt / 2.0));
        let k3 = deriv(&add(&p, &k2, dt / 2.0));
        let k4 = deriv(&add(&p, &k3, dt));
        p = std::array::from_fn(|i| p[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]));
        integral += 0.5 * (before + served(&p)) * dt;
    }
    integral / h
}

pub(super) fn all_in_sync_checks(sc: &Scenario, ctx: &mut Ctx) -> Result<Vec<Check>, AnalyzeError> {
    let n = sc.home_region().zones.len();
    let mut assumptions = vec![architecture_assumption(sc)];
    assumptions.push(Assumption::check(
        "replication mode all-in-sync",
        sc.replication.mode == ReplicationMode::AllInSync,
        || "replication mode quorum: see the k-of-n checks".into(),
    ));
    assumptions.push(Assumption::check("two zones", n == 2, || {
        format!("{n} zones: the chain models exactly two")
    }));
    let (process, identical) = identical_zones(sc);
    assumptions.extend(identical);
    let exponential =
        process.is_some_and(|p| is_exponential(&p.time_between) && is_exponential(&p.duration));
    assumptions.push(Assumption::check(
        "exponential times to failure and to repair (the stale zone's return races the in-sync zone's: the law matters)",
        exponential,
        || {
            process.map_or("no common zone failure process".into(), |p| {
                format!(
                    "up times {}, repairs {}: not exponential",
                    dist_name(&p.time_between),
                    dist_name(&p.duration)
                )
            })
        },
    ));
    assumptions.push(independence_assumption(sc));
    assumptions.push(no_region_outages(sc));
    assumptions.push(Assumption::new(
        "instant failover and resync: the set is reconfigured at the failure, a returning zone rejoins at once",
        super::check::Status::InVariant(
            "simulated on a variant with detection 0 (1 ns heartbeat, 1 missed beat), reroute 0 and instant resync".into(),
        ),
    ));
    assumptions.push(one_offs_dropped(sc));
    let (mttf, mttr) = process.map_or((f64::NAN, f64::NAN), |p| {
        (p.time_between.mean_secs(), p.duration.mean_secs())
    });
    let avail = if process.is_some() {
        theory::all_in_sync_pair_availability(mttf, mttr).map_err(theory_err(AVAILABILITY.name))?
    } else {
        f64::NAN
    };
    let formula = format!(
        "A = (r² + 3r + 1)/(r + 1)³, r = MTTR/MTTF; MTTF = {}, MTTR = {} (1-of-2 quorum: 1 − r²/(r + 1)²)",
        fsec(mttf),
        fsec(mttr)
    );
    if any_fails(&assumptions) {
        return Ok(vec![build(
            AVAILABILITY,
            formula,
            assumptions,
            avail,
            Measured::not_run(),
        )]);
    }
    let horizon = sc.simulation.horizon.as_secs_f64();
    let bias = start_up_bias(1.0 / mttf, 1.0 / mttr, horizon, avail);
    let variant = zone_law_variant(sc);
    let rows = ctx.simulate(&variant, |o| o.availability());
    let measured = Measured {
        simulation: format!("{} replications of the variant", rows.len()),
        simulated: mean_over_runs(&rows, rows.len() as u64)
            .map_or(Simulated::NotRun, Simulated::Mean),
        allowance: bias.abs(),
        allowance_note: format!(
            "start-up transient (both zones up at t = 0), from the chain's forward equations over the {} horizon: {:.3e}",
            fsec(horizon),
            bias.abs()
        ),
    };
    Ok(vec![build(
        AVAILABILITY,
        formula,
        assumptions,
        avail,
        measured,
    )])
}
