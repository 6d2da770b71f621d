//! A synchronous write quorum over voters in several regions
//! (`[replication] scope = "regions"`, `Scenario::region_quorum`):
//! - a voter is up while its region is up and, in the home region, its
//!   zone is up (zones of regions beyond the pair are not simulated);
//! - writes are served while a leader is up and at least `quorum` voters
//!   (the leader's own vote included) are up; every acknowledged write is
//!   on a quorum, and since quorums are majorities every later quorum holds
//!   it: nothing acknowledged is ever lost (RPO 0);
//! - when the leader's voter fails (its zone, or its region), the failure
//!   is declared at the `missed_heartbeats`-th missed heartbeat and a new
//!   leader is elected after a `reroute` draw, provided `quorum` voters are
//!   up: the first up non-witness voter of the home region, else the first
//!   up non-witness voter in `[[replication.voters]]` order; otherwise the
//!   election waits for voters to return;
//! - while the home region has an up non-witness voter and the quorum
//!   holds, leadership returns to it at once (a graceful hand-over: the
//!   home region is the preferred leader region);
//! - commit latency: the (quorum − 1)-th smallest round trip from the
//!   leader to the other up voters (its zones' round trip within its
//!   region; 2 × 5 µs/km × the distance + `region_rtt_overhead` to another);
//! - "quorum" and "voters" are those of the current configuration: a lost
//!   quorum may re-form over the voters up (`quorum_reform.rs`), after
//!   which a leader is elected among them by the rules above.

use super::quorum_reform::{Configuration, Step};
use super::{Event, Replication};
use crate::engine::rng::{stream_rng, Stream};
use crate::incident::IncidentClass;
use crate::scenario::{RegionQuorum, Scenario, Side};
use crate::time::{SimDuration, SimTime};
use rand::rngs::ChaCha8Rng;

/// The leader of the quorum over regions and its election.
pub(super) struct Leadership {
    /// The leader (index in `RegionQuorum::voters`); `None` while an
    /// election is pending or impossible.
    pub(super) leader: Option<usize>,
    pub(super) election_pending: bool,
    /// When the pending election's leader failure is (was) declared.
    pub(super) detected_at: SimTime,
    /// Generation counter: an election event of an older one is void.
    epoch: u64,
    /// When the last election completed (labels how an outage recovered).
    pub(super) last_election_at: Option<SimTime>,
    /// Reroute draws of the elections.
    rng: ChaCha8Rng,
    /// Which voters count now, and the pending re-form of a lost quorum.
    pub(super) config: Configuration,
}

impl Leadership {
    /// The home region's first non-witness voter leads at the start.
    pub(super) fn new(sc: &Scenario, run: u64) -> Self {
        let home = sc.environment.region;
        Leadership {
            leader: sc
                .region_quorum
                .as_ref()
                .and_then(|q| preferred(q, home, |_| true)),
            election_pending: false,
            detected_at: SimTime::ZERO,
            epoch: 0,
            last_election_at: None,
            rng: stream_rng(sc.simulation.seed, run, Stream::VoterElection),
            config: Configuration::new(sc, run),
        }
    }
}

/// The voter that should lead among those `up`: the first non-witness of
/// the home region, else the first non-witness.
fn preferred(q: &RegionQuorum, home: usize, up: impl Fn(usize) -> bool) -> Option<usize> {
    let eligible = |v: usize| !q.voters[v].witness && up(v);
    (0..q.voters.len())
        .find(|&v| eligible(v) && q.voters[v].region == home)
        .or_else(|| (0..q.voters.len()).find(|&v| eligible(v)))
}

