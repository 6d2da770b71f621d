//! The scenario file exactly as written: serde structs that mirror the TOML,
//! with `deny_unknown_fields` everywhere (a misspelt key is an error, never
//! silently ignored) and `Spanned` wherever a later cross-field check must
//! point back at the text. Nothing here is validated beyond its type; see
//! `validate/` for the rules.
//!
//! These types are also the source of the JSON Schema of the format
//! (`drsim schema`, see `schema.rs`): each field's doc comment is its
//! description in editors, so it says the unit and the default. A new table
//! type derives `Deserialize` with `remote = "Self"`, `JsonSchema` with
//! `!remote`, and is listed in `tables_only!` at the end of this file.

use super::spanned::Spanned;
use super::table_only::tables_only;
use crate::dist::Dist;
use crate::time::SimDuration;
use crate::units::{Bandwidth, ByteSize, Rate};
use schemars::JsonSchema;
use serde::Deserialize;

/// A drsim scenario: the deployment, its workload, what fails and when, and the targets to meet.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote, title = "drsim scenario")]
pub struct RawScenario {
    /// Scenario name, shown in reports and used for the default output folder `out/<name>`. Required; not empty, no control characters.
    pub name: Spanned<String>,
    /// Free text shown in reports. Default: empty.
    #[serde(default)]
    pub description: Option<String>,
    /// Seed, replications and horizon. Required.
    pub simulation: RawSimulation,
    /// The regions of the deployment (`[[regions]]`, one table each). Required.
    pub regions: Spanned<Vec<RawRegion>>,
    /// The environment being protected. Required.
    pub environment: RawEnvironment,
    /// The committed writes. Required.
    pub workload: RawWorkload,
    /// Synchronous replication between the zones of the home region. Default: every key at its default.
    #[serde(default)]
    pub replication: RawReplication,
    /// Detection of a failed leader zone and election of a new one. Default: every key at its default.
    #[serde(default)]
    pub failover: RawFailover,
    /// Random failures of zones, the home region and the cross-region link. Default: none.
    #[serde(default)]
    pub failures: RawFailures,
    /// Scheduled failures (`[[incidents]]`), on top of the random ones. Default: none.
    #[serde(default)]
    pub incidents: Vec<Spanned<RawIncident>>,
    /// RPO/RTO targets per incident class. Default: none.
    #[serde(default)]
    pub targets: Option<Spanned<RawTargets>>,
    /// The asynchronous link to the paired region. Default: none (no cross-region copy).
    #[serde(default)]
    pub cross_region: Option<Spanned<RawCrossRegion>>,
    /// Self-service disaster recovery to the paired region. Default: none (DR off).
    #[serde(default)]
    pub dr: Option<Spanned<RawDr>>,
    /// Several writing regions: the home region and its paired region both accept writes and replicate to each other over the `[cross_region]` log, last writer wins (needs `[cross_region]`; not with `[dr]`). Default: none (one writing region).
    #[serde(default)]
    pub multi_writer: Option<Spanned<RawMultiWriter>>,
    /// Scheduled DR lifecycle operations (`[[operations]]`: enable, drill, disable). Default: none.
    #[serde(default)]
    pub operations: Vec<Spanned<RawOperation>>,
    /// Storage billed per storage type, and optional prices. Default: the database holds `environment.data_size`, nothing else, no prices.
    #[serde(default)]
    pub capacity: Option<RawCapacity>,
    /// Services attached to the environment (`[[services]]`), by their catalogue name. Default: none.
    #[serde(default)]
    pub services: Vec<Spanned<RawService>>,
    /// Default parameters of `drsim sweep`: `metric = "availability"` and a `[sweep.parameters]` table of one or two `"key.path" = [values]`. Read by `drsim sweep`; ignored by `run`. Default: none.
    #[serde(default)]
    #[allow(dead_code)]
    #[schemars(with = "Option<std::collections::BTreeMap<String, serde_json::Value>>")]
    pub sweep: Option<toml::Table>,
}

