//! Simulating for a check: replications of a scenario or a variant in parallel, and what one
//! replication's records say about when writes were served and the link ran.

use crate::incident::IncidentClass;
use crate::model::ReplicationOutcome;
use crate::runner::run_replication;
use crate::scenario::{OperationKind, Scenario};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Replications simulated in parallel between two polls of `stop`.
const CHUNK: u64 = 256;

/// Runs replications of variants in parallel, in index order.
pub(super) struct Ctx<'a> {
    pub(super) runs: u64,
    pub(super) stop: &'a AtomicBool,
    pub(super) partial: bool,
}

impl Ctx<'_> {
    /// `per_run` of replications 0..runs of `sc`, in replication order. Replications are
    /// independent (stream r of the master seed), so any statistic computed once per replication
    /// is an i.i.d. sample.
    pub(super) fn simulate<T: Send>(
        &mut self,
        sc: &Scenario,
        per_run: impl Fn(&ReplicationOutcome) -> T + Sync,
    ) -> Vec<T> {
        let mut out = Vec::with_capacity(self.runs.min(1 << 20) as usize);
        let mut start = 0;
        while start < self.runs {
            if self.stop.load(Ordering::Relaxed) {
                self.partial = true;
                break;
            }
            let end = start.saturating_add(CHUNK).min(self.runs);
            let chunk: Vec<T> = (start..end)
                .into_par_iter()
                .map(|r| per_run(&run_replication(sc, r)))
                .collect();
            out.extend(chunk);
            start = end;
        }
        out
    }
}

/// What a replication's records say about when writes were served.
pub(super) struct Timeline {
    /// Interruptions of positive length [start, end) in ns (end censored at the horizon),
    /// sorted by start. Each interruption is owned by exactly one incident.
    pub(super) interruptions: Vec<(u64, u64)>,
    /// Instants at which the cross-region link (re)started: DR on at 0, the end of an initial
    /// seeding, every completed switch back.
    pub(super) link_starts: Vec<u64>,
    /// Outages of the paired region [start, end) in ns: the log does not ship.
    pub(super) paired_outages: Vec<(u64, u64)>,
}

impl Timeline {
    pub(super) fn of(sc: &Scenario, o: &ReplicationOutcome) -> Self {
        let mut interruptions: Vec<(u64, u64)> = o
            .incidents
            .iter()
            // An overlapping incident's interruption is its cause's.
            .filter(|i| i.overlaps.is_none())
            .filter_map(|i| {
                let s = i.interruption_start_ns?;
                let e = i.interruption_end_ns.unwrap_or(o.horizon_ns);
                (e > s).then_some((s, e))
            })
            .collect();
        interruptions.sort_unstable();
        let mut link_starts = Vec::new();
        if sc.dr.as_ref().is_some_and(|d| d.enabled_at_start) {
            link_starts.push(0);
        }
        if let (Some(seeding), Some(enable)) = (
            o.seeding_ns,
            sc.operations
                .iter()
                .find(|op| op.kind == OperationKind::Enable),
        ) {
            link_starts.push(enable.at.0.saturating_add(seeding));
        }
        link_starts.extend(
            o.incidents
                .iter()
                .filter(|i| {
                    matches!(
                        i.class,
                        IncidentClass::Failback | IncidentClass::DrillReturn
                    )
                })
                .filter_map(|i| i.interruption_end_ns),
        );
        link_starts.sort_unstable();
        let paired_outages = o
            .incidents
            .iter()
            .filter(|i| i.class == IncidentClass::PairedRegion)
            .map(|i| (i.start_ns, i.end_ns.unwrap_or(o.horizon_ns)))
            .collect();
        Timeline {
            interruptions,
            link_starts,
            paired_outages,
        }
    }

    /// Writes were served throughout [from, to).
    pub(super) fn served_throughout(&self, from: u64, to: u64) -> bool {
        !self.interruptions.iter().any(|&(s, e)| s < to && e > from)
    }

    /// The link has run without restart, and the paired region has been
    /// up, since at least `since` at instant `t`.
    pub(super) fn link_steady(&self, since: u64, t: u64) -> bool {
        let last = self.link_starts.iter().rev().find(|&&s| s <= t);
        let paired_down = self.paired_outages.iter().any(|&(s, e)| s < t && e > since);
        last.is_some_and(|&s| s <= since) && !paired_down
    }
}