impl Replication<'_> {
    pub(super) fn quorum_rules(&self) -> &RegionQuorum {
        self.sc
            .region_quorum
            .as_ref()
            .expect("called only with scope = \"regions\"")
    }

    /// Whether voter `v` is up now.
    pub(super) fn voter_up(&self, v: usize) -> bool {
        let voter = &self.quorum_rules().voters[v];
        match voter.extra {
            Some(e) => !self.extra_region_down(e),
            None => self.zones_of(Side::Home).zones[voter.zone].is_up(),
        }
    }

    /// Whether voter `v` is up and a member of the current configuration
    /// (it votes and may lead).
    fn voter_counts(&self, v: usize) -> bool {
        self.leadership.config.is_member(v) && self.voter_up(v)
    }

    /// Voters of the current configuration that are up.
    fn voters_up(&self) -> usize {
        (0..self.quorum_rules().voters.len())
            .filter(|&v| self.voter_counts(v))
            .count()
    }

    /// Lets the configuration see the voters up now (rejoins, a re-form
    /// started, carried out or voided), scheduling a re-form's due event.
    fn update_configuration(&mut self, now: SimTime) {
        let up: Vec<bool> = (0..self.quorum_rules().voters.len())
            .map(|v| self.voter_up(v))
            .collect();
        if let Step::ScheduleReform { epoch, delay } =
            self.leadership.config.observe(now, |v| up[v])
        {
            self.sched
                .at(now.after(delay), Event::QuorumReformDue { epoch });
        }
    }

    /// The re-form delay of generation `epoch` has elapsed (void if stale).
    pub(super) fn quorum_reform_due(&mut self, now: SimTime, epoch: u64) {
        self.leadership.config.reform_due(epoch);
        self.reconcile(now, None, None);
    }

    /// Whether the quorum over regions allows writes now, starting the
    /// election the leader's failure calls for and handing leadership back
    /// to the home region when it can.
    pub(super) fn voters_serving(&mut self, now: SimTime) -> bool {
        self.update_configuration(now);
        let q = self.leadership.config.quorum();
        let home = self.sc.environment.region;
        let up = self.voters_up();
        match self.leadership.leader {
            Some(l) if !self.voter_up(l) => {
                let detected = now.after(self.detection_delay(now));
                self.leadership.leader = None;
                self.leadership.detected_at = detected;
                self.begin_voter_election(detected);
            }
            Some(l) if up >= q && self.quorum_rules().voters[l].region != home => {
                let rules = self.quorum_rules();
                if let Some(h) = preferred(rules, home, |v| self.voter_counts(v))
                    .filter(|&h| rules.voters[h].region == home)
                {
                    self.leadership.leader = Some(h);
                }
            }
            None if !self.leadership.election_pending
                && up >= q
                && preferred(self.quorum_rules(), home, |v| self.voter_counts(v)).is_some() =>
            {
                // A failed election retries once enough voters are back.
                self.leadership.detected_at = now;
                self.begin_voter_election(now);
            }
            _ => {}
        }
        self.leadership.leader.is_some() && up >= q
    }

    fn begin_voter_election(&mut self, at: SimTime) {
        let reroute = self.sc.failover.reroute.sample(&mut self.leadership.rng);
        self.leadership.election_pending = true;
        self.leadership.epoch += 1;
        let epoch = self.leadership.epoch;
        self.sched
            .at(at.after(reroute), Event::VoterElectionDone { epoch });
    }

    /// An election completes (if `epoch` is current): the preferred up
    /// voter leads, if the quorum is up; otherwise the election waits.
    pub(super) fn voter_election_done(&mut self, now: SimTime, epoch: u64) {
        if epoch != self.leadership.epoch || !self.leadership.election_pending {
            return;
        }
        self.leadership.election_pending = false;
        self.leadership.last_election_at = Some(now);
        let home = self.sc.environment.region;
        if self.voters_up() >= self.leadership.config.quorum() {
            self.leadership.leader = preferred(self.quorum_rules(), home, |v| self.voter_counts(v));
        }
        self.reconcile(now, None, None);
    }

    /// Commit latency now: the (quorum − 1)-th smallest round trip from the
    /// leader to the other up voters (the leader's own vote is the first),
    /// or with `commit_wait = "every-voter-up"` the largest of them.
    pub(super) fn voter_commit_latency(&mut self) -> SimDuration {
        let Some(l) = self.leadership.leader else {
            return SimDuration::ZERO;
        };
        let rules = self
            .sc
            .region_quorum
            .as_ref()
            .expect("called only with scope = \"regions\"");
        let leader = &rules.voters[l];
        let mut rtts: Vec<u64> = Vec::with_capacity(rules.voters.len());
        for v in 0..rules.voters.len() {
            if v == l || !self.voter_counts(v) {
                continue;
            }
            let to = &rules.voters[v];
            let rtt = if to.region == leader.region {
                leader.zone_rtt.sample(&mut self.rng.latency)
            } else {
                let propagation = leader.propagation[&to.region];
                propagation.saturating_add(rules.region_rtt_overhead.sample(&mut self.rng.latency))
            };
            rtts.push(rtt.0);
        }
        if rules.commit_waits_for_every_voter {
            // "Committed in every region": the slowest voter up.
            return SimDuration(rtts.iter().copied().max().unwrap_or(0));
        }
        rtts.sort_unstable();
        let k = self.leadership.config.quorum().saturating_sub(1);
        SimDuration(
            k.checked_sub(1)
                .and_then(|i| rtts.get(i))
                .copied()
                .unwrap_or(0),
        )
    }

    /// An outage of the home region with scope = "regions": its voters go
    /// down with its zones; the quorum decides the rest (no DR, nothing to
    /// restore: every write is held by a quorum elsewhere).
    pub(super) fn voter_home_outage(
        &mut self,
        now: SimTime,
        duration: SimDuration,
        scheduled: bool,
        renew: bool,
    ) -> usize {
        let incident = self.open_incident(now, IncidentClass::Region, Side::Home, &[], scheduled);
        self.sched
            .after(duration, Event::RegionRepair { incident, renew });
        self.take_region_zones_down(now, Side::Home);
        self.reconcile(now, Some(incident), None);
        incident
    }

    pub(super) fn voter_home_repair(&mut self, now: SimTime, incident: usize, renew: bool) {
        self.component_repaired(now, incident);
        self.repair_region_zones(now, Side::Home);
        if renew {
            if let Some(rf) = &self.sc.region_failures {
                let next = rf.process.time_between.sample(&mut self.rng.region);
                self.sched.after(next, Event::RandomRegionOutage);
            }
        }
        self.reconcile(now, None, None);
    }

    /// What the interruption waits for: the leader's failure to be
    /// declared, then the election; otherwise voters to return.
    pub(super) fn voter_component(&self, now: SimTime) -> super::recovery::Foreseen {
        use super::recovery::Component;
        let l = &self.leadership;
        if l.leader.is_none() && l.election_pending {
            if now < l.detected_at {
                return (
                    Component::Detection,
                    Some((l.detected_at, Component::Execution)),
                );
            }
            return (Component::Execution, None);
        }
        (Component::Wait, None)
    }

    /// The leader's region, by name (traces).
    pub(super) fn voter_leader_region(&self) -> Option<String> {
        let rules = self.sc.region_quorum.as_ref()?;
        let l = self.leadership.leader?;
        Some(self.sc.regions[rules.voters[l].region].name.clone())
    }

    /// How the current interruption ends when the quorum resumes writes.
    pub(super) fn voters_resumption_label(&self, since: SimTime) -> &'static str {
        if self
            .leadership
            .config
            .last_reform_at
            .is_some_and(|t| t >= since)
        {
            "quorum-reformed"
        } else if self.leadership.last_election_at.is_some_and(|t| t >= since) {
            "leader-election"
        } else {
            "quorum"
        }
    }
}
