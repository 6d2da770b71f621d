//! The validated scenario: every reference resolved to an index, every
//! default filled in, every rule checked. The simulator only ever sees this.

use crate::dist::Dist;
use crate::incident::{IncidentClass, Metric};
use crate::time::{SimDuration, SimTime};

/// Propagation of light in optical fibre, one way, per kilometre (≈ c / 1.47).
pub const FIBER_NS_PER_KM: u64 = 5_000;

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// FNV-1a 64 of the scenario text, hex: identifies the exact input of a run.
    pub source_hash: String,
    /// The scenario text that was run (after `run --set` overrides), quoted
    /// in `report.html` so a shared report carries its own input.
    pub source_text: String,
    pub simulation: Simulation,
    pub regions: Vec<Region>,
    pub environment: Environment,
    pub workload: Workload,
    pub replication: ZoneReplication,
    pub failover: ZoneFailover,
    /// Random outage process of each zone of the home region (by zone index);
    /// `None` for a zone that never fails at random.
    pub zone_failures: Vec<Option<FailureProcess>>,
    /// Random outage process of each zone of the paired region (by zone
    /// index in its `[[regions]]` entry): the same law as the home region's
    /// unless a `[[failures.zone]]` with `region` overrides it. Empty when
    /// the paired region's zones are not simulated (no `[cross_region]`
    /// link, or a paired region without availability zones).
    pub paired_zone_failures: Vec<Option<FailureProcess>>,
    /// Probability (in [0, 1]) that a random zone outage also takes one other
    /// zone of its region (home or paired) down at the same instant.
    pub correlated_zone_probability: f64,
    /// Random zone outages that grow into outages of their whole region.
    pub zone_escalation: Option<ZoneEscalation>,
    pub scheduled: Vec<ScheduledIncident>,
    pub targets: Vec<Target>,
    /// Random outages of the whole home region.
    pub region_failures: Option<RegionFailures>,
    /// Random outages of the home region's paired region (only with a
    /// `cross_region` link: without one it plays no part; never conditioned).
    pub paired_region_failures: Option<RegionFailures>,
    /// The home region's `paired_region` (index in `regions`; region number
    /// 1), with a `[cross_region]` link or not.
    pub paired_region: Option<usize>,
    /// `[replication] scope = "regions"`: the synchronous write quorum over
    /// voters in several regions that replaces the zone quorum.
    pub region_quorum: Option<RegionQuorum>,
    /// The regions beyond the home region and its pair (region numbers 2,
    /// 3, … in `[[regions]]` order), each with its outage process.
    pub extra_regions: Vec<ExtraRegion>,
    /// Distances between regions (km), as declared.
    pub distances: RegionDistances,
    /// The asynchronous link to the paired region (present when the home
    /// region has a pair and `[cross_region]` is given).
    pub cross_region: Option<CrossRegion>,
    /// Self-service DR (present when configured and allowed).
    pub dr: Option<Dr>,
    /// Several writing regions (`[multi_writer]`): the paired region writes
    /// too, both directions of the link carry a log, last writer wins.
    pub multi_writer: Option<MultiWriter>,
    pub operations: Vec<Operation>,
    /// Random partitions of the cross-region link.
    pub link_failures: Option<FailureProcess>,
    /// Random bandwidth degradations of the cross-region link.
    pub link_degradation: Option<Degradation>,
    pub capacity: Capacity,
    pub services: Vec<Service>,
    /// The `--set KEY=VALUE` overrides applied to the file (as `key=value`,
    /// in order; see `overrides.rs`); empty for a file run as written.
    pub overrides: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct RegionFailures {
    pub process: FailureProcess,
    /// Probability (in [0, 1]) that an outage destroys the primary's data.
    pub destroy_probability: f64,
    /// Probability (in [0, 1]) that an outage destroying the data also
    /// destroys the backups kept in the region: the data is then lost entirely.
    pub backup_loss_probability: f64,
    /// Rare-event mode: instead of the renewal process, exactly one outage
    /// per replication at a uniformly random time in `[warmup, horizon)`,
    /// so every replication estimates the per-outage RPO/RTO; annual
    /// figures follow by multiplying by the process's rate.
    pub conditioned: Option<SimDuration>,
}

