//! Zone outages that grow into outages of their whole region
//! (`failures.zones.escalation_probability`): with that probability a
//! random zone outage schedules, after an `escalation_delay` draw, an
//! outage of every zone of the home region lasting an
//! `escalation_duration` draw. A zone already repaired by then does not
//! escalate. The region incident records the zone incident it began as
//! (`escalated_from`); from there the region's rules, DR included, decide.

use super::{Event, Replication};
use crate::time::SimTime;
use rand::RngExt;

impl Replication<'_> {
    /// Draws whether the random zone outage `incident` escalates, and when.
    pub(super) fn maybe_escalate(&mut self, incident: usize) {
        let Some(e) = &self.sc.zone_escalation else {
            return;
        };
        if self.rng.escalation.random::<f64>() < e.probability {
            let delay = e.delay.sample(&mut self.rng.escalation);
            self.sched.after(
                delay,
                Event::Escalation {
                    zone_incident: incident,
                },
            );
        }
    }

    /// The escalation of `zone_incident` is due: if the zone is still down,
    /// its region fails.
    pub(super) fn escalate(&mut self, now: SimTime, zone_incident: usize) {
        if self.incidents[zone_incident].record.end_ns.is_some() {
            return;
        }
        let Some(e) = &self.sc.zone_escalation else {
            return;
        };
        let duration = e.duration.sample(&mut self.rng.escalation);
        let region = self.region_outage(now, duration, false, false, false);
        self.incidents[region].record.escalated_from = Some(zone_incident as u32);
    }
}
