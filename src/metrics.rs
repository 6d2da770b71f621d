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
use base64::Engine as _;
use hdrhistogram::serialization::{Deserializer as HdrDeserializer, Serializer as _, V2Serializer};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the `summary.json` layout; bump it when a key changes meaning.
pub const SCHEMA_VERSION: u32 = 2;

/// Significant decimal digits kept by the histograms (0.1% resolution).
const HDR_SIGFIG: u8 = 3;

/// An auto-resizing histogram: it grows to the largest value recorded, so
/// nanosecond values over any horizon fit without a fixed upper bound.
fn histogram() -> Histogram<u64> {
    Histogram::new(HDR_SIGFIG).expect("3 significant digits is a valid HDR precision")
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

    fn to_state(&self) -> RealisedState {
        RealisedState {
            rpo_sum_ns: self.rpo_sum_ns.to_string(),
            rto_sum_ns: self.rto_sum_ns.to_string(),
            rpo_ns: encode_histogram(&self.rpo_ns),
            rto_ns: encode_histogram(&self.rto_ns),
        }
    }

    /// Adds `s`, which must hold `count` incidents in each histogram.
    fn absorb(&mut self, what: &str, s: &RealisedState, count: u64) -> Result<(), StateError> {
        self.rpo_sum_ns += parse_u128(&format!("{what}.rpo_sum_ns"), &s.rpo_sum_ns)?;
        self.rto_sum_ns += parse_u128(&format!("{what}.rto_sum_ns"), &s.rto_sum_ns)?;
        for (name, h, text) in [
            ("rpo_ns", &mut self.rpo_ns, &s.rpo_ns),
            ("rto_ns", &mut self.rto_ns, &s.rto_ns),
        ] {
            let n = add_encoded(h, &format!("{what}.{name}"), text)?;
            if n != count {
                return Err(StateError(format!(
                    "histogram {what}.{name} holds {n} incidents, its counter {count}"
                )));
            }
        }
        Ok(())
    }
}

/// The RTO components of a set of incidents (detection, decision,
/// execution, drain, wait): a histogram and an exact sum each (ns).
#[derive(Clone)]
struct Components {
    ns: [Histogram<u64>; 5],
    sum_ns: [u128; 5],
}

/// The component names, in [`Components`] order (summary keys and shard state).
const COMPONENTS: [&str; 5] = ["detection", "decision", "execution", "drain", "wait"];

impl Components {
    fn new() -> Self {
        Components {
            ns: std::array::from_fn(|_| histogram()),
            sum_ns: [0; 5],
        }
    }

