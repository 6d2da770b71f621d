//! Region outages, the cross-region link and the self-service DR lifecycle
//! (the seed's rules):
//!
//! - *enable*: seeding copies `data_size` over the link (plus an overhead);
//!   the environment runs normally meanwhile, and until seeding completes a
//!   region outage is handled as if DR were off;
//! - *drill*: writes stop, the remaining lag drains, then the switch; no
//!   write is lost; after `stay` the environment switches back;
//! - *emergency response*: after the operator's decision delay the data loss
//!   shown (now − last sync) is recorded; unless the policy says wait (loss
//!   window above `max_data_loss`) or the environment sits in a VNet without
//!   a pair (the failover fails), the failover executes; nothing more is
//!   copied, so every write after the last sync time is lost;
//! - *switch back*: once the primary region is back, what changed while
//!   failed over (and everything, if the outage destroyed the primary's
//!   data) is resynchronised while writes continue, then a planned switch
//!   with no data loss;
//! - *disable*: deletes the secondary copy; refused while failed over;
//! - without DR a region outage means waiting for the region, and one that
//!   destroys the data restores the last backup kept in the region.

use super::exact::{ExactLink, Replicator};
use super::link::AsyncLink;
use super::{sample_loss, Event, Loss, Replication};
use crate::engine::rng::{stream_rng, Stream};
use crate::incident::IncidentClass;
use crate::scenario::{Fidelity, OperationKind};
use crate::time::{SimDuration, SimTime};
use rand::RngExt;

/// Where the DR lifecycle stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// No secondary copy.
    #[default]
    Off,
    /// Initial copy in progress: no cross-region protection yet.
    Seeding,
    /// Replicating to the paired region; the environment runs in the primary.
    Protected,
    /// A failover (emergency or drill) is executing: no writes.
    FailingOver,
    /// Running in the paired region.
    FailedOver,
    /// Running in the paired region while the primary is resynchronised.
    ResyncingBack,
    /// The planned switch back is executing: no writes.
    SwitchingBack,
}

/// Where writes can be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Site {
    Primary,
    Secondary,
    None,
}

#[derive(Default)]
pub(super) struct DrState {
    phase: Phase,
    /// The cross-region link, fluid or per-write (`scenario.simulation.fidelity`).
    link: Option<Replicator>,
    /// Exact fidelity: the loss of each region incident's failure, counted
    /// at the failure instant (while its writes are still pending) and
    /// charged if the failover executes.
    exact_losses: Vec<(usize, Loss)>,
    /// Per-write events of the links already dropped.
    retired_link_events: u64,
    /// Generation counter: lifecycle events carrying an older value are stale.
    epoch: u64,
    /// Active outages of the home region.
    region_down: u32,
    /// The primary's data was destroyed and has not been rebuilt yet.
    destroyed: bool,
    /// Writes in the paired region started at this time.
    failed_over_at: Option<SimTime>,
    /// The failover in progress or in effect is a drill staying this long.
    drill_stay: Option<SimDuration>,
    /// A switch back came due while the primary region was down.
    failback_wanted: bool,
    /// Active link incidents: (incident, bandwidth factor; 0 = partition).
    link_incidents: Vec<(usize, f64)>,
    active_since: Option<SimTime>,
    active_ns: u64,
    seeding_started: Option<SimTime>,
    seeding_ns: Option<u64>,
    refused: u32,
}

impl DrState {
    pub(super) fn serving_site(&self) -> Site {
        match self.phase {
            Phase::Off | Phase::Seeding | Phase::Protected => Site::Primary,
            Phase::FailedOver | Phase::ResyncingBack => Site::Secondary,
            Phase::FailingOver | Phase::SwitchingBack => Site::None,
        }
    }

