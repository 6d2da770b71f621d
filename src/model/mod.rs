//! One replication of a scenario: the world's state, the events that change
//! it, and the records they leave. Event-driven on failures and state
//! changes only; writes are never events (see `loss`, `service`, `link`).
//!
//! The rules are split by concern: `zones` holds the in-region synchronous
//! quorum and automatic zone failover (`in_sync` the all-in-sync mode),
//! `dr` the region outages, the cross-region link and the self-service DR
//! lifecycle, `restore` the rebuild of a destroyed region from its
//! in-region backups. This file owns the
//! clock, the dispatch of events, the incident records and the decision of
//! whether writes are being served.

mod apply_delays;
pub mod conflicts;
mod dr;
mod escalation;
mod exact;
mod extra_regions;
mod in_sync;
#[cfg(test)]
mod lifecycle_props;
mod link;
mod loss;
pub mod lww_per_write;
mod multi_writer;
mod paired;
mod quorum_reform;
mod reads;
mod recovery;
mod region_quorum;
#[cfg(test)]
mod region_quorum_props;
mod restore;
mod rpo_bound;
mod secondaries;
mod service;
mod trace;
mod zones;

pub use apply_delays::ApplyDelays;
pub use exact::{exact_event_estimate, ExactLink, EVENTS_PER_BATCH, EVENTS_PER_WRITE};
pub use link::AsyncLink;
pub use loss::{sample_loss, Loss};
pub use multi_writer::MultiWriterTotals;
pub use reads::{ReadDowntimeSpan, ReadLog};
pub use service::ServiceLog;
pub use trace::TraceEvent;

use crate::engine::rng::{stream_rng, Stream};
use crate::engine::Scheduler;
use crate::incident::{DowntimeSpan, Incident, IncidentClass, RefusedOperation};
use crate::scenario::{Architecture, Scenario, Side};
use crate::time::{SimDuration, SimTime};
use rand::rngs::ChaCha8Rng;
use rand::RngExt;
use zones::{RegionZones, ZoneRngs};

/// Samples per replication of the commit latency and of the replication
/// lag, at instants spread uniformly over the horizon, so both
/// distributions are time-weighted.
pub const SAMPLES_PER_RUN: usize = 32;

/// Evenly spaced lag probes of a traced replication (the timeline chart).
pub const TRACE_PROBES: u64 = 2000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    /// The next random outage of a zone's renewal process (zone `zone` of
    /// the region `side`; so for every zone event).
    RandomZoneFailure { side: Side, zone: usize },
    /// A scheduled `[[incidents]]` entry starts.
    Scheduled { index: usize },
    /// A zone comes back. `renew` restarts its renewal process.
    ZoneRepair {
        side: Side,
        zone: usize,
        incident: usize,
        renew: bool,
    },
    /// Election of a new leader in the region `side` completes (ignored if
    /// `epoch` is stale).
    ElectionDone { side: Side, epoch: u64 },
    /// A returning zone has caught up.
    ResyncDone { side: Side, zone: usize, epoch: u64 },
    /// A support engineer restored the environment elsewhere.
    TicketResolved { epoch: u64 },
    /// The next random outage of the home region.
    RandomRegionOutage,
    /// The home region comes back.
    RegionRepair { incident: usize, renew: bool },
    /// The next random outage of the paired region.
    RandomPairedOutage,
    /// The paired region comes back.
    PairedRepair { incident: usize, renew: bool },
    /// The next random outage of region `extra` beyond the pair (index in
    /// `Scenario::extra_regions`).
    RandomExtraOutage { extra: usize },
    /// Region `extra` beyond the pair comes back.
    ExtraRepair {
        extra: usize,
        incident: usize,
        renew: bool,
    },
    /// The next random partition (`degraded == false`) or bandwidth
    /// degradation of the cross-region link.
    RandomLinkIncident { degraded: bool },
    /// A link incident ends; `renew` restarts the random process it came
    /// from (`Some(degraded)`).
    LinkRepair {
        incident: usize,
        renew: Option<bool>,
    },
    /// Occurrence `occurrence` of `operations[index]`.
    Operation { index: usize, occurrence: u64 },
    /// A DR lifecycle timer set in lifecycle generation `epoch`.
    DrTimer { timer: dr::Timer, epoch: u64 },
    /// The DR work planned in generation `plan` (copy, catch-up, drain,
    /// resync) completes, if the rates have not changed since.
    DrWorkDone { plan: u64 },
    /// A restore from backup started in generation `epoch` has copied the data.
    RestoreDone { epoch: u64 },
    /// Random zone outage `zone_incident` (of zone `zone` of the region
    /// `side`) grows into an outage of that region, if its zone is still down.
    Escalation {
        side: Side,
        zone: usize,
        zone_incident: usize,
    },
    /// The election of a leader of the quorum over regions completes
    /// (ignored if `epoch` is stale).
    VoterElectionDone { epoch: u64 },
    /// The delay of a lost quorum over regions' re-form (generation
    /// `epoch`) has elapsed: it re-forms if still lost and safe.
    QuorumReformDue { epoch: u64 },
    /// The RPO bound is looked at (block, resume or re-plan), if planned in
    /// generation `plan` (see `rpo_bound.rs`).
    RpoBoundCheck { plan: u64 },
    /// The next random partition of further secondary `secondary`'s link.
    SecondaryPartition { secondary: usize },
    /// Partition `incident` of further secondary `secondary`'s link ends.
    SecondaryPartitionOver { secondary: usize, incident: usize },
    /// The copy of further secondary `secondary` started in generation
    /// `epoch` is whole (void if that copy was called off).
    SecondaryCopied { secondary: usize, epoch: u64 },
    /// Several writing regions: the clients of region `side`, down since
    /// the reroute `epoch` began, write in the other region from now on.
    ClientReroute { side: Side, epoch: u64 },
}

