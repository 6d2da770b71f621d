//! `[failures]`: the random failure processes of the zones (of the home
//! region and of its paired region), of both regions and of the
//! cross-region link.

use super::super::model::{
    Degradation, FailureProcess, Region, RegionFailures, Side, ZoneEscalation,
};
use super::super::raw::{
    RawDegradation, RawFailures, RawProcess, RawRegionFailures, RawRegionOverride, RawZoneFailures,
};
use super::super::spanned::Spanned;
use super::{positive, Checker};
use crate::dist::Dist;
use crate::time::SimDuration;

/// Shortest mean failure cycle accepted (seconds): anything faster only
/// floods the event queue; it cannot describe a physical failure.
const MIN_FAILURE_CYCLE_S: f64 = 1.0;
/// Most failures a replication may be expected to record: a million
/// incident records is far beyond any meaningful scenario and bounds the
/// memory and time of one replication, whatever the caller.
const MAX_INCIDENTS_PER_RUN: f64 = 1e6;

/// The failure process of every zone of the home region and of the paired
/// region (`None`: the zone never fails at random) and the probability that
/// a zone failure takes another zone of its region down with it.
pub(super) struct ZoneFailures {
    pub processes: Vec<Option<FailureProcess>>,
    pub paired_processes: Vec<Option<FailureProcess>>,
    pub correlated_probability: f64,
    pub escalation: Option<ZoneEscalation>,
}

/// The regions whose zones fail: the home region, and the paired region
/// when its zones are simulated (a `[cross_region]` link, availability zones).
pub(super) struct ZoneRegions<'a> {
    pub regions: &'a [Region],
    pub names: &'a [String],
    pub home: Option<usize>,
    pub paired: Option<usize>,
}

