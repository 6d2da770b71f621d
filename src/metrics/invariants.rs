//! The laws every real aggregate obeys, checked on each state a merge
//! absorbs (and on the sum): a state that breaks one was edited, damaged or
//! written by a broken drsim, and would otherwise turn into a summary with
//! a share of targets met of 32,958 or a standard deviation of 10^35.
//!
//! Each law follows from how [`Aggregator::add`] folds replications (its
//! proof is in the comment beside it); the unit tests check that real runs
//! pass them all and that breaking one is refused, naming the field.

use super::moments::U256;
use super::{Aggregator, ClassTotals, Moments, Realised, StateError, RTO_COMPONENTS};
use crate::incident::IncidentClass;
use crate::scenario::TargetBasis;
use hdrhistogram::Histogram;

/// Checks `agg`, refusing with the key path of the first field at fault.
pub(super) fn check(agg: &Aggregator) -> Result<(), StateError> {
    check_per_run(agg)?;
    let mut incidents: u64 = 0;
    let mut downtime_ns: u128 = 0;
    for (class, c) in &agg.classes {
        let what = format!("state.classes.{}", class.name());
        check_class(&what, c, agg.runs, agg.horizon_ns)?;
        // Σ over the classes cannot pass the per-run totals checked below.
        incidents = incidents.saturating_add(c.incidents);
        downtime_ns = downtime_ns.saturating_add(c.downtime_ns);
    }
    // Every incident belongs to one class, and each replication pushes its
    // incident count.
    equal(
        "state.incidents_per_run.sum",
        agg.incidents_per_run.sum,
        "the incidents of every class",
        u128::from(incidents),
    )?;
    // Each instant without service is charged to exactly one incident
    // (the books the model's property tests close).
    equal(
        "state.downtime_ns.sum",
        agg.downtime_ns.sum,
        "the downtime charged to every class",
        downtime_ns,
    )?;
    check_targets(agg)?;
    check_emergency(agg)?;
    check_services(agg)
}

/// One sample per replication of served, down and DR-active time (each at
/// most the horizon) and of the incident count; served + down = horizon in
/// every replication, so their sums and squares are tied exactly.
fn check_per_run(agg: &Aggregator) -> Result<(), StateError> {
    let h = agg.horizon_ns;
    for (what, m, max) in [
        ("state.served_ns", &agg.served_ns, Some(h)),
        ("state.downtime_ns", &agg.downtime_ns, Some(h)),
        ("state.read_served_ns", &agg.read_served_ns, Some(h)),
        ("state.read_downtime_ns", &agg.read_downtime_ns, Some(h)),
        ("state.dr_active_ns", &agg.dr_active_ns, Some(h)),
        ("state.unprotected_ns", &agg.unprotected_ns, Some(h)),
        ("state.throttled_ns", &agg.throttled_ns, Some(h)),
        ("state.throttled_writes", &agg.throttled_writes, None),
        ("state.incidents_per_run", &agg.incidents_per_run, None),
    ] {
        if m.n != agg.runs {
            return Err(StateError(format!(
                "{what}.n: {} samples, but the state holds {} runs (one sample per run)",
                m.n, agg.runs
            )));
        }
        m.check(what, max)?;
    }
    let lag = &agg.lag_at_horizon_ns;
    at_most("state.lag_at_horizon_ns.n", lag.n, "runs", agg.runs)?;
    lag.check("state.lag_at_horizon_ns", None)?;
    let runs_horizon = u128::from(agg.runs) * u128::from(h);
    complements(
        ("state.served_ns", &agg.served_ns),
        ("state.downtime_ns", &agg.downtime_ns),
        runs_horizon,
        h,
    )?;
    complements(
        ("state.read_served_ns", &agg.read_served_ns),
        ("state.read_downtime_ns", &agg.read_downtime_ns),
        runs_horizon,
        h,
    )?;
    // Reads are served whenever writes are, in every replication.
    if agg.read_downtime_ns.sum > agg.downtime_ns.sum {
        return Err(StateError(format!(
            "state.read_downtime_ns.sum: {}, more than state.downtime_ns.sum = {} (reads are \
             served whenever writes are)",
            agg.read_downtime_ns.sum, agg.downtime_ns.sum
        )));
    }
    Ok(())
}