/// Seed, replications and simulated time.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawSimulation {
    /// Master seed (0 … 2^64 − 1): every replication draws from its own stream of it. Required.
    pub seed: u64,
    /// Replications (Monte Carlo runs), 1 … 100,000,000; `--runs` overrides. Required.
    pub runs: Spanned<i64>,
    /// Simulated time per replication (a duration). Required.
    pub horizon: Spanned<SimDuration>,
    /// `"fast"` (writes are not events) or `"exact"` (every write replicated to the paired region is an event: for validation and short horizons); `--fidelity` overrides. Default: `"fast"`.
    #[serde(default)]
    pub fidelity: Option<Spanned<String>>,
}

/// A region and its availability zones.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawRegion {
    /// Region name, unique. Required; not empty, no control characters.
    pub name: Spanned<String>,
    /// Zone names, at least 2, unique. Required; not empty, no control characters.
    pub zones: Spanned<Vec<Spanned<String>>>,
    /// `false` models a region that has not moved to availability zones yet: a production environment's zone failure then needs `support_ticket_delay` and `backup_interval`. Default: `true`.
    #[serde(default = "yes")]
    pub availability_zones: bool,
    /// Distance between any two zones of the region, in km (a warning above 100). Default: 10.
    #[serde(default)]
    pub zone_distance_km: Option<Spanned<f64>>,
    /// Random duration of a manual recovery through a support ticket (regions without zones). Default: none.
    #[serde(default)]
    pub support_ticket_delay: Option<Dist>,
    /// Interval of the backups to another data center, taken at multiples of it from time 0 (a duration; regions without zones). Default: none.
    #[serde(default)]
    pub backup_interval: Option<Spanned<SimDuration>>,
    /// The one region this region may fail over to. Default: none.
    #[serde(default)]
    pub paired_region: Option<Spanned<String>>,
    /// Distance to the paired region, in km (a warning below 480 km, 300 miles). Default: 500.
    #[serde(default)]
    pub pair_distance_km: Option<Spanned<f64>>,
    /// Distances to other regions, in km, by region name (`{ uksouth = 450 }`): symmetric, so a pair is declared once, on either region; the pair of `paired_region` takes `pair_distance_km` instead. A region beyond the home region and its pair needs its distance to the home region. Default: none.
    #[serde(default)]
    pub distance_km: Option<Spanned<std::collections::BTreeMap<Spanned<String>, Spanned<f64>>>>,
}

fn yes() -> bool {
    true
}

/// The environment being protected.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawEnvironment {
    /// Environment name. Required; not empty, no control characters.
    pub name: Spanned<String>,
    /// `"production"`, `"sandbox"`, `"developer"`, `"trial"` or `"default"`; only production is zone-redundant. Required.
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    /// Home region: the name of one of the `[[regions]]`. Required.
    pub region: Spanned<String>,
    /// Zone that hosts a single-zone environment, and the first leader of a zone-redundant one. Default: the region's first zone.
    #[serde(default)]
    pub home_zone: Option<Spanned<String>>,
    /// Size of the environment's data (a size: copied when DR seeds). Required.
    pub data_size: ByteSize,
    /// A Managed Environment (a prerequisite of self-service DR). Default: `false`.
    #[serde(default)]
    pub managed: Option<bool>,
    /// Billing plan: `"pay-as-you-go"` is a prerequisite of self-service DR. Default: none.
    #[serde(default)]
    pub billing: Option<Spanned<String>>,
    /// Deployed in a virtual network. Default: `false`.
    #[serde(default)]
    pub vnet: Option<bool>,
    /// A virtual network pair is configured for the paired region (without it every failover of a VNet environment fails). Default: `false`.
    #[serde(default)]
    pub vnet_paired: Option<bool>,
    /// Interval of the backups kept in the primary region, the only copy of a region's data without self-service DR (a duration). Default: `"1d"`.
    #[serde(default)]
    pub backup_interval: Option<Spanned<SimDuration>>,
    /// Rate at which a backup is restored into the region (a bandwidth): a restore of `data_size` keeps writes stopped for data_size / bandwidth. Default: instant restore.
    #[serde(default)]
    pub restore_bandwidth: Option<Spanned<Bandwidth>>,
}

/// The committed writes.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawWorkload {
    /// Committed writes per served second, a Poisson process (a rate, > 0). Required.
    pub write_rate: Spanned<Rate>,
    /// Bytes per write (a size, > 0). Required.
    pub write_size: Spanned<ByteSize>,
}

