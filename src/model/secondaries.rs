//! Further secondary regions: `dr.targets` beyond the paired region (Azure
//! SQL active geo-replication's up to four geo-secondaries, Aurora Global
//! Database's up to five or ten secondary regions).
//!
//! The paired region stays the first secondary, with everything the rest
//! of the model gives it (its zones, drills, the RPO bound, exact
//! fidelity). Each further secondary has its own copy and its own
//! asynchronous link from the primary, with the `[cross_region]` laws
//! (bandwidth, batching, apply delay, durability) and its own partitions
//! (the law of `[failures.link]`, stream [`Stream::SecondaryLinkFailures`])
//! and outages; its link is always the fluid one, in either fidelity.
//!
//! An emergency failover picks its target among the available ones
//! ([`Replication::choose_target`]); the environment then runs there, and
//! the other secondaries stop receiving until the switch back (they are
//! taken as caught up by the reverse resync, at no extra cost: the switch
//! back re-creates their links from its end).
//!
//! A further secondary's copy is whole, or lost (never made, deleted with
//! DR turned off, destroyed with its region, or cut by an outage during
//! the seeding); a lost copy is made again while DR protects the primary
//! and both regions are up, in `data_size` / bandwidth (not re-planned by
//! partitions: an approximation), after which its log starts from then.
//!
//! [`Stream::SecondaryLinkFailures`]: crate::engine::rng::Stream::SecondaryLinkFailures

use super::dr::{Phase, Trigger};
use super::link::AsyncLink;
use super::service::ServiceLog;
use super::{Event, Replication};
use crate::engine::rng::{stream_rng, Stream};
use crate::incident::IncidentClass;
use crate::scenario::{Scenario, Side, TargetChoice, FIBER_NS_PER_KM};
use crate::time::{SimDuration, SimTime};
use rand::rngs::ChaCha8Rng;
use rand::RngExt;

/// What a further secondary region holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CopyState {
    /// A whole copy, fed by its link while DR protects the primary.
    Whole,
    /// Being seeded together with the paired region's copy (DR enabled by
    /// an operation): whole once the paired copy has caught up.
    WithPaired,
    /// No usable copy: it is made again once DR protects the primary.
    Lost,
    /// The copy of `data_size` is under way (generation `epoch`).
    Copying { epoch: u64 },
}

/// One further secondary region.
pub(super) struct Secondary {
    /// Index into `Scenario::regions`.
    pub(super) region: usize,
    /// Index into `Scenario::extra_regions` (its outage process).
    pub(super) extra: usize,
    /// Its region number (2, 3, …; `Scenario::region_number`): keys its streams.
    number: u16,
    /// One-way propagation of its link: 5 µs/km × its distance to the
    /// home region plus half the link's overhead (as the paired link's).
    one_way: SimDuration,
    /// Active outages of the region (the lifecycle's view of the count
    /// `extra_regions.rs` keeps, updated through `secondary_down`/`_up`).
    pub(super) down: u32,
    /// Active partitions of its link (incident numbers).
    partitions: Vec<usize>,
    pub(super) copy: CopyState,
    /// The log shipped to it, while its copy is whole and not failed over.
    link: Option<AsyncLink>,
    /// Bandwidth factor last given to `link` (0 or 1).
    factor: f64,
    /// Everything committed before this had reached it when the current
    /// emergency began (`None`: it held no whole copy then).
    pub(super) emergency_sync: Option<SimTime>,
    /// Generation of its copy: a `SecondaryCopied` of an older one is void.
    copy_epoch: u64,
    /// Its partitions (`[failures.link]` law).
    link_rng: ChaCha8Rng,
    /// Whether a random outage of its region destroys its copy
    /// (`Stream::ExtraRegionDamage`, `destroy_probability`).
    damage_rng: ChaCha8Rng,
}

/// A failover target: the paired region, or further secondary `i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Target {
    Paired,
    Extra(usize),
}

