//! Tidy CSV exporters: `incidents.csv` (one row per incident) and
//! `runs.csv` (one row per replication). Times are seconds written with
//! exact nanosecond digits, so the text is identical on every platform.

use super::atomic::AtomicFile;
use crate::incident::Incident;
use crate::model::ReplicationOutcome;
use crate::runner::OutcomeSink;
use std::io;
use std::path::{Path, PathBuf};

/// Seconds with nine exact decimals from integer nanoseconds.
pub fn secs(ns: u64) -> String {
    format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000)
}

fn opt_secs(ns: Option<u64>) -> String {
    ns.map(secs).unwrap_or_default()
}

/// Columns of `incidents.csv`.
pub const INCIDENT_COLUMNS: [&str; 19] = [
    "run",
    "seq",
    "class",
    "scope",
    "scheduled",
    "start_s",
    "end_s",
    "interruption_start_s",
    "interruption_end_s",
    "rto_s",
    "rpo_s",
    "lost_writes",
    "lost_bytes",
    "recovery",
    "last_sync_s",
    "loss_window_s",
    "shown_loss_s",
    "decision",
    "catch_up_s",
];

/// Columns of `runs.csv`.
pub const RUN_COLUMNS: [&str; 14] = [
    "run",
    "availability",
    "downtime_s",
    "incidents",
    "interruptions",
    "lost_writes",
    "lost_bytes",
    "max_rpo_s",
    "max_rto_s",
    "events",
    "dr_active_s",
    "seeding_s",
    "lag_at_horizon_s",
    "refused_operations",
];

fn incident_row(i: &Incident) -> [String; 19] {
    [
        i.run.to_string(),
        i.seq.to_string(),
        i.class.name().to_string(),
        i.scope.clone(),
        i.scheduled.to_string(),
        secs(i.start_ns),
        opt_secs(i.end_ns),
        opt_secs(i.interruption_start_ns),
        opt_secs(i.interruption_end_ns),
        secs(i.rto_ns),
        secs(i.rpo_ns),
        i.lost_writes.to_string(),
        i.lost_bytes.to_string(),
        i.recovery.to_string(),
        opt_secs(i.last_sync_ns),
        opt_secs(i.last_sync_ns.map(|s| i.start_ns.saturating_sub(s))),
        opt_secs(i.shown_loss_ns),
        i.decision.unwrap_or_default().to_string(),
        opt_secs(i.catch_up_ns),
    ]
}

fn run_row(o: &ReplicationOutcome) -> [String; 14] {
    let max = |f: fn(&Incident) -> u64| o.incidents.iter().map(f).max().unwrap_or(0);
    [
        o.run.to_string(),
        format!("{:.12}", o.availability()),
        secs(o.downtime_ns()),
        o.incidents.len().to_string(),
        o.interruptions.to_string(),
        o.incidents
            .iter()
            .map(|i| i.lost_writes)
            .sum::<u64>()
            .to_string(),
        o.incidents
            .iter()
            .map(|i| i.lost_bytes)
            .sum::<u64>()
            .to_string(),
        secs(max(|i| i.rpo_ns)),
        secs(max(|i| i.rto_ns)),
        o.events.to_string(),
        secs(o.dr_active_ns),
        opt_secs(o.seeding_ns),
        opt_secs(o.lag_at_horizon_ns),
        o.refused_operations.to_string(),
    ]
}

/// Streams both CSV files while a run progresses; `commit` publishes them.
pub struct CsvSink {
    incidents: csv::Writer<AtomicFile>,
    runs: csv::Writer<AtomicFile>,
}

impl CsvSink {
    pub fn create(dir: &Path) -> io::Result<CsvSink> {
        let mut incidents =
            csv::Writer::from_writer(AtomicFile::create(&dir.join("incidents.csv"))?);
        incidents.write_record(INCIDENT_COLUMNS)?;
        let mut runs = csv::Writer::from_writer(AtomicFile::create(&dir.join("runs.csv"))?);
        runs.write_record(RUN_COLUMNS)?;
        Ok(CsvSink { incidents, runs })
    }

    pub fn commit(self) -> io::Result<Vec<PathBuf>> {
        let mut paths = Vec::new();
        for w in [self.incidents, self.runs] {
            let file = w
                .into_inner()
                .map_err(|e| io::Error::other(e.to_string()))?;
            paths.push(file.commit()?);
        }
        Ok(paths)
    }
}

impl OutcomeSink for CsvSink {
    fn accept(&mut self, o: &ReplicationOutcome) -> io::Result<()> {
        for i in &o.incidents {
            self.incidents.write_record(incident_row(i))?;
        }
        self.runs.write_record(run_row(o))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_exact() {
        assert_eq!(secs(1_500_000_001), "1.500000001");
        assert_eq!(secs(0), "0.000000000");
    }
}
