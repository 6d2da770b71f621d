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
use std::io;
use std::path::{Path, PathBuf};

/// Writes `summary.json` (pretty, trailing newline) atomically.
pub fn write_summary_json(dir: &Path, summary: &Summary) -> io::Result<PathBuf> {
    let mut text = serde_json::to_string_pretty(summary).map_err(io::Error::other)?;
    text.push('\n');
    atomic::write_atomic(&dir.join("summary.json"), text.as_bytes())
}
