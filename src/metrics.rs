//! Aggregation across replications: HDR histograms for the quantiles,
//! exact integer moments for means with t-intervals over replications, exact
//! counts for the target checks.
//!
//! Every part of the state is an exact, order-independent sum (counts,
//! integer sums, histogram bucket counts), so folding replications in any
//! order, or folding slices separately and merging them
//! ([`Aggregator::absorb`]), gives the very same bits. That is what makes
//! `drsim merge` of shards byte-identical to a single-machine run
//! (see `crate::shard`). Per-run means are therefore kept as exact sums of
//! integer samples (ns, counts), never as floating-point running means: a
//! merge of floating-point Welford states is not bit-identical to sequential
//! pushes.

use crate::incident::{Incident, IncidentClass, Metric, RefusedOperation};
use crate::model::ReplicationOutcome;
use crate::scenario::{Capacity, Scenario, Service, ServiceBehaviour, Target, TargetBasis};
use crate::stats::{MeanCi, Welford};
use hdrhistogram::Histogram;
use moments::Moments;
use serde::Serialize;
use std::collections::BTreeMap;

mod hdr_v2;
mod invariants;
mod moments;
mod state;

pub(crate) use state::quoted;
pub use state::{
    AggregatorState, ClassState, ComponentsState, MomentsState, RealisedState, StateError,
};

/// Version of the `summary.json` layout; bump it when a key changes meaning.
pub const SCHEMA_VERSION: u32 = 2;

/// An auto-resizing histogram: it grows to the largest value recorded, so
/// nanosecond values over any horizon fit without a fixed upper bound.
fn histogram() -> Histogram<u64> {
    Histogram::new(hdr_v2::SIGFIG).expect("3 significant digits is a valid HDR precision")
}

fn record(h: &mut Histogram<u64>, value: u64) {
    // An auto-resizing histogram only refuses values beyond 2^63; clamp those.
    if h.record(value).is_err() {
        h.saturating_record(value);
    }
}

/// Realised RPO and RTO of a set of incidents (ns): histograms for the
/// quantiles, exact sums for the means.
#[derive(Clone)]
struct Realised {
    rpo_ns: Histogram<u64>,
    rto_ns: Histogram<u64>,
    rpo_sum_ns: u128,
    rto_sum_ns: u128,
}

impl Realised {
    fn new() -> Self {
        Realised {
            rpo_ns: histogram(),
            rto_ns: histogram(),
            rpo_sum_ns: 0,
            rto_sum_ns: 0,
        }
    }

    fn add(&mut self, inc: &Incident) {
        record(&mut self.rpo_ns, inc.rpo_ns);
        record(&mut self.rto_ns, inc.rto_ns);
        self.rpo_sum_ns += u128::from(inc.rpo_ns);
        self.rto_sum_ns += u128::from(inc.rto_ns);
    }

    fn histogram(&self, metric: Metric) -> &Histogram<u64> {
        match metric {
            Metric::Rpo => &self.rpo_ns,
            Metric::Rto => &self.rto_ns,
        }
    }

    /// (RPO, RTO) in seconds over the `count` incidents added.
    fn quantiles(&self, count: u64) -> (Quantiles, Quantiles) {
        (
            Quantiles::of(&self.rpo_ns, self.rpo_sum_ns, count),
            Quantiles::of(&self.rto_ns, self.rto_sum_ns, count),
        )
    }
}

/// The RTO components of a set of incidents (detection, decision,
/// execution, restore, drain, wait): a histogram and an exact sum each (ns).
#[derive(Clone)]
struct Components {
    ns: [Histogram<u64>; 6],
    sum_ns: [u128; 6],
}

/// The RTO component names, in [`Components`] order: summary keys, shard
/// state and the breakdown chart's stacking order (as they follow each
/// other in an incident). One list, so a new component reaches them all.
pub const RTO_COMPONENTS: [&str; 6] = [
    "detection",
    "decision",
    "execution",
    "restore",
    "drain",
    "wait",
];
impl Components {
    fn new() -> Self {
        Components {
            ns: std::array::from_fn(|_| histogram()),
            sum_ns: [0; 6],
        }
    }

    fn add(&mut self, inc: &Incident) {
        let parts = [
            inc.detection_ns,
            inc.decision_ns,
            inc.execution_ns,
            inc.restore_ns,
            inc.drain_ns,
            inc.wait_ns,
        ];
        for (k, ns) in parts.into_iter().enumerate() {
            record(&mut self.ns[k], ns);
            self.sum_ns[k] += u128::from(ns);
        }
    }

    fn summary(&self, count: u64) -> Option<RtoComponents> {
        if count == 0 {
            return None;
        }
        let stats = |k: usize| ComponentStats {
            mean_s: self.sum_ns[k] as f64 / 1e9 / count as f64,
            p99_s: quantile_ns(&self.ns[k], 0.99) as f64 / 1e9,
        };
        Some(RtoComponents {
            detection_s: stats(0),
            decision_s: stats(1),
            execution_s: stats(2),
            restore_s: stats(3),
            drain_s: stats(4),
            wait_s: stats(5),
        })
    }
}

/// Running totals of one incident class.
#[derive(Clone)]
struct ClassTotals {
    incidents: u64,
    /// Incidents that stopped writes themselves.
    interrupted: u64,
    /// Incidents that stopped writes or began while they were stopped.
    disruptive: u64,
    rto_zero: u64,
    unresolved: u64,
    lost_writes: u64,
    lost_bytes: u64,
    with_loss: u64,
    /// Incidents that lost the environment's data entirely (`Incident::total_loss`).
    total_losses: u64,
    /// Incidents that began as a zone incident (escalated region outages).
    escalated: u64,
    /// Over every incident of the class.
    all: Realised,
    /// Over the disruptive incidents only.
    disrupted: Realised,
    /// RTO components of the disruptive incidents.
    components: Components,
    /// Time without service charged to the class's incidents (ns).
    downtime_ns: u128,
    /// Failback and drill return: reverse resync durations (ns).
    resync_ns: Histogram<u64>,
    resync_sum_ns: u128,
}

impl ClassTotals {
    fn new() -> Self {
        ClassTotals {
            incidents: 0,
            interrupted: 0,
            disruptive: 0,
            rto_zero: 0,
            unresolved: 0,
            lost_writes: 0,
            lost_bytes: 0,
            with_loss: 0,
            total_losses: 0,
            escalated: 0,
            all: Realised::new(),
            disrupted: Realised::new(),
            components: Components::new(),
            downtime_ns: 0,
            resync_ns: histogram(),
            resync_sum_ns: 0,
        }
    }

    fn add(&mut self, inc: &Incident) {
        self.incidents += 1;
        // Stopped writes itself (an overlapping incident joined another's stop).
        self.interrupted +=
            u64::from(inc.interruption_start_ns.is_some() && inc.overlaps.is_none());
        self.rto_zero += u64::from(inc.rto_ns == 0);
        self.unresolved += u64::from(inc.recovery == "unresolved");
        self.lost_writes = self.lost_writes.saturating_add(inc.lost_writes);
        self.lost_bytes = self.lost_bytes.saturating_add(inc.lost_bytes);
        self.with_loss += u64::from(inc.lost_writes > 0);
        self.total_losses += u64::from(inc.total_loss);
        self.escalated += u64::from(inc.escalated_from.is_some());
        self.all.add(inc);
        if inc.disruptive() {
            self.disruptive += 1;
            self.disrupted.add(inc);
            self.components.add(inc);
        }
        self.downtime_ns += u128::from(inc.downtime_ns);
        if let Some(r) = inc.resync_ns {
            record(&mut self.resync_ns, r);
            self.resync_sum_ns += u128::from(r);
        }
    }

    /// The incidents a target with `basis` is judged over: their count and metrics.
    fn judged(&self, basis: TargetBasis) -> (u64, &Realised) {
        match basis {
            TargetBasis::All => (self.incidents, &self.all),
            TargetBasis::Disruptive => (self.disruptive, &self.disrupted),
        }
    }

