//! Where an interruption's time goes: every instant without service is
//! spent on one component of the recovery (detection, decision, execution,
//! drain or wait), decided from the state of the world at that instant, so
//! an incident's components add up exactly to its RTO, overlapping
//! incidents included (each from its own onset).

use super::dr::{Phase, Site};
use super::Replication;
use crate::scenario::{Architecture, Side};
use crate::time::SimTime;

/// Why writes are not served at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Component {
    /// A failed leader zone not yet declared failed (missed heartbeats).
    Detection,
    /// The operator deciding on the emergency response.
    Decision,
    /// Election and reroute, a failover, a planned switch or a restore from
    /// backup executing.
    Execution,
    /// A drill's drain, or the last batch in flight before a switch back.
    Drain,
    /// Waiting for a zone, a quorum or the region to return, or for a restore.
    Wait,
}

/// The component in effect now and, if the state already knows it, when
/// and to what it changes before the next event.
pub(super) type Foreseen = (Component, Option<(SimTime, Component)>);

/// Nanoseconds of an interruption per component, in [`Component`] order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Breakdown([u64; 5]);

impl Breakdown {
    fn add(&mut self, c: Component, ns: u64) {
        let i = match c {
            Component::Detection => 0,
            Component::Decision => 1,
            Component::Execution => 2,
            Component::Drain => 3,
            Component::Wait => 4,
        };
        self.0[i] += ns;
    }

    /// (detection, decision, execution, drain, wait) in ns.
    pub(super) fn parts(self) -> [u64; 5] {
        self.0
    }
}

/// The components of one interruption as they changed: `(from, component)`,
/// in time order, the first at the interruption's start.
#[derive(Clone, Debug, Default)]
pub(super) struct Segments(Vec<(SimTime, Component)>);

impl Segments {
    /// The component in effect from `now`, and the change already known to
    /// come without an event (a detection, the end of a switch's drain).
    /// Whatever was foreseen past `now` is re-decided; a change at the same
    /// instant as the last one replaces it (the state settles within one event).
    pub(super) fn set(&mut self, now: SimTime, c: Component, then: Option<(SimTime, Component)>) {
        while self.0.len() > 1 && self.0.last().is_some_and(|&(t, _)| t > now) {
            self.0.pop();
        }
        self.set_one(now, c);
        if let Some((at, next)) = then.filter(|&(at, _)| at > now) {
            self.set_one(at, next);
        }
    }

    fn set_one(&mut self, now: SimTime, c: Component) {
        match self.0.last_mut() {
            Some(last) if last.0 == now => last.1 = c,
            Some(last) if last.1 == c => {}
            _ => self.0.push((now, c)),
        }
    }

    /// The breakdown of `[from, to)`.
    pub(super) fn between(&self, from: SimTime, to: SimTime) -> Breakdown {
        let mut b = Breakdown::default();
        for (k, &(start, c)) in self.0.iter().enumerate() {
            let end = self.0.get(k + 1).map_or(to, |next| next.0).min(to);
            let start = start.max(from);
            if end > start {
                b.add(c, end.since(start).0);
            }
        }
        debug_assert!(
            self.0.first().is_none_or(|&(first, _)| first <= from),
            "asked from before the interruption started"
        );
        b
    }
}

impl Replication<'_> {
    /// Why writes are not served now (called only while they are not), and
    /// the change the state already foresees before the next event.
    pub(super) fn blocking_component(&self, now: SimTime) -> Foreseen {
        match self.dr.serving_site() {
            Site::None => match (self.dr.phase, self.dr.switch_executes_from) {
                (Phase::Draining, _) => (Component::Drain, None),
                // The last batch in flight drains, then the switch executes.
                (Phase::SwitchingBack, Some(t)) if now < t => {
                    (Component::Drain, Some((t, Component::Execution)))
                }
                _ => (Component::Execution, None),
            },
            // Running in the paired region: stopped while it is down, or by
            // its zone rules (as at home).
            Site::Secondary if self.dr.paired_down > 0 => (Component::Wait, None),
            Site::Secondary => self.zone_component(now, Side::Paired),
            Site::Primary if self.dr.region_down > 0 || self.dr.awaiting_decision() => {
                if self.dr.awaiting_decision() {
                    (Component::Decision, None)
                } else {
                    (Component::Wait, None)
                }
            }
            // Copying the backup back (`restore.rs`).
            Site::Primary if self.restore_running() => (Component::Execution, None),
            Site::Primary => self.zone_component(now, Side::Home),
        }
    }

    /// In the region serving (`side`), with the region up: what the zone
    /// rules wait for.
    fn zone_component(&self, now: SimTime, side: Side) -> Foreseen {
        let rz = self.zones_of(side);
        match self.arch_in(side) {
            // Missed heartbeats until the failure is declared, then the
            // election and reroute.
            Architecture::ZoneRedundant if rz.leader.is_none() && rz.election_pending => {
                if now < rz.detected_at {
                    (
                        Component::Detection,
                        Some((rz.detected_at, Component::Execution)),
                    )
                } else {
                    (Component::Execution, None)
                }
            }
            // No leader and no election (too few zones), or too few in-sync
            // zones: waiting for zones to return or catch up.
            Architecture::ZoneRedundant
            | Architecture::SingleZone
            | Architecture::ManualRecovery => (Component::Wait, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_split_an_interval_exactly() {
        let mut s = Segments::default();
        s.set(SimTime(10), Component::Detection, None);
        s.set(SimTime(15), Component::Execution, None);
        s.set(SimTime(15), Component::Wait, None); // same instant: replaces
        s.set(SimTime(20), Component::Wait, None); // no change: nothing new
        s.set(SimTime(30), Component::Decision, None);
        let all = s.between(SimTime(10), SimTime(42));
        assert_eq!(all.parts(), [5, 12, 0, 0, 15]);
        assert_eq!(all.parts().iter().sum::<u64>(), 32);
        // An incident that joined at 18 sees its own share.
        let joined = s.between(SimTime(18), SimTime(42));
        assert_eq!(joined.parts(), [0, 12, 0, 0, 12]);
        assert_eq!(joined.parts().iter().sum::<u64>(), 24);
    }

    /// A foreseen change counts from its instant; an event before it
    /// re-decides (a zone back before the failure was even declared).
    #[test]
    fn foreseen_changes_hold_until_an_event_redecides() {
        let mut s = Segments::default();
        s.set(
            SimTime(0),
            Component::Detection,
            Some((SimTime(3), Component::Execution)),
        );
        assert_eq!(s.between(SimTime(0), SimTime(10)).parts(), [3, 0, 7, 0, 0]);
        let mut t = s.clone();
        t.set(SimTime(2), Component::Wait, None);
        assert_eq!(t.between(SimTime(0), SimTime(10)).parts(), [2, 0, 0, 0, 8]);
        // An event after the foreseen instant keeps it.
        s.set(SimTime(5), Component::Execution, None);
        assert_eq!(s.between(SimTime(0), SimTime(10)).parts(), [3, 0, 7, 0, 0]);
    }
}
