//! `[[regions]]` and `[environment]`: the regions, their zones and pairs, and
//! where the environment lives among them.

use super::super::model::{EnvironmentType, ManualRecovery, Region, RegionDistances};
use super::super::raw::{RawEnvironment, RawRegion, RawScenario};
use super::super::spanned::Spanned;
use super::Checker;
use crate::time::SimDuration;

/// Most zones per region: real regions have 2–4; the per-zone random
/// streams are numbered in 16 bits, each family in a range of 0x4000 ids
/// (`engine::rng::Stream::id`).
const MAX_ZONES: usize = 1000;
const _: () = assert!(MAX_ZONES <= 0x4000);
/// Most regions per scenario: real deployments span a handful; the random
/// streams of a region beyond the pair are keyed by its number below 4096
/// (`engine::rng::Stream::ExtraRegionFailures`).
const MAX_REGIONS: usize = 1000;
/// Largest distance accepted (km): half the Earth's circumference.
pub(super) const MAX_DISTANCE_KM: f64 = 20_100.0;
/// Default distance between the zones of a region (km): the seed says
/// "typically separated by several kilometers, usually within 100".
pub(super) const DEFAULT_ZONE_DISTANCE_KM: f64 = 10.0;
/// Below this, a pair gives a warning: the seed says "at least 300 miles when possible".
const MIN_PAIR_DISTANCE_KM: f64 = 480.0;
/// Distance of a pair when `pair_distance_km` is not given (km): "at least
/// 300 miles" ≈ 480 km.
pub(super) const DEFAULT_PAIR_DISTANCE_KM: f64 = 500.0;
/// Backups kept in the primary region when the scenario does not say: daily.
const DEFAULT_BACKUP_INTERVAL: SimDuration = SimDuration::from_secs(86_400);

/// Where the environment lives, as far as the names resolved. Kept apart
/// from the final `Environment` because the sections after it check their
/// names against the home region even when the environment is invalid.
pub(super) struct Home {
    pub kind: Option<EnvironmentType>,
    /// Index of the home region in `regions`.
    pub region: Option<usize>,
    pub zone: usize,
}

/// Every region is returned, duplicates included, so region indices stay
/// those of the file.
pub(super) fn regions(c: &mut Checker, raw: &Spanned<Vec<RawRegion>>) -> Vec<Region> {
    if raw.get_ref().is_empty() {
        c.error(
            Some(raw.span()),
            "regions",
            "at least one region is required",
        );
    }
    if raw.get_ref().len() > MAX_REGIONS {
        c.error(
            Some(raw.span()),
            "regions",
            format!(
                "at most {MAX_REGIONS} regions are supported, found {}",
                raw.get_ref().len()
            ),
        );
    }
    let mut regions: Vec<Region> = Vec::new();
    for (i, r) in raw.get_ref().iter().take(MAX_REGIONS).enumerate() {
        let region = region(c, &format!("regions[{i}]"), r, &regions);
        regions.push(region);
    }
    regions
}

fn region(c: &mut Checker, path: &str, r: &RawRegion, earlier: &[Region]) -> Region {
    c.name(&r.name, &format!("{path}.name"), "region");
    let name = r.name.get_ref().clone();
    if earlier.iter().any(|e| e.name == name) {
        c.error(
            Some(r.name.span()),
            &format!("{path}.name"),
            format!("duplicate region name `{name}`"),
        );
    }
    let zones = zones(c, path, &r.zones);
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
                    format!("zones {km} km apart: the seed says zones are usually within 100 km"),
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
    Region {
        name,
        zones,
        availability_zones: r.availability_zones,
        zone_distance_km,
        manual_recovery,
    }
}

fn zones(c: &mut Checker, path: &str, raw: &Spanned<Vec<Spanned<String>>>) -> Vec<String> {
    let zones: Vec<String> = raw.get_ref().iter().map(|z| z.get_ref().clone()).collect();
    if zones.len() > MAX_ZONES {
        c.error(
            Some(raw.span()),
            &format!("{path}.zones"),
            format!(
                "at most {MAX_ZONES} zones per region are supported, found {}",
                zones.len()
            ),
        );
    }
    if zones.len() < 2 {
        c.error(
            Some(raw.span()),
            &format!("{path}.zones"),
            format!("a region has at least 2 availability zones (the seed: usually 3, never fewer than 2), found {}", zones.len()),
        );
    }
    for (j, z) in raw.get_ref().iter().enumerate() {
        c.name(z, &format!("{path}.zones[{j}]"), "zone");
        if zones[..j].contains(z.get_ref()) {
            c.error(
                Some(z.span()),
                &format!("{path}.zones[{j}]"),
                format!("duplicate zone name `{}`", z.get_ref()),
            );
        }
    }
    zones
}

pub(super) fn home(
    c: &mut Checker,
    raw: &RawScenario,
    regions: &[Region],
    region_names: &[String],
) -> Home {
    let env = &raw.environment;
    let kind = EnvironmentType::from_name(env.kind.get_ref());
    if kind.is_none() {
        let names: Vec<String> = EnvironmentType::NAMES
            .iter()
            .map(|s| s.to_string())
            .collect();
        c.resolve(&env.kind, &names, "environment type", "environment.type");
    }
    let region_idx = c.resolve(&env.region, region_names, "region", "environment.region");
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
    Home {
        kind,
        region: region_idx,
        zone: home_zone,
    }
}