/// `[failures.zones]` sets every zone's process, in both regions; each
/// `[[failures.zone]]` overrides one zone (of the region its `region` key
/// names, the home region by default), inheriting what it leaves out from
/// that default.
pub(super) fn zone_failures(
    c: &mut Checker,
    raw: &RawFailures,
    horizon: SimDuration,
    at: &ZoneRegions,
) -> ZoneFailures {
    let count = |ri: Option<usize>| ri.map_or(0, |ri| at.regions[ri].zones.len());
    let mut processes: [Vec<Option<FailureProcess>>; 2] =
        [vec![None; count(at.home)], vec![None; count(at.paired)]];
    let mut correlated = 0.0;
    let mut escalation = None;
    if let Some(zf) = &raw.zones {
        escalation = zone_escalation(c, zf, raw.regions.as_ref());
        check_process(
            c,
            &zf.time_between,
            &zf.duration,
            "failures.zones",
            horizon,
            count(at.home) + count(at.paired),
        );
        for slot in processes.iter_mut().flatten() {
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
    for (i, o) in raw.zone.iter().enumerate() {
        let path = format!("failures.zone[{i}]");
        let o = o.get_ref();
        let Some((side, ri)) = zone_region(c, o.region.as_ref(), at, &format!("{path}.region"))
        else {
            continue;
        };
        let region = &at.regions[ri];
        let Some(zi) = c.resolve(&o.name, &region.zones, "zone", &format!("{path}.name")) else {
            continue;
        };
        let slot = &mut processes[side.index()][zi];
        let time_between = o
            .time_between
            .clone()
            .or(slot.as_ref().map(|b| b.time_between.clone()));
        let duration = o
            .duration
            .clone()
            .or(slot.as_ref().map(|b| b.duration.clone()));
        match (time_between, duration) {
            (Some(tb), Some(d)) => {
                check_process(c, &tb, &d, &path, horizon, 1);
                *slot = Some(FailureProcess { time_between: tb, duration: d });
            }
            _ => c.error(None, &path, "a zone override needs `time_between` and `duration` (or a [failures.zones] default)"),
        }
    }
    let [processes, paired_processes] = processes;
    ZoneFailures {
        processes,
        paired_processes,
        correlated_probability: correlated,
        escalation,
    }
}

/// The region a zone is named in (`region` key of a zone override or a
/// zone incident): the home region by default, or the paired region when
/// its zones are simulated; anything else is an error at `path`.
pub(super) fn zone_region(
    c: &mut Checker,
    region: Option<&Spanned<String>>,
    at: &ZoneRegions,
    path: &str,
) -> Option<(Side, usize)> {
    let home = at.home?;
    let Some(r) = region else {
        return Some((Side::Home, home));
    };
    let ri = c.resolve(r, at.names, "region", path)?;
    if ri == home {
        return Some((Side::Home, home));
    }
    if Some(ri) == at.paired {
        return Some((Side::Paired, ri));
    }
    c.error(
        Some(r.span()),
        path,
        format!(
            "only the zones of the home region `{}` and of its paired region (with a [cross_region] link, in a region with availability zones) are simulated, not those of `{}`",
            at.names[home], at.names[ri]
        ),
    );
    None
}

/// `escalation_probability` with its delay and the duration of the region
/// outage (by default the law of `[failures.regions]`). `None` when no
/// zone outage can escalate.
fn zone_escalation(
    c: &mut Checker,
    zf: &RawZoneFailures,
    regions: Option<&RawRegionFailures>,
) -> Option<ZoneEscalation> {
    const PATH: &str = "failures.zones.escalation_probability";
    let Some(p) = &zf.escalation_probability else {
        for (given, key) in [
            (zf.escalation_delay.is_some(), "escalation_delay"),
            (zf.escalation_duration.is_some(), "escalation_duration"),
        ] {
            if given {
                c.error(
                    None,
                    &format!("failures.zones.{key}"),
                    format!("`{key}` applies only with `escalation_probability`"),
                );
            }
        }
        return None;
    };
    let probability = *p.get_ref();
    if !(0.0..=1.0).contains(&probability) {
        c.error(
            Some(p.span()),
            PATH,
            format!("expected a probability in [0, 1], found {probability}"),
        );
        return None;
    }
    let Some(delay) = zf.escalation_delay.clone() else {
        c.error(
            Some(p.span()),
            "failures.zones.escalation_delay",
            r#"an escalation needs the delay from the zone outage to the region outage, e.g. escalation_delay = { dist = "exponential", mean = "30m" }"#,
        );
        return None;
    };
    let duration = zf
        .escalation_duration
        .clone()
        .or_else(|| regions.map(|r| r.duration.clone()));
    let Some(duration) = duration else {
        c.error(
            Some(p.span()),
            "failures.zones.escalation_duration",
            "an escalated region outage needs a duration: give escalation_duration, or a [failures.regions] whose duration law it takes",
        );
        return None;
    };
    if !positive(duration.mean_secs()) {
        c.error(
            Some(p.span()),
            "failures.zones.escalation_duration",
            "the escalated region outage must have a positive mean duration",
        );
    }
    (probability > 0.0).then_some(ZoneEscalation {
        probability,
        delay,
        duration,
    })
}

/// The random failures beyond the zones: of the home region, of its
/// paired region and of the cross-region link.
pub(super) struct RegionAndLinkFailures {
    pub region: Option<RegionFailures>,
    pub paired_region: Option<RegionFailures>,
    /// Of each region beyond the pair, in the order of `FailingRegions::extra`.
    pub extra: Vec<Option<RegionFailures>>,
    pub link: Option<FailureProcess>,
    pub link_degradation: Option<Degradation>,
}

/// The regions whose outages are simulated: the home region, its paired
/// region when a `[cross_region]` link makes it matter, and the regions
/// beyond the pair.
pub(super) struct FailingRegions<'a> {
    pub names: &'a [String],
    pub home: Option<usize>,
    pub paired: Option<usize>,
    pub has_link: bool,
    /// The regions beyond the pair (indices), in region-number order.
    pub extra: &'a [usize],
}

pub(super) fn region_and_link_failures(
    c: &mut Checker,
    raw: &RawFailures,
    horizon: SimDuration,
    regions: &FailingRegions,
) -> RegionAndLinkFailures {
    let has_link = regions.has_link;
    let base = raw
        .regions
        .as_ref()
        .map(|rf| region_failures(c, rf, horizon));
    let mut overrides = region_overrides(c, &raw.region, regions);
    let region = merged_region_failures(c, base.as_ref(), overrides.home.take(), horizon);
    // Only the home region's outages can be conditioned.
    let unconditioned = base.as_ref().map(|b| RegionFailures {
        conditioned: None,
        ..b.clone()
    });
    let paired_region = if has_link && regions.paired.is_some() {
        merged_region_failures(c, unconditioned.as_ref(), overrides.paired.take(), horizon)
    } else {
        None
    };
    let extra = overrides
        .extra
        .into_iter()
        .map(|o| merged_region_failures(c, unconditioned.as_ref(), o, horizon))
        .collect();
    let link = raw.link.as_ref().map(|lf| link_failures(c, lf, horizon));
    let link_degradation = raw
        .link_degradation
        .as_ref()
        .map(|ld| link_degradation(c, ld, horizon));
    if (link.is_some() || link_degradation.is_some()) && !has_link {
        c.warn(
            None,
            "failures.link",
            "link failures have no effect without a `[cross_region]` link",
        );
    }
    RegionAndLinkFailures {
        region,
        paired_region,
        extra,
        link,
        link_degradation,
    }
}

/// A `[[failures.region]]` entry and its key path.
type Override<'r> = (String, &'r RawRegionOverride);