    fn add(&mut self, inc: &Incident) {
        let parts = [
            inc.detection_ns,
            inc.decision_ns,
            inc.execution_ns,
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
            drain_s: stats(3),
            wait_s: stats(4),
        })
    }

    fn to_state(&self) -> ComponentsState {
        ComponentsState {
            sum_ns: self.sum_ns.iter().map(u128::to_string).collect(),
            ns: self.ns.iter().map(encode_histogram).collect(),
        }
    }

    fn absorb(&mut self, what: &str, s: &ComponentsState, count: u64) -> Result<(), StateError> {
        if s.sum_ns.len() != COMPONENTS.len() || s.ns.len() != COMPONENTS.len() {
            return Err(StateError(format!(
                "{what}: expected {} components, found {} sums and {} histograms",
                COMPONENTS.len(),
                s.sum_ns.len(),
                s.ns.len()
            )));
        }
        for (k, name) in COMPONENTS.iter().enumerate() {
            self.sum_ns[k] += parse_u128(&format!("{what}.sum_ns.{name}"), &s.sum_ns[k])?;
            let n = add_encoded(&mut self.ns[k], &format!("{what}.ns.{name}"), &s.ns[k])?;
            if n != count {
                return Err(StateError(format!(
                    "histogram {what}.ns.{name} holds {n} incidents, its counter {count}"
                )));
            }
        }
        Ok(())
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

    fn to_state(&self) -> ClassState {
        ClassState {
            incidents: self.incidents,
            interrupted: self.interrupted,
            disruptive: self.disruptive,
            rto_zero: self.rto_zero,
            unresolved: self.unresolved,
            lost_writes: self.lost_writes,
            lost_bytes: self.lost_bytes,
            with_loss: self.with_loss,
            escalated: self.escalated,
            all: self.all.to_state(),
            disruptive_only: self.disrupted.to_state(),
            downtime_ns: self.downtime_ns.to_string(),
            resync_sum_ns: self.resync_sum_ns.to_string(),
            resync_ns: encode_histogram(&self.resync_ns),
            rto_components: self.components.to_state(),
        }
    }

    fn absorb(&mut self, name: &str, cs: &ClassState) -> Result<(), StateError> {
        if cs.disruptive > cs.incidents || cs.interrupted > cs.disruptive {
            return Err(StateError(format!(
                "class {name}: {} interrupted ≤ {} disruptive ≤ {} incidents does not hold",
                cs.interrupted, cs.disruptive, cs.incidents
            )));
        }
        self.incidents += cs.incidents;
        self.interrupted += cs.interrupted;
        self.disruptive += cs.disruptive;
        self.rto_zero += cs.rto_zero;
        self.unresolved += cs.unresolved;
        // Saturating like `add`: min(Σ, u64::MAX) of non-negative terms is
        // still order-independent.
        self.lost_writes = self.lost_writes.saturating_add(cs.lost_writes);
        self.lost_bytes = self.lost_bytes.saturating_add(cs.lost_bytes);
        self.with_loss += cs.with_loss;
        self.escalated += cs.escalated;
        self.all
            .absorb(&format!("{name}.all"), &cs.all, cs.incidents)?;
        self.disrupted.absorb(
            &format!("{name}.disruptive_only"),
            &cs.disruptive_only,
            cs.disruptive,
        )?;
        self.downtime_ns += parse_u128(&format!("{name}.downtime_ns"), &cs.downtime_ns)?;
        self.resync_sum_ns += parse_u128(&format!("{name}.resync_sum_ns"), &cs.resync_sum_ns)?;
        add_encoded(
            &mut self.resync_ns,
            &format!("{name}.resync_ns"),
            &cs.resync_ns,
        )?;
        self.components.absorb(
            &format!("{name}.rto_components"),
            &cs.rto_components,
            cs.disruptive,
        )?;
        Ok(())
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
    /// Refused lifecycle operations: operation → reason → count.
    refused: BTreeMap<String, BTreeMap<String, u64>>,
    /// Per service and class: total downtime (ns) over all replications.
    service_downtime_ns: Vec<BTreeMap<IncidentClass, u128>>,
    runs: u64,
    events: u64,
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
            refused: BTreeMap::new(),
            service_downtime_ns: vec![BTreeMap::new(); scenario.services.len()],
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
        for r in &outcome.refused {
            self.add_refused(r);
        }
        self.add_service_downtime(outcome);
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
            seed: scenario.simulation.seed,
            runs: self.runs,
            requested_runs: provenance.requested_runs,
            partial: self.runs < provenance.requested_runs,
            horizon_s: scenario.simulation.horizon.as_secs_f64(),
            architecture: provenance.architecture,
            classes,
            availability: Interval::of(&self.served_ns.welford(self.horizon_ns as f64)),
            downtime_s: Interval::of(&self.downtime_ns.welford(1e9)),
            incidents_per_run: Interval::of(&self.incidents_per_run.welford(1.0)),
            commit_latency_s: Quantiles::of_samples(&self.commit_latency_ns),
            targets,
            replication_lag_s: (!self.lag_ns.is_empty())
                .then(|| Quantiles::of_samples(&self.lag_ns)),
            lag_at_horizon_s: (self.lag_at_horizon_ns.n > 0)
                .then(|| Interval::of(&self.lag_at_horizon_ns.welford(1e9))),
            seeding_s: (!self.seeding_ns.is_empty())
                .then(|| Quantiles::of_samples(&self.seeding_ns)),
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
        }
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
                    availability: 1.0 - (total as f64 / 1e9) / (runs * self.horizon_s),
                }
            })
            .collect()
    }
}

