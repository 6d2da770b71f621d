//! In-region rules (zone-redundant production environment):
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
//! backup into another zone when a support ticket resolves first.

use super::{sample_loss, Event, Replication};
use crate::incident::IncidentClass;
use crate::scenario::{Architecture, ReplicationMode};
use crate::time::{SimDuration, SimTime};
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

impl Replication<'_> {
    pub(super) fn random_zone_failure(&mut self, now: SimTime, zone: usize) {
        let process = self.sc.zone_failures[zone]
            .as_ref()
            .expect("only zones with a failure process schedule failures");
        let duration = process.duration.sample(&mut self.rng.zones[zone]);
        let mut failed = vec![zone];
        let p = self.sc.correlated_zone_probability;
        if p > 0.0 && self.rng.correlated.random::<f64>() < p && self.zones.len() > 1 {
            let k = self.rng.correlated.random_range(0..self.zones.len() - 1);
            failed.push(if k >= zone { k + 1 } else { k });
        }
        let incident = self.open_incident(now, IncidentClass::Zone, &failed, false);
        for (i, &z) in failed.iter().enumerate() {
            self.sched.after(
                duration,
                Event::ZoneRepair {
                    zone: z,
                    incident,
                    renew: i == 0,
                },
            );
        }
        self.fail_zones(now, &failed, incident);
        self.maybe_escalate(incident);
    }

    /// Takes zones down at one instant. If the leader and at least
    /// `quorum - 1` other in-sync zones fail together, the survivors lack the
    /// writes still in flight to them (one-way zone latency).
    pub(super) fn fail_zones(&mut self, now: SimTime, failed: &[usize], incident: usize) {
        self.take_zones_down(now, failed);
        self.reconcile(now, Some(incident), None);
    }

    /// The state change of a zone failure, without re-deciding service.
    pub(super) fn take_zones_down(&mut self, now: SimTime, failed: &[usize]) {
        let frontier = self.service.frontier(now);
        let leader_fails = self.leader.is_some_and(|l| failed.contains(&l));
        let tracking_failing = failed
            .iter()
            .filter(|&&z| self.zones[z].is_up() && self.zones[z].data == Data::Tracking)
            .count();
        for &z in failed {
            let zone = &mut self.zones[z];
            if zone.is_up() {
                zone.data = Data::Behind {
                    holds: zone.data.holds(frontier),
                };
            }
            zone.down += 1;
        }
        // All-in-sync commits only what every member holds: nothing is in
        // flight to a survivor.
        if self.arch == Architecture::ZoneRedundant
            && self.sc.replication.mode == ReplicationMode::Quorum
            && leader_fails
            && tracking_failing >= self.sc.replication.quorum
            && self.service.is_serving()
            && self.dr.in_primary()
        {
            for z in 0..self.zones.len() {
                if self.zones[z].is_up() && self.zones[z].data == Data::Tracking {
                    let rtt = self.sc.replication.zone_rtt.sample(&mut self.rng.follower);
                    self.zones[z].data = Data::Behind {
                        holds: SimTime(frontier.0.saturating_sub(rtt.0 / 2)),
                    };
                }
            }
        }
    }

    pub(super) fn repair_zone(&mut self, now: SimTime, zone: usize, renew: bool) {
        self.zones[zone].down -= 1;
        if self.zones[zone].is_up()
            && self.arch == Architecture::ZoneRedundant
            && self.leader.is_some()
        {
            self.start_resync(now, zone);
        }
        if renew {
            if let Some(p) = &self.sc.zone_failures[zone] {
                let next = p.time_between.sample(&mut self.rng.zones[zone]);
                self.sched.after(next, Event::RandomZoneFailure { zone });
            }
        }
    }

    pub(super) fn zone_resynced(&mut self, now: SimTime, zone: usize, epoch: u64) {
        if matches!(self.zones[zone].data, Data::Resyncing { epoch: e, .. } if e == epoch) {
            self.zones[zone].data = Data::Tracking;
            self.reconcile(now, None, None);
        }
    }

    /// A zone that is up but behind catches up from the leader.
    pub(super) fn start_resync(&mut self, now: SimTime, zone: usize) {
        let frontier = self.service.frontier(now);
        let holds = self.zones[zone].data.holds(frontier);
        if holds >= frontier {
            self.zones[zone].data = Data::Tracking;
            return;
        }
        let missed_s =
            (self.service.served_until(frontier) - self.service.served_until(holds)) as f64 / 1e9;
        let bytes = missed_s * self.sc.workload.bytes_per_sec();
        let duration = match self.sc.replication.resync_bandwidth {
            Some(bw) => SimDuration::from_secs_f64(bytes / bw),
            None => SimDuration::ZERO,
        };
        if duration.is_zero() {
            self.zones[zone].data = Data::Tracking;
        } else {
            self.resync_epoch += 1;
            let epoch = self.resync_epoch;
            self.zones[zone].data = Data::Resyncing { holds, epoch };
            self.sched
                .after(duration, Event::ResyncDone { zone, epoch });
        }
    }

    /// Marks every zone that is up as holding everything: after a restore
    /// or a switch back, the primary's data is whatever the restore put there.
    pub(super) fn zones_in_sync(&mut self) {
        for z in &mut self.zones {
            if z.is_up() {
                z.data = Data::Tracking;
            }
        }
        let frontier = self.service.frontier(SimTime::MAX);
        for z in &mut self.zones {
            if !z.is_up() {
                z.data = Data::Behind { holds: frontier };
            }
        }
    }

    /// Whether the zone rules allow writes in the primary region now,
    /// starting the recovery action the architecture prescribes.
    pub(super) fn zone_rules_serving(&mut self, now: SimTime) -> bool {
        match self.arch {
            Architecture::ZoneRedundant
                if self.sc.replication.mode == ReplicationMode::AllInSync =>
            {
                self.all_in_sync_serving(now)
            }
            Architecture::ZoneRedundant => {
                if let Some(l) = self.leader {
                    if !self.zones[l].is_up() {
                        self.leader = None;
                        let detect = self.detection_delay(now);
                        self.detected_at = now.after(detect);
                        self.begin_election(self.detected_at);
                    }
                } else if !self.election_pending && self.up_zones() >= self.sc.replication.quorum {
                    // A failed election retries once enough zones are back.
                    self.detected_at = now;
                    self.begin_election(now);
                }
                self.leader.is_some() && self.tracking_up() >= self.sc.replication.quorum
            }
            Architecture::SingleZone => self.zones[self.site].is_up(),
            Architecture::ManualRecovery => {
                let up = self.zones[self.site].is_up();
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
        }
    }

    /// How the current interruption ends when the zone rules resume writes.
    pub(super) fn resumption_label(&self) -> &'static str {
        let Some(outage) = self.outage.as_ref() else {
            return "none-needed";
        };
        if matches!(
            self.incidents[outage.cause].record.class,
            IncidentClass::Region | IncidentClass::PairedRegion
        ) {
            return "region-repair";
        }
        let elected = self.last_election_at.is_some_and(|t| t >= outage.since);
        match self.arch {
            Architecture::ZoneRedundant if elected => "zone-failover",
            Architecture::ZoneRedundant => "quorum",
            Architecture::SingleZone | Architecture::ManualRecovery => "zone-repair",
        }
    }

    pub(super) fn begin_election(&mut self, at: SimTime) {
        self.election_pending = true;
        self.election_epoch += 1;
        let reroute = self.sc.failover.reroute.sample(&mut self.rng.failover);
        self.sched.at(
            at.after(reroute),
            Event::ElectionDone {
                epoch: self.election_epoch,
            },
        );
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

    fn up_zones(&self) -> usize {
        self.zones.iter().filter(|z| z.is_up()).count()
    }

    fn tracking_up(&self) -> usize {
        self.zones
            .iter()
            .filter(|z| z.is_up() && z.data == Data::Tracking)
            .count()
    }

    /// Picks the most up-to-date zone among those up; writes it lacks are
    /// lost (while the environment runs in the primary region).
    pub(super) fn elect(&mut self, now: SimTime) {
        if self.sc.replication.mode == ReplicationMode::AllInSync {
            return self.reconfigure_in_sync(now);
        }
        self.election_pending = false;
        self.last_election_at = Some(now);
        if self.up_zones() < self.sc.replication.quorum {
            return self.reconcile(now, None, None);
        }
        let frontier = self.service.frontier(now);
        let (best, best_holds) = (0..self.zones.len())
            .filter(|&z| self.zones[z].is_up())
            .map(|z| (z, self.zones[z].data.holds(frontier)))
            .max_by_key(|&(z, h)| (h, std::cmp::Reverse(z)))
            .expect("at least quorum >= 1 zones are up");
        if best_holds < frontier && self.dr.in_primary() {
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
            for z in &mut self.zones {
                if z.data.holds(frontier) > best_holds {
                    z.data = Data::Behind { holds: best_holds };
                }
            }
        }
        self.leader = Some(best);
        self.zones[best].data = Data::Tracking;
        for z in 0..self.zones.len() {
            if z != best && self.zones[z].is_up() {
                if self.zones[z].data.holds(frontier) >= best_holds {
                    self.zones[z].data = Data::Tracking;
                } else if !matches!(self.zones[z].data, Data::Resyncing { .. }) {
                    self.start_resync(now, z);
                }
            }
        }
        self.reconcile(now, None, None);
    }

    /// A support ticket completes: the environment is restored from the
    /// latest backup into another up zone (or waits if none is up).
    pub(super) fn restore_from_backup(&mut self, now: SimTime) {
        let Some(target) = (0..self.zones.len()).find(|&z| z != self.site && self.zones[z].is_up())
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
    /// trip to the in-sync followers (an order statistic); in all-in-sync
    /// mode every in-sync follower's, so the largest. In the paired
    /// region every zone is assumed healthy.
    pub(super) fn quorum_latency(&mut self) -> SimDuration {
        let q = self.sc.replication.quorum;
        if self.arch != Architecture::ZoneRedundant || q <= 1 {
            return SimDuration::ZERO;
        }
        let everywhere = !self.dr.in_primary();
        let leader = self.leader;
        let mut rtts: Vec<u64> = (0..self.zones.len())
            .filter(|&z| {
                everywhere
                    || (Some(z) != leader
                        && self.zones[z].is_up()
                        && self.zones[z].data == Data::Tracking
                        && (self.zones[z].in_sync
                            || self.sc.replication.mode == ReplicationMode::Quorum))
            })
            .take(if everywhere {
                self.zones.len() - 1
            } else {
                usize::MAX
            })
            .map(|_| self.sc.replication.zone_rtt.sample(&mut self.rng.latency).0)
            .collect();
        rtts.sort_unstable();
        // All-in-sync waits for every in-sync follower: the slowest.
        let needed = match self.sc.replication.mode {
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