impl RegionFailures {
    /// One random outage: its duration, then whether it destroys the data,
    /// drawn in that order from the region's own stream (the order is part
    /// of the seeding story: changing it moves every later draw). The
    /// destruction draw is skipped when it cannot happen.
    pub fn draw_outage<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> (SimDuration, bool) {
        use rand::RngExt;
        let duration = self.process.duration.sample(rng);
        let destroys =
            self.destroy_probability > 0.0 && rng.random::<f64>() < self.destroy_probability;
        (duration, destroys)
    }

    /// Outages per year of the renewal process (1 / mean cycle).
    pub fn rate_per_year(&self) -> f64 {
        let cycle = self.process.time_between.mean_secs() + self.process.duration.mean_secs();
        if cycle > 0.0 {
            365.0 * 86_400.0 / cycle
        } else {
            0.0
        }
    }
}

/// A synchronous write quorum over voting replicas in several regions
/// (`[replication] scope = "regions"`: Spanner multi-region, CockroachDB
/// `SURVIVE REGION FAILURE`, Cosmos DB strong consistency, DynamoDB MRSC).
#[derive(Clone, Debug)]
pub struct RegionQuorum {
    /// Every voting replica, in `[[replication.voters]]` order (a region's
    /// voters together, in their zones in turn).
    pub voters: Vec<Voter>,
    /// Voters (the leader included) that must hold a write to commit it:
    /// a majority of `voters`, so every election quorum meets every write
    /// quorum and no acknowledged write is ever lost.
    pub quorum: usize,
    /// Added to the propagation of a round trip between two regions.
    pub region_rtt_overhead: Dist,
    /// How long (simulated time, one draw per loss) the quorum must have
    /// been lost without a break before the voter set re-forms over the
    /// voters up (`replication.reform_after`); `None`: it never re-forms.
    pub reform_after: Option<Dist>,
    /// `replication.readable_voters`: a data-holding voter that is up
    /// answers (stale) reads while writes are not served.
    pub readable_voters: bool,
    /// `replication.commit_wait = "every-voter-up"`: a commit waits for
    /// every voter up (the slowest round trip), not for the quorum's
    /// slowest member; availability still needs the quorum only.
    pub commit_waits_for_every_voter: bool,
}

/// One voting replica.
#[derive(Clone, Debug)]
pub struct Voter {
    /// Index of its region in `Scenario::regions`.
    pub region: usize,
    /// Index of its region in `Scenario::extra_regions` (`None`: the home region).
    pub extra: Option<usize>,
    /// Index of its zone in the region's zones.
    pub zone: usize,
    /// Votes, holds no copy of the data, serves nothing, never leads.
    pub witness: bool,
    /// Round trip to a voter of another region, by that voter's region
    /// index: 2 × 5 µs/km × the distance (the overhead is drawn apart).
    pub propagation: std::collections::BTreeMap<usize, SimDuration>,
    /// Round trip to a voter of its own region (its zones' round trip).
    pub zone_rtt: ZoneRtt,
}

/// A region the scenario uses beyond the home region (region number 0)
/// and its paired region (1). Its random streams are keyed by its number,
/// not its name, so replication `r` of every scenario compared on the same
/// failures sees the same outages of region `k`, whatever it is called.
#[derive(Clone, Debug)]
pub struct ExtraRegion {
    /// Index in `Scenario::regions`.
    pub region: usize,
    /// Its region number, ≥ 2 (the key of its random streams).
    pub number: u16,
    /// Its random outages: `[failures.regions]` unless a
    /// `[[failures.region]]` names it (never conditioned); `None`: none.
    pub failures: Option<RegionFailures>,
}

/// Distances between regions (km), symmetric: `distance_km` entries and
/// each region's `pair_distance_km` to its `paired_region` (500 km unless
/// given).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegionDistances(std::collections::BTreeMap<(usize, usize), f64>);

