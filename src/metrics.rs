//! Aggregation across replications: HDR histograms for the quantiles,
//! Welford accumulators for means with t-intervals over replications, exact
//! counts for the target checks. Fed in replication-index order, so the
//! result is identical whatever the thread count.

use crate::incident::{Incident, IncidentClass, Metric};
use crate::model::ReplicationOutcome;
use crate::scenario::{Capacity, Scenario, Service, ServiceBehaviour, Target};
use crate::stats::{MeanCi, Welford};
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the `summary.json` layout; bump it when a key changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

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

/// Running totals of one incident class.
#[derive(Clone)]
struct ClassTotals {
    incidents: u64,
    interrupted: u64,
    unresolved: u64,
    lost_writes: u64,
    lost_bytes: u64,
    with_loss: u64,
    rpo_ns: Histogram<u64>,
    rto_ns: Histogram<u64>,
    rpo_sum_ns: u128,
    rto_sum_ns: u128,
}

impl ClassTotals {
    fn new() -> Self {
        ClassTotals {
            incidents: 0,
            interrupted: 0,
            unresolved: 0,
            lost_writes: 0,
            lost_bytes: 0,
            with_loss: 0,
            rpo_ns: histogram(),
            rto_ns: histogram(),
            rpo_sum_ns: 0,
            rto_sum_ns: 0,
        }
    }
}

