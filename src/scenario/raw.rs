//! The scenario file exactly as written: serde structs that mirror the TOML,
//! with `deny_unknown_fields` everywhere (a misspelt key is an error, never
//! silently ignored) and `Spanned` wherever a later cross-field check must
//! point back at the text. Nothing here is validated beyond its type; see
//! `validate.rs` for the rules.

use crate::dist::Dist;
use crate::time::SimDuration;
use crate::units::{Bandwidth, ByteSize, Rate};
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub simulation: RawSimulation,
    pub regions: Spanned<Vec<RawRegion>>,
    pub environment: RawEnvironment,
    pub workload: RawWorkload,
    #[serde(default)]
    pub replication: RawReplication,
    #[serde(default)]
    pub failover: RawFailover,
    #[serde(default)]
    pub failures: RawFailures,
    #[serde(default)]
    pub incidents: Vec<Spanned<RawIncident>>,
    #[serde(default)]
    pub targets: Option<Spanned<RawTargets>>,
    #[serde(default)]
    pub cross_region: Option<Spanned<RawCrossRegion>>,
    #[serde(default)]
    pub dr: Option<Spanned<RawDr>>,
    #[serde(default)]
    pub operations: Vec<Spanned<RawOperation>>,
    #[serde(default)]
    pub capacity: Option<RawCapacity>,
    #[serde(default)]
    pub services: Vec<Spanned<RawService>>,
    /// Parameter sweep; read by `drsim sweep` (see `sweep.rs`) from the
    /// text, accepted here only so that `run` does not reject the key.
    #[serde(default)]
    #[allow(dead_code)]
    pub sweep: Option<toml::Table>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    pub seed: u64,
    pub runs: Spanned<i64>,
    pub horizon: Spanned<SimDuration>,
    /// `"fast"` (default) or `"exact"` (every write an event).
    #[serde(default)]
    pub fidelity: Option<Spanned<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawRegion {
    pub name: Spanned<String>,
    pub zones: Spanned<Vec<Spanned<String>>>,
    /// `false` models a region that has not moved to availability zones yet.
    #[serde(default = "yes")]
    pub availability_zones: bool,
    /// Distance between any two zones of the region, in km.
    #[serde(default)]
    pub zone_distance_km: Option<Spanned<f64>>,
    /// Delay of a manual recovery through a support ticket (regions without zones).
    #[serde(default)]
    pub support_ticket_delay: Option<Dist>,
    /// How often the service backs up environment data to another data center.
    #[serde(default)]
    pub backup_interval: Option<Spanned<SimDuration>>,
    /// The one region this region may fail over to.
    #[serde(default)]
    pub paired_region: Option<Spanned<String>>,
    /// Distance to the paired region, in km.
    #[serde(default)]
    pub pair_distance_km: Option<Spanned<f64>>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawEnvironment {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub region: Spanned<String>,
    /// Zone that hosts a non-zone-redundant environment and the first leader.
    #[serde(default)]
    pub home_zone: Option<Spanned<String>>,
    pub data_size: ByteSize,
    /// Managed Environment (a prerequisite of self-service DR).
    #[serde(default)]
    pub managed: Option<bool>,
    /// Billing plan: `"pay-as-you-go"` is a prerequisite of self-service DR.
    #[serde(default)]
    pub billing: Option<Spanned<String>>,
    /// Deployed in a virtual network.
    #[serde(default)]
    pub vnet: Option<bool>,
    /// A virtual network pair is configured for the paired region.
    #[serde(default)]
    pub vnet_paired: Option<bool>,
    /// Interval of the backups the service keeps in the primary region
    /// (the only copy of a region's data without self-service DR).
    #[serde(default)]
    pub backup_interval: Option<Spanned<SimDuration>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    pub write_rate: Spanned<Rate>,
    pub write_size: Spanned<ByteSize>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawReplication {
    #[serde(default)]
    pub quorum: Option<Spanned<i64>>,
    /// Zone-to-zone round trip; when absent it is derived from the distance.
    #[serde(default)]
    pub zone_rtt: Option<Dist>,
    /// Added to the propagation round trip when `zone_rtt` is derived.
    #[serde(default)]
    pub rtt_overhead: Option<Dist>,
    /// Bandwidth a returning zone uses to catch up with what it missed.
    #[serde(default)]
    pub resync_bandwidth: Option<Spanned<Bandwidth>>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawFailover {
    #[serde(default)]
    pub heartbeat_interval: Option<Spanned<SimDuration>>,
    #[serde(default)]
    pub missed_heartbeats: Option<Spanned<i64>>,
    #[serde(default)]
    pub reroute: Option<Dist>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawFailures {
    /// Random outages applied to every zone independently.
    #[serde(default)]
    pub zones: Option<RawZoneFailures>,
    /// Per-zone overrides of the random outage process.
    #[serde(default)]
    pub zone: Vec<Spanned<RawZoneOverride>>,
    /// Random outages of the whole home region (and of its paired region,
    /// unless overridden).
    #[serde(default)]
    pub regions: Option<RawRegionFailures>,
    /// Per-region overrides of the random region outage process.
    #[serde(default)]
    pub region: Vec<Spanned<RawRegionOverride>>,
    /// Random partitions of the cross-region link.
    #[serde(default)]
    pub link: Option<RawProcess>,
    /// Random bandwidth degradations of the cross-region link.
    #[serde(default)]
    pub link_degradation: Option<RawDegradation>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawProcess {
    pub time_between: Dist,
    pub duration: Dist,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawRegionFailures {
    pub time_between: Dist,
    pub duration: Dist,
    /// Share of region outages that destroy the primary's data.
    #[serde(default)]
    pub destroy_probability: Option<Spanned<f64>>,
    /// Rare-event mode: exactly one outage per replication, at a uniformly
    /// random time after `warmup`.
    #[serde(default)]
    pub conditioned: Option<bool>,
    #[serde(default)]
    pub warmup: Option<Spanned<SimDuration>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawRegionOverride {
    /// The home region or its paired region.
    pub name: Spanned<String>,
    /// `false`: this region has no random outages (scheduled ones still apply).
    #[serde(default)]
    pub random: Option<bool>,
    #[serde(default)]
    pub time_between: Option<Dist>,
    #[serde(default)]
    pub duration: Option<Dist>,
    #[serde(default)]
    pub destroy_probability: Option<Spanned<f64>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawDegradation {
    pub time_between: Dist,
    pub duration: Dist,
    /// Fraction of the bandwidth left while degraded, in (0, 1).
    pub bandwidth_factor: Spanned<f64>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawZoneFailures {
    pub time_between: Dist,
    pub duration: Dist,
    /// Probability that a zone outage also takes down one other zone.
    #[serde(default)]
    pub correlated_probability: Option<Spanned<f64>>,
    /// Probability that a random zone outage grows into an outage of its
    /// whole region.
    #[serde(default)]
    pub escalation_probability: Option<Spanned<f64>>,
    /// Delay from the zone outage's start to the region outage.
    #[serde(default)]
    pub escalation_delay: Option<Dist>,
    /// Duration of an escalated region outage (default: `failures.regions.duration`).
    #[serde(default)]
    pub escalation_duration: Option<Dist>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawZoneOverride {
    pub name: Spanned<String>,
    pub time_between: Option<Dist>,
    pub duration: Option<Dist>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawIncident {
    pub kind: Spanned<String>,
    #[serde(default)]
    pub zone: Option<Spanned<String>>,
    #[serde(default)]
    pub zones: Option<Vec<Spanned<String>>>,
    /// For `kind = "region"`: the failing region (default: the home region).
    #[serde(default)]
    pub region: Option<Spanned<String>>,
    /// For `kind = "region"`: the outage destroys the primary's data.
    #[serde(default)]
    pub destroys_data: Option<bool>,
    /// For `kind = "link_degradation"`: fraction of the bandwidth left.
    #[serde(default)]
    pub bandwidth_factor: Option<Spanned<f64>>,
    pub at: Spanned<SimDuration>,
    pub duration: Spanned<SimDuration>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTargets {
    #[serde(default)]
    pub zone: Option<Spanned<RawTarget>>,
    #[serde(default)]
    pub region: Option<Spanned<RawTarget>>,
    #[serde(default)]
    pub link: Option<Spanned<RawTarget>>,
    #[serde(default)]
    pub drill: Option<Spanned<RawTarget>>,
    #[serde(default)]
    pub failback: Option<Spanned<RawTarget>>,
    /// The switch back at the end of a drill (`failback` is only the one
    /// after an emergency failover).
    #[serde(default, rename = "drill-return")]
    pub drill_return: Option<Spanned<RawTarget>>,
    /// Outages of the paired region.
    #[serde(default, rename = "paired-region")]
    pub paired_region: Option<Spanned<RawTarget>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    #[serde(default)]
    pub rpo: Option<SimDuration>,
    #[serde(default)]
    pub rto: Option<SimDuration>,
    /// Share of incidents that must meet the target, e.g. 0.99.
    #[serde(default)]
    pub quantile: Option<Spanned<f64>>,
    /// `"disruptive"` (default) or `"all"`: the incidents judged.
    #[serde(default)]
    pub basis: Option<Spanned<String>>,
}

/// The asynchronous link to the paired region.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawCrossRegion {
    pub bandwidth: Spanned<Bandwidth>,
    /// Added to the propagation round trip derived from the pair distance.
    #[serde(default)]
    pub rtt_overhead: Option<Spanned<SimDuration>>,
    /// Batches are cut at multiples of this interval.
    pub batch_interval: Spanned<SimDuration>,
    /// A batch is also cut when it reaches this size.
    #[serde(default)]
    pub batch_size: Option<Spanned<ByteSize>>,
    /// Delay between a batch's arrival and its application at the secondary.
    #[serde(default)]
    pub apply_delay: Option<Dist>,
}

/// Self-service disaster recovery.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawDr {
    /// DR is on (and seeded) from time zero.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Failover target; must be the home region's paired region.
    #[serde(default)]
    pub target_region: Option<Spanned<String>>,
    /// Extra time of the initial seeding beyond data_size / bandwidth.
    #[serde(default)]
    pub seeding_overhead: Option<Dist>,
    /// Time for the operator to declare a disaster (emergency response).
    #[serde(default)]
    pub operator_decision: Option<Dist>,
    /// Time the forced failover takes to execute.
    #[serde(default)]
    pub failover_time: Option<Dist>,
    /// Time of the switch in a planned failover (drill) or switch back.
    #[serde(default)]
    pub switch_time: Option<Dist>,
    /// Delay between the primary region's recovery and the start of the switch back.
    #[serde(default)]
    pub failback_delay: Option<Dist>,
    /// A drill whose drain has not finished after this long is aborted.
    #[serde(default)]
    pub drill_drain_timeout: Option<Spanned<SimDuration>>,
    /// Fail over only if the data loss shown is at most this; else wait for the region.
    #[serde(default)]
    pub max_data_loss: Option<Spanned<SimDuration>>,
    /// Share of the primary's capacity available in the paired region, in (0, 1].
    #[serde(default)]
    pub secondary_capacity: Option<Spanned<f64>>,
    /// Start the emergency response once writes have been stopped by a lost
    /// zone quorum for this long (absent: a quorum loss never does).
    #[serde(default)]
    pub emergency_after_quorum_loss: Option<Spanned<SimDuration>>,
}

/// A scheduled lifecycle operation.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawOperation {
    /// `enable`, `drill` or `disable`.
    pub kind: Spanned<String>,
    pub at: Spanned<SimDuration>,
    /// Repeat every this long.
    #[serde(default)]
    pub every: Option<Spanned<SimDuration>>,
    /// Drill: time spent in the paired region before switching back.
    #[serde(default)]
    pub stay: Option<Spanned<SimDuration>>,
}

/// Storage consumption per storage type and optional prices.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawCapacity {
    #[serde(default)]
    pub database: Option<ByteSize>,
    #[serde(default)]
    pub file: Option<ByteSize>,
    #[serde(default)]
    pub log: Option<ByteSize>,
    /// Price per GB-month per storage type (any currency).
    #[serde(default)]
    pub price_per_gb_month: Option<RawPrices>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawPrices {
    #[serde(default)]
    pub database: Option<f64>,
    #[serde(default)]
    pub file: Option<f64>,
    #[serde(default)]
    pub log: Option<f64>,
}

/// A service attached to the environment, by its catalogue name.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub name: Spanned<String>,
    /// Overrides the catalogue's DR behaviour.
    #[serde(default)]
    pub behaviour: Option<Spanned<String>>,
}
