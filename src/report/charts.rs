//! Charts of a results folder, from the files a run wrote (so `drsim plot
//! DIR` redraws them later, and `drsim run --plot` uses the same code):
//! RPO and RTO CDFs per incident class with the targets, the timeline of
//! replication 0 (`timeline.csv`), the RTO breakdown by component, and the
//! sweep chart (`sweep.csv`); and the story of one incident of a traced
//! replication (`drsim trace --plot`).

use crate::incident::{Incident, IncidentClass};
use crate::input::{open_bounded, read_bounded, InputKind};
use crate::model::TraceEvent;
use crate::plot::{
    self, Actors, Band, CdfSeries, PlotError, Provenance, RtoBreakdown, SweepPoint, SweepSeries,
    TargetLine, Unit, RTO_COMPONENTS,
};
use crate::sweep::{numeric_value, parse_value};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why the charts of a folder could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    /// The folder's files are whole but hold nothing a chart can show.
    #[error("{dir}: nothing to plot: {reason}")]
    NothingToPlot { dir: String, reason: String },
    #[error(transparent)]
    Plot(#[from] PlotError),
}

fn read_err(path: &Path, e: impl std::fmt::Display) -> ChartError {
    ChartError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Points kept per CDF curve: enough for a smooth line at 1200 px.
const CDF_POINTS: usize = 1000;

/// The empirical CDF of `values` (seconds), thinned to at most `CDF_POINTS`
/// points at evenly spaced ranks.
pub fn empirical_cdf(mut values: Vec<f64>) -> Vec<(f64, f64)> {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let step = n.div_ceil(CDF_POINTS).max(1);
    let mut points: Vec<(f64, f64)> = (0..n)
        .step_by(step)
        .map(|i| (values[i], (i + 1) as f64 / n as f64))
        .collect();
    if points.last().map(|p| p.1) != Some(1.0) {
        points.push((values[n - 1], 1.0));
    }
    points
}

/// Provenance printed on every chart, from `summary.json`.
pub fn provenance(summary: &Value) -> Provenance {
    Provenance {
        scenario: summary["scenario"].as_str().unwrap_or("?").to_string(),
        scenario_hash: summary["scenario_hash"].as_str().unwrap_or("?").to_string(),
        seed: summary["seed"].as_u64().unwrap_or(0),
        runs: summary["runs"].as_u64().unwrap_or(0),
        drsim_version: summary["drsim_version"].as_str().unwrap_or("?").to_string(),
    }
}

fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), ChartError> {
    let file = open_bounded(path, InputKind::ChartCsv).map_err(|e| read_err(path, e))?;
    let mut r = csv::Reader::from_reader(file);
    let header: Vec<String> = r
        .headers()
        .map_err(|e| read_err(path, e))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        rows.push(
            rec.map_err(|e| read_err(path, e))?
                .iter()
                .map(str::to_string)
                .collect(),
        );
    }
    Ok((header, rows))
}

fn column(header: &[String], name: &str, path: &Path) -> Result<usize, ChartError> {
    header
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| read_err(path, format!("no column `{name}`")))
}

