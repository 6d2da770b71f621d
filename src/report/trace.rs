//! Exporters of one replication's trace: tidy CSV and Chrome trace-event
//! JSON (loads in Perfetto or chrome://tracing: incidents and outages as
//! spans on one track per class, events as instants, lag as a counter).

use super::atomic::write_atomic;
use super::csv::secs;
use crate::incident::Incident;
use crate::model::TraceEvent;
use serde_json::{json, Value};
use std::io;
use std::path::{Path, PathBuf};

/// Columns of `trace.csv`.
pub const TRACE_COLUMNS: [&str; 7] = [
    "t_s", "kind", "scope", "incident", "serving", "dr_phase", "lag_s",
];

/// Writes `trace.csv`.
pub fn write_csv(path: &Path, trace: &[TraceEvent]) -> io::Result<PathBuf> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(TRACE_COLUMNS)?;
    for e in trace {
        w.write_record([
            secs(e.t_ns),
            e.kind.to_string(),
            e.scope.clone(),
            e.incident.map(|i| i.to_string()).unwrap_or_default(),
            e.serving.to_string(),
            e.dr_phase.to_string(),
            e.lag_ns.map(secs).unwrap_or_default(),
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| io::Error::other(e.to_string()))?;
    write_atomic(path, &bytes)
}

/// Microseconds, the unit of the trace-event format.
fn us(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

/// Writes the Chrome trace-event JSON. `provenance` goes to `otherData`.
pub fn write_chrome_json(
    path: &Path,
    trace: &[TraceEvent],
    incidents: &[Incident],
    horizon_ns: u64,
    provenance: Value,
) -> io::Result<PathBuf> {
    let mut events = Vec::new();
    let tracks = [
        "service", "zone", "region", "link", "drill", "failback", "events",
    ];
    for (tid, name) in tracks.iter().enumerate() {
        events.push(
            json!({"name": "thread_name", "ph": "M", "pid": 1, "tid": tid, "args": {"name": name}}),
        );
    }
    let tid = |class: &str| {
        tracks
            .iter()
            .position(|t| *t == class)
            .unwrap_or(tracks.len() - 1)
    };
    for i in incidents {
        let end = i.end_ns.unwrap_or(horizon_ns);
        events.push(json!({
            "name": format!("{} {}", i.class.name(), i.scope), "cat": i.class.name(), "ph": "X",
            "ts": us(i.start_ns), "dur": us(end.saturating_sub(i.start_ns)), "pid": 1, "tid": tid(i.class.name()),
            "args": {"seq": i.seq, "recovery": i.recovery, "rpo_s": i.rpo_ns as f64 / 1e9, "rto_s": i.rto_ns as f64 / 1e9,
                     "lost_writes": i.lost_writes, "decision": i.decision},
        }));
        if let Some(start) = i.interruption_start_ns {
            let end = i.interruption_end_ns.unwrap_or(horizon_ns);
            events.push(json!({
                "name": format!("writes down ({} {})", i.class.name(), i.scope), "cat": "outage", "ph": "X",
                "ts": us(start), "dur": us(end.saturating_sub(start)), "pid": 1, "tid": 0,
                "args": {"incident": i.seq, "recovery": i.recovery},
            }));
        }
    }
    for e in trace {
        if e.kind == "lag-sample" {
            if let Some(lag) = e.lag_ns {
                events.push(json!({"name": "replication lag (s)", "ph": "C", "ts": us(e.t_ns), "pid": 1, "args": {"lag_s": lag as f64 / 1e9}}));
            }
            continue;
        }
        events.push(json!({
            "name": e.kind, "cat": "event", "ph": "i", "s": "t", "ts": us(e.t_ns), "pid": 1, "tid": tracks.len() - 1,
            "args": {"scope": e.scope, "incident": e.incident, "serving": e.serving, "dr_phase": e.dr_phase},
        }));
    }
    let doc = json!({"traceEvents": events, "displayTimeUnit": "ms", "otherData": provenance});
    let mut text = serde_json::to_string(&doc).map_err(io::Error::other)?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}