    fn summary(&self, runs: u64) -> ClassSummary {
        let (rpo_s, rto_s) = self.all.quantiles(self.incidents);
        let (disruptive_rpo_s, disruptive_rto_s) = self.disrupted.quantiles(self.disruptive);
        ClassSummary {
            incidents: self.incidents,
            interrupted: self.interrupted,
            disruptive: self.disruptive,
            rto_zero: self.rto_zero,
            unresolved_at_horizon: self.unresolved,
            with_loss: self.with_loss,
            total_losses: self.total_losses,
            escalated: self.escalated,
            lost_writes: self.lost_writes,
            lost_bytes: self.lost_bytes,
            rpo_s,
            rto_s,
            disruptive_rpo_s,
            disruptive_rto_s,
            downtime_s_per_run: self.downtime_ns as f64 / 1e9 / runs.max(1) as f64,
            resync_s: (!self.resync_ns.is_empty())
                .then(|| Quantiles::of(&self.resync_ns, self.resync_sum_ns, self.resync_ns.len())),
            rto_components: self.components.summary(self.disruptive),
        }
    }
}

/// Accumulates replications into a [`Summary`].
pub struct Aggregator {
    targets: Vec<Target>,
    services: Vec<Service>,
    capacity: Capacity,
    horizon_s: f64,
    horizon_ns: u64,
    /// Incidents meeting each target, parallel to `targets`.
    targets_met: Vec<u64>,
    classes: BTreeMap<IncidentClass, ClassTotals>,
    /// Served nanoseconds per run (availability = served / horizon).
    served_ns: Moments,
    downtime_ns: Moments,
    /// Nanoseconds per run during which some copy served reads, and not.
    read_served_ns: Moments,
    read_downtime_ns: Moments,
    incidents_per_run: Moments,
    commit_latency_ns: Histogram<u64>,
    lag_ns: Histogram<u64>,
    lag_at_horizon_ns: Moments,
    seeding_ns: Histogram<u64>,
    loss_window_ns: Histogram<u64>,
    shown_loss_ns: Histogram<u64>,
    catch_up_ns: Histogram<u64>,
    decisions: BTreeMap<String, u64>,
    dr_active_ns: Moments,
    unprotected_ns: Moments,
    throttled_ns: Moments,
    throttled_writes: Moments,
    /// Refused lifecycle operations: operation → reason → count.
    refused: BTreeMap<String, BTreeMap<String, u64>>,
    /// Per service and class: total downtime (ns) over all replications.
    service_downtime_ns: Vec<BTreeMap<IncidentClass, u128>>,
    /// Several writing regions: the totals of `MultiWriterTotals`.
    multi_writer: Option<MultiWriterAccum>,
    runs: u64,
    events: u64,
}

/// Sums of [`crate::model::MultiWriterTotals`] over replications.
#[derive(Default)]
struct MultiWriterAccum {
    lost_updates: u64,
    expected_lost_updates: f64,
    deferred_writes: u64,
    deferrals: u64,
    deferral_max_ns: u64,
    paired_clients_served_ns: Moments,
}

impl Aggregator {
    pub fn new(scenario: &Scenario) -> Self {
        Aggregator {
            targets: scenario.targets.clone(),
            services: scenario.services.clone(),
            capacity: scenario.capacity.clone(),
            horizon_s: scenario.simulation.horizon.as_secs_f64(),
            horizon_ns: scenario.simulation.horizon.0,
            targets_met: vec![0; scenario.targets.len()],
            classes: BTreeMap::new(),
            served_ns: Moments::default(),
            downtime_ns: Moments::default(),
            read_served_ns: Moments::default(),
            read_downtime_ns: Moments::default(),
            incidents_per_run: Moments::default(),
            commit_latency_ns: histogram(),
            lag_ns: histogram(),
            lag_at_horizon_ns: Moments::default(),
            seeding_ns: histogram(),
            loss_window_ns: histogram(),
            shown_loss_ns: histogram(),
            catch_up_ns: histogram(),
            decisions: BTreeMap::new(),
            dr_active_ns: Moments::default(),
            unprotected_ns: Moments::default(),
            throttled_ns: Moments::default(),
            throttled_writes: Moments::default(),
            refused: BTreeMap::new(),
            service_downtime_ns: vec![BTreeMap::new(); scenario.services.len()],
            multi_writer: scenario
                .multi_writer
                .as_ref()
                .map(|_| MultiWriterAccum::default()),
            runs: 0,
            events: 0,
        }
    }

    /// Adds one replication. The result does not depend on the order of the
    /// calls (every total is an exact sum); the runner still adds in
    /// replication-index order, as its CSV sinks need.
    pub fn add(&mut self, outcome: &ReplicationOutcome) {
        debug_assert_eq!(outcome.horizon_ns, self.horizon_ns);
        self.runs += 1;
        self.events += outcome.events;
        self.served_ns.push(outcome.served_ns);
        self.downtime_ns.push(outcome.downtime_ns());
        self.read_served_ns.push(outcome.read_served_ns());
        self.read_downtime_ns.push(outcome.read_down_ns);
        self.incidents_per_run.push(outcome.incidents.len() as u64);
        for &l in &outcome.commit_latencies_ns {
            record(&mut self.commit_latency_ns, l);
        }
        for &l in &outcome.lag_samples_ns {
            record(&mut self.lag_ns, l);
        }
        if let Some(l) = outcome.lag_at_horizon_ns {
            self.lag_at_horizon_ns.push(l);
        }
        if let Some(s) = outcome.seeding_ns {
            record(&mut self.seeding_ns, s);
        }
        self.dr_active_ns.push(outcome.dr_active_ns);
        self.unprotected_ns.push(outcome.unprotected_ns);
        self.throttled_ns.push(outcome.throttled_ns);
        self.throttled_writes.push(outcome.throttled_writes);
        for r in &outcome.refused {
            self.add_refused(r);
        }
        self.add_service_downtime(outcome);
        if let (Some(acc), Some(mw)) = (self.multi_writer.as_mut(), &outcome.multi_writer) {
            acc.lost_updates += mw.lost_updates;
            acc.expected_lost_updates += mw.expected_lost_updates;
            acc.deferred_writes += mw.deferred_writes;
            acc.deferrals += u64::from(mw.deferrals);
            acc.deferral_max_ns = acc.deferral_max_ns.max(mw.deferral_max_ns);
            acc.paired_clients_served_ns
                .push(mw.paired_clients_served_ns);
        }
        for inc in &outcome.incidents {
            self.add_incident(inc);
        }
    }

    fn add_refused(&mut self, r: &RefusedOperation) {
        let reasons = match self.refused.get_mut(r.operation) {
            Some(reasons) => reasons,
            None => self.refused.entry(r.operation.to_string()).or_default(),
        };
        match reasons.get_mut(r.reason) {
            Some(n) => *n += 1,
            None => {
                reasons.insert(r.reason.to_string(), 1);
            }
        }
    }

    /// Adds each service's per-class downtime of one replication; services
    /// of the same kind (waiting for the primary region or not) share one
    /// computation.
    fn add_service_downtime(&mut self, outcome: &ReplicationOutcome) {
        let mut by_kind: [Option<BTreeMap<IncidentClass, u64>>; 2] = [None, None];
        for (svc, totals) in self
            .services
            .iter()
            .zip(self.service_downtime_ns.iter_mut())
        {
            let waits = waits_for_primary(svc.behaviour);
            let per_class = by_kind[usize::from(waits)]
                .get_or_insert_with(|| service_downtime_ns(waits, outcome));
            for (class, ns) in per_class.iter() {
                *totals.entry(*class).or_insert(0) += u128::from(*ns);
            }
        }
    }

    fn add_incident(&mut self, inc: &Incident) {
        // Zone incidents carry a decision only when a long quorum loss
        // started the emergency response (`dr.emergency_after_quorum_loss`).
        if matches!(inc.class, IncidentClass::Region | IncidentClass::Zone) {
            if let Some(d) = inc.decision {
                match self.decisions.get_mut(d) {
                    Some(n) => *n += 1,
                    None => {
                        self.decisions.insert(d.to_string(), 1);
                    }
                }
            }
            // The loss window runs from the last sync to the moment the
            // primary stopped taking writes: the figure shown to the operator.
            if let Some(shown) = inc.shown_loss_ns {
                record(&mut self.loss_window_ns, shown);
                record(&mut self.shown_loss_ns, shown);
            }
        }
        if let Some(c) = inc.catch_up_ns {
            record(&mut self.catch_up_ns, c);
        }
        self.classes
            .entry(inc.class)
            .or_insert_with(ClassTotals::new)
            .add(inc);
        for (t, met) in self.targets.iter().zip(self.targets_met.iter_mut()) {
            let value = match t.metric {
                Metric::Rpo => inc.rpo_ns,
                Metric::Rto => inc.rto_ns,
            };
            let judged = match t.basis {
                TargetBasis::All => true,
                TargetBasis::Disruptive => inc.disruptive(),
            };
            if t.class == inc.class && judged && value <= t.value.0 {
                *met += 1;
            }
        }
    }