impl RegionDistances {
    fn key(a: usize, b: usize) -> (usize, usize) {
        (a.min(b), a.max(b))
    }

    /// The distance between regions `a` and `b` (by index), if declared.
    pub fn km(&self, a: usize, b: usize) -> Option<f64> {
        self.0.get(&Self::key(a, b)).copied()
    }

    /// Declares the distance between `a` and `b`; the distance it replaces, if any.
    pub fn insert(&mut self, a: usize, b: usize, km: f64) -> Option<f64> {
        self.0.insert(Self::key(a, b), km)
    }
}

/// A zone outage that grows into an outage of its whole region, as several
/// real regional incidents did.
#[derive(Clone, Debug)]
pub struct ZoneEscalation {
    /// Probability (in [0, 1]) that a random zone outage escalates.
    pub probability: f64,
    /// Random delay from the zone outage's start to the region outage; a
    /// zone already repaired by then does not escalate.
    pub delay: Dist,
    /// Random duration of the region outage (it destroys no data).
    pub duration: Dist,
}

#[derive(Clone, Debug)]
pub struct Degradation {
    pub process: FailureProcess,
    /// Fraction of the bandwidth left while degraded, in (0, 1).
    pub bandwidth_factor: f64,
}

/// The asynchronous, batched, in-order log shipped to the paired region.
#[derive(Clone, Debug)]
pub struct CrossRegion {
    /// Index of the paired region in `Scenario::regions`.
    pub paired_region: usize,
    /// Bytes per second of the link.
    pub bandwidth: f64,
    /// One-way propagation: 5 µs/km × distance plus half the configured overhead.
    pub one_way: SimDuration,
    /// Batches are cut at multiples of this (the configured interval, or
    /// shorter when `batch_size` fills first at the offered write rate).
    pub batch_interval: SimDuration,
    /// Delay between a batch's arrival and its application (as configured).
    pub apply_delay: Dist,
    /// The point at which a replicated write is durable in the paired region.
    pub durable_at: Durability,
    /// The RPO bound the primary enforces by blocking commits, if any.
    pub rpo_bound: Option<RpoBound>,
    /// The secondary copy serves reads while the primary cannot serve
    /// writes (`model::reads`).
    pub readable_secondary: bool,
}

/// `[multi_writer]`: the home region's clients write at
/// `workload.write_rate` into the home region, the paired region's clients
/// at `paired_write_rate` into the paired region; each region ships its own
/// log to the other over the `[cross_region]` link (same laws both ways).
#[derive(Clone, Debug)]
pub struct MultiWriter {
    /// Writes per second of the paired region's own clients (Poisson).
    pub paired_write_rate: f64,
    /// Number of keys written (≥ 1).
    pub keys: u64,
    /// Zipf exponent of key popularity (0 = uniform).
    pub key_skew: f64,
    /// Random time from a region outage to its clients writing in the
    /// other region (detection and reroute).
    pub client_reroute: Dist,
}

/// `cross_region.rpo_bound`: while DR protects the primary, writes are not
/// served whenever the replication lag (now minus the last sync time, under
/// `durable_at`: the loss window a forced failover would see now) has reached
/// `lag`, until it is back under it. The RPO of a failure is then at most
/// `lag`; the price is write unavailability (incident class `rpo-bound`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RpoBound {
    /// The bound on the replication lag (ns).
    pub lag: SimDuration,
    /// `action = "throttle"`: at the bound, writes are admitted at the
    /// link's drain rate instead of blocked (blocked when that rate is 0).
    pub throttle: bool,
    /// `met_by = "any"`: the bound reads the smallest lag over the paired
    /// region and the further secondaries holding a copy (Aurora commits
    /// while at least one secondary is within its RPO), else the paired
    /// region's alone.
    pub any_secondary: bool,
}

impl CrossRegion {
    /// Delay from a batch's arrival to the moment its writes are durable in
    /// the paired region: zero on arrival, the apply delay on apply. Every
    /// "is it replicated?" question of the model (last sync time, loss
    /// window, lag, a drill's drain, the last batch before a switch back)
    /// waits for this delay, never for the apply delay itself.
    pub fn sync_delay(&self) -> Dist {
        match self.durable_at {
            Durability::Arrival => Dist::Constant(SimDuration::ZERO),
            Durability::Apply => self.apply_delay.clone(),
        }
    }

