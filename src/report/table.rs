//! The one-screen terminal report.

use crate::metrics::{Quantiles, Summary};
use crate::time::format_seconds;
use crate::units::format_bytes;
use std::fmt::Write;

fn q3(q: &Quantiles) -> [String; 3] {
    [
        format_seconds(q.p50),
        format_seconds(q.p99),
        format_seconds(q.max),
    ]
}

fn percent(x: f64) -> String {
    format!("{:.5}%", x * 100.0)
}

/// Renders the summary as plain text (no colours: it is also pasted into tickets).
pub fn render(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "drsim {} · {} · hash {} · seed {} · {} runs × {}{}",
        s.drsim_version,
        s.scenario,
        &s.scenario_hash[..8.min(s.scenario_hash.len())],
        s.seed,
        s.runs,
        format_seconds(s.horizon_s),
        if s.partial {
            format!(" · PARTIAL ({} of {} requested)", s.runs, s.requested_runs)
        } else {
            String::new()
        }
    );
    let _ = writeln!(out, "{}", s.architecture);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<8} {:>9} {:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>12}",
        "class",
        "incidents",
        "interrupted",
        "RPO p50",
        "RPO p99",
        "RPO max",
        "RTO p50",
        "RTO p99",
        "RTO max",
        "lost writes"
    );
    for (name, c) in &s.classes {
        let [rp50, rp99, rmax] = q3(&c.rpo_s);
        let [tp50, tp99, tmax] = q3(&c.rto_s);
        let _ = writeln!(
            out,
            "{:<8} {:>9} {:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>12}",
            name, c.incidents, c.interrupted, rp50, rp99, rmax, tp50, tp99, tmax, c.lost_writes
        );
        if c.lost_bytes > 0 {
            let _ = writeln!(
                out,
                "{:<8} {} incidents lost data, {} in all",
                "",
                c.with_loss,
                format_bytes(c.lost_bytes as f64)
            );
        }
    }
    if s.classes.is_empty() {
        let _ = writeln!(out, "(no incidents in any replication)");
    }
    let _ = writeln!(out);
    let ci = s
        .availability
        .ci95
        .map(|[lo, hi]| format!(" (95% CI {} – {})", percent(lo), percent(hi)))
        .unwrap_or_default();
    let _ = writeln!(out, "availability   {}{}", percent(s.availability.mean), ci);
    let _ = writeln!(
        out,
        "downtime/run   {} mean · incidents/run {:.2} mean",
        format_seconds(s.downtime_s.mean),
        s.incidents_per_run.mean
    );
    if s.commit_latency_s.count > 0 {
        let _ = writeln!(
            out,
            "commit latency p50 {} · p99 {} · max {}",
            format_seconds(s.commit_latency_s.p50),
            format_seconds(s.commit_latency_s.p99),
            format_seconds(s.commit_latency_s.max)
        );
    }
    if !s.targets.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "targets");
        for t in &s.targets {
            let _ = writeln!(
                out,
                "  {:<6} {} ≤ {:<8} for {:>5.1}% of incidents: met by {:>7.3}% (p{} observed {:<8}) {}",
                t.class,
                t.metric.to_uppercase(),
                format_seconds(t.target_s),
                t.quantile * 100.0,
                t.share_met * 100.0,
                trim_quantile(t.quantile),
                t.observed_s.map_or("-".into(), format_seconds),
                if t.met { "MET" } else { "MISSED" }
            );
        }
    }
    out
}

fn trim_quantile(q: f64) -> String {
    let s = format!("{}", q * 100.0);
    s.trim_end_matches(".0").to_string()
}