struct OpenIncident {
    record: Incident,
    /// Components still failed (zones, or 1 for a region or link incident).
    pending_repairs: u32,
}

/// The current interruption of service.
struct Outage {
    since: SimTime,
    /// Incident whose onset stopped service.
    cause: usize,
    /// Incidents that began during the interruption (they overlap it).
    joined: Vec<usize>,
    /// The incident the time without service is charged to, and since when:
    /// the cause, until an incident that would stop writes by itself (a
    /// region outage of the serving region) takes the charge over.
    charged: usize,
    charged_since: SimTime,
    /// Why writes were not served, as it changed (the RTO components).
    components: recovery::Segments,
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
    /// Sampled cross-region replication lag (ns) while DR protected the primary.
    pub lag_samples_ns: Vec<u64>,
    /// Replication lag at the horizon (ns), when DR protected the primary then.
    pub lag_at_horizon_ns: Option<u64>,
    /// Duration of the initial seeding (ns), when DR was enabled during the run.
    pub seeding_ns: Option<u64>,
    /// Nanoseconds during which a secondary copy existed (capacity).
    pub dr_active_ns: u64,
    /// Nanoseconds during which DR was on but no copy received the
    /// environment's writes (seeding, failed over, re-copying; see the
    /// README's "unprotected").
    pub unprotected_ns: u64,
    /// Nanoseconds during which the RPO bound throttled writes
    /// (`cross_region.rpo_bound.action = "throttle"`).
    pub throttled_ns: u64,
    /// Writes shed by the throttle (expected count: the offered rate times
    /// the share not admitted, over the throttled time).
    pub throttled_writes: u64,
    /// Lifecycle operations refused (e.g. `disable` while failed over), in time order.
    pub refused: Vec<RefusedOperation>,
    /// The stretches without service, each charged to one incident, in time order.
    pub downtime: Vec<DowntimeSpan>,
    /// Nanoseconds during which no copy served reads (at most the write
    /// downtime: reads are served whenever writes are; see `reads`).
    pub read_down_ns: u64,
    /// The stretches without reads, in time order (each inside a stretch
    /// of `downtime`).
    pub read_downtime: Vec<ReadDowntimeSpan>,
    /// Events handled (for throughput figures).
    pub events: u64,
    /// Several writing regions: lost updates, deferred writes, the paired
    /// region's clients (`None` with one writing region).
    pub multi_writer: Option<MultiWriterTotals>,
}

impl ReplicationOutcome {
    /// Fraction of the horizon during which writes were served.
    pub fn availability(&self) -> f64 {
        self.served_ns as f64 / self.horizon_ns as f64
    }

    pub fn downtime_ns(&self) -> u64 {
        self.horizon_ns - self.served_ns
    }

    /// Fraction of the horizon during which some copy served reads.
    pub fn read_availability(&self) -> f64 {
        self.read_served_ns() as f64 / self.horizon_ns as f64
    }

    /// Nanoseconds during which some copy served reads.
    pub fn read_served_ns(&self) -> u64 {
        self.horizon_ns - self.read_down_ns
    }
}

/// RNGs of one replication, one per random source (see `engine::rng`).
struct Rngs {
    /// The zones' sources of each region (`[home, paired]`).
    zones: [ZoneRngs; 2],
    writes: ChaCha8Rng,
    latency: ChaCha8Rng,
    ticket: ChaCha8Rng,
    region: ChaCha8Rng,
    link: ChaCha8Rng,
    operator: ChaCha8Rng,
    backups: ChaCha8Rng,
    paired_region: ChaCha8Rng,
    provider: ChaCha8Rng,
    reprotect: ChaCha8Rng,
}

