//! `[multi_writer]`: the paired region accepts writes too.

use super::super::model::MultiWriter;
use super::super::raw::RawScenario;
use super::{positive, Checker};
use crate::dist::Dist;
use crate::time::SimDuration;

/// Most keys accepted: the key space is summarised in buckets
/// (`model::conflicts`), so its size costs nothing, but counts stay exact
/// in 64 bits far beyond any table.
const MAX_KEYS: i64 = 1_000_000_000_000;
/// Largest Zipf exponent accepted: beyond it one key takes every write.
const MAX_SKEW: f64 = 10.0;
/// Largest write rate accepted, as for `workload.write_rate`.
const MAX_WRITE_RATE: f64 = 1e9;
/// Default client reroute: detection by the SDK or health check and the
/// switch of endpoint (Cosmos DB, DynamoDB publish none; an assumption).
const DEFAULT_CLIENT_REROUTE: SimDuration = SimDuration(30_000_000_000);

/// The section, checked against what it needs: the link both regions
/// replicate over, and no self-service DR lifecycle (there is no secondary
/// to fail over to: both regions are primaries).
pub(super) fn multi_writer(
    c: &mut Checker,
    raw: &RawScenario,
    has_link: bool,
) -> Option<MultiWriter> {
    let section = raw.multi_writer.as_ref()?;
    let mw = section.get_ref();
    if !has_link {
        c.error(
            Some(section.span()),
            "multi_writer",
            "several writing regions replicate to each other over the `[cross_region]` link: add a `[cross_region]` table (and a `paired_region` to the home region)",
        );
    }
    if let Some(dr) = &raw.dr {
        c.error(
            Some(dr.span()),
            "dr",
            "self-service DR (a secondary copy to fail over to) does not apply with `[multi_writer]`: both regions accept writes and each region's clients move to the other on an outage; remove `[dr]`",
        );
    }
    let rate = mw.paired_write_rate.get_ref().0;
    if !positive(rate) || rate > MAX_WRITE_RATE {
        c.error(
            Some(mw.paired_write_rate.span()),
            "multi_writer.paired_write_rate",
            format!("the paired region's write rate must be positive and at most {MAX_WRITE_RATE:e} writes/s"),
        );
    }
    let keys = mw.keys.as_ref().map_or(1_000_000, |k| *k.get_ref());
    if let Some(k) = &mw.keys {
        if !(1..=MAX_KEYS).contains(k.get_ref()) {
            c.error(
                Some(k.span()),
                "multi_writer.keys",
                format!("the number of keys must be 1 … {MAX_KEYS}"),
            );
        }
    }
    let skew = mw.key_skew.as_ref().map_or(0.0, |s| *s.get_ref());
    if let Some(s) = &mw.key_skew {
        if !(s.get_ref().is_finite() && (0.0..=MAX_SKEW).contains(s.get_ref())) {
            c.error(
                Some(s.span()),
                "multi_writer.key_skew",
                format!("the Zipf exponent must be a number in [0, {MAX_SKEW}] (0 is uniform)"),
            );
        }
    }
    Some(MultiWriter {
        paired_write_rate: rate,
        keys: keys.clamp(1, MAX_KEYS) as u64,
        key_skew: skew,
        client_reroute: mw
            .client_reroute
            .clone()
            .unwrap_or(Dist::Constant(DEFAULT_CLIENT_REROUTE)),
    })
}
