//! Command-line front end: clap parses raw arguments into these structs;
//! the modules of `commands` validate them at the edge and call the library.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "drsim",
    version,
    about = "Monte Carlo simulation of multi-zone, multi-region replication: measured RPO, RTO and availability against targets"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario's replications and report RPO, RTO, availability and targets.
    Run(RunArgs),
    /// Check a scenario file and print its errors and warnings.
    Validate {
        /// Scenario TOML file.
        scenario: PathBuf,
    },
    /// Sweep one or two scenario parameters (common random numbers across points).
    Sweep(SweepArgs),
    /// Compare DR emergency policies (max data loss × decision delay): downtime
    /// per year against lost writes per year, and which policies are efficient.
    Frontier(FrontierArgs),
    /// Replay one replication alone and write its events (CSV and Chrome trace JSON);
    /// `--plot` draws one incident as a story.
    Trace(TraceArgs),
    /// Draw the charts of a results folder (CDFs, timeline, sweep).
    Plot {
        /// Folder written by `drsim run` or `drsim sweep`.
        dir: PathBuf,
        /// Sweep metric to chart (a `sweep.csv` metric row).
        #[arg(long, default_value = "availability")]
        metric: String,
    },
    /// Compare two summary.json files; exit 1 when a metric moved beyond its tolerance.
    Compare(CompareArgs),
    /// Theory next to simulation for every metric where closed-form or
    /// numerical theory applies to the scenario; exit 1 if one disagrees.
    Analyze(AnalyzeArgs),
    /// Merge shard folders (written by `run --shard I/N`) into the single-machine result.
    Merge(MergeArgs),
    /// Print the JSON Schema of scenario files (for editor completion; see the README).
    Schema {
        /// Print the schema of failure descriptions (`run --failures`) instead.
        #[arg(long)]
        failures: bool,
    },
    /// The emergency decision as a curve: a region outage has lasted --elapsed; expected
    /// downtime and lost writes of failing over now or after waiting t, and P(region back).
    Decide(DecideArgs),
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Scenario TOML file (default: the embedded reference scenario).
    pub scenario: Option<PathBuf>,
    /// Replications per check (default: the scenario's runs).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Write the table as Markdown to this file too.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Run even when the estimated events or memory exceed the guard's limits.
    #[arg(long)]
    pub allow_large: bool,
}

#[derive(Args, Debug)]
pub struct DecideArgs {
    /// Scenario TOML file (with self-service DR and random region outages).
    pub scenario: PathBuf,
    /// How long the region outage has lasted, e.g. 20m.
    #[arg(long)]
    pub elapsed: String,
    /// The data loss the portal shows, in time (e.g. 4m); default: the mean of the
    /// scenario's loss-window law.
    #[arg(long)]
    pub loss_shown: Option<String>,
    /// Waits to price, comma-separated and increasing (default 0m,5m,...,6h).
    #[arg(long)]
    pub grid: Option<String>,
    /// Output folder (default: out/<slug of the scenario name>-decide).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the results already in the output folder.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Shard folders, in any order.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output folder (default: out/<slug of the scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the results already in the output folder.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Scenario TOML file (default: the embedded reference scenario); with
    /// `--failures`, one or more scenarios to run side by side.
    pub scenarios: Vec<PathBuf>,
    /// A failure description (`[simulation]` seed, runs, horizon,
    /// `[failures]`, `[[incidents]]`) replacing every scenario's own: runs
    /// the scenarios side by side on the same failures and writes
    /// comparison.csv and the comparison charts.
    #[arg(long, value_name = "FAILURES.toml")]
    pub failures: Option<PathBuf>,
    /// Number of replications (overrides simulation.runs).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Master seed (overrides simulation.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// `KEY=VALUE`: override one key of the scenario for this run (repeatable;
    /// key paths and values as in `sweep --set`, e.g.
    /// `failures.zones.correlated_probability=0.02`). Recorded in summary.json.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Worker threads (default: all cores; at most 4 per core). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: out/<slug of the scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit with status 1 when a target is missed (for CI gates).
    #[arg(long)]
    pub check: bool,
    /// Replace the results already in the output folder.
    #[arg(long)]
    pub force: bool,
    /// Also draw the charts (PNG and SVG) into the output folder.
    #[arg(long)]
    pub plot: bool,
    /// Run until the 95% interval of `--precision-metric` is within this
    /// relative half-width of its mean (e.g. 0.05); `--runs` is then the budget.
    #[arg(long)]
    pub precision: Option<f64>,
    /// Metric of `--precision`: downtime_s, unavailability or incidents_per_run.
    #[arg(long, default_value = "downtime_s", value_parser = ["downtime_s", "unavailability", "incidents_per_run"])]
    pub precision_metric: String,
    /// `fast` (writes are not events) or `exact` (every write is an event;
    /// slow, for validation); overrides simulation.fidelity.
    #[arg(long, value_parser = ["fast", "exact"])]
    pub fidelity: Option<String>,
    /// Print nothing but errors (no table, no progress bar).
    #[arg(long, short)]
    pub quiet: bool,
    /// Run only shard I of N (0-based: 0 ≤ I < N) of the replications, into a
    /// folder that `drsim merge` combines with the other shards.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<drsim::shard::ShardSpec>,
    /// Run even when the estimated events or memory exceed the guard's limits.
    #[arg(long)]
    pub allow_large: bool,
    /// First run a sample of replications twice and on 2 threads; fail on any difference.
    #[arg(long)]
    pub verify_determinism: bool,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Scenario TOML file (its `[sweep]` table gives the default parameters).
    pub scenario: PathBuf,
    /// `key=v1,v2,...` (repeatable, at most two); replaces the `[sweep]` parameters.
    #[arg(long = "set")]
    pub sets: Vec<String>,
    /// Metric to chart, e.g. `availability`, `zone.rto_s.p99`, `region.lost_writes`.
    #[arg(long)]
    pub metric: Option<String>,
    /// Replications per point (overrides simulation.runs).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Worker threads in all (at most 4 per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: out/<slug of the scenario name>-sweep).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the results already in the output folder.
    #[arg(long)]
    pub force: bool,
    #[arg(long, short)]
    pub quiet: bool,
    /// Run even when the estimated events or memory of the grid or of a
    /// point exceed the guard's limits.
    #[arg(long)]
    pub allow_large: bool,
}