/// The `[[failures.region]]` entry of each region that fails at random.
struct RegionOverrides<'r> {
    home: Option<Override<'r>>,
    paired: Option<Override<'r>>,
    /// In the order of `FailingRegions::extra`.
    extra: Vec<Option<Override<'r>>>,
}

/// `[[failures.region]]`: the overrides of the home region, of its paired
/// region and of the regions beyond the pair (each at most once), by name.
fn region_overrides<'r>(
    c: &mut Checker,
    raw: &'r [Spanned<RawRegionOverride>],
    regions: &FailingRegions,
) -> RegionOverrides<'r> {
    let mut found = RegionOverrides {
        home: None,
        paired: None,
        extra: vec![None; regions.extra.len()],
    };
    for (i, o) in raw.iter().enumerate() {
        let path = format!("failures.region[{i}]");
        let Some(ri) = c.resolve(
            &o.get_ref().name,
            regions.names,
            "region",
            &format!("{path}.name"),
        ) else {
            continue;
        };
        let extra = regions.extra.iter().position(|&e| e == ri);
        let slot = if Some(ri) == regions.home {
            &mut found.home
        } else if Some(ri) == regions.paired && regions.has_link {
            &mut found.paired
        } else if let Some(e) = extra {
            &mut found.extra[e]
        } else {
            c.error(
                Some(o.get_ref().name.span()),
                &format!("{path}.name"),
                format!(
                    "the paired region `{}` fails at random only with a [cross_region] link",
                    regions.names[ri]
                ),
            );
            continue;
        };
        if slot.is_some() {
            c.error(
                Some(o.get_ref().name.span()),
                &format!("{path}.name"),
                format!("region `{}` overridden twice", regions.names[ri]),
            );
        }
        *slot = Some((path, o.get_ref()));
    }
    found
}

/// A region's outage process: its override over the `[failures.regions]`
/// default, key by key.
fn merged_region_failures(
    c: &mut Checker,
    base: Option<&RegionFailures>,
    over: Option<Override>,
    horizon: SimDuration,
) -> Option<RegionFailures> {
    let Some((path, o)) = over else {
        return base.cloned();
    };
    if o.random == Some(false) {
        if o.time_between.is_some() || o.duration.is_some() || o.destroy_probability.is_some() {
            c.error(
                None,
                &path,
                "`random = false` turns the region's random outages off: drop time_between, duration and destroy_probability",
            );
        }
        return None;
    }
    let time_between = o
        .time_between
        .clone()
        .or_else(|| base.map(|b| b.process.time_between.clone()));
    let duration = o
        .duration
        .clone()
        .or_else(|| base.map(|b| b.process.duration.clone()));
    let (Some(time_between), Some(duration)) = (time_between, duration) else {
        c.error(
            None,
            &path,
            "a region override needs `time_between` and `duration` (or a [failures.regions] default)",
        );
        return None;
    };
    check_process(c, &time_between, &duration, &path, horizon, 1);
    let destroy_probability = match &o.destroy_probability {
        Some(p) => {
            let v = *p.get_ref();
            if !(0.0..=1.0).contains(&v) {
                c.error(
                    Some(p.span()),
                    &format!("{path}.destroy_probability"),
                    format!("expected a probability in [0, 1], found {v}"),
                );
            }
            v
        }
        None => base.map_or(0.0, |b| b.destroy_probability),
    };
    Some(RegionFailures {
        process: FailureProcess {
            time_between,
            duration,
        },
        destroy_probability,
        backup_loss_probability: base.map_or(0.0, |b| b.backup_loss_probability),
        conditioned: base.and_then(|b| b.conditioned),
    })
}

fn region_failures(
    c: &mut Checker,
    rf: &RawRegionFailures,
    horizon: SimDuration,
) -> RegionFailures {
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
    let backup_loss_probability = rf.backup_loss_probability.as_ref().map_or(0.0, |p| {
        let v = *p.get_ref();
        if !(0.0..=1.0).contains(&v) {
            c.error(
                Some(p.span()),
                "failures.regions.backup_loss_probability",
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
        backup_loss_probability,
        conditioned,
    }
}

fn link_failures(c: &mut Checker, lf: &RawProcess, horizon: SimDuration) -> FailureProcess {
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
}

fn link_degradation(c: &mut Checker, ld: &RawDegradation, horizon: SimDuration) -> Degradation {
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
}

pub(super) fn check_bandwidth_factor(c: &mut Checker, f: &Spanned<f64>, path: &str) -> f64 {
    let v = *f.get_ref();
    if !(positive(v) && v < 1.0) {
        c.error(Some(f.span()), path, format!("expected the fraction of bandwidth left, in (0, 1), found {v} (a full outage is a `link` partition)"));
    }
    v
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