impl Aggregator {
    /// The accumulated state in its portable form (what a shard writes).
    pub fn to_state(&self) -> AggregatorState {
        let histograms = [
            ("catch_up_ns", &self.catch_up_ns),
            ("commit_latency_ns", &self.commit_latency_ns),
            ("lag_ns", &self.lag_ns),
            ("loss_window_ns", &self.loss_window_ns),
            ("seeding_ns", &self.seeding_ns),
            ("shown_loss_ns", &self.shown_loss_ns),
        ]
        .into_iter()
        .map(|(name, h)| (name.to_string(), encode_histogram(h)))
        .collect();
        AggregatorState {
            runs: self.runs,
            events: self.events,
            targets_met: self.targets_met.clone(),
            classes: self
                .classes
                .iter()
                .map(|(class, c)| (class.name().to_string(), c.to_state()))
                .collect(),
            served_ns: self.served_ns.to_state(),
            downtime_ns: self.downtime_ns.to_state(),
            incidents_per_run: self.incidents_per_run.to_state(),
            lag_at_horizon_ns: self.lag_at_horizon_ns.to_state(),
            dr_active_ns: self.dr_active_ns.to_state(),
            decisions: self.decisions.clone(),
            refused: self.refused.clone(),
            service_downtime_ns: self
                .service_downtime_ns
                .iter()
                .map(|per_class| {
                    per_class
                        .iter()
                        .map(|(c, ns)| (c.name().to_string(), ns.to_string()))
                        .collect()
                })
                .collect(),
            histograms,
        }
    }

    /// Adds a state produced by [`Aggregator::to_state`] (of the same
    /// scenario) to this one, exactly as if its replications had been
    /// [`add`](Aggregator::add)ed here. Every total is an exact sum, so the
    /// result is bit-identical whatever the order of the absorbed states.
    /// On error `self` may hold part of `state`: discard it.
    pub fn absorb(&mut self, state: &AggregatorState) -> Result<(), StateError> {
        if state.targets_met.len() != self.targets.len() {
            return Err(StateError(format!(
                "the state has {} target counters, the scenario {} targets",
                state.targets_met.len(),
                self.targets.len()
            )));
        }
        if state.service_downtime_ns.len() != self.services.len() {
            return Err(StateError(format!(
                "the state has downtime for {} services, the scenario {} services",
                state.service_downtime_ns.len(),
                self.services.len()
            )));
        }
        self.runs += state.runs;
        self.events += state.events;
        for (met, add) in self.targets_met.iter_mut().zip(&state.targets_met) {
            *met += add;
        }
        for (name, cs) in &state.classes {
            let class = class_named(name)?;
            self.classes
                .entry(class)
                .or_insert_with(ClassTotals::new)
                .absorb(name, cs)?;
        }
        self.served_ns.absorb("served_ns", &state.served_ns)?;
        self.downtime_ns.absorb("downtime_ns", &state.downtime_ns)?;
        self.incidents_per_run
            .absorb("incidents_per_run", &state.incidents_per_run)?;
        self.lag_at_horizon_ns
            .absorb("lag_at_horizon_ns", &state.lag_at_horizon_ns)?;
        self.dr_active_ns
            .absorb("dr_active_ns", &state.dr_active_ns)?;
        for (d, n) in &state.decisions {
            *self.decisions.entry(d.clone()).or_insert(0) += n;
        }
        for (operation, reasons) in &state.refused {
            if !RefusedOperation::OPERATIONS.contains(&operation.as_str()) {
                return Err(StateError(format!(
                    "refused: unknown operation `{operation}`, expected one of {:?}",
                    RefusedOperation::OPERATIONS
                )));
            }
            for (reason, n) in reasons {
                // A zero count would add a key a single run never has.
                if reason.is_empty() || *n == 0 {
                    return Err(StateError(format!(
                        "refused.{operation}: `{reason}` = {n} needs a reason and a positive count"
                    )));
                }
                *self
                    .refused
                    .entry(operation.clone())
                    .or_default()
                    .entry(reason.clone())
                    .or_insert(0) += n;
            }
        }
        for (mine, theirs) in self
            .service_downtime_ns
            .iter_mut()
            .zip(&state.service_downtime_ns)
        {
            for (name, ns) in theirs {
                *mine.entry(class_named(name)?).or_insert(0) +=
                    parse_u128("service_downtime_ns", ns)?;
            }
        }
        if let Some(unknown) = state.histograms.keys().find(|k| {
            ![
                "catch_up_ns",
                "commit_latency_ns",
                "lag_ns",
                "loss_window_ns",
                "seeding_ns",
                "shown_loss_ns",
            ]
            .contains(&k.as_str())
        }) {
            return Err(StateError(format!("unknown histogram `{unknown}`")));
        }
        for (name, h) in [
            ("catch_up_ns", &mut self.catch_up_ns),
            ("commit_latency_ns", &mut self.commit_latency_ns),
            ("lag_ns", &mut self.lag_ns),
            ("loss_window_ns", &mut self.loss_window_ns),
            ("seeding_ns", &mut self.seeding_ns),
            ("shown_loss_ns", &mut self.shown_loss_ns),
        ] {
            let text = state
                .histograms
                .get(name)
                .ok_or_else(|| StateError(format!("histogram `{name}` is missing")))?;
            add_encoded(h, name, text)?;
        }
        Ok(())
    }
}

