//! `[cross_region]`: the asynchronous link from the home region to its pair.

use super::super::model::{CrossRegion, Durability, FIBER_NS_PER_KM};
use super::super::raw::{RawCrossRegion, RawScenario};
use super::topology::{DEFAULT_PAIR_DISTANCE_KM, MAX_DISTANCE_KM};
use super::{positive, rpo_bound, Checker};
use crate::dist::Dist;
use crate::time::SimDuration;

/// Finest batch cut the fast model accepts.
const MIN_BATCH_INTERVAL: SimDuration = SimDuration(1_000_000);

/// The link exists only between the home region and a resolved pair.
pub(super) fn cross_region(
    c: &mut Checker,
    raw: &RawScenario,
    home: Option<usize>,
    paired: Option<usize>,
    write_bytes_per_sec: f64,
) -> Option<CrossRegion> {
    match (&raw.cross_region, paired) {
        (Some(cr), Some(pi)) => {
            let pair_distance_km = raw.regions.get_ref()[home.unwrap_or(0)]
                .pair_distance_km
                .as_ref()
                .map_or(DEFAULT_PAIR_DISTANCE_KM, |d| *d.get_ref());
            Some(link(
                c,
                cr.get_ref(),
                pi,
                pair_distance_km,
                write_bytes_per_sec,
            ))
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
    }
}

fn link(
    c: &mut Checker,
    crr: &RawCrossRegion,
    paired_region: usize,
    km: f64,
    write_bytes_per_sec: f64,
) -> CrossRegion {
    let bw = crr.bandwidth.get_ref().0;
    if !positive(bw) {
        c.error(
            Some(crr.bandwidth.span()),
            "cross_region.bandwidth",
            "the link bandwidth must be positive",
        );
    }
    let batch_interval = batch_interval(c, crr, write_bytes_per_sec);
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
    let overhead = crr
        .rtt_overhead
        .as_ref()
        .map_or(SimDuration::from_millis(2), |o| *o.get_ref());
    let one_way = SimDuration(
        ((FIBER_NS_PER_KM as f64 * km.clamp(0.0, MAX_DISTANCE_KM)).round() as u64)
            .saturating_add(overhead.0 / 2),
    );
    let apply_delay = crr
        .apply_delay
        .clone()
        .unwrap_or(Dist::Constant(SimDuration::ZERO));
    let durable_at = crr
        .durable_at
        .as_ref()
        .map_or(Some(Durability::Arrival), |d| {
            let names: Vec<String> = Durability::NAMES.iter().map(|s| s.to_string()).collect();
            c.resolve(d, &names, "durability point", "cross_region.durable_at")
                .and_then(|i| Durability::from_name(&names[i]))
        });
    let durable_at = durable_at.unwrap_or_default();
    // The fast model walks the apply delays only when a write waits for them.
    if durable_at == Durability::Apply {
        check_apply_tail(c, crr, &apply_delay, batch_interval);
    }
    let mut cr = CrossRegion {
        paired_region,
        bandwidth: bw,
        one_way,
        batch_interval,
        apply_delay,
        durable_at,
        rpo_bound: None,
        readable_secondary: crr.readable_secondary.unwrap_or(false),
    };
    if let Some(raw) = &crr.rpo_bound {
        cr.rpo_bound = rpo_bound::rpo_bound(c, raw, cr.steady_lag(write_bytes_per_sec, 1.0));
    }
    cr
}

/// Most batch intervals the apply delay's 1 − 1e-9 quantile may span: the
/// fast model looks back that far on every last-sync question (see the
/// README, "The fast link's look-back window"), and beyond about a million
/// batches one question costs seconds. Refused, never silently truncated.
const MAX_APPLY_TAIL_BATCHES: f64 = 1e6;

fn check_apply_tail(c: &mut Checker, crr: &RawCrossRegion, apply: &Dist, interval: SimDuration) {
    let tail = apply.quantile(1.0 - 1e-9);
    let batches = tail.0 as f64 / interval.0.max(1) as f64;
    if batches > MAX_APPLY_TAIL_BATCHES {
        c.error(
            Some(crr.batch_interval.span()),
            "cross_region.apply_delay",
            format!(
                "the apply delay's 1 − 1e-9 quantile ({tail}) spans {batches:.3e} batch intervals of {interval}; the fast model supports at most {MAX_APPLY_TAIL_BATCHES:.0e}: lengthen batch_interval or shorten the apply delay's tail"
            ),
        );
    }
}

/// A batch is cut every `batch_interval`, or sooner when `batch_size`
/// bytes of writes fill it first.
fn batch_interval(c: &mut Checker, crr: &RawCrossRegion, write_bytes_per_sec: f64) -> SimDuration {
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
    effective
}
