//! Zone outages that grow into outages of their whole region
//! (`failures.zones.escalation_probability`): with that probability a
//! random zone outage schedules, after an `escalation_delay` draw, an
//! outage of every zone of its region (the home region, or the paired
//! region for one of its zones) lasting an `escalation_duration` draw. A
//! zone already repaired by then does not escalate. The region incident
//! records the zone incident it began as (`escalated_from`); from there the
//! region's rules, DR included, decide.

use super::{Event, Replication};
use crate::scenario::Side;
use crate::time::SimTime;
use rand::RngExt;

impl Replication<'_> {
    /// Draws whether the random outage `incident` of zone `zone` of the
    /// region `side` escalates, and when (from that zone's own stream).
    pub(super) fn maybe_escalate(&mut self, side: Side, zone: usize, incident: usize) {
        let Some(e) = &self.sc.zone_escalation else {
            return;
        };
        let rng = self.rng.zones[side.index()].escalation.of(zone);
        if rng.random::<f64>() < e.probability {
            let delay = e.delay.sample(rng);
            self.sched.after(
                delay,
                Event::Escalation {
                    side,
                    zone,
                    zone_incident: incident,
                },
            );
        }
    }

    /// The escalation of `zone_incident` (an outage of zone `zone`) is due:
    /// if the zone is still down, its region fails.
    pub(super) fn escalate(&mut self, now: SimTime, side: Side, zone: usize, zone_incident: usize) {
        if self.incidents[zone_incident].record.end_ns.is_some() {
            return;
        }
        let Some(e) = &self.sc.zone_escalation else {
            return;
        };
        let duration = e
            .duration
            .sample(self.rng.zones[side.index()].escalation.of(zone));
        let region = match side {
            Side::Home => self.region_outage(now, duration, false, false, false),
            Side::Paired => self.paired_outage(now, duration, false, false, false),
        };
        self.incidents[region].record.escalated_from = Some(zone_incident as u32);
    }
}
