//! Tidy CSV exporters: `incidents.csv` (one row per incident) and
//! `runs.csv` (one row per replication). Times are seconds written with
//! exact nanosecond digits, so the text is identical on every platform.

use super::atomic::AtomicFile;
use crate::incident::Incident;
use crate::model::ReplicationOutcome;
use crate::runner::{OutcomeSink, Renderer};
use std::fmt::{self, Write as _};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Seconds with nine exact decimals from integer nanoseconds.
pub fn secs(ns: u64) -> String {
    let mut s = String::new();
    push_secs(&mut s, ns);
    s
}

/// Integers go through `itoa` (already a dependency of `serde_json`): the
/// CSVs are mostly integers and `fmt` made their formatting a sixth of a
/// run's work.
fn push_secs(out: &mut String, ns: u64) {
    let mut digits = itoa::Buffer::new();
    out.push_str(digits.format(ns / 1_000_000_000));
    out.push('.');
    let fraction = digits.format(ns % 1_000_000_000);
    out.extend(std::iter::repeat_n('0', 9 - fraction.len()));
    out.push_str(fraction);
}

/// A text field as RFC 4180 (and the `csv` crate) write it: quoted, with
/// quotes doubled, when it holds a comma, a quote or a line break.
fn push_text(out: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// Writes one row, field by field: a comma before every field but the
/// first, a newline at the end.
struct Row<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Row<'a> {
    fn new(out: &'a mut String) -> Row<'a> {
        Row { out, first: true }
    }

    fn next(&mut self) -> &mut String {
        if !std::mem::take(&mut self.first) {
            self.out.push(',');
        }
        self.out
    }

    fn int(&mut self, n: impl itoa::Integer) {
        self.next().push_str(itoa::Buffer::new().format(n));
    }

    fn secs(&mut self, ns: u64) {
        push_secs(self.next(), ns);
    }

    fn opt_secs(&mut self, ns: Option<u64>) {
        let out = self.next();
        if let Some(ns) = ns {
            push_secs(out, ns);
        }
    }

    fn text(&mut self, text: &str) {
        push_text(self.next(), text);
    }

    fn end(self) {
        self.out.push('\n');
    }
}

fn header(columns: &[&str]) -> String {
    let mut out = String::new();
    let mut row = Row::new(&mut out);
    for c in columns {
        row.text(c);
    }
    row.end();
    out
}

/// Columns of `incidents.csv`.
pub const INCIDENT_COLUMNS: [&str; 31] = [
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
    "overlaps",
    "disruptive",
    "downtime_s",
    "resync_s",
    "detection_s",
    "decision_s",
    "execution_s",
    "restore_s",
    "drain_s",
    "wait_s",
    "total_loss",
    "escalated_from",
];

/// Columns of `runs.csv`.
pub const RUN_COLUMNS: [&str; 16] = [
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
    "read_availability",
    "read_downtime_s",
];

fn incident_row(out: &mut String, i: &Incident) {
    let mut row = Row::new(out);
    row.int(i.run);
    row.int(i.seq);
    row.text(i.class.name());
    row.text(&i.scope);
    row.text(if i.scheduled { "true" } else { "false" });
    row.secs(i.start_ns);
    row.opt_secs(i.end_ns);
    row.opt_secs(i.interruption_start_ns);
    row.opt_secs(i.interruption_end_ns);
    row.secs(i.rto_ns);
    row.secs(i.rpo_ns);
    row.int(i.lost_writes);
    row.int(i.lost_bytes);
    row.text(i.recovery);
    row.opt_secs(i.last_sync_ns);
    // The loss window: from the last sync to the moment the primary stopped.
    row.opt_secs(i.shown_loss_ns);
    row.opt_secs(i.shown_loss_ns);
    row.text(i.decision.unwrap_or_default());
    row.opt_secs(i.catch_up_ns);
    match i.overlaps {
        Some(seq) => row.int(seq),
        None => row.text(""),
    }
    row.text(if i.disruptive() { "true" } else { "false" });
    row.secs(i.downtime_ns);
    row.opt_secs(i.resync_ns);
    for ns in [
        i.detection_ns,
        i.decision_ns,
        i.execution_ns,
        i.restore_ns,
        i.drain_ns,
        i.wait_ns,
    ] {
        row.secs(ns);
    }
    row.text(if i.total_loss { "true" } else { "false" });
    match i.escalated_from {
        Some(seq) => row.int(seq),
        None => row.text(""),
    }
    row.end();
}

/// The run's row: numbers only, so it holds no line break but its last.
fn run_row(out: &mut String, o: &ReplicationOutcome) -> fmt::Result {
    let max = |f: fn(&Incident) -> u64| o.incidents.iter().map(f).max().unwrap_or(0);
    let mut row = Row::new(out);
    row.int(o.run);
    write!(row.next(), "{:.12}", o.availability())?;
    row.secs(o.downtime_ns());
    row.int(o.incidents.len());
    row.int(o.interruptions);
    row.int(o.incidents.iter().map(|i| i.lost_writes).sum::<u64>());
    row.int(o.incidents.iter().map(|i| i.lost_bytes).sum::<u64>());
    row.secs(max(|i| i.rpo_ns));
    row.secs(max(|i| i.rto_ns));
    row.int(o.events);
    row.secs(o.dr_active_ns);
    row.opt_secs(o.seeding_ns);
    row.opt_secs(o.lag_at_horizon_ns);
    row.int(o.refused.len() as u64);
    write!(row.next(), "{:.12}", o.read_availability())?;
    row.secs(o.read_down_ns);
    row.end();
    Ok(())
}

/// Both files' rows of one outcome: its `runs.csv` row first (one line),
/// then its `incidents.csv` rows.
fn render(o: &ReplicationOutcome, out: &mut String) -> fmt::Result {
    run_row(out, o)?;
    for i in &o.incidents {
        incident_row(out, i);
    }
    Ok(())
}

/// Streams both CSV files while a run progresses; `commit` publishes them.
pub struct CsvSink {
    incidents: AtomicFile,
    runs: AtomicFile,
}

impl CsvSink {
    pub fn create(dir: &Path) -> io::Result<CsvSink> {
        let mut incidents = AtomicFile::create(&dir.join("incidents.csv"))?;
        incidents.write_all(header(&INCIDENT_COLUMNS).as_bytes())?;
        let mut runs = AtomicFile::create(&dir.join("runs.csv"))?;
        runs.write_all(header(&RUN_COLUMNS).as_bytes())?;
        Ok(CsvSink { incidents, runs })
    }

    /// Publishes both files. Their final syncs wait on the disk, not the
    /// CPU, so they run side by side.
    pub fn commit(self) -> io::Result<Vec<PathBuf>> {
        let CsvSink { incidents, runs } = self;
        std::thread::scope(|scope| {
            let incidents = scope.spawn(|| incidents.commit());
            let runs = runs.commit()?;
            let incidents = incidents
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            Ok(vec![incidents, runs])
        })
    }
}

impl OutcomeSink for CsvSink {
    fn renderer(&self) -> Option<Renderer> {
        Some(render)
    }

    fn accept(&mut self, _: &ReplicationOutcome, rendered: &str) -> io::Result<()> {
        let (run, incidents) = rendered.split_at(rendered.find('\n').map_or(0, |i| i + 1));
        self.runs.write_all(run.as_bytes())?;
        self.incidents.write_all(incidents.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quoting as the `csv` crate's default writer does it, so the files
    /// read back as written.
    #[test]
    fn text_fields_are_quoted_when_needed() {
        let mut out = String::new();
        for field in ["az1", "a,b", "say \"hi\"", "two\nlines", ""] {
            let mut row = Row::new(&mut out);
            row.text(field);
            row.int(7);
            row.end();
        }
        let mut expected = csv::Writer::from_writer(Vec::new());
        for field in ["az1", "a,b", "say \"hi\"", "two\nlines", ""] {
            expected.write_record([field, "7"]).unwrap();
        }
        let expected = String::from_utf8(expected.into_inner().unwrap()).unwrap();
        assert_eq!(out, expected);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(out.as_bytes());
        let back: Vec<String> = reader
            .records()
            .map(|r| r.unwrap()[0].to_string())
            .collect();
        assert_eq!(back, ["az1", "a,b", "say \"hi\"", "two\nlines", ""]);
    }

    #[test]
    fn seconds_are_exact() {
        assert_eq!(secs(1_500_000_001), "1.500000001");
        assert_eq!(secs(0), "0.000000000");
    }
}