/// The secondaries of `sc` beyond the paired region, in priority order,
/// their copies whole from time 0 if DR is on from the start.
pub(super) fn secondaries_of(sc: &Scenario, run: u64) -> Vec<Secondary> {
    let whole = sc.dr.as_ref().is_some_and(|d| d.enabled_at_start);
    let home = sc.environment.region;
    let propagation = |km: f64| SimDuration((FIBER_NS_PER_KM as f64 * km).round() as u64);
    sc.extra_secondaries()
        .into_iter()
        .map(|region| {
            let extra = sc
                .extra_regions
                .iter()
                .position(|e| e.region == region)
                .expect("a region beyond the pair is an extra region");
            let number = sc.extra_regions[extra].number;
            // The paired link's overhead, this region's distance.
            let one_way = sc.cross_region.as_ref().map_or(SimDuration::ZERO, |cr| {
                let pair_km = sc.distances.km(home, cr.paired_region).unwrap_or(0.0);
                let km = sc.distances.km(home, region).unwrap_or(pair_km);
                SimDuration(cr.one_way.0.saturating_sub(propagation(pair_km).0))
                    .saturating_add(propagation(km))
            });
            Secondary {
                region,
                extra,
                number,
                one_way,
                down: 0,
                partitions: Vec::new(),
                copy: if whole {
                    CopyState::Whole
                } else {
                    CopyState::Lost
                },
                link: None,
                factor: 0.0,
                emergency_sync: None,
                copy_epoch: 0,
                link_rng: stream_rng(
                    sc.simulation.seed,
                    run,
                    Stream::SecondaryLinkFailures(number),
                ),
                damage_rng: stream_rng(sc.simulation.seed, run, Stream::ExtraRegionDamage(number)),
            }
        })
        .collect()
}

impl Secondary {
    /// Its link ships now (property tests: never from a primary that is down).
    #[cfg(test)]
    pub(super) fn shipping(&self) -> bool {
        self.link.is_some() && self.factor > 0.0
    }

    /// It can take a failover: up, holding a whole copy, and (`strict`)
    /// with its link not partitioned.
    fn available(&self, strict: bool) -> bool {
        self.down == 0
            && self.copy == CopyState::Whole
            && self.emergency_sync.is_some()
            && (!strict || self.partitions.is_empty())
    }
}