/// Synchronous replication between the zones of the home region.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawReplication {
    /// `"quorum"` (a write commits on `quorum` zones) or `"all-in-sync"` (a write commits on every in-sync zone; a failed zone leaves the set after detection, only an in-sync zone is elected). Default: `"quorum"`.
    #[serde(default)]
    pub mode: Option<Spanned<String>>,
    /// Zone replicas (leader included) that must hold a write to commit it, 1 … zones; a warning when not a majority; not with `mode = "all-in-sync"`. Default: a majority of the zones.
    #[serde(default)]
    pub quorum: Option<Spanned<i64>>,
    /// Random zone-to-zone round trip; overrides the derivation from `zone_distance_km`. Default: derived (2 × 5 µs/km × distance + `rtt_overhead`).
    #[serde(default)]
    pub zone_rtt: Option<Dist>,
    /// Random time added to the propagation round trip when `zone_rtt` is derived. Default: lognormal, median 400 µs, sigma 0.3.
    #[serde(default)]
    pub rtt_overhead: Option<Dist>,
    /// Bandwidth a returning zone uses to catch up with what it missed (a bandwidth). Default: instant catch-up.
    #[serde(default)]
    pub resync_bandwidth: Option<Spanned<Bandwidth>>,
    /// `"zones"` (the quorum is over the zones of the region the environment runs in) or `"regions"` (a synchronous write quorum over voting replicas in several regions, `[[replication.voters]]`; `quorum` then counts voters). Default: `"zones"`.
    #[serde(default)]
    pub scope: Option<Spanned<String>>,
    /// With `scope = "regions"`: the voting replicas of each region (`[[replication.voters]]`, one entry per region; the home region's, not a witness, is required). Default: none.
    #[serde(default)]
    pub voters: Vec<Spanned<RawVoters>>,
    /// With `scope = "regions"`: random time added to the propagation round trip between two regions (2 × 5 µs/km × their distance). Default: `"2ms"`.
    #[serde(default)]
    pub region_rtt_overhead: Option<Dist>,
    /// With `scope = "regions"`: how long the quorum must have been lost without a break before the voter set re-forms over the voters that are up (a duration or distribution, one draw per loss): the voters down are removed and the quorum becomes a majority of those left, if the voters up meet every quorum of the configured set and of the current one (otherwise an acknowledged write could be missing from all of them, and nothing re-forms). A removed voter rejoins as soon as its region (zone) is back; the configured quorum returns with the last one. Cosmos DB Strong's dynamic quorum and its failover of the write region. Default: none (a lost quorum waits for its voters).
    #[serde(default)]
    pub reform_after: Option<Spanned<Dist>>,
    /// With `scope = "regions"`: while writes are not served, a voter that is up and holds data (not a witness) answers (stale) reads: Spanner's stale reads, CockroachDB's follower reads, DynamoDB MRSC's eventually consistent reads. Counted in read availability only. Default: `false` (reads follow writes).
    #[serde(default)]
    pub readable_voters: Option<Spanned<bool>>,
    /// With `scope = "regions"`: whom a commit waits for, `"quorum"` (the quorum's slowest member: the (quorum − 1)-th smallest round trip from the leader) or `"every-voter-up"` (every voter of the current configuration that is up, the slowest round trip: Cosmos DB Strong, "committed in every region"). Availability still needs the quorum only. Default: `"quorum"`.
    #[serde(default)]
    pub commit_wait: Option<Spanned<String>>,
}

/// The voting replicas one region holds (`scope = "regions"`).
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawVoters {
    /// The region, by name. Required.
    pub region: Spanned<String>,
    /// Voting replicas in the region, 1 … 16, placed in its zones in turn (voter j in zone j mod zones). Default: 1.
    #[serde(default)]
    pub count: Option<Spanned<i64>>,
    /// Witness replicas: they vote, hold no copy of the data, serve nothing and never lead. Default: `false`.
    #[serde(default)]
    pub witness: Option<bool>,
}

/// Detection of a failed leader zone and election of a new one.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawFailover {
    /// Period of the leader's heartbeats (a duration). Default: `"1s"`.
    #[serde(default)]
    pub heartbeat_interval: Option<Spanned<SimDuration>>,
    /// A failure is declared at the k-th missed heartbeat, 1 … 1000. Default: 3.
    #[serde(default)]
    pub missed_heartbeats: Option<Spanned<i64>>,
    /// Random election and reroute time after detection. Default: lognormal, median 30 s, sigma 0.5.
    #[serde(default)]
    pub reroute: Option<Dist>,
}