#[derive(Args, Debug)]
pub struct FrontierArgs {
    /// Scenario TOML file with self-service DR.
    pub scenario: PathBuf,
    /// Values of dr.max_data_loss: durations, or `none` (no limit).
    #[arg(long, value_name = "LIST", default_value = drsim::frontier::DEFAULT_MAX_DATA_LOSS)]
    pub max_data_loss: String,
    /// Values of dr.operator_decision: fixed delays (`30m`) or inline distribution tables.
    #[arg(long, value_name = "LIST", default_value = drsim::frontier::DEFAULT_DECISIONS)]
    pub decision: String,
    /// Replications per policy (overrides simulation.runs).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Worker threads in all (at most 4 per core). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: out/<slug of the scenario name>-frontier).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the results already in the output folder.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors (no table, no progress bar).
    #[arg(long, short)]
    pub quiet: bool,
    /// Run even when the estimated events or memory exceed the guard's limits.
    #[arg(long)]
    pub allow_large: bool,
}

#[derive(Args, Debug)]
pub struct TraceArgs {
    /// Scenario TOML file (default: the embedded reference scenario).
    pub scenario: Option<PathBuf>,
    /// Replication index to replay.
    #[arg(long, default_value_t = 0)]
    pub run: u64,
    /// Master seed (overrides simulation.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder (default: out/<slug of the scenario name>-trace-<run>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the files already in the output folder.
    #[arg(long)]
    pub force: bool,
    /// Also draw one incident as a story (incident-<run>-<seq>.png/.svg):
    /// by default the worst region incident, else the worst zone incident.
    #[arg(long)]
    pub plot: bool,
    /// Sequence number of the incident `--plot` draws (the `seq` column of
    /// incidents.csv).
    #[arg(long, requires = "plot")]
    pub incident: Option<u32>,
    /// Trace even when the estimated events or memory exceed the guard's limits.
    #[arg(long)]
    pub allow_large: bool,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    pub baseline: PathBuf,
    pub current: PathBuf,
    /// `PATTERN=rel:0.1`, `PATTERN=abs:1e-5`, `PATTERN=exact` or `PATTERN=ignore` (repeatable).
    #[arg(long = "tolerance")]
    pub tolerances: Vec<String>,
    /// Compare summaries of different scenarios, seeds or run counts.
    #[arg(long)]
    pub allow_different: bool,
    /// Show every metric, not only those that changed.
    #[arg(long)]
    pub all: bool,
}