impl Replication<'_> {
    /// Links from time 0 (DR on from the start) and the first partitions.
    pub(super) fn start_secondaries(&mut self) {
        for i in 0..self.dr.secondaries.len() {
            if self.dr.secondaries[i].copy == CopyState::Whole {
                self.new_secondary_link(SimTime::ZERO, i);
            }
            if let Some(p) = &self.sc.link_failures {
                let first = p.time_between.sample(&mut self.dr.secondaries[i].link_rng);
                self.sched
                    .after(first, Event::SecondaryPartition { secondary: i });
            }
        }
        self.replan_secondaries(SimTime::ZERO);
    }

    fn new_secondary_link(&mut self, now: SimTime, i: usize) {
        let Some(cr) = self.sc.cross_region.as_ref() else {
            return;
        };
        let s = &mut self.dr.secondaries[i];
        s.factor = 0.0;
        s.link = Some(AsyncLink::new(
            &self.service,
            now,
            cr.batch_interval,
            s.one_way,
            cr.bandwidth,
            self.sc.workload.bytes_per_sec(),
            cr.sync_delay(),
            stream_rng(
                self.sc.simulation.seed,
                self.run,
                Stream::SecondaryApplyDelay(s.number),
            ),
            true,
        ));
    }

    /// Name of further secondary `i`'s region.
    pub(super) fn secondary_name(&self, i: usize) -> String {
        self.sc.regions[self.dr.secondaries[i].region].name.clone()
    }

    /// Whether the log ships to further secondary `i` now: its copy is
    /// whole, DR protects (or drains a drill from) a primary that is up,
    /// and the region and its link are up.
    fn secondary_ships(&self, i: usize) -> bool {
        let s = &self.dr.secondaries[i];
        matches!(
            self.dr.phase,
            Phase::Seeding | Phase::CatchingUp | Phase::Protected | Phase::Draining
        ) && self.dr.region_down == 0
            && s.down == 0
            && s.copy == CopyState::Whole
            && s.partitions.is_empty()
    }

    /// Sets every further link's rate for now, and starts (or calls off)
    /// the copies that are owed. Called after every lifecycle trigger.
    pub(super) fn replan_secondaries(&mut self, now: SimTime) {
        for i in 0..self.dr.secondaries.len() {
            let factor = if self.secondary_ships(i) { 1.0 } else { 0.0 };
            let log = &self.service;
            let s = &mut self.dr.secondaries[i];
            if let Some(link) = s.link.as_mut() {
                if s.factor != factor {
                    link.set_factor(log, now, factor);
                    s.factor = factor;
                }
            }
            let can_copy = self.dr.phase == Phase::Protected
                && self.dr.region_down == 0
                && self.dr.secondaries[i].down == 0;
            match self.dr.secondaries[i].copy {
                CopyState::Lost if can_copy => self.start_secondary_copy(i),
                CopyState::Copying { .. } if !can_copy => {
                    self.dr.secondaries[i].copy = CopyState::Lost;
                }
                _ => {}
            }
        }
    }

    /// A copy of `data_size` at the link's bandwidth.
    fn start_secondary_copy(&mut self, i: usize) {
        let bandwidth = self.sc.cross_region.as_ref().map_or(0.0, |c| c.bandwidth);
        if bandwidth <= 0.0 {
            return;
        }
        let s = &mut self.dr.secondaries[i];
        s.copy_epoch += 1;
        s.copy = CopyState::Copying {
            epoch: s.copy_epoch,
        };
        let epoch = s.copy_epoch;
        let took = SimDuration::from_secs_f64(self.sc.environment.data_size as f64 / bandwidth);
        self.sched.after(
            took,
            Event::SecondaryCopied {
                secondary: i,
                epoch,
            },
        );
    }

    /// The copy of further secondary `i` is whole (if still under way):
    /// its log starts now.
    pub(super) fn secondary_copied(&mut self, now: SimTime, i: usize, epoch: u64) {
        if self.dr.secondaries[i].copy != (CopyState::Copying { epoch }) {
            return;
        }
        self.dr.secondaries[i].copy = CopyState::Whole;
        self.new_secondary_link(now, i);
        self.replan_secondaries(now);
        self.further_links_changed(now);
    }

    /// DR turned on by an operation: the further copies are seeded with the paired one.
    pub(super) fn seed_secondaries_with_paired(&mut self) {
        for s in &mut self.dr.secondaries {
            s.copy = CopyState::WithPaired;
            s.link = None;
        }
    }

    /// The paired copy has caught up: the further copies seeded with it
    /// are whole, their logs start now.
    pub(super) fn secondaries_seeded(&mut self, now: SimTime) {
        for i in 0..self.dr.secondaries.len() {
            if self.dr.secondaries[i].copy == CopyState::WithPaired {
                self.dr.secondaries[i].copy = CopyState::Whole;
                self.new_secondary_link(now, i);
            }
        }
    }

    /// DR turned off: every further copy is deleted.
    pub(super) fn drop_secondary_copies(&mut self) {
        for s in &mut self.dr.secondaries {
            s.copy = CopyState::Lost;
            s.link = None;
        }
    }

    /// The environment left the primary (a failover executed): the further
    /// secondaries stop receiving until the switch back.
    pub(super) fn pause_secondary_links(&mut self) {
        for s in &mut self.dr.secondaries {
            s.link = None;
        }
    }

    /// The environment is back in the primary: the whole further copies
    /// (taken as caught up by the reverse resync) receive the log from now.
    pub(super) fn resume_secondary_links(&mut self, now: SimTime) {
        for i in 0..self.dr.secondaries.len() {
            if self.dr.secondaries[i].copy == CopyState::Whole {
                self.new_secondary_link(now, i);
            }
        }
    }

    /// Each further secondary's last sync at the start of an emergency
    /// (the primary stopped taking writes at `stopped`).
    pub(super) fn record_secondary_syncs(&mut self, now: SimTime, stopped: SimTime) {
        let log: &ServiceLog = &self.service;
        for s in &mut self.dr.secondaries {
            s.emergency_sync = match (&s.link, s.copy) {
                (Some(link), CopyState::Whole) => Some(link.last_sync(log, now).min(stopped)),
                _ => None,
            };
        }
    }

    /// The paired region can take a failover (`strict`: its link is not
    /// partitioned either).
    fn paired_available(&self, strict: bool) -> bool {
        !self.dr.paired_unavailable() && (!strict || !self.dr.link_partitioned())
    }

    /// Everything committed before this had reached target `t` when the
    /// emergency began (`paired_sync`: the paired region's).
    pub(super) fn target_sync(&self, t: Target, paired_sync: SimTime) -> SimTime {
        match t {
            Target::Paired => paired_sync,
            Target::Extra(i) => self.dr.secondaries[i]
                .emergency_sync
                .unwrap_or(SimTime::ZERO),
        }
    }

    /// The failover target by `dr.target_choice` among the available
    /// targets (those whose link is partitioned only if no other is
    /// available: a partition widens the loss, it does not stop a
    /// failover); `None` if every target is down, has lost its zone
    /// quorum or holds no whole copy. `paired_sync`: the paired region's
    /// last sync at the emergency.
    pub(super) fn choose_target(&self, paired_sync: SimTime) -> Option<Target> {
        let d = self.sc.dr.as_ref()?;
        let paired = self.sc.cross_region.as_ref().map(|c| c.paired_region);
        let in_order: Vec<Target> = d
            .targets
            .iter()
            .map(|&r| {
                if Some(r) == paired {
                    Target::Paired
                } else {
                    let i = self
                        .dr
                        .secondaries
                        .iter()
                        .position(|s| s.region == r)
                        .expect("every target beyond the pair is a secondary");
                    Target::Extra(i)
                }
            })
            .collect();
        let available = |t: &Target, strict: bool| match *t {
            Target::Paired => self.paired_available(strict),
            Target::Extra(i) => self.dr.secondaries[i].available(strict),
        };
        let candidates: Vec<Target> = [true, false]
            .into_iter()
            .map(|strict| {
                in_order
                    .iter()
                    .copied()
                    .filter(|t| available(t, strict))
                    .collect::<Vec<_>>()
            })
            .find(|c| !c.is_empty())?;
        match d.target_choice {
            TargetChoice::Priority => candidates.first().copied(),
            // The latest sync is the smallest window; the first in the
            // list wins a tie.
            TargetChoice::LeastLag => candidates
                .iter()
                .copied()
                .rev()
                .max_by_key(|&t| self.target_sync(t, paired_sync)),
        }
    }

    /// Commit latency while the environment runs in further secondary
    /// `i`: its zones are not simulated, so every one of them is up; the
    /// quorum order statistic over its followers with the home region's
    /// round-trip law (slowed down by `secondary_capacity` by the caller).
    pub(super) fn extra_region_latency(&mut self, i: usize) -> SimDuration {
        let followers = self.sc.regions[self.dr.secondaries[i].region]
            .zones
            .len()
            .saturating_sub(1);
        let q = self.sc.replication.quorum_in(Side::Home);
        let needed = match self.sc.replication.mode {
            crate::scenario::ReplicationMode::Quorum => q.saturating_sub(1).min(followers),
            crate::scenario::ReplicationMode::AllInSync => followers,
        };
        if needed == 0 {
            return SimDuration::ZERO;
        }
        let rtt = self.sc.replication.zone_rtt_in(Side::Home);
        let mut rtts: Vec<u64> = (0..followers)
            .map(|_| rtt.sample(&mut self.rng.latency).0)
            .collect();
        rtts.sort_unstable();
        SimDuration(rtts[needed - 1])
    }

    // ── the region and its link fail and return ─────────────────────────

    /// The further secondary whose region is `extra` (index in
    /// `Scenario::extra_regions`), if that region is a failover target.
    pub(super) fn secondary_of_extra(&self, extra: usize) -> Option<usize> {
        self.dr.secondaries.iter().position(|s| s.extra == extra)
    }

    /// Whether a random outage of region `extra` destroys what it holds:
    /// drawn (from its own damage stream) only for a failover target whose
    /// outage law destroys data at all.
    pub(super) fn draw_extra_destruction(&mut self, extra: usize) -> bool {
        let Some(i) = self.secondary_of_extra(extra) else {
            return false;
        };
        let p = self.sc.extra_regions[extra]
            .failures
            .as_ref()
            .map_or(0.0, |f| f.destroy_probability);
        p > 0.0 && self.dr.secondaries[i].damage_rng.random::<f64>() < p
    }

    /// An outage of further secondary `i`'s region (`incident`) while the
    /// environment does not run there: its log pauses; a destroying
    /// outage, or any outage of a copy being seeded, leaves it without a
    /// copy (made again once DR protects the primary).
    pub(super) fn secondary_copy_cut(&mut self, i: usize, incident: usize, destroys: bool) {
        let phase = self.dr.phase;
        let s = &mut self.dr.secondaries[i];
        let cut = destroys || s.copy == CopyState::WithPaired;
        let decision = match (phase, s.copy) {
            (Phase::Off, _) => "dr-off",
            (_, CopyState::Lost | CopyState::Copying { .. }) => "no-copy",
            _ if !cut => "replication-paused",
            (_, CopyState::WithPaired) => "seeding-restarted",
            (_, CopyState::Whole) => "secondary-destroyed",
        };
        if cut {
            s.copy = CopyState::Lost;
            s.link = None;
        }
        self.incidents[incident].record.decision = Some(decision);
    }

    /// Further secondary `i`'s region fails while a failover executes.
    /// Into it: the failover stops (`failover-interrupted`) and the
    /// emergency picks another target now, or waits for one. Otherwise
    /// the failover goes on, and the copy is cut as when protected.
    pub(super) fn failover_cut_by_secondary_outage(
        &mut self,
        now: SimTime,
        i: usize,
        incident: usize,
        destroys: bool,
    ) {
        if self.dr.serving_in != Some(i) {
            return self.secondary_copy_cut(i, incident, destroys);
        }
        self.incidents[incident].record.decision = Some("failover-interrupted");
        self.dr.serving_in = None;
        self.secondary_copy_cut(i, incident, destroys);
        self.incidents[incident].record.decision = Some("failover-interrupted");
        self.retarget_failover(now);
    }

    /// Further secondary `i`'s region fails (`incident`, already open).
    pub(super) fn secondary_down(
        &mut self,
        now: SimTime,
        i: usize,
        incident: usize,
        destroys: bool,
    ) {
        self.dr.secondaries[i].down += 1;
        self.on(
            now,
            Trigger::SecondaryDown {
                secondary: i,
                incident,
                destroys,
            },
        );
        self.reconcile(now, Some(incident), None);
        if self.dr.serving_in == Some(i) && self.dr.phase != Phase::SwitchingBack {
            self.charge_outage_to(now, incident);
        }
    }

    /// Further secondary `i`'s region is back (one of its outages ended).
    pub(super) fn secondary_up(&mut self, now: SimTime, i: usize) {
        self.dr.secondaries[i].down -= 1;
        if self.dr.secondaries[i].down == 0 {
            self.on(now, Trigger::SecondaryUp { secondary: i });
        }
        self.reconcile(now, None, None);
    }

    /// A random partition of further secondary `i`'s link starts.
    pub(super) fn secondary_partition(&mut self, now: SimTime, i: usize) {
        let Some(p) = self.sc.link_failures.as_ref() else {
            return;
        };
        let duration = p.duration.sample(&mut self.dr.secondaries[i].link_rng);
        let incident = self.open_incident(now, IncidentClass::Link, Side::Home, &[], false);
        let scope = format!("cross-region-link/{}", self.secondary_name(i));
        let rec = &mut self.incidents[incident].record;
        rec.scope = scope;
        if self.outage.is_none() {
            rec.recovery = "none-needed";
        }
        self.dr.secondaries[i].partitions.push(incident);
        self.on(now, Trigger::LinkChanged);
        self.sched.after(
            duration,
            Event::SecondaryPartitionOver {
                secondary: i,
                incident,
            },
        );
    }

    /// The partition `incident` of further secondary `i`'s link ends; the
    /// next one is drawn.
    pub(super) fn secondary_partition_over(&mut self, now: SimTime, i: usize, incident: usize) {
        self.dr.secondaries[i].partitions.retain(|&p| p != incident);
        self.on(now, Trigger::LinkChanged);
        self.component_repaired(now, incident);
        if let Some(p) = &self.sc.link_failures {
            let next = p.time_between.sample(&mut self.dr.secondaries[i].link_rng);
            self.sched
                .after(next, Event::SecondaryPartition { secondary: i });
        }
    }
}