    pub fn runs(&self) -> u64 {
        self.runs
    }

    pub fn events(&self) -> u64 {
        self.events
    }

    /// The summary of everything added so far.
    pub fn summary(&self, scenario: &Scenario, provenance: Provenance) -> Summary {
        let classes = self
            .classes
            .iter()
            .map(|(class, c)| (class.name().to_string(), c.summary(self.runs)))
            .collect();
        let targets = self
            .targets
            .iter()
            .zip(&self.targets_met)
            .map(|(t, &met)| {
                let totals = self.classes.get(&t.class);
                let judged = totals.map(|c| c.judged(t.basis));
                let n = judged.map_or(0, |(n, _)| n);
                let observed_ns = judged
                    .filter(|&(n, _)| n > 0)
                    .map(|(_, r)| quantile_ns(r.histogram(t.metric), t.quantile));
                let share = if n == 0 { 1.0 } else { met as f64 / n as f64 };
                TargetResult {
                    class: t.class.name().to_string(),
                    metric: t.metric.name().to_string(),
                    basis: t.basis.name().to_string(),
                    target_s: t.value.as_secs_f64(),
                    quantile: t.quantile,
                    observed_s: observed_ns.map(|ns| ns as f64 / 1e9),
                    incidents: n,
                    class_incidents: totals.map_or(0, |c| c.incidents),
                    share_met: share,
                    met: share >= t.quantile,
                }
            })
            .collect();
        Summary {
            schema_version: SCHEMA_VERSION,
            drsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: provenance.scenario,
            scenario_hash: scenario.source_hash.clone(),
            overrides: scenario.overrides.clone(),
            seed: scenario.simulation.seed,
            runs: self.runs,
            requested_runs: provenance.requested_runs,
            partial: self.runs < provenance.requested_runs,
            horizon_s: scenario.simulation.horizon.as_secs_f64(),
            architecture: provenance.architecture,
            classes,
            availability: self.per_run(&self.served_ns, self.horizon_ns as f64),
            downtime_s: self.per_run(&self.downtime_ns, 1e9),
            read_availability: self.per_run(&self.read_served_ns, self.horizon_ns as f64),
            read_downtime_s: self.per_run(&self.read_downtime_ns, 1e9),
            incidents_per_run: self.per_run(&self.incidents_per_run, 1.0),
            commit_latency_s: Quantiles::of_samples(&self.commit_latency_ns),
            targets,
            replication_lag_s: (!self.lag_ns.is_empty())
                .then(|| Quantiles::of_samples(&self.lag_ns)),
            lag_at_horizon_s: (self.lag_at_horizon_ns.n > 0)
                .then(|| Interval::of(&self.lag_at_horizon_ns.welford(1e9))),
            seeding_s: (!self.seeding_ns.is_empty())
                .then(|| Quantiles::of_samples(&self.seeding_ns)),
            unprotected_s: scenario
                .dr
                .as_ref()
                .and_then(|_| self.per_run(&self.unprotected_ns, 1e9)),
            throttled: scenario
                .cross_region
                .as_ref()
                .and_then(|c| c.rpo_bound)
                .filter(|b| b.throttle)
                .and_then(|_| {
                    Some(Throttled {
                        time_s: self.per_run(&self.throttled_ns, 1e9)?,
                        writes: self.per_run(&self.throttled_writes, 1.0)?,
                    })
                }),
            emergency: Emergency {
                decisions: self
                    .decisions
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect(),
                loss_window_s: (!self.loss_window_ns.is_empty())
                    .then(|| Quantiles::of_samples(&self.loss_window_ns)),
                shown_loss_s: (!self.shown_loss_ns.is_empty())
                    .then(|| Quantiles::of_samples(&self.shown_loss_ns)),
            },
            link_catch_up_s: (!self.catch_up_ns.is_empty())
                .then(|| Quantiles::of_samples(&self.catch_up_ns)),
            refused_operations: self.refused.values().flat_map(BTreeMap::values).sum(),
            refused: self.refused.clone(),
            conditioning: conditioning(scenario, &classes_for_conditioning(&self.classes)),
            capacity: self.capacity_summary(),
            services: self.service_summaries(),
            multi_writer: self.multi_writer_summary(),
        }
    }

    /// Several writing regions: totals over the replications, per year.
    fn multi_writer_summary(&self) -> Option<MultiWriterSummary> {
        let acc = self.multi_writer.as_ref()?;
        let per_year = |total: f64| {
            if self.runs == 0 {
                0.0
            } else {
                total / self.runs as f64 / (self.horizon_s / (365.0 * 86_400.0))
            }
        };
        Some(MultiWriterSummary {
            lost_updates: acc.lost_updates,
            lost_updates_per_year: per_year(acc.lost_updates as f64),
            expected_lost_updates_per_year: per_year(acc.expected_lost_updates),
            deferred_writes: acc.deferred_writes,
            deferred_writes_per_year: per_year(acc.deferred_writes as f64),
            deferrals: acc.deferrals,
            deferral_max_s: acc.deferral_max_ns as f64 / 1e9,
            paired_clients_availability: self
                .per_run(&acc.paired_clients_served_ns, self.horizon_ns as f64),
        })
    }

    /// The interval of a per-replication quantity (`/ scale`), `None`
    /// before any replication finished: a mean over nothing is undefined,
    /// not 0 (an interrupted run's summary must not claim 0% availability).
    fn per_run(&self, moments: &Moments, scale: f64) -> Option<Interval> {
        (self.runs > 0).then(|| Interval::of(&moments.welford(scale)))
    }

    /// GB-months per replication: the primary holds its data all along, the
    /// paired region a second copy while DR is on (the seed: the secondary
    /// doubles consumption).
    fn capacity_summary(&self) -> CapacitySummary {
        let months = self.horizon_s / SECONDS_PER_MONTH;
        let dr_active_s = self.dr_active_ns.welford(1e9);
        let dr_months = dr_active_s.mean() / SECONDS_PER_MONTH;
        let c = &self.capacity;
        let types = [
            ("database", c.database, c.price_database),
            ("file", c.file, c.price_file),
            ("log", c.log, c.price_log),
        ];
        let storage = types
            .iter()
            .map(|&(name, bytes, price)| {
                let gb = bytes as f64 / 1e9;
                let primary = gb * months;
                let secondary = gb * dr_months;
                StorageSummary {
                    storage_type: name.to_string(),
                    gb,
                    primary_gb_months: primary,
                    secondary_gb_months: secondary,
                    cost: price.map(|p| p * (primary + secondary)),
                }
            })
            .collect::<Vec<_>>();
        let cost = storage
            .iter()
            .map(|s| s.cost)
            .try_fold(0.0, |acc, c| c.map(|c| acc + c));
        CapacitySummary {
            dr_active_s: Interval::of(&dr_active_s),
            storage,
            cost_per_run: cost.filter(|_| {
                [c.price_database, c.price_file, c.price_log]
                    .iter()
                    .any(Option::is_some)
            }),
        }
    }

    fn service_summaries(&self) -> Vec<ServiceSummary> {
        let finished = self.runs > 0;
        let runs = self.runs.max(1) as f64;
        self.services
            .iter()
            .zip(&self.service_downtime_ns)
            .map(|(svc, per_class)| {
                let total: u128 = per_class.values().sum();
                ServiceSummary {
                    name: svc.name.clone(),
                    behaviour: svc.behaviour,
                    note: svc.note.clone(),
                    downtime_s_per_run: per_class
                        .iter()
                        .map(|(c, ns)| (c.name().to_string(), *ns as f64 / 1e9 / runs))
                        .collect(),
                    availability: finished
                        .then(|| 1.0 - (total as f64 / 1e9) / (runs * self.horizon_s)),
                }
            })
            .collect()
    }
}

/// A month for GB-month accounting: 365 d / 12.
const SECONDS_PER_MONTH: f64 = 365.0 * 86_400.0 / 12.0;

/// Services that stay down while the home region is out, however quickly
/// the environment fails over.
fn waits_for_primary(behaviour: ServiceBehaviour) -> bool {
    matches!(
        behaviour,
        ServiceBehaviour::UnavailableUntilPrimary | ServiceBehaviour::NotSupported
    )
}

