//! Cross-region replication and the DR lifecycle: emergency loss, link lag, drill and failback.
//!
//! One file per family, each holding its checks' specs, assumptions, formulas and what they
//! take from the simulation; the families share one simulation of the scenario (and one of the
//! lag variant), measured per replication in [`replication`].

mod drill;
mod emergency;
mod failback;
mod lag;
mod replication;

use super::check::{any_fails, build, Assumption, Check, Measured};
use super::facts::dist_name;
use super::link::{link_facts, DrainMemo, LinkFacts};
use super::simulate::Ctx;
use super::AnalyzeError;
use crate::scenario::{OperationKind, Scenario};
use crate::theory;
use replication::{DrMeasure, DrRun};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The assumptions several DR checks share.
struct LinkAssumptions {
    has_link: Assumption,
    stable: Assumption,
    no_link_incidents: Assumption,
    from_start: Assumption,
    apply_constant: Assumption,
}

fn link_assumptions(sc: &Scenario, facts: Option<&LinkFacts>) -> LinkAssumptions {
    let dr = sc.dr.as_ref();
    let rho = facts.map_or(f64::NAN, |l| l.rho);
    LinkAssumptions {
        has_link: Assumption::check(
            "self-service DR with a cross-region link",
            facts.is_some() && dr.is_some(),
            || "no self-service DR / cross-region link in this scenario".into(),
        ),
        stable: Assumption::check(
            "the link keeps up: load ρ = r/c < 1",
            facts.is_none_or(|l| l.rho < 1.0),
            || format!("link load ρ = {rho:.3} ≥ 1: no steady state, the lag grows without bound"),
        ),
        no_link_incidents: Assumption::check(
            "no link partitions or degradations (they build backlogs)",
            sc.link_failures.is_none() && sc.link_degradation.is_none(),
            || {
                "random link partitions/degradations build backlogs: the lag law changes after each"
                    .into()
            },
        ),
        from_start: Assumption::check(
            "DR protects from the start (dr.enabled = true, no enable/disable operations)",
            dr.is_some_and(|d| d.enabled_at_start)
                && sc
                    .operations
                    .iter()
                    .all(|op| op.kind == OperationKind::Drill),
            || {
                "DR is turned on or off by operations: the link's steady state is not guaranteed"
                    .into()
            },
        ),
        apply_constant: Assumption::check(
            "constant apply delay",
            facts.is_some_and(|l| l.apply_constant),
            || {
                format!(
                    "apply delay is {}: with in-order apply, a random delay makes the window a maximum over batches, not d + Uniform(0, T)",
                    sc.cross_region
                        .as_ref()
                        .map_or("absent".into(), |c| dist_name(&c.apply_delay))
                )
            },
        ),
    }
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
    let shared = link_assumptions(sc, facts.as_ref());
    let (t, d) = facts.as_ref().map_or((f64::NAN, f64::NAN), |l| (l.t, l.d));
    let (window_a, lost_a) = emergency::assumptions(sc, &shared, t, d);
    let has_regions = lag::has_region_outages(sc);
    let lag_a = lag::lag_assumptions(&shared, has_regions);
    let drills_exist = sc
        .operations
        .iter()
        .any(|op| op.kind == OperationKind::Drill);
    let drill_a = drill::assumptions(&shared, drills_exist, facts.as_ref());
    let catch_a = failback::assumptions(&shared, drills_exist, facts.as_ref());
    let pk_a = lag::pk_assumptions(facts.as_ref());

    let window_mean = theory::batch_loss_window_mean(t, d).unwrap_or(f64::NAN);
    let lambda = facts.as_ref().map_or(f64::NAN, |l| l.write_rate);
    let lost_theory = theory::poisson_lost_writes_mean(lambda, window_mean).unwrap_or(f64::NAN);
    let pk_theory = lag::pk_theory(facts.as_ref());
    let switch_mean = sc
        .dr
        .as_ref()
        .map_or(f64::NAN, |d| d.switch_time.mean_secs());
    let formula_lost = emergency::lost_writes_formula(facts.as_ref());
    let formula_window = emergency::loss_window_formula(t, d);
    let formula_lag = lag::lag_formula(t, d);
    let formula_drill = drill::formula(facts.as_ref(), switch_mean);
    let formula_catch = failback::formula(facts.as_ref());

    let needed = [&window_a, &lost_a, &lag_a, &drill_a, &catch_a]
        .iter()
        .any(|a| !any_fails(a));
    let Some(l) = facts.filter(|_| needed) else {
        let not_run = Measured::not_run;
        return Ok(vec![
            build(
                emergency::LOST_WRITES,
                formula_lost,
                lost_a,
                lost_theory,
                not_run(),
            ),
            build(
                emergency::LOSS_WINDOW,
                formula_window,
                window_a,
                window_mean,
                not_run(),
            ),
            build(
                lag::PK_WAIT,
                lag::PK_FORMULA.into(),
                pk_a,
                pk_theory,
                not_run(),
            ),
            build(lag::LAG_MEAN, formula_lag, lag_a, window_mean, not_run()),
            build(
                drill::DRILL_DRAIN,
                formula_drill,
                drill_a,
                f64::NAN,
                not_run(),
            ),
            build(
                failback::CATCH_UP,
                formula_catch,
                catch_a,
                f64::NAN,
                not_run(),
            ),
        ]);
    };
    let main_needed = [&window_a, &lost_a, &drill_a, &catch_a]
        .iter()
        .any(|a| !any_fails(a));
    let drains = DrainMemo(Mutex::new(BTreeMap::new()));
    let measure = DrMeasure {
        sc,
        link: &l,
        switch_mean,
        drains: &drains,
    };
    let rows: Vec<DrRun> = if main_needed {
        ctx.simulate(sc, |o| measure.run(o))
    } else {
        Vec::new()
    };
    let lag_sc = lag::lag_variant(sc);
    let lag_measure = DrMeasure {
        sc: &lag_sc,
        ..measure
    };
    let lag_rows: Vec<DrRun> = if any_fails(&lag_a) {
        Vec::new()
    } else {
        ctx.simulate(&lag_sc, |o| lag_measure.run(o))
    };
    let as_is = format!("{} replications of the scenario as is", rows.len());

    let lost_m = gated(&lost_a, emergency::lost_writes_measured(&rows, &as_is));
    let window_m = gated(
        &window_a,
        emergency::loss_window_measured(&rows, &as_is, &l),
    );
    let lag_m = gated(&lag_a, lag::lag_measured(&lag_rows, &l, sc, has_regions));
    let (drill_theory, drill_m) = drill::measured(&rows, &as_is);
    let drill_m = gated(&drill_a, drill_m);
    let (catch_theory, catch_m) = failback::measured(&rows, &as_is);
    let catch_m = gated(&catch_a, catch_m);
    Ok(vec![
        build(
            emergency::LOST_WRITES,
            formula_lost,
            lost_a,
            lost_theory,
            lost_m,
        ),
        build(
            emergency::LOSS_WINDOW,
            formula_window,
            window_a,
            window_mean,
            window_m,
        ),
        build(
            lag::PK_WAIT,
            lag::PK_FORMULA.into(),
            pk_a,
            pk_theory,
            Measured::not_run(),
        ),
        build(lag::LAG_MEAN, formula_lag, lag_a, window_mean, lag_m),
        build(
            drill::DRILL_DRAIN,
            formula_drill,
            drill_a,
            drill_theory,
            drill_m,
        ),
        build(
            failback::CATCH_UP,
            formula_catch,
            catch_a,
            catch_theory,
            catch_m,
        ),
    ])
}
