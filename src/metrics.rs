//! Aggregation across replications: HDR histograms for the quantiles,
//! Welford accumulators for means with t-intervals over replications, exact
//! counts for the target checks. Fed in replication-index order, so the
//! result is identical whatever the thread count.

use crate::incident::{Incident, IncidentClass, Metric};
use crate::model::ReplicationOutcome;
use crate::scenario::{Scenario, Target};
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
    /// Incidents meeting each target, parallel to `targets`.
    targets_met: Vec<u64>,
    classes: BTreeMap<IncidentClass, ClassTotals>,
    availability: Welford,
    downtime_s: Welford,
    incidents_per_run: Welford,
    commit_latency_ns: Histogram<u64>,
    runs: u64,
    events: u64,
}

impl Aggregator {
    pub fn new(scenario: &Scenario) -> Self {
        Aggregator {
            targets: scenario.targets.clone(),
            targets_met: vec![0; scenario.targets.len()],
            classes: BTreeMap::new(),
            availability: Welford::new(),
            downtime_s: Welford::new(),
            incidents_per_run: Welford::new(),
            commit_latency_ns: histogram(),
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
        for inc in &outcome.incidents {
            self.add_incident(inc);
        }
    }

    fn add_incident(&mut self, inc: &Incident) {
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
        }
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