/// Accumulates replications into a [`Summary`].
pub struct Aggregator {
    targets: Vec<Target>,
    services: Vec<Service>,
    capacity: Capacity,
    horizon_s: f64,
    /// Incidents meeting each target, parallel to `targets`.
    targets_met: Vec<u64>,
    classes: BTreeMap<IncidentClass, ClassTotals>,
    availability: Welford,
    downtime_s: Welford,
    incidents_per_run: Welford,
    commit_latency_ns: Histogram<u64>,
    lag_ns: Histogram<u64>,
    lag_at_horizon_s: Welford,
    seeding_ns: Histogram<u64>,
    loss_window_ns: Histogram<u64>,
    shown_loss_ns: Histogram<u64>,
    catch_up_ns: Histogram<u64>,
    decisions: BTreeMap<&'static str, u64>,
    dr_active_s: Welford,
    refused_operations: u64,
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
            targets_met: vec![0; scenario.targets.len()],
            classes: BTreeMap::new(),
            availability: Welford::new(),
            downtime_s: Welford::new(),
            incidents_per_run: Welford::new(),
            commit_latency_ns: histogram(),
            lag_ns: histogram(),
            lag_at_horizon_s: Welford::new(),
            seeding_ns: histogram(),
            loss_window_ns: histogram(),
            shown_loss_ns: histogram(),
            catch_up_ns: histogram(),
            decisions: BTreeMap::new(),
            dr_active_s: Welford::new(),
            refused_operations: 0,
            service_downtime_ns: vec![BTreeMap::new(); scenario.services.len()],
            runs: 0,
            events: 0,
        }
    }

    /// Adds one replication. Call in replication-index order.
    pub fn add(&mut self, outcome: &ReplicationOutcome) {
        self.runs += 1;
        self.events += outcome.events;
        self.availability.push(outcome.availability());
        self.downtime_s.push(outcome.downtime_ns() as f64 / 1e9);
        self.incidents_per_run.push(outcome.incidents.len() as f64);
        for &l in &outcome.commit_latencies_ns {
            record(&mut self.commit_latency_ns, l);
        }
        for &l in &outcome.lag_samples_ns {
            record(&mut self.lag_ns, l);
        }
        if let Some(l) = outcome.lag_at_horizon_ns {
            self.lag_at_horizon_s.push(l as f64 / 1e9);
        }
        if let Some(s) = outcome.seeding_ns {
            record(&mut self.seeding_ns, s);
        }
        self.dr_active_s.push(outcome.dr_active_ns as f64 / 1e9);
        self.refused_operations += u64::from(outcome.refused_operations);
        for inc in &outcome.incidents {
            self.add_incident(inc, outcome.horizon_ns);
        }
    }

    fn add_incident(&mut self, inc: &Incident, horizon_ns: u64) {
        if inc.class == IncidentClass::Region {
            if let Some(d) = inc.decision {
                *self.decisions.entry(d).or_insert(0) += 1;
            }
            if let Some(sync) = inc.last_sync_ns {
                record(&mut self.loss_window_ns, inc.start_ns.saturating_sub(sync));
            }
            if let Some(shown) = inc.shown_loss_ns {
                record(&mut self.shown_loss_ns, shown);
            }
        }
        if let Some(c) = inc.catch_up_ns {
            record(&mut self.catch_up_ns, c);
        }
        for (svc, downtime) in self
            .services
            .iter()
            .zip(self.service_downtime_ns.iter_mut())
        {
            *downtime.entry(inc.class).or_insert(0) +=
                u128::from(service_downtime_ns(svc.behaviour, inc, horizon_ns));
        }
        let c = self
            .classes
            .entry(inc.class)
            .or_insert_with(ClassTotals::new);
        c.incidents += 1;
        c.interrupted += u64::from(inc.interruption_start_ns.is_some());
        c.unresolved += u64::from(inc.recovery == "unresolved");
        c.lost_writes += inc.lost_writes;
        c.lost_bytes += inc.lost_bytes;
        c.with_loss += u64::from(inc.lost_writes > 0);
        record(&mut c.rpo_ns, inc.rpo_ns);
        record(&mut c.rto_ns, inc.rto_ns);
        c.rpo_sum_ns += u128::from(inc.rpo_ns);
        c.rto_sum_ns += u128::from(inc.rto_ns);
        for (t, met) in self.targets.iter().zip(self.targets_met.iter_mut()) {
            let value = match t.metric {
                Metric::Rpo => inc.rpo_ns,
                Metric::Rto => inc.rto_ns,
            };
            if t.class == inc.class && value <= t.value.0 {
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
            .map(|(class, c)| {
                (
                    class.name().to_string(),
                    ClassSummary {
                        incidents: c.incidents,
                        interrupted: c.interrupted,
                        rto_zero: c.incidents - c.interrupted,
                        unresolved_at_horizon: c.unresolved,
                        with_loss: c.with_loss,
                        lost_writes: c.lost_writes,
                        lost_bytes: c.lost_bytes,
                        rpo_s: Quantiles::of(&c.rpo_ns, c.rpo_sum_ns, c.incidents),
                        rto_s: Quantiles::of(&c.rto_ns, c.rto_sum_ns, c.incidents),
                    },
                )
            })
            .collect();
        let targets = self
            .targets
            .iter()
            .zip(&self.targets_met)
            .map(|(t, &met)| {
                let totals = self.classes.get(&t.class);
                let n = totals.map_or(0, |c| c.incidents);
                let observed_ns = totals.map(|c| {
                    let h = match t.metric {
                        Metric::Rpo => &c.rpo_ns,
                        Metric::Rto => &c.rto_ns,
                    };
                    quantile_ns(h, t.quantile)
                });
                let share = if n == 0 { 1.0 } else { met as f64 / n as f64 };
                TargetResult {
                    class: t.class.name().to_string(),
                    metric: t.metric.name().to_string(),
                    target_s: t.value.as_secs_f64(),
                    quantile: t.quantile,
                    observed_s: observed_ns.map(|ns| ns as f64 / 1e9),
                    incidents: n,
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
            availability: Interval::of(&self.availability),
            downtime_s: Interval::of(&self.downtime_s),
            incidents_per_run: Interval::of(&self.incidents_per_run),
            commit_latency_s: Quantiles::of_samples(&self.commit_latency_ns),
            targets,
            replication_lag_s: (!self.lag_ns.is_empty())
                .then(|| Quantiles::of_samples(&self.lag_ns)),
            lag_at_horizon_s: (self.lag_at_horizon_s.count() > 0)
                .then(|| Interval::of(&self.lag_at_horizon_s)),
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
            refused_operations: self.refused_operations,
            capacity: self.capacity_summary(),
            services: self.service_summaries(),
        }
    }

    /// GB-months per replication: the primary holds its data all along, the
    /// paired region a second copy while DR is on (the seed: the secondary
    /// doubles consumption).
    fn capacity_summary(&self) -> CapacitySummary {
        let months = self.horizon_s / SECONDS_PER_MONTH;
        let dr_months = self.dr_active_s.mean() / SECONDS_PER_MONTH;
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
            dr_active_s: Interval::of(&self.dr_active_s),
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

/// A month for GB-month accounting: 365 d / 12.
const SECONDS_PER_MONTH: f64 = 365.0 * 86_400.0 / 12.0;

/// How long `behaviour` keeps a service down during `incident`: a service
/// that fails over is down exactly while the environment is; one that waits
/// for the primary region is down for the whole region outage (to the
/// horizon if unrepaired), however quickly the environment failed over.
fn service_downtime_ns(behaviour: ServiceBehaviour, incident: &Incident, horizon_ns: u64) -> u64 {
    let waits_for_primary = matches!(
        behaviour,
        ServiceBehaviour::UnavailableUntilPrimary | ServiceBehaviour::NotSupported
    );
    if waits_for_primary && incident.class == IncidentClass::Region {
        incident
            .end_ns
            .unwrap_or(horizon_ns)
            .saturating_sub(incident.start_ns)
            .max(incident.rto_ns)
    } else {
        incident.rto_ns
    }
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
    /// Lifecycle operations refused (disable while failed over, drill while seeding, ...).
    pub refused_operations: u64,
    pub capacity: CapacitySummary,
    pub services: Vec<ServiceSummary>,
}

/// What the emergency response saw and decided.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Emergency {
    /// Count of each decision taken on region outages (`failover`,
    /// `wait-policy`, `wait-no-dr`, `wait-seeding`, `region-returned-first`,
    /// `failover-failed-no-vnet-pair`).
    pub decisions: BTreeMap<String, u64>,
    /// Region outages under DR: failure time minus last sync time (seconds).
    pub loss_window_s: Option<Quantiles>,
    /// Data loss shown to the operator at the decision: now minus last sync (seconds).
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
    /// Mean downtime per replication (seconds), per incident class.
    pub downtime_s_per_run: BTreeMap<String, f64>,
    /// 1 − downtime / horizon (overlapping incidents counted once each).
    pub availability: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ClassSummary {
    pub incidents: u64,
    /// Incidents that stopped writes.
    pub interrupted: u64,
    /// Incidents with RTO 0 (service never stopped because of them).
    pub rto_zero: u64,
    /// Incidents whose interruption was still open at the horizon (RTO censored).
    pub unresolved_at_horizon: u64,
    /// Incidents that lost at least one acknowledged write.
    pub with_loss: u64,
    pub lost_writes: u64,
    pub lost_bytes: u64,
    /// Realised RPO per incident (seconds).
    pub rpo_s: Quantiles,
    /// Realised RTO per incident (seconds).
    pub rto_s: Quantiles,
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
    pub target_s: f64,
    /// Share of incidents that must meet the target.
    pub quantile: f64,
    /// The `quantile` of the realised metric; `null` when the class had no incident.
    pub observed_s: Option<f64>,
    pub incidents: u64,
    /// Share of incidents whose realised metric was at most the target.
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