/// Random failures.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawFailures {
    /// Random outages applied to every zone independently. Default: none.
    #[serde(default)]
    pub zones: Option<RawZoneFailures>,
    /// Per-zone overrides of the random outage process (`[[failures.zone]]`). Default: none.
    #[serde(default)]
    pub zone: Vec<Spanned<RawZoneOverride>>,
    /// Random outages of the whole home region, and of its paired region unless overridden. Default: none.
    #[serde(default)]
    pub regions: Option<RawRegionFailures>,
    /// Per-region overrides of the random region outage process (`[[failures.region]]`). Default: none.
    #[serde(default)]
    pub region: Vec<Spanned<RawRegionOverride>>,
    /// Random partitions of the cross-region link. Default: none.
    #[serde(default)]
    pub link: Option<RawProcess>,
    /// Random bandwidth degradations of the cross-region link. Default: none.
    #[serde(default)]
    pub link_degradation: Option<RawDegradation>,
}

/// An alternating up/down process.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawProcess {
    /// Random time between the end of one outage and the start of the next (mean > 0). Required.
    pub time_between: Dist,
    /// Random outage duration (mean > 0). Required.
    pub duration: Dist,
}

/// Random outages of the whole home region.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawRegionFailures {
    /// Random time between region outages (mean > 0). Required.
    pub time_between: Dist,
    /// Random region outage duration (mean > 0). Required.
    pub duration: Dist,
    /// Share of region outages that destroy the primary's data, in [0, 1]. Default: 0.
    #[serde(default)]
    pub destroy_probability: Option<Spanned<f64>>,
    /// Share of those destroying outages that also destroy the backups kept in the region, in [0, 1]: the environment's data is then lost entirely. Default: 0.
    #[serde(default)]
    pub backup_loss_probability: Option<Spanned<f64>>,
    /// Rare-event mode: exactly one region outage per replication, uniform in [warmup, horizon); the report multiplies by the outage rate for annual figures. Default: `false`.
    #[serde(default)]
    pub conditioned: Option<bool>,
    /// Start of the window of the conditioned outage (a duration). Default: a tenth of the horizon.
    #[serde(default)]
    pub warmup: Option<Spanned<SimDuration>>,
}

/// The random outage process of one region (the home region or its paired region), overriding `[failures.regions]`.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawRegionOverride {
    /// The home region or its paired region. Required.
    pub name: Spanned<String>,
    /// `false`: this region has no random outages (scheduled ones still apply). Default: `true`.
    #[serde(default)]
    pub random: Option<bool>,
    /// Random time between this region's outages. Default: that of `[failures.regions]`.
    #[serde(default)]
    pub time_between: Option<Dist>,
    /// Random outage duration of this region. Default: that of `[failures.regions]`.
    #[serde(default)]
    pub duration: Option<Dist>,
    /// Share of this region's outages that destroy its data, in [0, 1]. Default: that of `[failures.regions]`.
    #[serde(default)]
    pub destroy_probability: Option<Spanned<f64>>,
}

/// Random bandwidth degradations of the cross-region link.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawDegradation {
    /// Random time between degradations (mean > 0). Required.
    pub time_between: Dist,
    /// Random degradation duration (mean > 0). Required.
    pub duration: Dist,
    /// Fraction of the bandwidth left while degraded, in (0, 1). Required.
    pub bandwidth_factor: Spanned<f64>,
}

/// Random outages of every zone.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawZoneFailures {
    /// Random up time of a zone between outages (mean > 0). Required.
    pub time_between: Dist,
    /// Random zone outage duration (mean > 0). Required.
    pub duration: Dist,
    /// Probability, in [0, 1], that a zone outage also takes one other zone (chosen uniformly) down for the same duration. Default: 0.
    #[serde(default)]
    pub correlated_probability: Option<Spanned<f64>>,
    /// Probability, in [0, 1], that a random zone outage still down after `escalation_delay` grows into an outage of its whole region. Default: 0.
    #[serde(default)]
    pub escalation_probability: Option<Spanned<f64>>,
    /// Random delay from the zone outage's start to the region outage; required with `escalation_probability`. Default: none.
    #[serde(default)]
    pub escalation_delay: Option<Dist>,
    /// Random duration of an escalated region outage. Default: `failures.regions.duration`.
    #[serde(default)]
    pub escalation_duration: Option<Dist>,
}

