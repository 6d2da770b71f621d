//! What one replication measured for the DR checks: loss windows and lost writes of emergency
//! failovers, lag samples and their disturbances, drill drains and failback resyncs.

use super::super::link::{DrainMemo, LinkFacts};
use super::super::simulate::Timeline;
use crate::incident::{Incident, IncidentClass};
use crate::model::ReplicationOutcome;
use crate::scenario::{OperationKind, Scenario};
use crate::theory;

/// Per-replication measurements of the DR checks.
#[derive(Default)]
pub(super) struct DrRun {
    pub windows: Vec<f64>,
    pub lost: f64,
    pub failovers: f64,
    pub lag_sum: f64,
    pub lag_count: f64,
    /// Σ over disturbances of the lag (link starts, zone interruptions) of their length + 2(d + T).
    pub disturbance: f64,
    pub drill_residual: f64,
    pub drill_theory: f64,
    pub drills: f64,
    pub catch_up_residual: f64,
    pub catch_up_theory: f64,
    pub catch_ups: f64,
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

/// What the link and the scenario contribute to every replication's measurement.
pub(super) struct DrMeasure<'a> {
    pub sc: &'a Scenario,
    pub link: &'a LinkFacts,
    pub switch_mean: f64,
    pub drains: &'a DrainMemo,
}

impl DrMeasure<'_> {
    pub fn run(&self, o: &ReplicationOutcome) -> DrRun {
        let l = self.link;
        let tl = Timeline::of(self.sc, o);
        let mut run = DrRun::default();
        for i in &o.incidents {
            match i.class {
                IncidentClass::Region => self.region(&tl, i, &mut run),
                IncidentClass::Zone => {
                    if let Some(s) = i.interruption_start_ns {
                        let e = i.interruption_end_ns.unwrap_or(o.horizon_ns);
                        run.disturbance += (e - s) as f64 / 1e9 + 2.0 * (l.d + l.t);
                    }
                }
                IncidentClass::Drill => self.drill(&tl, o, i, &mut run),
                _ => {}
            }
        }
        run.disturbance += tl.link_starts.len() as f64 * (l.d + l.t);
        run.lag_sum = o.lag_samples_ns.iter().map(|&x| x as f64 / 1e9).sum();
        run.lag_count = o.lag_samples_ns.len() as f64;
        run
    }

    /// The loss window of a region outage that struck a steady link while writes flowed, and
    /// the writes lost when it led to an emergency failover.
    fn region(&self, tl: &Timeline, i: &Incident, run: &mut DrRun) {
        let l = self.link;
        let settle = ((l.d + 2.0 * l.t) * 1e9).ceil() as u64;
        let (Some(sync), Some(stopped)) = (i.last_sync_ns, i.interruption_start_ns) else {
            return;
        };
        let from = i.start_ns.saturating_sub(settle);
        if stopped != i.start_ns
            || i.overlaps.is_some()
            || i.start_ns < settle
            || !tl.served_throughout(from, i.start_ns)
            || !tl.link_steady(from, i.start_ns)
        {
            return;
        }
        run.windows.push((i.start_ns - sync) as f64 / 1e9);
        if i.decision == Some("failover") && i.recovery == "dr-failover" {
            run.lost += i.lost_writes as f64;
            run.failovers += 1.0;
        }
    }

    /// The drain of a drill that began on a steady link, against its per-phase theory; then
    /// the failback that follows it.
    fn drill(&self, tl: &Timeline, o: &ReplicationOutcome, i: &Incident, run: &mut DrRun) {
        let l = self.link;
        let (Some(s), Some(e)) = (i.interruption_start_ns, i.interruption_end_ns) else {
            return;
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
            return;
        }
        let expect = self.drains.get(l, s % l.t_ns) + l.one_way + self.switch_mean;
        run.drill_residual += (e - s) as f64 / 1e9 - expect;
        run.drill_theory += expect;
        run.drills += 1.0;
        self.failback(o, i, e, run);
    }

    /// The failback after a drill that completed its failover at `e`: its reverse resync
    /// started `stay` after the failover completed.
    fn failback(&self, o: &ReplicationOutcome, i: &Incident, e: u64, run: &mut DrRun) {
        let l = self.link;
        let Some(stay) = drill_stay(self.sc, i.start_ns) else {
            return;
        };
        let Some(fb) = o
            .incidents
            .iter()
            .find(|f| f.class == IncidentClass::DrillReturn && f.start_ns >= e)
        else {
            return;
        };
        let region_between = o.incidents.iter().any(|r| {
            r.class == IncidentClass::Region
                && r.start_ns <= fb.start_ns
                && r.end_ns.is_none_or(|x| x >= i.start_ns)
        });
        if region_between {
            return;
        }
        let Ok(expect) = theory::fluid_catch_up_time(l.r * stay, l.c, l.r) else {
            return;
        };
        // In integer ns first: at t ~ 1e7 s an f64 of seconds has ~2 ns resolution.
        let measured = fb.start_ns.saturating_sub(e) as f64 / 1e9 - stay;
        run.catch_up_residual += measured - expect;
        run.catch_up_theory += expect;
        run.catch_ups += 1.0;
    }
}
