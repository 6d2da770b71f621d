//! The curve as a console table, `decide.csv` and the `decide` chart.

use super::{Curve, DecideError, LossSource};
use crate::dist::Dist;
use crate::plot::{decision_chart, DecisionCurve, Provenance};
use crate::quote::quoted;
use crate::report::atomic::write_atomic;
use crate::scenario::Scenario;
use crate::time::format_seconds;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The CSV of the curve, one row per wait.
pub const DECIDE_CSV: &str = "decide.csv";
/// The chart's file stem (`decide.png`, `decide.svg`).
pub const DECIDE_CHART_STEM: &str = "decide";

const CSV_HEADER: &str = "elapsed_s,wait_s,p_back_within,p_failover,interruption_s,switch_back_s,downtime_s,lost_writes,lost_bytes";

/// A duration law in words, with the parameters a scenario gives it.
pub(super) fn describe_law(d: &Dist) -> String {
    let s = |ns: f64| format_seconds(ns / 1e9);
    match *d {
        Dist::Constant(c) => format!("constant {c}"),
        Dist::Exponential { mean } => format!("exponential, mean {}", s(mean)),
        Dist::LogNormal { median, sigma } => format!("lognormal, median {}, σ {sigma}", s(median)),
        Dist::Uniform { low, high } => format!("uniform on [{low}, {high}]"),
        Dist::Weibull { shape, mean } => format!("Weibull, shape {shape}, mean {}", s(mean)),
    }
}

fn percent(p: f64) -> String {
    format!("{:.1}%", 100.0 * p)
}

/// The header lines (what was assumed) and the table of the curve.
pub fn render_table(curve: &Curve, sc: &Scenario) -> String {
    let i = &curve.inputs;
    let mut out = String::new();
    let region = &sc.home_region().name;
    let _ = writeln!(
        out,
        "drsim {} · decide · {} · hash {}",
        env!("CARGO_PKG_VERSION"),
        quoted(&sc.name),
        sc.source_hash.chars().take(8).collect::<String>()
    );
    let _ = writeln!(
        out,
        "outage of {} ({}) has lasted {}: P(an outage lasts that long) = {:.4}; destroys the data with p = {}",
        quoted(region),
        describe_law(&i.outage),
        format_seconds(curve.elapsed_s),
        curve.survival_at_elapsed,
        i.destroy_probability
    );
    let _ = writeln!(
        out,
        "failover {} · switch back later stops writes {} · region back first: election {} (means)",
        format_seconds(i.failover_s),
        format_seconds(i.switch_back_s),
        format_seconds(i.election_s)
    );
    let source = match &i.loss_source {
        LossSource::Shown => "--loss-shown".to_string(),
        LossSource::Law {
            interval_s,
            delay_s,
        } => format!(
            "the scenario's law W ~ Uniform[d, d + T], d = {}, T = {}",
            format_seconds(*delay_s),
            format_seconds(*interval_s)
        ),
    };
    let _ = writeln!(
        out,
        "loss window {} ({source}) × {}/s = {:.0} writes lost by a failover",
        format_seconds(i.loss_window_s),
        i.write_rate,
        i.loss_window_s * i.write_rate
    );
    if let Some(max) = i.max_data_loss_s {
        let verdict = if i.loss_window_s > max {
            "would wait for the region"
        } else {
            "would fail over"
        };
        let _ = writeln!(
            out,
            "the scenario's policy (dr.max_data_loss = {}) {verdict}",
            format_seconds(max)
        );
    }
    for note in &i.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let _ = writeln!(
        out,
        "\n{:<10} {:>8} {:>11} {:>13} {:>12} {:>10} {:>12}",
        "wait", "P(back)", "P(failover)", "interruption", "switch back", "downtime", "lost writes"
    );
    for p in &curve.points {
        let wait = if p.wait_s == 0.0 {
            "now".to_string()
        } else {
            format_seconds(p.wait_s)
        };
        let _ = writeln!(
            out,
            "{:<10} {:>8} {:>11} {:>13} {:>12} {:>10} {:>12.0}",
            wait,
            percent(p.p_back),
            percent(p.p_failover),
            format_seconds(p.interruption_s),
            format_seconds(p.switch_back_s),
            format_seconds(p.downtime_s),
            p.lost_writes
        );
    }
    let _ = writeln!(
        out,
        "expected values from now; wait = fail over after this long unless the region is back (integration error ≤ {:.1e} s)",
        curve.error_bound_s.max(f64::MIN_POSITIVE)
    );
    out
}

/// The CSV text: one row per wait, numbers in Rust's shortest exact form.
fn csv(curve: &Curve) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    let size = curve.inputs.write_size as f64;
    for p in &curve.points {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            curve.elapsed_s,
            p.wait_s,
            p.p_back,
            p.p_failover,
            p.interruption_s,
            p.switch_back_s,
            p.downtime_s,
            p.lost_writes,
            p.lost_writes * size
        );
    }
    out
}

/// Writes `decide.csv`, `decide.png`, `decide.svg` and `provenance.json`
/// into `dir` (a staged output folder); returns the files written.
pub fn write_outputs(
    dir: &Path,
    curve: &Curve,
    sc: &Scenario,
) -> Result<Vec<PathBuf>, DecideError> {
    let mut files = vec![write_atomic(&dir.join(DECIDE_CSV), csv(curve).as_bytes())?];
    let pick = |f: fn(&super::CurvePoint) -> f64| curve.points.iter().map(f).collect();
    let data = DecisionCurve {
        wait_s: pick(|p| p.wait_s),
        downtime_s: pick(|p| p.downtime_s),
        interruption_s: pick(|p| p.interruption_s),
        lost_writes: pick(|p| p.lost_writes),
        p_back: pick(|p| p.p_back),
    };
    let prov = Provenance {
        scenario: sc.name.clone(),
        scenario_hash: sc.source_hash.clone(),
        seed: sc.simulation.seed,
        runs: 0,
        drsim_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let title = format!(
        "Region outage {} old: fail over now, or wait and then fail over?",
        format_seconds(curve.elapsed_s)
    );
    files.extend(decision_chart(
        &dir.join(DECIDE_CHART_STEM),
        &title,
        &data,
        &prov,
    )?);
    files.push(crate::report::provenance::write(
        dir,
        sc,
        0,
        "decide",
        &[DECIDE_CSV, "decide.png", "decide.svg"],
    )?);
    Ok(files)
}
