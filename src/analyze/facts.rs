//! Facts about a scenario that several families of checks state as assumptions, and the
//! variants they simulate on.

use super::check::{Assumption, Status};
use crate::dist::{gamma, Dist};
use crate::scenario::{Architecture, FailureProcess, Scenario};
use crate::theory;
use crate::time::{format_seconds, SimDuration};

/// `format_seconds`, with "—" for a value that could not be computed.
pub(super) fn fsec(s: f64) -> String {
    if s.is_nan() {
        "—".into()
    } else {
        format_seconds(s)
    }
}

pub(super) fn secs(d: SimDuration) -> String {
    format_seconds(d.as_secs_f64())
}

pub(super) fn dist_name(d: &Dist) -> String {
    match d {
        Dist::Constant(c) => format!("constant {}", secs(*c)),
        Dist::Exponential { .. } => format!("exponential (mean {})", format_seconds(d.mean_secs())),
        Dist::LogNormal { sigma, .. } => format!(
            "lognormal (mean {}, σ {sigma})",
            format_seconds(d.mean_secs())
        ),
        Dist::Uniform { low, high } => format!("uniform on [{}, {}]", secs(*low), secs(*high)),
        Dist::Weibull { shape, .. } => format!(
            "Weibull (shape {shape}, mean {})",
            format_seconds(d.mean_secs())
        ),
    }
}

/// First and second moments (s, s²) of a duration law.
pub(super) fn moments(d: &Dist) -> (f64, f64) {
    match *d {
        Dist::Constant(c) => {
            let s = c.as_secs_f64();
            (s, s * s)
        }
        Dist::Exponential { mean } => {
            let m = mean / 1e9;
            (m, 2.0 * m * m)
        }
        Dist::LogNormal { median, sigma } => {
            let m = median / 1e9;
            (
                m * (0.5 * sigma * sigma).exp(),
                m * m * (2.0 * sigma * sigma).exp(),
            )
        }
        Dist::Uniform { low, high } => {
            let (l, h) = (low.as_secs_f64(), high.as_secs_f64());
            (0.5 * (l + h), (l * l + l * h + h * h) / 3.0)
        }
        Dist::Weibull { shape, mean } => {
            let scale = mean / 1e9 / gamma(1.0 + 1.0 / shape);
            (mean / 1e9, scale * scale * gamma(1.0 + 2.0 / shape))
        }
    }
}

pub(super) fn is_constant(d: &Dist) -> bool {
    let (m1, m2) = moments(d);
    m2 - m1 * m1 <= 1e-12 * m1 * m1
}

pub(super) fn is_exponential(d: &Dist) -> bool {
    matches!(d, Dist::Exponential { .. })
        || matches!(d, Dist::Weibull { shape, .. } if *shape == 1.0)
}

pub(super) fn architecture_assumption(sc: &Scenario) -> Assumption {
    let arch = sc.architecture();
    Assumption::check(
        "zone-redundant architecture (production environment in a region with zones)",
        arch == Architecture::ZoneRedundant && sc.region_quorum.is_none(),
        || {
            match arch {
            // The zone checks' laws are those of a quorum over zones.
            Architecture::ZoneRedundant => "the quorum is over regions (scope = \"regions\"): see region-quorum-commit-latency-mean".into(),
            Architecture::SingleZone => {
                "the environment lives in one zone (non-production): no quorum".into()
            }
            _ => "the region has no availability zones: recovery is by support ticket".into(),
        }
        },
    )
}

pub(super) fn independence_assumption(sc: &Scenario) -> Assumption {
    let p = sc.correlated_zone_probability;
    Assumption::check(
        "independent zone failures (correlated_probability = 0)",
        p == 0.0,
        || format!("zone failures are not independent: correlated_probability = {p} > 0"),
    )
}

pub(super) fn no_region_outages(sc: &Scenario) -> Assumption {
    Assumption::check(
        "zone outages are the only failures (no random region outages)",
        sc.region_failures.is_none(),
        || {
            "random region outages take every zone down at once: zone states are not independent"
                .into()
        },
    )
}

/// The common failure process of the zones when every zone has one with the same means, else
/// the failing assumption.
pub(super) fn identical_zones(sc: &Scenario) -> (Option<&FailureProcess>, Vec<Assumption>) {
    let n = sc.zone_failures.len();
    let missing = sc.zone_failures.iter().filter(|p| p.is_none()).count();
    let every = Assumption::check(
        "every zone fails at random (one up/down renewal process per zone)",
        missing == 0,
        || format!("{missing} of {n} zones have no random failure process"),
    );
    let first = sc.zone_failures.iter().flatten().next();
    let same = first.is_some_and(|f| {
        sc.zone_failures.iter().flatten().all(|p| {
            close(p.time_between.mean_secs(), f.time_between.mean_secs())
                && close(p.duration.mean_secs(), f.duration.mean_secs())
        })
    });
    let identical = Assumption::check(
        "identical zones: the same MTTF and MTTR for every zone (the laws may differ)",
        same || first.is_none(),
        || "per-zone overrides give zones different MTTF or MTTR".into(),
    );
    let process = (missing == 0 && same).then_some(first).flatten();
    (process, vec![every, identical])
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// drsim's failover is instantaneous: a 1 ns heartbeat declared at the first missed beat
/// (detection exactly 0 with integer-nanosecond failure instants) and no reroute.
pub(super) fn instant_failover(sc: &Scenario) -> bool {
    sc.failover.heartbeat_interval.0 == 1
        && sc.failover.missed_heartbeats == 1
        && sc.failover.reroute.is_always_zero()
}

pub(super) fn detection_mean_s(sc: &Scenario) -> f64 {
    theory::detection_delay_mean(
        sc.failover.heartbeat_interval.as_secs_f64(),
        sc.failover.missed_heartbeats,
    )
    .unwrap_or(0.0)
}

/// Assumption that scheduled incidents and planned operations are absent, or dropped in the
/// variant (they are one-off perturbations, not part of the stationary process).
pub(super) fn one_offs_dropped(sc: &Scenario) -> Assumption {
    let (s, o) = (sc.scheduled.len(), sc.operations.len());
    let status = if s + o == 0 {
        Status::Holds
    } else {
        Status::InVariant(format!(
            "{s} scheduled incident(s) and {o} planned operation(s) dropped in the variant"
        ))
    };
    Assumption::new(
        "no scheduled incidents or planned operations (one-off perturbations of the stationary process)",
        status,
    )
}

pub(super) fn without_one_offs(sc: &Scenario) -> Scenario {
    let mut v = sc.clone();
    v.scheduled.clear();
    v.operations.clear();
    v
}