/// Sorted, disjoint union of half-open intervals (ns).
fn union(mut intervals: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    intervals.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(intervals.len());
    for (start, end) in intervals.into_iter().filter(|(s, e)| e > s) {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

/// Time a service is down in one replication (ns), per incident class. A
/// service that fails over is down exactly while the environment is (the
/// downtime spans); one that waits for the primary region is down during
/// the union of those spans and the home region's outages (to the horizon if
/// unrepaired). Each instant counts once, so the total never exceeds the
/// horizon: a region-outage instant for the region class, any other for the
/// class of the incident its span is charged to (the earlier span, should
/// spans overlap). Classes without downtime are left out.
fn service_downtime_ns(
    waits_for_primary: bool,
    o: &ReplicationOutcome,
) -> BTreeMap<IncidentClass, u64> {
    let horizon = o.horizon_ns;
    let mut per_class = BTreeMap::new();
    let mut charge = |class: IncidentClass, ns: u64| {
        if ns > 0 {
            *per_class.entry(class).or_insert(0) += ns;
        }
    };
    let region = if waits_for_primary {
        union(
            o.incidents
                .iter()
                .filter(|i| i.class == IncidentClass::Region)
                .map(|i| {
                    (
                        i.start_ns.min(horizon),
                        i.end_ns.unwrap_or(horizon).min(horizon),
                    )
                })
                .collect(),
        )
    } else {
        Vec::new()
    };
    charge(
        IncidentClass::Region,
        region.iter().map(|(s, e)| e - s).sum(),
    );
    let class_of: BTreeMap<u32, IncidentClass> =
        o.incidents.iter().map(|i| (i.seq, i.class)).collect();
    let mut spans: Vec<_> = o.downtime.iter().collect();
    spans.sort_by_key(|s| (s.start_ns, s.end_ns));
    // Spans are taken in start order; `reach` is the end of the time already
    // counted, so the new parts [start, end) are disjoint and increasing and
    // one pass over the region outages (`next`) finds their overlaps.
    let (mut reach, mut next) = (0, 0);
    for span in spans {
        let start = span.start_ns.max(reach);
        let end = span.end_ns.min(horizon);
        if end <= start {
            continue;
        }
        reach = end;
        while next < region.len() && region[next].1 <= start {
            next += 1;
        }
        let covered: u64 = region[next..]
            .iter()
            .take_while(|(s, _)| *s < end)
            .map(|&(s, e)| e.min(end) - s.max(start))
            .sum();
        let class = *class_of
            .get(&span.incident)
            .expect("a downtime span is charged to an incident of its replication");
        charge(class, end - start - covered);
    }
    per_class
}

/// Quantile in ns; an HDR bucket reports its highest equivalent value, at
/// most 0.1% above the true sample.
fn quantile_ns(h: &Histogram<u64>, q: f64) -> u64 {
    if h.is_empty() {
        0
    } else {
        h.value_at_quantile(q)
    }
}

/// What identifies the run beyond the scenario itself.
pub struct Provenance {
    pub scenario: String,
    pub requested_runs: u64,
    pub architecture: String,
}

/// The one result type of a run; `summary.json` is its serialisation.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    pub schema_version: u32,
    pub drsim_version: String,
    pub scenario: String,
    /// FNV-1a 64 of the scenario text.
    pub scenario_hash: String,
    /// `run --set KEY=VALUE` overrides applied to the file, as `key=value`
    /// in order; absent from the JSON when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    pub seed: u64,
    /// Replications completed.
    pub runs: u64,
    pub requested_runs: u64,
    /// `true` when the run stopped before `requested_runs`.
    pub partial: bool,
    pub horizon_s: f64,
    /// How the environment survives a zone failure.
    pub architecture: String,
    /// Per incident class (BTreeMap: stable key order in the JSON).
    pub classes: BTreeMap<String, ClassSummary>,
    /// Fraction of time writes were served (write availability), mean
    /// over replications with a 95% t-interval; `null` when no replication
    /// finished (a partial run interrupted before its first), like the
    /// rates below. Named `availability`, not `write_availability`, as it
    /// always was: summaries, baselines and `drsim compare` read that key.
    pub availability: Option<Interval>,
    /// Seconds without service (writes) per replication.
    pub downtime_s: Option<Interval>,
    /// Fraction of time some copy served reads (`model::reads`): at least
    /// `availability`, equal to it without a readable secondary.
    pub read_availability: Option<Interval>,
    /// Seconds without reads per replication.
    pub read_downtime_s: Option<Interval>,
    pub incidents_per_run: Option<Interval>,
    /// Commit latency (seconds), time-weighted samples.
    pub commit_latency_s: Quantiles,
    pub targets: Vec<TargetResult>,
    /// Cross-region replication lag (seconds), time-weighted samples taken
    /// while DR protected the environment in its primary region.
    pub replication_lag_s: Option<Quantiles>,
    /// Lag at the end of the horizon (seconds): grows with the horizon when
    /// the offered load exceeds the link.
    pub lag_at_horizon_s: Option<Interval>,
    /// Initial seeding durations (seconds) of `enable` operations.
    pub seeding_s: Option<Quantiles>,
    /// With `[dr]`: seconds per replication during which DR was on but no
    /// copy received the environment's writes (seeding and catching up,
    /// failed over, resyncing back, re-copying after a failover).
    pub unprotected_s: Option<Interval>,
    /// With `cross_region.rpo_bound.action = "throttle"`: the price of the
    /// throttle per replication.
    pub throttled: Option<Throttled>,
    pub emergency: Emergency,
    /// Link incidents: time from their end until the backlog drained (seconds).
    pub link_catch_up_s: Option<Quantiles>,
    /// Lifecycle operations refused (disable while failed over, drill while
    /// seeding, ...): the total of `refused`.
    pub refused_operations: u64,
    /// Refused operations by operation (`enable`, `drill`, `disable`) and
    /// reason (`seeding`, `region-down`, ...).
    pub refused: BTreeMap<String, BTreeMap<String, u64>>,
    pub capacity: CapacitySummary,
    pub services: Vec<ServiceSummary>,
    /// Rare-event mode (`failures.regions.conditioned`): the annual figures.
    pub conditioning: Option<Conditioning>,
    /// Several writing regions (`[multi_writer]`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_writer: Option<MultiWriterSummary>,
}

/// Several writing regions: lost updates and deferred writes (see the
/// README, "Several writing regions").
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MultiWriterSummary {
    /// Writes overwritten by a concurrent write of the other region (last
    /// writer wins), all replications.
    pub lost_updates: u64,
    /// `lost_updates` per replication × 365 d / horizon.
    pub lost_updates_per_year: f64,
    /// The expectation the counts were drawn from, per year.
    pub expected_lost_updates_per_year: f64,
    /// Unshipped writes of a region that went down and returned, delivered
    /// at its return (all replications).
    pub deferred_writes: u64,
    pub deferred_writes_per_year: f64,
    /// Region outages that deferred writes (all replications).
    pub deferrals: u64,
    /// Longest deferral: oldest deferred write to its delivery (seconds).
    pub deferral_max_s: f64,
    /// Share of time the paired region's clients had their writes served.
    pub paired_clients_availability: Option<Interval>,
}

/// Per-outage estimates from a run with exactly one region outage per
/// replication, turned into annual figures by the outage rate of the
/// renewal process (the per-outage distributions come from every replication).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Conditioning {
    pub note: String,
    /// Region outages per year of the unconditioned process.
    pub region_outages_per_year: f64,
    /// Mean lost writes per region outage × rate.
    pub lost_writes_per_year: f64,
    /// Mean downtime charged to a region incident × rate (seconds per year).
    pub region_downtime_s_per_year: f64,
}

/// (incidents, lost writes, charged downtime in ns) of the region class.
fn classes_for_conditioning(classes: &BTreeMap<IncidentClass, ClassTotals>) -> (u64, u64, u128) {
    classes
        .get(&IncidentClass::Region)
        .map_or((0, 0, 0), |c| (c.incidents, c.lost_writes, c.downtime_ns))
}

fn conditioning(
    scenario: &Scenario,
    (n, lost, downtime_ns): &(u64, u64, u128),
) -> Option<Conditioning> {
    let rf = scenario.region_failures.as_ref()?;
    rf.conditioned?;
    let rate = rf.rate_per_year();
    let per = |x: f64| if *n == 0 { 0.0 } else { x / *n as f64 };
    Some(Conditioning {
        note: "conditioned run: exactly one region outage per replication; annual figures = per-outage mean × outage rate".into(),
        region_outages_per_year: rate,
        lost_writes_per_year: per(*lost as f64) * rate,
        region_downtime_s_per_year: per(*downtime_ns as f64 / 1e9) * rate,
    })
}

