//! `[workload]`: the writes the environment commits.

use super::super::model::Workload;
use super::super::raw::RawWorkload;
use super::{positive, Checker};

/// Largest write rate accepted (writes per second), far beyond any
/// single environment, so counts of lost writes stay exact in 64 bits.
const MAX_WRITE_RATE: f64 = 1e9;

pub(super) fn workload(c: &mut Checker, w: &RawWorkload) -> Workload {
    if w.write_rate.get_ref().0 > MAX_WRITE_RATE {
        c.error(
            Some(w.write_rate.span()),
            "workload.write_rate",
            format!("at most {MAX_WRITE_RATE:e} writes/s are supported"),
        );
    }
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
    Workload {
        write_rate: w.write_rate.get_ref().0,
        write_size: w.write_size.get_ref().0,
    }
}

/// Bytes per second the writes offer to the cross-region link.
pub(super) fn write_bytes_per_sec(w: &Workload) -> f64 {
    w.write_rate * w.write_size as f64
}