/// The random outage process of one zone, overriding `[failures.zones]`.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawZoneOverride {
    /// The zone, of the region `region` names. Required.
    pub name: Spanned<String>,
    /// The zone's region: the home region, or its paired region (with a `[cross_region]` link; zones of both may share names). Default: the home region.
    #[serde(default)]
    pub region: Option<Spanned<String>>,
    /// Random up time of this zone between outages. Default: that of `[failures.zones]`.
    pub time_between: Option<Dist>,
    /// Random outage duration of this zone. Default: that of `[failures.zones]`.
    pub duration: Option<Dist>,
}

/// A failure description shared by several scenarios (`drsim run A.toml B.toml --failures FILE`): the failure sections of a scenario and the replications to run, nothing else. Every scenario run with it has its own `[failures]`, `[[incidents]]` and `simulation.seed`, `runs` and `horizon` replaced by these, so replication r of every scenario sees the same failures.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote, title = "drsim failure description")]
pub struct RawFailureFile {
    /// Free text about where the numbers come from, shown in the comparison report. Default: empty.
    #[serde(default)]
    pub description: Option<String>,
    /// Seed, replications and horizon shared by every scenario compared. Required.
    pub simulation: RawSharedSimulation,
    /// Random failures of zones, the home region, its paired region and the cross-region link, as in a scenario. Default: none.
    #[serde(default)]
    pub failures: RawFailures,
    /// Scheduled failures (`[[incidents]]`), as in a scenario. Default: none.
    #[serde(default)]
    pub incidents: Vec<Spanned<RawIncident>>,
}

/// The replications every compared scenario runs: the same seed, number and horizon.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawSharedSimulation {
    /// Master seed (0 … 2^64 − 1) of every compared scenario. Required.
    pub seed: u64,
    /// Replications of every compared scenario, 1 … 100,000,000; `--runs` overrides. Required.
    pub runs: Spanned<i64>,
    /// Simulated time per replication (a duration). Required.
    pub horizon: Spanned<SimDuration>,
}

/// A scheduled failure.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawIncident {
    /// `"zone"`, `"region"`, `"link"` or `"link_degradation"`. Required.
    pub kind: Spanned<String>,
    /// For `kind = "zone"`: the failing zone (or give `zones`). Default: none.
    #[serde(default)]
    pub zone: Option<Spanned<String>>,
    /// For `kind = "zone"`: zones failing together. Default: none.
    #[serde(default)]
    pub zones: Option<Vec<Spanned<String>>>,
    /// For `kind = "region"`: the failing region, the home region or its paired region (with a `[cross_region]` link). For `kind = "zone"`: the region of the failing zones, likewise. Default: the home region.
    #[serde(default)]
    pub region: Option<Spanned<String>>,
    /// For `kind = "region"`: the outage destroys the primary's data. Default: `false`.
    #[serde(default)]
    pub destroys_data: Option<bool>,
    /// For `kind = "region"` with `destroys_data`: the backups kept in the region are destroyed too (the environment's data is lost entirely). Default: `false`.
    #[serde(default)]
    pub destroys_backups: Option<bool>,
    /// For `kind = "link_degradation"` (and required there): fraction of the bandwidth left, in (0, 1). Default: none.
    #[serde(default)]
    pub bandwidth_factor: Option<Spanned<f64>>,
    /// Start of the incident (a duration from time 0, before the horizon). Required.
    pub at: Spanned<SimDuration>,
    /// Length of the incident (a duration, > 0). Required.
    pub duration: Spanned<SimDuration>,
}

/// RPO/RTO targets per incident class.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawTargets {
    /// Targets of zone incidents. Default: none.
    #[serde(default)]
    pub zone: Option<Spanned<RawTarget>>,
    /// Targets of region incidents. Default: none.
    #[serde(default)]
    pub region: Option<Spanned<RawTarget>>,
    /// Targets of cross-region link incidents. Default: none.
    #[serde(default)]
    pub link: Option<Spanned<RawTarget>>,
    /// Targets of drills (planned failovers). Default: none.
    #[serde(default)]
    pub drill: Option<Spanned<RawTarget>>,
    /// Targets of the switch back after an emergency failover. Default: none.
    #[serde(default)]
    pub failback: Option<Spanned<RawTarget>>,
    /// Targets of the switch back at the end of a drill (`failback` is only the one after an emergency failover). Default: none.
    #[serde(default, rename = "drill-return")]
    pub drill_return: Option<Spanned<RawTarget>>,
    /// Targets of outages of the paired region. Default: none.
    #[serde(default, rename = "paired-region")]
    pub paired_region: Option<Spanned<RawTarget>>,
}