/// The RPO bound's throttle, per replication (mean and interval).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Throttled {
    /// Seconds during which writes were admitted at the link's drain rate.
    pub time_s: Interval,
    /// Offered writes shed meanwhile.
    pub writes: Interval,
}

/// What the emergency response saw and decided.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Emergency {
    /// Count of each decision taken on region outages (`failover`,
    /// `wait-policy`, `wait-no-dr`, `wait-seeding`, `region-returned-first`,
    /// `failover-failed-no-vnet-pair`).
    pub decisions: BTreeMap<String, u64>,
    /// Region outages under DR: from the last sync to the moment the primary
    /// stopped taking writes (seconds): what a failover loses.
    pub loss_window_s: Option<Quantiles>,
    /// Data loss shown to the operator at the decision (seconds): the loss
    /// window itself (equal to `loss_window_s` by definition since schema 2).
    pub shown_loss_s: Option<Quantiles>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CapacitySummary {
    /// Seconds per replication during which a secondary copy existed.
    pub dr_active_s: Interval,
    pub storage: Vec<StorageSummary>,
    /// Mean storage cost per replication, when prices are given.
    pub cost_per_run: Option<f64>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StorageSummary {
    pub storage_type: String,
    /// Consumption in the primary (GB, 10^9 bytes).
    pub gb: f64,
    /// Mean GB-months per replication in the primary region.
    pub primary_gb_months: f64,
    /// Mean GB-months per replication in the paired region (DR copy).
    pub secondary_gb_months: f64,
    pub cost: Option<f64>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ServiceSummary {
    pub name: String,
    pub behaviour: ServiceBehaviour,
    /// The seed's statement behind the behaviour.
    pub note: String,
    /// Mean downtime per replication (seconds), per incident class: each
    /// instant without the service counted once (see `service_downtime_ns`).
    pub downtime_s_per_run: BTreeMap<String, f64>,
    /// 1 − downtime / horizon, the downtime being the union of the
    /// intervals; `null` when no replication finished.
    pub availability: Option<f64>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ClassSummary {
    pub incidents: u64,
    /// Incidents that stopped writes themselves.
    pub interrupted: u64,
    /// Incidents that stopped writes or began while they were stopped
    /// (`Incident::disruptive`): those targets are judged over by default.
    pub disruptive: u64,
    /// Incidents with RTO 0 (writes were not stopped while they were active).
    pub rto_zero: u64,
    /// Incidents whose interruption was still open at the horizon (RTO censored).
    pub unresolved_at_horizon: u64,
    /// Incidents that lost at least one acknowledged write.
    pub with_loss: u64,
    /// Incidents that lost the environment's data entirely: a region outage
    /// destroyed the data and the backups kept in the region (their RPO
    /// reaches back to the start of the replication).
    pub total_losses: u64,
    /// Incidents that began as a zone incident and grew into an outage of
    /// the whole region (`failures.zones.escalation_probability`).
    pub escalated: u64,
    pub lost_writes: u64,
    pub lost_bytes: u64,
    /// Realised RPO per incident (seconds), over every incident.
    pub rpo_s: Quantiles,
    /// Realised RTO per incident (seconds), over every incident.
    pub rto_s: Quantiles,
    /// Realised RPO (seconds) over the disruptive incidents.
    pub disruptive_rpo_s: Quantiles,
    /// Realised RTO (seconds) over the disruptive incidents: the figure
    /// users feel (most zone incidents never stop writes, RTO 0).
    pub disruptive_rto_s: Quantiles,
    /// Mean time without service charged to the class per replication
    /// (seconds); over the classes it adds up to `downtime_s.mean`.
    pub downtime_s_per_run: f64,
    /// Failback and drill return: duration of the reverse resync (seconds);
    /// `null` for other classes.
    pub resync_s: Option<Quantiles>,
    /// Where the RTO of the disruptive incidents goes; `null` when there is
    /// none. The six means add up to `disruptive_rto_s.mean`.
    pub rto_components: Option<RtoComponents>,
}

/// Mean and p99 of each RTO component (seconds) over a class's disruptive incidents.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct RtoComponents {
    /// A failed leader zone not yet declared failed.
    pub detection_s: ComponentStats,
    /// The operator deciding on the emergency response.
    pub decision_s: ComponentStats,
    /// Election and reroute, a failover or a switch executing.
    pub execution_s: ComponentStats,
    /// A destroyed region's backup being copied back (`restore_bandwidth`).
    pub restore_s: ComponentStats,
    /// A drill's drain, or the last batch in flight before a switch back.
    pub drain_s: ComponentStats,
    /// Waiting for a zone, a quorum or the region.
    pub wait_s: ComponentStats,
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct ComponentStats {
    pub mean_s: f64,
    pub p99_s: f64,
}

/// Distribution summary in seconds. `mean` is exact; the quantiles come
/// from an HDR histogram (3 significant digits).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Quantiles {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Quantiles {
    fn of(h: &Histogram<u64>, sum_ns: u128, count: u64) -> Quantiles {
        let s = |q: f64| quantile_ns(h, q) as f64 / 1e9;
        Quantiles {
            count,
            mean: if count == 0 {
                0.0
            } else {
                sum_ns as f64 / count as f64 / 1e9
            },
            p50: s(0.5),
            p90: s(0.9),
            p99: s(0.99),
            p999: s(0.999),
            max: if h.is_empty() {
                0.0
            } else {
                h.max() as f64 / 1e9
            },
        }
    }

    fn of_samples(h: &Histogram<u64>) -> Quantiles {
        let sum: u128 = h
            .iter_recorded()
            .map(|v| u128::from(v.value_iterated_to()) * u128::from(v.count_at_value()))
            .sum();
        Quantiles::of(h, sum, h.len())
    }
}

/// A mean over replications with its 95% confidence interval (Student t,
/// n − 1 degrees of freedom); `ci95` is absent with fewer than 2 replications.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Interval {
    pub mean: f64,
    pub ci95: Option<[f64; 2]>,
    pub std_dev: f64,
}

impl Interval {
    fn of(w: &Welford) -> Interval {
        let MeanCi {
            mean, low, high, ..
        } = w.mean_ci95();
        Interval {
            mean,
            ci95: (low.is_finite() && high.is_finite()).then_some([low, high]),
            std_dev: w.std_dev(),
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TargetResult {
    pub class: String,
    pub metric: String,
    /// `disruptive` or `all`: the incidents the target is judged over.
    pub basis: String,
    pub target_s: f64,
    /// Share of incidents that must meet the target.
    pub quantile: f64,
    /// The `quantile` of the realised metric over the judged incidents;
    /// `null` when there was none.
    pub observed_s: Option<f64>,
    /// Incidents judged (those of the class on the basis).
    pub incidents: u64,
    /// Every incident of the class, judged or not.
    pub class_incidents: u64,
    /// Share of the judged incidents whose realised metric was at most the target.
    pub share_met: f64,
    /// `share_met >= quantile` (vacuously true with no incident).
    pub met: bool,
}

impl TargetResult {
    /// `MET`, `MISSED`, or, with no incident to judge, `NO INCIDENT`: such
    /// a target is met only vacuously (it never fails `--check`), and
    /// saying `MET` would claim what was not seen.
    pub fn verdict(&self) -> &'static str {
        target_verdict(self.incidents, self.met)
    }
}

/// The verdict word of a target judged over `incidents` incidents (see
/// [`TargetResult::verdict`]): every report that prints one says it alike.
pub fn target_verdict(incidents: u64, met: bool) -> &'static str {
    match (incidents, met) {
        (0, _) => "NO INCIDENT",
        (_, true) => "MET",
        (_, false) => "MISSED",
    }
}

impl Summary {
    /// Targets that were missed.
    pub fn missed_targets(&self) -> impl Iterator<Item = &TargetResult> {
        self.targets.iter().filter(|t| !t.met)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::moments::U256;
    use super::*;

    use crate::incident::DowntimeSpan;
    use crate::model::ReadDowntimeSpan;
    use crate::scenario::REFERENCE_SCENARIO;
    use crate::time::SimDuration;

    pub(crate) const S: u64 = 1_000_000_000;

    /// The reference scenario with the given targets and services.
    pub(crate) fn scenario(targets: Vec<Target>, behaviours: &[ServiceBehaviour]) -> Scenario {
        let mut sc = crate::scenario::parse_str(REFERENCE_SCENARIO, "t.toml")
            .unwrap()
            .scenario;
        sc.targets = targets;
        sc.services = behaviours
            .iter()
            .map(|&behaviour| Service {
                name: behaviour.name().to_string(),
                behaviour,
                note: String::new(),
            })
            .collect();
        sc
    }

    /// An incident of `class` starting at `start_s`, repaired 100 s later,
    /// that never stopped writes; tests set the fields they need.
    pub(crate) fn incident(seq: u32, class: IncidentClass, start_s: u64) -> Incident {
        Incident {
            end_ns: Some((start_s + 100) * S),
            ..Incident::opened(0, seq, class, "x".into(), false, start_s * S)
        }
    }

    /// It stopped writes for `rto_s`, all of it charged to it and spent
    /// waiting (the components add up to the RTO, as in the model).
    pub(crate) fn interrupting(mut i: Incident, rto_s: u64) -> Incident {
        i.interruption_start_ns = Some(i.start_ns);
        i.interruption_end_ns = Some(i.start_ns + rto_s * S);
        i.rto_ns = rto_s * S;
        i.wait_ns = rto_s * S;
        i.downtime_ns = rto_s * S;
        i
    }

    /// A replication of `sc` with these incidents and downtime spans (s),
    /// served whenever no span covers.
    pub(crate) fn outcome(
        sc: &Scenario,
        incidents: Vec<Incident>,
        spans: &[(u64, u64, u32)],
    ) -> ReplicationOutcome {
        let horizon_ns = sc.simulation.horizon.0;
        let downtime: Vec<DowntimeSpan> = spans
            .iter()
            .map(|&(a, b, incident)| DowntimeSpan {
                start_ns: a * S,
                end_ns: b * S,
                incident,
            })
            .collect();
        let down = union(downtime.iter().map(|d| (d.start_ns, d.end_ns)).collect());
        let down_ns = down.iter().map(|(a, b)| b - a).sum::<u64>();
        ReplicationOutcome {
            run: 0,
            incidents,
            served_ns: horizon_ns - down_ns,
            horizon_ns,
            interruptions: 0,
            commit_latencies_ns: vec![],
            lag_samples_ns: vec![],
            lag_at_horizon_ns: None,
            seeding_ns: None,
            dr_active_ns: 0,
            unprotected_ns: 0,
            throttled_ns: 0,
            throttled_writes: 0,
            refused: vec![],
            downtime,
            read_down_ns: down_ns,
            read_downtime: down
                .iter()
                .map(|&(start_ns, end_ns)| ReadDowntimeSpan { start_ns, end_ns })
                .collect(),
            events: 0,
            multi_writer: None,
        }
    }

    pub(crate) fn provenance() -> Provenance {
        Provenance {
            scenario: "t".into(),
            requested_runs: 1,
            architecture: "a".into(),
        }
    }

    pub(crate) fn summarise(sc: &Scenario, outcomes: &[ReplicationOutcome]) -> Summary {
        let mut agg = Aggregator::new(sc);
        outcomes.iter().for_each(|o| agg.add(o));
        agg.summary(sc, provenance())
    }

    /// A summary of no replication (a run interrupted before its first)
    /// has no availability, downtime or incident rate: `null`, not 0.
    #[test]
    fn rates_over_no_replication_are_null() {
        let sc = scenario(vec![], &[]);
        let s = summarise(&sc, &[]);
        assert_eq!(s.runs, 0);
        assert!(s.partial);
        assert_eq!(s.availability, None);
        assert_eq!(s.downtime_s, None);
        assert_eq!(s.incidents_per_run, None);
        assert!(s.services.iter().all(|svc| svc.availability.is_none()));
        let json = serde_json::to_value(&s).unwrap();
        assert!(json["availability"].is_null(), "{}", json["availability"]);
        assert!(json["downtime_s"].is_null());
        assert!(json["incidents_per_run"].is_null());
        assert!(crate::report::table::render(&s).contains("undefined: no replication finished"));

        let one = summarise(&sc, &[outcome(&sc, vec![], &[])]);
        assert_eq!(one.availability.map(|a| a.mean), Some(1.0));
    }

    /// Overlapping downtime spans count once (the union, not the sum), the
    /// overlap for the earlier span's class; a service waiting for the
    /// primary is also down for the region outage, charged to the region.
    #[test]
    fn service_downtime_is_the_union_of_intervals() {
        let sc = scenario(vec![], &[]);
        let zone = incident(0, IncidentClass::Zone, 10);
        let mut region = incident(1, IncidentClass::Region, 20);
        region.end_ns = Some(80 * S);
        // zone [10, 30); region [25, 40) and [60, 70): 45 s of spans, 30 s of union.
        let o = outcome(
            &sc,
            vec![zone, region],
            &[(10, 30, 0), (25, 40, 1), (60, 70, 1)],
        );
        let fails_over = service_downtime_ns(false, &o);
        assert_eq!(
            fails_over,
            BTreeMap::from([
                (IncidentClass::Zone, 20 * S),
                (IncidentClass::Region, 20 * S)
            ])
        );
        // Waiting: [10, 20) zone, then the region outage [20, 80).
        let waits = service_downtime_ns(true, &o);
        assert_eq!(
            waits,
            BTreeMap::from([
                (IncidentClass::Zone, 10 * S),
                (IncidentClass::Region, 60 * S)
            ])
        );
        let sum = |m: &BTreeMap<IncidentClass, u64>| m.values().sum::<u64>();
        assert_eq!(sum(&fails_over), o.downtime_ns());
    }

    /// Whatever the spans and outages, a service is never down longer than
    /// the horizon: an unrepaired region outage runs to the horizon, and
    /// spans past it are cut there.
    #[test]
    fn service_downtime_never_exceeds_the_horizon() {
        let sc = scenario(
            vec![],
            &[ServiceBehaviour::FailsOver, ServiceBehaviour::NotSupported],
        );
        let h = sc.simulation.horizon.0 / S;
        let mut region = incident(1, IncidentClass::Region, 5);
        region.end_ns = None;
        let mut early = incident(0, IncidentClass::Region, 0);
        early.end_ns = Some(50 * S);
        let mut o = outcome(&sc, vec![early, region], &[(0, h, 0), (1, 30, 1)]);
        o.downtime[0].end_ns = (h + 1000) * S;
        o.served_ns = 0;
        let s = summarise(&sc, &[o]);
        for svc in &s.services {
            let total: f64 = svc.downtime_s_per_run.values().sum();
            assert_eq!(total, h as f64, "{}", svc.name);
            assert_eq!(svc.availability, Some(0.0), "{}", svc.name);
        }
        assert_eq!(s.services[1].downtime_s_per_run["region"], h as f64);
    }

    /// A target is judged over its basis: the disruptive incidents (stopped
    /// writes, or began while stopped) by default, every incident with `all`.
    #[test]
    fn targets_are_judged_over_their_basis() {
        let target = |basis| Target {
            class: IncidentClass::Zone,
            metric: Metric::Rto,
            value: SimDuration(300 * S),
            quantile: 0.75,
            basis,
        };
        let sc = scenario(
            vec![target(TargetBasis::Disruptive), target(TargetBasis::All)],
            &[],
        );
        let quiet = incident(0, IncidentClass::Zone, 10);
        let quiet2 = incident(1, IncidentClass::Zone, 20);
        let stop = interrupting(incident(2, IncidentClass::Zone, 1000), 60);
        let mut joined = incident(3, IncidentClass::Zone, 1030);
        joined.overlaps = Some(2);
        joined.rto_ns = 600 * S;
        let o = outcome(&sc, vec![quiet, quiet2, stop, joined], &[(1000, 1060, 2)]);
        let s = summarise(&sc, &[o]);
        let [d, a] = [&s.targets[0], &s.targets[1]];
        assert_eq!(
            (d.basis.as_str(), d.incidents, d.class_incidents),
            ("disruptive", 2, 4)
        );
        assert_eq!(
            (a.basis.as_str(), a.incidents, a.class_incidents),
            ("all", 4, 4)
        );
        assert_eq!((d.share_met, d.met), (0.5, false));
        assert_eq!((a.share_met, a.met), (0.75, true));
        // p75 of {60, 600} vs of {0, 0, 60, 600} (HDR: within 0.1%).
        assert!(
            (d.observed_s.unwrap() - 600.0).abs() < 0.6,
            "{:?}",
            d.observed_s
        );
        assert!(
            (a.observed_s.unwrap() - 60.0).abs() < 0.06,
            "{:?}",
            a.observed_s
        );
        let z = &s.classes["zone"];
        assert_eq!(
            (z.incidents, z.interrupted, z.disruptive, z.rto_zero),
            (4, 1, 2, 2)
        );
        assert_eq!(z.disruptive_rto_s.count, 2);
        assert!((z.disruptive_rto_s.mean - 330.0).abs() < 1e-9);
        assert_eq!(z.rto_s.p50, 0.0);
        assert!(z.disruptive_rto_s.p50 >= 60.0);
        // No disruptive incident judged: nothing observed, vacuously met.
        let calm = outcome(&sc, vec![incident(0, IncidentClass::Zone, 10)], &[]);
        let s = summarise(&sc, &[calm]);
        assert_eq!((s.targets[0].incidents, s.targets[0].observed_s), (0, None));
        assert!(s.targets[0].met);
        assert_eq!(s.targets[1].observed_s, Some(0.0));
    }

    /// Refused operations are counted by operation and reason, with a total.
    #[test]
    fn refused_operations_are_counted_by_operation_and_reason() {
        let sc = scenario(vec![], &[]);
        let mut o = outcome(&sc, vec![], &[]);
        for (operation, reason) in [
            ("drill", "seeding"),
            ("drill", "region-down"),
            ("drill", "seeding"),
            ("disable", "failed-over"),
        ] {
            o.refused.push(RefusedOperation {
                run: 0,
                at_ns: 0,
                operation,
                reason,
            });
        }
        let s = summarise(&sc, &[o.clone(), o]);
        assert_eq!(s.refused_operations, 8);
        assert_eq!(
            s.refused,
            BTreeMap::from([
                (
                    "disable".to_string(),
                    BTreeMap::from([("failed-over".to_string(), 2)])
                ),
                (
                    "drill".to_string(),
                    BTreeMap::from([("region-down".to_string(), 2), ("seeding".to_string(), 4)])
                ),
            ])
        );
    }

    /// Downtime charged per class adds up to the downtime; resync back is
    /// summarised for the classes that have one.
    #[test]
    fn downtime_per_class_adds_up_and_resync_is_summarised() {
        let sc = scenario(vec![], &[]);
        let region = interrupting(incident(0, IncidentClass::Region, 10), 40);
        let mut back = interrupting(incident(1, IncidentClass::Failback, 500), 20);
        back.resync_ns = Some(100 * S);
        let mut back2 = interrupting(incident(1, IncidentClass::Failback, 500), 20);
        back2.resync_ns = Some(300 * S);
        let a = outcome(&sc, vec![region, back], &[(10, 50, 0), (500, 520, 1)]);
        let b = outcome(&sc, vec![back2], &[(500, 520, 1)]);
        let s = summarise(&sc, &[a, b]);
        let per_class: f64 = s.classes.values().map(|c| c.downtime_s_per_run).sum();
        assert_eq!(per_class, 40.0);
        assert_eq!(s.downtime_s.as_ref().unwrap().mean, 40.0);
        assert_eq!(s.classes["region"].downtime_s_per_run, 20.0);
        let r = s.classes["failback"].resync_s.as_ref().unwrap();
        assert_eq!((r.count, r.mean), (2, 200.0));
        assert!(s.classes["region"].resync_s.is_none());
    }

    pub(crate) fn mixed_outcomes(sc: &Scenario) -> Vec<ReplicationOutcome> {
        let mut joined = incident(2, IncidentClass::Region, 30);
        joined.overlaps = Some(0);
        joined.rto_ns = 70 * S;
        joined.wait_ns = 70 * S;
        // Charged the span [30, 100) s: each instant down is charged once.
        joined.downtime_ns = 70 * S;
        let mut back = interrupting(incident(3, IncidentClass::DrillReturn, 900), 15);
        back.resync_ns = Some(77 * S);
        let mut a = outcome(
            sc,
            vec![
                interrupting(incident(0, IncidentClass::Zone, 10), 20),
                incident(1, IncidentClass::Zone, 15),
                joined,
                back,
            ],
            &[(10, 30, 0), (30, 100, 2), (900, 915, 3)],
        );
        a.refused.push(RefusedOperation {
            run: 0,
            at_ns: 5,
            operation: "drill",
            reason: "seeding",
        });
        let mut b = outcome(
            sc,
            vec![interrupting(incident(0, IncidentClass::Zone, 10), 5)],
            &[(10, 15, 0)],
        );
        b.run = 1;
        vec![a, b]
    }

    /// Folding replications in two aggregators and absorbing one state into
    /// the other gives the same summary as one aggregator (what merge needs),
    /// and the state survives its JSON round trip.
    #[test]
    fn absorbed_state_carries_every_new_total() {
        let target = Target {
            class: IncidentClass::Zone,
            metric: Metric::Rto,
            value: SimDuration(10 * S),
            quantile: 0.5,
            basis: TargetBasis::Disruptive,
        };
        let sc = scenario(vec![target], &[ServiceBehaviour::UnavailableUntilPrimary]);
        let outcomes = mixed_outcomes(&sc);
        let mut one = Aggregator::new(&sc);
        outcomes.iter().for_each(|o| one.add(o));
        let mut first = Aggregator::new(&sc);
        first.add(&outcomes[0]);
        let mut second = Aggregator::new(&sc);
        second.add(&outcomes[1]);
        let text = serde_json::to_string(&second.to_state()).unwrap();
        first.absorb(&serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(first.to_state(), one.to_state());
        let merged = first.summary(&sc, provenance());
        assert_eq!(merged, one.summary(&sc, provenance()));
        assert_eq!(merged.refused_operations, 1);
        assert_eq!(merged.classes["zone"].disruptive, 2);
        assert_eq!(
            merged.classes["drill-return"]
                .resync_s
                .as_ref()
                .unwrap()
                .count,
            1
        );
        assert_eq!(merged.targets[0].incidents, 2);
    }

    /// A state that breaks a law of real aggregates is refused, naming the
    /// field: each case breaks one law (the issue 14 cases among them: an
    /// incident count of 2^64 − 1, a halved sum of squares, 10^9 targets
    /// met, a moved histogram value, a damaged histogram header).
    #[test]
    fn absorb_refuses_inconsistent_new_totals() {
        let target = Target {
            class: IncidentClass::Zone,
            metric: Metric::Rto,
            value: SimDuration(10 * S),
            quantile: 0.5,
            basis: TargetBasis::Disruptive,
        };
        let sc = scenario(vec![target], &[ServiceBehaviour::UnavailableUntilPrimary]);
        let mut agg = Aggregator::new(&sc);
        mixed_outcomes(&sc).iter().for_each(|o| agg.add(o));
        let good = agg.to_state();
        Aggregator::new(&sc).absorb(&good).unwrap();
        let refuse = |change: &dyn Fn(&mut AggregatorState), needle: &str| {
            let mut bad = good.clone();
            change(&mut bad);
            let e = Aggregator::new(&sc).absorb(&bad).unwrap_err().0;
            assert!(e.starts_with(needle), "expected `{needle}…`, got: {e}");
        };
        let runs_horizon = good.served_ns.sum.parse::<u128>().unwrap()
            + good.downtime_ns.sum.parse::<u128>().unwrap();
        let read_down_law = format!(
            "state.read_downtime_ns.sum: {runs_horizon}, more than state.downtime_ns.sum = \
             110000000000 (reads are served whenever writes are)"
        );
        type Edit = Box<dyn Fn(&mut AggregatorState)>;
        let cases: Vec<(Edit, &str)> = vec![
            (
                Box::new(|s| s.classes.get_mut("zone").unwrap().incidents = u64::MAX),
                "state.classes.zone.all.rpo_ns: the histogram holds 3 values, but the state counts 18446744073709551615",
            ),
            (
                Box::new(|s| {
                    let z = s.classes.get_mut("zone").unwrap();
                    (z.disruptive, z.interrupted) = (1, 1);
                }),
                "state.classes.zone.disruptive_only.rpo_ns: the histogram holds 2 values",
            ),
            (
                Box::new(|s| s.classes.get_mut("zone").unwrap().disruptive = 9),
                "state.classes.zone.disruptive: 9, more than the 3 incidents",
            ),
            (
                Box::new(|s| s.classes.get_mut("zone").unwrap().rto_zero = 0),
                "state.classes.zone.rto_zero: 0, but the zeros of all.rto_ns = 1",
            ),
            (
                Box::new(|s| s.classes.get_mut("zone").unwrap().lost_writes = 5),
                "state.classes.zone.lost_writes: 5 writes lost by no incident",
            ),
            (
                Box::new(|s| s.classes.get_mut("zone").unwrap().all.rto_sum_ns = "1".into()),
                "state.classes.zone.all.rto_sum_ns: 1 is not the sum of the 3 values",
            ),
            (
                Box::new(|s| {
                    s.classes.get_mut("zone").unwrap().rto_components.sum_ns[0] = "1".into()
                }),
                "state.classes.zone.rto_components.sum_ns.detection: 1 is not the sum",
            ),
            (
                Box::new(|s| s.classes.get_mut("zone").unwrap().downtime_ns = "-1".into()),
                "state.classes.zone.downtime_ns: `-1` is not a decimal u128",
            ),
            (
                Box::new(|s| s.classes.get_mut("zone").unwrap().downtime_ns = "0".into()),
                "state.downtime_ns.sum: 110000000000, but the downtime charged to every class",
            ),
            (
                Box::new(|s| s.targets_met[0] = 1_000_000_000),
                "state.targets_met[0]: 1000000000 incidents meet the zone rto target, but only 2",
            ),
            (
                Box::new(|s| s.served_ns.n = 3),
                "state.served_ns.n: 3 samples, but the state holds 2 runs",
            ),
            (
                Box::new(|s| {
                    let sq = U256::from_hex(&s.served_ns.sum_sq).unwrap().to_f64() / 2.0;
                    s.served_ns.sum_sq = U256::from_u128(sq as u128).to_hex();
                }),
                "state.served_ns: n = 2",
            ),
            (
                Box::new(|s| {
                    let sq = U256::from_hex(&s.downtime_ns.sum_sq).unwrap().to_f64() / 2.0;
                    s.downtime_ns.sum_sq = U256::from_u128(sq as u128).to_hex();
                }),
                "state.downtime_ns: n = 2",
            ),
            (
                Box::new(|s| {
                    let sq = U256::from_hex(&s.downtime_ns.sum_sq).unwrap();
                    s.downtime_ns.sum_sq = sq.checked_add(U256::from_u128(1)).unwrap().to_hex();
                }),
                "state.downtime_ns.sum_sq: does not match state.served_ns.sum_sq",
            ),
            (
                Box::new(|s| {
                    let sq = U256::from_hex(&s.read_downtime_ns.sum_sq).unwrap();
                    s.read_downtime_ns.sum_sq =
                        sq.checked_add(U256::from_u128(1)).unwrap().to_hex();
                }),
                "state.read_downtime_ns.sum_sq: does not match state.read_served_ns.sum_sq",
            ),
            (
                // Reads never served, in both runs: the pair is consistent,
                // but reads would be down while writes were served.
                Box::new(|s| {
                    let sum = |v: &str| v.parse::<u128>().unwrap();
                    let total = sum(&s.served_ns.sum) + sum(&s.downtime_ns.sum);
                    let h = U256::from_u128(total / 2);
                    s.read_served_ns.sum = "0".into();
                    s.read_served_ns.sum_sq = U256::from_u128(0).to_hex();
                    s.read_downtime_ns.sum = total.to_string();
                    let h2 = h.checked_mul(h).unwrap();
                    s.read_downtime_ns.sum_sq = h2.checked_add(h2).unwrap().to_hex();
                }),
                &read_down_law,
            ),
            (
                Box::new(|s| s.incidents_per_run.sum = "6".into()),
                "state.incidents_per_run",
            ),
            (
                Box::new(|s| {
                    s.decisions.insert("failover".into(), 2);
                }),
                "state.decisions: 2, more than the 1 region incidents",
            ),
            (
                Box::new(|s| {
                    s.refused
                        .insert("enabel".into(), BTreeMap::from([("x".into(), 1)]));
                }),
                "state.refused: unknown operation `enabel`",
            ),
            (
                Box::new(|s| {
                    s.refused.get_mut("drill").unwrap().insert("seeding".into(), 0);
                }),
                "state.refused.drill: `seeding` = 0 needs a lowercase name",
            ),
            (
                Box::new(|s| {
                    s.decisions.insert("\x1b[2J".into(), 1);
                }),
                "state.decisions: `\\u{1b}[2J` = 1 needs a lowercase name",
            ),
            (
                Box::new(|s| {
                    let shown = s.histograms["catch_up_ns"].clone();
                    let mut h = histogram();
                    h.record(5).unwrap();
                    s.histograms.insert("loss_window_ns".into(), hdr_v2::encode(&h));
                    s.histograms.insert("shown_loss_ns".into(), shown);
                }),
                "state.histograms.shown_loss_ns: differs from loss_window_ns",
            ),
            (
                Box::new(|s| {
                    // Every RTO twice as long: the counts hold, the sum no
                    // longer lies within the buckets.
                    let z = s.classes.get_mut("zone").unwrap();
                    let h = hdr_v2::decode("x", &z.all.rto_ns).unwrap();
                    let mut moved = histogram();
                    for x in h.iter_recorded() {
                        let (v, n) = (x.value_iterated_to(), x.count_at_value());
                        moved.record_n(2 * v, n).unwrap();
                    }
                    z.all.rto_ns = hdr_v2::encode(&moved);
                }),
                "state.classes.zone.all.rto_sum_ns: 25000000000 is not the sum",
            ),
            (
                Box::new(|s| {
                    // One changed base64 character in the header's payload length.
                    let z = s.classes.get_mut("zone").unwrap();
                    let mut text = z.all.rpo_ns.clone().into_bytes();
                    text[6] = if text[6] == b'A' { b'B' } else { b'A' };
                    z.all.rpo_ns = String::from_utf8(text).unwrap();
                }),
                "state.classes.zone.all.rpo_ns: the header announces a",
            ),
        ];
        for (change, needle) in &cases {
            refuse(change.as_ref(), needle);
        }
        // A total past 2^64 − 1 is refused, not wrapped.
        let mut big = good.clone();
        big.events = u64::MAX;
        let mut total = Aggregator::new(&sc);
        total.absorb(&big).unwrap();
        let e = total.absorb(&big).unwrap_err().0;
        assert!(e.starts_with("state.events: the total passes"), "{e}");
    }

    /// The components' means over the disruptive incidents add up to their
    /// mean RTO; p99 per component; the state carries them through a merge
    /// and refuses histograms that disagree with the disruptive count.
    #[test]
    fn rto_components_add_up_and_survive_a_merge() {
        let sc = scenario(vec![], &[]);
        let with_parts = |rto_s: u64, parts: [u64; 6]| {
            let mut i = interrupting(incident(0, IncidentClass::Zone, 10), rto_s);
            [
                i.detection_ns,
                i.decision_ns,
                i.execution_ns,
                i.restore_ns,
                i.drain_ns,
                i.wait_ns,
            ] = parts.map(|p| p * S);
            i
        };
        let a = outcome(
            &sc,
            vec![with_parts(10, [3, 0, 7, 0, 0, 0])],
            &[(10, 20, 0)],
        );
        let mut b = outcome(
            &sc,
            vec![with_parts(100, [3, 0, 27, 20, 0, 50])],
            &[(10, 110, 0)],
        );
        b.run = 1;
        let mut whole = Aggregator::new(&sc);
        let mut left = Aggregator::new(&sc);
        let mut right = Aggregator::new(&sc);
        for (o, part) in [(&a, &mut left), (&b, &mut right)] {
            whole.add(o);
            part.add(o);
        }
        left.absorb(&right.to_state()).unwrap();
        let summary = |agg: &Aggregator| agg.summary(&sc, provenance()).classes["zone"].clone();
        let zone = summary(&whole);
        assert_eq!(zone, summary(&left));
        let c = zone.rto_components.expect("disruptive incidents exist");
        let means = [
            c.detection_s,
            c.decision_s,
            c.execution_s,
            c.restore_s,
            c.drain_s,
            c.wait_s,
        ]
        .map(|x| x.mean_s);
        assert_eq!(means, [3.0, 0.0, 17.0, 10.0, 0.0, 25.0]);
        assert!((means.iter().sum::<f64>() - zone.disruptive_rto_s.mean).abs() < 1e-9);
        assert!((c.wait_s.p99_s - 50.0).abs() < 0.1 && (c.execution_s.p99_s - 27.0).abs() < 0.1);
        assert!((c.restore_s.p99_s - 20.0).abs() < 0.1);
        let mut bad = whole.to_state();
        bad.classes.get_mut("zone").unwrap().rto_components.ns.pop();
        let e = Aggregator::new(&sc).absorb(&bad).unwrap_err().0;
        assert!(e.contains("expected 6 components"), "{e}");
    }
}
