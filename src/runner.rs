//! Runs the replications of a scenario in parallel and folds them, in
//! replication-index order, into an [`Aggregator`] and any number of
//! [`OutcomeSink`]s (CSV writers, progress). Memory stays flat: at most two
//! chunks of outcomes exist at a time (one being folded, the next being
//! simulated).
//!
//! [`run_range`] runs any slice of the replications: replication `r` is the
//! same whoever runs it (its seed derives from the master seed and `r`
//! alone), which is what `crate::shard` builds on.

use crate::metrics::{Aggregator, Provenance, Summary};
use crate::model::{Replication, ReplicationOutcome};
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

/// Replications simulated in parallel before being folded in order: half
/// the most outcomes held in memory at once (and the granularity of `stop`).
pub const CHUNK: u64 = 512;

/// Receives every replication's outcome, in replication-index order (on
/// one of the run's worker threads, hence `Send`).
pub trait OutcomeSink: Send {
    /// How to format an outcome for this sink, when that needs no sink
    /// state. The runner calls it on the worker that simulated the outcome,
    /// so formatting (half the work of a run that writes CSVs) is parallel
    /// and the in-order fold only copies text.
    fn renderer(&self) -> Option<Renderer> {
        None
    }

    /// One outcome, in replication-index order, with what the sink's
    /// [`Renderer`] made of it (empty without one).
    fn accept(&mut self, outcome: &ReplicationOutcome, rendered: &str) -> std::io::Result<()>;
}

/// Formats one outcome (a plain function: callable from any thread).
pub type Renderer = fn(&ReplicationOutcome, &mut String) -> std::fmt::Result;

/// Renders `outcome` as `sink` would be given it by a run, and hands it
/// over: for feeding a sink one outcome outside [`run`].
pub fn feed(sink: &mut dyn OutcomeSink, outcome: &ReplicationOutcome) -> std::io::Result<()> {
    let text = render(sink.renderer(), outcome)?;
    sink.accept(outcome, &text)
}

fn render(renderer: Option<Renderer>, outcome: &ReplicationOutcome) -> std::io::Result<String> {
    let mut text = String::new();
    if let Some(render) = renderer {
        render(outcome, &mut text)
            .map_err(|_| std::io::Error::other("formatting an outcome failed"))?;
    }
    Ok(text)
}

/// How to run; the scenario says what to run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
}

/// Worker threads allowed per available core. More threads than cores
/// never run faster (each replication is CPU-bound); a few per core leave
/// room for cores an `available_parallelism` under a CPU quota undercounts,
/// while `--threads 100000` (hundreds of MB of stacks before any work) is
/// refused.
pub const THREADS_PER_CORE: usize = 4;

/// The most worker threads a run accepts: [`THREADS_PER_CORE`] × the cores
/// available to this process.
pub fn max_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()) * THREADS_PER_CORE
}

/// A requested number of worker threads outside 1 ..= [`max_threads`].
#[derive(Debug, thiserror::Error)]
#[error(
    "--threads must be between 1 and {max} ({THREADS_PER_CORE} per available core), got {requested}"
)]
pub struct ThreadCountError {
    pub requested: usize,
    pub max: usize,
}

/// Checks a requested number of worker threads (`None`: every core).
pub fn check_threads(requested: Option<usize>) -> Result<Option<usize>, ThreadCountError> {
    let max = max_threads();
    match requested {
        Some(n) if n == 0 || n > max => Err(ThreadCountError { requested: n, max }),
        other => Ok(other),
    }
}

/// Why a run failed. The run cannot continue after any of these.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot start {threads} worker threads: {source}")]
    ThreadPool {
        threads: usize,
        source: rayon::ThreadPoolBuildError,
    },
    /// Already names the file ("cannot write out/x/runs.csv: ..."), so
    /// it is shown as it is: its cause printed once.
    #[error(transparent)]
    Sink(#[from] std::io::Error),
}

/// Simulates replication `run` of `scenario` alone (what `drsim trace` and
/// tests use): identical to the same replication inside a full run.
pub fn run_replication(scenario: &Scenario, run: u64) -> ReplicationOutcome {
    Replication::new(scenario, run).run()
}

/// Runs every replication of `scenario` and returns the summary. `stop` is
/// polled between chunks: when set, the run ends early with a partial summary.
pub fn run(
    scenario: &Scenario,
    options: &RunOptions,
    sinks: &mut [&mut dyn OutcomeSink],
    stop: &AtomicBool,
) -> Result<Summary, RunError> {
    let agg = run_range(scenario, options, 0..scenario.simulation.runs, sinks, stop)?;
    Ok(summarise(scenario, &agg))
}

/// A metric whose 95% interval a run can be asked to narrow (`--precision`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrecisionMetric {
    /// Mean downtime per replication.
    Downtime,
    /// Mean unavailability (1 − availability): relative precision of a
    /// fraction near 1 is meaningless, that of its complement is not.
    Unavailability,
    /// Mean incidents per replication.
    IncidentsPerRun,
}

