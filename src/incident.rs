//! Incident classes and the per-incident record every model produces.

use serde::Serialize;
use std::fmt;

/// What kind of disruption an incident is; reports group by it and targets
/// are stated per class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncidentClass {
    /// One or more availability zones of the home region fail.
    Zone,
    /// Every zone of the home region fails (possibly destroying its data).
    Region,
    /// The cross-region link is partitioned or degraded.
    Link,
    /// A planned failover to the paired region.
    Drill,
    /// The switch back to the primary region after an emergency failover.
    Failback,
    /// The switch back to the primary region at the end of a drill's stay.
    DrillReturn,
    /// Every zone of the home region's paired region fails (possibly
    /// destroying what it holds: the secondary copy, or the environment
    /// while it runs there).
    PairedRegion,
    /// Writes blocked in the primary because the replication lag reached
    /// `cross_region.rpo_bound` (from the block to the resumption).
    RpoBound,
}

impl IncidentClass {
    pub const ALL: [IncidentClass; 8] = [
        IncidentClass::Zone,
        IncidentClass::Region,
        IncidentClass::Link,
        IncidentClass::Drill,
        IncidentClass::Failback,
        IncidentClass::DrillReturn,
        IncidentClass::PairedRegion,
        IncidentClass::RpoBound,
    ];
    /// Classes a scenario may inject with `[[incidents]]` (`link_degradation`
    /// is a `link` incident with a bandwidth factor).
    pub const INJECTABLE: [IncidentClass; 3] = [
        IncidentClass::Zone,
        IncidentClass::Region,
        IncidentClass::Link,
    ];

    pub fn name(self) -> &'static str {
        match self {
            IncidentClass::Zone => "zone",
            IncidentClass::Region => "region",
            IncidentClass::Link => "link",
            IncidentClass::Drill => "drill",
            IncidentClass::Failback => "failback",
            IncidentClass::DrillReturn => "drill-return",
            IncidentClass::PairedRegion => "paired-region",
            IncidentClass::RpoBound => "rpo-bound",
        }
    }

    pub fn from_name(name: &str) -> Option<IncidentClass> {
        IncidentClass::ALL.into_iter().find(|c| c.name() == name)
    }
}

impl fmt::Display for IncidentClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The two realised recovery metrics a target can bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    Rpo,
    Rto,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::Rpo => "rpo",
            Metric::Rto => "rto",
        }
    }
}