/// One replication in progress. Drive it with [`Replication::step`] or
/// [`Replication::run`].
pub struct Replication<'s> {
    sc: &'s Scenario,
    run: u64,
    arch: Architecture,
    sched: Scheduler<Event>,
    rng: Rngs,
    /// The zones of the home region and of its paired region (`[home,
    /// paired]`, see [`Side::index`]; the paired region's are empty when not
    /// simulated).
    region_zones: [RegionZones; 2],
    /// Zone of the home region hosting a single-zone or manually recovered
    /// environment.
    site: usize,
    /// Generation counter of the support ticket: an older one is void.
    ticket_epoch: u64,
    ticket_pending: bool,
    /// Region, link and DR lifecycle state.
    dr: dr::DrState,
    /// Outages of the regions beyond the pair (`extra_regions.rs`).
    extra: extra_regions::ExtraRegions,
    /// The leader of a quorum over regions (`region_quorum.rs`).
    leadership: region_quorum::Leadership,
    /// Restores from in-region backups and backups lost (`restore.rs`).
    restores: restore::Restores,
    /// Writes blocked by the RPO bound (`rpo_bound.rs`).
    rpo: rpo_bound::RpoGuard,
    /// Both regions' writes, with several writing regions (`multi_writer.rs`).
    writers: Option<multi_writer::Writers>,
    service: ServiceLog,
    /// When reads were not served (`reads.rs`).
    reads: ReadLog,
    outage: Option<Outage>,
    interruptions: u32,
    downtime: Vec<DowntimeSpan>,
    incidents: Vec<OpenIncident>,
    sample_instants: Vec<SimTime>,
    latencies: Vec<u64>,
    lags: Vec<u64>,
    /// How the current interruption will have ended, when decided before
    /// writes resume (a region restored from backup still needs its election).
    resume_label: Option<&'static str>,
    /// Event-by-event record, when requested.
    trace: Option<Vec<TraceEvent>>,
    /// Pending lag probes of a traced replication, latest first.
    probes: Vec<SimTime>,
    events: u64,
}

impl<'s> Replication<'s> {
    pub fn new(sc: &'s Scenario, run: u64) -> Self {
        let seed = sc.simulation.seed;
        let zone_count = sc.home_region().zones.len();
        let paired_count = if sc.paired_zones_simulated() {
            sc.region_of(Side::Paired).map_or(0, |r| r.zones.len())
        } else {
            0
        };
        let rng = Rngs {
            zones: [
                ZoneRngs::new(seed, run, Side::Home, zone_count),
                ZoneRngs::new(seed, run, Side::Paired, paired_count),
            ],
            writes: stream_rng(seed, run, Stream::Writes),
            latency: stream_rng(seed, run, Stream::CommitLatency),
            ticket: stream_rng(seed, run, Stream::SupportTicket),
            region: stream_rng(seed, run, Stream::RegionFailures),
            link: stream_rng(seed, run, Stream::LinkFailures),
            operator: stream_rng(seed, run, Stream::Operator),
            backups: stream_rng(seed, run, Stream::BackupLoss),
            paired_region: stream_rng(seed, run, Stream::PairedRegionFailures),
            provider: stream_rng(seed, run, Stream::ProviderFailover),
            reprotect: stream_rng(seed, run, Stream::Reprotect),
        };
        let horizon = SimTime(sc.simulation.horizon.0);
        let mut r = Replication {
            sc,
            run,
            arch: sc.architecture(),
            sched: Scheduler::new(horizon),
            rng,
            region_zones: [
                RegionZones::new(zone_count, sc.environment.home_zone),
                RegionZones::new(paired_count, 0),
            ],
            site: sc.environment.home_zone,
            ticket_epoch: 0,
            ticket_pending: false,
            dr: dr::DrState::default(),
            extra: extra_regions::ExtraRegions::new(sc, run),
            leadership: region_quorum::Leadership::new(sc, run),
            restores: restore::Restores::default(),
            rpo: rpo_bound::RpoGuard::default(),
            writers: multi_writer::Writers::new(sc, run),
            service: ServiceLog::default(),
            reads: ReadLog::default(),
            outage: None,
            interruptions: 0,
            downtime: Vec::new(),
            incidents: Vec::new(),
            sample_instants: Vec::new(),
            latencies: Vec::with_capacity(SAMPLES_PER_RUN),
            lags: Vec::new(),
            resume_label: None,
            trace: None,
            probes: Vec::new(),
            events: 0,
        };
        if sc.region_quorum.is_some() {
            // The voters lead: the home zones only carry them.
            r.region_zones[Side::Home.index()].leader = None;
        }
        r.service.start(SimTime::ZERO);
        r.start_zone_processes();
        for (index, s) in sc.scheduled.iter().enumerate() {
            r.sched.at(s.at, Event::Scheduled { index });
        }
        r.dr.secondaries = secondaries::secondaries_of(sc, run);
        r.start_dr_processes();
        r.start_paired_process();
        r.start_secondaries();
        r.start_extra_region_processes();
        let mut instants: Vec<SimTime> = (0..SAMPLES_PER_RUN)
            .map(|_| SimTime(r.rng.latency.random_range(0..horizon.0.max(1))))
            .collect();
        // Latest first, so the next instant pops off the end.
        instants.sort_unstable_by(|a, b| b.cmp(a));
        r.sample_instants = instants;
        r
    }

