//! Charts of simulation results, written as PNG (for reports and chat) and SVG
//! (for the web and for byte-exact regression checks).
//!
//! Every chart carries a caption with the scenario, seed, run count, scenario
//! hash and simulator version, so a figure found in a slide deck can always be
//! traced back to the run that produced it.
//!
//! Rendering is deterministic: the same input gives byte-identical SVG, which
//! is what lets result directories be diffed between versions.

mod axis;
mod breakdown;
mod cdf;
mod decision;
mod frontier;
mod output;
mod scatter;
mod story;
mod story_chart;
mod style;
mod sweep;
mod timeline;

use std::path::PathBuf;

pub use axis::Unit;
pub use breakdown::{rto_breakdown_chart, RtoBreakdown, RTO_COMPONENTS};
pub use cdf::{cdf_chart, CdfSeries, TargetLine};
pub use decision::{decision_chart, DecisionCurve};
pub use frontier::{frontier_chart, FrontierPoint};
pub use output::{CHART_HEIGHT, CHART_WIDTH};
pub use scatter::{scatter_chart, ScatterPanel, ScatterPoint};
pub use story::{incident_story, pick_incident, Actors, Story};
pub use story_chart::incident_chart;
pub use style::caption_tail;
pub use sweep::{sweep_chart, SweepPoint, SweepSeries};
pub use timeline::{timeline_chart, Band};

/// Who/what produced a chart; printed in a caption line on every chart so a
/// figure can be traced to its run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// Scenario name as given in the scenario file.
    pub scenario: String,
    /// Hash of the scenario file; only a short prefix is printed.
    pub scenario_hash: String,
    /// Root seed of the run.
    pub seed: u64,
    /// Number of replications the chart summarises.
    pub runs: u64,
    /// Version of drsim that ran the simulation.
    pub drsim_version: String,
}

/// Why a chart could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Creating the output directory or writing/renaming a file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory that could not be written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The plotting library refused to draw (bad font, backend failure).
    #[error("drawing failed: {0}")]
    Draw(String),
    /// The rendered bitmap could not be encoded as PNG.
    #[error("PNG encoding failed: {0}")]
    Png(#[from] png::EncodingError),
    /// Nothing plottable was left after dropping NaN/infinite/out-of-range
    /// values; the message says which input was empty.
    #[error("nothing to plot: {0}")]
    EmptyInput(String),
    /// A parameter that cannot be drawn at all (e.g. a non-positive horizon).
    #[error("invalid chart input: {0}")]
    InvalidInput(String),
}

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for PlotError
{
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        PlotError::Draw(e.to_string())
    }
}
