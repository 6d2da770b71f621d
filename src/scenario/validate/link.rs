//! `[cross_region]`: the asynchronous link from the home region to its pair.

use super::super::model::{CrossRegion, FIBER_NS_PER_KM};
use super::super::raw::{RawCrossRegion, RawScenario};
use super::topology::MAX_DISTANCE_KM;
use super::{positive, Checker};
use crate::dist::Dist;
use crate::time::SimDuration;

/// Default distance to the paired region (km): "at least 300 miles" ≈ 480 km.
const DEFAULT_PAIR_DISTANCE_KM: f64 = 500.0;
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
    CrossRegion {
        paired_region,
        bandwidth: bw,
        one_way,
        batch_interval,
        apply_delay: crr
            .apply_delay
            .clone()
            .unwrap_or(Dist::Constant(SimDuration::ZERO)),
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
