//! Guards around a run: refuse scenarios whose cost would explode before
//! running them ([`check`]), check that results are reproducible
//! ([`verify_determinism`]), and turn Ctrl-C into a clean partial run
//! ([`install_ctrlc`]).
//!
//! # Cost estimate
//!
//! A replication's cost is its events (failures, repairs, elections, DR
//! steps; writes only in exact fidelity), and its memory is its incidents:
//! every incident record (and its formatted CSV row) of two
//! [`runner::CHUNK`]s of replications is in memory at once. Both follow from the scenario's mean
//! rates: a renewal process (up for `time_between`, down for `duration`)
//! has about `horizon / (mean up + mean down)` cycles. The estimate is an
//! order of magnitude, calibrated on the bundled scenarios (a test keeps it
//! within a factor of 2 of the measured event counts); the limits are far
//! from anything a normal scenario needs, so only runaway inputs (a
//! millisecond failure process, 10¹² runs, exact fidelity over a year at
//! 10⁵ writes/s) are refused, with the estimate and the override.

use crate::incident::{Incident, IncidentClass};
use crate::model::{exact_event_estimate, ReplicationOutcome};
use crate::runner::{self, run_replication};
use crate::scenario::{FailureProcess, Fidelity, OperationKind, Scenario};
use rayon::prelude::*;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The command-line option that lifts the limits.
pub const OVERRIDE_OPTION: &str = "--allow-large";

/// Events a replication costs even when nothing fails: eleven generator
/// set-ups and 32 latency samples, about as much work as this many events.
pub const REPLICATION_OVERHEAD_EVENTS: f64 = 32.0;

/// Events per zone outage: the failure, the repair, and on average the
/// elections, resyncs and reconciliations it causes (34.4 events for 10.16
/// incidents per replication of the reference scenario).
const EVENTS_PER_ZONE_OUTAGE: f64 = 3.4;
/// Events per region outage: outage, repair, and the DR response (decision,
/// failover, failback start, resync back, switch back) when DR exists.
const EVENTS_PER_REGION_OUTAGE: f64 = 2.0;
const EVENTS_PER_REGION_OUTAGE_WITH_DR: f64 = 7.0;
/// Events per outage of the paired region: outage and repair (what it
/// stops or holds up is re-planned within those events).
const EVENTS_PER_PAIRED_OUTAGE: f64 = 2.0;
/// Events per link partition or degradation: start and repair.
const EVENTS_PER_LINK_INCIDENT: f64 = 2.0;
/// Events per scheduled incident: start, repair and a failover step.
const EVENTS_PER_SCHEDULED: f64 = 3.0;

/// Memory of one incident record: the struct plus its heap (scope name),
/// doubled for vector growth (capacity doubles) and the allocator.
/// Calibrated by `tests/guard_memory.rs`: 100 replications of 30 days with
/// zones failing every 10 minutes (about 11,000 incidents each) peak at
/// about 900 MiB resident.
fn incident_bytes() -> f64 {
    2.0 * (std::mem::size_of::<Incident>() as f64 + 32.0)
}

/// Memory of a replication outcome apart from its incidents.
fn outcome_bytes() -> f64 {
    std::mem::size_of::<ReplicationOutcome>() as f64 + 2.0 * 32.0 * 8.0
}

/// Binary, histograms, CSV buffers, thread stacks: the floor of a run
/// (measured: 31 MiB resident for 20 replications on 2 threads).
const BASE_MEMORY_BYTES: f64 = 32.0 * 1024.0 * 1024.0;

/// Bytes per `runs.csv` row and per `incidents.csv` row (disk, not memory).
const RUN_ROW_BYTES: f64 = 110.0;
const INCIDENT_ROW_BYTES: f64 = 130.0;

/// What a run of a scenario is expected to cost.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    pub runs: u64,
    /// Scheduler events per replication (what `runs.csv`'s `events` counts),
    /// including the per-write events of exact fidelity.
    pub events_per_run: f64,
    /// Incident records per replication.
    pub incidents_per_run: f64,
    /// Total work in events: `runs × (events_per_run + REPLICATION_OVERHEAD_EVENTS)`.
    pub events: f64,
    /// Exact fidelity: bytes of unapplied writes one replication may hold.
    pub write_backlog_bytes: f64,
    /// Replications in memory at once (their outcomes, until folded).
    pub replications_in_memory: u64,
    /// Peak resident memory (bytes): the incidents of one chunk of
    /// replications, the exact-fidelity write backlogs of the replications
    /// in flight, and a fixed floor. Does not grow with `runs`: outcomes
    /// are streamed.
    pub peak_memory_bytes: f64,
    /// Size of `runs.csv` + `incidents.csv` (disk).
    pub output_bytes: f64,
}

