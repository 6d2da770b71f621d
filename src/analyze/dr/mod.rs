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

use super::check::{any_fails, build, Assumption, Check, Measured, Spec};
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
            "constant delay from arrival to durability (none with durable_at = arrival)",
            facts.is_some_and(|l| l.apply_constant),
            || {
                format!(
                    "durable on apply with an apply delay {}: with in-order apply, a random delay makes the window a maximum over batches, not d + Uniform(0, T)",
                    sc.cross_region
                        .as_ref()
                        .map_or("absent".into(), |c| dist_name(&c.sync_delay()))
                )
            },
        ),
    }
}

/// A check before the simulation: everything but what was measured.
struct Planned {
    spec: Spec,
    formula: String,
    assumptions: Vec<Assumption>,
    theory: f64,
}

impl Planned {
    /// The check with `m`, or with nothing measured when an assumption fails (so reports show
    /// no numbers for checks that do not apply).
    fn judged(self, m: Measured) -> Check {
        let m = if any_fails(&self.assumptions) {
            Measured::not_run()
        } else {
            m
        };
        build(self.spec, self.formula, self.assumptions, self.theory, m)
    }

    /// For the drill and failback checks, whose theory averages over the events simulated.
    fn with_theory(self, theory: f64) -> Self {
        Planned { theory, ..self }
    }
}

pub(super) fn dr_checks(sc: &Scenario, ctx: &mut Ctx) -> Result<Vec<Check>, AnalyzeError> {
    let facts = link_facts(sc);
    let shared = link_assumptions(sc, facts.as_ref());
    let (t, d) = facts.as_ref().map_or((f64::NAN, f64::NAN), |l| (l.t, l.d));
    let (window_a, lost_a) = emergency::assumptions(sc, &shared, t, d);
    let has_regions = lag::has_region_outages(sc);
    let drills_exist = sc
        .operations
        .iter()
        .any(|op| op.kind == OperationKind::Drill);
    let window_mean = theory::batch_loss_window_mean(t, d).unwrap_or(f64::NAN);
    let lambda = facts.as_ref().map_or(f64::NAN, |l| l.write_rate);
    let switch_mean = sc
        .dr
        .as_ref()
        .map_or(f64::NAN, |d| d.switch_time.mean_secs());
    let lost = Planned {
        spec: emergency::LOST_WRITES,
        formula: emergency::lost_writes_formula(facts.as_ref()),
        assumptions: lost_a,
        theory: theory::poisson_lost_writes_mean(lambda, window_mean).unwrap_or(f64::NAN),
    };
    let window = Planned {
        spec: emergency::LOSS_WINDOW,
        formula: emergency::loss_window_formula(facts.as_ref(), t, d),
        assumptions: window_a,
        theory: window_mean,
    };
    let pk = Planned {
        spec: lag::PK_WAIT,
        formula: lag::PK_FORMULA.into(),
        assumptions: lag::pk_assumptions(facts.as_ref()),
        theory: lag::pk_theory(facts.as_ref()),
    };
    let lag = Planned {
        spec: lag::LAG_MEAN,
        formula: lag::lag_formula(t, d),
        assumptions: lag::lag_assumptions(&shared, has_regions),
        theory: window_mean,
    };
    let drill = Planned {
        spec: drill::DRILL_DRAIN,
        formula: drill::formula(facts.as_ref(), switch_mean),
        assumptions: drill::assumptions(&shared, drills_exist, facts.as_ref()),
        theory: f64::NAN,
    };
    let catch_up = Planned {
        spec: failback::CATCH_UP,
        formula: failback::formula(facts.as_ref()),
        assumptions: failback::assumptions(&shared, drills_exist, facts.as_ref()),
        theory: f64::NAN,
    };

    let applies = |p: &Planned| !any_fails(&p.assumptions);
    let needed = [&window, &lost, &lag, &drill, &catch_up]
        .into_iter()
        .any(applies);
    let Some(l) = facts.filter(|_| needed) else {
        return Ok([lost, window, pk, lag, drill, catch_up]
            .map(|p| p.judged(Measured::not_run()))
            .into());
    };
    let main_needed = [&window, &lost, &drill, &catch_up].into_iter().any(applies);
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
    let lag_rows: Vec<DrRun> = if applies(&lag) {
        ctx.simulate(&lag_sc, |o| lag_measure.run(o))
    } else {
        Vec::new()
    };
    let as_is = format!("{} replications of the scenario as is", rows.len());
    let (drill_theory, drill_m) = drill::measured(&rows, &as_is);
    let (catch_theory, catch_m) = failback::measured(&rows, &as_is);
    Ok(vec![
        lost.judged(emergency::lost_writes_measured(&rows, &as_is)),
        window.judged(emergency::loss_window_measured(&rows, &as_is, &l)),
        pk.judged(Measured::not_run()),
        lag.judged(lag::lag_measured(&lag_rows, &l, sc, has_regions)),
        drill.with_theory(drill_theory).judged(drill_m),
        catch_up.with_theory(catch_theory).judged(catch_m),
    ])
}