/// The paired region of the home region, the only failover target of DR.
pub(super) fn paired_region(
    c: &mut Checker,
    raw: &[RawRegion],
    home: Option<usize>,
    region_names: &[String],
) -> Option<usize> {
    let ri = home?;
    let pair = raw[ri].paired_region.as_ref()?;
    let pi = c.resolve(
        pair,
        region_names,
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
}

/// Every region's pair distance, used or not: a typo in an unused region is
/// still a typo.
pub(super) fn check_pair_distances(c: &mut Checker, raw: &[RawRegion]) {
    for (i, r) in raw.iter().enumerate() {
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
}

/// The regions beyond the home region and its pair, with their region
/// numbers: 2, 3, … in `[[regions]]` order (0 is the home region, 1 its
/// pair). Empty while the home region does not resolve.
pub(super) fn extra_regions(
    regions: &[Region],
    home: Option<usize>,
    paired: Option<usize>,
) -> Vec<(usize, u16)> {
    let Some(home) = home else {
        return Vec::new();
    };
    (0..regions.len())
        .filter(|&i| i != home && Some(i) != paired)
        .zip(2u16..)
        .collect()
}

/// The distances between regions: every region's `distance_km` entries
/// (symmetric: a pair given on both sides must agree) and its
/// `pair_distance_km` to its `paired_region`. A region beyond the pair
/// needs its distance to the home region (the region every feature beyond
/// the pair talks to first).
pub(super) fn distances(
    c: &mut Checker,
    raw: &[RawRegion],
    names: &[String],
    home: Option<usize>,
    extra: &[(usize, u16)],
) -> RegionDistances {
    let mut d = RegionDistances::default();
    let pair_of = |i: usize| -> Option<usize> {
        let p = raw[i].paired_region.as_ref()?;
        names.iter().position(|n| n == p.get_ref())
    };
    for (i, r) in raw.iter().enumerate() {
        if let Some(p) = pair_of(i).filter(|&p| p != i) {
            let km = r
                .pair_distance_km
                .as_ref()
                .map_or(DEFAULT_PAIR_DISTANCE_KM, |k| *k.get_ref());
            d.insert(i, p, km);
        }
    }
    for (i, r) in raw.iter().enumerate() {
        let Some(map) = &r.distance_km else {
            continue;
        };
        for (name, km) in map.get_ref() {
            let path = format!("regions[{i}].distance_km.{}", name.get_ref());
            let Some(j) = c.resolve(name, names, "region", &path) else {
                continue;
            };
            let value = *km.get_ref();
            if j == i {
                c.error(Some(name.span()), &path, "a region's distance to itself is not a region distance (the zones' is `zone_distance_km`)");
                continue;
            }
            if pair_of(i) == Some(j) || pair_of(j) == Some(i) {
                c.error(
                    Some(name.span()),
                    &path,
                    format!(
                        "`{}` and `{}` are a pair: their distance is `pair_distance_km`",
                        names[i], names[j]
                    ),
                );
                continue;
            }
            if !value.is_finite() || !(0.0..=MAX_DISTANCE_KM).contains(&value) {
                c.error(
                    Some(km.span()),
                    &path,
                    format!(
                        "expected a distance in km between 0 and {MAX_DISTANCE_KM}, found {value}"
                    ),
                );
                continue;
            }
            if let Some(earlier) = d.insert(i, j, value).filter(|&e| e != value) {
                c.error(
                    Some(km.span()),
                    &path,
                    format!("the distance between `{}` and `{}` is given twice, {earlier} km and {value} km: give it once", names[i], names[j]),
                );
            }
        }
    }
    if let Some(h) = home {
        for &(ri, number) in extra {
            if d.km(h, ri).is_none() {
                c.error_with_help(
                    Some(raw[ri].name.span()),
                    &format!("regions[{ri}].distance_km"),
                    format!(
                        "region `{}` (region number {number}, beyond the home region and its pair) has no distance to the home region `{}`",
                        names[ri], names[h]
                    ),
                    format!("add `distance_km = {{ {} = <km> }}` to either region", names[h]),
                );
            }
        }
    }
    d
}

/// `environment.restore_bandwidth`: positive when given.
pub(super) fn restore_bandwidth(c: &mut Checker, env: &RawEnvironment) -> Option<f64> {
    env.restore_bandwidth.as_ref().map(|b| {
        let v = b.get_ref().0;
        if !super::positive(v) {
            c.error(
                Some(b.span()),
                "environment.restore_bandwidth",
                "the restore bandwidth must be positive",
            );
        }
        v
    })
}

/// Part of `[environment]`, but checked after the DR lifecycle: the
/// diagnostics' order is part of the output users and tests compare.
pub(super) fn backup_interval(c: &mut Checker, env: &RawEnvironment) -> SimDuration {
    env.backup_interval
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
        })
}
