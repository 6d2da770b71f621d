//! A replication's event-by-event record, for `drsim trace` and the
//! timeline chart. Only collected on request: a traced replication makes the
//! same draws as an untraced one, so its incidents are those of the same
//! replication inside a full run.

use serde::Serialize;

/// One handled event and the state right after it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceEvent {
    /// Simulated time (ns).
    pub t_ns: u64,
    /// Event kind, e.g. `zone-failure`, `election-done`, `emergency-decision`.
    pub kind: &'static str,
    /// Zone, region or link concerned (empty when not applicable).
    pub scope: String,
    /// Incident the event belongs to, if any.
    pub incident: Option<usize>,
    /// Writes are served after the event.
    pub serving: bool,
    /// DR lifecycle phase after the event (`off`, `seeding`, `protected`, ...).
    pub dr_phase: &'static str,
    /// Cross-region replication lag after the event (ns), when defined.
    pub lag_ns: Option<u64>,
}