/// A state that cannot be absorbed: produced by another version or scenario,
/// or damaged.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StateError(pub String);

/// Everything an [`Aggregator`] has accumulated, in a portable JSON form
/// (`shard.json`): plain counters, 128-bit sums as decimal strings (JSON
/// numbers lose precision past 2^53 in most readers), exact moments, and
/// every HDR histogram in the standard HdrHistogram V2 encoding (base64, no
/// compression) so any HdrHistogram implementation can read it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregatorState {
    pub runs: u64,
    pub events: u64,
    /// Incidents meeting each target, in the scenario's target order.
    pub targets_met: Vec<u64>,
    /// Per incident class name.
    pub classes: BTreeMap<String, ClassState>,
    pub served_ns: MomentsState,
    pub downtime_ns: MomentsState,
    pub incidents_per_run: MomentsState,
    pub lag_at_horizon_ns: MomentsState,
    pub dr_active_ns: MomentsState,
    pub decisions: BTreeMap<String, u64>,
    /// Refused lifecycle operations: operation → reason → count (> 0).
    pub refused: BTreeMap<String, BTreeMap<String, u64>>,
    /// Per service (scenario order), per class name: total downtime ns (decimal).
    pub service_downtime_ns: Vec<BTreeMap<String, String>>,
    /// Histogram name → base64 of its V2 serialisation.
    pub histograms: BTreeMap<String, String>,
}

/// One incident class of an [`AggregatorState`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassState {
    pub incidents: u64,
    pub interrupted: u64,
    pub disruptive: u64,
    pub rto_zero: u64,
    pub unresolved: u64,
    pub lost_writes: u64,
    pub lost_bytes: u64,
    pub with_loss: u64,
    /// Absent in shards written before escalations existed: 0.
    #[serde(default)]
    pub escalated: u64,
    /// RPO and RTO over every incident of the class.
    pub all: RealisedState,
    /// RPO and RTO over the disruptive incidents.
    pub disruptive_only: RealisedState,
    /// Time without service charged to the class (ns, decimal u128).
    pub downtime_ns: String,
    /// Decimal u128.
    pub resync_sum_ns: String,
    /// base64 of the V2 serialisation.
    pub resync_ns: String,
    /// RTO components of the disruptive incidents.
    pub rto_components: ComponentsState,
}

/// RTO components in a [`ClassState`], in the order detection, decision,
/// execution, drain, wait.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentsState {
    /// Decimal u128 each.
    pub sum_ns: Vec<String>,
    /// base64 of the V2 serialisation each.
    pub ns: Vec<String>,
}

