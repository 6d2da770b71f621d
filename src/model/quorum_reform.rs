//! The voter set of a quorum over regions and its re-forming after a
//! lasting loss (`[replication] reform_after`, Cosmos DB Strong's "dynamic
//! quorum" and its failover of the write region):
//! - once the quorum has been lost without a break for a `reform_after`
//!   draw (one per loss, stream `QuorumReform`), the voters down leave the
//!   configuration and the quorum becomes a majority of the voters left;
//! - only if that is safe: the voters up must meet every quorum of the
//!   configured voter set and every quorum of the current configuration
//!   (up ≥ n − quorum + 1 for both), else an acknowledged write could be
//!   missing from all of them; otherwise nothing re-forms and, the delay
//!   having elapsed, the set re-forms as soon as enough voters are back to
//!   make it safe (or the quorum returns). Meeting the configured set's
//!   quorums bounds the removals at quorum − 1 configured voters in all
//!   (Cosmos DB: 1 of 3–4 regions, 2 of 5);
//! - a removed voter rejoins once it is up and the quorum of the current
//!   configuration is up (a leader elected among those voters holds every
//!   acknowledged write and brings it up to date: at once, the catch-up is
//!   not modelled, scope = "regions" has no cross-region copy law); while
//!   the quorum is lost it stays out, since it may lack the writes
//!   acknowledged without it. The configured quorum returns with the last
//!   removed voter, unless fewer than it would be up: the last ones then
//!   wait for the missing members;
//! - the quorum returning before the delay elapses voids the pending
//!   re-form (its generation, `epoch`, moves on).

use crate::dist::Dist;
use crate::engine::rng::{stream_rng, Stream};
use crate::scenario::Scenario;
use crate::time::{SimDuration, SimTime};
use rand::rngs::ChaCha8Rng;

/// Which voters count and how many of them make the quorum now.
pub(super) struct Configuration {
    /// Per voter (index in `RegionQuorum::voters`): removed by a re-form
    /// and not back yet.
    removed: Vec<bool>,
    /// Voters (the leader included) that must hold a write now: the
    /// configured quorum while no voter is removed, else a majority of the
    /// voters left.
    quorum: usize,
    /// `replication.quorum` (voters).
    configured: usize,
    /// The re-form delay; `None`: a lost quorum never re-forms.
    reform_after: Option<Dist>,
    /// Generation of the pending re-form: a due event of an older one is void.
    epoch: u64,
    /// The quorum is lost and a re-form is pending (its delay running or elapsed).
    pending: bool,
    /// The pending re-form's delay has elapsed: it happens once safe.
    due: bool,
    /// When the voter set last re-formed (labels how an outage recovered).
    pub(super) last_reform_at: Option<SimTime>,
    /// `reform_after` draws.
    rng: ChaCha8Rng,
}

/// What the caller must do after [`Configuration::observe`].
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// Nothing to schedule.
    Nothing,
    /// A loss began: its re-form (generation `epoch`) is due after `delay`.
    ScheduleReform { epoch: u64, delay: SimDuration },
}

impl Configuration {
    pub(super) fn new(sc: &Scenario, run: u64) -> Self {
        let q = sc.region_quorum.as_ref();
        let configured = q.map_or(0, |q| q.quorum);
        Configuration {
            removed: vec![false; q.map_or(0, |q| q.voters.len())],
            quorum: configured,
            configured,
            reform_after: q.and_then(|q| q.reform_after.clone()),
            epoch: 0,
            pending: false,
            due: false,
            last_reform_at: None,
            rng: stream_rng(sc.simulation.seed, run, Stream::QuorumReform),
        }
    }

    /// The quorum of the current configuration (voters).
    pub(super) fn quorum(&self) -> usize {
        self.quorum
    }

    /// Whether voter `v` counts (it was not removed by a re-form).
    pub(super) fn is_member(&self, v: usize) -> bool {
        !self.removed[v]
    }

    fn members(&self) -> usize {
        self.removed.iter().filter(|&&r| !r).count()
    }