/// The largest run accepted without the override.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Total events (default 10¹¹: hours of CPU on a laptop).
    pub max_events: f64,
    /// Peak memory in bytes (default 4 GiB).
    pub max_memory_bytes: f64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_events: 1e11,
            max_memory_bytes: 4.0 * 1024.0 * 1024.0 * 1024.0,
        }
    }
}

impl Limits {
    /// No limit (what the override selects).
    pub fn unlimited() -> Limits {
        Limits {
            max_events: f64::INFINITY,
            max_memory_bytes: f64::INFINITY,
        }
    }
}

/// A run refused before it started.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct GuardError {
    pub scenario: String,
    /// Boxed: keeps the `Err` small (clippy::result_large_err).
    pub estimate: Box<Estimate>,
    pub limits: Limits,
    /// One line per exceeded limit.
    pub reasons: Vec<String>,
}

impl fmt::Display for GuardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "refusing to run `{}`: it would not finish or not fit in memory",
            self.scenario
        )?;
        for r in &self.reasons {
            writeln!(f, "  {r}")?;
        }
        write!(
            f,
            "  (estimates from the scenario's mean rates; lower simulation.runs or the horizon, or \
             pass {OVERRIDE_OPTION} to run it anyway)"
        )
    }
}

/// Renewal cycles of `p` over `horizon_s` (a zero mean counts as 1 ns).
fn cycles(p: &FailureProcess, horizon_s: f64) -> f64 {
    let cycle = (p.time_between.mean_secs() + p.duration.mean_secs()).max(1e-9);
    horizon_s / cycle
}

/// One source of scheduler events in a replication: how often it occurs
/// and what each occurrence costs in events and incident records.
struct Source {
    occurrences: f64,
    events_each: f64,
    incidents_each: f64,
}

/// Every source of scheduler events of a replication (exact fidelity's
/// per-write events apart): the one place to add a source when the model
/// schedules a new kind of event. Each `model::Event` variant belongs to
/// one of them:
///
/// - random zone outages: `RandomZoneFailure`, `ZoneRepair`,
///   `ElectionDone`, `ResyncDone`, `TicketResolved`;
/// - their escalations: `Escalation`, then the region outage it starts;
/// - home region outages: `RandomRegionOutage`, `RegionRepair`, the
///   emergency's and the switch back's `DrTimer`/`DrWorkDone`, and
///   `RestoreDone` when a destroyed region is restored at a bandwidth;
/// - paired region outages: `RandomPairedOutage`, `PairedRepair`;
/// - link incidents: `RandomLinkIncident`, `LinkRepair`;
/// - operations: `Operation`, and the seeding's and drills' `DrTimer`/`DrWorkDone`;
/// - scheduled incidents: `Scheduled` and what follows it.
fn sources(sc: &Scenario) -> Vec<Source> {
    let horizon_s = sc.simulation.horizon.as_secs_f64();
    let dr = sc.dr.is_some();
    // A region outage and what it sets off (with DR, a failback incident too).
    let region = |destroy_probability: f64| Source {
        occurrences: 0.0,
        events_each: if dr {
            EVENTS_PER_REGION_OUTAGE_WITH_DR
        } else {
            EVENTS_PER_REGION_OUTAGE
                + destroy_probability
                    * f64::from(u8::from(sc.environment.restore_bandwidth.is_some()))
        },
        incidents_each: if dr { 2.0 } else { 1.0 },
    };
    // Zones of both regions fail (the paired region's with a link).
    let zone_outages: f64 = sc
        .zone_failures
        .iter()
        .chain(&sc.paired_zone_failures)
        .flatten()
        .map(|p| cycles(p, horizon_s))
        .sum();
    let mut all = vec![Source {
        occurrences: zone_outages,
        events_each: EVENTS_PER_ZONE_OUTAGE + sc.correlated_zone_probability,
        incidents_each: 1.0,
    }];
    if let Some(e) = &sc.zone_escalation {
        // Counted as if every drawn escalation found its zone still down
        // (an upper bound): the `Escalation` event and a region outage.
        let outage = region(0.0);
        all.push(Source {
            occurrences: zone_outages * e.probability,
            events_each: 1.0 + outage.events_each,
            incidents_each: outage.incidents_each,
        });
    }
    if let Some(r) = &sc.region_failures {
        let occurrences = match r.conditioned {
            Some(_) => 1.0,
            None => cycles(&r.process, horizon_s),
        };
        all.push(Source {
            occurrences,
            ..region(r.destroy_probability)
        });
    }
    if let Some(p) = &sc.paired_region_failures {
        all.push(Source {
            occurrences: cycles(&p.process, horizon_s),
            events_each: EVENTS_PER_PAIRED_OUTAGE,
            incidents_each: 1.0,
        });
    }
    for p in sc
        .link_failures
        .iter()
        .chain(sc.link_degradation.iter().map(|d| &d.process))
    {
        all.push(Source {
            occurrences: cycles(p, horizon_s),
            events_each: EVENTS_PER_LINK_INCIDENT,
            incidents_each: 1.0,
        });
    }
    for op in &sc.operations {
        let left = sc.simulation.horizon.0.saturating_sub(op.at.0) as f64;
        let (events_each, incidents_each) = match op.kind {
            OperationKind::Enable => (2.0, 0.0),
            OperationKind::Drill => (5.0, 2.0),
            OperationKind::Disable => (1.0, 0.0),
        };
        all.push(Source {
            occurrences: match op.every {
                Some(every) => 1.0 + (left / every.0.max(1) as f64).floor(),
                None => 1.0,
            },
            events_each,
            incidents_each,
        });
    }
    all.push(Source {
        occurrences: sc.scheduled.len() as f64,
        events_each: EVENTS_PER_SCHEDULED,
        incidents_each: 1.0,
    });
    all
}