/// The targets of one incident class.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawTarget {
    /// Recovery point objective: the most data loss allowed, as a span of writes (a duration). Default: none.
    #[serde(default)]
    pub rpo: Option<SimDuration>,
    /// Recovery time objective: the longest time without writes allowed (a duration). Default: none.
    #[serde(default)]
    pub rto: Option<SimDuration>,
    /// Share of incidents that must meet the target, in (0, 1], e.g. 0.99. Default: 0.99.
    #[serde(default)]
    pub quantile: Option<Spanned<f64>>,
    /// The incidents judged: `"disruptive"` (those that stopped writes or began while they were stopped) or `"all"`. Default: `"disruptive"`.
    #[serde(default)]
    pub basis: Option<Spanned<String>>,
}

/// The asynchronous link to the paired region.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawCrossRegion {
    /// Link bandwidth for the log (a bandwidth); `validate` warns when the offered write load reaches it. Required.
    pub bandwidth: Spanned<Bandwidth>,
    /// Added to the propagation round trip derived from the pair distance (2 × 5 µs/km × `pair_distance_km`; a duration). Default: `"2ms"`.
    #[serde(default)]
    pub rtt_overhead: Option<Spanned<SimDuration>>,
    /// The log is cut into batches at multiples of this interval (a duration, at least 1 ms). Required.
    pub batch_interval: Spanned<SimDuration>,
    /// A batch is also cut when it reaches this size (a size). Default: none.
    #[serde(default)]
    pub batch_size: Option<Spanned<ByteSize>>,
    /// Random delay between a batch's arrival and its application at the secondary, in order. Default: `"0s"`.
    #[serde(default)]
    pub apply_delay: Option<Dist>,
    /// When a replicated write survives a forced failover: `"arrival"` (received and durably logged in the paired region, replayed at failover) or `"apply"`. Default: `"arrival"`.
    #[serde(default)]
    pub durable_at: Option<Spanned<String>>,
    /// An RPO bound: commits in the primary wait while the replication lag is at this bound (a table, e.g. `{ lag = "20s" }`; needs `[dr]`). Default: none (the lag is unbounded).
    #[serde(default)]
    pub rpo_bound: Option<Spanned<RawRpoBound>>,
    /// The secondary copy in the paired region serves (stale) reads while the primary cannot serve writes (home region down, writes stopped), as long as DR holds a whole copy there (protected, or a drill's drain, a failover or a switch back under way) and the paired region is up with its zone quorum (RA-GRS / RA-GZRS read access; Cosmos DB read regions): read availability then exceeds write availability. Default: `false`.
    #[serde(default)]
    pub readable_secondary: Option<bool>,
}

/// `[multi_writer]`: the paired region writes too, and concurrent writes to
/// one key are resolved last-writer-wins.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawMultiWriter {
    /// Writes per second committed by the paired region's own clients (a rate, > 0; `workload.write_rate` is the home region's clients'). Required.
    pub paired_write_rate: Spanned<Rate>,
    /// Number of keys the writes go to, 1 … 10^12. Default: 1000000.
    #[serde(default)]
    pub keys: Option<Spanned<i64>>,
    /// Zipf exponent of the key popularity (key k is written with probability ∝ k^-skew), 0 … 10; 0 is uniform. Default: 0.
    #[serde(default)]
    pub key_skew: Option<Spanned<f64>>,
    /// Random time from a region's outage to its clients writing in the other region (detection and reroute). Default: `"30s"`.
    #[serde(default)]
    pub client_reroute: Option<Dist>,
}

