//! Cross-region replication and the DR lifecycle: emergency loss, link lag, drill and failback.

use super::check::{any_fails, build, Assumption, Check, Measured, Simulated, Spec, Status};
use super::estimate::{distribution, ratio_over_runs, shifted};
use super::facts::{dist_name, fsec, secs};
use super::link::{link_facts, max_pending_batches, DrainMemo, LinkFacts};
use super::simulate::{Ctx, Timeline};
use super::{AnalyzeError, MAX_PENDING_BATCHES};
use crate::incident::IncidentClass;
use crate::model::{ReplicationOutcome, SAMPLES_PER_RUN};
use crate::scenario::{OperationKind, Scenario};
use crate::theory;
use crate::time::format_seconds;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Per-replication measurements of the DR checks.
#[derive(Default)]
struct DrRun {
    pub(super) windows: Vec<f64>,
    pub(super) lost: f64,
    pub(super) failovers: f64,
    pub(super) lag_sum: f64,
    pub(super) lag_count: f64,
    /// Σ over disturbances of the lag (link starts, zone interruptions) of their length + 2(d + T).
    pub(super) disturbance: f64,
    pub(super) drill_residual: f64,
    pub(super) drill_theory: f64,
    pub(super) drills: f64,
    pub(super) catch_up_residual: f64,
    pub(super) catch_up_theory: f64,
    pub(super) catch_ups: f64,
}

/// The stay of the drill operation that fired at `at_ns`.
fn drill_stay(sc: &Scenario, at_ns: u64) -> Option<f64> {
    sc.operations
        .iter()
        .filter(|op| op.kind == OperationKind::Drill)
        .find(|op| match op.every {
            Some(e) if e.0 > 0 => at_ns >= op.at.0 && (at_ns - op.at.0).is_multiple_of(e.0),
            _ => at_ns == op.at.0,
        })
        .map(|op| op.stay.as_secs_f64())
}

fn dr_run(
    sc: &Scenario,
    l: &LinkFacts,
    switch_mean: f64,
    drains: &DrainMemo,
    o: &ReplicationOutcome,
) -> DrRun {
    let tl = Timeline::of(sc, o);
    let mut run = DrRun::default();
    let settle = ((l.d + 2.0 * l.t) * 1e9).ceil() as u64;
    for i in &o.incidents {
        match i.class {
            IncidentClass::Region => {
                let (Some(sync), Some(stopped)) = (i.last_sync_ns, i.interruption_start_ns) else {
                    continue;
                };
                let from = i.start_ns.saturating_sub(settle);
                if stopped != i.start_ns
                    || i.overlaps.is_some()
                    || i.start_ns < settle
                    || !tl.served_throughout(from, i.start_ns)
                    || !tl.link_steady(from, i.start_ns)
                {
                    continue;
                }
                run.windows.push((i.start_ns - sync) as f64 / 1e9);
                if i.decision == Some("failover") && i.recovery == "dr-failover" {
                    run.lost += i.lost_writes as f64;
                    run.failovers += 1.0;
                }
            }
            IncidentClass::Zone => {
                if let Some(s) = i.interruption_start_ns {
                    let e = i.interruption_end_ns.unwrap_or(o.horizon_ns);
                    run.disturbance += (e - s) as f64 / 1e9 + 2.0 * (l.d + l.t);
                }
            }
            IncidentClass::Drill => {
                let (Some(s), Some(e)) = (i.interruption_start_ns, i.interruption_end_ns) else {
                    continue;
                };
                // Every batch that can still be pending was cut and sent regularly.
                let look_back = l
                    .t_ns
                    .saturating_mul(2)
                    .saturating_add((l.pending * 1e9).ceil() as u64);
                let from = s.saturating_sub(look_back);
                if i.decision != Some("failover")
                    || s != i.start_ns
                    || s < look_back
                    || !tl.served_throughout(from, s)
                    || !tl.link_steady(from, s)
                {
                    continue;
                }
                let expect = drains.get(l, s % l.t_ns) + l.one_way + switch_mean;
                run.drill_residual += (e - s) as f64 / 1e9 - expect;
                run.drill_theory += expect;
                run.drills += 1.0;
                // The failback that follows: its reverse resync started `stay` after the
                // failover completed.
                let Some(stay) = drill_stay(sc, i.start_ns) else {
                    continue;
                };
                let Some(fb) = o
                    .incidents
                    .iter()
                    .find(|f| f.class == IncidentClass::DrillReturn && f.start_ns >= e)
                else {
                    continue;
                };
                let region_between = o.incidents.iter().any(|r| {
                    r.class == IncidentClass::Region
                        && r.start_ns <= fb.start_ns
                        && r.end_ns.is_none_or(|x| x >= i.start_ns)
                });
                if region_between {
                    continue;
                }
                let Ok(expect) = theory::fluid_catch_up_time(l.r * stay, l.c, l.r) else {
                    continue;
                };
                // In integer ns first: at t ~ 1e7 s an f64 of seconds has ~2 ns resolution.
                let measured = fb.start_ns.saturating_sub(e) as f64 / 1e9 - stay;
                run.catch_up_residual += measured - expect;
                run.catch_up_theory += expect;
                run.catch_ups += 1.0;
            }
            _ => {}
        }
    }
    run.disturbance += tl.link_starts.len() as f64 * (l.d + l.t);
    run.lag_sum = o.lag_samples_ns.iter().map(|&x| x as f64 / 1e9).sum();
    run.lag_count = o.lag_samples_ns.len() as f64;
    run
}