/// What the RPO bound needs of one further link (`met_by = "any"`).
pub(super) struct FurtherLag {
    /// Now minus its last sync.
    pub(super) lag: SimDuration,
    /// Its bandwidth factor now (0 while it ships nothing).
    pub(super) factor: f64,
    /// When its backlog is durable if writes stay stopped (`None`: never
    /// at the rate of now).
    pub(super) drained: Option<SimTime>,
}

impl super::dr::DrState {
    /// The smallest lag over the further secondaries whose copy is fed by
    /// a link (`None`: no such copy).
    pub(super) fn freshest_further_lag(
        &self,
        log: &ServiceLog,
        now: SimTime,
    ) -> Option<SimDuration> {
        self.secondaries
            .iter()
            .filter_map(|s| s.link.as_ref())
            .map(|link| now.since(link.last_sync(log, now)))
            .min()
    }

    /// The lag, rate and drain of every further secondary whose copy is
    /// fed by a link (the drain searches the link: asked only while
    /// writes are blocked).
    pub(super) fn further_lags(&self, log: &ServiceLog, now: SimTime) -> Vec<FurtherLag> {
        self.secondaries
            .iter()
            .filter_map(|s| {
                let link = s.link.as_ref()?;
                Some(FurtherLag {
                    lag: now.since(link.last_sync(log, now)),
                    factor: s.factor,
                    drained: link.drained_by(log, now, SimTime::MAX),
                })
            })
            .collect()
    }

    /// Serving started or stopped: the further links' fluids change regime.
    pub(super) fn reanchor_secondaries(&mut self, log: &ServiceLog, now: SimTime) {
        for s in &mut self.secondaries {
            if let Some(link) = s.link.as_mut() {
                link.reanchor(log, now);
            }
        }
    }
}