    /// Handles the next event; `false` once nothing is left before the horizon.
    pub fn step(&mut self) -> bool {
        let Some((now, event)) = self.sched.pop() else {
            return false;
        };
        // Probes first: each takes the samples before it, so the link is
        // asked in time order (the exact fidelity's link requires it).
        if self.trace.is_some() {
            self.probe_lag_until(now);
        }
        self.take_samples_until(now);
        self.events += 1;
        let phase_before = self.dr.phase;
        // A lifecycle timer or plan voided by a later change does nothing:
        // the trace leaves it out rather than show an event that did not happen.
        let void = match event {
            Event::DrTimer { epoch, .. } => !self.dr.epoch_is_current(epoch),
            Event::DrWorkDone { plan } => !self.dr.plan_is_current(plan),
            Event::RpoBoundCheck { plan } => !self.rpo.plan_is_current(plan),
            Event::ClientReroute { side, epoch } => !self.reroute_is_current(side, epoch),
            Event::QuorumReformDue { epoch } => !self.leadership.config.epoch_is_current(epoch),
            _ => false,
        };
        self.handle(now, event);
        let reads = self.reads_served();
        self.reads.mark(now, reads);
        self.dr.track_protection(now);
        if self.outage.is_some() {
            let (c, then) = self.blocking_component(now);
            if let Some(o) = self.outage.as_mut() {
                o.components.set(now, c, then);
            }
        }
        if self.trace.is_some() && !void {
            self.record_trace(now, event, phase_before);
        }
        true
    }

    /// Collects a [`TraceEvent`] per handled event, plus the lag at
    /// [`TRACE_PROBES`] evenly spaced instants (the lag moves between events).
    pub fn traced(mut self) -> Self {
        self.trace = Some(Vec::new());
        let h = self.sched.horizon().0;
        self.probes = (0..TRACE_PROBES)
            .rev()
            .map(|i| SimTime((h as u128 * i as u128 / TRACE_PROBES as u128) as u64))
            .collect();
        self
    }

    fn probe_lag_until(&mut self, t: SimTime) {
        while let Some(&at) = self.probes.last() {
            if at > t {
                break;
            }
            self.probes.pop();
            self.take_samples_until(at);
            let lag_ns = self.lag_at(at).map(|d| d.0);
            let entry = TraceEvent {
                t_ns: at.0,
                kind: "lag-sample",
                scope: String::new(),
                incident: None,
                serving: self.service.is_serving(),
                dr_phase: self.dr.phase_name(),
                lag_ns,
            };
            if let Some(trace) = &mut self.trace {
                trace.push(entry);
            }
        }
    }

    /// Runs to the horizon and returns the records and the trace (empty
    /// unless [`Replication::traced`] was called).
    pub fn run_traced(mut self) -> (ReplicationOutcome, Vec<TraceEvent>) {
        while self.step() {}
        self.probe_lag_until(SimTime(self.sched.horizon().0.saturating_sub(1)));
        let trace = self.trace.take().unwrap_or_default();
        (self.finish(), trace)
    }

    fn record_trace(&mut self, now: SimTime, event: Event, phase_before: dr::Phase) {
        let (kind, scope, incident) = self.trace_label(now, event, phase_before);
        // Scheduled incidents and random failures open the newest incident.
        let incident = match event {
            Event::Scheduled { .. }
            | Event::RandomZoneFailure { .. }
            | Event::RandomRegionOutage
            | Event::RandomPairedOutage
            | Event::RandomExtraOutage { .. }
            | Event::RandomLinkIncident { .. } => self.incidents.len().checked_sub(1),
            Event::Escalation { zone_incident, .. }
                if self.incidents[zone_incident].record.end_ns.is_none() =>
            {
                self.incidents.len().checked_sub(1)
            }
            _ => incident,
        };
        let lag_ns = self.lag_at(now).map(|d| d.0);
        let entry = TraceEvent {
            t_ns: now.0,
            kind,
            scope,
            incident,
            serving: self.service.is_serving(),
            dr_phase: self.dr.phase_name(),
            lag_ns,
        };
        if let Some(trace) = &mut self.trace {
            trace.push(entry);
        }
    }

