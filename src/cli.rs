//! Command-line front end: clap parses raw arguments, `Options` validates
//! them at the edge, and the library does the work.

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
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Scenario TOML file (default: the embedded reference scenario).
    pub scenario: Option<PathBuf>,
    /// Number of replications (overrides simulation.runs).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Master seed (overrides simulation.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: out/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit with status 1 when a target is missed (for CI gates).
    #[arg(long)]
    pub check: bool,
    /// Replace the results already in the output folder.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}
