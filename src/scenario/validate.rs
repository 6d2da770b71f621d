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
}

impl<'a> Checker<'a> {
    pub fn new(file: &'a str, source: &'a str) -> Self {
        Checker {
            file,
            source,
            diagnostics: Vec::new(),
            warnings: Vec::new(),
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
        let d = self.diagnostic(span, path, message.into(), Some(help));
        self.diagnostics.push(d);
    }

    pub fn warn(&mut self, span: Option<Range<usize>>, path: &str, message: impl Into<String>) {
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
        let msg = format!(
            "unknown {what} `{}`: expected one of {}",
            name.get_ref(),
            quote_list(valid)
        );
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
                if !km.is_finite() || km < 0.0 {
                    c.error(
                        Some(d.span()),
                        &format!("{path}.zone_distance_km"),
                        format!("expected a finite, non-negative distance in km, found {km}"),
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
        check_process(c, &zf.time_between, &zf.duration, "failures.zones");
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
                    check_process(c, &tb, &d, &path);
                    zone_failures[zi] = Some(FailureProcess { time_between: tb, duration: d });
                }
                _ => c.error(None, &path, "a zone override needs `time_between` and `duration` (or a [failures.zones] default)"),
            }
        }
    }

    // scheduled incidents
    let mut scheduled = Vec::new();
    for (i, inc) in raw.incidents.iter().enumerate() {
        let path = format!("incidents[{i}]");
        let inc_ref = inc.get_ref();
        let classes: Vec<String> = IncidentClass::INJECTABLE
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let Some(ci) = c.resolve(
            &inc_ref.kind,
            &classes,
            "incident kind",
            &format!("{path}.kind"),
        ) else {
            continue;
        };
        let class = IncidentClass::INJECTABLE[ci];
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
        let mut zones = Vec::new();
        let names: Vec<&Spanned<String>> = inc_ref
            .zone
            .iter()
            .chain(inc_ref.zones.iter().flatten())
            .collect();
        if names.is_empty() {
            c.error(Some(inc.span()), &path, "a zone incident names the failing zone with `zone = \"...\"` (or several with `zones = [...]`)");
        }
        if let Some(ri) = region_idx {
            for (j, n) in names.iter().enumerate() {
                if let Some(zi) = c.resolve(n, &regions[ri].zones, "zone", &format!("{path}.zone"))
                {
                    if zones.contains(&zi) {
                        c.error(
                            Some(names[j].span()),
                            &format!("{path}.zones"),
                            format!("zone `{}` named twice", n.get_ref()),
                        );
                    }
                    zones.push(zi);
                }
            }
        }
        scheduled.push(ScheduledIncident {
            class,
            zones,
            at: SimTime(at.0),
            duration: *inc_ref.duration.get_ref(),
        });
    }

    // targets
    let mut targets = Vec::new();
    if let Some(t) = &raw.targets {
        if let Some(zone) = &t.get_ref().zone {
            push_targets(c, &mut targets, IncidentClass::Zone, zone, "targets.zone");
        }
    }

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
        },
        regions,
        environment: Environment {
            name: env.name.clone(),
            kind: kind?,
            region,
            home_zone,
            data_size: env.data_size.0,
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
    })
}

/// A failure process whose up time can be zero on average would inject an
/// unbounded number of events at one instant: refuse it.
fn check_process(c: &mut Checker, time_between: &Dist, duration: &Dist, path: &str) {
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
