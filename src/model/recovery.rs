//! Where an interruption's time goes: every instant without service is
//! spent on one component of the recovery (detection, decision, execution,
//! restore, drain or wait), decided from the state of the world at that instant, so
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
    /// Election and reroute, a failover or a planned switch executing.
    Execution,
    /// A destroyed region's backup being copied back (`data_size` at
    /// `restore_bandwidth`, `restore.rs`): a component of its own, as it
    /// grows with the data, not with the failover machinery.
    Restore,
    /// A drill's drain, the last batch in flight before a switch back, or
    /// the backlog draining under the RPO bound while it blocks commits.
    Drain,
    /// Waiting for a zone, a quorum or the region to return (a restore owed
    /// waits here while its region is down).
    Wait,
}

/// The component in effect now and, if the state already knows it, when
/// and to what it changes before the next event.
pub(super) type Foreseen = (Component, Option<(SimTime, Component)>);

/// Nanoseconds of an interruption per component, in [`Component`] order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Breakdown([u64; 6]);

impl Breakdown {
    fn add(&mut self, c: Component, ns: u64) {
        let i = match c {
            Component::Detection => 0,
            Component::Decision => 1,
            Component::Execution => 2,
            Component::Restore => 3,
            Component::Drain => 4,
            Component::Wait => 5,
        };
        self.0[i] += ns;
    }

    /// (detection, decision, execution, restore, drain, wait) in ns.
    pub(super) fn parts(self) -> [u64; 6] {
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

    /// The breakdowns of `[from, to)` for any number of `from`s, in one
    /// pass over the segments: an interruption that many incidents joined
    /// asks once per incident, and a per-incident scan made closing it
    /// quadratic (hours for an event storm that kept writes stopped).
    pub(super) fn tally(&self, to: SimTime) -> Tally<'_> {
        // suffix[k]: the breakdown of [start of segment k, to).
        let mut suffix = vec![Breakdown::default(); self.0.len() + 1];
        for k in (0..self.0.len()).rev() {
            let mut b = suffix[k + 1];
            let (start, c) = self.0[k];
            let end = self.end_of(k, to);
            if end > start {
                b.add(c, end.since(start).0);
            }
            suffix[k] = b;
        }
        Tally {
            segments: self,
            to,
            suffix,
        }
    }

    /// Where segment `k` ends, cut at `to`.
    fn end_of(&self, k: usize, to: SimTime) -> SimTime {
        self.0.get(k + 1).map_or(to, |next| next.0).min(to)
    }
}

/// The breakdowns of one interruption up to a fixed end (see [`Segments::tally`]).
pub(super) struct Tally<'a> {
    segments: &'a Segments,
    to: SimTime,
    suffix: Vec<Breakdown>,
}

impl Tally<'_> {
    /// The breakdown of `[from, to)`.
    pub(super) fn since(&self, from: SimTime) -> Breakdown {
        let segs = &self.segments.0;
        debug_assert!(
            segs.first().is_none_or(|&(first, _)| first <= from),
            "asked from before the interruption started"
        );
        // The segment in effect at `from`, counted from `from` on; every
        // later one whole.
        let k = segs.partition_point(|&(start, _)| start <= from);
        let Some(current) = k.checked_sub(1) else {
            return self.suffix[0];
        };
        let mut b = self.suffix[k];
        let end = self.segments.end_of(current, self.to);
        if end > from {
            b.add(segs[current].1, end.since(from).0);
        }
        b
    }
}

impl Replication<'_> {
    /// Why writes are not served now (called only while they are not), and
    /// the change the state already foresees before the next event.
    pub(super) fn blocking_component(&self, now: SimTime) -> Foreseen {
        if self.sc.region_quorum.is_some() {
            return self.voter_component(now);
        }
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
            // Several writing regions: the home clients detect the outage
            // and move to the paired region, then wait for it if it is down.
            Site::Primary if self.dr.region_down > 0 && self.writers.is_some() => {
                if self.home_clients_rerouted() {
                    (Component::Wait, None)
                } else {
                    (Component::Detection, None)
                }
            }
            Site::Primary if self.dr.region_down > 0 || self.dr.awaiting_decision() => {
                if self.dr.awaiting_decision() {
                    (Component::Decision, None)
                } else {
                    (Component::Wait, None)
                }
            }
            // Copying the backup back (`restore.rs`).
            Site::Primary if self.restore_running() => (Component::Restore, None),
            // The RPO bound holds commits while the backlog drains under it.
            Site::Primary if self.rpo.blocks() && self.zones_of(Side::Home).quorum_serving => {
                (Component::Drain, None)
            }
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
        let all = s.tally(SimTime(42)).since(SimTime(10));
        assert_eq!(all.parts(), [5, 12, 0, 0, 0, 15]);
        assert_eq!(all.parts().iter().sum::<u64>(), 32);
        // An incident that joined at 18 sees its own share.
        let joined = s.tally(SimTime(42)).since(SimTime(18));
        assert_eq!(joined.parts(), [0, 12, 0, 0, 0, 12]);
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
        assert_eq!(
            s.tally(SimTime(10)).since(SimTime(0)).parts(),
            [3, 0, 7, 0, 0, 0]
        );
        let mut t = s.clone();
        t.set(SimTime(2), Component::Wait, None);
        assert_eq!(
            t.tally(SimTime(10)).since(SimTime(0)).parts(),
            [2, 0, 0, 0, 0, 8]
        );
        // An event after the foreseen instant keeps it.
        s.set(SimTime(5), Component::Execution, None);
        assert_eq!(
            s.tally(SimTime(10)).since(SimTime(0)).parts(),
            [3, 0, 7, 0, 0, 0]
        );
    }

    /// The one-pass tally equals a count instant by instant, for every
    /// onset, including onsets on a change and segments foreseen past the end.
    #[test]
    fn tally_equals_counting_each_instant() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(7);
        let kinds = [
            Component::Detection,
            Component::Decision,
            Component::Execution,
            Component::Restore,
            Component::Drain,
            Component::Wait,
        ];
        for _ in 0..200 {
            let mut s = Segments::default();
            let mut t = 0;
            s.set(SimTime(0), kinds[rng.random_range(0..kinds.len())], None);
            for _ in 0..rng.random_range(0..12) {
                t += rng.random_range(0..6);
                let then = rng.random_bool(0.3).then(|| {
                    (
                        SimTime(t + rng.random_range(1..9)),
                        kinds[rng.random_range(0..kinds.len())],
                    )
                });
                s.set(SimTime(t), kinds[rng.random_range(0..kinds.len())], then);
            }
            let to = t + rng.random_range(0..10);
            let tally = s.tally(SimTime(to));
            for from in 0..=to {
                let mut counted = [0u64; 6];
                for instant in from..to {
                    let (_, c) =
                        *s.0.iter()
                            .rev()
                            .find(|&&(start, _)| start.0 <= instant)
                            .unwrap();
                    counted[kinds.iter().position(|&k| k == c).unwrap()] += 1;
                }
                assert_eq!(
                    tally.since(SimTime(from)).parts(),
                    counted,
                    "{s:?} from {from} to {to}"
                );
            }
        }
    }
}