/// Expected cost of running `sc` as it stands (after any `--runs` override).
pub fn estimate(sc: &Scenario) -> Estimate {
    let runs = sc.simulation.runs;
    let (mut events, mut incidents) = (0.0, 0.0);
    for s in sources(sc) {
        events += s.occurrences * s.events_each;
        incidents += s.occurrences * s.incidents_each;
    }

    let mut backlog_bytes = 0.0;
    if sc.simulation.fidelity == Fidelity::Exact && runs > 0 {
        events += exact_fidelity_events(sc) / runs as f64;
        backlog_bytes = exact_backlog_bytes(sc);
    }

    // Two chunks live at once (one folded while the next is simulated),
    // each outcome with its CSV rows already formatted.
    let in_memory = runs.min(2 * runner::CHUNK);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    Estimate {
        runs,
        events_per_run: events,
        incidents_per_run: incidents,
        events: runs as f64 * (events + REPLICATION_OVERHEAD_EVENTS),
        write_backlog_bytes: backlog_bytes,
        replications_in_memory: in_memory,
        peak_memory_bytes: BASE_MEMORY_BYTES
            + in_memory as f64
                * (outcome_bytes()
                    + RUN_ROW_BYTES
                    + incidents * (incident_bytes() + INCIDENT_ROW_BYTES))
            + threads.min(runs as f64) * backlog_bytes,
        output_bytes: runs as f64 * (RUN_ROW_BYTES + incidents * INCIDENT_ROW_BYTES),
    }
}

/// Events of exact fidelity for the whole run: the model's own estimate
/// (writes × events per write + batches × events per batch).
fn exact_fidelity_events(sc: &Scenario) -> f64 {
    exact_event_estimate(sc)
}

/// Bytes the exact link costs per unapplied write at its high-water mark:
/// the commit instant (8 bytes) in a `VecDeque` whose capacity doubles as it
/// grows (up to 2 × 8), the old buffer while it grows (8), and the copy of
/// the link that `caught_up_at` / `drained_at` look ahead on (8). Measured:
/// 18 million writes held peaked at 540 MiB above the floor (30 bytes each).
const EXACT_BYTES_PER_HELD_WRITE: f64 = 32.0;