/// Realised RPO and RTO of a set of incidents in a [`ClassState`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealisedState {
    /// Decimal u128.
    pub rpo_sum_ns: String,
    /// Decimal u128.
    pub rto_sum_ns: String,
    /// base64 of the V2 serialisation.
    pub rpo_ns: String,
    /// base64 of the V2 serialisation.
    pub rto_ns: String,
}

/// Exact moments of integer samples: count, Σx (decimal u128) and Σx²
/// (hexadecimal 256-bit, `0x…`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MomentsState {
    pub n: u64,
    pub sum: String,
    pub sum_sq: String,
}

fn class_named(name: &str) -> Result<IncidentClass, StateError> {
    IncidentClass::from_name(name)
        .ok_or_else(|| StateError(format!("unknown incident class `{name}`")))
}

fn parse_u128(what: &str, text: &str) -> Result<u128, StateError> {
    text.parse()
        .map_err(|_| StateError(format!("{what}: `{text}` is not a decimal u128")))
}

/// base64 of the histogram's standard V2 serialisation (uncompressed).
fn encode_histogram(h: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2Serializer::new()
        .serialize(h, &mut bytes)
        .expect("a u64 histogram always serialises into memory (counts fit in i64)");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes a histogram written by [`encode_histogram`], adds its counts to
/// `into` and returns how many values it held. Histograms of another
/// precision are refused: adding them would re-bucket values and break
/// bit-equality with a single run.
fn add_encoded(into: &mut Histogram<u64>, what: &str, text: &str) -> Result<u64, StateError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| StateError(format!("histogram {what}: bad base64: {e}")))?;
    let h: Histogram<u64> = HdrDeserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| StateError(format!("histogram {what}: not a V2 HdrHistogram: {e:?}")))?;
    if h.sigfig() != HDR_SIGFIG || h.low() != 1 {
        return Err(StateError(format!(
            "histogram {what}: {} significant digits, lowest value {}; expected {HDR_SIGFIG} and 1",
            h.sigfig(),
            h.low()
        )));
    }
    into.add(&h)
        .map_err(|e| StateError(format!("histogram {what}: {e:?}")))?;
    Ok(h.len())
}

/// Exact first and second moments of non-negative integer samples
/// (nanoseconds, counts): n, Σx in 128 bits and Σx² in 256 bits, which
/// cannot overflow for fewer than 2^64 samples below 2^64. Sums are exact,
/// so any order of pushes and merges yields the same state, and the mean
/// and variance derived from it are the same bits on every path (the
/// variance numerator n·Σx² − (Σx)² = n·M2 is computed exactly before a
/// single rounding to f64, so it also never suffers Σx²-style cancellation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Moments {
    n: u64,
    sum: u128,
    sum_sq: U256,
}

impl Moments {
    fn push(&mut self, x: u64) {
        let x = u128::from(x);
        self.n += 1;
        self.sum += x;
        self.sum_sq = self.sum_sq.add(U256::from_u128(x * x));
    }

    /// Mean and spread of `x / scale` as a [`Welford`] (for [`Interval::of`]).
    fn welford(&self, scale: f64) -> Welford {
        if self.n == 0 {
            return Welford::new();
        }
        let n = self.n as f64;
        let mean = self.sum as f64 / n / scale;
        let n_m2 = self
            .sum_sq
            .mul(U256::from_u128(u128::from(self.n)))
            .sub(U256::from_u128(self.sum).mul(U256::from_u128(self.sum)));
        let m2 = n_m2.to_f64() / n / scale / scale;
        Welford::from_parts(self.n, mean, m2)
    }

    fn to_state(self) -> MomentsState {
        MomentsState {
            n: self.n,
            sum: self.sum.to_string(),
            sum_sq: self.sum_sq.to_hex(),
        }
    }

    fn absorb(&mut self, what: &str, s: &MomentsState) -> Result<(), StateError> {
        let sum = parse_u128(what, &s.sum)?;
        let sum_sq = U256::from_hex(&s.sum_sq).ok_or_else(|| {
            StateError(format!(
                "{what}: `{}` is not a 0x-prefixed 256-bit hex",
                s.sum_sq
            ))
        })?;
        self.n += s.n;
        self.sum += sum;
        self.sum_sq = self.sum_sq.add(sum_sq);
        Ok(())
    }
}

