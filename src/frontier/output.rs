//! The frontier as `frontier.csv` (one row per policy), as the table
//! `drsim frontier` prints, and as the chart `frontier.png` / `.svg`.

use super::{Estimate, Frontier};
use crate::plot::{frontier_chart, FrontierPoint, PlotError, Provenance};
use crate::report::atomic::write_atomic;
use crate::time::format_seconds;
use std::path::{Path, PathBuf};

/// Columns of `frontier.csv`, in order (see README "Output files").
pub const CSV_COLUMNS: [&str; 14] = [
    "max_data_loss",
    "operator_decision",
    "downtime_s_per_year",
    "downtime_s_per_year_ci95_low",
    "downtime_s_per_year_ci95_high",
    "region_downtime_s_per_year",
    "region_downtime_s_per_year_ci95_low",
    "region_downtime_s_per_year_ci95_high",
    "lost_writes_per_year",
    "lost_writes_per_year_ci95_low",
    "lost_writes_per_year_ci95_high",
    "failovers_per_year",
    "efficient",
    "runs",
];

/// Writes `frontier.csv` atomically (whole or not at all). Numbers use
/// Rust's shortest round-trip formatting; an undefined cell is empty.
pub fn write_csv(frontier: &Frontier, path: &Path) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_COLUMNS).map_err(std::io::Error::other)?;
    let cell = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
    let cells = |e: &Estimate| {
        [
            cell(e.mean),
            cell(e.ci95.map(|c| c.0)),
            cell(e.ci95.map(|c| c.1)),
        ]
    };
    for p in &frontier.points {
        let mut record = vec![p.max_data_loss.clone(), p.decision.clone()];
        record.extend(cells(&p.downtime_s));
        record.extend(cells(&p.region_downtime_s));
        record.extend(cells(&p.lost_writes));
        record.push(cell(p.failovers));
        record.push(p.efficient.to_string());
        record.push(p.summary.runs.to_string());
        w.write_record(&record).map_err(std::io::Error::other)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    write_atomic(path, &bytes).map(|_| ())
}

/// The printed table: one line per policy, efficient ones marked `*`.
pub fn render(frontier: &Frontier) -> String {
    let duration = |e: &Estimate| match (e.mean, e.ci95) {
        (None, _) => "-".to_string(),
        (Some(m), None) => format_seconds(m),
        (Some(m), Some((lo, hi))) => format!(
            "{} ({} – {})",
            format_seconds(m),
            format_seconds(lo.max(0.0)),
            format_seconds(hi)
        ),
    };
    let count = |e: &Estimate| match (e.mean, e.ci95) {
        (None, _) => "-".to_string(),
        (Some(m), None) => format!("{m:.1}"),
        (Some(m), Some((lo, hi))) => format!("{m:.1} ({:.1} – {hi:.1})", lo.max(0.0)),
    };
    let mut out = format!(
        "  {:<24} {:<30} {:<30} {:<28} {:>12}\n",
        "max loss / decision",
        "downtime/yr (95% CI)",
        "region-caused/yr (95% CI)",
        "lost writes/yr (95% CI)",
        "failovers/yr"
    );
    for p in &frontier.points {
        out.push_str(&format!(
            "{} {:<24} {:<30} {:<30} {:<28} {:>12}\n",
            if p.efficient { "*" } else { " " },
            p.label(),
            duration(&p.downtime_s),
            duration(&p.region_downtime_s),
            count(&p.lost_writes),
            p.failovers.map_or("-".into(), |f| format!("{f:.3}")),
        ));
    }
    out.push_str(
        "* efficient: no other policy has at most its downtime and lost writes, and less of one\n",
    );
    if let Some(rate) = frontier.scale.outage_rate {
        out.push_str(&format!(
            "conditioned run: what the one region outage per replication causes is scaled by {rate:.4} outages per year\n"
        ));
    }
    out
}

/// Draws `frontier.png` and `frontier.svg` into `dir`: x lost writes per
/// year, y downtime per year, error bars, the efficient policies joined and
/// labelled. Policies without means (not run) are left out.
pub fn write_chart(
    frontier: &Frontier,
    dir: &Path,
    prov: &Provenance,
) -> Result<Vec<PathBuf>, PlotError> {
    let points: Vec<FrontierPoint> = frontier
        .points
        .iter()
        .filter_map(|p| {
            Some(FrontierPoint {
                label: p.label(),
                lost_writes: p.lost_writes.mean?,
                lost_writes_ci: p.lost_writes.ci95,
                downtime_s: p.downtime_s.mean?,
                downtime_ci: p.downtime_s.ci95,
                efficient: p.efficient,
            })
        })
        .collect();
    let title = if frontier.scale.outage_rate.is_some() {
        "DR policy frontier (max data loss / decision delay; conditioned run)"
    } else {
        "DR policy frontier (max data loss / decision delay)"
    };
    frontier_chart(&dir.join("frontier"), title, &points, prov)
}
