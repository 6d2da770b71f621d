//! One replication of a scenario: the world's state, the events that change
//! it, and the records they leave. Event-driven on failures and state
//! changes only; writes are never events (see `loss` and `service`).
//!
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
//!   (a correlated failure), or non-intersecting quorums (quorum ≤ n/2);
//! - a zone that returns catches up on what it missed at `resync_bandwidth`
//!   before it counts towards the quorum again.

mod loss;
mod service;

pub use loss::{sample_loss, Loss};
pub use service::ServiceLog;

use crate::engine::rng::{stream_rng, Stream};
use crate::engine::Scheduler;
use crate::incident::{Incident, IncidentClass};
use crate::scenario::{Architecture, Scenario};
use crate::time::{SimDuration, SimTime};
use rand::rngs::ChaCha8Rng;
use rand::RngExt;

/// Commit latencies sampled per replication, at instants spread uniformly
/// over the horizon, so the latency distribution is time-weighted.
pub const LATENCY_SAMPLES_PER_RUN: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    /// The next random outage of a zone's renewal process.
    RandomZoneFailure { zone: usize },
    /// A scheduled `[[incidents]]` entry starts.
    Scheduled { index: usize },
    /// A zone comes back. `renew` restarts its renewal process.
    ZoneRepair {
        zone: usize,
        incident: usize,
        renew: bool,
    },
    /// Election of a new leader completes (ignored if `epoch` is stale).
    ElectionDone { epoch: u64 },
    /// A returning zone has caught up.
    ResyncDone { zone: usize, epoch: u64 },
    /// A support engineer restored the environment elsewhere.
    TicketResolved { epoch: u64 },
}

/// What a zone's replica holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Data {
    /// Up to date: holds every committed write.
    Tracking,
    /// Holds every write committed up to `holds`, nothing after.
    Behind { holds: SimTime },
    /// Catching up; becomes `Tracking` at the matching `ResyncDone`.
    Resyncing { holds: SimTime, epoch: u64 },
}

impl Data {
    fn holds(self, frontier: SimTime) -> SimTime {
        match self {
            Data::Tracking => frontier,
            Data::Behind { holds } | Data::Resyncing { holds, .. } => holds,
        }
    }
}

#[derive(Clone, Debug)]
struct Zone {
    /// Number of active outages holding the zone down (they may overlap).
    down: u32,
    data: Data,
}

impl Zone {
    fn is_up(&self) -> bool {
        self.down == 0
    }
}

struct OpenIncident {
    record: Incident,
    /// Zone repairs still outstanding.
    zones_down: u32,
}

/// The current interruption of service.
struct Outage {
    since: SimTime,
    /// Incident whose onset stopped service; it owns the interruption's RTO.
    cause: usize,
}

/// Everything a replication produces.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicationOutcome {
    pub run: u64,
    pub incidents: Vec<Incident>,
    /// Nanoseconds during which writes were served.
    pub served_ns: u64,
    pub horizon_ns: u64,
    /// Number of times service stopped.
    pub interruptions: u32,
    /// Sampled commit latencies (ns) while serving.
    pub commit_latencies_ns: Vec<u64>,
    /// Events handled (for throughput figures).
    pub events: u64,
}

impl ReplicationOutcome {
    /// Fraction of the horizon during which writes were served.
    pub fn availability(&self) -> f64 {
        self.served_ns as f64 / self.horizon_ns as f64
    }

    pub fn downtime_ns(&self) -> u64 {
        self.horizon_ns - self.served_ns
    }
}

/// RNGs of one replication, one per random source (see `engine::rng`).
struct Rngs {
    zones: Vec<ChaCha8Rng>,
    correlated: ChaCha8Rng,
    failover: ChaCha8Rng,
    writes: ChaCha8Rng,
    latency: ChaCha8Rng,
    ticket: ChaCha8Rng,
    follower: ChaCha8Rng,
}

/// One replication in progress. Drive it with [`Replication::step`] or
/// [`Replication::run`].
pub struct Replication<'s> {
    sc: &'s Scenario,
    run: u64,
    arch: Architecture,
    sched: Scheduler<Event>,
    rng: Rngs,
    zones: Vec<Zone>,
    /// Leader zone; `None` while an election is pending or impossible.
    leader: Option<usize>,
    /// Zone hosting a single-zone or manually recovered environment.
    site: usize,
    election_pending: bool,
    /// When the last election completed (labels how an outage recovered).
    last_election_at: Option<SimTime>,
    epoch: u64,
    ticket_pending: bool,
    service: ServiceLog,
    outage: Option<Outage>,
    interruptions: u32,
    incidents: Vec<OpenIncident>,
    latency_instants: Vec<SimTime>,
    latencies: Vec<u64>,
    events: u64,
}