    /// Whether a due event of generation `epoch` still applies.
    pub(super) fn epoch_is_current(&self, epoch: u64) -> bool {
        epoch == self.epoch && self.pending
    }

    /// The delay of the pending re-form of generation `epoch` has elapsed.
    pub(super) fn reform_due(&mut self, epoch: u64) {
        if self.epoch_is_current(epoch) {
            self.due = true;
        }
    }

    /// Brings the configuration up to date with the voters `up` at `now`:
    /// returned voters rejoin; a lost quorum starts (or, due and safe,
    /// carries out) its re-form; a quorum back voids the pending one.
    pub(super) fn observe(&mut self, now: SimTime, up: impl Fn(usize) -> bool) -> Step {
        self.rejoin(&up);
        let members_up = members_up(&self.removed, &up);
        if members_up >= self.quorum {
            if self.pending {
                self.pending = false;
                self.due = false;
                self.epoch += 1;
            }
            return Step::Nothing;
        }
        let Some(delay) = &self.reform_after else {
            return Step::Nothing;
        };
        if !self.pending {
            self.pending = true;
            self.due = false;
            self.epoch += 1;
            let delay = delay.sample(&mut self.rng);
            return Step::ScheduleReform {
                epoch: self.epoch,
                delay,
            };
        }
        if self.due && self.reform_is_safe(members_up) {
            for v in 0..self.removed.len() {
                self.removed[v] |= !up(v);
            }
            self.quorum = self.quorum_of(&self.removed);
            self.pending = false;
            self.due = false;
            self.epoch += 1;
            self.last_reform_at = Some(now);
            // Voters that came back while the quorum was lost rejoin now.
            self.rejoin(&up);
        }
        Step::Nothing
    }

    /// The removed voters up rejoin, if the current quorum is up and stays
    /// up with them.
    fn rejoin(&mut self, up: impl Fn(usize) -> bool) {
        if members_up(&self.removed, &up) < self.quorum {
            return;
        }
        let rejoined: Vec<bool> = (0..self.removed.len())
            .map(|v| self.removed[v] && !up(v))
            .collect();
        let quorum = self.quorum_of(&rejoined);
        if members_up(&rejoined, &up) >= quorum {
            self.removed = rejoined;
            self.quorum = quorum;
        }
    }

    /// The configured quorum with every voter a member, else a majority of
    /// the members.
    fn quorum_of(&self, removed: &[bool]) -> usize {
        match removed.iter().filter(|&&r| !r).count() {
            m if m == removed.len() => self.configured,
            m => m / 2 + 1,
        }
    }

    /// The voters up (`up` of them, all members) meet every quorum of the
    /// configured set and of the current configuration: every write
    /// acknowledged on any of those quorums is on one of them.
    fn reform_is_safe(&self, up: usize) -> bool {
        let meets = |n: usize, q: usize| up + q > n;
        up > 0 && meets(self.removed.len(), self.configured) && meets(self.members(), self.quorum)
    }
}

