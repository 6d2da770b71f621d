//! Where an interruption's time goes: every instant without service is
//! spent on one component of the recovery (detection, decision, execution,
//! drain or wait), decided from the state of the world at that instant, so
//! an incident's components add up exactly to its RTO, overlapping
//! incidents included (each from its own onset).

use super::dr::{Phase, Site};
use super::Replication;
use crate::scenario::Architecture;
use crate::time::SimTime;

/// Why writes are not served at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Component {
    /// A failed leader zone not yet declared failed (missed heartbeats).
    Detection,
    /// The operator deciding on the emergency response.
    Decision,
    /// Election and reroute, a failover or a planned switch executing.
    Execution,
    /// A drill's drain, or the last batch in flight before a switch back.
    Drain,
    /// Waiting for a zone, a quorum or the region to return, or for a restore.
    Wait,
}

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
    /// The component in effect from `now`: a change at the same instant as
    /// the last one replaces it (the state settles within one event).
    pub(super) fn set(&mut self, now: SimTime, c: Component) {
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
    /// Why writes are not served now (called only while they are not).
    pub(super) fn blocking_component(&self, now: SimTime) -> Component {
        match self.dr.serving_site() {
            Site::None => match self.dr.phase {
                Phase::Draining => Component::Drain,
                Phase::SwitchingBack if self.dr.switch_executes_from.is_some_and(|t| now < t) => {
                    Component::Drain
                }
                _ => Component::Execution,
            },
            // Writes always flow in the paired region; a stop there is a
            // transition within this event.
            Site::Secondary => Component::Execution,
            Site::Primary if self.dr.region_down > 0 => {
                if self.dr.awaiting_decision() {
                    Component::Decision
                } else {
                    Component::Wait
                }
            }
            Site::Primary => self.zone_component(now),
        }
    }

    /// In the primary region with the region up: what the zone rules wait for.
    fn zone_component(&self, now: SimTime) -> Component {
        match self.arch {
            Architecture::ZoneRedundant if self.leader.is_none() && self.election_pending => {
                if now < self.detected_at {
                    Component::Detection
                } else {
                    Component::Execution
                }
            }
            // No leader and no election (too few zones), or too few in-sync
            // zones: waiting for zones to return or catch up.
            Architecture::ZoneRedundant
            | Architecture::SingleZone
            | Architecture::ManualRecovery => Component::Wait,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_split_an_interval_exactly() {
        let mut s = Segments::default();
        s.set(SimTime(10), Component::Detection);
        s.set(SimTime(15), Component::Execution);
        s.set(SimTime(15), Component::Wait); // same instant: replaces
        s.set(SimTime(20), Component::Wait); // no change: nothing new
        s.set(SimTime(30), Component::Decision);
        let all = s.between(SimTime(10), SimTime(42));
        assert_eq!(all.parts(), [5, 12, 0, 0, 15]);
        assert_eq!(all.parts().iter().sum::<u64>(), 32);
        // An incident that joined at 18 sees its own share.
        let joined = s.between(SimTime(18), SimTime(42));
        assert_eq!(joined.parts(), [0, 12, 0, 0, 12]);
        assert_eq!(joined.parts().iter().sum::<u64>(), 24);
    }
}