/// Bytes the exact link keeps per unapplied batch (its record, doubled for
/// the same reason).
const EXACT_BYTES_PER_HELD_BATCH: f64 = 2.0 * 40.0;

/// Exact fidelity streams writes through send and apply
/// (`model::exact`), so a replication holds the writes committed and not yet
/// applied at the worst cut: the open batch (`T`), the send of a batch, the
/// one-way delay and the apply delay's tail (its 1 − 10⁻⁶ quantile), plus
/// the backlog of a link that stops (a long partition, three times the mean
/// duration) or is offered more than its bandwidth (the excess over the
/// horizon). Bytes per replication in flight.
fn exact_backlog_bytes(sc: &Scenario) -> f64 {
    let held_s = exact_backlog_seconds(sc);
    let (Some(cr), Some(_)) = (sc.cross_region.as_ref(), sc.dr.as_ref()) else {
        return 0.0;
    };
    let batches = held_s / cr.batch_interval.as_secs_f64().max(1e-9) + 2.0;
    EXACT_BYTES_PER_HELD_WRITE * sc.workload.write_rate * held_s
        + EXACT_BYTES_PER_HELD_BATCH * batches
}

/// Seconds of writes the exact link may hold at once (see
/// [`exact_backlog_bytes`]); 0 without a link or DR.
fn exact_backlog_seconds(sc: &Scenario) -> f64 {
    let (Some(cr), Some(_)) = (sc.cross_region.as_ref(), sc.dr.as_ref()) else {
        return 0.0;
    };
    let horizon_s = sc.simulation.horizon.as_secs_f64();
    let rate = sc.workload.write_rate;
    let size = sc.workload.write_size.max(1) as f64;
    let drained = cr.bandwidth / size;
    let overload_s = if rate > drained {
        horizon_s * (1.0 - drained / rate)
    } else {
        0.0
    };
    // Seconds of writes a span of `d` s at bandwidth factor `f` leaves
    // unsent: all of them when partitioned, the excess over the reduced
    // bandwidth when degraded.
    let stalled = |d: f64, f: f64| {
        if rate > drained * f {
            d * (1.0 - drained * f / rate)
        } else {
            0.0
        }
    };
    // A long random partition or degradation: a few times the mean (the
    // tail of the durations); a scheduled one: its duration.
    let random = sc
        .link_failures
        .iter()
        .map(|p| stalled(3.0 * p.duration.mean_secs(), 0.0))
        .chain(
            sc.link_degradation
                .iter()
                .map(|d| stalled(3.0 * d.process.duration.mean_secs(), d.bandwidth_factor)),
        );
    let scheduled = sc
        .scheduled
        .iter()
        .filter(|s| s.class == IncidentClass::Link)
        .map(|s| stalled(s.duration.as_secs_f64(), s.bandwidth_factor));
    let partition_s = random.chain(scheduled).fold(0.0, f64::max).min(horizon_s);
    let batch_s = cr.batch_interval.as_secs_f64();
    let send_s = rate * batch_s * size / cr.bandwidth.max(1.0);
    let apply_tail_s = cr.apply_delay.quantile(1.0 - 1e-6).as_secs_f64();
    let in_flight_s = batch_s + send_s + cr.one_way.as_secs_f64() + apply_tail_s;
    (overload_s.max(partition_s) + in_flight_s).min(horizon_s + in_flight_s)
}

/// Estimates `sc` and refuses it when it exceeds `limits`.
pub fn check(sc: &Scenario, limits: &Limits) -> Result<Estimate, GuardError> {
    judge(sc, estimate(sc), limits)
}