impl<'s> Replication<'s> {
    pub fn new(sc: &'s Scenario, run: u64) -> Self {
        let seed = sc.simulation.seed;
        let zone_count = sc.home_region().zones.len();
        let rng = Rngs {
            zones: (0..zone_count)
                .map(|i| stream_rng(seed, run, Stream::ZoneFailures(i as u16)))
                .collect(),
            correlated: stream_rng(seed, run, Stream::CorrelatedZones),
            failover: stream_rng(seed, run, Stream::Failover),
            writes: stream_rng(seed, run, Stream::Writes),
            latency: stream_rng(seed, run, Stream::CommitLatency),
            ticket: stream_rng(seed, run, Stream::SupportTicket),
            follower: stream_rng(seed, run, Stream::FollowerLag),
        };
        let horizon = SimTime(sc.simulation.horizon.0);
        let mut r = Replication {
            sc,
            run,
            arch: sc.architecture(),
            sched: Scheduler::new(horizon),
            rng,
            zones: vec![
                Zone {
                    down: 0,
                    data: Data::Tracking
                };
                zone_count
            ],
            leader: Some(sc.environment.home_zone),
            site: sc.environment.home_zone,
            election_pending: false,
            last_election_at: None,
            epoch: 0,
            ticket_pending: false,
            service: ServiceLog::default(),
            outage: None,
            interruptions: 0,
            incidents: Vec::new(),
            latency_instants: Vec::new(),
            latencies: Vec::with_capacity(LATENCY_SAMPLES_PER_RUN),
            events: 0,
        };
        r.service.start(SimTime::ZERO);
        for (zone, process) in sc.zone_failures.iter().enumerate() {
            if let Some(p) = process {
                let first = p.time_between.sample(&mut r.rng.zones[zone]);
                r.sched.after(first, Event::RandomZoneFailure { zone });
            }
        }
        for (index, s) in sc.scheduled.iter().enumerate() {
            r.sched.at(s.at, Event::Scheduled { index });
        }
        let mut instants: Vec<SimTime> = (0..LATENCY_SAMPLES_PER_RUN)
            .map(|_| SimTime(r.rng.latency.random_range(0..horizon.0.max(1))))
            .collect();
        // Latest first, so the next instant pops off the end.
        instants.sort_unstable_by(|a, b| b.cmp(a));
        r.latency_instants = instants;
        r
    }

    /// Handles the next event; `false` once nothing is left before the horizon.
    pub fn step(&mut self) -> bool {
        let Some((now, event)) = self.sched.pop() else {
            return false;
        };
        self.sample_latencies_until(now);
        self.events += 1;
        self.handle(now, event);
        true
    }

    /// Runs to the horizon and returns the records.
    pub fn run(mut self) -> ReplicationOutcome {
        while self.step() {}
        self.finish()
    }