    /// The largest lag of this link while it keeps up with `write_bytes_per_sec`
    /// at `factor` × its bandwidth and has no backlog: a write just after a
    /// cut waits one batch interval, the batch's sending time (`ρT`), the
    /// propagation and the durability delay (its 1 − 1e-9 quantile). An RPO
    /// bound above it blocks writes only when the link falls behind
    /// (partitions, degradations, the paired region down).
    pub fn steady_lag(&self, write_bytes_per_sec: f64, factor: f64) -> SimDuration {
        let t = self.batch_interval;
        let rho = if self.bandwidth * factor > 0.0 {
            write_bytes_per_sec / (self.bandwidth * factor)
        } else {
            f64::INFINITY
        };
        let send = SimDuration::from_secs_f64((rho * t.as_secs_f64()).min(1e9));
        t.saturating_add(send)
            .saturating_add(self.one_way)
            .saturating_add(self.sync_delay().quantile(1.0 - 1e-9))
    }

    /// [`CrossRegion::sync_delay`] of a batch whose apply delay is `apply`
    /// (drawn whatever the durability point, so that both points see the
    /// same draws of the stream it comes from).
    pub fn durable_after(&self, apply: SimDuration) -> SimDuration {
        match self.durable_at {
            Durability::Arrival => SimDuration::ZERO,
            Durability::Apply => apply,
        }
    }
}

/// Where a write shipped to the paired region becomes durable, i.e. survives
/// a forced failover.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// Received and durably logged: the forced failover replays what has
    /// arrived ("doesn't copy any more data except what's already replicated
    /// before the outage"). The document's wording, hence the default.
    #[default]
    Arrival,
    /// Only once applied: what has arrived but awaits its apply delay is lost.
    Apply,
}

