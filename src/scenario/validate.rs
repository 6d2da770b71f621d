//! Raw scenario → validated `Scenario`. Every rule lives here, reports every
//! violation it finds (not just the first), and points at the text.

use super::error::{nearest, Diagnostic, Location};
use super::model::*;
use super::raw::*;
use crate::dist::Dist;
use crate::incident::{IncidentClass, Metric};
use crate::time::{SimDuration, SimTime};
use std::ops::Range;
use toml::Spanned;

/// Most replications one run may ask for; beyond it the run would take days
/// and the per-run CSV would not fit on disk.
pub const MAX_RUNS: i64 = 100_000_000;

/// Collects diagnostics against one source text.
pub(crate) struct Checker<'a> {
    pub file: &'a str,
    pub source: &'a str,
    pub diagnostics: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    /// Errors beyond `MAX_DIAGNOSTICS`, counted but not rendered.
    pub suppressed: usize,
}

/// Errors reported in full; past this a hostile file (thousands of bad
/// keys) would cost quadratic time and memory to describe, and nobody
/// reads the thousandth error anyway.
pub const MAX_DIAGNOSTICS: usize = 50;

impl<'a> Checker<'a> {
    pub fn new(file: &'a str, source: &'a str) -> Self {
        Checker {
            file,
            source,
            diagnostics: Vec::new(),
            warnings: Vec::new(),
            suppressed: 0,
        }
    }

    fn diagnostic(
        &self,
        span: Option<Range<usize>>,
        path: &str,
        message: String,
        help: Option<String>,
    ) -> Diagnostic {
        Diagnostic {
            file: self.file.to_string(),
            location: span.map(|s| Location::from_span(self.source, s)),
            key_path: path.to_string(),
            message,
            help,
        }
    }

    pub fn error(&mut self, span: Option<Range<usize>>, path: &str, message: impl Into<String>) {
        if self.diagnostics.len() >= MAX_DIAGNOSTICS {
            self.suppressed += 1;
            return;
        }
        let d = self.diagnostic(span, path, message.into(), None);
        self.diagnostics.push(d);
    }

    pub fn error_with_help(
        &mut self,
        span: Option<Range<usize>>,
        path: &str,
        message: impl Into<String>,
        help: String,
    ) {
        if self.diagnostics.len() >= MAX_DIAGNOSTICS {
            self.suppressed += 1;
            return;
        }
        let d = self.diagnostic(span, path, message.into(), Some(help));
        self.diagnostics.push(d);
    }

    /// The errors, with a closing note when some were suppressed.
    pub fn into_errors(mut self) -> Vec<Diagnostic> {
        if self.suppressed > 0 {
            let note = self.diagnostic(
                None,
                "",
                format!("… and {} more errors not shown", self.suppressed),
                None,
            );
            self.diagnostics.push(note);
        }
        self.diagnostics
    }

    pub fn warn(&mut self, span: Option<Range<usize>>, path: &str, message: impl Into<String>) {
        if self.warnings.len() >= MAX_DIAGNOSTICS {
            return;
        }
        let d = self.diagnostic(span, path, message.into(), None);
        self.warnings.push(d);
    }

