//! Zone outages that grow into outages of their whole region
//! (`failures.zones.escalation_probability`): with that probability a
//! random zone outage schedules, after an `escalation_delay` draw, an
//! outage of every zone of the home region lasting an
//! `escalation_duration` draw. A zone already repaired by then does not
//! escalate. The region incident records the zone incident it began as
//! (`escalated_from`); from there the region's rules, DR included, decide.
//! Each zone draws from its own stream (`Stream::ZoneEscalation`), so the
//! escalations of a zone are the same whatever the region's other zones.

use super::{Event, Replication};
use crate::time::SimTime;
use rand::RngExt;

impl Replication<'_> {
    /// Draws whether the random zone outage `incident` escalates, and when,
    /// from the stream of the zone that failed first.
    pub(super) fn maybe_escalate(&mut self, incident: usize) {
        let (Some(e), Some(zone)) = (
            &self.sc.zone_escalation,
            self.incidents[incident].first_zone,
        ) else {
            return;
        };
        let rng = &mut self.rng.escalation[zone];
        if rng.random::<f64>() < e.probability {
            let delay = e.delay.sample(rng);
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
        let Some(zone) = self.incidents[zone_incident].first_zone else {
            return;
        };
        let duration = e.duration.sample(&mut self.rng.escalation[zone]);
        let region = self.region_outage(now, duration, false, false, false);
        self.incidents[region].record.escalated_from = Some(zone_incident as u32);
    }
}