/// Just enough unsigned 256-bit arithmetic for [`Moments`]: little-endian
/// 64-bit limbs. Overflow is a logic error (bounds are documented on
/// `Moments`) and is checked in debug builds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct U256([u64; 4]);

impl U256 {
    fn from_u128(v: u128) -> U256 {
        U256([v as u64, (v >> 64) as u64, 0, 0])
    }

    fn add(self, o: U256) -> U256 {
        let mut r = [0u64; 4];
        let mut carry = false;
        for (i, limb) in r.iter_mut().enumerate() {
            let (s, c1) = self.0[i].overflowing_add(o.0[i]);
            let (s, c2) = s.overflowing_add(u64::from(carry));
            *limb = s;
            carry = c1 || c2;
        }
        debug_assert!(!carry, "U256 addition overflowed");
        U256(r)
    }

    fn sub(self, o: U256) -> U256 {
        let mut r = [0u64; 4];
        let mut borrow = false;
        for (i, limb) in r.iter_mut().enumerate() {
            let (d, b1) = self.0[i].overflowing_sub(o.0[i]);
            let (d, b2) = d.overflowing_sub(u64::from(borrow));
            *limb = d;
            borrow = b1 || b2;
        }
        debug_assert!(!borrow, "U256 subtraction went negative");
        U256(r)
    }

    fn mul(self, o: U256) -> U256 {
        let mut r = [0u64; 8];
        for i in 0..4 {
            let mut carry = 0u128;
            for j in 0..4 {
                // (2^64−1)² + 2·(2^64−1) = 2^128 − 1: never overflows.
                let t = u128::from(self.0[i]) * u128::from(o.0[j]) + u128::from(r[i + j]) + carry;
                r[i + j] = t as u64;
                carry = t >> 64;
            }
            r[i + 4] = carry as u64;
        }
        debug_assert!(r[4..].iter().all(|&l| l == 0), "U256 product overflowed");
        U256([r[0], r[1], r[2], r[3]])
    }

    /// Correctly rounded (to nearest, ties to even) conversion.
    fn to_f64(self) -> f64 {
        let lo = u128::from(self.0[0]) | (u128::from(self.0[1]) << 64);
        let hi = u128::from(self.0[2]) | (u128::from(self.0[3]) << 64);
        if hi == 0 {
            return lo as f64;
        }
        // Keep the top 128 bits, folding every bit shifted out into a sticky
        // low bit: 128 ≫ 53 + 2 bits, so the one rounding below is exact-correct.
        let shift = 128 - hi.leading_zeros();
        let top = if shift == 128 {
            hi
        } else {
            (hi << (128 - shift)) | (lo >> shift)
        };
        let dropped = if shift == 128 {
            lo
        } else {
            lo & ((1u128 << shift) - 1)
        };
        let sticky = u128::from(dropped != 0);
        (top | sticky) as f64 * f64::from_bits(u64::from(1023 + shift) << 52)
    }

    fn to_hex(self) -> String {
        format!(
            "0x{:016x}{:016x}{:016x}{:016x}",
            self.0[3], self.0[2], self.0[1], self.0[0]
        )
    }

