//! k-of-n zone quorum: availability, outage frequency and mean outage duration.

use super::check::{
    any_fails, build, theory_err, Assumption, Check, MeanComparison, Measured, Simulated, Spec,
    Status,
};
use super::estimate::{mean_over_runs, ratio_over_runs};
use super::facts::{
    architecture_assumption, detection_mean_s, fsec, identical_zones, independence_assumption,
    instant_failover, moments, no_region_outages, one_offs_dropped, without_one_offs,
};
use super::simulate::{Ctx, Timeline};
use super::{AnalyzeError, MAX_TRANSIENT_SHARE};
use crate::dist::Dist;
use crate::scenario::{FailureProcess, Scenario};
use crate::theory;
use crate::time::{format_seconds, SimDuration};

/// First-order start-up transient of an alternating renewal process that begins at the start of
/// an up period, from the moments (m, m₂) of its up (U) and down (D) times, over an unbounded
/// horizon: (c, Δn) where c = ∫(q∞ − q(t))dt is the expected downtime deficit versus the
/// stationary process and Δn the expected excess of failures. From the Laplace transform of
/// P(down at t) expanded at s = 0: c = (E[D²]/2 + E[U]E[D] − E[D]K/M)/M with M = E[U] + E[D],
/// K = E[U²]/2 + E[D²]/2 + E[U]E[D]; and, from the delayed renewal function,
/// Δn = E[C²]/(2E[C]²) − E[U]/E[C] with C = U + D (Cox, *Renewal Theory*, §4.5).
pub(super) fn renewal_transient(up: (f64, f64), down: (f64, f64)) -> (f64, f64) {
    let ((mu, mu2), (md, md2)) = (up, down);
    let m = mu + md;
    let k = 0.5 * mu2 + 0.5 * md2 + mu * md;
    let c = (0.5 * md2 + mu * md - md * k / m) / m;
    let ec2 = mu2 + md2 + 2.0 * mu * md;
    let dn = ec2 / (2.0 * m * m) - mu / m;
    (c, dn)
}

/// Binomial probability C(n, j) pʲ (1 − p)ⁿ⁻ʲ, 0 outside 0 ≤ j ≤ n (small n only).
fn binom(n: u32, j: i64, p: f64) -> f64 {
    if j < 0 || j > i64::from(n) {
        return 0.0;
    }
    let j = j as u32;
    let choose: f64 = (0..j)
        .map(|i| f64::from(n - i) / f64::from(i + 1))
        .product();
    choose * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32)
}

/// The zone-law variant: failover instantaneous and resync instant, so that quorum loss is
/// the only cause of outage.
pub(super) fn zone_law_variant(sc: &Scenario) -> Scenario {
    let mut v = without_one_offs(sc);
    v.failover.heartbeat_interval = SimDuration(1);
    v.failover.missed_heartbeats = 1;
    v.failover.reroute = Dist::Constant(SimDuration::ZERO);
    v.replication.resync_bandwidth = None;
    v
}

const AVAILABILITY: Spec = Spec {
        name: "kofn-availability",
        title: "k-of-n zone quorum: availability",
        source: "Trivedi, Probability and Statistics with Reliability, Queuing and Computer Science Applications (k-of-n, binomial); insensitive to the laws by independence; theory::k_of_n_availability",
        unit: "",
};

const OUTAGE_FREQUENCY: Spec = Spec {
        name: "kofn-outage-frequency",
        title: "k-of-n zone quorum: outage frequency",
        source: "Billinton & Allan, Reliability Evaluation of Engineering Systems (frequency and duration method); theory::k_of_n_outage_frequency",
        unit: "/d",
};

const MEAN_OUTAGE_DURATION: Spec = Spec {
        name: "kofn-mean-outage-duration",
        title: "k-of-n zone quorum: mean outage duration",
        source: "Billinton & Allan, op. cit. (renewal reward: down fraction / frequency); theory::k_of_n_mean_outage_duration",
        unit: "s",
};