impl PrecisionMetric {
    pub const NAMES: [&'static str; 3] = ["downtime_s", "unavailability", "incidents_per_run"];

    pub fn from_name(name: &str) -> Option<PrecisionMetric> {
        Some(match name {
            "downtime_s" => PrecisionMetric::Downtime,
            "unavailability" => PrecisionMetric::Unavailability,
            "incidents_per_run" => PrecisionMetric::IncidentsPerRun,
            _ => return None,
        })
    }

    /// Relative half-width of the metric's 95% interval (infinite while undefined).
    pub fn relative_half_width(self, s: &Summary) -> f64 {
        let (interval, mean) = match self {
            PrecisionMetric::Downtime => (&s.downtime_s, s.downtime_s.as_ref().map(|i| i.mean)),
            PrecisionMetric::Unavailability => (
                &s.availability,
                s.availability.as_ref().map(|i| 1.0 - i.mean),
            ),
            PrecisionMetric::IncidentsPerRun => (
                &s.incidents_per_run,
                s.incidents_per_run.as_ref().map(|i| i.mean),
            ),
        };
        let (Some(interval), Some(mean)) = (interval, mean) else {
            return f64::INFINITY;
        };
        match interval.ci95 {
            Some([lo, hi]) if mean.abs() > 0.0 => (hi - lo) / 2.0 / mean.abs(),
            _ => f64::INFINITY,
        }
    }
}

/// Replications run between two precision checks.
const PRECISION_BLOCK: u64 = 4 * CHUNK;

/// Runs replications in blocks until the 95% interval of `metric` is within
/// `relative` of its mean, or `simulation.runs` (the budget) is spent, or
/// `stop` is raised. The summary reports the replications that took
/// (`runs`; `requested_runs` is set to the same, so the run is not
/// `partial` when it stopped because the target was reached). At least two
/// blocks run, so a lucky first block cannot end it.
pub fn run_until_precise(
    scenario: &Scenario,
    options: &RunOptions,
    sinks: &mut [&mut dyn OutcomeSink],
    stop: &AtomicBool,
    metric: PrecisionMetric,
    relative: f64,
) -> Result<(Summary, bool), RunError> {
    let budget = scenario.simulation.runs;
    let mut total = Aggregator::new(scenario);
    let mut done = 0;
    let mut reached = false;
    let mut sc = scenario.clone();
    while done < budget && !stop.load(Ordering::Relaxed) {
        let end = done.saturating_add(PRECISION_BLOCK).min(budget);
        let block = run_range(scenario, options, done..end, sinks, stop)?;
        total
            .absorb(&block.to_state())
            .expect("blocks of one scenario share its histogram layout");
        done = total.runs();
        sc.simulation.runs = done;
        if done >= 2 * PRECISION_BLOCK.min(budget)
            && metric.relative_half_width(&summarise(&sc, &total)) <= relative
        {
            reached = true;
            break;
        }
    }
    if stop.load(Ordering::Relaxed) && !reached {
        sc.simulation.runs = budget;
    }
    Ok((summarise(&sc, &total), reached))
}

/// The summary of a whole run (`requested_runs` = `simulation.runs`) from its
/// aggregator: what [`run`] returns, and what `drsim merge` rebuilds from
/// the shards' aggregators.
pub fn summarise(scenario: &Scenario, agg: &Aggregator) -> Summary {
    agg.summary(
        scenario,
        Provenance {
            scenario: scenario.name.clone(),
            requested_runs: scenario.simulation.runs,
            architecture: describe_architecture(scenario),
        },
    )
}

/// Runs replications `range` of `scenario` (a slice of the full run: each
/// replication is the one the full run would simulate) and returns their
/// aggregate; sinks see the outcomes in index order. `stop` is polled between
/// chunks: when set, the slice ends early and the aggregate holds the
/// replications `range.start .. range.start + agg.runs()`.
pub fn run_range(
    scenario: &Scenario,
    options: &RunOptions,
    range: Range<u64>,
    sinks: &mut [&mut dyn OutcomeSink],
    stop: &AtomicBool,
) -> Result<Aggregator, RunError> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = options.threads {
        builder = builder.num_threads(t);
    }
    let pool = builder.build().map_err(|source| RunError::ThreadPool {
        threads: options.threads.unwrap_or(0),
        source,
    })?;
    let renderers: Vec<Option<Renderer>> = sinks.iter().map(|s| s.renderer()).collect();
    let simulate = |chunk: Range<u64>| -> Vec<(ReplicationOutcome, Rendered)> {
        // Small pieces (at most 4 replications): the chunk ends with every
        // core busy instead of one finishing a long piece alone.
        (0..(chunk.end - chunk.start) as usize)
            .into_par_iter()
            .with_max_len(4)
            .map(|i| {
                let outcome = run_replication(scenario, chunk.start + i as u64);
                let rendered = renderers.iter().map(|&f| render(f, &outcome)).collect();
                (outcome, rendered)
            })
            .collect()
    };
    let next_chunk = |start: u64| start..start.saturating_add(CHUNK).min(range.end);
    // A pipeline inside the pool: `rayon::join` folds chunk k (aggregator
    // and sinks, in order) on one worker while the others simulate chunk
    // k+1, and that worker joins the simulation once its fold is done. No
    // thread runs beside the pool's, so the cores are never oversubscribed.
    pool.install(|| {
        let mut agg = Aggregator::new(scenario);
        let first = next_chunk(range.start);
        let mut start = first.end;
        let mut pending =
            (range.start < range.end && !stop.load(Ordering::Relaxed)).then(|| simulate(first));
        while let Some(outcomes) = pending.take() {
            let next =
                (start < range.end && !stop.load(Ordering::Relaxed)).then(|| next_chunk(start));
            let (folded, simulated) = rayon::join(
                || fold(&mut agg, sinks, outcomes),
                || next.clone().map(simulate),
            );
            pending = simulated;
            folded?;
            if stop.load(Ordering::Relaxed) {
                // Stop at a chunk boundary as soon as asked: the chunk
                // simulated meanwhile is dropped, so a partial run holds
                // exactly the replications folded before the request.
                pending = None;
            }
            if let Some(chunk) = next {
                start = chunk.end;
            }
        }
        Ok(agg)
    })
}

