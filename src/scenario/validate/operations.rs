//! `[[operations]]`: the self-service DR lifecycle scheduled by the
//! operator (enable, drill, disable) and the rules on their order.

use super::super::model::{CrossRegion, Dr, Operation, OperationKind};
use super::super::raw::RawOperation;
use super::super::spanned::Spanned;
use super::Checker;
use crate::time::{SimDuration, SimTime};

/// Most occurrences one repeating operation may produce; more would flood
/// the event queue (a drill every minute for a year is a mistake).
const MAX_OPERATION_OCCURRENCES: u64 = 100_000;

/// Operations whose kind does not resolve are left out (and reported), so
/// indices into the result are not those of the file.
pub(super) fn operations(
    c: &mut Checker,
    raw: &[Spanned<RawOperation>],
    horizon: SimDuration,
) -> Vec<Operation> {
    let mut operations = Vec::new();
    for (i, op) in raw.iter().enumerate() {
        if let Some(o) = operation(c, &format!("operations[{i}]"), op.get_ref(), horizon) {
            operations.push(o);
        }
    }
    operations
}

fn operation(
    c: &mut Checker,
    path: &str,
    o: &RawOperation,
    horizon: SimDuration,
) -> Option<Operation> {
    let names: Vec<String> = OperationKind::NAMES.iter().map(|s| s.to_string()).collect();
    let k = c.resolve(&o.kind, &names, "operation", &format!("{path}.kind"))?;
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
    Some(Operation {
        kind,
        at: SimTime(at.0),
        every: o.every.as_ref().map(|e| *e.get_ref()),
        stay,
    })
}

/// Rules that concern the order of lifecycle operations: a drill needs
/// completed seeding; disabling DR is refused while failed over (during a
/// drill's stay in the paired region).
pub(super) fn check_operation_timeline(
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