    /// Resolves a name against the valid ones, reporting a miss with the nearest valid name.
    fn resolve(
        &mut self,
        name: &Spanned<String>,
        valid: &[String],
        what: &str,
        path: &str,
    ) -> Option<usize> {
        if let Some(i) = valid.iter().position(|v| v == name.get_ref()) {
            return Some(i);
        }
        let msg = if valid.is_empty() {
            format!("unknown {what} `{}`: none is defined", name.get_ref())
        } else {
            format!(
                "unknown {what} `{}`: expected one of {}",
                name.get_ref(),
                quote_list(valid)
            )
        };
        match nearest(name.get_ref(), valid.iter().map(String::as_str)) {
            Some(n) => {
                self.error_with_help(Some(name.span()), path, msg, format!("did you mean `{n}`?"))
            }
            None => self.error(Some(name.span()), path, msg),
        }
        None
    }
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// FNV-1a, 64 bit: a stable fingerprint of the scenario text.
pub fn fnv1a_hex(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn default_reroute() -> Dist {
    Dist::LogNormal {
        median: 30e9,
        sigma: 0.5,
    }
}

fn default_rtt_overhead() -> Dist {
    Dist::LogNormal {
        median: 400e3,
        sigma: 0.3,
    }
}

/// Default distance between the zones of a region (km): the seed says
/// "typically separated by several kilometers, usually within 100".
const DEFAULT_ZONE_DISTANCE_KM: f64 = 10.0;

pub(crate) fn validate(raw: RawScenario, c: &mut Checker) -> Option<Scenario> {
    let source_hash = fnv1a_hex(c.source);
    if raw.name.get_ref().trim().is_empty() {
        c.error(
            Some(raw.name.span()),
            "name",
            "the scenario name must not be empty",
        );
    }

    // simulation
    let sim = &raw.simulation;
    let runs = *sim.runs.get_ref();
    if !(1..=MAX_RUNS).contains(&runs) {
        c.error(
            Some(sim.runs.span()),
            "simulation.runs",
            format!("expected a number of replications between 1 and {MAX_RUNS}, found {runs}"),
        );
    }
    let horizon = *sim.horizon.get_ref();
    if horizon.is_zero() {
        c.error(
            Some(sim.horizon.span()),
            "simulation.horizon",
            "the horizon must be positive",
        );
    }
    let fidelity = sim.fidelity.as_ref().map_or(Some(Fidelity::Fast), |f| {
        let names: Vec<String> = Fidelity::NAMES.iter().map(|s| s.to_string()).collect();
        c.resolve(f, &names, "fidelity", "simulation.fidelity")
            .and_then(|i| Fidelity::from_name(&names[i]))
    });

    // regions
    let mut regions = Vec::new();
    let mut region_names: Vec<String> = Vec::new();
    if raw.regions.get_ref().is_empty() {
        c.error(
            Some(raw.regions.span()),
            "regions",
            "at least one region is required",
        );
    }
    for (i, r) in raw.regions.get_ref().iter().enumerate() {
        let path = format!("regions[{i}]");
        let name = r.name.get_ref().clone();
        if region_names.contains(&name) {
            c.error(
                Some(r.name.span()),
                &format!("{path}.name"),
                format!("duplicate region name `{name}`"),
            );
        }
        region_names.push(name.clone());
        let zones: Vec<String> = r
            .zones
            .get_ref()
            .iter()
            .map(|z| z.get_ref().clone())
            .collect();
        if zones.len() > MAX_ZONES {
            c.error(
                Some(r.zones.span()),
                &format!("{path}.zones"),
                format!(
                    "at most {MAX_ZONES} zones per region are supported, found {}",
                    zones.len()
                ),
            );
        }
        if zones.len() < 2 {
            c.error(
                Some(r.zones.span()),
                &format!("{path}.zones"),
                format!("a region has at least 2 availability zones (the seed: usually 3, never fewer than 2), found {}", zones.len()),
            );
        }
        for (j, z) in r.zones.get_ref().iter().enumerate() {
            if zones[..j].contains(z.get_ref()) {
                c.error(
                    Some(z.span()),
                    &format!("{path}.zones[{j}]"),
                    format!("duplicate zone name `{}`", z.get_ref()),
                );
            }
        }
        let zone_distance_km = match &r.zone_distance_km {
            Some(d) => {
                let km = *d.get_ref();
                if !km.is_finite() || !(0.0..=MAX_DISTANCE_KM).contains(&km) {
                    c.error(
                        Some(d.span()),
                        &format!("{path}.zone_distance_km"),
                        format!(
                            "expected a distance in km between 0 and {MAX_DISTANCE_KM}, found {km}"
                        ),
                    );
                } else if km > 100.0 {
                    c.warn(
                        Some(d.span()),
                        &format!("{path}.zone_distance_km"),
                        format!(
                            "zones {km} km apart: the seed says zones are usually within 100 km"
                        ),
                    );
                }
                km
            }
            None => DEFAULT_ZONE_DISTANCE_KM,
        };
        let manual_recovery = match (&r.support_ticket_delay, &r.backup_interval) {
            (Some(ticket_delay), Some(interval)) => {
                if interval.get_ref().is_zero() {
                    c.error(
                        Some(interval.span()),
                        &format!("{path}.backup_interval"),
                        "the backup interval must be positive",
                    );
                }
                Some(ManualRecovery {
                    ticket_delay: ticket_delay.clone(),
                    backup_interval: *interval.get_ref(),
                })
            }
            _ => None,
        };
        regions.push(Region {
            name,
            zones,
            availability_zones: r.availability_zones,
            zone_distance_km,
            manual_recovery,
        });
    }

    // environment
    let env = &raw.environment;
    let kind = EnvironmentType::from_name(env.kind.get_ref());
    if kind.is_none() {
        let names: Vec<String> = EnvironmentType::NAMES
            .iter()
            .map(|s| s.to_string())
            .collect();
        c.resolve(&env.kind, &names, "environment type", "environment.type");
    }
    let region_idx = c.resolve(&env.region, &region_names, "region", "environment.region");
    let mut home_zone = 0;
    if let (Some(ri), Some(hz)) = (region_idx, &env.home_zone) {
        home_zone = c
            .resolve(hz, &regions[ri].zones, "zone", "environment.home_zone")
            .unwrap_or(0);
    }
    if env.data_size.0 == 0 {
        c.error(
            None,
            "environment.data_size",
            "the data size must be positive",
        );
    }
    if let (Some(ri), Some(EnvironmentType::Production)) = (region_idx, kind) {
        let r = &regions[ri];
        if !r.availability_zones && r.manual_recovery.is_none() {
            c.error(
                Some(raw.regions.get_ref()[ri].name.span()),
                &format!("regions[{ri}]"),
                format!(
                    "region `{}` has availability_zones = false, so a zone failure of a production environment needs manual recovery: set both `support_ticket_delay` and `backup_interval`",
                    r.name
                ),
            );
        }
    }

    // workload
    let w = &raw.workload;
    if w.write_rate.get_ref().0 > MAX_WRITE_RATE {
        c.error(
            Some(w.write_rate.span()),
            "workload.write_rate",
            format!("at most {MAX_WRITE_RATE:e} writes/s are supported"),
        );
    }
    if !positive(w.write_rate.get_ref().0) {
        c.error(
            Some(w.write_rate.span()),
            "workload.write_rate",
            "the write rate must be positive",
        );
    }
    if w.write_size.get_ref().0 == 0 {
        c.error(
            Some(w.write_size.span()),
            "workload.write_size",
            "the write size must be positive",
        );
    }

    // replication
    let zone_count = region_idx.map_or(0, |ri| regions[ri].zones.len());
    let majority = zone_count / 2 + 1;
    let quorum = match &raw.replication.quorum {
        Some(q) => {
            let v = *q.get_ref();
            if v < 1 || (zone_count >= 2 && v as usize > zone_count) {
                c.error(
                    Some(q.span()),
                    "replication.quorum",
                    format!("expected a quorum between 1 and the {zone_count} zones of the home region, found {v}"),
                );
            } else if (v as usize) < majority {
                c.warn(
                    Some(q.span()),
                    "replication.quorum",
                    format!("quorum {v} of {zone_count} is not a majority: commit quorums need not intersect, so overlapping zone failures can lose acknowledged writes"),
                );
            }
            v.clamp(1, zone_count.max(1) as i64) as usize
        }
        None => majority,
    };
    let zone_distance =
        region_idx.map_or(DEFAULT_ZONE_DISTANCE_KM, |ri| regions[ri].zone_distance_km);
    let zone_rtt = match &raw.replication.zone_rtt {
        Some(d) => ZoneRtt::Given(d.clone()),
        None => ZoneRtt::Derived {
            propagation: SimDuration((2.0 * FIBER_NS_PER_KM as f64 * zone_distance).round() as u64),
            overhead: raw
                .replication
                .rtt_overhead
                .clone()
                .unwrap_or_else(default_rtt_overhead),
        },
    };
    let resync_bandwidth = raw.replication.resync_bandwidth.as_ref().map(|b| {
        let v = b.get_ref().0;
        if !positive(v) {
            c.error(
                Some(b.span()),
                "replication.resync_bandwidth",
                "the resync bandwidth must be positive",
            );
        }
        v
    });

    // failover
    let fo = &raw.failover;
    let heartbeat_interval =
        fo.heartbeat_interval
            .as_ref()
            .map_or(SimDuration::from_secs(1), |h| {
                if h.get_ref().is_zero() {
                    c.error(
                        Some(h.span()),
                        "failover.heartbeat_interval",
                        "the heartbeat interval must be positive",
                    );
                }
                *h.get_ref()
            });
    let missed_heartbeats = fo.missed_heartbeats.as_ref().map_or(3, |m| {
        let v = *m.get_ref();
        if !(1..=1000).contains(&v) {
            c.error(
                Some(m.span()),
                "failover.missed_heartbeats",
                format!("expected between 1 and 1000 missed heartbeats, found {v}"),
            );
        }
        v.clamp(1, 1000) as u32
    });
    let reroute = fo.reroute.clone().unwrap_or_else(default_reroute);

    // failures
    let mut zone_failures: Vec<Option<FailureProcess>> = vec![None; zone_count];
    let mut correlated = 0.0;
    if let Some(zf) = &raw.failures.zones {
        check_process(
            c,
            &zf.time_between,
            &zf.duration,
            "failures.zones",
            horizon,
            zone_count,
        );
        for slot in zone_failures.iter_mut() {
            *slot = Some(FailureProcess {
                time_between: zf.time_between.clone(),
                duration: zf.duration.clone(),
            });
        }
        if let Some(p) = &zf.correlated_probability {
            let v = *p.get_ref();
            if !(0.0..=1.0).contains(&v) {
                c.error(
                    Some(p.span()),
                    "failures.zones.correlated_probability",
                    format!("expected a probability in [0, 1], found {v}"),
                );
            } else {
                correlated = v;
            }
        }
    }
    if let Some(ri) = region_idx {
        for (i, o) in raw.failures.zone.iter().enumerate() {
            let path = format!("failures.zone[{i}]");
            let o = o.get_ref();
            let Some(zi) = c.resolve(&o.name, &regions[ri].zones, "zone", &format!("{path}.name"))
            else {
                continue;
            };
            let base = zone_failures[zi].clone();
            let time_between = o
                .time_between
                .clone()
                .or(base.as_ref().map(|b| b.time_between.clone()));
            let duration = o.duration.clone().or(base.map(|b| b.duration));
            match (time_between, duration) {
                (Some(tb), Some(d)) => {
                    check_process(c, &tb, &d, &path, horizon, 1);
                    zone_failures[zi] = Some(FailureProcess { time_between: tb, duration: d });
                }
                _ => c.error(None, &path, "a zone override needs `time_between` and `duration` (or a [failures.zones] default)"),
            }
        }
    }

    // cross-region pair, link and DR
    let env_type = kind;
    let paired = region_idx.and_then(|ri| {
        let r = &raw.regions.get_ref()[ri];
        let pair = r.paired_region.as_ref()?;
        let pi = c.resolve(
            pair,
            &region_names,
            "region",
            &format!("regions[{ri}].paired_region"),
        )?;
        if pi == ri {
            c.error(
                Some(pair.span()),
                &format!("regions[{ri}].paired_region"),
                "a region cannot be paired with itself",
            );
            return None;
        }
        Some(pi)
    });
    for (i, r) in raw.regions.get_ref().iter().enumerate() {
        if let Some(d) = &r.pair_distance_km {
            let km = *d.get_ref();
            if !km.is_finite() || !(0.0..=MAX_DISTANCE_KM).contains(&km) {
                c.error(
                    Some(d.span()),
                    &format!("regions[{i}].pair_distance_km"),
                    format!(
                        "expected a distance in km between 0 and {MAX_DISTANCE_KM}, found {km}"
                    ),
                );
            } else if km < MIN_PAIR_DISTANCE_KM {
                c.warn(Some(d.span()), &format!("regions[{i}].pair_distance_km"), format!("region pairs are usually at least 300 miles (~480 km) apart; {km} km offers less protection from large-scale disasters"));
            }
        }
    }
    let write_bytes_per_sec = w.write_rate.get_ref().0 * w.write_size.get_ref().0 as f64;
    let cross_region = match (&raw.cross_region, paired) {
        (Some(cr), Some(pi)) => {
            let crr = cr.get_ref();
            let bw = crr.bandwidth.get_ref().0;
            if !positive(bw) {
                c.error(
                    Some(crr.bandwidth.span()),
                    "cross_region.bandwidth",
                    "the link bandwidth must be positive",
                );
            }
            let interval = *crr.batch_interval.get_ref();
            if interval.is_zero() {
                c.error(
                    Some(crr.batch_interval.span()),
                    "cross_region.batch_interval",
                    "the batch interval must be positive",
                );
            } else if interval < MIN_BATCH_INTERVAL {
                c.error(Some(crr.batch_interval.span()), "cross_region.batch_interval", format!("batch interval below {MIN_BATCH_INTERVAL}: the fast model cuts batches at this granularity; use at least 1ms"));
            }
            let mut effective = interval;
            if let Some(size) = &crr.batch_size {
                let bytes = size.get_ref().0;
                if bytes == 0 {
                    c.error(
                        Some(size.span()),
                        "cross_region.batch_size",
                        "the batch size must be positive",
                    );
                } else if positive(write_bytes_per_sec) {
                    let fill = SimDuration::from_secs_f64(bytes as f64 / write_bytes_per_sec)
                        .max(MIN_BATCH_INTERVAL);
                    effective = effective.min(fill);
                }
            }
            if positive(bw) && write_bytes_per_sec >= bw {
                c.warn(
                    Some(crr.bandwidth.span()),
                    "cross_region.bandwidth",
                    format!(
                        "offered write load {:.3} MB/s is at or above the link's {:.3} MB/s: replication lag grows without bound",
                        write_bytes_per_sec / 1e6,
                        bw / 1e6
                    ),
                );
            }
            let km = raw.regions.get_ref()[region_idx.unwrap_or(0)]
                .pair_distance_km
                .as_ref()
                .map_or(DEFAULT_PAIR_DISTANCE_KM, |d| *d.get_ref());
            let overhead = crr
                .rtt_overhead
                .as_ref()
                .map_or(SimDuration::from_millis(2), |o| *o.get_ref());
            let one_way = SimDuration(
                ((FIBER_NS_PER_KM as f64 * km.clamp(0.0, MAX_DISTANCE_KM)).round() as u64)
                    .saturating_add(overhead.0 / 2),
            );
            Some(CrossRegion {
                paired_region: pi,
                bandwidth: bw,
                one_way,
                batch_interval: effective,
                apply_delay: crr
                    .apply_delay
                    .clone()
                    .unwrap_or(Dist::Constant(SimDuration::ZERO)),
            })
        }
        (Some(cr), None) => {
            c.error(
                Some(cr.span()),
                "cross_region",
                "cross-region replication needs the home region to name a `paired_region`",
            );
            None
        }
        _ => None,
    };

    let mut operations = Vec::new();
    for (i, op) in raw.operations.iter().enumerate() {
        let path = format!("operations[{i}]");
        let o = op.get_ref();
        let names: Vec<String> = OperationKind::NAMES.iter().map(|s| s.to_string()).collect();
        let Some(k) = c.resolve(&o.kind, &names, "operation", &format!("{path}.kind")) else {
            continue;
        };
        let kind = [
            OperationKind::Enable,
            OperationKind::Drill,
            OperationKind::Disable,
        ][k];
        let at = *o.at.get_ref();
        if at >= horizon && !horizon.is_zero() {
            c.error(
                Some(o.at.span()),
                &format!("{path}.at"),
                format!("the operation is at {at}, at or after the horizon ({horizon})"),
            );
        }
        if let Some(e) = &o.every {
            if e.get_ref().is_zero() {
                c.error(
                    Some(e.span()),
                    &format!("{path}.every"),
                    "a repeat interval must be positive",
                );
            }
        }
        let stay = match (&o.stay, kind) {
            (Some(s), OperationKind::Drill) => *s.get_ref(),
            (Some(s), _) => {
                c.error(
                    Some(s.span()),
                    &format!("{path}.stay"),
                    "`stay` applies only to drills",
                );
                SimDuration::ZERO
            }
            (None, _) => SimDuration::from_secs(3600),
        };
        operations.push(Operation {
            kind,
            at: SimTime(at.0),
            every: o.every.as_ref().map(|e| *e.get_ref()),
            stay,
        });
    }

    let dr = match &raw.dr {
        Some(d) => {
            let dref = d.get_ref();
            let wants_dr = dref.enabled.unwrap_or(false)
                || operations.iter().any(|o| o.kind == OperationKind::Enable);
            if wants_dr {
                if env_type.is_some_and(|k| k != EnvironmentType::Production) {
                    c.error(Some(env.kind.span()), "environment.type", "self-service disaster recovery is available only for production environments");
                }
                if env.managed != Some(true) {
                    c.error(Some(d.span()), "environment.managed", "self-service disaster recovery requires a Managed Environment: set environment.managed = true");
                }
                match &env.billing {
                    Some(b) if b.get_ref() == "pay-as-you-go" => {}
                    Some(b) => c.error_with_help(Some(b.span()), "environment.billing", format!("self-service disaster recovery requires a pay-as-you-go billing plan, found `{}`", b.get_ref()), "set billing = \"pay-as-you-go\"".into()),
                    None => c.error(Some(d.span()), "environment.billing", "self-service disaster recovery requires billing = \"pay-as-you-go\""),
                }
                if cross_region.is_none() && raw.cross_region.is_none() {
                    c.error(Some(d.span()), "cross_region", "self-service disaster recovery replicates over a `[cross_region]` link: add one");
                }
            }
            if let (Some(t), Some(ri)) = (&dref.target_region, region_idx) {
                if let Some(ti) = c.resolve(t, &region_names, "region", "dr.target_region") {
                    if Some(ti) != paired {
                        let pair_name =
                            paired.map_or("none".to_string(), |p| format!("`{}`", region_names[p]));
                        c.error(
                            Some(t.span()),
                            "dr.target_region",
                            format!("failover is possible only to the paired region of `{}` ({pair_name}), not to `{}`", region_names[ri], t.get_ref()),
                        );
                    }
                }
            }
            let vnet_unpaired = env.vnet == Some(true) && env.vnet_paired != Some(true);
            if wants_dr && vnet_unpaired {
                c.warn(Some(d.span()), "environment.vnet_paired", "the environment is in a virtual network without a Virtual Network pair: every DR failover and failback will fail (set vnet_paired = true)");
            }
            let secondary_capacity = dref.secondary_capacity.as_ref().map_or(1.0, |f| {
                let v = *f.get_ref();
                if !(positive(v) && v <= 1.0) {
                    c.error(
                        Some(f.span()),
                        "dr.secondary_capacity",
                        format!("expected a share of capacity in (0, 1], found {v}"),
                    );
                }
                v
            });
            let drill_drain_timeout = dref.drill_drain_timeout.as_ref().map(|t| {
                let v = *t.get_ref();
                if v == SimDuration::ZERO {
                    c.error(
                        Some(t.span()),
                        "dr.drill_drain_timeout",
                        "expected a positive duration: a zero timeout aborts every drill",
                    );
                }
                v
            });
            let seeding_overhead = dref
                .seeding_overhead
                .clone()
                .unwrap_or(Dist::Constant(SimDuration::from_secs(3600)));
            if let (true, Some(cr)) = (wants_dr, cross_region.as_ref()) {
                warn_long_seeding(
                    c,
                    d.span(),
                    &seeding_overhead,
                    env.data_size.0 as f64,
                    cr.bandwidth,
                    write_bytes_per_sec,
                );
            }
            wants_dr.then(|| Dr {
                enabled_at_start: dref.enabled.unwrap_or(false),
                seeding_overhead,
                operator_decision: dref.operator_decision.clone().unwrap_or(Dist::LogNormal {
                    median: 1800e9,
                    sigma: 0.6,
                }),
                failover_time: dref.failover_time.clone().unwrap_or(Dist::LogNormal {
                    median: 600e9,
                    sigma: 0.4,
                }),
                switch_time: dref.switch_time.clone().unwrap_or(Dist::LogNormal {
                    median: 300e9,
                    sigma: 0.4,
                }),
                failback_delay: dref
                    .failback_delay
                    .clone()
                    .unwrap_or(Dist::Constant(SimDuration::from_secs(3600))),
                drill_drain_timeout: drill_drain_timeout.unwrap_or(SimDuration::from_secs(7200)),
                max_data_loss: dref.max_data_loss.as_ref().map(|m| *m.get_ref()),
                secondary_capacity,
                vnet_unpaired,
            })
        }
        None => {
            if let Some(op) = operations
                .iter()
                .position(|o| o.kind != OperationKind::Enable)
            {
                c.error(
                    Some(raw.operations[op].span()),
                    &format!("operations[{op}]"),
                    "DR operations need a `[dr]` table",
                );
            }
            None
        }
    };
    if dr.is_some() || !operations.is_empty() {
        check_operation_timeline(
            c,
            &raw.operations,
            &operations,
            dr.as_ref(),
            cross_region.as_ref(),
            env.data_size.0,
        );
    }
    let backup_interval = env
        .backup_interval
        .as_ref()
        .map_or(DEFAULT_BACKUP_INTERVAL, |b| {
            if b.get_ref().is_zero() {
                c.error(
                    Some(b.span()),
                    "environment.backup_interval",
                    "the backup interval must be positive",
                );
            }
            *b.get_ref()
        });

    // random region and link failures
    let region_failures = raw.failures.regions.as_ref().map(|rf| {
        check_process(
            c,
            &rf.time_between,
            &rf.duration,
            "failures.regions",
            horizon,
            1,
        );
        let destroy_probability = rf.destroy_probability.as_ref().map_or(0.0, |p| {
            let v = *p.get_ref();
            if !(0.0..=1.0).contains(&v) {
                c.error(
                    Some(p.span()),
                    "failures.regions.destroy_probability",
                    format!("expected a probability in [0, 1], found {v}"),
                );
            }
            v
        });
        let conditioned = match (rf.conditioned, &rf.warmup) {
            (Some(true), w) => {
                let warmup = w
                    .as_ref()
                    .map_or(SimDuration(horizon.0 / 10), |w| *w.get_ref());
                if warmup >= horizon {
                    c.error(
                        w.as_ref().map(|w| w.span()),
                        "failures.regions.warmup",
                        format!("the warm-up ({warmup}) must end before the horizon ({horizon})"),
                    );
                }
                Some(warmup)
            }
            (_, Some(w)) => {
                c.error(
                    Some(w.span()),
                    "failures.regions.warmup",
                    "`warmup` applies only with conditioned = true",
                );
                None
            }
            _ => None,
        };
        RegionFailures {
            process: FailureProcess {
                time_between: rf.time_between.clone(),
                duration: rf.duration.clone(),
            },
            destroy_probability,
            conditioned,
        }
    });
    let link_failures = raw.failures.link.as_ref().map(|lf| {
        check_process(
            c,
            &lf.time_between,
            &lf.duration,
            "failures.link",
            horizon,
            1,
        );
        FailureProcess {
            time_between: lf.time_between.clone(),
            duration: lf.duration.clone(),
        }
    });
    let link_degradation = raw.failures.link_degradation.as_ref().map(|ld| {
        check_process(
            c,
            &ld.time_between,
            &ld.duration,
            "failures.link_degradation",
            horizon,
            1,
        );
        let f = check_bandwidth_factor(
            c,
            &ld.bandwidth_factor,
            "failures.link_degradation.bandwidth_factor",
        );
        Degradation {
            process: FailureProcess {
                time_between: ld.time_between.clone(),
                duration: ld.duration.clone(),
            },
            bandwidth_factor: f,
        }
    });
    if (link_failures.is_some() || link_degradation.is_some()) && cross_region.is_none() {
        c.warn(
            None,
            "failures.link",
            "link failures have no effect without a `[cross_region]` link",
        );
    }

    // scheduled incidents
    let mut scheduled = Vec::new();
    for (i, inc) in raw.incidents.iter().enumerate() {
        let path = format!("incidents[{i}]");
        let inc_ref = inc.get_ref();
        let kinds: Vec<String> = INCIDENT_KINDS.iter().map(|k| k.to_string()).collect();
        let Some(ki) = c.resolve(
            &inc_ref.kind,
            &kinds,
            "incident kind",
            &format!("{path}.kind"),
        ) else {
            continue;
        };
        let kind = INCIDENT_KINDS[ki];
        let class = match kind {
            "zone" => IncidentClass::Zone,
            "region" => IncidentClass::Region,
            _ => IncidentClass::Link,
        };
        let at = *inc_ref.at.get_ref();
        if at >= horizon && !horizon.is_zero() {
            c.error(
                Some(inc_ref.at.span()),
                &format!("{path}.at"),
                format!("the incident starts at {at}, at or after the horizon ({horizon}): lengthen simulation.horizon or move the incident"),
            );
        }
        if inc_ref.duration.get_ref().is_zero() {
            c.error(
                Some(inc_ref.duration.span()),
                &format!("{path}.duration"),
                "the incident duration must be positive",
            );
        }
        let names: Vec<&Spanned<String>> = inc_ref
            .zone
            .iter()
            .chain(inc_ref.zones.iter().flatten())
            .collect();
        let mut zones = Vec::new();
        match kind {
            "zone" => {
                if names.is_empty() {
                    c.error(Some(inc.span()), &path, "a zone incident names the failing zone with `zone = \"...\"` (or several with `zones = [...]`)");
                }
                if let Some(ri) = region_idx {
                    for n in &names {
                        if let Some(zi) =
                            c.resolve(n, &regions[ri].zones, "zone", &format!("{path}.zone"))
                        {
                            if zones.contains(&zi) {
                                c.error(
                                    Some(n.span()),
                                    &format!("{path}.zones"),
                                    format!("zone `{}` named twice", n.get_ref()),
                                );
                            }
                            zones.push(zi);
                        }
                    }
                }
            }
            "region" => {
                if let (Some(r), Some(ri)) = (&inc_ref.region, region_idx) {
                    if let Some(x) =
                        c.resolve(r, &region_names, "region", &format!("{path}.region"))
                    {
                        if x != ri {
                            c.error(
                                Some(r.span()),
                                &format!("{path}.region"),
                                format!(
                                    "only outages of the home region `{}` are simulated",
                                    region_names[ri]
                                ),
                            );
                        }
                    }
                }
                zones = (0..zone_count).collect();
            }
            _ => {
                if cross_region.is_none() {
                    c.error(
                        Some(inc.span()),
                        &path,
                        "a link incident needs a `[cross_region]` link",
                    );
                }
            }
        }
        if kind != "zone" && !names.is_empty() {
            c.error(
                Some(names[0].span()),
                &format!("{path}.zone"),
                format!("`zone` applies only to zone incidents, not `{kind}`"),
            );
        }
        if kind != "region" && inc_ref.destroys_data.is_some() {
            c.error(
                Some(inc.span()),
                &format!("{path}.destroys_data"),
                "`destroys_data` applies only to region incidents",
            );
        }
        let bandwidth_factor = match (&inc_ref.bandwidth_factor, kind) {
            (Some(f), "link_degradation") => {
                check_bandwidth_factor(c, f, &format!("{path}.bandwidth_factor"))
            }
            (None, "link_degradation") => {
                c.error(Some(inc.span()), &format!("{path}.bandwidth_factor"), "a link degradation gives the fraction of bandwidth left, e.g. bandwidth_factor = 0.1");
                1.0
            }
            (Some(f), _) => {
                c.error(
                    Some(f.span()),
                    &format!("{path}.bandwidth_factor"),
                    "`bandwidth_factor` applies only to link_degradation incidents",
                );
                1.0
            }
            (None, _) => 0.0,
        };
        scheduled.push(ScheduledIncident {
            class,
            zones,
            at: SimTime(at.0),
            duration: *inc_ref.duration.get_ref(),
            destroys_data: inc_ref.destroys_data.unwrap_or(false),
            bandwidth_factor,
        });
    }

    // targets
    let mut targets = Vec::new();
    if let Some(t) = &raw.targets {
        let tr = t.get_ref();
        for (class, target) in [
            (IncidentClass::Zone, &tr.zone),
            (IncidentClass::Region, &tr.region),
            (IncidentClass::Link, &tr.link),
            (IncidentClass::Drill, &tr.drill),
            (IncidentClass::Failback, &tr.failback),
            (IncidentClass::DrillReturn, &tr.drill_return),
        ] {
            if let Some(target) = target {
                push_targets(
                    c,
                    &mut targets,
                    class,
                    target,
                    &format!("targets.{}", class.name()),
                );
            }
        }
    }

    let capacity = capacity(raw.capacity.as_ref(), env.data_size.0);
    let services = services(c, &raw.services);

    if !c.diagnostics.is_empty() {
        return None;
    }
    let region = region_idx?;
    Some(Scenario {
        name: raw.name.into_inner(),
        description: raw.description.unwrap_or_default(),
        source_hash,
        simulation: Simulation {
            seed: sim.seed,
            runs: runs as u64,
            horizon,
            fidelity: fidelity.unwrap_or_default(),
        },
        regions,
        environment: Environment {
            name: env.name.clone(),
            kind: kind?,
            region,
            home_zone,
            data_size: env.data_size.0,
            backup_interval,
        },
        workload: Workload {
            write_rate: w.write_rate.get_ref().0,
            write_size: w.write_size.get_ref().0,
        },
        replication: ZoneReplication {
            quorum,
            zone_rtt,
            resync_bandwidth,
        },
        failover: ZoneFailover {
            heartbeat_interval,
            missed_heartbeats,
            reroute,
        },
        zone_failures,
        correlated_zone_probability: correlated,
        scheduled,
        targets,
        region_failures,
        cross_region,
        dr,
        operations,
        link_failures,
        link_degradation,
        capacity,
        services,
    })
}

/// Shortest mean failure cycle accepted (seconds): anything faster only
/// floods the event queue; it cannot describe a physical failure.
const MIN_FAILURE_CYCLE_S: f64 = 1.0;
/// Largest write rate accepted (writes per second), far beyond any
/// single environment, so counts of lost writes stay exact in 64 bits.
const MAX_WRITE_RATE: f64 = 1e9;
/// Most failures a replication may be expected to record: a million
/// incident records is far beyond any meaningful scenario and bounds the
/// memory and time of one replication, whatever the caller.
const MAX_INCIDENTS_PER_RUN: f64 = 1e6;
/// Most zones per region: real regions have 2–4; the per-zone random
/// streams are numbered in 16 bits.
const MAX_ZONES: usize = 1000;
/// Largest distance accepted (km): half the Earth's circumference.
const MAX_DISTANCE_KM: f64 = 20_100.0;

/// Backups kept in the primary region when the scenario does not say: daily.
const DEFAULT_BACKUP_INTERVAL: SimDuration = SimDuration::from_secs(86_400);

/// Incident kinds a scenario may schedule.
const INCIDENT_KINDS: [&str; 4] = ["zone", "region", "link", "link_degradation"];

/// Default distance to the paired region (km): "at least 300 miles" ≈ 480 km.
const DEFAULT_PAIR_DISTANCE_KM: f64 = 500.0;
/// Below this, a pair gives a warning: the seed says "at least 300 miles when possible".
const MIN_PAIR_DISTANCE_KM: f64 = 480.0;
/// Finest batch cut the fast model accepts.
const MIN_BATCH_INTERVAL: SimDuration = SimDuration(1_000_000);
/// Most occurrences one repeating operation may produce; more would flood
/// the event queue (a drill every minute for a year is a mistake).
const MAX_OPERATION_OCCURRENCES: u64 = 100_000;

/// The document: enabling DR "can take up to 48 hours to finish". Seeding
/// is the set-up overhead, the copy of `data_size` at the link's bandwidth,
/// then the catch-up of the writes made meanwhile at the bandwidth left
/// over by the writes; when that expected time exceeds 48 h, say so.
fn warn_long_seeding(
    c: &mut Checker,
    span: Range<usize>,
    overhead: &Dist,
    data_bytes: f64,
    bandwidth: f64,
    write_bytes_per_sec: f64,
) {
    const DOCUMENTED: f64 = 48.0 * 3600.0;
    if !positive(bandwidth) || write_bytes_per_sec >= bandwidth {
        // The overload warning of the link says it: the catch-up never ends.
        return;
    }
    let copy = data_bytes / bandwidth;
    let before_catch_up = overhead.mean_secs() + copy;
    let catch_up = write_bytes_per_sec * before_catch_up / (bandwidth - write_bytes_per_sec);
    let expected = before_catch_up + catch_up;
    if expected > DOCUMENTED {
        c.warn(
            Some(span),
            "dr",
            format!(
                "expected seeding time {} (set-up {}, copy {}, catch-up of the writes made meanwhile {}) exceeds the document's 48 hours; no protection until then",
                SimDuration::from_secs_f64(expected),
                SimDuration::from_secs_f64(overhead.mean_secs()),
                SimDuration::from_secs_f64(copy),
                SimDuration::from_secs_f64(catch_up),
            ),
        );
    }
}

fn check_bandwidth_factor(c: &mut Checker, f: &Spanned<f64>, path: &str) -> f64 {
    let v = *f.get_ref();
    if !(positive(v) && v < 1.0) {
        c.error(Some(f.span()), path, format!("expected the fraction of bandwidth left, in (0, 1), found {v} (a full outage is a `link` partition)"));
    }
    v
}

/// Rules that concern the order of lifecycle operations: a drill needs
/// completed seeding; disabling DR is refused while failed over (during a
/// drill's stay in the paired region).
fn check_operation_timeline(
    c: &mut Checker,
    raw: &[Spanned<RawOperation>],
    ops: &[Operation],
    dr: Option<&Dr>,
    link: Option<&CrossRegion>,
    data_size: u64,
) {
    let enable_at = ops
        .iter()
        .filter(|o| o.kind == OperationKind::Enable)
        .map(|o| o.at)
        .min();
    let seeded_from = match (dr, enable_at, link) {
        (Some(d), _, _) if d.enabled_at_start => Some(SimTime::ZERO),
        (Some(_), Some(at), Some(l)) => {
            Some(at.after(SimDuration::from_secs_f64(data_size as f64 / l.bandwidth)))
        }
        _ => None,
    };
    for (i, o) in ops.iter().enumerate() {
        if let Some(e) = o.every {
            if e.0 > 0 && u64::MAX / e.0 < 1
                || (e.0 > 0
                    && (u64::MAX - o.at.0) / e.0 > MAX_OPERATION_OCCURRENCES
                    && e.0 < 60_000_000_000)
            {
                c.error(
                    Some(raw[i].span()),
                    &format!("operations[{i}].every"),
                    format!("repeating every {e} schedules too many operations; use at least 1m"),
                );
            }
        }
        if o.kind == OperationKind::Drill {
            match seeded_from {
                None => c.error(Some(raw[i].span()), &format!("operations[{i}]"), "a drill needs self-service DR: set dr.enabled = true or schedule an `enable` operation before it"),
                Some(s) if o.at < s => c.error(
                    Some(raw[i].get_ref().at.span()),
                    &format!("operations[{i}].at"),
                    format!("drill at {} comes before the initial seeding can complete (at the earliest {}): failover before seeding completes is not possible", SimDuration(o.at.0), SimDuration(s.0)),
                ),
                _ => {}
            }
        }
    }
    // Disable while failed over: inside a drill's stay (one-shot drills; a
    // repeating drill is checked on its first occurrence).
    for (i, o) in ops
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind == OperationKind::Disable)
    {
        for (j, d) in ops
            .iter()
            .enumerate()
            .filter(|(_, o)| o.kind == OperationKind::Drill)
        {
            if o.at >= d.at && o.at <= d.at.after(d.stay) {
                c.error(
                    Some(raw[i].span()),
                    &format!("operations[{i}]"),
                    format!("`disable` at {} falls while the environment is failed over by the drill operations[{j}] (from {} for {}): disabling DR is refused while failed over; switch back first", SimDuration(o.at.0), SimDuration(d.at.0), d.stay),
                );
            }
        }
        if enable_at.is_none() && dr.is_none_or(|d| !d.enabled_at_start) {
            c.error(
                Some(raw[i].span()),
                &format!("operations[{i}]"),
                "`disable` needs DR to be on (dr.enabled = true or an earlier `enable`)",
            );
        }
    }
}

fn capacity(raw: Option<&RawCapacity>, data_size: u64) -> Capacity {
    match raw {
        None => Capacity {
            database: data_size,
            ..Capacity::default()
        },
        Some(r) => Capacity {
            database: r.database.map_or(0, |b| b.0),
            file: r.file.map_or(0, |b| b.0),
            log: r.log.map_or(0, |b| b.0),
            price_database: r.price_per_gb_month.as_ref().and_then(|p| p.database),
            price_file: r.price_per_gb_month.as_ref().and_then(|p| p.file),
            price_log: r.price_per_gb_month.as_ref().and_then(|p| p.log),
        },
    }
}

/// The catalogue of the seed's services, shipped as data.
pub const SERVICE_CATALOGUE: &str = include_str!("../../data/services.toml");

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    service: Vec<CatalogueEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueEntry {
    name: String,
    behaviour: String,
    note: String,
}

/// Every service of the catalogue.
pub fn service_catalogue() -> Vec<Service> {
    let cat: Catalogue =
        toml::from_str(SERVICE_CATALOGUE).expect("the shipped catalogue is valid (tested)");
    cat.service
        .into_iter()
        .map(|e| Service {
            behaviour: ServiceBehaviour::from_name(&e.behaviour)
                .expect("catalogue behaviours are valid (tested)"),
            name: e.name,
            note: e.note,
        })
        .collect()
}

fn services(c: &mut Checker, raw: &[Spanned<RawService>]) -> Vec<Service> {
    let catalogue = service_catalogue();
    let names: Vec<String> = catalogue.iter().map(|s| s.name.clone()).collect();
    let mut out: Vec<Service> = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let path = format!("services[{i}]");
        let sr = s.get_ref();
        let Some(ci) = c.resolve(&sr.name, &names, "service", &format!("{path}.name")) else {
            continue;
        };
        let mut svc = catalogue[ci].clone();
        if out.iter().any(|o| o.name == svc.name) {
            c.error(
                Some(sr.name.span()),
                &format!("{path}.name"),
                format!("service `{}` attached twice", svc.name),
            );
        }
        if let Some(b) = &sr.behaviour {
            let valid: Vec<String> = ServiceBehaviour::NAMES
                .iter()
                .map(|s| s.to_string())
                .collect();
            if let Some(bi) =
                c.resolve(b, &valid, "service behaviour", &format!("{path}.behaviour"))
            {
                svc.behaviour =
                    ServiceBehaviour::from_name(&valid[bi]).expect("resolved against NAMES");
                svc.note = format!(
                    "overridden by the scenario (catalogue: {})",
                    catalogue[ci].behaviour.name()
                );
            }
        }
        out.push(svc);
    }
    out
}