    /// Closes the books at the horizon: open outages and incidents are censored.
    pub fn finish(mut self) -> ReplicationOutcome {
        let horizon = self.sched.horizon();
        self.sample_latencies_until(horizon);
        if let Some(outage) = self.outage.take() {
            let rec = &mut self.incidents[outage.cause].record;
            rec.rto_ns = horizon.since(outage.since).0;
            rec.recovery = "unresolved";
        }
        let served_ns = self.service.served_until(horizon);
        ReplicationOutcome {
            run: self.run,
            incidents: self.incidents.into_iter().map(|i| i.record).collect(),
            served_ns,
            horizon_ns: horizon.0,
            interruptions: self.interruptions,
            commit_latencies_ns: self.latencies,
            events: self.events,
        }
    }

    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::RandomZoneFailure { zone } => {
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
            }
            Event::Scheduled { index } => {
                let s = &self.sc.scheduled[index];
                let zones = s.zones.clone();
                let incident = self.open_incident(now, s.class, &zones, true);
                for &z in &zones {
                    self.sched.after(
                        s.duration,
                        Event::ZoneRepair {
                            zone: z,
                            incident,
                            renew: false,
                        },
                    );
                }
                self.fail_zones(now, &zones, incident);
            }
            Event::ZoneRepair {
                zone,
                incident,
                renew,
            } => {
                self.repair_zone(now, zone);
                let inc = &mut self.incidents[incident];
                inc.zones_down -= 1;
                if inc.zones_down == 0 {
                    inc.record.end_ns = Some(now.0);
                }
                if renew {
                    if let Some(p) = &self.sc.zone_failures[zone] {
                        let next = p.time_between.sample(&mut self.rng.zones[zone]);
                        self.sched.after(next, Event::RandomZoneFailure { zone });
                    }
                }
                self.reconcile(now, None);
            }
            Event::ElectionDone { epoch } => {
                if epoch == self.epoch && self.election_pending {
                    self.elect(now);
                }
            }
            Event::ResyncDone { zone, epoch } => {
                if matches!(self.zones[zone].data, Data::Resyncing { epoch: e, .. } if e == epoch) {
                    self.zones[zone].data = Data::Tracking;
                    self.reconcile(now, None);
                }
            }
            Event::TicketResolved { epoch } => {
                if epoch == self.epoch && self.ticket_pending {
                    self.restore_from_backup(now);
                }
            }
        }
    }

    fn open_incident(
        &mut self,
        now: SimTime,
        class: IncidentClass,
        zones: &[usize],
        scheduled: bool,
    ) -> usize {
        let names = &self.sc.home_region().zones;
        let scope = zones
            .iter()
            .map(|&z| names[z].as_str())
            .collect::<Vec<_>>()
            .join("+");
        let recovery = if self.outage.is_some() {
            "overlapped"
        } else {
            "none-needed"
        };
        self.incidents.push(OpenIncident {
            record: Incident {
                run: self.run,
                seq: self.incidents.len() as u32,
                class,
                scope,
                scheduled,
                start_ns: now.0,
                end_ns: None,
                interruption_start_ns: None,
                interruption_end_ns: None,
                rto_ns: 0,
                rpo_ns: 0,
                lost_writes: 0,
                lost_bytes: 0,
                recovery,
            },
            zones_down: zones.len() as u32,
        });
        self.incidents.len() - 1
    }

    /// Takes zones down at one instant. If the leader and at least
    /// `quorum - 1` other in-sync zones fail together, the survivors lack the
    /// writes still in flight to them (one-way zone latency).
    fn fail_zones(&mut self, now: SimTime, failed: &[usize], incident: usize) {
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
        if self.arch == Architecture::ZoneRedundant
            && leader_fails
            && tracking_failing >= self.sc.replication.quorum
            && self.service.is_serving()
        {
            for z in 0..self.zones.len() {
                if self.zones[z].is_up() && self.zones[z].data == Data::Tracking {
                    let rtt = self.sc.replication.zone_rtt.sample(&mut self.rng.follower);
                    let lag = SimDuration(rtt.0 / 2);
                    self.zones[z].data = Data::Behind {
                        holds: SimTime(frontier.0.saturating_sub(lag.0)),
                    };
                }
            }
        }
        self.reconcile(now, Some(incident));
    }

    fn repair_zone(&mut self, now: SimTime, zone: usize) {
        self.zones[zone].down -= 1;
        if self.zones[zone].is_up()
            && self.arch == Architecture::ZoneRedundant
            && self.leader.is_some()
        {
            self.start_resync(now, zone);
        }
    }

    /// A zone that is up but behind catches up from the leader.
    fn start_resync(&mut self, now: SimTime, zone: usize) {
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
            self.epoch += 1;
            let epoch = self.epoch;
            self.zones[zone].data = Data::Resyncing { holds, epoch };
            self.sched
                .after(duration, Event::ResyncDone { zone, epoch });
        }
    }

    /// Re-derives whether writes are served after any change, starting the
    /// recovery action the architecture prescribes.
    fn reconcile(&mut self, now: SimTime, cause: Option<usize>) {
        let serving = match self.arch {
            Architecture::ZoneRedundant => {
                if let Some(l) = self.leader {
                    if !self.zones[l].is_up() {
                        self.leader = None;
                        let detect = self.detection_delay(now);
                        self.begin_election(now.after(detect));
                    }
                } else if !self.election_pending && self.up_zones() >= self.sc.replication.quorum {
                    // A failed election retries once enough zones are back.
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
                    self.epoch += 1;
                } else if !up && !self.ticket_pending {
                    self.ticket_pending = true;
                    self.epoch += 1;
                    let recovery = self.sc.home_region().manual_recovery.as_ref();
                    let delay = recovery.map_or(SimDuration::ZERO, |m| {
                        m.ticket_delay.sample(&mut self.rng.ticket)
                    });
                    self.sched
                        .after(delay, Event::TicketResolved { epoch: self.epoch });
                }
                up
            }
        };
        let elected_during_outage = self
            .outage
            .as_ref()
            .is_some_and(|o| self.last_election_at.is_some_and(|t| t >= o.since));
        let how = match self.arch {
            Architecture::ZoneRedundant if elected_during_outage => "zone-failover",
            Architecture::ZoneRedundant => "quorum",
            Architecture::SingleZone | Architecture::ManualRecovery => "zone-repair",
        };
        self.set_serving(now, serving, cause, how);
    }

    fn begin_election(&mut self, at: SimTime) {
        self.election_pending = true;
        self.epoch += 1;
        let reroute = self.sc.failover.reroute.sample(&mut self.rng.failover);
        self.sched
            .at(at.after(reroute), Event::ElectionDone { epoch: self.epoch });
    }

    /// Heartbeats are sent at multiples of the interval from time zero; a
    /// failure at `t` misses every beat from the first tick at or after `t`
    /// and is declared at the `missed_heartbeats`-th missed tick. The delay
    /// is therefore uniform on `[(k-1)h, kh)` for a failure at a random phase.
    fn detection_delay(&self, failed_at: SimTime) -> SimDuration {
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

    /// Picks the most up-to-date zone among those up; writes it lacks are lost.
    fn elect(&mut self, now: SimTime) {
        self.election_pending = false;
        self.last_election_at = Some(now);
        if self.up_zones() < self.sc.replication.quorum {
            return self.reconcile(now, None);
        }
        let frontier = self.service.frontier(now);
        let (best, best_holds) = (0..self.zones.len())
            .filter(|&z| self.zones[z].is_up())
            .map(|z| (z, self.zones[z].data.holds(frontier)))
            .max_by_key(|&(z, h)| (h, std::cmp::Reverse(z)))
            .expect("at least quorum >= 1 zones are up");
        if best_holds < frontier {
            let loss = sample_loss(
                &self.service,
                best_holds,
                frontier,
                self.sc.workload.write_rate,
                self.sc.workload.write_size,
                &mut self.rng.writes,
            );
            self.record_loss(loss);
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
        self.reconcile(now, None);
    }

    /// A support ticket completes: the environment is restored from the
    /// latest backup into another up zone (or waits if none is up).
    fn restore_from_backup(&mut self, now: SimTime) {
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
            .map_or(1, |m| m.backup_interval.0.max(1));
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
        self.record_loss(loss);
        self.site = target;
        self.set_serving(now, true, None, "support-ticket");
    }

    fn record_loss(&mut self, loss: Loss) {
        if loss.writes == 0 {
            return;
        }
        let cause = self
            .outage
            .as_ref()
            .map_or(self.incidents.len().saturating_sub(1), |o| o.cause);
        if let Some(inc) = self.incidents.get_mut(cause) {
            let rec = &mut inc.record;
            rec.lost_writes += loss.writes;
            rec.lost_bytes += loss.bytes;
            rec.rpo_ns = rec.rpo_ns.max(loss.rpo.0);
        }
    }

    fn set_serving(
        &mut self,
        now: SimTime,
        serving: bool,
        cause: Option<usize>,
        how: &'static str,
    ) {
        match (self.service.is_serving(), serving) {
            (true, false) => {
                self.service.stop(now);
                self.interruptions += 1;
                let cause = cause.unwrap_or(self.incidents.len().saturating_sub(1));
                if let Some(inc) = self.incidents.get_mut(cause) {
                    inc.record.interruption_start_ns = Some(now.0);
                }
                self.outage = Some(Outage { since: now, cause });
            }
            (false, true) => {
                self.service.start(now);
                if let Some(outage) = self.outage.take() {
                    let rec = &mut self.incidents[outage.cause].record;
                    rec.interruption_end_ns = Some(now.0);
                    rec.rto_ns = now.since(outage.since).0;
                    rec.recovery = how;
                }
            }
            _ => {}
        }
    }

    fn sample_latencies_until(&mut self, t: SimTime) {
        while let Some(&at) = self.latency_instants.last() {
            if at > t {
                break;
            }
            self.latency_instants.pop();
            // No state changes between events, so the state now is the state at `at`.
            if self.service.is_serving() {
                let latency = self.commit_latency();
                self.latencies.push(latency.0);
            }
        }
    }

    /// The leader acknowledges locally; a commit needs `quorum - 1` more
    /// acknowledgements, so its latency is the (quorum-1)-th smallest round
    /// trip to the in-sync followers (an order statistic).
    fn commit_latency(&mut self) -> SimDuration {
        let q = self.sc.replication.quorum;
        if self.arch != Architecture::ZoneRedundant || q <= 1 {
            return SimDuration::ZERO;
        }
        let leader = self.leader;
        let mut rtts: Vec<u64> = (0..self.zones.len())
            .filter(|&z| {
                Some(z) != leader && self.zones[z].is_up() && self.zones[z].data == Data::Tracking
            })
            .map(|_| self.sc.replication.zone_rtt.sample(&mut self.rng.latency).0)
            .collect();
        rtts.sort_unstable();
        SimDuration(rtts.get(q - 2).copied().unwrap_or(0))
    }
}