/// `cross_region.rpo_bound`: the replication lag the primary never lets writes exceed.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawRpoBound {
    /// The bound on the replication lag, i.e. on the loss window a forced failover would see now (a duration, > 0; Aurora's `rds.global_db_rpo` is at least 20 s). Required.
    pub lag: Spanned<SimDuration>,
    /// What the primary does at the bound: `"block"` (no commit until the lag is back under the bound) or `"throttle"` (writes admitted at the link's drain rate while it is below the offered rate, the others shed and counted; blocked while the link ships nothing). Default: `"block"`.
    #[serde(default)]
    pub action: Option<Spanned<String>>,
    /// Whose lag the bound reads: `"paired"` (the paired region's) or `"any"` (the smallest over the paired region and the further `dr.targets` holding a copy: writes commit while at least one secondary is within the bound, Aurora's rule; only with `action = "block"`). Default: `"paired"`.
    #[serde(default)]
    pub met_by: Option<Spanned<String>>,
}

/// The value of `dr.max_data_loss`: a duration, or `"none"`, the default
/// written out. Spelling the default lets a sweep, a `--set` or the policy
/// frontier name "no limit" next to the limits it is compared with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DataLossLimit {
    /// `"none"`: fail over whatever the loss window.
    Unlimited,
    /// Fail over only if the loss window is at most this.
    AtMost(SimDuration),
}

impl DataLossLimit {
    /// The limit as the model holds it (`None`: no limit).
    pub fn limit(self) -> Option<SimDuration> {
        match self {
            DataLossLimit::Unlimited => None,
            DataLossLimit::AtMost(d) => Some(d),
        }
    }
}