/// What the k-of-n law assumes, before the steady state (which needs the law's value); and the
/// zones' common failure process, when they have one.
fn zone_law_assumptions(sc: &Scenario) -> (Option<&FailureProcess>, Vec<Assumption>) {
    let (process, mut assumptions) = identical_zones(sc);
    assumptions.insert(0, architecture_assumption(sc));
    assumptions.insert(
        1,
        Assumption::check(
            "replication mode quorum (a fixed k of the n zones)",
            sc.replication.mode == crate::scenario::ReplicationMode::Quorum,
            || "replication mode all-in-sync: see all-in-sync-pair-availability".into(),
        ),
    );
    assumptions.push(independence_assumption(sc));
    assumptions.push(no_region_outages(sc));
    let detect = detection_mean_s(sc);
    let reroute = sc.failover.reroute.mean_secs();
    let resync = sc.replication.resync_bandwidth;
    let delays = if instant_failover(sc) && resync.is_none() {
        Status::Holds
    } else {
        Status::InVariant(format!(
            "the scenario adds detection ≈ {} + reroute ≈ {} per leader failure{}; simulated on a variant with detection 0 (1 ns heartbeat, 1 missed beat), reroute 0 and instant resync",
            format_seconds(detect),
            format_seconds(reroute),
            resync.map_or(String::new(), |b| format!(
                " and resync at {:.0} MB/s",
                b / 1e6
            ))
        ))
    };
    assumptions.push(Assumption::new(
        "quorum loss is the only outage cause: no detection, reroute or resync delay",
        delays,
    ));
    assumptions.push(one_offs_dropped(sc));
    (process, assumptions)
}

/// Availability, outage frequency and mean outage duration of the zone-law variant, each with
/// its transient as allowance.
fn measured(
    sc: &Scenario,
    ctx: &mut Ctx,
    (bias_a, bias_f, bias_d): (f64, f64, f64),
) -> [Measured; 3] {
    let variant = zone_law_variant(sc);
    // Per replication: availability, outages begun (positive-length interruptions), downtime.
    let rows = ctx.simulate(&variant, |o| {
        let t = Timeline::of(&variant, o);
        let downtime: u64 = t.interruptions.iter().map(|&(s, e)| e - s).sum();
        (
            o.availability(),
            t.interruptions.len() as f64,
            downtime as f64 / 1e9,
            o.horizon_ns as f64 / 1e9,
        )
    });
    let runs = rows.len();
    let outages: f64 = rows.iter().map(|r| r.1).sum();
    let simulation = format!(
        "{runs} replications of the variant; {outages:.0} outages (interruptions of positive length)"
    );
    let transient = |x: f64, unit: &str| {
        format!(
            "start-up transient (every zone up at t = 0), first order in the per-zone renewal deviations: {x:.3e}{unit}"
        )
    };
    let avail_m = mean_over_runs(
        &rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        outages as u64,
    );
    let freq_m = mean_over_runs(
        &rows
            .iter()
            .map(|r| r.1 / r.3 * 86_400.0)
            .collect::<Vec<_>>(),
        outages as u64,
    );
    let dur_m = ratio_over_runs(&rows.iter().map(|r| (r.2, r.1)).collect::<Vec<_>>());
    let judged = |m: Option<MeanComparison>, allowance: f64, note: String| Measured {
        simulation: simulation.clone(),
        simulated: m.map_or(Simulated::NotRun, Simulated::Mean),
        allowance,
        allowance_note: note,
    };
    [
        judged(avail_m, bias_a.abs(), transient(bias_a.abs(), "")),
        judged(
            freq_m,
            bias_f.abs() * 86_400.0,
            transient(bias_f.abs() * 86_400.0, " /d"),
        ),
        judged(dur_m, bias_d.abs(), transient(bias_d.abs(), " s")),
    ]
}

