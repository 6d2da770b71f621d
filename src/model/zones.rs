//! In-region rules, the same in the home region and in its paired region
//! ([`RegionZones`] holds one region's zones and election state; every rule
//! takes the [`Side`] it applies to). Zone-redundant production environment:
//! - a write commits when `quorum` zone replicas (leader included) hold it;
//!   every zone that is up and in sync receives every write;
//! - writes are served while the leader's zone is up and at least `quorum`
//!   in-sync zones are up;
//! - when the leader's zone fails, the failure is declared at the
//!   `missed_heartbeats`-th missed heartbeat and a new leader is elected
//!   after a `reroute` draw, from the zones then up, provided there are at
//!   least `quorum` of them; otherwise election waits for zones to return;
//! - the new leader is the most up-to-date zone; committed writes newer than
//!   what it holds are lost. That happens only when every zone holding them
//!   failed: the leader and at least `quorum - 1` others at the same instant
//!   (a correlated failure) with a non-majority quorum, or non-intersecting
//!   quorums (quorum ≤ n/2) electing stale zones;
//! - a zone that returns catches up on what it missed at `resync_bandwidth`
//!   before it counts towards the quorum again.
//!
//! A non-production environment lives in one zone and waits for it; a
//! production environment in a region without zones is restored from
//! backup into another zone when a support ticket resolves first (both in
//! the home region only: DR, hence the paired region, needs production, and
//! there the environment is zone-redundant).
//!
//! Both regions run these rules all the time. The region the environment
//! runs in decides whether writes are served (and a lost write is counted
//! only there); the other holds a copy (the secondary, or the old primary
//! being resynchronised) whose quorum decides whether it can receive
//! (`dr.rs`: the log ships to the paired region only while its quorum holds).

use super::{sample_loss, Event, Replication};
use crate::engine::rng::{stream_rng, Stream};
use crate::incident::IncidentClass;
use crate::scenario::{Architecture, ReplicationMode, Side};
use crate::time::{SimDuration, SimTime};
use rand::rngs::ChaCha8Rng;
use rand::RngExt;

/// What a zone's replica holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Data {
    /// Up to date: holds every committed write.
    Tracking,
    /// Holds every write committed up to `holds`, nothing after.
    Behind { holds: SimTime },
    /// Catching up; becomes `Tracking` at the matching `ResyncDone`.
    Resyncing { holds: SimTime, epoch: u64 },
}