/// One injected failure, from its start to the end of its effects.
///
/// Times are nanoseconds since the start of the replication.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Incident {
    /// Replication index the incident belongs to.
    pub run: u64,
    /// Sequence number of the incident within its replication.
    pub seq: u32,
    pub class: IncidentClass,
    /// Human name of what failed, e.g. `"az1"` or `"az1+az2"`.
    pub scope: String,
    /// `true` when injected by a scheduled `[[incidents]]` entry.
    pub scheduled: bool,
    /// When the failure happened (ns).
    pub start_ns: u64,
    /// When the failed components were repaired (ns); `None` if still failed
    /// at the horizon.
    pub end_ns: Option<u64>,
    /// When writes stopped being served because of this incident (ns), if
    /// they did; for an overlapping incident, its own start.
    pub interruption_start_ns: Option<u64>,
    /// When writes were served again (ns); `None` if still interrupted at the horizon.
    pub interruption_end_ns: Option<u64>,
    /// Realised RTO (ns): from the later of the incident's start and the
    /// moment writes stopped, to the moment they were served again; 0 when
    /// writes were never stopped while it was active from its start.
    /// Censored at the horizon when unresolved.
    pub rto_ns: u64,
    /// The incident began while writes were already stopped by incident
    /// `overlaps` (its sequence number): it joined that interruption.
    pub overlaps: Option<u32>,
    /// Time without service charged to this incident (ns). Each instant
    /// without service is charged to exactly one incident, so a
    /// replication's charges add up to its downtime.
    pub downtime_ns: u64,
    /// Realised RPO (ns): age at the failure of the oldest lost committed write.
    pub rpo_ns: u64,
    pub lost_writes: u64,
    pub lost_bytes: u64,
    /// How recovery happened: `"none-needed"`, `"quorum"`,
    /// `"leader-election"`, `"quorum-reformed"` (a quorum over regions),
    /// `"zone-failover"`, `"zone-repair"`, `"support-ticket"`,
    /// `"region-repair"`, `"backup-restore"`, `"data-lost"`, `"dr-failover"`, `"planned-switch"`,
    /// `"drill-aborted"`, `"switch-back-cancelled"`, `"unresolved"`.
    pub recovery: &'static str,
    /// Cross-region last sync time at the failure (ns), when DR was protecting.
    pub last_sync_ns: Option<u64>,
    /// Data loss shown to the operator at the emergency decision (ns): the
    /// loss a failover would cause, from the last sync to the moment the
    /// primary stopped taking writes (the figure the policy compares too).
    pub shown_loss_ns: Option<u64>,
    /// What the response to the incident decided. Region: `"failover"`,
    /// `"wait-policy"`, `"wait-no-dr"`, `"wait-seeding"`,
    /// `"failover-failed-no-vnet-pair"`, `"region-returned-first"`, `"provider-waits"`,
    /// `"joined-emergency"`, `"already-failing-over"`, `"serving-in-paired-region"`,
    /// `"switch-back-cancelled"`. Zone (a long quorum loss under
    /// `dr.emergency_after_quorum_loss`): `"failover"`, `"wait-policy"`,
    /// `"failover-failed-no-vnet-pair"`, `"quorum-returned-first"`. Drill: `"failover"`,
    /// `"aborted-drain-timeout"`, `"interrupted-region-outage"`. Failback:
    /// `"cancelled-region-outage"`. Region, also: `"wait-paired-region-down"`,
    /// `"paired-region-destroyed"`; drill, also: `"aborted-paired-region-down"`.
    /// Paired region: `"dr-off"`, `"seeding-paused"`, `"seeding-restarted"`,
    /// `"replication-paused"`, `"secondary-destroyed"`, `"drill-aborted"`,
    /// `"failover-interrupted"`, `"serving-region-down"`, `"switch-back-completes"`.
    /// With further secondaries (`dr.targets`): region `"wait-targets-down"`;
    /// paired region `"serving-elsewhere"`; a further secondary's region
    /// incident `"dr-off"`, `"no-copy"`, `"replication-paused"`,
    /// `"seeding-restarted"`, `"secondary-destroyed"`, `"failover-interrupted"`,
    /// `"serving-region-down"`, `"switch-back-completes"`.
    pub decision: Option<&'static str>,
    /// Link incident: time from its end until the backlog was drained (ns).
    pub catch_up_ns: Option<u64>,
    /// Failback and drill return: how long the reverse resynchronisation took (ns).
    pub resync_ns: Option<u64>,
    /// Where the RTO went (ns; the six add up to `rto_ns`): a failed leader
    /// zone not yet declared failed.
    pub detection_ns: u64,
    /// The operator deciding on the emergency response.
    pub decision_ns: u64,
    /// Election and reroute, a failover or a planned switch executing.
    pub execution_ns: u64,
    /// A destroyed region's backup being copied back at `restore_bandwidth`.
    pub restore_ns: u64,
    /// A drill's drain, or the last batch in flight before a switch back.
    pub drain_ns: u64,
    /// Waiting for a zone, a quorum or the region to return.
    pub wait_ns: u64,
    /// The region and the backups kept in it were destroyed: the
    /// environment's data was lost entirely (recovery `data-lost`).
    pub total_loss: bool,
    /// A region incident that began as zone incident `escalated_from` (its
    /// sequence number) and grew into an outage of the whole region.
    pub escalated_from: Option<u32>,
    /// The region an emergency failover went to, when `dr.targets` lists
    /// more than the paired region (`None` otherwise, and when no
    /// failover was started for the incident).
    pub failover_target: Option<String>,
}

impl Incident {
    /// The record of an incident just begun: nothing known yet of its effects.
    pub fn opened(
        run: u64,
        seq: u32,
        class: IncidentClass,
        scope: String,
        scheduled: bool,
        start_ns: u64,
    ) -> Incident {
        Incident {
            run,
            seq,
            class,
            scope,
            scheduled,
            start_ns,
            end_ns: None,
            interruption_start_ns: None,
            interruption_end_ns: None,
            rto_ns: 0,
            overlaps: None,
            downtime_ns: 0,
            rpo_ns: 0,
            lost_writes: 0,
            lost_bytes: 0,
            recovery: "none-needed",
            last_sync_ns: None,
            shown_loss_ns: None,
            decision: None,
            catch_up_ns: None,
            resync_ns: None,
            detection_ns: 0,
            decision_ns: 0,
            execution_ns: 0,
            restore_ns: 0,
            drain_ns: 0,
            wait_ns: 0,
            total_loss: false,
            escalated_from: None,
            failover_target: None,
        }
    }

    /// It stopped writes or began while they were stopped: the incidents
    /// targets are judged over by default.
    pub fn disruptive(&self) -> bool {
        self.interruption_start_ns.is_some() || self.overlaps.is_some()
    }
}

/// A lifecycle operation that was refused: not an incident, counted apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RefusedOperation {
    pub run: u64,
    /// When it was due (ns).
    pub at_ns: u64,
    /// `"enable"`, `"drill"` or `"disable"`.
    pub operation: &'static str,
    /// Why: `"dr-off"`, `"seeding"`, `"region-down"`, `"not-serving"`,
    /// `"failover-failed-no-vnet-pair"`, `"switch-in-progress"`,
    /// `"failed-over"`, `"already-enabled"`, `"no-dr-settings"`,
    /// `"paired-region-down"`.
    pub reason: &'static str,
}

impl RefusedOperation {
    /// Every `operation` name (a merge refuses a shard counting another).
    pub const OPERATIONS: [&'static str; 3] = ["enable", "drill", "disable"];
}

/// One stretch without service, charged to one incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DowntimeSpan {
    pub start_ns: u64,
    pub end_ns: u64,
    /// Sequence number of the incident it is charged to.
    pub incident: u32,
}