/// Refuses the estimate `e` of running `sc` when it exceeds `limits`.
fn judge(sc: &Scenario, e: Estimate, limits: &Limits) -> Result<Estimate, GuardError> {
    let mut reasons = Vec::new();
    if e.events.is_nan() || e.events > limits.max_events {
        reasons.push(format!(
            "events: about {} ({} runs × {} events per replication{}), over the limit of {}",
            count(e.events),
            e.runs,
            count(e.events_per_run + REPLICATION_OVERHEAD_EVENTS),
            if sc.simulation.fidelity == Fidelity::Exact {
                ", writes included: exact fidelity"
            } else {
                ""
            },
            count(limits.max_events)
        ));
    }
    if e.peak_memory_bytes.is_nan() || e.peak_memory_bytes > limits.max_memory_bytes {
        let backlog = if e.write_backlog_bytes > 0.0 {
            format!(
                ", and up to {} of unapplied writes per replication in flight (exact fidelity)",
                binary_bytes(e.write_backlog_bytes)
            )
        } else {
            String::new()
        };
        reasons.push(format!(
            "memory: about {} at peak ({} incidents per replication × {} replications in memory at once{backlog}), over the limit of {}",
            binary_bytes(e.peak_memory_bytes),
            count(e.incidents_per_run),
            e.replications_in_memory,
            binary_bytes(limits.max_memory_bytes)
        ));
    }
    if reasons.is_empty() {
        Ok(e)
    } else {
        Err(GuardError {
            scenario: sc.name.clone(),
            estimate: Box::new(e),
            limits: *limits,
            reasons,
        })
    }
}

/// Memory of one traced event while `drsim trace` writes it: the record
/// with its scope name, its CSV row and its Chrome-trace JSON object (a
/// `serde_json::Value` map, the largest part).
const TRACE_EVENT_BYTES: f64 = 1024.0;

/// [`check`] for `drsim trace`: one replication, every event of it kept
/// (and rendered) at once. The per-write events of exact fidelity run
/// inside the link and are not traced.
pub fn check_trace(sc: &Scenario, limits: &Limits) -> Result<Estimate, GuardError> {
    let mut one = sc.clone();
    one.simulation.runs = 1;
    let mut e = estimate(&one);
    one.simulation.fidelity = Fidelity::Fast;
    e.peak_memory_bytes += estimate(&one).events_per_run * TRACE_EVENT_BYTES;
    one.simulation.fidelity = sc.simulation.fidelity;
    judge(&one, e, limits)
}

/// Simulation passes `drsim analyze` makes over a scenario and its variants
/// at most (zone laws, active-standby, detection, commit latency, DR
/// measures and lags).
pub const ANALYZE_PASSES: f64 = 6.0;

/// [`check`] for `drsim analyze`: up to [`ANALYZE_PASSES`] runs of `runs`
/// replications, one at a time.
pub fn check_analyze(sc: &Scenario, runs: u64, limits: &Limits) -> Result<Estimate, GuardError> {
    let mut sc = sc.clone();
    sc.simulation.runs = runs;
    let mut e = estimate(&sc);
    e.events *= ANALYZE_PASSES;
    judge(&sc, e, limits)
}

/// Memory a sweep holds per grid point for its whole run: the point's
/// validated scenario and, once run, its summary (HDR histograms per class
/// and metric) and metric rows. Calibrated on sweeps of the reference
/// scenario at one replication per point: 1,000 points peaked at 172 MiB
/// resident, 4,000 at 216 MiB (15 to 90 KiB per point, depending on how the
/// allocator reuses the freed runs' memory).
pub const SWEEP_POINT_BYTES: f64 = 64.0 * 1024.0;

/// Memory of a sweep besides its points and runs: the chart (a bitmap and
/// its font) and a thread pool per point running (measured: 82 MiB
/// resident for 10 points of one replication).
const SWEEP_BASE_BYTES: f64 = 48.0 * 1024.0 * 1024.0;

/// Refuses a sweep grid of `points` points before any is built: their
/// memory alone (see [`SWEEP_POINT_BYTES`]) and their events, each point
/// costing what `base` costs.
pub fn check_grid(base: &Scenario, points: u64, limits: &Limits) -> Result<(), GuardError> {
    let one = estimate(base);
    let grid = Estimate {
        runs: one.runs.saturating_mul(points),
        events: one.events * points as f64,
        peak_memory_bytes: BASE_MEMORY_BYTES + SWEEP_BASE_BYTES + points as f64 * SWEEP_POINT_BYTES,
        output_bytes: 0.0,
        ..one
    };
    let mut reasons = Vec::new();
    if grid.events.is_nan() || grid.events > limits.max_events {
        reasons.push(format!(
            "events: about {} ({points} points × {} runs × {} events per replication), over the limit of {}",
            count(grid.events),
            one.runs,
            count(one.events_per_run + REPLICATION_OVERHEAD_EVENTS),
            count(limits.max_events)
        ));
    }
    if grid.peak_memory_bytes > limits.max_memory_bytes {
        reasons.push(format!(
            "memory: about {} for the grid alone ({points} points × {} for each point's scenario, summary and rows), over the limit of {}",
            binary_bytes(grid.peak_memory_bytes),
            binary_bytes(SWEEP_POINT_BYTES),
            binary_bytes(limits.max_memory_bytes)
        ));
    }
    if reasons.is_empty() {
        return Ok(());
    }
    Err(GuardError {
        scenario: base.name.clone(),
        estimate: Box::new(grid),
        limits: *limits,
        reasons,
    })
}

