//! The comparison's charts, one point per scenario:
//!
//! - `comparison`: RPO p99 against RTO p99, region incidents in the left
//!   panel and zone incidents in the right, each point with the 95%
//!   intervals of both quantiles;
//! - `availability_latency`: write downtime per year (mean and 95%
//!   interval, from availability's; a log axis past two decades, where
//!   99.998% and 99.99993% would look the same on a linear availability
//!   axis) against the commit latency p50.
//!
//! Points are labelled with their scenario's number, and the legend gives
//! number and name: a dozen deployments often share a figure (an RPO of
//! 0), and full names would stack into a column far from their points.

use super::row::{ClassFigures, Row};
use crate::plot::{scatter_chart, PlotError, Provenance, ScatterPanel, ScatterPoint, Unit};
use std::path::{Path, PathBuf};

/// The 95% interval of a row's downtime per year, from its availability's:
/// downtime is `(1 − availability)` of the year.
fn downtime_interval(r: &Row) -> Option<(f64, f64)> {
    let (mean, lo, hi) = r.availability?;
    let per_year = r.downtime_s_per_year?;
    if mean >= 1.0 {
        return Some((0.0, 0.0));
    }
    let year_s = per_year / (1.0 - mean);
    Some(((1.0 - hi).max(0.0) * year_s, (1.0 - lo) * year_s))
}

/// The label of scenario `i` (0-based) on the charts: its number from 1.
fn number(i: usize) -> String {
    (i + 1).to_string()
}

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
                label: number(i),
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
    let names: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{}  {}", number(i), r.scenario))
        .collect();
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
            Some(ScatterPoint {
                series: i,
                label: number(i),
                x: r.commit_latency?.0,
                y: r.downtime_s_per_year?,
                x_ci: None,
                y_ci: downtime_interval(r),
            })
        })
        .collect();
    let panel = ScatterPanel {
        x_label: "commit latency p50".into(),
        x_unit: Unit::Seconds,
        y_label: "write downtime per year".into(),
        y_unit: Unit::Seconds,
        points,
    };
    match scatter_chart(
        &dir.join("availability_latency"),
        "Write downtime a year against commit latency, same failures (bars: 95% intervals)",
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