    /// Lower-case name of the lifecycle phase (traces and reports).
    pub(super) fn phase_name(&self) -> &'static str {
        match self.phase {
            Phase::Off => "off",
            Phase::Seeding => "seeding",
            Phase::Protected => "protected",
            Phase::FailingOver => "failing-over",
            Phase::FailedOver => "failed-over",
            Phase::ResyncingBack => "resyncing-back",
            Phase::SwitchingBack => "switching-back",
        }
    }

    /// The environment lives in the primary region (no failover under way or in effect).
    pub(super) fn in_primary(&self) -> bool {
        self.serving_site() == Site::Primary
    }

    /// The primary cannot serve while its region is down.
    pub(super) fn primary_blocked(&self) -> bool {
        self.region_down > 0
    }

    /// Serving started or stopped: the link's fluid changes regime.
    pub(super) fn serving_changed(&mut self, log: &super::ServiceLog, now: SimTime) {
        if let Some(link) = &mut self.link {
            link.reanchor(log, now);
        }
    }

    /// Fraction of the link's bandwidth usable for the log now.
    fn link_factor(&self) -> f64 {
        if self.phase != Phase::Protected || self.region_down > 0 {
            return 0.0;
        }
        self.link_incidents
            .iter()
            .map(|&(_, f)| f)
            .fold(1.0, f64::min)
    }

    /// Replaces the link, keeping the count of per-write events simulated.
    fn set_link(&mut self, link: Option<Replicator>) {
        if let Some(old) = self.link.take() {
            self.retired_link_events += old.events();
        }
        self.link = link;
    }

    /// Per-write events simulated in this replication (0 in fast fidelity).
    pub(super) fn link_events(&self) -> u64 {
        self.retired_link_events + self.link.as_ref().map_or(0, Replicator::events)
    }

    /// (ns with a secondary copy, seeding duration, refused operations).
    pub(super) fn totals(&self, horizon: SimTime) -> (u64, Option<u64>, u32) {
        let open = self.active_since.map_or(0, |s| horizon.since(s).0);
        (self.active_ns + open, self.seeding_ns, self.refused)
    }
}

