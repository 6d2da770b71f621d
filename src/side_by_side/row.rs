//! One row of the comparison per scenario: the figures of its summary that
//! an architect compares deployments by, annualised where the summary is
//! per replication, and the table and CSV they are printed as.

use super::quantile_ci::{quantile_ci95, ClassValues, IncidentValues};
use crate::metrics::{ClassSummary, Summary};
use crate::time::format_seconds;
use std::fmt::Write;

/// Seconds in a year (365 d), for the annual figures.
const YEAR_S: f64 = 365.0 * 86_400.0;
/// A month for storage (365 d / 12, as the summary's GB-months).
const MONTH_S: f64 = YEAR_S / 12.0;

/// RPO and RTO of one incident class (seconds). `None` where the class had
/// no incident (RPO) or no disruptive incident (RTO).
#[derive(Clone, Debug, PartialEq)]
pub struct ClassFigures {
    pub incidents: u64,
    pub disruptive: u64,
    /// RPO over every incident: p50, p99, max.
    pub rpo: Option<[f64; 3]>,
    /// 95% interval of the RPO p99 (order statistics).
    pub rpo_p99_ci95: Option<(f64, f64)>,
    /// RTO over the disruptive incidents: p50, p99, max.
    pub rto: Option<[f64; 3]>,
    /// 95% interval of the RTO p99 (order statistics).
    pub rto_p99_ci95: Option<(f64, f64)>,
}

impl ClassFigures {
    fn of(class: Option<&ClassSummary>, values: &ClassValues) -> ClassFigures {
        let Some(c) = class else {
            return ClassFigures {
                incidents: 0,
                disruptive: 0,
                rpo: None,
                rpo_p99_ci95: None,
                rto: None,
                rto_p99_ci95: None,
            };
        };
        let q = |q: &crate::metrics::Quantiles| (q.count > 0).then_some([q.p50, q.p99, q.max]);
        ClassFigures {
            incidents: c.incidents,
            disruptive: c.disruptive,
            rpo: q(&c.rpo_s),
            rpo_p99_ci95: quantile_ci95(&values.rpo_ns, 0.99),
            rto: q(&c.disruptive_rto_s),
            rto_p99_ci95: quantile_ci95(&values.disruptive_rto_ns, 0.99),
        }
    }
}

/// One scenario's figures in the comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The scenario's name.
    pub scenario: String,
    /// The file it was read from.
    pub file: String,
    /// Replications run.
    pub runs: u64,
    /// Share of time writes were served: mean and 95% interval.
    pub availability: Option<(f64, f64, f64)>,
    /// Mean time without writes per year (seconds).
    pub downtime_s_per_year: Option<f64>,
    pub zone: ClassFigures,
    pub region: ClassFigures,
    /// Acknowledged writes lost per year, every class together.
    pub lost_writes_per_year: f64,
    /// Several writing regions: lost updates (last writer wins) and
    /// deferred writes per year; `None` with one writing region.
    pub lost_updates_per_year: Option<f64>,
    pub deferred_writes_per_year: Option<f64>,
    /// Commit latency p50 and p99 (seconds), sampled while serving.
    pub commit_latency: Option<(f64, f64)>,
    /// Storage billed per month, primary and paired region (GB-months per month).
    pub storage_gb: f64,
    /// Its cost per month, with prices in the scenario.
    pub storage_cost_per_month: Option<f64>,
}

impl Row {
    /// The row of `summary`, with the p99 intervals from `values` (the same
    /// run's incidents).
    pub fn new(file: &str, summary: &Summary, values: &IncidentValues) -> Row {
        let years = summary.horizon_s / YEAR_S;
        let months = summary.horizon_s / MONTH_S;
        let lost: u64 = summary.classes.values().map(|c| c.lost_writes).sum();
        let per_run = |total: f64| {
            if summary.runs == 0 {
                0.0
            } else {
                total / summary.runs as f64
            }
        };
        let storage_gb_months: f64 = summary
            .capacity
            .storage
            .iter()
            .map(|s| s.primary_gb_months + s.secondary_gb_months)
            .sum();
        let latency = &summary.commit_latency_s;
        Row {
            scenario: summary.scenario.clone(),
            file: file.to_string(),
            runs: summary.runs,
            availability: summary.availability.as_ref().map(|a| {
                let [lo, hi] = a.ci95.unwrap_or([a.mean, a.mean]);
                (a.mean, lo, hi)
            }),
            downtime_s_per_year: summary.downtime_s.as_ref().map(|d| d.mean / years),
            zone: ClassFigures::of(summary.classes.get("zone"), &values.zone),
            region: ClassFigures::of(summary.classes.get("region"), &values.region),
            lost_writes_per_year: per_run(lost as f64) / years,
            lost_updates_per_year: summary
                .multi_writer
                .as_ref()
                .map(|m| m.lost_updates_per_year),
            deferred_writes_per_year: summary
                .multi_writer
                .as_ref()
                .map(|m| m.deferred_writes_per_year),
            commit_latency: (latency.count > 0).then_some((latency.p50, latency.p99)),
            storage_gb: storage_gb_months / months,
            storage_cost_per_month: summary.capacity.cost_per_run.map(|c| c / months),
        }
    }
}