    /// The trace's kind, scope and incident of `event`, handled at `now`
    /// (`phase_before`: the DR phase it found, which names a completed
    /// piece of work).
    fn trace_label(
        &self,
        now: SimTime,
        event: Event,
        phase_before: dr::Phase,
    ) -> (&'static str, String, Option<usize>) {
        let zone_name = |side: Side, z: usize| self.zone_scope(side, &[z]);
        let region = || self.sc.home_region().name.clone();
        match event {
            Event::RandomZoneFailure { side, zone } => {
                ("zone-failure", zone_name(side, zone), None)
            }
            Event::Scheduled { index } => ("scheduled-incident", String::new(), Some(index)),
            Event::ZoneRepair {
                side,
                zone,
                incident,
                ..
            } => ("zone-repair", zone_name(side, zone), Some(incident)),
            Event::ElectionDone { side, .. } => (
                "election-done",
                self.zones_of(side)
                    .leader
                    .map(|l| zone_name(side, l))
                    .unwrap_or_default(),
                None,
            ),
            Event::ResyncDone { side, zone, .. } => ("zone-resynced", zone_name(side, zone), None),
            Event::TicketResolved { .. } => ("support-ticket-resolved", String::new(), None),
            Event::RandomRegionOutage => ("region-outage", region(), None),
            Event::RegionRepair { incident, .. } => ("region-repair", region(), Some(incident)),
            Event::RandomPairedOutage => ("paired-region-outage", self.paired_name(), None),
            Event::PairedRepair { incident, .. } => {
                ("paired-region-repair", self.paired_name(), Some(incident))
            }
            Event::RandomExtraOutage { extra } => {
                ("region-outage", self.extra_region_name(extra), None)
            }
            Event::ExtraRepair {
                extra, incident, ..
            } => (
                "region-repair",
                self.extra_region_name(extra),
                Some(incident),
            ),
            Event::RandomLinkIncident { degraded } => (
                if degraded {
                    "link-degradation"
                } else {
                    "link-partition"
                },
                "cross-region-link".into(),
                None,
            ),
            Event::LinkRepair { incident, .. } => {
                ("link-repair", "cross-region-link".into(), Some(incident))
            }
            Event::Operation { index, .. } => {
                (self.sc.operations[index].kind.name(), region(), None)
            }
            Event::DrTimer { timer, .. } => (timer.name(), region(), timer.incident()),
            Event::DrWorkDone { .. } => {
                let kind = match phase_before {
                    dr::Phase::Seeding => "seeding-copy-done",
                    dr::Phase::CatchingUp => "seeding-done",
                    dr::Phase::Draining => "drill-drained",
                    dr::Phase::ResyncingBack => "resync-back-done",
                    dr::Phase::Recopying if self.dr.phase == dr::Phase::Recopying => {
                        "recopy-copy-done"
                    }
                    dr::Phase::Recopying => "recopy-caught-up",
                    _ => "dr-work-replanned",
                };
                (kind, region(), None)
            }
            Event::RestoreDone { .. } => ("restore-done", region(), None),
            Event::Escalation {
                side,
                zone_incident,
                ..
            } => {
                let scope = match side {
                    Side::Home => region(),
                    Side::Paired => self.paired_name(),
                };
                ("zone-escalation", scope, Some(zone_incident))
            }
            Event::VoterElectionDone { .. } => {
                let scope = self.voter_leader_region().unwrap_or_default();
                ("leader-elected", scope, None)
            }
            Event::QuorumReformDue { .. } => {
                let kind = if self.leadership.config.last_reform_at == Some(now) {
                    "quorum-reformed"
                } else {
                    "quorum-reform-unsafe"
                };
                (kind, self.voter_leader_region().unwrap_or_default(), None)
            }
            Event::RpoBoundCheck { .. } => (
                if self.rpo.blocks() {
                    "rpo-bound-blocking"
                } else {
                    "rpo-bound-clear"
                },
                "cross-region-link".into(),
                self.rpo.incident(),
            ),
            Event::SecondaryPartition { secondary } => (
                "link-partition",
                format!("cross-region-link/{}", self.secondary_name(secondary)),
                None,
            ),
            Event::SecondaryPartitionOver {
                secondary,
                incident,
            } => (
                "link-repair",
                format!("cross-region-link/{}", self.secondary_name(secondary)),
                Some(incident),
            ),
            Event::SecondaryCopied { secondary, .. } => {
                ("secondary-copied", self.secondary_name(secondary), None)
            }
            Event::ClientReroute { side, .. } => (
                "clients-rerouted",
                match side {
                    Side::Home => region(),
                    Side::Paired => self.paired_name(),
                },
                None,
            ),
        }
    }

    /// Runs to the horizon and returns the records.
    pub fn run(mut self) -> ReplicationOutcome {
        while self.step() {}
        self.finish()
    }