/// A failure process whose up time can be zero on average would inject an
/// unbounded number of events at one instant: refuse it.
fn check_process(
    c: &mut Checker,
    time_between: &Dist,
    duration: &Dist,
    path: &str,
    horizon: SimDuration,
    copies: usize,
) {
    let cycle = time_between.mean_secs() + duration.mean_secs();
    // One incident record per failure: bound them per replication, from the
    // mean cycle and from the median up time (a heavy tail can make the
    // mean long while almost every draw is tiny).
    let typical_cycle =
        cycle.min(time_between.quantile(0.5).as_secs_f64() + duration.quantile(0.5).as_secs_f64());
    if typical_cycle > 0.0 {
        let expected = horizon.as_secs_f64() / typical_cycle * copies as f64;
        if expected > MAX_INCIDENTS_PER_RUN {
            c.error(
                None,
                path,
                format!(
                    "about {expected:.2e} failures per replication (every {} over {} for {copies} component(s)); at most {MAX_INCIDENTS_PER_RUN:.0e} are supported: lengthen time_between or shorten the horizon",
                    crate::time::format_seconds(typical_cycle),
                    horizon
                ),
            );
        }
    }
    if cycle.is_finite() && cycle > 0.0 && cycle < MIN_FAILURE_CYCLE_S {
        c.error(
            None,
            path,
            format!("a failure every {} on average is not a failure process (the mean up time plus the mean outage duration must be at least {MIN_FAILURE_CYCLE_S} s); accelerate tests with hours, not nanoseconds", crate::time::format_seconds(cycle)),
        );
    }
    if !positive(time_between.mean_secs()) {
        c.error(
            None,
            &format!("{path}.time_between"),
            "the time between failures must have a positive mean",
        );
    }
    if !positive(duration.mean_secs()) {
        c.error(
            None,
            &format!("{path}.duration"),
            "the outage duration must have a positive mean",
        );
    }
}