/// What each sink's renderer made of one outcome, in sink order.
type Rendered = std::io::Result<Vec<String>>;

/// Adds a chunk's outcomes, in order, to the aggregate and the sinks.
fn fold(
    agg: &mut Aggregator,
    sinks: &mut [&mut dyn OutcomeSink],
    outcomes: Vec<(ReplicationOutcome, Rendered)>,
) -> Result<(), RunError> {
    for (outcome, rendered) in outcomes {
        agg.add(&outcome);
        for (sink, text) in sinks.iter_mut().zip(rendered?) {
            sink.accept(&outcome, &text)?;
        }
    }
    Ok(())
}

/// One line saying how the environment is protected, for reports.
pub fn describe_architecture(sc: &Scenario) -> String {
    use crate::scenario::Architecture::*;
    let region = sc.home_region();
    if let Some(q) = &sc.region_quorum {
        return describe_region_quorum(sc, q);
    }
    match sc.architecture() {
        ZoneRedundant if sc.replication.mode == crate::scenario::ReplicationMode::AllInSync => {
            format!(
                "zone-redundant: all-in-sync replication across the {} zones of {} (a failed zone leaves the in-sync set; only an in-sync zone is elected)",
                region.zones.len(),
                region.name
            )
        }
        ZoneRedundant => format!(
            "zone-redundant: {}-of-{} synchronous quorum across the zones of {}",
            sc.replication.quorum,
            region.zones.len(),
            region.name
        ),
        SingleZone => format!(
            "single zone ({} in {}): a non-production environment is not zone-redundant",
            region.zones[sc.environment.home_zone], region.name
        ),
        ManualRecovery => format!(
            "region {} without availability zones: recovery by support ticket and restore from backup",
            region.name
        ),
    }
}

/// `replication.scope = "regions"`: the quorum and each region's voters, in declaration order.
fn describe_region_quorum(sc: &Scenario, q: &crate::scenario::RegionQuorum) -> String {
    let mut regions: Vec<(usize, usize, bool)> = Vec::new();
    for v in &q.voters {
        match regions.iter_mut().find(|(r, _, _)| *r == v.region) {
            Some(entry) => entry.1 += 1,
            None => regions.push((v.region, 1, v.witness)),
        }
    }
    let parts: Vec<String> = regions
        .iter()
        .map(|&(r, n, witness)| {
            let kind = if witness { " witness" } else { "" };
            format!("{} {n}{kind}", sc.regions[r].name)
        })
        .collect();
    format!(
        "synchronous {}-of-{} quorum over regions: {} (leader in {})",
        q.quorum,
        q.voters.len(),
        parts.join(", "),
        sc.home_region().name
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_bounded_by_four_per_core() {
        let max = max_threads();
        assert_eq!(max % THREADS_PER_CORE, 0);
        assert_eq!(check_threads(None).unwrap(), None);
        assert_eq!(check_threads(Some(1)).unwrap(), Some(1));
        assert_eq!(check_threads(Some(max)).unwrap(), Some(max));
        for bad in [0, max + 1, 100_000] {
            let e = check_threads(Some(bad)).unwrap_err();
            assert_eq!((e.requested, e.max), (bad, max));
            assert!(e.to_string().contains("4 per available core"), "{e}");
        }
    }
}
