//! One row of the comparison per scenario: the figures of its summary that
//! an architect compares deployments by, annualised where the summary is
//! per replication, and the table and CSV they are printed as.

use super::quantile_ci::{quantile_ci95, ClassValues, IncidentValues};
use crate::metrics::{target_verdict, Summary, TargetResult};
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
    /// The scenario's `[targets.<class>] rpo`, judged as in its report.
    pub rpo_target: Option<TargetFigure>,
    /// The scenario's `[targets.<class>] rto`, judged as in its report.
    pub rto_target: Option<TargetFigure>,
}

/// One target of the scenario (`[targets.<class>]`) and its verdict, as
/// the scenario's own report gives it ([`TargetResult`]): the documented
/// figure beside the simulated one.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetFigure {
    /// The target (seconds).
    pub target_s: f64,
    /// Share of the judged incidents that must meet it.
    pub quantile: f64,
    /// That quantile of the metric over the judged incidents (seconds);
    /// `None` without a judged incident.
    pub observed_s: Option<f64>,
    /// Incidents judged (0: the verdict is `NO INCIDENT`).
    pub incidents: u64,
    /// Share of the judged incidents that met it.
    pub share_met: f64,
    /// `share_met >= quantile` (vacuously true without a judged incident).
    pub met: bool,
}

impl TargetFigure {
    /// The target of `class` on `metric` (`"rpo"`, `"rto"`) in `targets`.
    fn of(targets: &[TargetResult], class: &str, metric: &str) -> Option<TargetFigure> {
        targets
            .iter()
            .find(|t| t.class == class && t.metric == metric)
            .map(|t| TargetFigure {
                target_s: t.target_s,
                quantile: t.quantile,
                observed_s: t.observed_s,
                incidents: t.incidents,
                share_met: t.share_met,
                met: t.met,
            })
    }
}