    /// Closes the books at the horizon: open outages and incidents are censored.
    pub fn finish(mut self) -> ReplicationOutcome {
        let horizon = self.sched.horizon();
        self.take_samples_until(horizon);
        if self.outage.is_some() {
            self.end_outage(horizon, "unresolved");
        }
        let served_ns = self.service.up_until(horizon);
        let lag_at_horizon_ns = self.lag_at(horizon).map(|d| d.0);
        let (read_downtime, read_down_ns) = std::mem::take(&mut self.reads).finish(horizon);
        let (dr_active_ns, seeding_ns, refused) = self.dr.totals(horizon);
        let unprotected_ns = self.dr.unprotected_ns(horizon);
        let (throttled_ns, throttled_writes) = self.throttled_until(horizon);
        ReplicationOutcome {
            run: self.run,
            incidents: self.incidents.into_iter().map(|i| i.record).collect(),
            served_ns,
            horizon_ns: horizon.0,
            interruptions: self.interruptions,
            commit_latencies_ns: self.latencies,
            lag_samples_ns: self.lags,
            lag_at_horizon_ns,
            seeding_ns,
            dr_active_ns,
            unprotected_ns,
            throttled_ns,
            throttled_writes,
            refused,
            downtime: self.downtime,
            read_down_ns,
            read_downtime,
            // Exact fidelity adds the per-write events run inside the link.
            events: self.events + self.dr.link_events(),
            multi_writer: self.writers.take().map(|w| w.finish(horizon)),
        }
    }

    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::RandomZoneFailure { side, zone } => self.random_zone_failure(now, side, zone),
            Event::Scheduled { index } => self.scheduled_incident(now, index),
            Event::ZoneRepair {
                side,
                zone,
                incident,
                renew,
            } => {
                self.repair_zone(now, side, zone, renew);
                self.component_repaired(now, incident);
                self.reconcile(now, None, None);
            }
            Event::ElectionDone { side, epoch } => {
                let rz = self.zones_of(side);
                if epoch == rz.election_epoch && rz.election_pending {
                    self.elect(now, side);
                }
            }
            Event::ResyncDone { side, zone, epoch } => self.zone_resynced(now, side, zone, epoch),
            Event::TicketResolved { epoch } => {
                if epoch == self.ticket_epoch && self.ticket_pending {
                    self.restore_from_backup(now);
                }
            }
            Event::RandomRegionOutage => self.random_region_outage(now),
            Event::RegionRepair { incident, renew } => self.region_repair(now, incident, renew),
            Event::RandomPairedOutage => self.random_paired_outage(now),
            Event::PairedRepair { incident, renew } => self.paired_repair(now, incident, renew),
            Event::RandomExtraOutage { extra } => self.random_extra_outage(now, extra),
            Event::ExtraRepair {
                extra,
                incident,
                renew,
            } => self.extra_repair(now, extra, incident, renew),
            Event::RandomLinkIncident { degraded } => self.random_link_incident(now, degraded),
            Event::LinkRepair { incident, renew } => self.link_repair(now, incident, renew),
            Event::Operation { index, occurrence } => self.operation(now, index, occurrence),
            Event::DrTimer { timer, epoch } => self.timer_fired(now, timer, epoch),
            Event::DrWorkDone { plan } => self.work_done(now, plan),
            Event::RestoreDone { epoch } => self.restore_done(now, epoch),
            Event::Escalation {
                side,
                zone,
                zone_incident,
            } => self.escalate(now, side, zone, zone_incident),
            Event::RpoBoundCheck { plan } => self.rpo_bound_check(now, plan),
            Event::VoterElectionDone { epoch } => self.voter_election_done(now, epoch),
            Event::QuorumReformDue { epoch } => self.quorum_reform_due(now, epoch),
            Event::SecondaryPartition { secondary } => self.secondary_partition(now, secondary),
            Event::SecondaryPartitionOver {
                secondary,
                incident,
            } => self.secondary_partition_over(now, secondary, incident),
            Event::SecondaryCopied { secondary, epoch } => {
                self.secondary_copied(now, secondary, epoch)
            }
            Event::ClientReroute { side, epoch } => self.client_reroute(now, side, epoch),
        }
    }

    fn scheduled_incident(&mut self, now: SimTime, index: usize) {
        let s = &self.sc.scheduled[index];
        if let Some(extra) = s.extra_region {
            self.extra_outage(now, extra, s.duration, s.destroys_data, true, false);
            return;
        }
        match s.class {
            IncidentClass::Zone => {
                let (side, zones) = (s.side, s.zones.clone());
                let incident = self.open_incident(now, IncidentClass::Zone, side, &zones, true);
                for &z in &zones {
                    self.sched.after(
                        s.duration,
                        Event::ZoneRepair {
                            side,
                            zone: z,
                            incident,
                            renew: false,
                        },
                    );
                }
                self.fail_zones(now, side, &zones, incident);
            }
            IncidentClass::Region => {
                if s.destroys_data {
                    let incident = self.incidents.len();
                    self.note_destruction(incident, Some(s.destroys_backups));
                }
                self.region_outage(now, s.duration, s.destroys_data, true, false);
            }
            IncidentClass::PairedRegion => {
                self.paired_outage(now, s.duration, s.destroys_data, true, false);
            }
            _ => self.link_incident(now, s.duration, s.bandwidth_factor, true, None),
        }
    }

    /// Opens an incident record. `zones` names the failed zones of the
    /// region `side` (empty for region and link incidents, which name
    /// themselves via `scope`).
    fn open_incident(
        &mut self,
        now: SimTime,
        class: IncidentClass,
        side: Side,
        zones: &[usize],
        scheduled: bool,
    ) -> usize {
        let scope = match class {
            IncidentClass::Zone => self.zone_scope(side, zones),
            IncidentClass::Link | IncidentClass::RpoBound => "cross-region-link".to_string(),
            IncidentClass::PairedRegion => self.paired_name(),
            _ => self.sc.home_region().name.clone(),
        };
        let seq = self.incidents.len();
        let overlaps = self.outage.as_mut().map(|o| {
            o.joined.push(seq);
            o.cause as u32
        });
        self.incidents.push(OpenIncident {
            record: Incident {
                interruption_start_ns: overlaps.map(|_| now.0),
                overlaps,
                ..Incident::opened(self.run, seq as u32, class, scope, scheduled, now.0)
            },
            pending_repairs: zones.len().max(1) as u32,
        });
        self.incidents.len() - 1
    }

    /// The scope of a zone incident: its zones joined by `+` (`az1+az2`),
    /// prefixed by the region's name in the paired region
    /// (`northeurope/az1+az2`), whose zones may share the home region's names.
    fn zone_scope(&self, side: Side, zones: &[usize]) -> String {
        let Some(region) = self.sc.region_of(side) else {
            return String::new();
        };
        let names = zones
            .iter()
            .map(|&z| region.zones[z].as_str())
            .collect::<Vec<_>>()
            .join("+");
        match side {
            Side::Home => names,
            Side::Paired => format!("{}/{names}", region.name),
        }
    }

    /// One failed component of `incident` is back; the incident ends with the last.
    fn component_repaired(&mut self, now: SimTime, incident: usize) {
        let inc = &mut self.incidents[incident];
        inc.pending_repairs = inc.pending_repairs.saturating_sub(1);
        if inc.pending_repairs == 0 {
            inc.record.end_ns = Some(now.0);
        }
    }

    /// Re-derives whether writes are served after any change. `how` labels
    /// a resumption caused by a DR action; otherwise the zone rules label it.
    fn reconcile(&mut self, now: SimTime, cause: Option<usize>, how: Option<&'static str>) {
        let in_primary = if self.sc.region_quorum.is_some() {
            self.voters_serving(now)
        } else {
            self.zone_rules_serving(now, Side::Home)
        };
        if in_primary != self.zones_of(Side::Home).quorum_serving {
            self.zones_of_mut(Side::Home).quorum_serving = in_primary;
            self.dr.home_quorum_lost = !in_primary;
            self.on(
                now,
                dr::Trigger::Quorum {
                    serving: in_primary,
                },
            );
        }
        let in_paired = self.zone_rules_serving(now, Side::Paired);
        if in_paired != self.zones_of(Side::Paired).quorum_serving {
            self.zones_of_mut(Side::Paired).quorum_serving = in_paired;
            self.dr.paired_quorum_lost = !in_paired;
            let incident = cause.unwrap_or(self.incidents.len().saturating_sub(1));
            self.on(
                now,
                dr::Trigger::PairedQuorum {
                    held: in_paired,
                    incident,
                },
            );
        }
        let rerouted = self.home_clients_rerouted();
        let serving = match self.dr.serving_site() {
            // Several writing regions: the home clients write in the paired
            // region once rerouted (`multi_writer.rs`).
            dr::Site::Primary if rerouted && !in_primary => in_paired && self.dr.paired_down == 0,
            // A primary back empty (destroyed) serves nothing: it is
            // restored or rebuilt from elsewhere first, and while the
            // failover to the copy waits for its target it waits too.
            dr::Site::Primary => {
                let restoring = self.restore_blocks();
                in_primary
                    && !self.dr.primary_blocked()
                    && !self.dr.destroyed
                    && !restoring
                    && !self.rpo.blocks()
                    && !self.rpo_bound_holds_resumption(now)
            }
            // Re-protected in the reverse direction, the RPO bound acts there.
            // A destroyed paired region serves nothing until its backup is
            // restored (or, re-protected, it is abandoned by the failover back).
            dr::Site::Secondary => match self.dr.serving_in {
                None => {
                    self.dr.paired_down == 0
                        && in_paired
                        && !self.dr.paired_data_lost()
                        && !self.rpo.blocks()
                        && !self.rpo_bound_holds_resumption(now)
                }
                Some(i) => self.dr.secondaries[i].down == 0,
            },
            dr::Site::None => false,
        };
        let how = how.unwrap_or_else(|| self.resumption_label());
        self.set_serving(now, serving, cause, how);
        self.sync_writers(now);
    }

    /// Attributes `loss` to `incident`.
    fn record_loss(&mut self, incident: usize, loss: Loss) {
        if loss.writes == 0 {
            return;
        }
        let rec = &mut self.incidents[incident].record;
        rec.lost_writes = rec.lost_writes.saturating_add(loss.writes);
        rec.lost_bytes = rec.lost_bytes.saturating_add(loss.bytes);
        rec.rpo_ns = rec.rpo_ns.max(loss.rpo.0);
    }

    /// The incident owning the current interruption (or the newest incident).
    fn current_cause(&self) -> usize {
        self.outage
            .as_ref()
            .map_or(self.incidents.len().saturating_sub(1), |o| o.cause)
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
                self.dr.serving_changed(&self.service, now);
                self.interruptions += 1;
                let cause = cause.unwrap_or(self.incidents.len().saturating_sub(1));
                if let Some(inc) = self.incidents.get_mut(cause) {
                    inc.record.interruption_start_ns = Some(now.0);
                }
                self.outage = Some(Outage {
                    since: now,
                    cause,
                    joined: Vec::new(),
                    charged: cause,
                    charged_since: now,
                    components: recovery::Segments::default(),
                });
                self.replan(now);
            }
            (false, true) => {
                self.service.start(now);
                self.dr.serving_changed(&self.service, now);
                let how = self.resume_label.take().unwrap_or(how);
                self.end_outage(now, how);
                self.replan(now);
            }
            _ => {}
        }
    }

    /// Moves the charge of the current interruption to `incident` from `now` on.
    fn charge_outage_to(&mut self, now: SimTime, incident: usize) {
        let Some(outage) = self.outage.as_mut() else {
            return;
        };
        if outage.charged == incident {
            return;
        }
        let (from, charged) = (outage.charged_since, outage.charged);
        outage.charged = incident;
        outage.charged_since = now;
        self.charge(charged, from, now);
    }

    fn charge(&mut self, incident: usize, from: SimTime, to: SimTime) {
        if to <= from {
            return;
        }
        self.incidents[incident].record.downtime_ns += to.since(from).0;
        self.downtime.push(DowntimeSpan {
            start_ns: from.0,
            end_ns: to.0,
            incident: incident as u32,
        });
    }

    /// Writes are served again at `now` (or the horizon closes the books):
    /// the cause's RTO runs from the stop, each joined incident's from its
    /// own onset.
    fn end_outage(&mut self, now: SimTime, how: &'static str) {
        let Some(outage) = self.outage.take() else {
            return;
        };
        self.charge(outage.charged, outage.charged_since, now);
        let resolved = how != "unresolved";
        let onsets: Vec<(usize, SimTime)> = std::iter::once((outage.cause, outage.since))
            .chain(
                outage
                    .joined
                    .iter()
                    .map(|&i| (i, SimTime(self.incidents[i].record.start_ns))),
            )
            .collect();
        let tally = outage.components.tally(now);
        for (i, from) in onsets {
            let rec = &mut self.incidents[i].record;
            rec.interruption_end_ns = resolved.then_some(now.0);
            rec.rto_ns = now.since(from).0;
            rec.recovery = how;
            let [detection, decision, execution, restore, drain, wait] = tally.since(from).parts();
            rec.detection_ns = detection;
            rec.decision_ns = decision;
            rec.execution_ns = execution;
            rec.restore_ns = restore;
            rec.drain_ns = drain;
            rec.wait_ns = wait;
        }
    }

    /// Takes the commit-latency and lag samples whose instants have passed.
    /// No state changes between events, so the state now is the state then.
    fn take_samples_until(&mut self, t: SimTime) {
        while let Some(&at) = self.sample_instants.last() {
            if at > t {
                break;
            }
            self.sample_instants.pop();
            if self.service.is_serving() {
                let latency = self.commit_latency();
                self.latencies.push(latency.0);
            }
            if let Some(lag) = self.lag_at(at) {
                self.lags.push(lag.0);
            }
        }
    }

    /// Commit latency now: the quorum latency of the zones of the region
    /// serving, slowed down by the paired region's limited capacity while
    /// failed over.
    fn commit_latency(&mut self) -> SimDuration {
        if self.sc.region_quorum.is_some() {
            return self.voter_commit_latency();
        }
        let side = self.serving_side().unwrap_or(Side::Home);
        let base = match self.dr.serving_in {
            Some(i) if self.dr.serving_site() == dr::Site::Secondary => {
                self.extra_region_latency(i)
            }
            _ => self.quorum_latency(side),
        };
        match self.dr.serving_site() {
            dr::Site::Secondary => {
                let capacity = self.sc.dr.as_ref().map_or(1.0, |d| d.secondary_capacity);
                SimDuration::from_secs_f64(base.as_secs_f64() / capacity)
            }
            _ => base,
        }
    }
}
