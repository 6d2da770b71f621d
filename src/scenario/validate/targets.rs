//! `[targets]`: the RPO and RTO each incident class is held to.

use super::super::model::{Target, TargetBasis};
use super::super::raw::{RawTarget, RawTargets};
use super::super::spanned::Spanned;
use super::{positive, Checker};
use crate::incident::{IncidentClass, Metric};

/// Share of incidents a target must hold for when the scenario does not say:
/// "RTO under five minutes" is a promise about nearly every incident, and a
/// 1-in-100 tail is what an architect is expected to look at explicitly.
pub const DEFAULT_TARGET_QUANTILE: f64 = 0.99;

pub(super) fn targets(c: &mut Checker, raw: Option<&Spanned<RawTargets>>) -> Vec<Target> {
    let mut targets = Vec::new();
    if let Some(t) = raw {
        let tr = t.get_ref();
        for (class, target) in [
            (IncidentClass::Zone, &tr.zone),
            (IncidentClass::Region, &tr.region),
            (IncidentClass::Link, &tr.link),
            (IncidentClass::Drill, &tr.drill),
            (IncidentClass::Failback, &tr.failback),
            (IncidentClass::DrillReturn, &tr.drill_return),
            (IncidentClass::PairedRegion, &tr.paired_region),
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
    targets
}

/// One target table gives up to two targets (RPO and RTO) sharing its
/// quantile and basis.
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