/// Served + down = horizon in every replication, so the sums and the
/// squares of the two samples are tied exactly.
fn complements(
    (served_what, served): (&str, &Moments),
    (down_what, down): (&str, &Moments),
    runs_horizon: u128,
    h: u64,
) -> Result<(), StateError> {
    equal(
        &format!("{down_what}.sum"),
        down.sum,
        &format!("runs × horizon − {}.sum", &served_what["state.".len()..]),
        runs_horizon.saturating_sub(served.sum),
    )?;
    // Σ(h − s)² = n·h² − 2h·Σs + Σs², i.e. Σd² + 2h·Σs = n·h² + Σs².
    let h256 = U256::from_u128(u128::from(h));
    let tied = (|| {
        let two_h_served = U256::from_u128(served.sum).checked_mul(h256)?;
        let lhs = down
            .sum_sq
            .checked_add(two_h_served)?
            .checked_add(two_h_served)?;
        let rhs = U256::from_u128(runs_horizon)
            .checked_mul(h256)?
            .checked_add(served.sum_sq)?;
        Some(lhs == rhs)
    })();
    if tied != Some(true) {
        return Err(StateError(format!(
            "{down_what}.sum_sq: does not match {served_what}.sum_sq (down = horizon − \
             served in every run ties their squares exactly)"
        )));
    }
    Ok(())
}

fn check_class(what: &str, c: &ClassTotals, runs: u64, horizon_ns: u64) -> Result<(), StateError> {
    let field = |f: &str| format!("{what}.{f}");
    // Disruptive incidents stopped writes or began while stopped; the
    // interrupting ones are disruptive.
    at_most(
        &field("interrupted"),
        c.interrupted,
        "disruptive",
        c.disruptive,
    )?;
    for (name, n) in [
        ("disruptive", c.disruptive),
        ("rto_zero", c.rto_zero),
        ("unresolved", c.unresolved),
        ("with_loss", c.with_loss),
        ("total_losses", c.total_losses),
        ("escalated", c.escalated),
    ] {
        at_most(&field(name), n, "incidents", c.incidents)?;
    }
    // Each incident with a loss lost at least one write (the total saturates
    // at 2^64 − 1, which keeps this).
    at_most(
        &field("with_loss"),
        c.with_loss,
        "lost_writes",
        c.lost_writes,
    )?;
    if c.lost_writes > 0 && c.with_loss == 0 {
        return Err(StateError(format!(
            "{}: {} writes lost by no incident with a loss",
            field("lost_writes"),
            c.lost_writes
        )));
    }
    check_realised(&field("all"), &c.all, c.incidents)?;
    check_realised(&field("disruptive_only"), &c.disrupted, c.disruptive)?;
    let rto_zero_bucket = c.all.rto_ns.count_at(0);
    equal(
        &field("rto_zero"),
        u128::from(c.rto_zero),
        "the zeros of all.rto_ns",
        u128::from(rto_zero_bucket),
    )?;
    let mut parts: u128 = 0;
    for (k, name) in RTO_COMPONENTS.iter().enumerate() {
        let w = field(&format!("rto_components.ns.{name}"));
        count_is(&w, &c.components.ns[k], c.disruptive, "disruptive")?;
        sum_within_buckets(
            &field(&format!("rto_components.sum_ns.{name}")),
            c.components.sum_ns[k],
            &c.components.ns[k],
        )?;
        parts = parts.saturating_add(c.components.sum_ns[k]);
    }
    // The components of each disruptive incident add up to its RTO.
    equal(
        &field("rto_components.sum_ns"),
        parts,
        "disruptive_only.rto_sum_ns",
        c.disrupted.rto_sum_ns,
    )?;
    let resyncs = c.resync_ns.len();
    at_most(&field("resync_ns"), resyncs, "incidents", c.incidents)?;
    sum_within_buckets(&field("resync_sum_ns"), c.resync_sum_ns, &c.resync_ns)?;
    let most = u128::from(runs) * u128::from(horizon_ns);
    if c.downtime_ns > most {
        return Err(StateError(format!(
            "{}: {} ns, more than {runs} runs of {horizon_ns} ns",
            field("downtime_ns"),
            c.downtime_ns
        )));
    }
    Ok(())
}

/// Both histograms hold one value per incident counted, and each sum lies
/// within its histogram's buckets.
fn check_realised(what: &str, r: &Realised, count: u64) -> Result<(), StateError> {
    for (name, h, sum) in [
        ("rpo", &r.rpo_ns, r.rpo_sum_ns),
        ("rto", &r.rto_ns, r.rto_sum_ns),
    ] {
        count_is(&format!("{what}.{name}_ns"), h, count, "incidents")?;
        sum_within_buckets(&format!("{what}.{name}_sum_ns"), sum, h)?;
    }
    Ok(())
}

