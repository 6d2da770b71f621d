//! `[[incidents]]`: one-off failures scheduled at fixed instants.

use super::super::model::{Region, ScheduledIncident, Side};
use super::super::raw::RawIncident;
use super::super::spanned::Spanned;
use super::failures::{check_bandwidth_factor, zone_region, ZoneRegions};
use super::Checker;
use crate::incident::IncidentClass;
use crate::time::{SimDuration, SimTime};

/// Incident kinds a scenario may schedule.
const INCIDENT_KINDS: [&str; 4] = ["zone", "region", "link", "link_degradation"];

/// What an incident names is checked against: the sections validated before it.
pub(super) struct IncidentContext<'a> {
    pub horizon: SimDuration,
    pub regions: &'a [Region],
    pub region_names: &'a [String],
    /// Index of the home region, when it resolved.
    pub home: Option<usize>,
    /// Index of its paired region, if any.
    pub paired: Option<usize>,
    pub has_link: bool,
    /// The regions beyond the pair (indices), in region-number order.
    pub extra: &'a [usize],
}

/// Incidents whose kind does not resolve are left out (and reported).
pub(super) fn incidents(
    c: &mut Checker,
    raw: &[Spanned<RawIncident>],
    cx: &IncidentContext,
) -> Vec<ScheduledIncident> {
    let mut scheduled = Vec::new();
    for (i, inc) in raw.iter().enumerate() {
        if let Some(s) = incident(c, &format!("incidents[{i}]"), inc, cx) {
            scheduled.push(s);
        }
    }
    scheduled
}

fn incident(
    c: &mut Checker,
    path: &str,
    inc: &Spanned<RawIncident>,
    cx: &IncidentContext,
) -> Option<ScheduledIncident> {
    let inc_ref = inc.get_ref();
    let kinds: Vec<String> = INCIDENT_KINDS.iter().map(|k| k.to_string()).collect();
    let ki = c.resolve(
        &inc_ref.kind,
        &kinds,
        "incident kind",
        &format!("{path}.kind"),
    )?;
    let kind = INCIDENT_KINDS[ki];
    let (class, extra_region) = match kind {
        "zone" => (IncidentClass::Zone, None),
        "region" => region_incident_target(c, path, inc_ref, cx),
        _ => (IncidentClass::Link, None),
    };
    let at = *inc_ref.at.get_ref();
    let horizon = cx.horizon;
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
    let (side, zones) = match kind {
        "zone" => zone_incident_zones(c, path, inc, &names, cx),
        "region" => (Side::Home, region_incident_zones(cx)),
        _ => {
            if !cx.has_link {
                c.error(
                    Some(inc.span()),
                    path,
                    "a link incident needs a `[cross_region]` link",
                );
            }
            (Side::Home, Vec::new())
        }
    };
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
    if extra_region.is_some() && inc_ref.destroys_data == Some(true) {
        c.error(
            Some(inc.span()),
            &format!("{path}.destroys_data"),
            "a region beyond the home region and its pair holds none of the environment's data: nothing there can be destroyed",
        );
    }
    if inc_ref.destroys_backups == Some(true) && inc_ref.destroys_data != Some(true) {
        c.error(
            Some(inc.span()),
            &format!("{path}.destroys_backups"),
            "`destroys_backups` needs `destroys_data = true`: backups are lost only with the data",
        );
    }
    let bandwidth_factor = bandwidth_factor(c, path, inc, kind);
    Some(ScheduledIncident {
        class,
        side,
        zones,
        at: SimTime(at.0),
        duration: *inc_ref.duration.get_ref(),
        destroys_data: inc_ref.destroys_data.unwrap_or(false),
        destroys_backups: inc_ref.destroys_backups.unwrap_or(false),
        extra_region,
        bandwidth_factor,
    })
}

/// The zones a zone incident takes down: of the home region, or of the
/// paired region its `region` key names; by index in that region.
fn zone_incident_zones(
    c: &mut Checker,
    path: &str,
    inc: &Spanned<RawIncident>,
    names: &[&Spanned<String>],
    cx: &IncidentContext,
) -> (Side, Vec<usize>) {
    let mut zones = Vec::new();
    if names.is_empty() {
        c.error(Some(inc.span()), path, "a zone incident names the failing zone with `zone = \"...\"` (or several with `zones = [...]`)");
    }
    let at = ZoneRegions {
        regions: cx.regions,
        names: cx.region_names,
        home: cx.home,
        paired: cx
            .paired
            .filter(|&p| cx.has_link && cx.regions[p].availability_zones),
    };
    let region = zone_region(
        c,
        inc.get_ref().region.as_ref(),
        &at,
        &format!("{path}.region"),
    );
    let side = region.map_or(Side::Home, |(side, _)| side);
    if let Some((_, ri)) = region {
        for n in names {
            if let Some(zi) = c.resolve(n, &cx.regions[ri].zones, "zone", &format!("{path}.zone")) {
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
    (side, zones)
}

/// The region a region incident takes down: the home region (class
/// `region`), its paired region (class `paired-region`, which needs the
/// `[cross_region]` link to matter) or a region beyond the pair (class
/// `region`, with its index among those regions). The paired region
/// without a link is an error, reported once, here.
fn region_incident_target(
    c: &mut Checker,
    path: &str,
    inc_ref: &RawIncident,
    cx: &IncidentContext,
) -> (IncidentClass, Option<usize>) {
    let home = (IncidentClass::Region, None);
    let (Some(r), Some(ri)) = (&inc_ref.region, cx.home) else {
        return home;
    };
    let Some(x) = c.resolve(r, cx.region_names, "region", &format!("{path}.region")) else {
        return home;
    };
    if x == ri {
        return home;
    }
    if let Some(e) = cx.extra.iter().position(|&e| e == x) {
        return (IncidentClass::Region, Some(e));
    }
    if cx.has_link {
        return (IncidentClass::PairedRegion, None);
    }
    c.error(
        Some(r.span()),
        &format!("{path}.region"),
        format!(
            "the paired region `{}` fails only with a [cross_region] link",
            cx.region_names[x]
        ),
    );
    home
}

/// A region incident takes down every zone of its region (the home region's
/// zones by index; the paired region's are not modelled one by one).
fn region_incident_zones(cx: &IncidentContext) -> Vec<usize> {
    let zone_count = cx.home.map_or(0, |ri| cx.regions[ri].zones.len());
    (0..zone_count).collect()
}

/// The share of bandwidth left: meaningful for link degradations only
/// (0 for the other kinds, which carry none).
fn bandwidth_factor(c: &mut Checker, path: &str, inc: &Spanned<RawIncident>, kind: &str) -> f64 {
    match (&inc.get_ref().bandwidth_factor, kind) {
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
    }
}