fn push_targets(
    c: &mut Checker,
    out: &mut Vec<Target>,
    class: IncidentClass,
    t: &Spanned<RawTarget>,
    path: &str,
) {
    let raw = t.get_ref();
    let quantile = match &raw.quantile {
        Some(q) => {
            let v = *q.get_ref();
            if !(positive(v) && v <= 1.0) {
                c.error(
                    Some(q.span()),
                    &format!("{path}.quantile"),
                    format!("expected a share of incidents in (0, 1], found {v}"),
                );
            }
            v
        }
        None => DEFAULT_TARGET_QUANTILE,
    };
    let basis = match &raw.basis {
        Some(b) => {
            let names = TargetBasis::ALL.map(|b| b.name().to_string());
            c.resolve(b, &names, "target basis", &format!("{path}.basis"))
                .map_or(TargetBasis::Disruptive, |i| TargetBasis::ALL[i])
        }
        None => TargetBasis::Disruptive,
    };
    if raw.rpo.is_none() && raw.rto.is_none() {
        c.error(Some(t.span()), path, "a target names `rpo`, `rto` or both");
    }
    for (metric, value) in [(Metric::Rpo, raw.rpo), (Metric::Rto, raw.rto)] {
        if let Some(value) = value {
            out.push(Target {
                class,
                metric,
                value,
                quantile,
                basis,
            });
        }
    }
}

/// Share of incidents a target must hold for when the scenario does not say:
/// "RTO under five minutes" is a promise about nearly every incident, and a
/// 1-in-100 tail is what an architect is expected to look at explicitly.
pub const DEFAULT_TARGET_QUANTILE: f64 = 0.99;

/// Finite and strictly positive (NaN is neither).
fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}