/// Refuses a sweep whose points, run `concurrent` at a time, would exceed
/// `limits`: each point must pass [`check`] on its own; the events add up,
/// and the memory is the grid's ([`SWEEP_POINT_BYTES`] per point) plus the
/// largest `concurrent` points' run memory.
pub fn check_sweep(
    points: &[&Scenario],
    concurrent: usize,
    limits: &Limits,
) -> Result<(), GuardError> {
    let mut estimates = Vec::with_capacity(points.len());
    for sc in points {
        estimates.push(check(sc, limits)?);
    }
    let Some(first) = points.first() else {
        return Ok(());
    };
    let mut run_memory: Vec<f64> = estimates
        .iter()
        .map(|e| e.peak_memory_bytes - BASE_MEMORY_BYTES)
        .collect();
    run_memory.sort_by(|a, b| b.total_cmp(a));
    let total = Estimate {
        runs: estimates.iter().map(|e| e.runs).sum(),
        events: estimates.iter().map(|e| e.events).sum(),
        peak_memory_bytes: BASE_MEMORY_BYTES
            + SWEEP_BASE_BYTES
            + points.len() as f64 * SWEEP_POINT_BYTES
            + run_memory.iter().take(concurrent.max(1)).sum::<f64>(),
        output_bytes: 0.0,
        ..estimates[0].clone()
    };
    judge(first, total, limits).map(|_| ())
}

/// `1234` or `1.2e13`: exact below 10⁴, scientific above.
fn count(x: f64) -> String {
    if x < 1e4 {
        format!("{x:.0}")
    } else {
        format!("{x:.1e}")
    }
}

/// Memory in binary units (what `ulimit` and container limits use).
fn binary_bytes(b: f64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = b;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// Two passes of one replication disagreed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "determinism check failed: replication {run} differs between the first sequential pass and \
     the {pass}, first at `{field}`:\n  first: {first}\n  {pass}: {other}\nthe simulation depends \
     on something besides the seed and the replication index (thread scheduling, hash order, time, \
     global state); results are not reproducible"
)]
pub struct DeterminismError {
    pub run: u64,
    /// Which pass disagreed with the first sequential one.
    pub pass: &'static str,
    /// Path of the first differing field, e.g. `incidents[3].rto_ns`.
    pub field: String,
    pub first: String,
    pub other: String,
}

/// Runs replications `[0, sample)` three ways — sequentially on this
/// thread, on a pool of 2 worker threads, and sequentially again — and
/// compares every outcome field by field. A run's result must depend only
/// on the seed and the replication index; this catches hash-order, global
/// state and scheduling dependencies that a single run cannot show.
/// Memory: one chunk of outcomes per pass at a time.
pub fn verify_determinism(sc: &Scenario, sample: u64) -> Result<(), DeterminismError> {
    compare_passes(sample, |r| run_replication(sc, r))
}

/// [`verify_determinism`] for any replication function (tests inject a
/// non-deterministic one).
fn compare_passes<F>(sample: u64, replicate: F) -> Result<(), DeterminismError>
where
    F: Fn(u64) -> ReplicationOutcome + Sync,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a 2-thread pool can be built");
    let mut start = 0;
    while start < sample {
        let end = start.saturating_add(runner::CHUNK).min(sample);
        let first: Vec<ReplicationOutcome> = (start..end).map(&replicate).collect();
        let parallel: Vec<ReplicationOutcome> =
            pool.install(|| (start..end).into_par_iter().map(&replicate).collect());
        let again: Vec<ReplicationOutcome> = (start..end).map(&replicate).collect();
        for (pass, other) in [
            ("2-thread pass", &parallel),
            ("second sequential pass", &again),
        ] {
            for (a, b) in first.iter().zip(other.iter()) {
                if a != b {
                    let (field, first, other) = first_difference(a, b);
                    return Err(DeterminismError {
                        run: a.run,
                        pass,
                        field,
                        first,
                        other,
                    });
                }
            }
        }
        start = end;
    }
    Ok(())
}