/// The lag variant: no region outages (random or scheduled).
fn lag_variant(sc: &Scenario) -> Scenario {
    let mut v = sc.clone();
    v.region_failures = None;
    v.scheduled.retain(|i| i.class != IncidentClass::Region);
    v
}

/// `m`, or nothing measured when an assumption fails (so reports show no numbers for
/// checks that do not apply).
fn gated(assumptions: &[Assumption], m: Measured) -> Measured {
    if any_fails(assumptions) {
        Measured::not_run()
    } else {
        m
    }
}

pub(super) fn dr_checks(sc: &Scenario, ctx: &mut Ctx) -> Result<Vec<Check>, AnalyzeError> {
    let facts = link_facts(sc);
    let dr = sc.dr.as_ref();
    let has_link = Assumption::check(
        "self-service DR with a cross-region link",
        facts.is_some() && dr.is_some(),
        || "no self-service DR / cross-region link in this scenario".into(),
    );
    let (t, d, rho) = facts
        .as_ref()
        .map_or((f64::NAN, f64::NAN, f64::NAN), |l| (l.t, l.d, l.rho));
    let stable = Assumption::check(
        "the link keeps up: load ρ = r/c < 1",
        facts.as_ref().is_none_or(|l| l.rho < 1.0),
        || format!("link load ρ = {rho:.3} ≥ 1: no steady state, the lag grows without bound"),
    );
    let no_link_incidents = Assumption::check(
        "no link partitions or degradations (they build backlogs)",
        sc.link_failures.is_none() && sc.link_degradation.is_none(),
        || {
            "random link partitions/degradations build backlogs: the lag law changes after each"
                .into()
        },
    );
    let from_start = Assumption::check(
        "DR protects from the start (dr.enabled = true, no enable/disable operations)",
        dr.is_some_and(|d| d.enabled_at_start)
            && sc
                .operations
                .iter()
                .all(|op| op.kind == OperationKind::Drill),
        || "DR is turned on or off by operations: the link's steady state is not guaranteed".into(),
    );
    let apply_constant = Assumption::check(
        "constant apply delay",
        facts.as_ref().is_some_and(|l| l.apply_constant),
        || {
            format!(
                "apply delay is {}: with in-order apply, a random delay makes the window a maximum over batches, not d + Uniform(0, T)",
                sc.cross_region
                    .as_ref()
                    .map_or("absent".into(), |c| dist_name(&c.apply_delay))
            )
        },
    );
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
        has_link.clone(),
        from_start.clone(),
        random_regions,
        apply_constant.clone(),
        stable.clone(),
        no_link_incidents.clone(),
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
        "last sync = cut time of the newest durable batch; a batch is durable ρT + one-way + apply after its cut",
        Status::Holds,
    ));
    let mut lag_a = vec![
        has_link.clone(),
        from_start,
        apply_constant,
        stable.clone(),
        no_link_incidents.clone(),
        Assumption::new(
            "steady link: restarts (after a failback) and zone interruptions perturb the lag for a bounded time",
            Status::Approximate(
                "each perturbs the lag by at most 2(d + T) for its length + 2(d + T): bound in the allowance"
                    .into(),
            ),
        ),
    ];
    lag_a.push(Assumption::new(
        "lag sampled at uniform random instants while DR protects the primary",
        Status::Holds,
    ));
    let has_regions = sc.region_failures.is_some()
        || sc
            .scheduled
            .iter()
            .any(|i| i.class == IncidentClass::Region);
    lag_a.push(Assumption::new(
        "the primary region is up: the lag is the age of the newest durable cut",
        if has_regions {
            Status::InVariant(
                "region outages removed in the variant: until the operator decides, an outage leaves DR 'protected' with the lag growing as the data loss shown".into(),
            )
        } else {
            Status::Holds
        },
    ));
    let drills_exist = sc
        .operations
        .iter()
        .any(|op| op.kind == OperationKind::Drill);
    let drill_a = vec![
        has_link.clone(),
        Assumption::check(
            "drills are scheduled",
            drills_exist,
            || "no drill operations".into(),
        ),
        stable.clone(),
        no_link_incidents.clone(),
        Assumption::new(
            "writes served and the link running throughout 2T + the apply delay's 1 − 1e-12 quantile before the drill, so every batch that can still be pending was cut and sent regularly (others are excluded)",
            Status::Holds,
        ),
        Assumption::new(
            "apply delays independent and identically distributed across batches, applied in order; any switch law (its mean enters)",
            Status::Holds,
        ),
        Assumption::check(
            format!(
                "at most {MAX_PENDING_BATCHES} batches can be pending at a drill (the exact expectation integrates over each)"
            ),
            facts
                .as_ref()
                .is_none_or(|l| max_pending_batches(l) <= MAX_PENDING_BATCHES),
            || {
                format!(
                    "{:.0} batches of T = {} can be pending within the apply delay's 1 − 1e-12 quantile",
                    facts.as_ref().map_or(f64::NAN, max_pending_batches),
                    fsec(t)
                )
            },
        ),
    ];
    let catch_a = vec![
        has_link,
        Assumption::check(
            "drills are scheduled (their failback resyncs r × stay bytes)",
            drills_exist,
            || "no drill operations".into(),
        ),
        Assumption::check(
            "the link carries the writes and the backlog (r < c)",
            facts.as_ref().is_none_or(|l| l.rho < 1.0),
            || format!("write load ρ = {rho:.3} ≥ 1: drsim stays failed over"),
        ),
        Assumption::new(
            "no region outage between the drill and its failback (others are excluded)",
            Status::Holds,
        ),
    ];
    // P-K: never applicable to drsim's link; say why and what is compared instead.
    let mut pk_a = vec![Assumption::check(
        "a cross-region link",
        facts.is_some(),
        || "no cross-region link".into(),
    )];
    if let Some(l) = &facts {
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
    let pk_theory = facts.as_ref().map_or(f64::NAN, |l| {
        theory::pk_mean_wait(1.0 / l.t, l.rho * l.t, (l.rho * l.t).powi(2)).unwrap_or(f64::NAN)
    });

    let (lambda, apply_mean, one_way, r, c) = facts
        .as_ref()
        .map_or((f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN), |l| {
            (l.write_rate, l.apply_mean, l.one_way, l.r, l.c)
        });
    let window_mean = theory::batch_loss_window_mean(t, d).unwrap_or(f64::NAN);
    let lost_theory = theory::poisson_lost_writes_mean(lambda, window_mean).unwrap_or(f64::NAN);
    let switch_mean = dr.map_or(f64::NAN, |d| d.switch_time.mean_secs());
    let specs = (
        Spec {
            name: "emergency-lost-writes",
            title: "emergency failover: mean lost writes",
            source: "Poisson writes over the loss window (Ross, Stochastic Processes: M/G/∞ / Poisson process); theory::poisson_lost_writes_mean, theory::batch_loss_window_mean",
            unit: "writes",
        },
        Spec {
            name: "emergency-loss-window",
            title: "emergency failover: loss window distribution (periodic batches)",
            source: "uniform phase of a random failure in the batch cycle: W ~ Uniform[d, d + T]; theory::batch_loss_window_cdf",
            unit: "s",
        },
        Spec {
            name: "link-pk-wait",
            title: "link: mean queueing delay of a batch (Pollaczek–Khinchine)",
            source: "Kleinrock, Queueing Systems Vol. 1 (M/G/1); theory::pk_mean_wait",
            unit: "s",
        },
        Spec {
            name: "link-lag-mean",
            title: "link: mean replication lag (D/D/1 fluid, no queueing)",
            source: "fluid queue with periodic cuts (Kleinrock, Queueing Systems Vol. 2, fluid approximation): zero wait when ρ < 1, lag = age of the newest durable cut",
            unit: "s",
        },
        Spec {
            name: "drill-drain",
            title: "drill: drain + switch time (writes stopped)",
            source: "fluid backlog / bandwidth (Kleinrock Vol. 2, fluid approximation) with writes stopped (r = 0); in-order apply: the latest of the pending batches' completions, P(max ≤ x) = Π_j F(x − send_j) for independent delays (theory::latest_completion_mean, adaptive Simpson)",
            unit: "s",
        },
        Spec {
            name: "failback-catch-up",
            title: "failback: reverse resynchronisation (fluid catch-up)",
            source: "fluid catch-up B/(c − r) (Kleinrock Vol. 2); theory::fluid_catch_up_time",
            unit: "s",
        },
    );
    let formula_lost = format!(
        "E[N] = λ·E[W] = λ(d + T/2), d = ρT + one-way + apply; λ = {lambda}/s, T = {}, ρ = {rho:.4}, one-way = {}, apply = {}",
        fsec(t),
        fsec(one_way),
        fsec(apply_mean)
    );
    let formula_window = format!(
        "P(W ≤ w) = clamp((w − d)/T, 0, 1); d = {}, T = {}",
        fsec(d),
        fsec(t)
    );
    let formula_pk = "W_q = λE[S²]/(2(1 − ρ)) with λ = 1/T, S = ρT (what P-K would say for Poisson batch arrivals)".to_string();
    let formula_lag = format!(
        "E[lag] = d + T/2 (wait 0); d = {}, T = {}",
        fsec(d),
        fsec(t)
    );
    let formula_drill = format!(
        "E[RTO] = E[max_j (send_j + a_j)] + one-way + E[switch]: batches are applied in order, so the drain ends when the last of the pending batches j is applied; send_j = when batch j is fully sent with writes stopped (r = 0): the open batch at B(φ)/c, B(φ) = r·φ if φ ≥ ρT else r·T − (c − r)·φ, the batch cut k intervals back at ρT − φ − (k − 1)T, for every batch with send_j + Q_a(1 − 1e-12) ≥ 0; a_j i.i.d. apply delays of CDF F; E[max] = m + ∫_m^∞ (1 − Π_j F(x − send_j)) dx, m = max_j send_j; φ = drill time mod T; averaged over the drills used; c = {:.4} MB/s, r = {:.4} MB/s, E[switch] = {}",
        c / 1e6,
        r / 1e6,
        fsec(switch_mean)
    );
    let formula_catch = format!(
        "t = B/(c − r), B = r·stay; c = {:.4} MB/s, r = {:.4} MB/s",
        c / 1e6,
        r / 1e6
    );
    let needed = [&window_a, &lost_a, &lag_a, &drill_a, &catch_a]
        .iter()
        .any(|a| !any_fails(a));
    let Some(l) = facts.filter(|_| needed) else {
        return Ok(vec![
            build(
                specs.0,
                formula_lost,
                lost_a,
                lost_theory,
                Measured::not_run(),
            ),
            build(
                specs.1,
                formula_window,
                window_a,
                window_mean,
                Measured::not_run(),
            ),
            build(specs.2, formula_pk, pk_a, pk_theory, Measured::not_run()),
            build(
                specs.3,
                formula_lag,
                lag_a,
                window_mean,
                Measured::not_run(),
            ),
            build(
                specs.4,
                formula_drill,
                drill_a,
                f64::NAN,
                Measured::not_run(),
            ),
            build(
                specs.5,
                formula_catch,
                catch_a,
                f64::NAN,
                Measured::not_run(),
            ),
        ]);
    };
    let main_needed = [&window_a, &lost_a, &drill_a, &catch_a]
        .iter()
        .any(|a| !any_fails(a));
    let drains = DrainMemo(Mutex::new(BTreeMap::new()));
    let rows: Vec<DrRun> = if main_needed {
        ctx.simulate(sc, |o| dr_run(sc, &l, switch_mean, &drains, o))
    } else {
        Vec::new()
    };
    let lag_sc = lag_variant(sc);
    let lag_rows: Vec<DrRun> = if any_fails(&lag_a) {
        Vec::new()
    } else {
        ctx.simulate(&lag_sc, |o| dr_run(&lag_sc, &l, switch_mean, &drains, o))
    };
    let runs = rows.len();
    let as_is = format!("{runs} replications of the scenario as is");

    // Emergency: lost writes (ratio per failover) and the window sample.
    let lost_pairs: Vec<(f64, f64)> = rows.iter().map(|r| (r.lost, r.failovers)).collect();
    let failovers: f64 = rows.iter().map(|r| r.failovers).sum();
    let lost_m = Measured {
        simulation: format!("{as_is}; {failovers:.0} emergency failovers used"),
        simulated: ratio_over_runs(&lost_pairs).map_or(Simulated::NotRun, Simulated::Mean),
        allowance: 0.0,
        allowance_note: "none: the window law is exact in the fluid link and the count is Poisson given the window".into(),
    };
    let windows: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.windows.iter().copied())
        .collect();
    let window_m = Measured {
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
    };

    // Lag: ratio over samples, disturbance bound as allowance.
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
    let lag_m = Measured {
        simulation: format!(
            "{lag_runs} replications of the {}; {lag_samples:.0} lag samples ({SAMPLES_PER_RUN} uniform instants per replication, kept while DR protected the primary)",
            if has_regions { "variant" } else { "scenario as is" }
        ),
        simulated: ratio_over_runs(&lag_pairs).map_or(Simulated::NotRun, Simulated::Mean),
        allowance: lag_allow,
        allowance_note: format!(
            "link restarts and zone interruptions: 2(d + T) × Σ(length + 2(d + T)) / protected time = {lag_allow:.3e} s"
        ),
    };

    // Drills and failbacks: residuals against the per-event theory.
    let drills: f64 = rows.iter().map(|r| r.drills).sum();
    let drill_theory = rows.iter().map(|r| r.drill_theory).sum::<f64>() / drills;
    let drill_pairs: Vec<(f64, f64)> = rows.iter().map(|r| (r.drill_residual, r.drills)).collect();
    let drill_m = Measured {
        simulation: format!("{as_is}; {drills:.0} drills used"),
        simulated: ratio_over_runs(&drill_pairs)
            .map(|m| shifted(m, drill_theory))
            .map_or(Simulated::NotRun, Simulated::Mean),
        allowance: 3e-9,
        allowance_note:
            "send time, apply and switch draws are rounded to integer nanoseconds: ±3 ns".into(),
    };
    let catch_ups: f64 = rows.iter().map(|r| r.catch_ups).sum();
    let catch_theory = rows.iter().map(|r| r.catch_up_theory).sum::<f64>() / catch_ups;
    let catch_pairs: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.catch_up_residual, r.catch_ups))
        .collect();
    let catch_m = Measured {
        simulation: format!(
            "{as_is}; {catch_ups:.0} drill failbacks used (resync start = failover done + stay)"
        ),
        simulated: ratio_over_runs(&catch_pairs)
            .map(|m| shifted(m, catch_theory))
            .map_or(Simulated::NotRun, Simulated::Mean),
        allowance: 2e-9,
        allowance_note:
            "the resync duration and the changed time are rounded to integer nanoseconds: ±2 ns"
                .into(),
    };
    let lost_m = gated(&lost_a, lost_m);
    let window_m = gated(&window_a, window_m);
    let lag_m = gated(&lag_a, lag_m);
    let drill_m = gated(&drill_a, drill_m);
    let catch_m = gated(&catch_a, catch_m);
    Ok(vec![
        build(specs.0, formula_lost, lost_a, lost_theory, lost_m),
        build(specs.1, formula_window, window_a, window_mean, window_m),
        build(specs.2, formula_pk, pk_a, pk_theory, Measured::not_run()),
        build(specs.3, formula_lag, lag_a, window_mean, lag_m),
        build(specs.4, formula_drill, drill_a, drill_theory, drill_m),
        build(specs.5, formula_catch, catch_a, catch_theory, catch_m),
    ])
}
