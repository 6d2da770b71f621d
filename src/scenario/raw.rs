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
    /// Parameter sweep; read by `drsim sweep` (see `sweep.rs`), ignored by `run`.
    #[serde(default)]
    pub sweep: Option<toml::Table>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    pub seed: u64,
    pub runs: Spanned<i64>,
    pub horizon: Spanned<SimDuration>,
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
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawZoneFailures {
    pub time_between: Dist,
    pub duration: Dist,
    /// Probability that a zone outage also takes down one other zone.
    #[serde(default)]
    pub correlated_probability: Option<Spanned<f64>>,
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
    pub at: Spanned<SimDuration>,
    pub duration: Spanned<SimDuration>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTargets {
    #[serde(default)]
    pub zone: Option<Spanned<RawTarget>>,
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
}