/// The first field where two outcomes differ, from their pretty `Debug`
/// forms (so a field added to the outcome is covered without a change
/// here): its path (`incidents[3].rto_ns`) and both values.
fn first_difference<T: fmt::Debug>(a: &T, b: &T) -> (String, String, String) {
    let (da, db) = (format!("{a:#?}"), format!("{b:#?}"));
    // Per nesting depth d: path[d] the segment that opened it, opener[d] how
    // (`{`, `[`, `(`, or `S` for `Some(`), items[d] unnamed items seen in it.
    let mut path: Vec<String> = Vec::new();
    let mut opener: Vec<char> = Vec::new();
    let mut items: Vec<usize> = vec![0];
    let mut la = da.lines();
    let mut lb = db.lines();
    loop {
        let (x, y) = (la.next(), lb.next());
        let is_closer = |l: &str| l.trim_start().starts_with(['}', ']', ')']);
        // Where one side has an extra item, name the item, not the closer.
        let line = match (x, y) {
            (Some(a), Some(b)) if is_closer(a) && !is_closer(b) => b,
            _ => x.or(y).unwrap_or_default(),
        };
        let depth = (line.len() - line.trim_start().len()) / 4;
        let t = line.trim();
        let closes = is_closer(t);
        path.truncate(depth);
        opener.truncate(depth);
        items.resize(depth + 1, 0);
        let segment = path_segment(t, closes, depth, &opener, &mut items);
        if x != y {
            let p: String = path.iter().chain([&segment]).map(String::as_str).collect();
            let p = p.trim_start_matches('.');
            let show = |l: Option<&str>| l.map_or("(absent)".to_string(), |l| l.trim().to_string());
            return (
                if p.is_empty() {
                    "(outcome)".into()
                } else {
                    p.to_string()
                },
                show(x),
                show(y),
            );
        }
        if x.is_none() {
            return ("(outcome)".into(), da, db);
        }
        if let Some(kind) = opener_kind(t).filter(|_| !closes) {
            path.push(segment);
            opener.push(kind);
            items.push(0);
        }
    }
}

/// The path segment a `Debug` line at `depth` adds: `.key` for a named
/// field, `[i]` or `.i` for the i-th unnamed item of a list or tuple,
/// nothing for a closer or the content of `Some(`.
fn path_segment(
    t: &str,
    closes: bool,
    depth: usize,
    opener: &[char],
    items: &mut [usize],
) -> String {
    let key = t
        .split_once(": ")
        .map(|(k, _)| k)
        .filter(|k| k.chars().all(|c| c.is_alphanumeric() || c == '_'));
    match (key, depth.checked_sub(1).map(|d| opener[d])) {
        (Some(k), _) => format!(".{k}"),
        (None, _) if closes => String::new(),
        (None, None | Some('S')) => String::new(),
        (None, Some(kind)) => {
            let i = items[depth];
            items[depth] += 1;
            if kind == '[' {
                format!("[{i}]")
            } else {
                format!(".{i}")
            }
        }
    }
}

/// How a `Debug` line opens a nesting level: `{`, `[`, `(`, or `S` for `Some(`.
fn opener_kind(t: &str) -> Option<char> {
    if t.ends_with("Some(") {
        Some('S')
    } else {
        t.chars().last().filter(|c| matches!(c, '{' | '[' | '('))
    }
}

