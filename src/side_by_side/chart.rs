//! The comparison's charts, one point per scenario:
//!
//! - `comparison`: RPO p99 against RTO p99, region incidents in the left
//!   panel and zone incidents in the right, each point with the 95%
//!   intervals of both quantiles;
//! - `availability_latency`: availability (mean and 95% interval) against
//!   the commit latency p50.

use super::row::{ClassFigures, Row};
use crate::plot::{scatter_chart, PlotError, Provenance, ScatterPanel, ScatterPoint, Unit};
use std::path::{Path, PathBuf};

/// The RPO–RTO panel of one class; scenarios without a disruptive
/// incident of the class have no RTO and are left out of it.
fn rpo_rto_panel(rows: &[Row], class: &str, of: fn(&Row) -> &ClassFigures) -> ScatterPanel {
    let points = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let c = of(r);
            Some(ScatterPoint {
                series: i,
                label: r.scenario.clone(),
                x: c.rto?[1],
                y: c.rpo?[1],
                x_ci: c.rto_p99_ci95,
                y_ci: c.rpo_p99_ci95,
            })
        })
        .collect();
    ScatterPanel {
        x_label: format!("{class} RTO p99 (disruptive incidents)"),
        x_unit: Unit::Seconds,
        y_label: format!("{class} RPO p99"),
        y_unit: Unit::Seconds,
        points,
    }
}

/// Writes both charts into `dir`; returns the files written. A chart with
/// nothing to draw (no scenario has a disruptive incident) is skipped.
pub fn write_charts(
    dir: &Path,
    rows: &[Row],
    prov: &Provenance,
) -> Result<Vec<PathBuf>, PlotError> {
    let names: Vec<String> = rows.iter().map(|r| r.scenario.clone()).collect();
    let mut files = Vec::new();
    let panels = [
        rpo_rto_panel(rows, "region", |r| &r.region),
        rpo_rto_panel(rows, "zone", |r| &r.zone),
    ];
    match scatter_chart(
        &dir.join("comparison"),
        "RPO p99 against RTO p99, same failures (bars: 95% intervals)",
        &names,
        &panels,
        prov,
    ) {
        Ok(f) => files.extend(f),
        Err(PlotError::EmptyInput(_)) => {}
        Err(e) => return Err(e),
    }
    let points = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let (mean, lo, hi) = r.availability?;
            Some(ScatterPoint {
                series: i,
                label: r.scenario.clone(),
                x: r.commit_latency?.0,
                y: mean,
                x_ci: None,
                y_ci: Some((lo, hi)),
            })
        })
        .collect();
    let panel = ScatterPanel {
        x_label: "commit latency p50".into(),
        x_unit: Unit::Seconds,
        y_label: "availability (writes served)".into(),
        y_unit: Unit::Fraction,
        points,
    };
    match scatter_chart(
        &dir.join("availability_latency"),
        "Availability against commit latency, same failures (bars: 95% intervals)",
        &names,
        &[panel],
        prov,
    ) {
        Ok(f) => files.extend(f),
        Err(PlotError::EmptyInput(_)) => {}
        Err(e) => return Err(e),
    }
    Ok(files)
}