fn read_summary(dir: &Path) -> Result<Value, ChartError> {
    let path = dir.join("summary.json");
    let bytes = read_bounded(&path, InputKind::Summary).map_err(|e| read_err(&path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| read_err(&path, e))
}

/// `drsim plot DIR`: the charts of a results folder, or an error that says
/// precisely why there is none.
pub fn plot_folder(dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
    let nothing = |reason: String| ChartError::NothingToPlot {
        dir: dir.display().to_string(),
        reason,
    };
    if !dir.join("summary.json").exists() {
        return Err(nothing(
            "no summary.json here (expected a folder written by `drsim run` or `drsim merge`)"
                .into(),
        ));
    }
    let files = plot_results(dir)?;
    if !files.is_empty() {
        return Ok(files);
    }
    let summary = read_summary(dir)?;
    Err(nothing(match summary["runs"].as_u64() {
        Some(0) => format!(
            "summary.json reports 0 of {} replications finished (the run was interrupted before its first); run it again",
            summary["requested_runs"]
        ),
        runs => format!(
            "incidents.csv holds no incident from the {} replications, and there is no timeline.csv or RTO breakdown to draw",
            runs.map_or_else(|| "?".to_string(), |n| n.to_string())
        ),
    }))
}

/// Draws every chart the folder's files allow; returns the files written.
pub fn plot_results(dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
    let summary = read_summary(dir)?;
    let prov = provenance(&summary);
    let mut written = Vec::new();
    let incidents_path = dir.join("incidents.csv");
    let (header, rows) = read_csv(&incidents_path)?;
    let class_col = column(&header, "class", &incidents_path)?;
    let run_col = column(&header, "run", &incidents_path)?;
    for metric in ["rpo", "rto"] {
        let col = column(&header, &format!("{metric}_s"), &incidents_path)?;
        let mut by_class: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for row in &rows {
            if let Ok(v) = row[col].parse::<f64>() {
                by_class.entry(row[class_col].as_str()).or_default().push(v);
            }
        }
        let series: Vec<CdfSeries> = by_class
            .into_iter()
            .map(|(class, values)| CdfSeries {
                label: format!("{class} ({} incidents)", values.len()),
                points: empirical_cdf(values),
            })
            .collect();
        if series.is_empty() {
            continue;
        }
        let targets: Vec<TargetLine> = summary["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["metric"] == metric)
            .filter_map(|t| {
                Some(TargetLine {
                    class: t["class"].as_str()?.to_string(),
                    value_s: t["target_s"].as_f64()?,
                })
            })
            .collect();
        let upper = metric.to_uppercase();
        written.extend(plot::cdf_chart(
            &dir.join(format!("{metric}_cdf")),
            &format!("{upper} per incident — CDF by incident class"),
            &upper,
            &series,
            &targets,
            &prov,
        )?);
    }
    let breakdowns = rto_breakdowns(&summary);
    if !breakdowns.is_empty() {
        written.extend(plot::rto_breakdown_chart(
            &dir.join("rto_components"),
            &breakdowns,
            &prov,
        )?);
    }
    let timeline_path = dir.join("timeline.csv");
    if timeline_path.exists() {
        let (th, trows) = read_csv(&timeline_path)?;
        let t_col = column(&th, "t_s", &timeline_path)?;
        let lag_col = column(&th, "lag_s", &timeline_path)?;
        let kind_col = column(&th, "kind", &timeline_path)?;
        let phase_col = column(&th, "dr_phase", &timeline_path)?;
        // An empty lag is undefined (nothing replicating): a gap, not the
        // previous value held on.
        let lag: Vec<(f64, Option<f64>)> = trows
            .iter()
            .filter(|r| r[kind_col] == "lag-sample")
            .filter_map(|r| Some((r[t_col].parse().ok()?, r[lag_col].parse().ok())))
            .collect();
        let phases: Vec<(f64, String)> = trows
            .iter()
            .filter_map(|r| Some((r[t_col].parse().ok()?, r[phase_col].clone())))
            .collect();
        let horizon = summary["horizon_s"].as_f64().unwrap_or(0.0);
        let bands = bands_of_run(&header, &rows, run_col, "0", horizon, &incidents_path)?;
        // Without a cross-region link (a zone-only deployment) no lag is
        // defined anywhere: there is no timeline to draw, which is not an
        // error of the run.
        if lag.iter().any(|(_, l)| l.is_some()) {
            written.extend(plot::timeline_chart(
                &dir.join("timeline"),
                "Replication 0 — cross-region replication lag and incidents",
                &lag,
                &phases,
                &bands,
                horizon,
                &prov,
            )?);
        }
    }
    let sweep_path = dir.join("sweep.csv");
    if sweep_path.exists() {
        written.extend(sweep_chart_from_csv(
            &sweep_path,
            dir,
            "availability",
            &prov,
        )?);
    }
    Ok(written)
}

/// The bars of the RTO breakdown chart from `summary.json`: per class with
/// `rto_components` (means over its disruptive incidents), the means of
/// each component and the p99 of the disruptive incidents' RTO, in the
/// classes' report order. Summaries written before the components existed
/// give none; those written before `restore` had its own component (it
/// was counted in `execution` then) read it as 0.
pub fn rto_breakdowns(summary: &Value) -> Vec<RtoBreakdown> {
    IncidentClass::ALL
        .iter()
        .filter_map(|class| {
            let c = &summary["classes"][class.name()];
            let parts = c["rto_components"].as_object()?;
            let mut means_s = [0.0; 6];
            for (mean, name) in means_s.iter_mut().zip(RTO_COMPONENTS) {
                *mean = match parts.get(&format!("{name}_s")) {
                    None if name == "restore" => 0.0,
                    part => part?["mean_s"].as_f64()?,
                };
            }
            Some(RtoBreakdown {
                class: class.name().to_string(),
                means_s,
                p99_rto_s: c["disruptive_rto_s"]["p99"].as_f64()?,
            })
        })
        .collect()
}

/// Draws the story of incident `seq` of a traced replication, by default
/// the worst region incident (largest RTO), else the worst zone incident,
/// as `incident-<run>-<seq>.png/.svg` in `dir`. `Ok(None)` when no incident
/// was asked for and the replication has no zone or region incident.
pub fn incident_chart(
    dir: &Path,
    trace: &[TraceEvent],
    incidents: &[Incident],
    (actors, horizon_ns): (&Actors, u64),
    seq: Option<u32>,
    prov: &Provenance,
) -> Result<Option<Vec<PathBuf>>, ChartError> {
    let Some(seq) = seq.or_else(|| plot::pick_incident(incidents)) else {
        return Ok(None);
    };
    let story =
        plot::incident_story(trace, incidents, seq, actors, horizon_ns).ok_or_else(|| {
            PlotError::InvalidInput(format!(
                "the replication has no incident {seq} (it has {})",
                incidents.len()
            ))
        })?;
    let run = incidents.first().map_or(0, |i| i.run);
    let stem = dir.join(format!("incident-{run}-{seq}"));
    Ok(Some(plot::incident_chart(&stem, &story, prov)?))
}

/// Bands of one replication's incidents: the failure itself, and the
/// interruption of writes it caused (`failover` when DR moved the environment).
fn bands_of_run(
    header: &[String],
    rows: &[Vec<String>],
    run_col: usize,
    run: &str,
    horizon: f64,
    path: &Path,
) -> Result<Vec<Band>, ChartError> {
    let c = |n: &str| column(header, n, path);
    let (class, scope, start, end, istart, iend, recovery) = (
        c("class")?,
        c("scope")?,
        c("start_s")?,
        c("end_s")?,
        c("interruption_start_s")?,
        c("interruption_end_s")?,
        c("recovery")?,
    );
    let mut bands = Vec::new();
    for r in rows.iter().filter(|r| r[run_col] == run) {
        let s: f64 = r[start].parse().unwrap_or(0.0);
        let e: f64 = r[end].parse().unwrap_or(horizon);
        let kind = r[class].as_str();
        if matches!(kind, "zone" | "region" | "link") {
            bands.push(Band {
                start_s: s,
                end_s: e.max(s),
                kind: kind.to_string(),
                label: format!("{kind} {}", r[scope]),
            });
        }
        if let Ok(is) = r[istart].parse::<f64>() {
            let ie: f64 = r[iend].parse().unwrap_or(horizon);
            let band_kind = match (kind, r[recovery].as_str()) {
                ("drill", _) => "drill",
                ("failback", _) => "failback",
                (_, "dr-failover") => "failover",
                _ => continue,
            };
            bands.push(Band {
                start_s: is,
                end_s: ie.max(is),
                kind: band_kind.to_string(),
                label: band_kind.to_string(),
            });
        }
    }
    Ok(bands)
}

/// The sweep chart of `metric` (a `sweep.csv` row name) against the first
/// swept parameter, one series per value of the second.
pub fn sweep_chart_from_csv(
    path: &Path,
    dir: &Path,
    metric: &str,
    prov: &Provenance,
) -> Result<Vec<PathBuf>, ChartError> {
    let (header, rows) = read_csv(path)?;
    let metric_col = column(&header, "metric", path)?;
    let params: Vec<&String> = header[..metric_col].iter().collect();
    let (mean, lo, hi) = (
        column(&header, "mean", path)?,
        column(&header, "ci95_low", path)?,
        column(&header, "ci95_high", path)?,
    );
    let mut series: BTreeMap<String, Vec<SweepPoint>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r[metric_col] == metric) {
        let Some(x) = numeric_value(&parse_value(&r[0])) else {
            continue;
        };
        let Ok(m) = r[mean].parse::<f64>() else {
            continue;
        };
        let label = if params.len() > 1 {
            format!("{} = {}", params[1], r[1])
        } else {
            metric.to_string()
        };
        series.entry(label).or_default().push(SweepPoint {
            x,
            mean: m,
            ci_low: r[lo].parse().unwrap_or(m),
            ci_high: r[hi].parse().unwrap_or(m),
        });
    }
    if series.is_empty() {
        return Ok(Vec::new());
    }
    let series: Vec<SweepSeries> = series
        .into_iter()
        .map(|(label, points)| SweepSeries { label, points })
        .collect();
    let y_unit = if metric == "availability" {
        Unit::Fraction
    } else if metric.ends_with("_s") {
        Unit::Seconds
    } else {
        Unit::Count
    };
    let x_unit = x_unit_of(rows.first().map_or("", |r| r[0].as_str()));
    Ok(plot::sweep_chart(
        &dir.join(format!("sweep_{}", metric.replace('.', "_"))),
        &format!("{metric} against {}", params[0]),
        params[0],
        x_unit,
        metric,
        y_unit,
        &series,
        prov,
    )?)
}

/// Guesses the unit of a swept parameter from how its values are written.
fn x_unit_of(sample: &str) -> Unit {
    let s = sample.trim();
    if s.ends_with("/s") && s.contains('B') || s.ends_with("bit/s") || s.ends_with("bps") {
        Unit::BytesPerSecond
    } else if s.ends_with('B') {
        Unit::Bytes
    } else if crate::time::parse_duration(s).is_ok() && s.chars().any(|c| c.is_ascii_alphabetic()) {
        Unit::Seconds
    } else {
        Unit::Plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakdown_rows_follow_the_summary_contract() {
        let stats = |mean_s: f64| serde_json::json!({"mean_s": mean_s, "p99_s": mean_s * 3.0});
        let summary = serde_json::json!({"classes": {
            "zone": {"rto_components": {
                "detection_s": stats(20.0), "decision_s": stats(0.0), "execution_s": stats(40.0),
                "drain_s": stats(0.0), "wait_s": stats(5.0)},
                "disruptive_rto_s": {"p99": 300.0}},
            "region": {"rto_components": {
                "detection_s": stats(60.0), "decision_s": stats(1800.0), "execution_s": stats(600.0),
                "restore_s": stats(4000.0), "drain_s": stats(0.0), "wait_s": stats(30.0)},
                "disruptive_rto_s": {"p99": 10_000.0}},
            "drill": {"rto_components": null, "disruptive_rto_s": {"p99": 900.0}},
            "link": {"disruptive_rto_s": {"p99": 1.0}},
        }});
        let rows = rto_breakdowns(&summary);
        let classes: Vec<&str> = rows.iter().map(|r| r.class.as_str()).collect();
        assert_eq!(classes, ["zone", "region"]);
        assert_eq!(rows[1].means_s, [60.0, 1800.0, 600.0, 4000.0, 0.0, 30.0]);
        // Written before `restore` was a component of its own: read as 0.
        assert_eq!(rows[0].means_s, [20.0, 0.0, 40.0, 0.0, 0.0, 5.0]);
        assert_eq!(rows[1].p99_rto_s, 10_000.0);
        assert!(rto_breakdowns(&serde_json::json!({})).is_empty());
    }

    #[test]
    fn cdf_is_monotone_and_ends_at_one() {
        let cdf = empirical_cdf((0..5000).map(|i| (i % 97) as f64).collect());
        assert!(cdf.len() <= CDF_POINTS + 1);
        assert!(cdf.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
        assert_eq!(cdf.last().unwrap().1, 1.0);
        assert!(empirical_cdf(vec![f64::NAN]).is_empty());
    }
}