/// Installs the Ctrl-C (SIGINT; console Ctrl-C on Windows) handler of a
/// run: the first Ctrl-C sets `stop`, which the runner polls between chunks
/// of replications, so the run finishes the chunk in flight and writes a
/// valid summary marked `partial` (with how many replications finished). A
/// second Ctrl-C removes the output folder being written (the staged
/// folder of [`report::folder`](crate::report::folder): the target keeps
/// its earlier results, or stays absent) and exits at once with status 130.
/// Call once per process.
pub fn install_ctrlc(stop: Arc<AtomicBool>) -> Result<(), ctrlc::Error> {
    ctrlc::set_handler(move || {
        if stop.swap(true, Ordering::SeqCst) {
            crate::console::errln(
                "\ninterrupted again: exiting now (nothing written; earlier results untouched)",
            );
            crate::report::folder::abandon_and_exit(130);
        }
        crate::console::errln(
            "\ninterrupted: finishing the replications in flight, then writing a partial summary \
             (Ctrl-C again to quit at once)",
        );
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Inner {
        x: u64,
        name: &'static str,
    }

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Outer {
        run: u64,
        list: Vec<Inner>,
        tail: Option<u64>,
    }

    #[test]
    fn first_difference_names_the_nested_field() {
        let a = Outer {
            run: 1,
            list: vec![Inner { x: 1, name: "a" }, Inner { x: 2, name: "b" }],
            tail: Some(3),
        };
        let mut b = Outer {
            run: 1,
            list: vec![Inner { x: 1, name: "a" }, Inner { x: 9, name: "b" }],
            tail: Some(3),
        };
        let (field, x, y) = first_difference(&a, &b);
        assert_eq!(field, "list[1].x");
        assert_eq!((x.as_str(), y.as_str()), ("x: 2,", "x: 9,"));
        b.list[1].x = 2;
        b.tail = Some(4);
        assert_eq!(first_difference(&a, &b).0, "tail");
        b.tail = Some(3);
        b.list.push(Inner { x: 0, name: "c" });
        assert_eq!(first_difference(&a, &b).0, "list[2]");
        // Tuples and top-level values.
        assert_eq!(first_difference(&(1, (2, 3)), &(1, (2, 4))).0, "1.1");
        assert_eq!(first_difference(&5, &6).0, "(outcome)");
    }

    #[test]
    fn a_nondeterministic_replication_fails_loudly() {
        use std::sync::atomic::AtomicU64;
        let sc = crate::scenario::parse_str(
            crate::scenario::REFERENCE_SCENARIO,
            crate::scenario::REFERENCE_SCENARIO_FILE,
        )
        .unwrap()
        .scenario;
        // Deterministic: passes, across a chunk boundary.
        compare_passes(600, |r| run_replication(&sc, r)).unwrap();
        // Global state leaking into replication 700's third incident.
        let calls = AtomicU64::new(0);
        let leaky = |r: u64| {
            let mut o = run_replication(&sc, r);
            if r == 700 {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                if let Some(i) = o.incidents.get_mut(2) {
                    i.rto_ns += n;
                }
            }
            o
        };
        let e = compare_passes(1000, leaky).unwrap_err();
        assert_eq!(e.run, 700);
        assert_eq!(e.pass, "2-thread pass");
        assert_eq!(e.field, "incidents[2].rto_ns");
        let msg = e.to_string();
        assert!(msg.contains("replication 700"), "{msg}");
        assert!(msg.contains("not reproducible"), "{msg}");
    }

    /// A trace keeps its replication's model events, not exact fidelity's
    /// per-write events (which run inside the link): an exact hour at
    /// 100,000 writes/s (7·10⁸ per-write events, 700 GiB at a trace event's
    /// size) is traced within the limits; its events still count.
    #[test]
    fn a_trace_keeps_model_events_not_writes() {
        let text = include_str!("../scenarios/dynamics365-self-service-dr.toml")
            .replacen("horizon = \"1y\"", "horizon = \"1h\"", 1)
            .replacen("write_rate = \"200/s\"", "write_rate = \"100000/s\"", 1)
            .replacen("write_size = \"4KiB\"", "write_size = \"100B\"", 1)
            .replacen("at = \"45d\"", "at = \"30m\"", 1);
        let mut sc = crate::scenario::parse_str(&text, "t.toml")
            .unwrap()
            .scenario;
        sc.simulation.fidelity = Fidelity::Exact;
        let e = check_trace(&sc, &Limits::default()).unwrap();
        assert!(e.events_per_run > 7e8, "{e:?}");
        assert!(e.peak_memory_bytes < 1e9, "{e:?}");
    }

    #[test]
    fn limits_default_and_unlimited() {
        let d = Limits::default();
        assert_eq!(d.max_events, 1e11);
        assert_eq!(d.max_memory_bytes, 4.0 * (1u64 << 30) as f64);
        assert!(Limits::unlimited().max_events.is_infinite());
    }
}