impl<'de> Deserialize<'de> for DataLossLimit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = DataLossLimit;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration string such as \"1m\", or \"none\" for no limit")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DataLossLimit, E> {
                if v.trim() == "none" {
                    return Ok(DataLossLimit::Unlimited);
                }
                crate::time::parse_duration(v)
                    .map(DataLossLimit::AtMost)
                    .map_err(|e| E::custom(format!("{} (or \"none\" for no limit)", e.0)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Self-service disaster recovery.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawDr {
    /// DR is on and seeded from time zero (else an `enable` operation turns it on). Default: `false`.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Failover target; anything but the home region's paired region is an error. Default: the paired region.
    #[serde(default)]
    pub target_region: Option<Spanned<String>>,
    /// Random set-up time before the copy of `data_size` starts. Default: `"1h"`.
    #[serde(default)]
    pub seeding_overhead: Option<Dist>,
    /// Random time for the operator to declare a disaster (emergency response). Default: lognormal, median 30 min, sigma 0.6.
    #[serde(default)]
    pub operator_decision: Option<Dist>,
    /// Random time the forced failover takes. Default: lognormal, median 10 min, sigma 0.4.
    #[serde(default)]
    pub failover_time: Option<Dist>,
    /// Random time of a planned switch (drill, switch back). Default: lognormal, median 5 min, sigma 0.4.
    #[serde(default)]
    pub switch_time: Option<Dist>,
    /// Random time from the primary region's recovery to the start of the switch back. Default: `"1h"`.
    #[serde(default)]
    pub failback_delay: Option<Dist>,
    /// A drill whose drain has not finished after this long is aborted and writes resume in the primary (a duration). Default: `"2h"`.
    #[serde(default)]
    pub drill_drain_timeout: Option<Spanned<SimDuration>>,
    /// Policy: fail over only if the loss window at the failure is at most this, else wait for the region (a duration, or `"none"` for no limit; a destroyed primary fails over regardless). Default: `"none"` (always fail over).
    #[serde(default)]
    pub max_data_loss: Option<Spanned<DataLossLimit>>,
    /// Share of the primary's capacity available in the paired region, in (0, 1]; divides commit latency there. Default: 1.
    #[serde(default)]
    pub secondary_capacity: Option<Spanned<f64>>,
    /// Start the emergency response once writes have been stopped by a lost zone quorum for this long (a duration, > 0). Default: none (a quorum loss never does).
    #[serde(default)]
    pub emergency_after_quorum_loss: Option<Spanned<SimDuration>>,
    /// Who fails over after a region outage: `"customer"` (the operator decides after `operator_decision`, `max_data_loss` permitting) or `"provider"` (after `provider_grace` from the outage's start, whatever the data loss, region-wide outages only). Default: `"customer"`.
    #[serde(default)]
    pub failover_by: Option<Spanned<String>>,
    /// Provider-managed failover: random time from the start of a region outage of the home region to the provider's failover (Azure SQL failover groups: at least 1 h). Default: `"1h"`.
    #[serde(default)]
    pub provider_grace: Option<Dist>,
    /// Provider-managed failover: probability that the provider never fails over and waits the outage out, in [0, 1]. Default: 0.
    #[serde(default)]
    pub provider_never_probability: Option<Spanned<f64>>,
    /// After an emergency failover: `"switch-back"` (the operator switches back once the home region is up), `"stay"` (the environment stays in the paired region for good, with no secondary copy: geo-redundant storage after an unplanned failover, before geo-redundancy is re-enabled) or `"reprotect"` (it stays in the paired region, now its primary, unprotected until a full copy of `data_size` has reached the recovered former home region after a `seeding_overhead` set-up; then protected in the reverse direction, the next outage of the new primary failing over back to the former home region). Default: `"switch-back"`.
    #[serde(default)]
    pub after_failover: Option<Spanned<String>>,
    /// Failover targets in priority order: region names, the paired region among them; every other one is a further secondary region holding its own copy over its own link (the `[cross_region]` laws, its own outages and partitions). Default: the paired region alone.
    #[serde(default)]
    pub targets: Option<Spanned<Vec<Spanned<String>>>>,
    /// How an emergency failover picks its target among `targets`: `"priority"` (the first available one in the list) or `"least-lag"` (the available one with the smallest loss window at the decision); a target that is down, has lost its zone quorum, holds no whole copy or whose link is partitioned is skipped. Default: `"priority"`.
    #[serde(default)]
    pub target_choice: Option<Spanned<String>>,
}

/// A scheduled DR lifecycle operation.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawOperation {
    /// `"enable"`, `"drill"` or `"disable"`. Required.
    pub kind: Spanned<String>,
    /// First occurrence (a duration from time 0). Required.
    pub at: Spanned<SimDuration>,
    /// Repeat every this long (a duration). Default: no repeat.
    #[serde(default)]
    pub every: Option<Spanned<SimDuration>>,
    /// Drill: time spent in the paired region before switching back (a duration). Default: `"1h"`.
    #[serde(default)]
    pub stay: Option<Spanned<SimDuration>>,
}

/// Storage billed per storage type, and optional prices.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawCapacity {
    /// Database storage (a size). Default: `environment.data_size`.
    #[serde(default)]
    pub database: Option<ByteSize>,
    /// File storage (a size). Default: 0.
    #[serde(default)]
    pub file: Option<ByteSize>,
    /// Log storage (a size). Default: 0.
    #[serde(default)]
    pub log: Option<ByteSize>,
    /// Price per GB-month per storage type (any currency). Default: none (no cost reported).
    #[serde(default)]
    pub price_per_gb_month: Option<RawPrices>,
}

/// Price per GB-month of each storage type, in any one currency.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawPrices {
    /// Price per GB-month of database storage, a finite number ≥ 0. Default: none.
    #[serde(default)]
    pub database: Option<Spanned<f64>>,
    /// Price per GB-month of file storage, a finite number ≥ 0. Default: none.
    #[serde(default)]
    pub file: Option<Spanned<f64>>,
    /// Price per GB-month of log storage, a finite number ≥ 0. Default: none.
    #[serde(default)]
    pub log: Option<Spanned<f64>>,
}

/// A service attached to the environment, by its catalogue name.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields, remote = "Self")]
#[schemars(!remote)]
pub struct RawService {
    /// A service of `data/services.toml`. Required.
    pub name: Spanned<String>,
    /// Overrides the catalogue's DR behaviour: `"fails-over"`, `"unavailable-until-primary"`, `"degraded"` or `"not-supported"`. Default: the catalogue's.
    #[serde(default)]
    pub behaviour: Option<Spanned<String>>,
}

tables_only!(
    RawScenario,
    RawMultiWriter,
    RawSimulation,
    RawRegion,
    RawEnvironment,
    RawWorkload,
    RawReplication,
    RawVoters,
    RawFailover,
    RawFailures,
    RawProcess,
    RawRegionFailures,
    RawRegionOverride,
    RawDegradation,
    RawZoneFailures,
    RawZoneOverride,
    RawIncident,
    RawTargets,
    RawTarget,
    RawCrossRegion,
    RawRpoBound,
    RawDr,
    RawOperation,
    RawCapacity,
    RawPrices,
    RawService,
    RawFailureFile,
    RawSharedSimulation,
);