/// Voters that are members (not `removed`) and `up`.
fn members_up(removed: &[bool], up: impl Fn(usize) -> bool) -> usize {
    (0..removed.len()).filter(|&v| !removed[v] && up(v)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(n: usize, quorum: usize, delay_s: u64) -> Configuration {
        Configuration {
            removed: vec![false; n],
            quorum,
            configured: quorum,
            reform_after: Some(Dist::Constant(SimDuration::from_secs(delay_s))),
            epoch: 0,
            pending: false,
            due: false,
            last_reform_at: None,
            rng: stream_rng(1, 0, Stream::QuorumReform),
        }
    }

    /// 4 voters, quorum 3 (the Cosmos DB Strong preset's 2 + 1 + 1): voters
    /// 0 and 1 down ⇒ 2 up meet every 3-of-4 quorum: re-formed, quorum 2 of
    /// 2; voter 2 down then ⇒ 1 voter left, which meets every quorum of the
    /// current {2, 3} but not the configured set's (1 + 3 ≤ 4): no re-form.
    #[test]
    fn a_re_form_removes_the_voters_down_only_when_safe() {
        let mut c = config(4, 3, 60);
        let down01 = |v: usize| v >= 2;
        let step = c.observe(SimTime(0), down01);
        assert_eq!(
            step,
            Step::ScheduleReform {
                epoch: 1,
                delay: SimDuration::from_secs(60)
            }
        );
        assert_eq!(
            c.observe(SimTime(1), down01),
            Step::Nothing,
            "one draw per loss"
        );
        c.reform_due(1);
        c.observe(SimTime(60), down01);
        assert_eq!((c.quorum(), c.members()), (2, 2));
        assert!(!c.is_member(0) && !c.is_member(1) && c.is_member(2));
        let only3 = |v: usize| v == 3;
        let step = c.observe(SimTime(100), only3);
        assert!(matches!(step, Step::ScheduleReform { epoch: 3, .. }));
        c.reform_due(3);
        c.observe(SimTime(200), only3);
        assert_eq!(
            (c.quorum(), c.members()),
            (2, 2),
            "unsafe: nothing re-forms"
        );
        // Voter 0 back while the quorum is lost: it may lack the writes
        // acknowledged by {2, 3}; it stays out (and 0 + 3 do not re-form).
        c.observe(SimTime(300), |v| v == 0 || v == 3);
        assert_eq!((c.quorum(), c.members()), (2, 2));
        // Voter 2 back: the quorum holds, 0 rejoins (3 members, quorum 2).
        c.observe(SimTime(350), |v| v != 1);
        assert_eq!((c.quorum(), c.members()), (2, 3));
        assert!(c.is_member(0));
        // Everyone back: the configured quorum.
        c.observe(SimTime(400), |_| true);
        assert_eq!((c.quorum(), c.members()), (3, 4));
    }

    /// The quorum back before the delay: the due event of that loss is void.
    #[test]
    fn a_quorum_back_in_time_voids_the_pending_re_form() {
        let mut c = config(4, 3, 60);
        c.observe(SimTime(0), |v| v >= 2);
        c.observe(SimTime(10), |_| true);
        c.reform_due(1);
        c.observe(SimTime(60), |v| v >= 2);
        assert_eq!((c.quorum(), c.members()), (3, 4));
        assert!(c.last_reform_at.is_none());
    }

    /// 5 voters, quorum 5: one down re-forms to 4 (quorum 3); then 3 of
    /// those down leave 1, which meets the configured set's quorums (1 + 5
    /// > 5) but not the current one's (1 + 3 ≤ 4): no re-form.
    #[test]
    fn the_current_configuration_bounds_a_second_re_form() {
        let mut c = config(5, 5, 1);
        c.observe(SimTime(0), |v| v != 0);
        c.reform_due(1);
        c.observe(SimTime(1), |v| v != 0);
        assert_eq!((c.quorum(), c.members()), (3, 4));
        c.observe(SimTime(2), |v| v == 4);
        c.reform_due(3);
        c.observe(SimTime(3), |v| v == 4);
        assert_eq!((c.quorum(), c.members()), (3, 4));
        // Two up of the four: they meet every 3-of-4 quorum: re-formed.
        c.observe(SimTime(4), |v| v >= 3);
        assert_eq!((c.quorum(), c.members()), (2, 2));
    }

    /// Quorum 5 of 5, re-formed to 4 members (quorum 3), then voter 4
    /// down: voter 0 back would make all 5 members, needing 5 with 4 up:
    /// it waits for voter 4.
    #[test]
    fn a_rejoin_never_loses_the_quorum() {
        let mut c = config(5, 5, 1);
        c.observe(SimTime(0), |v| v != 0);
        c.reform_due(1);
        c.observe(SimTime(1), |v| v != 0);
        c.observe(SimTime(2), |v| v != 0 && v != 4);
        assert_eq!((c.quorum(), c.members()), (3, 4));
        c.observe(SimTime(3), |v| v != 4);
        assert_eq!((c.quorum(), c.members()), (3, 4), "0 waits for 4");
        c.observe(SimTime(4), |_| true);
        assert_eq!((c.quorum(), c.members()), (5, 5));
    }
}