pub(super) fn zone_law_checks(sc: &Scenario, ctx: &mut Ctx) -> Result<Vec<Check>, AnalyzeError> {
    let n = sc.home_region().zones.len() as u32;
    let k = sc.replication.quorum as u32;
    let horizon = sc.simulation.horizon.as_secs_f64();
    let (process, mut assumptions) = zone_law_assumptions(sc);
    let (mttf, mttr) = process.map_or((f64::NAN, f64::NAN), |p| {
        (p.time_between.mean_secs(), p.duration.mean_secs())
    });
    let (avail, freq, dur) = if process.is_some() && k >= 1 && k <= n {
        (
            theory::k_of_n_availability(n, k, mttf, mttr)
                .map_err(theory_err("kofn-availability"))?,
            theory::k_of_n_outage_frequency(n, k, mttf, mttr)
                .map_err(theory_err("kofn-outage-frequency"))?,
            theory::k_of_n_mean_outage_duration(n, k, mttf, mttr)
                .map_err(theory_err("kofn-mean-outage-duration"))?,
        )
    } else {
        (f64::NAN, f64::NAN, f64::NAN)
    };
    // Start-up transient, first order in the per-zone deviations (see `renewal_transient`).
    let (bias_a, bias_f, bias_d) = match process {
        Some(p) if avail.is_finite() => {
            let (c, dn) = renewal_transient(moments(&p.time_between), moments(&p.duration));
            let a = mttf / (mttf + mttr);
            let nn = f64::from(n);
            let crit = binom(n - 1, i64::from(k) - 1, a);
            let dcrit = binom(n.saturating_sub(2), i64::from(k) - 1, a)
                - binom(n.saturating_sub(2), i64::from(k) - 2, a);
            let bias_a = nn * crit * c / horizon;
            let bias_onsets = nn * crit * dn - nn * (nn - 1.0) * dcrit * c / (mttf + mttr);
            let bias_d =
                dur * (nn * crit * c / ((1.0 - avail) * horizon) + bias_onsets / (freq * horizon));
            (bias_a, bias_onsets / horizon, bias_d)
        }
        _ => (f64::NAN, f64::NAN, f64::NAN),
    };
    if process.is_some() && avail.is_finite() {
        let share = bias_a.abs() / (1.0 - avail);
        assumptions.push(Assumption::new(
            "steady state: the start-up transient (every zone up at t = 0) is small against the unavailability",
            if share <= MAX_TRANSIENT_SHARE {
                Status::Approximate(format!(
                    "first-order transient {:.2e} = {:.2}% of the unavailability over a {} horizon; in the allowance",
                    bias_a.abs(),
                    100.0 * share,
                    fsec(horizon)
                ))
            } else {
                Status::Fails(format!(
                    "the start-up transient is {:.0}% of the unavailability: the {} horizon is too short for steady state",
                    100.0 * share,
                    fsec(horizon)
                ))
            },
        ));
    }
    let formula_a = format!(
        "A = Σ_{{j=k}}^{{n}} C(n,j) aʲ(1−a)ⁿ⁻ʲ, a = MTTF/(MTTF+MTTR); n = {n}, k = {k}, MTTF = {}, MTTR = {}",
        fsec(mttf),
        fsec(mttr)
    );
    let formula_f =
        format!("f = C(n,k) aᵏ(1−a)ⁿ⁻ᵏ · k/MTTF (rate of k → k−1 up); n = {n}, k = {k}");
    let formula_d = format!("D = (1 − A)/f; n = {n}, k = {k}");
    if any_fails(&assumptions) {
        return Ok(vec![
            build(
                AVAILABILITY,
                formula_a,
                assumptions.clone(),
                avail,
                Measured::not_run(),
            ),
            build(
                OUTAGE_FREQUENCY,
                formula_f,
                assumptions.clone(),
                freq * 86_400.0,
                Measured::not_run(),
            ),
            build(
                MEAN_OUTAGE_DURATION,
                formula_d,
                assumptions,
                dur,
                Measured::not_run(),
            ),
        ]);
    }
    let [avail_m, freq_m, dur_m] = measured(sc, ctx, (bias_a, bias_f, bias_d));
    Ok(vec![
        build(AVAILABILITY, formula_a, assumptions.clone(), avail, avail_m),
        build(
            OUTAGE_FREQUENCY,
            formula_f,
            assumptions.clone(),
            freq * 86_400.0,
            freq_m,
        ),
        build(MEAN_OUTAGE_DURATION, formula_d, assumptions, dur, dur_m),
    ])
}
