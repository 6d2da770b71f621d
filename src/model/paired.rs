//! Outages of the home region's paired region: a random renewal process
//! (`failures.regions`, or its `[[failures.region]]` override), scheduled
//! `[[incidents]]` naming the paired region, and escalated outages of its
//! zones. Each takes every zone of the region down and opens a
//! `paired-region` incident; the DR lifecycle decides its effect ([`Trigger::PairedDown`],
//! [`Trigger::PairedUp`]): shipping stops, drills and failovers into it are
//! refused or called off, the environment running there waits for it, and
//! a destroying outage deletes what it holds.
//!
//! [`Trigger::PairedDown`]: super::dr::Trigger::PairedDown
//! [`Trigger::PairedUp`]: super::dr::Trigger::PairedUp

use super::dr::{Site, Trigger};
use super::{Event, Replication};
use crate::incident::IncidentClass;
use crate::scenario::Side;
use crate::time::{SimDuration, SimTime};

impl Replication<'_> {
    /// Schedules the first random outage of the paired region, if it fails at random.
    pub(super) fn start_paired_process(&mut self) {
        if let Some(pf) = &self.sc.paired_region_failures {
            let first = pf.process.time_between.sample(&mut self.rng.paired_region);
            self.sched.after(first, Event::RandomPairedOutage);
        }
    }

    /// Name of the paired region (incident scopes and traces).
    pub(super) fn paired_name(&self) -> String {
        self.sc
            .cross_region
            .as_ref()
            .map(|c| self.sc.regions[c.paired_region].name.clone())
            .unwrap_or_default()
    }

    pub(super) fn random_paired_outage(&mut self, now: SimTime) {
        let pf = self
            .sc
            .paired_region_failures
            .as_ref()
            .expect("scheduled only with a process");
        let (duration, destroys) = pf.draw_outage(&mut self.rng.paired_region);
        self.paired_outage(now, duration, destroys, false, true);
    }

    /// The paired region fails for `duration`, every zone of it with it;
    /// the lifecycle decides the rest. Returns the incident.
    pub(super) fn paired_outage(
        &mut self,
        now: SimTime,
        duration: SimDuration,
        destroys: bool,
        scheduled: bool,
        renew: bool,
    ) -> usize {
        let incident = self.open_incident(
            now,
            IncidentClass::PairedRegion,
            Side::Paired,
            &[],
            scheduled,
        );
        self.dr.paired_down += 1;
        self.on(now, Trigger::PairedDown { incident, destroys });
        if self.writers.is_some() {
            self.decide_paired(incident, "clients-reroute");
            self.writers_region_down(now, Side::Paired, incident, destroys);
        }
        self.sched
            .after(duration, Event::PairedRepair { incident, renew });
        self.take_region_zones_down(now, Side::Paired);
        self.replan(now);
        self.reconcile(now, Some(incident), None);
        if self.dr.serving_site() == Site::Secondary && self.dr.in_paired() {
            self.charge_outage_to(now, incident);
        }
        incident
    }

    pub(super) fn paired_repair(&mut self, now: SimTime, incident: usize, renew: bool) {
        self.dr.paired_down -= 1;
        self.component_repaired(now, incident);
        self.repair_region_zones(now, Side::Paired);
        if renew {
            if let Some(pf) = &self.sc.paired_region_failures {
                let next = pf.process.time_between.sample(&mut self.rng.paired_region);
                self.sched.after(next, Event::RandomPairedOutage);
            }
        }
        if self.dr.paired_down == 0 {
            self.writers_region_up(now, Side::Paired);
            self.on(now, Trigger::PairedUp);
        }
        self.reconcile(now, None, None);
    }
}