impl Replication<'_> {
    /// Schedules the random region and link processes and the operations,
    /// and turns DR on from the start if the scenario says so.
    pub(super) fn start_dr_processes(&mut self) {
        if let Some(rf) = &self.sc.region_failures {
            let first = match rf.conditioned {
                // Exactly one outage, uniform over [warmup, horizon).
                Some(warmup) => {
                    let h = self.sched.horizon().0;
                    SimDuration(self.rng.region.random_range(warmup.0.min(h - 1)..h))
                }
                None => rf.process.time_between.sample(&mut self.rng.region),
            };
            self.sched.after(first, Event::RandomRegionOutage);
        }
        if let Some(p) = &self.sc.link_failures {
            let first = p.time_between.sample(&mut self.rng.link);
            self.sched
                .after(first, Event::RandomLinkIncident { degraded: false });
        }
        if let Some(d) = &self.sc.link_degradation {
            let first = d.process.time_between.sample(&mut self.rng.link);
            self.sched
                .after(first, Event::RandomLinkIncident { degraded: true });
        }
        for (index, op) in self.sc.operations.iter().enumerate() {
            self.sched.at(
                op.at,
                Event::Operation {
                    index,
                    occurrence: 0,
                },
            );
        }
        if self.sc.dr.as_ref().is_some_and(|d| d.enabled_at_start) {
            self.dr.phase = Phase::Protected;
            self.dr.active_since = Some(SimTime::ZERO);
            let link = self.new_link(SimTime::ZERO, false);
            self.dr.set_link(link);
        }
    }

    fn new_link(&self, now: SimTime, paused: bool) -> Option<Replicator> {
        let cr = self.sc.cross_region.as_ref()?;
        let (seed, run) = (self.sc.simulation.seed, self.run);
        if self.sc.simulation.fidelity == Fidelity::Exact {
            return Some(Replicator::Exact(ExactLink::new(
                &self.service,
                now,
                cr.batch_interval,
                cr.one_way,
                cr.bandwidth,
                self.sc.workload.write_rate,
                self.sc.workload.write_size,
                cr.apply_delay.clone(),
                stream_rng(seed, run, Stream::ApplyDelay),
                stream_rng(seed, run, Stream::ExactWrites),
                paused,
            )));
        }
        Some(Replicator::Fluid(AsyncLink::new(
            &self.service,
            now,
            cr.batch_interval,
            cr.one_way,
            cr.bandwidth,
            self.sc.workload.bytes_per_sec(),
            cr.apply_delay.clone(),
            stream_rng(seed, run, Stream::ApplyDelay),
            paused,
        )))
    }

    /// Applies the current usable bandwidth to the link.
    fn refresh_link(&mut self, now: SimTime) {
        let factor = self.dr.link_factor();
        if let Some(link) = &mut self.dr.link {
            link.set_factor(&self.service, now, factor);
        }
    }

    pub(super) fn region_down(&self) -> bool {
        self.dr.region_down > 0
    }

    /// Replication lag at `t` (≤ now, state unchanged since): defined while
    /// DR protects an environment running in the primary region.
    pub(super) fn lag_at(&mut self, t: SimTime) -> Option<SimDuration> {
        if self.dr.phase != Phase::Protected {
            return None;
        }
        let link = self.dr.link.as_mut()?;
        Some(t.since(link.last_sync(&self.service, t)))
    }

    pub(super) fn random_region_outage(&mut self, now: SimTime) {
        let rf = self
            .sc
            .region_failures
            .as_ref()
            .expect("scheduled only with a process");
        let duration = rf.process.duration.sample(&mut self.rng.region);
        let destroys = rf.destroy_probability > 0.0
            && self.rng.region.random::<f64>() < rf.destroy_probability;
        let renew = rf.conditioned.is_none();
        self.region_outage(now, duration, destroys, false, renew);
    }

    /// Every zone of the home region fails; the emergency response starts if
    /// DR protects an environment running there.
    pub(super) fn region_outage(
        &mut self,
        now: SimTime,
        duration: SimDuration,
        destroys: bool,
        scheduled: bool,
        renew: bool,
    ) {
        let incident = self.open_incident(now, IncidentClass::Region, &[], scheduled);
        let was_primary = self.dr.in_primary();
        if self.dr.phase == Phase::Protected {
            if let Some(link) = self.dr.link.as_mut() {
                let last_sync = link.last_sync(&self.service, now);
                self.incidents[incident].record.last_sync_ns = Some(last_sync.0);
                if let Some(loss) = link.failure_loss(&self.service, last_sync, now) {
                    self.dr.exact_losses.push((incident, loss));
                }
            }
        }
        self.dr.region_down += 1;
        self.dr.destroyed |= destroys;
        self.sched
            .after(duration, Event::RegionRepair { incident, renew });
        let all: Vec<usize> = (0..self.zones.len()).collect();
        self.take_zones_down(now, &all);
        self.refresh_link(now);
        self.reconcile(now, Some(incident), None);
        if !was_primary {
            return;
        }
        let decision = match self.dr.phase {
            Phase::Protected => {
                let d = self.sc.dr.as_ref().expect("protected implies DR settings");
                let delay = d.operator_decision.sample(&mut self.rng.operator);
                self.sched.after(
                    delay,
                    Event::EmergencyDecision {
                        incident,
                        epoch: self.dr.epoch,
                    },
                );
                return;
            }
            Phase::Seeding => "wait-seeding",
            _ => "wait-no-dr",
        };
        self.incidents[incident].record.decision = Some(decision);
    }

    pub(super) fn region_repair(&mut self, now: SimTime, incident: usize, renew: bool) {
        self.dr.region_down -= 1;
        self.component_repaired(now, incident);
        for z in 0..self.zones.len() {
            self.repair_zone(now, z, false);
        }
        if renew {
            if let Some(rf) = &self.sc.region_failures {
                let next = rf.process.time_between.sample(&mut self.rng.region);
                self.sched.after(next, Event::RandomRegionOutage);
            }
        }
        if self.dr.region_down > 0 {
            return;
        }
        let mut how = None;
        if self.dr.destroyed && self.dr.phase == Phase::Protected {
            // The primary came back empty, but the paired region holds
            // everything up to the last sync: the only sensible recovery is
            // to fail over now, whatever the decision delay or policy said.
            let incident = self.current_cause();
            if self.incidents[incident].record.class == IncidentClass::Region {
                self.start_forced_failover(incident);
                return self.reconcile(now, None, None);
            }
        }
        if self.dr.destroyed && self.dr.in_primary() {
            // No copy elsewhere: the region is rebuilt from its last backup.
            self.lose_since_backup(now, self.sc.environment.backup_interval);
            self.dr.destroyed = false;
            self.zones_in_sync();
            self.resume_label = Some("backup-restore");
            how = self.resume_label;
        }
        self.refresh_link(now);
        if self.dr.phase == Phase::FailedOver
            && (self.dr.drill_stay.is_none() || self.dr.failback_wanted)
        {
            self.dr.failback_wanted = false;
            self.schedule_failback(now);
        }
        self.reconcile(now, None, how);
    }

    fn schedule_failback(&mut self, now: SimTime) {
        let d = self
            .sc
            .dr
            .as_ref()
            .expect("failed over implies DR settings");
        let delay = d.failback_delay.sample(&mut self.rng.operator);
        self.sched.at(
            now.after(delay),
            Event::FailbackStart {
                epoch: self.dr.epoch,
            },
        );
    }

    pub(super) fn emergency_decision(&mut self, now: SimTime, incident: usize, epoch: u64) {
        if epoch != self.dr.epoch || self.dr.phase != Phase::Protected {
            return;
        }
        let rec = &mut self.incidents[incident].record;
        if self.dr.region_down == 0 {
            rec.decision = Some("region-returned-first");
            return;
        }
        let d = self.sc.dr.as_ref().expect("protected implies DR settings");
        let failed_at = SimTime(rec.start_ns);
        let last_sync = SimTime(rec.last_sync_ns.unwrap_or(rec.start_ns));
        rec.shown_loss_ns = Some(now.since(last_sync).0);
        if d.vnet_unpaired {
            rec.decision = Some("failover-failed-no-vnet-pair");
            return;
        }
        let window = failed_at.since(last_sync);
        if d.max_data_loss.is_some_and(|max| window > max) && !self.dr.destroyed {
            rec.decision = Some("wait-policy");
            return;
        }
        self.start_forced_failover(incident);
    }

    /// The emergency failover of `incident` executes (`failover_time`).
    fn start_forced_failover(&mut self, incident: usize) {
        self.incidents[incident].record.decision = Some("failover");
        self.dr.phase = Phase::FailingOver;
        self.dr.drill_stay = None;
        let d = self.sc.dr.as_ref().expect("protected implies DR settings");
        let execute = d.failover_time.sample(&mut self.rng.operator);
        self.sched.after(
            execute,
            Event::FailoverDone {
                incident,
                epoch: self.dr.epoch,
            },
        );
    }

    pub(super) fn failover_done(&mut self, now: SimTime, incident: usize, epoch: u64) {
        if epoch != self.dr.epoch || self.dr.phase != Phase::FailingOver {
            return;
        }
        let how = if self.dr.drill_stay.is_some() {
            self.component_repaired(now, incident);
            "planned-switch"
        } else {
            // Nothing more is copied: every write after the last sync is lost.
            let rec = &self.incidents[incident].record;
            let failed_at = SimTime(rec.start_ns);
            let last_sync = SimTime(rec.last_sync_ns.unwrap_or(rec.start_ns));
            let counted = self.dr.exact_losses.iter().find(|(i, _)| *i == incident);
            let loss = match counted {
                Some(&(_, loss)) => loss,
                None => sample_loss(
                    &self.service,
                    last_sync,
                    failed_at,
                    self.sc.workload.write_rate,
                    self.sc.workload.write_size,
                    &mut self.rng.writes,
                ),
            };
            self.record_loss(incident, loss);
            "dr-failover"
        };
        self.dr.phase = Phase::FailedOver;
        self.dr.failed_over_at = Some(now);
        self.dr.set_link(None);
        self.reconcile(now, None, Some(how));
        match self.dr.drill_stay {
            Some(stay) => self.sched.after(
                stay,
                Event::FailbackStart {
                    epoch: self.dr.epoch,
                },
            ),
            None if self.dr.region_down == 0 => self.schedule_failback(now),
            None => {}
        }
    }

    /// The switch back starts with the reverse resynchronisation of what
    /// changed, at the link's bandwidth while writes continue (fluid:
    /// backlog / (bandwidth − write rate)).
    pub(super) fn failback_start(&mut self, now: SimTime, epoch: u64) {
        if epoch != self.dr.epoch || self.dr.phase != Phase::FailedOver {
            return;
        }
        if self.dr.region_down > 0 {
            // A drill's stay ended during a region outage: switch back once
            // the region returns (`region_repair` schedules it).
            self.dr.failback_wanted = true;
            return;
        }
        let Some(cr) = self.sc.cross_region.as_ref() else {
            return;
        };
        let since = self.dr.failed_over_at.unwrap_or(now);
        let changed_s =
            (self.service.served_until(now) - self.service.served_until(since)) as f64 / 1e9;
        let mut bytes = changed_s * self.sc.workload.bytes_per_sec();
        if self.dr.destroyed {
            bytes += self.sc.environment.data_size as f64;
        }
        let spare = cr.bandwidth - self.sc.workload.bytes_per_sec();
        if spare <= 0.0 {
            // The link cannot carry the writes and the backlog: stay failed over.
            return;
        }
        self.dr.phase = Phase::ResyncingBack;
        self.sched.after(
            SimDuration::from_secs_f64(bytes / spare),
            Event::ResyncBackDone {
                epoch: self.dr.epoch,
            },
        );
    }

    pub(super) fn resync_back_done(&mut self, now: SimTime, epoch: u64) {
        if epoch != self.dr.epoch || self.dr.phase != Phase::ResyncingBack {
            return;
        }
        let incident = self.open_incident(now, IncidentClass::Failback, &[], false);
        self.dr.phase = Phase::SwitchingBack;
        self.reconcile(now, Some(incident), None);
        let d = self
            .sc
            .dr
            .as_ref()
            .expect("failing back implies DR settings");
        let cr = self
            .sc
            .cross_region
            .as_ref()
            .expect("failing back implies a link");
        // What is still in flight drains (one trip and an apply), then the switch.
        let drain = cr
            .one_way
            .saturating_add(cr.apply_delay.sample(&mut self.rng.operator));
        let switch = d.switch_time.sample(&mut self.rng.operator);
        self.sched.after(
            drain.saturating_add(switch),
            Event::SwitchBackDone {
                incident,
                epoch: self.dr.epoch,
            },
        );
    }

    pub(super) fn switch_back_done(&mut self, now: SimTime, incident: usize, epoch: u64) {
        if epoch != self.dr.epoch || self.dr.phase != Phase::SwitchingBack {
            return;
        }
        self.dr.phase = Phase::Protected;
        self.dr.destroyed = false;
        self.dr.drill_stay = None;
        self.dr.failed_over_at = None;
        self.zones_in_sync();
        if self.leader.is_none_or(|l| !self.zones[l].is_up()) {
            self.leader = (0..self.zones.len()).find(|&z| self.zones[z].is_up());
            self.election_pending = false;
        }
        let link = self.new_link(now, false);
        self.dr.set_link(link);
        self.refresh_link(now);
        self.component_repaired(now, incident);
        self.reconcile(now, None, Some("planned-switch"));
    }

    pub(super) fn random_link_incident(&mut self, now: SimTime, degraded: bool) {
        let (duration, factor) = if degraded {
            let d = self
                .sc
                .link_degradation
                .as_ref()
                .expect("scheduled only with a process");
            (
                d.process.duration.sample(&mut self.rng.link),
                d.bandwidth_factor,
            )
        } else {
            let p = self
                .sc
                .link_failures
                .as_ref()
                .expect("scheduled only with a process");
            (p.duration.sample(&mut self.rng.link), 0.0)
        };
        self.link_incident(now, duration, factor, false, Some(degraded));
    }

    /// A partition (`factor` 0) or a degradation of the link. It interrupts
    /// no writes; its record says how long the backlog took to drain.
    pub(super) fn link_incident(
        &mut self,
        now: SimTime,
        duration: SimDuration,
        factor: f64,
        scheduled: bool,
        renew: Option<bool>,
    ) {
        let incident = self.open_incident(now, IncidentClass::Link, &[], scheduled);
        self.incidents[incident].record.recovery = "none-needed";
        self.dr.link_incidents.push((incident, factor));
        self.refresh_link(now);
        self.sched
            .after(duration, Event::LinkRepair { incident, renew });
    }

    /// `renew` names the random process to restart (`Some(degraded)`), if any.
    pub(super) fn link_repair(&mut self, now: SimTime, incident: usize, renew: Option<bool>) {
        self.dr.link_incidents.retain(|&(i, _)| i != incident);
        self.refresh_link(now);
        self.component_repaired(now, incident);
        if self.dr.phase == Phase::Protected {
            let horizon = self.sched.horizon();
            if let Some(link) = &self.dr.link {
                self.incidents[incident].record.catch_up_ns = link
                    .caught_up_at(&self.service, now, horizon)
                    .map(|t| t.since(now).0);
            }
        }
        if let Some(degraded) = renew {
            let next = if degraded {
                self.sc
                    .link_degradation
                    .as_ref()
                    .map(|d| d.process.time_between.sample(&mut self.rng.link))
            } else {
                self.sc
                    .link_failures
                    .as_ref()
                    .map(|p| p.time_between.sample(&mut self.rng.link))
            };
            if let Some(next) = next {
                self.sched
                    .after(next, Event::RandomLinkIncident { degraded });
            }
        }
    }

    pub(super) fn operation(&mut self, now: SimTime, index: usize, occurrence: u64) {
        let op = &self.sc.operations[index];
        if let Some(every) = op.every {
            let next = op.at.after(every.saturating_mul(occurrence + 1));
            self.sched.at(
                next,
                Event::Operation {
                    index,
                    occurrence: occurrence + 1,
                },
            );
        }
        match op.kind {
            OperationKind::Enable => self.enable(now),
            OperationKind::Disable => self.disable(now),
            OperationKind::Drill => self.drill(now, op.stay),
        }
    }

    fn enable(&mut self, now: SimTime) {
        if self.dr.phase != Phase::Off {
            return;
        }
        let (Some(d), Some(cr)) = (self.sc.dr.as_ref(), self.sc.cross_region.as_ref()) else {
            return;
        };
        self.dr.phase = Phase::Seeding;
        self.dr.epoch += 1;
        self.dr.active_since = Some(now);
        self.dr.seeding_started = Some(now);
        let link = self.new_link(now, true);
        self.dr.set_link(link);
        let copy = SimDuration::from_secs_f64(self.sc.environment.data_size as f64 / cr.bandwidth);
        let seeding = copy.saturating_add(d.seeding_overhead.sample(&mut self.rng.operator));
        self.sched.after(
            seeding,
            Event::SeedingDone {
                epoch: self.dr.epoch,
            },
        );
    }

    pub(super) fn seeding_done(&mut self, now: SimTime, epoch: u64) {
        if epoch != self.dr.epoch || self.dr.phase != Phase::Seeding {
            return;
        }
        self.dr.phase = Phase::Protected;
        self.dr.seeding_ns = self.dr.seeding_started.map(|s| now.since(s).0);
        self.refresh_link(now);
    }

    /// Deletes the secondary copy; refused while failed over.
    fn disable(&mut self, now: SimTime) {
        match self.dr.phase {
            Phase::Off => {}
            Phase::Seeding | Phase::Protected => {
                self.dr.phase = Phase::Off;
                self.dr.epoch += 1;
                self.dr.set_link(None);
                if let Some(since) = self.dr.active_since.take() {
                    self.dr.active_ns += now.since(since).0;
                }
            }
            _ => self.dr.refused += 1,
        }
    }

    /// A planned failover: writes stop, the lag drains, then the switch.
    fn drill(&mut self, now: SimTime, stay: SimDuration) {
        let incident = self.open_incident(now, IncidentClass::Drill, &[], true);
        let refusal = match self.dr.phase {
            Phase::Protected if self.dr.region_down > 0 || !self.service.is_serving() => {
                Some("refused-state")
            }
            Phase::Protected if self.sc.dr.as_ref().is_some_and(|d| d.vnet_unpaired) => {
                Some("failover-failed-no-vnet-pair")
            }
            Phase::Protected => None,
            Phase::Seeding => Some("refused-seeding"),
            _ => Some("refused-state"),
        };
        if let Some(reason) = refusal {
            self.dr.refused += 1;
            let rec = &mut self.incidents[incident].record;
            rec.decision = Some(reason);
            rec.end_ns = Some(now.0);
            return;
        }
        self.incidents[incident].record.decision = Some("failover");
        let drain = self
            .dr
            .link
            .as_mut()
            .map_or(SimDuration::ZERO, |l| l.drain_time(&self.service, now));
        let d = self.sc.dr.as_ref().expect("protected implies DR settings");
        let switch = d.switch_time.sample(&mut self.rng.operator);
        self.dr.phase = Phase::FailingOver;
        self.dr.drill_stay = Some(stay);
        self.dr.epoch += 1;
        self.reconcile(now, Some(incident), None);
        self.sched.after(
            drain.saturating_add(switch),
            Event::FailoverDone {
                incident,
                epoch: self.dr.epoch,
            },
        );
    }
}
