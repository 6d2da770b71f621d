//! The asynchronous cross-region log as a fluid model, evaluated lazily.
//!
//! Positions are nanoseconds of *served* time (see `ServiceLog`): position
//! `p` holds the writes committed in the first `p` served nanoseconds, and
//! `write_bytes_per_sec` turns positions into bytes. Batches are cut at
//! multiples of the batch interval; batch `j` holds the positions up to
//! `E_j = served_until(j·T)` and may only be sent once cut. The link sends
//! in order at its bandwidth, so the shipped position `S(t)` grows at
//! `k = bandwidth / write_bytes_per_sec` positions per nanosecond but never
//! passes the last cut: the classic fluid queue
//! `S(t) = min(s0 + k(t − t0), inf_u (E(u) + k(t − u)))`. Between changes of
//! bandwidth or of serving status the infimum is reached at one of a few
//! cut points (E is linear there), so `S(t)` costs O(1) however long ago the
//! last change was: no batch is ever simulated one by one, which keeps a
//! replication's cost independent of the write rate and the horizon.
//!
//! A batch arrives one propagation delay after it is sent and is applied
//! after its own apply delay, in order. Apply delays are drawn from a random
//! stream indexed by the batch number, so every question about batch `j`
//! sees the same draw.

use super::service::ServiceLog;
use crate::dist::Dist;
use crate::time::{SimDuration, SimTime};
use rand::rngs::ChaCha8Rng;
use std::collections::VecDeque;

/// The apply delay of batch `index`: the apply-delay law's quantile at a
/// uniform number hashed from (the `ApplyDelay` stream's key, `index`). A
/// pure function of the batch number, so every question about batch `index`
/// sees the same draw at the cost of a hash (no generator seek: a query may
/// look at hundreds of batches). Both fidelities call this one function, so
/// the fluid link and the per-write link (`exact.rs`) apply the same batch
/// after literally the same delay.
pub fn batch_apply_delay(dist: &Dist, rng: &mut ChaCha8Rng, index: u64) -> SimDuration {
    batch_apply_delay_keyed(dist, apply_key(rng), index)
}

/// The key of a replication's apply-delay draws: its `ApplyDelay` stream's
/// seed and stream number folded into 64 bits (computed once per link).
pub fn apply_key(rng: &ChaCha8Rng) -> u64 {
    let mut h = rng.get_stream();
    for chunk in rng.get_seed().chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = mix64(h ^ u64::from_le_bytes(word));
    }
    h
}