impl ClassFigures {
    fn of(summary: &Summary, class_name: &str, values: &ClassValues) -> ClassFigures {
        let rpo_target = TargetFigure::of(&summary.targets, class_name, "rpo");
        let rto_target = TargetFigure::of(&summary.targets, class_name, "rto");
        let Some(c) = summary.classes.get(class_name) else {
            return ClassFigures {
                incidents: 0,
                disruptive: 0,
                rpo: None,
                rpo_p99_ci95: None,
                rto: None,
                rto_p99_ci95: None,
                rpo_target,
                rto_target,
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
            rpo_target,
            rto_target,
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
    /// Share of time some copy served reads: mean and 95% interval.
    pub read_availability: Option<(f64, f64, f64)>,
    /// Mean time without reads per year (seconds).
    pub read_downtime_s_per_year: Option<f64>,
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
        let with_ci = |a: &crate::metrics::Interval| {
            let [lo, hi] = a.ci95.unwrap_or([a.mean, a.mean]);
            (a.mean, lo, hi)
        };
        Row {
            scenario: summary.scenario.clone(),
            file: file.to_string(),
            runs: summary.runs,
            availability: summary.availability.as_ref().map(with_ci),
            downtime_s_per_year: summary.downtime_s.as_ref().map(|d| d.mean / years),
            read_availability: summary.read_availability.as_ref().map(with_ci),
            read_downtime_s_per_year: summary.read_downtime_s.as_ref().map(|d| d.mean / years),
            zone: ClassFigures::of(summary, "zone", &values.zone),
            region: ClassFigures::of(summary, "region", &values.region),
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
    "read_availability",
    "read_availability_ci95_low",
    "read_availability_ci95_high",
    "read_downtime_s_per_year",
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
    "zone_rpo_target_s",
    "zone_rpo_target_quantile",
    "zone_rpo_target_observed_s",
    "zone_rpo_target_met",
    "zone_rto_target_s",
    "zone_rto_target_quantile",
    "zone_rto_target_observed_s",
    "zone_rto_target_met",
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
    "region_rpo_target_s",
    "region_rpo_target_quantile",
    "region_rpo_target_observed_s",
    "region_rpo_target_met",
    "region_rto_target_s",
    "region_rto_target_quantile",
    "region_rto_target_observed_s",
    "region_rto_target_met",
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
    let mut cells = vec![
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
    ];
    for t in [&c.rpo_target, &c.rto_target] {
        cells.extend([
            cell(t.as_ref().map(|t| t.target_s)),
            cell(t.as_ref().map(|t| t.quantile)),
            cell(t.as_ref().and_then(|t| t.observed_s)),
            t.as_ref().map(|t| t.met.to_string()).unwrap_or_default(),
        ]);
    }
    cells
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
            cell(r.read_availability.map(|a| a.0)),
            cell(r.read_availability.map(|a| a.1)),
            cell(r.read_availability.map(|a| a.2)),
            cell(r.read_downtime_s_per_year),
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
        "{:<width$}  {:>11}  {:>10}  {:>11}  {:>26}  {:>26}  {:>26}  {:>26}  {:>12}  {:>14}  {:>19}  {:>9}",
        "scenario",
        "availability",
        "down/year",
        "reads",
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
        let share =
            |a: Option<(f64, f64, f64)>| a.map_or_else(dash, |a| format!("{:.5}%", a.0 * 100.0));
        let availability = share(r.availability);
        let latency = r.commit_latency.map_or_else(dash, |(p50, p99)| {
            format!("{} / {}", format_seconds(p50), format_seconds(p99))
        });
        let _ = writeln!(
            out,
            "{:<width$}  {:>11}  {:>10}  {:>11}  {:>26}  {:>26}  {:>26}  {:>26}  {:>12.1}  {:>14}  {:>19}  {:>9.0}",
            r.scenario,
            availability,
            secs(r.downtime_s_per_year),
            share(r.read_availability),
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
        "* availability: writes served; reads: some copy served reads; RTO over the disruptive incidents; RPO over every incident; per year = per replication × 365 d / horizon"
    );
    out.push_str(&render_targets(rows));
    if rows.iter().any(|r| r.storage_cost_per_month.is_some()) {
        for r in rows {
            if let Some(c) = r.storage_cost_per_month {
                let _ = writeln!(out, "storage cost per month  {}: {c:.2}", r.scenario);
            }
        }
    }
    out
}

/// A share as a percentage without trailing zeros (0.9 → `90%`, 0.999 →
/// `99.9%`), to 0.01%.
fn percent(share: f64) -> String {
    format!("{}%", (share * 1e4).round() / 1e2)
}

/// One target's cells: `≤ 5.00s at 90%`, then `MET 97.1%` or `MISSED …`
/// (the share of judged incidents meeting it), `NO INCIDENT` with none to
/// judge; dashes without a target.
fn target_cells(t: Option<&TargetFigure>) -> (String, String) {
    t.map_or_else(
        || ("-".to_string(), "-".to_string()),
        |t| {
            // The share met, beside a verdict that judged something.
            let word = target_verdict(t.incidents, t.met);
            let verdict = if t.incidents == 0 {
                word.to_string()
            } else {
                format!("{word} {}", percent(t.share_met))
            };
            (
                format!(
                    "≤ {} at {}",
                    format_seconds(t.target_s),
                    percent(t.quantile)
                ),
                verdict,
            )
        },
    )
}

/// The targets block of the printed table: per scenario and class with a
/// target, the documented RPO and RTO beside the simulated p50 / p99 and
/// the verdict (empty when no scenario has a zone or region target).
fn render_targets(rows: &[Row]) -> String {
    let mut lines = Vec::new();
    for r in rows {
        for (class, c) in [("zone", &r.zone), ("region", &r.region)] {
            if c.rpo_target.is_none() && c.rto_target.is_none() {
                continue;
            }
            let pair = |q: Option<[f64; 3]>| {
                q.map_or_else(
                    || "- / -".to_string(),
                    |q| format!("{} / {}", format_seconds(q[0]), format_seconds(q[1])),
                )
            };
            let (rpo_target, rpo_verdict) = target_cells(c.rpo_target.as_ref());
            let (rto_target, rto_verdict) = target_cells(c.rto_target.as_ref());
            lines.push([
                r.scenario.clone(),
                class.to_string(),
                rpo_target,
                pair(c.rpo),
                rpo_verdict,
                rto_target,
                pair(c.rto),
                rto_verdict,
            ]);
        }
    }
    if lines.is_empty() {
        return String::new();
    }
    let header = [
        "scenario",
        "class",
        "RPO target",
        "RPO p50 / p99",
        "RPO verdict",
        "RTO target",
        "RTO* p50 / p99",
        "RTO verdict",
    ]
    .map(String::from);
    let mut widths = [0usize; 8];
    for l in std::iter::once(&header).chain(&lines) {
        for (w, cell) in widths.iter_mut().zip(l) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::from("\ntargets (each scenario's [targets], judged as in its report)\n");
    for l in std::iter::once(&header).chain(&lines) {
        let cells: Vec<String> = l
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                let pad = w - cell.chars().count();
                if i < 2 {
                    format!("{cell}{}", " ".repeat(pad))
                } else {
                    format!("{}{cell}", " ".repeat(pad))
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(rpo: Option<TargetFigure>, rto: Option<TargetFigure>) -> ClassFigures {
        ClassFigures {
            incidents: 10,
            disruptive: 4,
            rpo: Some([0.5, 1.0, 1.2]),
            rpo_p99_ci95: None,
            rto: Some([60.0, 3600.0, 7200.0]),
            rto_p99_ci95: None,
            rpo_target: rpo,
            rto_target: rto,
        }
    }

    fn row(zone: ClassFigures, region: ClassFigures) -> Row {
        Row {
            scenario: "s".into(),
            file: "s.toml".into(),
            runs: 3,
            availability: None,
            downtime_s_per_year: None,
            read_availability: None,
            read_downtime_s_per_year: None,
            zone,
            region,
            lost_writes_per_year: 0.0,
            lost_updates_per_year: None,
            deferred_writes_per_year: None,
            commit_latency: None,
            storage_gb: 0.0,
            storage_cost_per_month: None,
        }
    }

    /// The target columns sit after each class's RTO max, in the order
    /// target, quantile, observed, met; empty where the scenario has no
    /// such target. The printed block gives target, p50 / p99 and verdict
    /// per class with a target, and is absent without any.
    #[test]
    fn targets_appear_beside_the_simulated_figures() {
        let met = TargetFigure {
            target_s: 5.0,
            quantile: 0.9,
            observed_s: Some(0.9),
            incidents: 10,
            share_met: 1.0,
            met: true,
        };
        let missed = TargetFigure {
            target_s: 60.0,
            quantile: 0.999,
            observed_s: None,
            incidents: 4,
            share_met: 0.25,
            met: false,
        };
        let missed_copy = missed.clone();
        let r = row(class(None, None), class(Some(met), Some(missed)));
        let csv = to_csv(std::slice::from_ref(&r));
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let cells: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header.len(), cells.len());
        let at = |name: &str| cells[header.iter().position(|h| *h == name).unwrap()];
        let after_max = header
            .iter()
            .position(|h| *h == "region_rto_max_s")
            .unwrap();
        assert_eq!(header[after_max + 1], "region_rpo_target_s");
        assert_eq!(
            [
                "region_rpo_target_s",
                "region_rpo_target_quantile",
                "region_rpo_target_observed_s",
                "region_rpo_target_met",
            ]
            .map(at),
            ["5", "0.9", "0.9", "true"]
        );
        assert_eq!(
            [
                "region_rto_target_s",
                "region_rto_target_quantile",
                "region_rto_target_observed_s",
                "region_rto_target_met",
            ]
            .map(at),
            ["60", "0.999", "", "false"]
        );
        assert_eq!(at("zone_rpo_target_s"), "");
        assert_eq!(at("zone_rto_target_met"), "");
        let printed = render(std::slice::from_ref(&r));
        let block: Vec<&str> = printed
            .lines()
            .skip_while(|l| !l.starts_with("targets"))
            .collect();
        assert_eq!(block.len(), 3, "{printed}");
        assert!(block[1].starts_with("scenario  class"), "{}", block[1]);
        let line = block[2];
        assert!(line.starts_with("s         region"), "{line}");
        for part in ["≤ 5.00s at 90%", "500.0ms / 1.00s", "MET 100%"] {
            assert!(line.contains(part), "{part} in {line}");
        }
        for part in ["≤ 1m 00s at 99.9%", "1m 00s / 1h 00m", "MISSED 25%"] {
            assert!(line.contains(part), "{part} in {line}");
        }
        let unseen = TargetFigure {
            incidents: 0,
            observed_s: None,
            share_met: 1.0,
            met: true,
            ..missed_copy
        };
        let (_, verdict) = target_cells(Some(&unseen));
        assert_eq!(verdict, "NO INCIDENT");
        let none = render(&[row(class(None, None), class(None, None))]);
        assert!(!none.contains("targets ("), "{none}");
    }
}
