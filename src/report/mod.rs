//! Exporters of a run's results: one per format, all fed by the same
//! [`Summary`](crate::metrics::Summary) and outcome stream.

pub mod atomic;
pub mod charts;
pub mod csv;
pub mod default_dir;
pub mod folder;
pub mod html;
pub mod provenance;
pub mod table;
pub mod trace;

use crate::metrics::Summary;
use crate::scenario::Scenario;
use std::io;
use std::path::{Path, PathBuf};

/// Writes `summary.json` (pretty, trailing newline) atomically.
pub fn write_summary_json(dir: &Path, summary: &Summary) -> io::Result<PathBuf> {
    let mut text = serde_json::to_string_pretty(summary).map_err(io::Error::other)?;
    text.push('\n');
    atomic::write_atomic(&dir.join("summary.json"), text.as_bytes())
}

/// Writes a `run` folder's `summary.json` and its `provenance.json`, which
/// lists the files every run folder holds: `drsim run` and each scenario of
/// a side-by-side run write the same record.
pub fn write_run_record(dir: &Path, summary: &Summary, sc: &Scenario) -> io::Result<()> {
    write_summary_json(dir, summary)?;
    provenance::write(
        dir,
        sc,
        summary.runs,
        "run",
        &["summary.json", "incidents.csv", "runs.csv", "report.html"],
    )?;
    Ok(())
}

/// The one-line account of several writing regions, in the printed and
/// the HTML report alike.
pub fn multi_writer_line(m: &crate::metrics::MultiWriterSummary) -> String {
    let paired = m
        .paired_clients_availability
        .as_ref()
        .map_or("-".to_string(), |a| format!("{:.5}%", a.mean * 100.0));
    format!(
        "several writing regions: {:.4e} lost updates/year (last writer wins; {} in all) · {:.1} deferred writes/year over {} region outages, longest deferral {} · paired region's clients served {}",
        m.lost_updates_per_year,
        m.lost_updates,
        m.deferred_writes_per_year,
        m.deferrals,
        crate::time::format_seconds(m.deferral_max_s),
        paired
    )
}