/// [`batch_apply_delay`] with the key already folded.
pub fn batch_apply_delay_keyed(dist: &Dist, key: u64, index: u64) -> SimDuration {
    if let Dist::Constant(d) = *dist {
        return d;
    }
    let h = mix64(key ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    // 53 random bits, centred in their cell: strictly inside (0, 1).
    let u = ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    dist.quantile(u)
}

/// The splitmix64 finaliser: a bijective avalanche of 64 bits.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A change of regime: bandwidth or serving status changed at `t`.
#[derive(Clone, Copy, Debug)]
struct Anchor {
    t: SimTime,
    /// Shipped position at `t`.
    s: f64,
    /// Positions shipped per nanosecond from `t` on.
    k: f64,
}

/// Anchors kept for questions about the recent past (apply delays reach
/// back a few batches); older ones are dropped to bound memory.
const ANCHORS_KEPT: usize = 64;

/// Batches examined behind the newest arrived one when applying in order.
const APPLY_WINDOW_MAX: u64 = 256;

/// The replication stream from the primary to the paired region.
pub struct AsyncLink {
    interval: u64,
    one_way: SimDuration,
    bytes_per_position: f64,
    bandwidth: f64,
    /// Bandwidth multiplier: 0 while partitioned, a factor while degraded.
    factor: f64,
    /// Positions before this were seeded, not shipped as log.
    origin: f64,
    anchors: VecDeque<Anchor>,
    apply_delay: Dist,
    /// Key of the per-batch apply-delay draws (see [`apply_key`]).
    apply_key: u64,
    /// Batches to look back over so earlier slow applies can block later ones.
    apply_window: u64,
    /// Scratch buffer of apply delays (reused across questions).
    delays: Vec<u64>,
}

impl AsyncLink {
    /// A link whose log starts at `now` (positions before were seeded) and
    /// that ships nothing until `resume` is called (seeding in progress) if
    /// `paused`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        log: &ServiceLog,
        now: SimTime,
        interval: SimDuration,
        one_way: SimDuration,
        bandwidth: f64,
        write_bytes_per_sec: f64,
        apply_delay: Dist,
        apply_rng: ChaCha8Rng,
        paused: bool,
    ) -> AsyncLink {
        let origin = log.served_until(now) as f64;
        let interval_ns = interval.0.max(1);
        // Batches older than the apply delay's 1 − 1e-9 quantile cannot still
        // be pending: look back that far, no further.
        let apply_window =
            (apply_delay.quantile(1.0 - 1e-9).0 as f64 / interval_ns as f64).ceil() as u64 + 2;
        let mut link = AsyncLink {
            interval: interval_ns,
            one_way,
            bytes_per_position: write_bytes_per_sec / 1e9,
            bandwidth,
            factor: if paused { 0.0 } else { 1.0 },
            origin,
            anchors: VecDeque::new(),
            apply_key: apply_key(&apply_rng),
            apply_delay,
            apply_window: apply_window.min(APPLY_WINDOW_MAX),
            delays: Vec::new(),
        };
        let k = link.rate();
        link.anchors.push_back(Anchor {
            t: now,
            s: origin,
            k,
        });
        link
    }

    fn rate(&self) -> f64 {
        if self.bytes_per_position <= 0.0 {
            return f64::INFINITY;
        }
        self.bandwidth * self.factor / 1e9 / self.bytes_per_position
    }

    /// Records a regime change at `now`: call after any change of the
    /// bandwidth factor and *before* any change of serving status takes
    /// effect in `log` (the old regime holds up to `now`).
    pub fn set_factor(&mut self, log: &ServiceLog, now: SimTime, factor: f64) {
        self.factor = factor;
        self.reanchor(log, now);
    }

    /// Serving started or stopped at `now` (call after updating `log`).
    pub fn reanchor(&mut self, log: &ServiceLog, now: SimTime) {
        let s = self.shipped(log, now);
        let k = self.rate();
        self.anchors.push_back(Anchor { t: now, s, k });
        while self.anchors.len() > ANCHORS_KEPT {
            self.anchors.pop_front();
        }
    }

    /// Eligible (cut) position at `t`: everything committed up to the last cut.
    fn eligible(&self, log: &ServiceLog, t: SimTime) -> f64 {
        let cut = t.0 / self.interval * self.interval;
        (log.served_until(SimTime(cut)) as f64).max(self.origin)
    }

    fn cut_position(&self, log: &ServiceLog, index: u64) -> f64 {
        (log.served_until(SimTime(index.saturating_mul(self.interval))) as f64).max(self.origin)
    }

    /// Shipped position at `t` (≥ the first kept anchor).
    pub fn shipped(&self, log: &ServiceLog, t: SimTime) -> f64 {
        let i = self.anchors.partition_point(|a| a.t <= t);
        let a = self.anchors[i.saturating_sub(1)];
        let t = t.max(a.t);
        let dt = (t.0 - a.t.0) as f64;
        let mut s = a.s + a.k * dt;
        let first_cut = (a.t.0 / self.interval + 1).saturating_mul(self.interval);
        if first_cut > t.0 {
            s = s.min(self.eligible(log, a.t));
        } else {
            let last_cut = t.0 / self.interval * self.interval;
            // Step [t0, first_cut): the anchor's eligible position, reached by the first cut.
            s = s.min(self.eligible(log, a.t) + a.k * (t.0 - first_cut) as f64);
            // Steps between cuts: E is linear in the cut time within one
            // regime, so the infimum sits at one of the two end steps.
            if last_cut >= first_cut + self.interval {
                let before_last = last_cut - self.interval;
                s = s.min(
                    self.eligible(log, SimTime(first_cut))
                        + a.k * (t.0 - first_cut - self.interval) as f64,
                );
                s = s.min(self.eligible(log, SimTime(before_last)) + a.k * (t.0 - last_cut) as f64);
            }
            s = s.min(self.eligible(log, SimTime(last_cut)));
        }
        s.max(a.s)
    }

    /// The apply delay of batch `index` (same draw whoever asks).
    fn apply_delay_of(&mut self, index: u64) -> SimDuration {
        batch_apply_delay_keyed(&self.apply_delay, self.apply_key, index)
    }

    /// Newest batch index whose cut position the link had shipped by `t`.
    fn newest_shipped_batch(&self, log: &ServiceLog, t: SimTime) -> u64 {
        let shipped = self.shipped(log, t);
        // Largest j with cut_position(j) <= shipped, j*interval <= t.
        let (mut lo, mut hi) = (0u64, t.0 / self.interval);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if self.cut_position(log, mid) <= shipped {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        lo
    }

    /// Position applied at the secondary by `t`: the end of the newest batch
    /// applied, in order, by then.
    pub fn applied(&mut self, log: &ServiceLog, t: SimTime) -> f64 {
        let Some(arrive_by) = t.0.checked_sub(self.one_way.0) else {
            return self.origin;
        };
        let newest = self.newest_shipped_batch(log, SimTime(arrive_by));
        let oldest = newest.saturating_sub(self.apply_window);
        // Batch j is applied iff for every i ≤ j: sent_i + one_way + a_i ≤ t,
        // i.e. shipped(t − one_way − a_i) ≥ E_i. Scan from the oldest in the
        // window. Draws are cheap, `shipped` is not: a batch already shipped
        // by t − one_way − max(a) passes whatever its own draw, so only the
        // few batches sent after that need the full test.
        let mut delays = std::mem::take(&mut self.delays);
        delays.clear();
        delays.extend((oldest..=newest).map(|j| self.apply_delay_of(j).0));
        let a_max = delays.iter().copied().max().unwrap_or(0);
        let surely_sent = match arrive_by.checked_sub(a_max) {
            Some(at) => self.shipped(log, SimTime(at)),
            None => f64::NEG_INFINITY,
        };
        let mut applied_upto = None;
        let mut previous_end = f64::NEG_INFINITY;
        for (j, &a) in (oldest..=newest).zip(&delays) {
            let e = self.cut_position(log, j);
            if j > oldest && e <= previous_end {
                // Empty batch: applied together with its predecessor.
                if applied_upto == Some(j - 1) {
                    applied_upto = Some(j);
                }
                continue;
            }
            previous_end = e;
            let ok = e <= surely_sent
                || (arrive_by >= a && self.shipped(log, SimTime(arrive_by - a)) >= e);
            if ok && (j == oldest || applied_upto == Some(j - 1)) {
                applied_upto = Some(j);
            } else if !ok {
                break;
            }
        }
        self.delays = delays;
        match applied_upto {
            Some(j) => self.cut_position(log, j),
            None => self
                .cut_position(log, oldest.saturating_sub(1))
                .min(self.shipped(log, t)),
        }
    }

    /// Last sync time at `t`: the newest instant before which every
    /// committed write is applied at the secondary (`t` when nothing is pending).
    pub fn last_sync(&mut self, log: &ServiceLog, t: SimTime) -> SimTime {
        let applied = self.applied(log, t);
        let head = log.served_until(t) as f64;
        if applied >= head {
            t
        } else {
            log.wall_at(applied.floor() as u64).min(t)
        }
    }

    /// Time for the link to ship everything committed up to `now` if writes
    /// stop now (a drill's drain), plus propagation and the last apply.
    pub fn drain_time(&mut self, log: &ServiceLog, now: SimTime) -> SimDuration {
        let head = log.served_until(now) as f64;
        let shipped = self.shipped(log, now);
        let k = self.rate();
        let send = if head <= shipped {
            0.0
        } else if k > 0.0 {
            (head - shipped) / k
        } else {
            f64::INFINITY
        };
        let last = now.0 / self.interval + 1;
        let a = self.apply_delay_of(last);
        SimDuration::from_secs_f64(send / 1e9)
            .saturating_add(self.one_way)
            .saturating_add(a)
    }

    /// When the backlog present at `from` is drained: the first cut at which
    /// the link is idle, found by bisection on the shipped position (the
    /// regime from the last anchor on is assumed to last). `None` if the
    /// link cannot catch up within `limit`.
    pub fn caught_up_at(&self, log: &ServiceLog, from: SimTime, limit: SimTime) -> Option<SimTime> {
        // Idle at a cut: everything cut before it has been sent.
        let idle = |t: SimTime| {
            self.shipped(log, t) >= self.eligible(log, SimTime(t.0.saturating_sub(1))) - 0.5
        };
        if idle(from) {
            return Some(from);
        }
        let (mut lo, mut hi) = (from.0 / self.interval + 1, limit.0 / self.interval);
        if lo > hi || !idle(SimTime(hi * self.interval)) {
            return None;
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if idle(SimTime(mid * self.interval)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(SimTime(lo * self.interval))
    }
}
