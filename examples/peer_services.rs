//! Library use: three service presets on the very same failures (common
//! random numbers), read side by side, with a sink that looks at every
//! incident as it is simulated. Run with
//! `cargo run --release --example peer_services`.
//!
//! The example asserts what it shows, so it cannot silently rot, and each
//! assertion is a rule of the model, not a figure of this seed:
//! - the shared failure description gives the two presets whose home
//!   region has the same zones the same zone incidents, one for one;
//! - a synchronous quorum over regions (Spanner) never loses an
//!   acknowledged write;
//! - a Microsoft-managed failover (Azure SQL failover group) never starts
//!   before its grace, at least the documented hour.

use drsim::incident::IncidentClass;
use drsim::metrics::Summary;
use drsim::model::ReplicationOutcome;
use drsim::runner::{self, OutcomeSink, RunOptions};
use drsim::scenario::parse_failure_file;
use drsim::side_by_side::prepare;
use std::sync::atomic::AtomicBool;

const PRESETS: [&str; 3] = [
    "scenarios/services/azure-sql-failover-group-microsoft-managed.toml",
    "scenarios/services/aurora-global-database-two-secondaries.toml",
    "scenarios/services/spanner-multi-region.toml",
];

/// Replications per preset: a few hundred years, seconds of work.
const RUNS: u64 = 300;

/// Keeps the shortest time from a region outage to the provider's decision
/// (`decision_ns`) over the failovers that ran.
#[derive(Default)]
struct ShortestDecision(Option<u64>);

impl OutcomeSink for ShortestDecision {
    fn accept(&mut self, outcome: &ReplicationOutcome, _: &str) -> std::io::Result<()> {
        for i in &outcome.incidents {
            if i.class == IncidentClass::Region && i.recovery == "dr-failover" {
                self.0 = Some(self.0.map_or(i.decision_ns, |d| d.min(i.decision_ns)));
            }
        }
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let failures_file = "scenarios/services/failures.toml";
    let failures = parse_failure_file(&std::fs::read_to_string(failures_file)?, failures_file)?;
    let texts = PRESETS
        .iter()
        .map(|p| Ok((std::fs::read_to_string(p)?, p.to_string())))
        .collect::<std::io::Result<Vec<_>>>()?;
    let stop = AtomicBool::new(false);
    let mut summaries: Vec<Summary> = Vec::new();
    let mut decision = ShortestDecision::default();
    for (i, c) in prepare(&texts, &failures)?.into_iter().enumerate() {
        let mut sc = c.loaded.scenario;
        sc.simulation.runs = RUNS;
        let mut sinks: Vec<&mut dyn OutcomeSink> = Vec::new();
        if i == 0 {
            sinks.push(&mut decision);
        }
        summaries.push(runner::run(&sc, &RunOptions::default(), &mut sinks, &stop)?);
    }

    println!(
        "{:<40} {:>12} {:>14} {:>14}",
        "deployment", "availability", "region RPO p99", "region RTO p50"
    );
    for s in &summaries {
        let region = &s.classes["region"];
        println!(
            "{:<40} {:>11.5}% {:>13.3}s {:>13.0}s",
            s.scenario,
            s.availability.as_ref().expect("replications finished").mean * 100.0,
            region.rpo_s.p99,
            region.disruptive_rto_s.p50
        );
    }

    let (sql, aurora, spanner) = (&summaries[0], &summaries[1], &summaries[2]);
    // Common random numbers: both home regions have three zones, and the
    // zone failures of replication r are drawn alike for every scenario.
    assert_eq!(
        sql.classes["zone"].incidents, aurora.classes["zone"].incidents,
        "the same zone failures"
    );
    // A write is acknowledged once a majority of voters hold it.
    let lost: u64 = spanner.classes.values().map(|c| c.lost_writes).sum();
    assert_eq!(lost, 0, "a synchronous quorum lost acknowledged writes");
    assert_eq!(spanner.classes["region"].rpo_s.max, 0.0);
    // The grace law is uniform 1–8 h: no provider decision comes sooner.
    let shortest = decision.0.expect("some region outage was failed over");
    println!(
        "shortest provider decision: {:.2} h",
        shortest as f64 / 3.6e12
    );
    assert!(shortest >= 3_600_000_000_000, "a failover before the grace");
    Ok(())
}