    fn from_hex(text: &str) -> Option<U256> {
        let digits = text.strip_prefix("0x")?;
        if digits.is_empty() || digits.len() > 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        let padded = format!("{digits:0>64}");
        let mut limbs = [0u64; 4];
        for (i, limb) in limbs.iter_mut().enumerate() {
            let start = 64 - 16 * (i + 1);
            *limb = u64::from_str_radix(&padded[start..start + 16], 16).ok()?;
        }
        Some(U256(limbs))
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
    /// Fraction of time writes were served, mean over replications with a 95% t-interval.
    pub availability: Interval,
    /// Seconds without service per replication.
    pub downtime_s: Interval,
    pub incidents_per_run: Interval,
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
    /// 1 − downtime / horizon, the downtime being the union of the intervals.
    pub availability: f64,
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
    /// none. The five means add up to `disruptive_rto_s.mean`.
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
    /// A drill's drain, or the last batch in flight before a switch back.
    pub drain_s: ComponentStats,
    /// Waiting for a zone, a quorum or the region, or for a restore.
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

impl Summary {
    /// Targets that were missed.
    pub fn missed_targets(&self) -> impl Iterator<Item = &TargetResult> {
        self.targets.iter().filter(|t| !t.met)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Arithmetic identities, hex round trip, and the rounding of `to_f64`
    /// at a tie (values chosen so the exact answer is known).
    #[test]
    fn u256_arithmetic_and_rounding() {
        let a = U256::from_u128(u128::MAX);
        let sq = a.mul(a); // (2^128 − 1)² = 2^256 − 2^129 + 1
        assert_eq!(sq.0, [1, 0, u64::MAX - 1, u64::MAX]);
        assert_eq!(sq.sub(sq), U256::default());
        assert_eq!(sq.sub(U256::from_u128(1)).add(U256::from_u128(1)), sq);
        assert_eq!(U256::from_hex(&sq.to_hex()), Some(sq));
        assert_eq!(U256::from_hex("0x1f"), Some(U256::from_u128(31)));
        assert_eq!(U256::from_hex("1f"), None);
        assert_eq!(U256::from_hex("0x"), None);
        assert_eq!(U256::from_hex("0xg"), None);
        // Rounding: 2^200 + 2^147 is a tie between 2^200 and 2^200 + 2^148
        // (53-bit mantissa): ties to even → 2^200. One more unit anywhere
        // below breaks the tie upwards (the sticky bit).
        let p200 = U256([0, 0, 0, 1 << 8]);
        let tie = p200.add(U256([0, 0, 1 << 19, 0]));
        assert_eq!(tie.to_f64(), 2f64.powi(200));
        let above = tie.add(U256::from_u128(1));
        assert_eq!(above.to_f64(), 2f64.powi(200) + 2f64.powi(148));
        assert_eq!(U256::from_u128(12345).to_f64(), 12345.0);
        assert_eq!(sq.to_f64(), 2f64.powi(256));
    }

    use crate::incident::DowntimeSpan;
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

    /// It stopped writes for `rto_s`, all of it charged to it.
    pub(crate) fn interrupting(mut i: Incident, rto_s: u64) -> Incident {
        i.interruption_start_ns = Some(i.start_ns);
        i.interruption_end_ns = Some(i.start_ns + rto_s * S);
        i.rto_ns = rto_s * S;
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
        ReplicationOutcome {
            run: 0,
            incidents,
            served_ns: horizon_ns - down.iter().map(|(a, b)| b - a).sum::<u64>(),
            horizon_ns,
            interruptions: 0,
            commit_latencies_ns: vec![],
            lag_samples_ns: vec![],
            lag_at_horizon_ns: None,
            seeding_ns: None,
            dr_active_ns: 0,
            refused: vec![],
            downtime,
            events: 0,
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
            assert_eq!(svc.availability, 0.0, "{}", svc.name);
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
        assert_eq!(s.downtime_s.mean, 40.0);
        assert_eq!(s.classes["region"].downtime_s_per_run, 20.0);
        let r = s.classes["failback"].resync_s.as_ref().unwrap();
        assert_eq!((r.count, r.mean), (2, 200.0));
        assert!(s.classes["region"].resync_s.is_none());
    }

    pub(crate) fn mixed_outcomes(sc: &Scenario) -> Vec<ReplicationOutcome> {
        let mut joined = incident(2, IncidentClass::Region, 30);
        joined.overlaps = Some(0);
        joined.rto_ns = 70 * S;
        joined.downtime_ns = 60 * S;
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

    /// A state whose counters contradict its histograms, or that counts an
    /// unknown operation or a zero, is refused.
    #[test]
    fn absorb_refuses_inconsistent_new_totals() {
        let sc = scenario(vec![], &[]);
        let mut agg = Aggregator::new(&sc);
        mixed_outcomes(&sc).iter().for_each(|o| agg.add(o));
        let good = agg.to_state();
        let refuse = |change: &dyn Fn(&mut AggregatorState), needle: &str| {
            let mut bad = good.clone();
            change(&mut bad);
            let e = Aggregator::new(&sc).absorb(&bad).unwrap_err().0;
            assert!(e.contains(needle), "{e}");
        };
        refuse(
            &|s| {
                let zone = s.classes.get_mut("zone").unwrap();
                zone.disruptive = 1;
                zone.interrupted = 1;
            },
            "zone.disruptive_only.rpo_ns holds 2 incidents, its counter 1",
        );
        refuse(
            &|s| s.classes.get_mut("zone").unwrap().disruptive = 9,
            "≤ 9 disruptive ≤ 3 incidents",
        );
        refuse(
            &|s| {
                s.refused
                    .insert("enabel".into(), BTreeMap::from([("x".into(), 1)]));
            },
            "unknown operation `enabel`",
        );
        refuse(
            &|s| {
                s.refused
                    .get_mut("drill")
                    .unwrap()
                    .insert("seeding".into(), 0);
            },
            "needs a reason and a positive count",
        );
        refuse(
            &|s| s.classes.get_mut("zone").unwrap().downtime_ns = "-1".into(),
            "zone.downtime_ns",
        );
    }

    /// The components' means over the disruptive incidents add up to their
    /// mean RTO; p99 per component; the state carries them through a merge
    /// and refuses histograms that disagree with the disruptive count.
    #[test]
    fn rto_components_add_up_and_survive_a_merge() {
        let sc = scenario(vec![], &[]);
        let with_parts = |rto_s: u64, parts: [u64; 5]| {
            let mut i = interrupting(incident(0, IncidentClass::Zone, 10), rto_s);
            [
                i.detection_ns,
                i.decision_ns,
                i.execution_ns,
                i.drain_ns,
                i.wait_ns,
            ] = parts.map(|p| p * S);
            i
        };
        let a = outcome(&sc, vec![with_parts(10, [3, 0, 7, 0, 0])], &[(10, 20, 0)]);
        let mut b = outcome(
            &sc,
            vec![with_parts(100, [3, 0, 47, 0, 50])],
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
            c.drain_s,
            c.wait_s,
        ]
        .map(|x| x.mean_s);
        assert_eq!(means, [3.0, 0.0, 27.0, 0.0, 25.0]);
        assert!((means.iter().sum::<f64>() - zone.disruptive_rto_s.mean).abs() < 1e-9);
        assert!((c.wait_s.p99_s - 50.0).abs() < 0.1 && (c.execution_s.p99_s - 47.0).abs() < 0.1);
        let mut bad = whole.to_state();
        bad.classes.get_mut("zone").unwrap().rto_components.ns.pop();
        let e = Aggregator::new(&sc).absorb(&bad).unwrap_err().0;
        assert!(e.contains("expected 5 components"), "{e}");
    }

    #[test]
    fn moments_match_welford_and_are_order_independent() {
        let xs: Vec<u64> = (0..1000u64)
            .map(|i| (i * 7919 % 1000) * 1_000_000_007)
            .collect();
        let mut fwd = Moments::default();
        xs.iter().for_each(|&x| fwd.push(x));
        let mut rev = Moments::default();
        xs.iter().rev().for_each(|&x| rev.push(x));
        assert_eq!(fwd, rev);
        let mut halves = Moments::default();
        let mut second = Moments::default();
        xs[..333].iter().for_each(|&x| halves.push(x));
        xs[333..].iter().for_each(|&x| second.push(x));
        halves.absorb("x", &second.to_state()).unwrap();
        assert_eq!(halves, fwd);

        let mut w = Welford::new();
        xs.iter().for_each(|&x| w.push(x as f64 / 1e9));
        let e = fwd.welford(1e9);
        assert_eq!(e.count(), w.count());
        assert!((e.mean() - w.mean()).abs() <= 1e-12 * w.mean().abs());
        assert!((e.variance() - w.variance()).abs() <= 1e-10 * w.variance());
        assert_eq!(Moments::default().welford(1e9), Welford::new());
    }
}