/// A target is met by at most the incidents it is judged over.
fn check_targets(agg: &Aggregator) -> Result<(), StateError> {
    for (i, (t, &met)) in agg.targets.iter().zip(&agg.targets_met).enumerate() {
        let judged = agg.classes.get(&t.class).map_or(0, |c| match t.basis {
            TargetBasis::All => c.incidents,
            TargetBasis::Disruptive => c.disruptive,
        });
        if met > judged {
            return Err(StateError(format!(
                "state.targets_met[{i}]: {met} incidents meet the {} {} target, but only {judged} \
                 are judged ({} basis): a share met above 1",
                t.class.name(),
                t.metric.name(),
                t.basis.name()
            )));
        }
    }
    Ok(())
}

/// Decisions and loss windows are taken on region incidents (the two
/// loss-window histograms record the same values); a link catches up at
/// most once per incident; a run seeds at most once.
fn check_emergency(agg: &Aggregator) -> Result<(), StateError> {
    let region = agg
        .classes
        .get(&IncidentClass::Region)
        .map_or(0, |c| c.incidents);
    let decisions = agg
        .decisions
        .values()
        .try_fold(0u64, |a, &n| a.checked_add(n))
        .unwrap_or(u64::MAX);
    at_most("state.decisions", decisions, "region incidents", region)?;
    if agg.loss_window_ns != agg.shown_loss_ns {
        return Err(StateError(
            "state.histograms.shown_loss_ns: differs from loss_window_ns (both record the loss \
             shown at each emergency decision)"
                .into(),
        ));
    }
    let windows = agg.loss_window_ns.len();
    at_most(
        "state.histograms.loss_window_ns",
        windows,
        "region incidents",
        region,
    )?;
    let all = agg
        .classes
        .values()
        .fold(0u64, |a, c| a.saturating_add(c.incidents));
    let catch_ups = agg.catch_up_ns.len();
    at_most("state.histograms.catch_up_ns", catch_ups, "incidents", all)?;
    let seeds = agg.seeding_ns.len();
    at_most("state.histograms.seeding_ns", seeds, "runs", agg.runs)?;
    // The summary reports the refusals' total: it must fit.
    let mut refused: u64 = 0;
    for (operation, reasons) in &agg.refused {
        for n in reasons.values() {
            refused = refused.checked_add(*n).ok_or_else(|| {
                StateError(format!(
                    "state.refused.{operation}: the refusals add up past 2^64 − 1"
                ))
            })?;
        }
    }
    Ok(())
}

/// A service is down at most the whole horizon of every run.
fn check_services(agg: &Aggregator) -> Result<(), StateError> {
    let most = u128::from(agg.runs) * u128::from(agg.horizon_ns);
    for (i, per_class) in agg.service_downtime_ns.iter().enumerate() {
        let total = per_class
            .values()
            .try_fold(0u128, |a, &ns| a.checked_add(ns))
            .unwrap_or(u128::MAX);
        if total > most {
            return Err(StateError(format!(
                "state.service_downtime_ns[{i}]: {total} ns down, more than {} runs of {} ns",
                agg.runs, agg.horizon_ns
            )));
        }
    }
    Ok(())
}

fn count_is(what: &str, h: &Histogram<u64>, count: u64, of: &str) -> Result<(), StateError> {
    if h.len() != count {
        return Err(StateError(format!(
            "{what}: the histogram holds {} values, but the state counts {count} {of}",
            h.len()
        )));
    }
    Ok(())
}

/// Each value lies in its bucket, so the exact sum of the values lies
/// between Σ count × lowest and Σ count × highest value of the buckets.
/// (Values past 2^62 may have been clamped into the top bucket by
/// `record`: no upper bound then.)
fn sum_within_buckets(what: &str, sum: u128, h: &Histogram<u64>) -> Result<(), StateError> {
    let (mut low, mut high) = (0u128, 0u128);
    for v in h.iter_recorded() {
        let n = u128::from(v.count_at_value());
        let top = v.value_iterated_to();
        low = low.saturating_add(n * u128::from(h.lowest_equivalent(top)));
        high = high.saturating_add(n * u128::from(top));
    }
    let clamped = !h.is_empty() && h.max() >= 1 << 62;
    if sum < low || (sum > high && !clamped) {
        return Err(StateError(format!(
            "{what}: {sum} is not the sum of the {} values of its histogram (which lies in [{low}, \
             {high}])",
            h.len()
        )));
    }
    Ok(())
}

fn at_most(what: &str, n: u64, of: &str, bound: u64) -> Result<(), StateError> {
    if n > bound {
        return Err(StateError(format!(
            "{what}: {n}, more than the {bound} {of} it is drawn from"
        )));
    }
    Ok(())
}

fn equal(what: &str, found: u128, law: &str, expected: u128) -> Result<(), StateError> {
    if found != expected {
        return Err(StateError(format!(
            "{what}: {found}, but {law} = {expected}"
        )));
    }
    Ok(())
}