impl Data {
    pub(super) fn holds(self, frontier: SimTime) -> SimTime {
        match self {
            Data::Tracking => frontier,
            Data::Behind { holds } | Data::Resyncing { holds, .. } => holds,
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Zone {
    /// Number of active outages holding the zone down (they may overlap).
    pub(super) down: u32,
    pub(super) data: Data,
    /// Member of the in-sync set (mode `all-in-sync` only, see `in_sync.rs`):
    /// commits wait for this zone's acknowledgement.
    pub(super) in_sync: bool,
}

impl Default for Zone {
    fn default() -> Self {
        Zone {
            down: 0,
            data: Data::Tracking,
            in_sync: true,
        }
    }
}

impl Zone {
    pub(super) fn is_up(&self) -> bool {
        self.down == 0
    }
}

/// The zones of one region and the state of their leader election.
pub(super) struct RegionZones {
    pub(super) zones: Vec<Zone>,
    /// Leader zone; `None` while an election is pending or impossible.
    pub(super) leader: Option<usize>,
    pub(super) election_pending: bool,
    /// When the pending election's leader failure is (was) declared.
    pub(super) detected_at: SimTime,
    /// When the last election completed (labels how an outage recovered).
    pub(super) last_election_at: Option<SimTime>,
    /// Generation counters: an event carrying an older value is stale and ignored.
    pub(super) election_epoch: u64,
    pub(super) resync_epoch: u64,
    /// The zone rules allowed writes in this region at the last reconcile
    /// (for the region the environment does not run in: its copy's quorum holds).
    pub(super) quorum_serving: bool,
}

impl RegionZones {
    /// `count` healthy, up-to-date zones led by `leader` (none: no zones).
    pub(super) fn new(count: usize, leader: usize) -> Self {
        RegionZones {
            zones: vec![Zone::default(); count],
            leader: (count > 0).then_some(leader),
            election_pending: false,
            detected_at: SimTime::ZERO,
            last_election_at: None,
            election_epoch: 0,
            resync_epoch: 0,
            quorum_serving: true,
        }
    }

    pub(super) fn up_zones(&self) -> usize {
        self.zones.iter().filter(|z| z.is_up()).count()
    }

    fn tracking_up(&self) -> usize {
        self.zones
            .iter()
            .filter(|z| z.is_up() && z.data == Data::Tracking)
            .count()
    }
}

/// The random sources of one region's zones, each its own stream: the
/// home region keeps the streams it always had, the paired region has new
/// ones, so simulating its zones shifts no home-region draw. Correlation
/// and escalation draws come from one stream per zone, so the zones two
/// regions share (by index) fail alike whatever their other zones do
/// (common random numbers across deployments, `run --failures`).
pub(super) struct ZoneRngs {
    /// Outage process of each zone.
    pub(super) failures: Vec<ChaCha8Rng>,
    /// Per zone: whether its outage takes a second zone, and which.
    pub(super) correlated: PerZoneStreams,
    /// Reroute and election delays.
    pub(super) failover: ChaCha8Rng,
    /// In-flight lag of followers when the leader fails with a quorum.
    pub(super) follower: ChaCha8Rng,
    /// Per zone: whether its outage escalates to the region, the delay and
    /// the region outage's duration.
    pub(super) escalation: PerZoneStreams,
}

impl ZoneRngs {
    pub(super) fn new(seed: u64, run: u64, side: Side, zone_count: usize) -> Self {
        let rng = |s| stream_rng(seed, run, s);
        let per_zone = |stream| PerZoneStreams::new(seed, run, zone_count, stream);
        match side {
            Side::Home => ZoneRngs {
                failures: (0..zone_count)
                    .map(|i| rng(Stream::ZoneFailures(i as u16)))
                    .collect(),
                correlated: per_zone(Stream::ZoneCorrelation),
                failover: rng(Stream::Failover),
                follower: rng(Stream::FollowerLag),
                escalation: per_zone(Stream::ZoneEscalation),
            },
            Side::Paired => ZoneRngs {
                failures: (0..zone_count)
                    .map(|i| rng(Stream::PairedZoneFailures(i as u16)))
                    .collect(),
                correlated: per_zone(Stream::PairedZoneCorrelation),
                failover: rng(Stream::PairedFailover),
                follower: rng(Stream::PairedFollowerLag),
                escalation: per_zone(Stream::PairedZoneEscalation),
            },
        }
    }
}

/// One stream per zone, each made the first time its zone draws: a region
/// of many zones that rarely escalate or correlate costs no generator set-up
/// per replication. A stream's numbers do not depend on when it is made.
pub(super) struct PerZoneStreams {
    seed: u64,
    run: u64,
    stream: fn(u16) -> Stream,
    rngs: Vec<Option<ChaCha8Rng>>,
}

impl PerZoneStreams {
    fn new(seed: u64, run: u64, zone_count: usize, stream: fn(u16) -> Stream) -> Self {
        PerZoneStreams {
            seed,
            run,
            stream,
            rngs: (0..zone_count).map(|_| None).collect(),
        }
    }

    /// The stream of zone `zone`.
    pub(super) fn of(&mut self, zone: usize) -> &mut ChaCha8Rng {
        let (seed, run, stream) = (self.seed, self.run, self.stream);
        self.rngs[zone].get_or_insert_with(|| stream_rng(seed, run, stream(zone as u16)))
    }
}

/// The zone a correlated outage of `zone` also takes down, among `count`
/// zones: of the others, the one with the smallest key `mix(salt, j)`, the
/// salt drawn from `zone`'s own stream. Uniform over the others, and
/// coupled across zone counts: a region with more zones picks the same
/// partner as one with fewer whenever the partner is a zone both have (the
/// extra zones only win when one of their keys is the smallest).
pub(super) fn correlated_partner(salt: u64, zone: usize, count: usize) -> usize {
    (0..count)
        .filter(|&j| j != zone)
        .min_by_key(|&j| (partner_key(salt, j), j))
        .expect("a correlated outage needs a second zone")
}

/// splitmix64's finaliser of `salt` and a zone index: independent-looking
/// keys for the zones of one correlated outage.
fn partner_key(salt: u64, zone: usize) -> u64 {
    let mut z = salt ^ (zone as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Replication<'_> {
    pub(super) fn zones_of(&self, side: Side) -> &RegionZones {
        &self.region_zones[side.index()]
    }

    pub(super) fn zones_of_mut(&mut self, side: Side) -> &mut RegionZones {
        &mut self.region_zones[side.index()]
    }

    fn zone_rngs(&mut self, side: Side) -> &mut ZoneRngs {
        &mut self.rng.zones[side.index()]
    }

    /// How the environment survives a zone failure in the region `side`:
    /// in the paired region (production, DR) it is always zone-redundant.
    pub(super) fn arch_in(&self, side: Side) -> Architecture {
        match side {
            Side::Home => self.arch,
            Side::Paired => Architecture::ZoneRedundant,
        }
    }

    /// The region the environment runs in now (`None` while a switch is
    /// under way and nowhere serves).
    pub(super) fn serving_side(&self) -> Option<Side> {
        match self.dr.serving_site() {
            super::dr::Site::Primary => Some(Side::Home),
            // A further secondary's zones are not simulated: neither
            // region's zone rules decide serving there.
            super::dr::Site::Secondary if !self.dr.in_paired() => None,
            super::dr::Site::Secondary => Some(Side::Paired),
            super::dr::Site::None => None,
        }
    }

    /// Schedules the first random outage of every zone that fails at random.
    pub(super) fn start_zone_processes(&mut self) {
        for side in Side::BOTH {
            for zone in 0..self.sc.zone_failures_in(side).len() {
                if let Some(p) = &self.sc.zone_failures_in(side)[zone] {
                    let first = p
                        .time_between
                        .sample(&mut self.rng.zones[side.index()].failures[zone]);
                    self.sched
                        .after(first, Event::RandomZoneFailure { side, zone });
                }
            }
        }
    }

    pub(super) fn random_zone_failure(&mut self, now: SimTime, side: Side, zone: usize) {
        let process = self.sc.zone_failures_in(side)[zone]
            .as_ref()
            .expect("only zones with a failure process schedule failures");
        let duration = process
            .duration
            .sample(&mut self.zone_rngs(side).failures[zone]);
        let mut failed = vec![zone];
        let p = self.sc.correlated_zone_probability;
        let count = self.zones_of(side).zones.len();
        let rng = self.rng.zones[side.index()].correlated.of(zone);
        if p > 0.0 && rng.random::<f64>() < p && count > 1 {
            failed.push(correlated_partner(rng.random(), zone, count));
        }
        let incident = self.open_incident(now, IncidentClass::Zone, side, &failed, false);
        for (i, &z) in failed.iter().enumerate() {
            self.sched.after(
                duration,
                Event::ZoneRepair {
                    side,
                    zone: z,
                    incident,
                    renew: i == 0,
                },
            );
        }
        self.fail_zones(now, side, &failed, incident);
        self.maybe_escalate(side, zone, incident);
    }

    /// Takes zones down at one instant. If the leader and at least
    /// `quorum - 1` other in-sync zones fail together, the survivors lack the
    /// writes still in flight to them (one-way zone latency).
    pub(super) fn fail_zones(
        &mut self,
        now: SimTime,
        side: Side,
        failed: &[usize],
        incident: usize,
    ) {
        self.take_zones_down(now, side, failed);
        self.reconcile(now, Some(incident), None);
    }

    /// Every zone of the region `side` goes down with its region (a region
    /// outage), without re-deciding service.
    pub(super) fn take_region_zones_down(&mut self, now: SimTime, side: Side) {
        let all: Vec<usize> = (0..self.zones_of(side).zones.len()).collect();
        self.take_zones_down(now, side, &all);
    }

    /// Every zone of the region `side` returns with its region; their own
    /// renewal processes were never stopped.
    pub(super) fn repair_region_zones(&mut self, now: SimTime, side: Side) {
        for z in 0..self.zones_of(side).zones.len() {
            self.repair_zone(now, side, z, false);
        }
    }

    /// The state change of a zone failure, without re-deciding service.
    pub(super) fn take_zones_down(&mut self, now: SimTime, side: Side, failed: &[usize]) {
        let frontier = self.service.frontier(now);
        let serving_here = self.service.is_serving() && self.serving_side() == Some(side);
        let quorum = self.sc.replication.quorum_in(side);
        let in_flight_lost = self.arch_in(side) == Architecture::ZoneRedundant
            && self.sc.replication.mode == ReplicationMode::Quorum
            && serving_here;
        let rtt = self.sc.replication.zone_rtt_in(side);
        let (rz, rngs) = (
            &mut self.region_zones[side.index()],
            &mut self.rng.zones[side.index()],
        );
        let leader_fails = rz.leader.is_some_and(|l| failed.contains(&l));
        let tracking_failing = failed
            .iter()
            .filter(|&&z| rz.zones[z].is_up() && rz.zones[z].data == Data::Tracking)
            .count();
        for &z in failed {
            let zone = &mut rz.zones[z];
            if zone.is_up() {
                zone.data = Data::Behind {
                    holds: zone.data.holds(frontier),
                };
            }
            zone.down += 1;
        }
        // All-in-sync commits only what every member holds: nothing is in
        // flight to a survivor.
        if in_flight_lost && leader_fails && tracking_failing >= quorum {
            for zone in &mut rz.zones {
                if zone.is_up() && zone.data == Data::Tracking {
                    let rtt = rtt.sample(&mut rngs.follower);
                    zone.data = Data::Behind {
                        holds: SimTime(frontier.0.saturating_sub(rtt.0 / 2)),
                    };
                }
            }
        }
    }

    pub(super) fn repair_zone(&mut self, now: SimTime, side: Side, zone: usize, renew: bool) {
        let rz = self.zones_of_mut(side);
        rz.zones[zone].down -= 1;
        if rz.zones[zone].is_up()
            && rz.leader.is_some()
            && self.arch_in(side) == Architecture::ZoneRedundant
        {
            self.start_resync(now, side, zone);
        }
        if renew {
            if let Some(p) = &self.sc.zone_failures_in(side)[zone] {
                let next = p
                    .time_between
                    .sample(&mut self.rng.zones[side.index()].failures[zone]);
                self.sched
                    .after(next, Event::RandomZoneFailure { side, zone });
            }
        }
    }

    pub(super) fn zone_resynced(&mut self, now: SimTime, side: Side, zone: usize, epoch: u64) {
        let z = &mut self.zones_of_mut(side).zones[zone];
        if matches!(z.data, Data::Resyncing { epoch: e, .. } if e == epoch) {
            z.data = Data::Tracking;
            self.reconcile(now, None, None);
        }
    }

    /// A zone that is up but behind catches up from the leader.
    pub(super) fn start_resync(&mut self, now: SimTime, side: Side, zone: usize) {
        let frontier = self.service.frontier(now);
        let holds = self.zones_of(side).zones[zone].data.holds(frontier);
        if holds >= frontier {
            self.zones_of_mut(side).zones[zone].data = Data::Tracking;
            return;
        }
        let missed_s =
            (self.service.served_until(frontier) - self.service.served_until(holds)) as f64 / 1e9;
        let bytes = missed_s * self.sc.workload.bytes_per_sec();
        let duration = match self.sc.replication.resync_bandwidth {
            Some(bw) => SimDuration::from_secs_f64(bytes / bw),
            None => SimDuration::ZERO,
        };
        let rz = self.zones_of_mut(side);
        if duration.is_zero() {
            rz.zones[zone].data = Data::Tracking;
        } else {
            rz.resync_epoch += 1;
            let epoch = rz.resync_epoch;
            rz.zones[zone].data = Data::Resyncing { holds, epoch };
            self.sched
                .after(duration, Event::ResyncDone { side, zone, epoch });
        }
    }

    /// Marks every zone of `side` that is up as holding everything: after a
    /// restore or a switch, the region's data is whatever the restore or
    /// the switch put there.
    pub(super) fn zones_in_sync(&mut self, side: Side) {
        let frontier = self.service.frontier(SimTime::MAX);
        for z in &mut self.zones_of_mut(side).zones {
            z.data = if z.is_up() {
                Data::Tracking
            } else {
                Data::Behind { holds: frontier }
            };
        }
    }

    /// The environment moves into the region `side` (a failover into the
    /// paired region, a switch back home): its zones hold everything the
    /// switch brought, and a zone that is up leads if the leader is not.
    pub(super) fn take_over_in(&mut self, side: Side) {
        self.zones_in_sync(side);
        let rz = self.zones_of_mut(side);
        if rz.leader.is_none_or(|l| !rz.zones[l].is_up()) {
            rz.leader = (0..rz.zones.len()).find(|&z| rz.zones[z].is_up());
            rz.election_pending = false;
        }
    }

    /// Whether the zone rules allow writes in the region `side` now,
    /// starting the recovery action the architecture prescribes. A paired
    /// region whose zones are not simulated always allows them.
    pub(super) fn zone_rules_serving(&mut self, now: SimTime, side: Side) -> bool {
        if self.zones_of(side).zones.is_empty() {
            return true;
        }
        match self.arch_in(side) {
            Architecture::ZoneRedundant
                if self.sc.replication.mode == ReplicationMode::AllInSync =>
            {
                self.all_in_sync_serving(now, side)
            }
            Architecture::ZoneRedundant => {
                let quorum = self.sc.replication.quorum_in(side);
                let rz = self.zones_of(side);
                if let Some(l) = rz.leader {
                    if !rz.zones[l].is_up() {
                        let detect = self.detection_delay(now);
                        let rz = self.zones_of_mut(side);
                        rz.leader = None;
                        rz.detected_at = now.after(detect);
                        let at = rz.detected_at;
                        self.begin_election(side, at);
                    }
                } else if !rz.election_pending && rz.up_zones() >= quorum {
                    // A failed election retries once enough zones are back.
                    self.zones_of_mut(side).detected_at = now;
                    self.begin_election(side, now);
                }
                let rz = self.zones_of(side);
                rz.leader.is_some() && rz.tracking_up() >= quorum
            }
            Architecture::SingleZone => self.zones_of(side).zones[self.site].is_up(),
            Architecture::ManualRecovery => self.manual_recovery_serving(),
        }
    }

    /// A production environment in a home region without zones: up while
    /// its zone is; otherwise a support ticket restores it elsewhere.
    fn manual_recovery_serving(&mut self) -> bool {
        let up = self.zones_of(Side::Home).zones[self.site].is_up();
        if up && self.ticket_pending {
            // The zone came back before support restored a backup.
            self.ticket_pending = false;
            self.ticket_epoch += 1;
        } else if !up && !self.ticket_pending && !self.region_down() {
            self.ticket_pending = true;
            self.ticket_epoch += 1;
            let recovery = self.sc.home_region().manual_recovery.as_ref();
            let delay = recovery.map_or(SimDuration::ZERO, |m| {
                m.ticket_delay.sample(&mut self.rng.ticket)
            });
            self.sched.after(
                delay,
                Event::TicketResolved {
                    epoch: self.ticket_epoch,
                },
            );
        }
        up
    }

    /// How the current interruption ends when the zone rules resume writes.
    pub(super) fn resumption_label(&self) -> &'static str {
        let Some(outage) = self.outage.as_ref() else {
            return "none-needed";
        };
        if self.sc.region_quorum.is_some() {
            return self.voters_resumption_label(outage.since);
        }
        if matches!(
            self.incidents[outage.cause].record.class,
            IncidentClass::Region | IncidentClass::PairedRegion
        ) {
            return "region-repair";
        }
        let side = self.serving_side().unwrap_or(Side::Home);
        let elected = self
            .zones_of(side)
            .last_election_at
            .is_some_and(|t| t >= outage.since);
        match self.arch_in(side) {
            Architecture::ZoneRedundant if elected => "zone-failover",
            Architecture::ZoneRedundant => "quorum",
            Architecture::SingleZone | Architecture::ManualRecovery => "zone-repair",
        }
    }

    pub(super) fn begin_election(&mut self, side: Side, at: SimTime) {
        let reroute = self
            .sc
            .failover
            .reroute
            .sample(&mut self.zone_rngs(side).failover);
        let rz = self.zones_of_mut(side);
        rz.election_pending = true;
        rz.election_epoch += 1;
        let epoch = rz.election_epoch;
        self.sched
            .at(at.after(reroute), Event::ElectionDone { side, epoch });
    }

    /// Heartbeats are sent at multiples of the interval from time zero; a
    /// failure at `t` misses every beat from the first tick at or after `t`
    /// and is declared at the `missed_heartbeats`-th missed tick. The delay
    /// is therefore uniform on `[(k-1)h, kh)` for a failure at a random phase.
    pub(super) fn detection_delay(&self, failed_at: SimTime) -> SimDuration {
        let h = self.sc.failover.heartbeat_interval.0;
        let k = u64::from(self.sc.failover.missed_heartbeats);
        let first_missed = failed_at.0.div_ceil(h).saturating_mul(h);
        let declared = first_missed.saturating_add((k - 1).saturating_mul(h));
        SimDuration(declared - failed_at.0)
    }

    /// Picks the most up-to-date zone among those up; writes it lacks are
    /// lost (while the environment runs in this region).
    pub(super) fn elect(&mut self, now: SimTime, side: Side) {
        if self.sc.replication.mode == ReplicationMode::AllInSync {
            return self.reconfigure_in_sync(now, side);
        }
        let quorum = self.sc.replication.quorum_in(side);
        let frontier = self.service.frontier(now);
        let rz = self.zones_of_mut(side);
        rz.election_pending = false;
        rz.last_election_at = Some(now);
        if rz.up_zones() < quorum {
            return self.reconcile(now, None, None);
        }
        let (best, best_holds) = (0..rz.zones.len())
            .filter(|&z| rz.zones[z].is_up())
            .map(|z| (z, rz.zones[z].data.holds(frontier)))
            .max_by_key(|&(z, h)| (h, std::cmp::Reverse(z)))
            .expect("at least quorum >= 1 zones are up");
        if side == Side::Home && self.home_clients_rerouted() {
            // Several writing regions: the home clients wrote in the paired
            // region meanwhile; the home region takes those writes from its
            // log (`multi_writer.rs`), not from these zones: none is lost
            // and the zones that are up hold what the region has.
            self.zones_in_sync(side);
            let rz = self.zones_of_mut(side);
            rz.leader = Some(best);
            return self.reconcile(now, None, None);
        }
        if best_holds < frontier && self.serving_side() == Some(side) {
            let loss = sample_loss(
                &self.service,
                best_holds,
                frontier,
                self.sc.workload.write_rate,
                self.sc.workload.write_size,
                &mut self.rng.writes,
            );
            let cause = self.current_cause();
            self.record_loss(cause, loss);
            // The suffix held only by failed zones is discarded: they rejoin
            // behind the new leader.
            for z in &mut self.zones_of_mut(side).zones {
                if z.data.holds(frontier) > best_holds {
                    z.data = Data::Behind { holds: best_holds };
                }
            }
        }
        let rz = self.zones_of_mut(side);
        rz.leader = Some(best);
        rz.zones[best].data = Data::Tracking;
        for z in 0..rz.zones.len() {
            let rz = self.zones_of_mut(side);
            if z != best && rz.zones[z].is_up() {
                if rz.zones[z].data.holds(frontier) >= best_holds {
                    rz.zones[z].data = Data::Tracking;
                } else if !matches!(rz.zones[z].data, Data::Resyncing { .. }) {
                    self.start_resync(now, side, z);
                }
            }
        }
        self.reconcile(now, None, None);
    }

    /// A support ticket completes: the environment is restored from the
    /// latest backup into another up zone of the home region (or waits if
    /// none is up).
    pub(super) fn restore_from_backup(&mut self, now: SimTime) {
        let home = self.zones_of(Side::Home);
        let Some(target) = (0..home.zones.len()).find(|&z| z != self.site && home.zones[z].is_up())
        else {
            // Nowhere to restore to: keep waiting for a zone.
            return;
        };
        self.ticket_pending = false;
        let interval = self
            .sc
            .home_region()
            .manual_recovery
            .as_ref()
            .map_or(SimDuration(1), |m| m.backup_interval);
        let cause = self.current_cause();
        self.lose_since_backup(now, interval, cause);
        self.site = target;
        self.reconcile(now, None, Some("support-ticket"));
    }

    /// A restore from backup: the writes committed since the last backup
    /// before the failure are lost (backups are taken at multiples of
    /// `interval` from time zero), and the loss goes to `incident`.
    pub(super) fn lose_since_backup(
        &mut self,
        now: SimTime,
        interval: SimDuration,
        incident: usize,
    ) {
        let interval = interval.0.max(1);
        let failure = self.service.frontier(now);
        let last_backup = SimTime(failure.0 / interval * interval);
        let loss = sample_loss(
            &self.service,
            last_backup,
            failure,
            self.sc.workload.write_rate,
            self.sc.workload.write_size,
            &mut self.rng.writes,
        );
        self.record_loss(incident, loss);
    }

    /// The leader acknowledges locally; a commit needs `quorum - 1` more
    /// acknowledgements, so its latency is the (quorum-1)-th smallest round
    /// trip to the in-sync followers of the region `side` (an order
    /// statistic); in all-in-sync mode every in-sync follower's, so the
    /// largest. Round trips follow that region's zone distance.
    pub(super) fn quorum_latency(&mut self, side: Side) -> SimDuration {
        let q = self.sc.replication.quorum_in(side);
        if self.arch_in(side) != Architecture::ZoneRedundant || q <= 1 {
            return SimDuration::ZERO;
        }
        let mode = self.sc.replication.mode;
        let rtt = self.sc.replication.zone_rtt_in(side);
        let rz = &self.region_zones[side.index()];
        let mut rtts: Vec<u64> = (0..rz.zones.len())
            .filter(|&z| {
                Some(z) != rz.leader
                    && rz.zones[z].is_up()
                    && rz.zones[z].data == Data::Tracking
                    && (rz.zones[z].in_sync || mode == ReplicationMode::Quorum)
            })
            .map(|_| rtt.sample(&mut self.rng.latency).0)
            .collect();
        rtts.sort_unstable();
        // All-in-sync waits for every in-sync follower: the slowest.
        let needed = match mode {
            ReplicationMode::Quorum => q - 1,
            ReplicationMode::AllInSync => rtts.len(),
        };
        SimDuration(
            needed
                .checked_sub(1)
                .and_then(|i| rtts.get(i))
                .copied()
                .unwrap_or(0),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::correlated_partner;
    use crate::engine::rng::{stream_rng, Stream};
    use rand::RngExt;

    /// The partner is uniform over the other zones, and a region with a
    /// fourth zone picks the same partner as the three-zone region
    /// whenever it does not pick that fourth zone.
    #[test]
    fn correlated_partner_is_uniform_and_coupled_across_zone_counts() {
        let mut rng = stream_rng(5, 0, Stream::ZoneCorrelation(0));
        let n = 30_000;
        let mut hits = [0u32; 4];
        let mut extra = 0;
        for _ in 0..n {
            let salt: u64 = rng.random();
            let (three, four) = (
                correlated_partner(salt, 1, 3),
                correlated_partner(salt, 1, 4),
            );
            assert_ne!(four, 1);
            hits[four] += 1;
            if four == 3 {
                extra += 1;
            } else {
                assert_eq!(three, four, "salt {salt}");
            }
            assert_eq!(correlated_partner(salt, 0, 2), 1);
        }
        // Each of the three others about n/3 (5σ ≈ 400).
        for (zone, &h) in hits.iter().enumerate().filter(|&(z, _)| z != 1) {
            assert!(
                (f64::from(h) - n as f64 / 3.0).abs() < 400.0,
                "zone {zone}: {h}"
            );
        }
        assert_eq!(extra, hits[3]);
    }
}
