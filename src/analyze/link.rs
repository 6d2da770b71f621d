//! The cross-region link as the DR checks model it: a fluid queue with periodic batch cuts.

use super::facts::is_constant;
use super::PENDING_TAIL;
use crate::dist::Dist;
use crate::scenario::{Durability, Scenario};
use crate::theory::{self, TheoryError};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// What the DR checks need to know about the link.
pub(super) struct LinkFacts {
    /// Batch interval T (s) and in ns.
    pub(super) t: f64,
    pub(super) t_ns: u64,
    pub(super) one_way: f64,
    /// Delay from arrival to durability ([`CrossRegion::sync_delay`](crate::scenario::CrossRegion::sync_delay)):
    /// zero with `durable_at = "arrival"`, the apply delay with `"apply"`.
    pub(super) apply: Dist,
    /// Where a write becomes durable (`cross_region.durable_at`).
    pub(super) durable_at: Durability,
    pub(super) apply_mean: f64,
    pub(super) apply_constant: bool,
    /// The apply delay's 1 − [`PENDING_TAIL`] quantile (s): how long a batch can stay pending.
    pub(super) pending: f64,
    /// Offered write bytes per second r and link bytes per second c.
    pub(super) r: f64,
    pub(super) c: f64,
    pub(super) rho: f64,
    pub(super) write_rate: f64,
    /// Durability delay d = ρT + one-way + sync of a batch after its cut (constant sync delay:
    /// 0 when durable on arrival, the apply delay when durable on apply).
    pub(super) d: f64,
}

pub(super) fn link_facts(sc: &Scenario) -> Option<LinkFacts> {
    let cr = sc.cross_region.as_ref()?;
    let t = cr.batch_interval.as_secs_f64();
    let r = sc.workload.bytes_per_sec();
    let c = cr.bandwidth;
    let rho = r / c;
    let one_way = cr.one_way.as_secs_f64();
    // What a write waits for after arrival before it counts as replicated:
    // nothing with durability on arrival, the apply delay on apply.
    let sync = cr.sync_delay();
    let apply_mean = sync.mean_secs();
    Some(LinkFacts {
        t,
        t_ns: cr.batch_interval.0.max(1),
        one_way,
        apply_constant: is_constant(&sync),
        pending: sync.quantile(1.0 - PENDING_TAIL).as_secs_f64(),
        apply: sync,
        durable_at: cr.durable_at,
        apply_mean,
        r,
        c,
        rho,
        write_rate: sc.workload.write_rate,
        d: rho * t + one_way + apply_mean,
    })
}

/// When each batch that can still be pending at a drill at phase φ (s after a cut) is fully
/// sent, relative to the drill, in the fluid link with ρ < 1 and writes stopped (r = 0 during
/// the drain): the open batch (if φ > 0) holds the r·φ bytes written since the last cut and is
/// cut on schedule, T − φ after the drill (a drill does not force a cut), when the link is idle,
/// so it is sent by T − φ + ρφ; the batch cut k intervals back at ρT − φ − (k − 1)T (each batch
/// is sent in ρT from its cut, the link being idle by then).
/// Batches whose send ended more than [`LinkFacts::pending`] before the drill are applied.
pub(super) fn drill_send_times(l: &LinkFacts, phase_ns: u64) -> Vec<f64> {
    let phi = phase_ns as f64 / 1e9;
    let mut sends = Vec::new();
    if phase_ns > 0 {
        sends.push(l.t - phi + l.rho * phi);
    }
    let newest = l.rho * l.t - phi;
    let older = ((newest + l.pending) / l.t).floor().max(0.0) as u64;
    sends.extend((0..=older).map(|k| newest - k as f64 * l.t));
    sends
}

/// Most batches [`drill_send_times`] returns for any phase.
pub(super) fn max_pending_batches(l: &LinkFacts) -> f64 {
    ((l.rho * l.t + l.pending) / l.t).floor() + 2.0
}

/// E[max_j (send_j + a_j)] (s) over the batches pending at a drill at `phase_ns`: batches are
/// applied in order, so the drain ends when the last of them to complete is applied.
pub(super) fn drill_drain_mean(l: &LinkFacts, phase_ns: u64) -> Result<f64, TheoryError> {
    theory::latest_completion_mean(
        &drill_send_times(l, phase_ns),
        |x| l.apply.cdf_secs(x),
        l.pending + l.t,
    )
}

/// [`drill_drain_mean`] per batch phase, computed once per phase and shared by the replications
/// (drills repeat at a few phases; each value costs an integral over the pending batches).
pub(super) struct DrainMemo(pub(super) Mutex<BTreeMap<u64, f64>>);

impl DrainMemo {
    /// The expected drain at `phase_ns`; NaN when the formula rejects the link (the check then
    /// has no finite theory and says so).
    pub(super) fn get(&self, l: &LinkFacts, phase_ns: u64) -> f64 {
        let cached = self.0.lock().map(|m| m.get(&phase_ns).copied());
        if let Ok(Some(v)) = cached {
            return v;
        }
        let v = drill_drain_mean(l, phase_ns).unwrap_or(f64::NAN);
        if let Ok(mut m) = self.0.lock() {
            m.insert(phase_ns, v);
        }
        v
    }
}

/// The link as [`theory::rpo_blocked_time`] models it, when the scenario sets an RPO bound that
/// formula covers (a multiple of the batch interval above the steady lag); the durability delay,
/// constant, adds to the propagation.
pub(super) fn rpo_bound_link(sc: &Scenario, l: &LinkFacts) -> Option<theory::RpoBoundLink> {
    let bound = sc.cross_region.as_ref()?.rpo_bound?;
    let link = theory::RpoBoundLink {
        interval: l.t,
        one_way: l.one_way + l.apply_mean,
        load: l.rho,
        bound: bound.lag.as_secs_f64(),
    };
    theory::rpo_blocked_time(&link, 0.0, 0.0).ok()?;
    Some(link)
}