impl Durability {
    pub const NAMES: [&'static str; 2] = ["arrival", "apply"];

    pub fn from_name(s: &str) -> Option<Durability> {
        Some(match s {
            "arrival" => Durability::Arrival,
            "apply" => Durability::Apply,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// Self-service DR settings.
#[derive(Clone, Debug)]
pub struct Dr {
    /// On and seeded from time zero (otherwise an `enable` operation turns it on).
    pub enabled_at_start: bool,
    pub seeding_overhead: Dist,
    pub operator_decision: Dist,
    pub failover_time: Dist,
    pub switch_time: Dist,
    pub failback_delay: Dist,
    /// A drill still draining after this long is aborted and writes resume
    /// in the primary (a drain at rate 0, e.g. during a partition, never ends).
    pub drill_drain_timeout: SimDuration,
    /// Policy: fail over only if the loss window is at most this.
    pub max_data_loss: Option<SimDuration>,
    /// Share of the primary's capacity in the paired region, in (0, 1].
    pub secondary_capacity: f64,
    /// The environment is in a VNet without a VNet pair: failovers fail.
    pub vnet_unpaired: bool,
    /// Start the emergency response once writes have been stopped by a lost
    /// zone quorum (region up) for this long; `None`: only region outages do.
    pub emergency_after_quorum_loss: Option<SimDuration>,
    /// Provider-managed failover (`dr.failover_by = "provider"`); `None`:
    /// the customer's operator decides (`operator_decision`, `max_data_loss`).
    pub provider: Option<ProviderFailover>,
    /// What follows an emergency failover (`dr.after_failover`).
    pub after_failover: AfterFailover,
    /// Failover targets in priority order (`dr.targets`), as indices into
    /// `Scenario::regions`: the paired region and any further secondary
    /// regions. Just the paired region unless the scenario lists more.
    pub targets: Vec<usize>,
    /// How an emergency failover picks among `targets` (`dr.target_choice`).
    pub target_choice: TargetChoice,
}

/// What follows an emergency failover (`dr.after_failover`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AfterFailover {
    /// Switch back once the home region is up (the document's rule).
    #[default]
    SwitchBack,
    /// Stay in the paired region for good, with no secondary copy.
    Stay,
    /// Stay in the paired region, now the primary: a full copy of
    /// `data_size` to the recovered former home region, then protection
    /// in the reverse direction (geo-redundancy re-enabled).
    Reprotect,
}

/// How an emergency failover picks its target among `dr.targets` (only
/// the available ones: up, quorum held, whole copy, link not partitioned).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetChoice {
    /// The first available target in the list.
    Priority,
    /// The available target with the smallest loss window at the decision
    /// (ties: the earlier in the list).
    LeastLag,
}

impl TargetChoice {
    /// Values of `dr.target_choice`, in the order priority, least-lag.
    pub const NAMES: [&'static str; 2] = ["priority", "least-lag"];
}

/// The provider fails over after a region-wide outage of the home region,
/// on its own clock and whatever the data loss (Azure SQL failover groups
/// with the Microsoft-managed policy, Cosmos DB service-managed failover).
#[derive(Clone, Debug)]
pub struct ProviderFailover {
    /// Time from the outage's start to the provider's failover decision.
    pub grace: Dist,
    /// Probability in [0, 1] that the provider waits the outage out instead.
    pub never_probability: f64,
}

/// Values of `dr.after_failover`, in the order of [`AfterFailover`].
pub const AFTER_FAILOVER: [&str; 3] = ["switch-back", "stay", "reprotect"];

impl ProviderFailover {
    /// Values of `dr.failover_by`, in the order customer, provider.
    pub const FAILOVER_BY: [&'static str; 2] = ["customer", "provider"];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationKind {
    Enable,
    Drill,
    Disable,
}

impl OperationKind {
    pub const NAMES: [&'static str; 3] = ["enable", "drill", "disable"];

    pub fn name(self) -> &'static str {
        match self {
            OperationKind::Enable => "enable",
            OperationKind::Drill => "drill",
            OperationKind::Disable => "disable",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Operation {
    pub kind: OperationKind,
    pub at: SimTime,
    pub every: Option<SimDuration>,
    /// Drill: time in the paired region before the switch back.
    pub stay: SimDuration,
}

/// Storage per type (bytes) and optional prices per GB-month.
#[derive(Clone, Debug, Default)]
pub struct Capacity {
    pub database: u64,
    pub file: u64,
    pub log: u64,
    pub price_database: Option<f64>,
    pub price_file: Option<f64>,
    pub price_log: Option<f64>,
}

/// What a service does during a regional failover (the seed's statements).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceBehaviour {
    /// Fails over and back with the environment.
    FailsOver,
    /// Unavailable until the primary region returns.
    UnavailableUntilPrimary,
    /// Keeps working with a latency impact.
    Degraded,
    /// Self-service DR not supported: down until the primary region returns.
    NotSupported,
}

impl ServiceBehaviour {
    pub const NAMES: [&'static str; 4] = [
        "fails-over",
        "unavailable-until-primary",
        "degraded",
        "not-supported",
    ];

    pub fn from_name(s: &str) -> Option<ServiceBehaviour> {
        Some(match s {
            "fails-over" => ServiceBehaviour::FailsOver,
            "unavailable-until-primary" => ServiceBehaviour::UnavailableUntilPrimary,
            "degraded" => ServiceBehaviour::Degraded,
            "not-supported" => ServiceBehaviour::NotSupported,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    pub behaviour: ServiceBehaviour,
    /// The seed's statement behind the behaviour.
    pub note: String,
}

#[derive(Clone, Debug)]
pub struct Simulation {
    pub seed: u64,
    /// Number of Monte Carlo replications.
    pub runs: u64,
    /// Simulated length of one replication.
    pub horizon: SimDuration,
    /// How writes are simulated; overridable in code after loading.
    pub fidelity: Fidelity,
}

/// Two fidelities of one model (see `model::exact`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fidelity {
    /// Writes are not events: the cross-region log is a fluid and a
    /// failure's loss is a Poisson draw over its window. Cost grows with
    /// incidents, not with writes × horizon.
    #[default]
    Fast,
    /// Every write replicated to the paired region is an event (commit,
    /// batch, ship, apply) and a failover's loss is counted write by write.
    /// Slow: for validation of `Fast` and for short horizons.
    Exact,
}

impl Fidelity {
    pub const NAMES: [&'static str; 2] = ["fast", "exact"];

    pub fn from_name(s: &str) -> Option<Fidelity> {
        Some(match s {
            "fast" => Fidelity::Fast,
            "exact" => Fidelity::Exact,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

#[derive(Clone, Debug)]
pub struct Region {
    pub name: String,
    pub zones: Vec<String>,
    /// `false`: the region has not moved to availability zones, so a zone
    /// failure is recovered only by a support ticket (see `manual_recovery`).
    pub availability_zones: bool,
    /// Distance between zones of the region (km).
    pub zone_distance_km: f64,
    pub manual_recovery: Option<ManualRecovery>,
}

/// Recovery of a region without availability zones: a support engineer
/// restores the environment from the latest backup in another data center.
#[derive(Clone, Debug)]
pub struct ManualRecovery {
    pub ticket_delay: Dist,
    /// Backups are taken at multiples of this interval from time zero.
    pub backup_interval: SimDuration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvironmentType {
    Production,
    Sandbox,
    Developer,
    Trial,
    Default,
}

impl EnvironmentType {
    pub const NAMES: [&'static str; 5] = ["production", "sandbox", "developer", "trial", "default"];

    pub fn from_name(s: &str) -> Option<EnvironmentType> {
        Some(match s {
            "production" => EnvironmentType::Production,
            "sandbox" => EnvironmentType::Sandbox,
            "developer" => EnvironmentType::Developer,
            "trial" => EnvironmentType::Trial,
            "default" => EnvironmentType::Default,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Environment {
    pub name: String,
    pub kind: EnvironmentType,
    /// Index into `Scenario::regions`.
    pub region: usize,
    /// Zone (index into the region's zones) hosting a single-zone environment
    /// and the initial leader of a zone-redundant one.
    pub home_zone: usize,
    /// Bytes of environment data.
    pub data_size: u64,
    /// Without DR: interval of the backups kept in the primary region.
    pub backup_interval: SimDuration,
    /// Bytes per second at which a backup of `data_size` is restored into
    /// the region; `None`: instantly.
    pub restore_bandwidth: Option<f64>,
}

/// How the environment survives a zone failure, derived from its type and region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Architecture {
    /// Production in a region with zones: synchronous quorum, automatic failover.
    ZoneRedundant,
    /// Non-production: lives in one zone and waits for it to come back.
    SingleZone,
    /// Production in a region without zones: support ticket and restore from backup.
    ManualRecovery,
}

#[derive(Clone, Debug)]
pub struct Workload {
    /// Committed writes per second while the service is up (Poisson).
    pub write_rate: f64,
    /// Bytes per write.
    pub write_size: u64,
}

impl Workload {
    /// Offered bytes per second.
    pub fn bytes_per_sec(&self) -> f64 {
        self.write_rate * self.write_size as f64
    }
}

/// One region of the pair: the home region, or its paired region (the DR
/// target). Each has its zones, and the same zone rules apply in both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Home,
    Paired,
}

impl Side {
    pub const BOTH: [Side; 2] = [Side::Home, Side::Paired];

    /// Position in per-region arrays (`[home, paired]`).
    pub fn index(self) -> usize {
        match self {
            Side::Home => 0,
            Side::Paired => 1,
        }
    }
}

/// In-region synchronous replication across the zones.
#[derive(Clone, Debug)]
pub struct ZoneReplication {
    pub mode: ReplicationMode,
    /// Zone replicas (leader included) that must hold a write to commit it.
    /// In [`ReplicationMode::AllInSync`] the region's zone count: a commit
    /// waits for every zone of the in-sync set, all of them when all are up.
    pub quorum: usize,
    pub zone_rtt: ZoneRtt,
    /// The same rule in the paired region: `quorum` when given (at most its
    /// zone count), else its own majority (its zone count in all-in-sync).
    /// Equal to `quorum` when the paired region's zones are not simulated.
    pub paired_quorum: usize,
    /// Round trip between the paired region's zones: `zone_rtt` when given,
    /// else derived from that region's `zone_distance_km`.
    pub paired_zone_rtt: ZoneRtt,
    /// Bytes per second a returning zone uses to catch up; `None`: instant.
    pub resync_bandwidth: Option<f64>,
}

impl ZoneReplication {
    /// Zone replicas that must hold a write in the region `side`.
    pub fn quorum_in(&self, side: Side) -> usize {
        match side {
            Side::Home => self.quorum,
            Side::Paired => self.paired_quorum,
        }
    }

    /// Zone-to-zone round trip in the region `side`.
    pub fn zone_rtt_in(&self, side: Side) -> &ZoneRtt {
        match side {
            Side::Home => &self.zone_rtt,
            Side::Paired => &self.paired_zone_rtt,
        }
    }
}

/// How a write commits across the zones of a region.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReplicationMode {
    /// A fixed number of replicas (`quorum`) must hold a write; any zone
    /// that is up may be elected, the most up-to-date winning. Writes stop
    /// whenever fewer than `quorum` zones are up and in sync.
    #[default]
    Quorum,
    /// Every zone of the in-sync set must hold a write. A failed zone stalls
    /// commits until its failure is declared (detection) and the set is
    /// reconfigured without it (`reroute`); the survivors carry on, down to
    /// one. Only an in-sync zone may be elected, so nothing acknowledged is
    /// ever lost; a returning zone catches up and rejoins the set. The cost:
    /// when the last in-sync zone fails, writes wait for that very zone,
    /// even if a stale one is back.
    AllInSync,
}

impl ReplicationMode {
    pub const NAMES: [&'static str; 2] = ["quorum", "all-in-sync"];

    pub fn from_name(s: &str) -> Option<ReplicationMode> {
        Some(match s {
            "quorum" => ReplicationMode::Quorum,
            "all-in-sync" => ReplicationMode::AllInSync,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// Round-trip time between two zones.
#[derive(Clone, Debug)]
pub enum ZoneRtt {
    Given(Dist),
    /// `2 × 5 µs/km × distance` plus an overhead draw.
    Derived {
        propagation: SimDuration,
        overhead: Dist,
    },
}

impl ZoneRtt {
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        match self {
            ZoneRtt::Given(d) => d.sample(rng),
            ZoneRtt::Derived {
                propagation,
                overhead,
            } => propagation.saturating_add(overhead.sample(rng)),
        }
    }
}

/// Automatic zone failover: the leader's heartbeats stop, the failure is
/// declared after `missed_heartbeats` consecutive missed beats, and traffic
/// is rerouted to a new leader after a `reroute` draw.
#[derive(Clone, Debug)]
pub struct ZoneFailover {
    pub heartbeat_interval: SimDuration,
    pub missed_heartbeats: u32,
    pub reroute: Dist,
}

/// An alternating up/down renewal process.
#[derive(Clone, Debug)]
pub struct FailureProcess {
    /// Up time between the end of one outage and the start of the next.
    pub time_between: Dist,
    pub duration: Dist,
}

#[derive(Clone, Debug)]
pub struct ScheduledIncident {
    pub class: IncidentClass,
    /// Zone incident: the region whose zones fail (`zones` index its zones).
    pub side: Side,
    /// Zone indices (of the region `side` names) that fail together.
    pub zones: Vec<usize>,
    pub at: SimTime,
    pub duration: SimDuration,
    /// Region incident: destroys the primary's data.
    pub destroys_data: bool,
    /// Region incident destroying the data: the in-region backups too.
    pub destroys_backups: bool,
    /// Region incident of a region beyond the pair: its index in
    /// `Scenario::extra_regions` (`None`: the home or paired region, by class).
    pub extra_region: Option<usize>,
    /// Link degradation: fraction of the bandwidth left.
    pub bandwidth_factor: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub class: IncidentClass,
    pub metric: Metric,
    pub value: SimDuration,
    /// Share of incidents that must meet the value (e.g. 0.99); the target
    /// holds when this quantile of the realised metric is at most `value`.
    pub quantile: f64,
    /// Which of the class's incidents the target is judged over.
    pub basis: TargetBasis,
}

/// The incidents a target is judged over. Most zone incidents hit a
/// follower and never stop writes (RTO 0), so a target over all of them
/// says little about the outages users see: the default judges the
/// disruptive ones only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TargetBasis {
    /// Incidents that stopped writes or began while they were stopped
    /// ([`Incident::disruptive`](crate::incident::Incident::disruptive)).
    Disruptive,
    /// Every incident of the class.
    All,
}

impl TargetBasis {
    pub const ALL: [TargetBasis; 2] = [TargetBasis::Disruptive, TargetBasis::All];

    /// The scenario-file spelling (`basis = "..."`).
    pub fn name(self) -> &'static str {
        match self {
            TargetBasis::Disruptive => "disruptive",
            TargetBasis::All => "all",
        }
    }
}

impl Scenario {
    pub fn home_region(&self) -> &Region {
        &self.regions[self.environment.region]
    }

    /// Something can happen in a replication: a random failure process
    /// (zones, regions, the link), a scheduled incident or an operation.
    /// Without any, every replication is failure-free: a scenario meant
    /// to take its failures from `drsim run … --failures FILE` (the
    /// presets of `scenarios/services/`) reports nothing when run alone.
    pub fn defines_failures(&self) -> bool {
        self.zone_failures.iter().any(Option::is_some)
            || self.paired_zone_failures.iter().any(Option::is_some)
            || self.region_failures.is_some()
            || self.paired_region_failures.is_some()
            || self.extra_regions.iter().any(|e| e.failures.is_some())
            || self.link_failures.is_some()
            || self.link_degradation.is_some()
            || !self.scheduled.is_empty()
            || !self.operations.is_empty()
    }

    /// The region `side` names: the home region, or its paired region
    /// (`None` without a `[cross_region]` link).
    pub fn region_of(&self, side: Side) -> Option<&Region> {
        match side {
            Side::Home => Some(self.home_region()),
            Side::Paired => self
                .cross_region
                .as_ref()
                .map(|c| &self.regions[c.paired_region]),
        }
    }

    /// The further secondary regions (`dr.targets` beyond the paired
    /// region), in priority order, as indices into `regions`.
    pub fn extra_secondaries(&self) -> Vec<usize> {
        let paired = self.cross_region.as_ref().map(|c| c.paired_region);
        self.dr.as_ref().map_or_else(Vec::new, |d| {
            d.targets
                .iter()
                .copied()
                .filter(|&t| Some(t) != paired)
                .collect()
        })
    }

    /// Random zone outage processes of the region `side`.
    pub fn zone_failures_in(&self, side: Side) -> &[Option<FailureProcess>] {
        match side {
            Side::Home => &self.zone_failures,
            Side::Paired => &self.paired_zone_failures,
        }
    }

    /// The region number of `regions[index]`: 0 for the home region, 1 for
    /// its paired region, 2, 3, … for the others (`None` for a region the
    /// scenario does not use).
    pub fn region_number(&self, index: usize) -> Option<u16> {
        if index == self.environment.region {
            return Some(0);
        }
        if self.paired_region == Some(index) {
            return Some(1);
        }
        self.extra_regions
            .iter()
            .find(|e| e.region == index)
            .map(|e| e.number)
    }

    /// Whether the paired region's zones are simulated one by one: with a
    /// `[cross_region]` link to a paired region that has availability zones.
    pub fn paired_zones_simulated(&self) -> bool {
        self.region_of(Side::Paired)
            .is_some_and(|r| r.availability_zones)
    }

    pub fn architecture(&self) -> Architecture {
        let region = self.home_region();
        match (self.environment.kind, region.availability_zones) {
            (EnvironmentType::Production, true) => Architecture::ZoneRedundant,
            (EnvironmentType::Production, false) => Architecture::ManualRecovery,
            _ => Architecture::SingleZone,
        }
    }
}
