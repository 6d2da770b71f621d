//! `dr.targets` and `dr.target_choice`: the regions an emergency failover
//! may go to, in priority order (the paired region and further secondary
//! regions), and how the failover picks among them.

use super::super::model::TargetChoice;
use super::super::raw::RawDr;
use super::dr::DrContext;
use super::Checker;

/// The failover targets (region indices, priority order) and the choice
/// rule. Without `dr.targets`, the paired region alone.
pub(super) fn targets(c: &mut Checker, dref: &RawDr, cx: &DrContext) -> (Vec<usize>, TargetChoice) {
    let choice = dref
        .target_choice
        .as_ref()
        .map_or(TargetChoice::Priority, |t| {
            let names: Vec<String> = TargetChoice::NAMES.iter().map(|s| s.to_string()).collect();
            match c.resolve(t, &names, "target choice", "dr.target_choice") {
                Some(1) => TargetChoice::LeastLag,
                _ => TargetChoice::Priority,
            }
        });
    let default: Vec<usize> = cx.paired.into_iter().collect();
    let Some(list) = &dref.targets else {
        return (default, choice);
    };
    let mut targets = Vec::new();
    for (i, name) in list.get_ref().iter().enumerate() {
        let path = format!("dr.targets[{i}]");
        let Some(ri) = c.resolve(name, cx.region_names, "region", &path) else {
            continue;
        };
        if Some(ri) == cx.home.region {
            c.error(
                Some(name.span()),
                &path,
                format!(
                    "`{}` is the environment's home region: a failover target must be another region",
                    name.get_ref()
                ),
            );
        } else if targets.contains(&ri) {
            c.error(
                Some(name.span()),
                &path,
                format!("`{}` is listed twice", name.get_ref()),
            );
        } else {
            targets.push(ri);
        }
    }
    match cx.paired {
        None => c.error(
            Some(list.span()),
            "dr.targets",
            "failover targets need the home region's paired region (`regions.paired_region`): it is the first secondary",
        ),
        Some(p) if !targets.contains(&p) && !list.get_ref().is_empty() => c.error(
            Some(list.span()),
            "dr.targets",
            format!(
                "the list must include the paired region `{}`: it is the first secondary, the one drills go to",
                cx.region_names[p]
            ),
        ),
        Some(_) if list.get_ref().is_empty() => c.error(
            Some(list.span()),
            "dr.targets",
            "expected at least one region (the paired region)",
        ),
        Some(_) => {}
    }
    if targets.is_empty() {
        targets = default;
    }
    (targets, choice)
}