/// The columns of `comparison.csv`, in order (documented in the README).
pub const CSV_COLUMNS: &[&str] = &[
    "scenario",
    "file",
    "runs",
    "availability",
    "availability_ci95_low",
    "availability_ci95_high",
    "downtime_s_per_year",
    "zone_incidents",
    "zone_disruptive",
    "zone_rpo_p50_s",
    "zone_rpo_p99_s",
    "zone_rpo_p99_ci95_low_s",
    "zone_rpo_p99_ci95_high_s",
    "zone_rpo_max_s",
    "zone_rto_p50_s",
    "zone_rto_p99_s",
    "zone_rto_p99_ci95_low_s",
    "zone_rto_p99_ci95_high_s",
    "zone_rto_max_s",
    "region_incidents",
    "region_disruptive",
    "region_rpo_p50_s",
    "region_rpo_p99_s",
    "region_rpo_p99_ci95_low_s",
    "region_rpo_p99_ci95_high_s",
    "region_rpo_max_s",
    "region_rto_p50_s",
    "region_rto_p99_s",
    "region_rto_p99_ci95_low_s",
    "region_rto_p99_ci95_high_s",
    "region_rto_max_s",
    "lost_writes_per_year",
    "lost_updates_per_year",
    "deferred_writes_per_year",
    "commit_latency_p50_s",
    "commit_latency_p99_s",
    "storage_gb",
    "storage_cost_per_month",
];

/// A number in a CSV cell: shortest round-trip text, empty when absent.
fn cell(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

/// A text cell, quoted when it holds a separator, quote or line break.
fn text_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn class_cells(c: &ClassFigures) -> Vec<String> {
    let at = |q: Option<[f64; 3]>, i: usize| cell(q.map(|q| q[i]));
    vec![
        c.incidents.to_string(),
        c.disruptive.to_string(),
        at(c.rpo, 0),
        at(c.rpo, 1),
        cell(c.rpo_p99_ci95.map(|c| c.0)),
        cell(c.rpo_p99_ci95.map(|c| c.1)),
        at(c.rpo, 2),
        at(c.rto, 0),
        at(c.rto, 1),
        cell(c.rto_p99_ci95.map(|c| c.0)),
        cell(c.rto_p99_ci95.map(|c| c.1)),
        at(c.rto, 2),
    ]
}

/// `comparison.csv`: a header and one row per scenario, in the order given.
pub fn to_csv(rows: &[Row]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    for r in rows {
        let mut cells = vec![
            text_cell(&r.scenario),
            text_cell(&r.file),
            r.runs.to_string(),
            cell(r.availability.map(|a| a.0)),
            cell(r.availability.map(|a| a.1)),
            cell(r.availability.map(|a| a.2)),
            cell(r.downtime_s_per_year),
        ];
        cells.extend(class_cells(&r.zone));
        cells.extend(class_cells(&r.region));
        cells.extend([
            cell(Some(r.lost_writes_per_year)),
            cell(r.lost_updates_per_year),
            cell(r.deferred_writes_per_year),
            cell(r.commit_latency.map(|l| l.0)),
            cell(r.commit_latency.map(|l| l.1)),
            cell(Some(r.storage_gb)),
            cell(r.storage_cost_per_month),
        ]);
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// The printed table: one line per scenario, `-` where a figure does not apply.
pub fn render(rows: &[Row]) -> String {
    let dash = || "-".to_string();
    let secs = |v: Option<f64>| v.map_or_else(dash, format_seconds);
    let trio = |q: Option<[f64; 3]>| {
        q.map_or_else(
            || "- / - / -".to_string(),
            |q| {
                format!(
                    "{} / {} / {}",
                    format_seconds(q[0]),
                    format_seconds(q[1]),
                    format_seconds(q[2])
                )
            },
        )
    };
    let width = rows
        .iter()
        .map(|r| r.scenario.chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:>11}  {:>10}  {:>26}  {:>26}  {:>26}  {:>26}  {:>12}  {:>14}  {:>19}  {:>9}",
        "scenario",
        "availability",
        "down/year",
        "zone RPO p50/p99/max",
        "zone RTO* p50/p99/max",
        "region RPO p50/p99/max",
        "region RTO* p50/p99/max",
        "lost/year",
        "lost upd/year",
        "commit p50/p99",
        "GB/month",
    );
    for r in rows {
        let availability = r
            .availability
            .map_or_else(dash, |a| format!("{:.5}%", a.0 * 100.0));
        let latency = r.commit_latency.map_or_else(dash, |(p50, p99)| {
            format!("{} / {}", format_seconds(p50), format_seconds(p99))
        });
        let _ = writeln!(
            out,
            "{:<width$}  {:>11}  {:>10}  {:>26}  {:>26}  {:>26}  {:>26}  {:>12.1}  {:>14}  {:>19}  {:>9.0}",
            r.scenario,
            availability,
            secs(r.downtime_s_per_year),
            trio(r.zone.rpo),
            trio(r.zone.rto),
            trio(r.region.rpo),
            trio(r.region.rto),
            r.lost_writes_per_year,
            r.lost_updates_per_year
                .map_or_else(dash, |u| format!("{u:.3e}")),
            latency,
            r.storage_gb,
        );
    }
    let _ = writeln!(
        out,
        "* RTO over the disruptive incidents; RPO over every incident; per year = per replication × 365 d / horizon"
    );
    if rows.iter().any(|r| r.storage_cost_per_month.is_some()) {
        for r in rows {
            if let Some(c) = r.storage_cost_per_month {
                let _ = writeln!(out, "storage cost per month  {}: {c:.2}", r.scenario);
            }
        }
    }
    out
}
