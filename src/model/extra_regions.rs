//! Outages of the regions beyond the home region and its pair (region
//! numbers 2, 3, …; `Scenario::extra_regions`): a random renewal process
//! per region (`[failures.regions]`, or its `[[failures.region]]`
//! override) drawn from the region's own stream
//! (`Stream::ExtraRegionFailures(k)`), and scheduled `[[incidents]]`
//! naming the region. Each outage is a `region` incident whose scope is
//! the region's name. A region beyond the pair holds nothing of the
//! environment by itself: its outages stop writes only through a feature
//! that places something there.

use super::{Event, Replication};
use crate::engine::rng::{stream_rng, Stream};
use crate::incident::IncidentClass;
use crate::scenario::{Scenario, Side};
use crate::time::{SimDuration, SimTime};
use rand::rngs::ChaCha8Rng;

/// The outage state of each region beyond the pair (by index in
/// `Scenario::extra_regions`).
pub(super) struct ExtraRegions {
    /// Active outages holding each region down (they may overlap).
    down: Vec<u32>,
    /// The outage process of each region, its own stream.
    failures: Vec<ChaCha8Rng>,
}

impl ExtraRegions {
    pub(super) fn new(sc: &Scenario, run: u64) -> Self {
        let seed = sc.simulation.seed;
        ExtraRegions {
            down: vec![0; sc.extra_regions.len()],
            failures: sc
                .extra_regions
                .iter()
                .map(|e| stream_rng(seed, run, Stream::ExtraRegionFailures(e.number)))
                .collect(),
        }
    }
}

impl Replication<'_> {
    /// Schedules the first random outage of every region beyond the pair
    /// that fails at random.
    pub(super) fn start_extra_region_processes(&mut self) {
        for (extra, e) in self.sc.extra_regions.iter().enumerate() {
            if let Some(f) = &e.failures {
                let first = f
                    .process
                    .time_between
                    .sample(&mut self.extra.failures[extra]);
                self.sched.after(first, Event::RandomExtraOutage { extra });
            }
        }
    }

    /// Name of region `extra` beyond the pair (incident scopes, traces).
    pub(super) fn extra_region_name(&self, extra: usize) -> String {
        self.sc.regions[self.sc.extra_regions[extra].region]
            .name
            .clone()
    }

    /// Whether region `extra` beyond the pair is down now.
    pub(super) fn extra_region_down(&self, extra: usize) -> bool {
        self.extra.down[extra] > 0
    }

    pub(super) fn random_extra_outage(&mut self, now: SimTime, extra: usize) {
        let f = self.sc.extra_regions[extra]
            .failures
            .as_ref()
            .expect("scheduled only with a process");
        let duration = f.process.duration.sample(&mut self.extra.failures[extra]);
        let destroys = self.draw_extra_destruction(extra);
        self.extra_outage(now, extra, duration, destroys, false, true);
    }

    /// Region `extra` fails for `duration` (destroying what it holds, if
    /// `destroys`: a further secondary's copy, `secondaries.rs`). Returns
    /// the incident.
    pub(super) fn extra_outage(
        &mut self,
        now: SimTime,
        extra: usize,
        duration: SimDuration,
        destroys: bool,
        scheduled: bool,
        renew: bool,
    ) -> usize {
        let incident = self.open_incident(now, IncidentClass::Region, Side::Home, &[], scheduled);
        self.incidents[incident].record.scope = self.extra_region_name(extra);
        self.extra.down[extra] += 1;
        self.sched.after(
            duration,
            Event::ExtraRepair {
                extra,
                incident,
                renew,
            },
        );
        if let Some(i) = self.secondary_of_extra(extra) {
            self.secondary_down(now, i, incident, destroys);
        }
        self.reconcile(now, Some(incident), None);
        incident
    }

    pub(super) fn extra_repair(
        &mut self,
        now: SimTime,
        extra: usize,
        incident: usize,
        renew: bool,
    ) {
        self.extra.down[extra] -= 1;
        self.component_repaired(now, incident);
        if let Some(i) = self.secondary_of_extra(extra) {
            self.secondary_up(now, i);
        }
        if renew {
            if let Some(f) = &self.sc.extra_regions[extra].failures {
                let next = f
                    .process
                    .time_between
                    .sample(&mut self.extra.failures[extra]);
                self.sched.after(next, Event::RandomExtraOutage { extra });
            }
        }
        self.reconcile(now, None, None);
    }
}
