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
//! after its own apply delay, in order. Apply delays are a pure function of
//! the batch number (`apply_delays.rs`), so every question about batch `j`
//! sees the same draw, and they come as a tree of block maxima, so a
//! question settles whole blocks of old batches with one draw: its cost
//! does not grow with the number of batches cut per second.

use super::apply_delays::{block_len, ApplyDelays, Node};
use super::service::ServiceLog;
use crate::dist::Dist;
use crate::time::{SimDuration, SimTime};
use rand::rngs::ChaCha8Rng;
use std::collections::VecDeque;

/// A change of regime: bandwidth or serving status changed at `t`.
#[derive(Clone, Copy, Debug)]
struct Anchor {
    t: SimTime,
    /// Shipped position at `t`.
    s: f64,
    /// Positions shipped per nanosecond from `t` on.
    k: f64,
    /// Eligible position at `t` (fixed once `t` is past: kept, not re-asked).
    eligible: f64,
}

/// Anchors kept for questions about the recent past (apply delays reach
/// back a few batches); older ones are dropped to bound memory.
const ANCHORS_KEPT: usize = 64;

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
    apply_delays: ApplyDelays,
}

/// One "what is applied at the secondary?" question: the batches that
/// have arrived by `arrive_by`, from `oldest` to `newest`.
struct Question<'a> {
    log: &'a ServiceLog,
    arrive_by: u64,
    oldest: u64,
    newest: u64,
}

impl Question<'_> {
    /// The first and last batch of `block` (at `level`) inside the window.
    fn span(&self, level: u32, block: u64) -> (u64, u64) {
        let len = block_len(level);
        (
            (block * len).max(self.oldest),
            (block * len + (len - 1)).min(self.newest),
        )
    }
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
        let mut link = AsyncLink {
            interval: interval_ns,
            one_way,
            bytes_per_position: write_bytes_per_sec / 1e9,
            bandwidth,
            factor: if paused { 0.0 } else { 1.0 },
            origin,
            anchors: VecDeque::new(),
            apply_delays: ApplyDelays::new(apply_delay, interval, &apply_rng),
        };
        link.push_anchor(log, now, origin);
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
        self.push_anchor(log, now, s);
    }

    /// Starts the current regime at `now`, with `s` shipped by then.
    fn push_anchor(&mut self, log: &ServiceLog, now: SimTime, s: f64) {
        self.anchors.push_back(Anchor {
            t: now,
            s,
            k: self.rate(),
            eligible: self.eligible(log, now),
        });
        while self.anchors.len() > ANCHORS_KEPT {
            self.anchors.pop_front();
        }
    }

    /// Eligible (cut) position at `t`: everything committed up to the last cut.
    fn eligible(&self, log: &ServiceLog, t: SimTime) -> f64 {
        self.eligible_at_cut(log, t.0 / self.interval * self.interval)
    }

    /// Eligible position at `cut`, a multiple of the interval (no division:
    /// `shipped` asks this four times per call).
    fn eligible_at_cut(&self, log: &ServiceLog, cut: u64) -> f64 {
        (log.served_until(SimTime(cut)) as f64).max(self.origin)
    }

    fn cut_position(&self, log: &ServiceLog, index: u64) -> f64 {
        self.eligible_at_cut(log, index.saturating_mul(self.interval))
    }

    /// Shipped position at `t` (≥ the first kept anchor).
    pub fn shipped(&self, log: &ServiceLog, t: SimTime) -> f64 {
        let a = match self.anchors.back() {
            // Most questions are about the current regime.
            Some(&last) if last.t <= t => last,
            _ => self.anchors[self.anchors.partition_point(|a| a.t <= t).saturating_sub(1)],
        };
        let t = t.max(a.t);
        let dt = (t.0 - a.t.0) as f64;
        let mut s = a.s + a.k * dt;
        let first_cut = (a.t.0 / self.interval + 1).saturating_mul(self.interval);
        if first_cut > t.0 {
            s = s.min(a.eligible);
        } else {
            let last_cut = t.0 / self.interval * self.interval;
            // Step [t0, first_cut): the anchor's eligible position, reached by the first cut.
            s = s.min(a.eligible + a.k * (t.0 - first_cut) as f64);
            // Steps between cuts: E is linear in the cut time within one
            // regime, so the infimum sits at one of the two end steps.
            if last_cut >= first_cut + self.interval {
                let before_last = last_cut - self.interval;
                s = s.min(
                    self.eligible_at_cut(log, first_cut)
                        + a.k * (t.0 - first_cut - self.interval) as f64,
                );
                s = s.min(self.eligible_at_cut(log, before_last) + a.k * (t.0 - last_cut) as f64);
            }
            s = s.min(self.eligible_at_cut(log, last_cut));
        }
        s.max(a.s)
    }

    /// Newest batch index whose cut position the link had shipped by `t`.
    fn newest_shipped_batch(&self, log: &ServiceLog, t: SimTime) -> u64 {
        let shipped = self.shipped(log, t);
        // Largest j with cut_position(j) <= shipped, j*interval <= t. The
        // link is seldom far behind, so gallop down from the newest cut
        // (O(log backlog)) before bisecting.
        let newest_cut = t.0 / self.interval;
        let (mut lo, mut hi) = (0u64, newest_cut);
        let mut step = 0;
        while step <= newest_cut {
            let probe = newest_cut - step;
            if self.cut_position(log, probe) <= shipped {
                lo = probe;
                break;
            }
            hi = probe.saturating_sub(1);
            step = (2 * step).max(1);
        }
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
    pub fn applied(&self, log: &ServiceLog, t: SimTime) -> f64 {
        let Some(arrive_by) = t.0.checked_sub(self.one_way.0) else {
            return self.origin;
        };
        let newest = self.newest_shipped_batch(log, SimTime(arrive_by));
        let q = Question {
            log,
            arrive_by,
            oldest: newest.saturating_sub(self.apply_delays.look_back()),
            newest,
        };
        let top_level = self.apply_delays.top_level();
        let top = block_len(top_level);
        let blocker = (q.oldest / top..=q.newest / top).find_map(|b| {
            let end = self.cut_position(log, q.span(top_level, b).1);
            self.blocker_in(&q, self.apply_delays.top(b), top_level, b, end)
        });
        match blocker {
            None => self.cut_position(log, newest),
            Some(j) if j > q.oldest => self.cut_position(log, j - 1),
            Some(_) => self
                .cut_position(log, q.oldest.saturating_sub(1))
                .min(self.shipped(log, t)),
        }
    }

    /// The oldest batch of the question's window within `block` (a node at
    /// `level` of the apply-delay tree) not yet applied by `arrive_by + one_way`
    /// on its own account: batch `j` is ready iff it was sent by
    /// `arrive_by − a_j`, i.e. `shipped(arrive_by − a_j) ≥ E_j`. A whole
    /// block is ready when its newest batch (ending at position `end`) was
    /// sent by `arrive_by` minus the block's largest delay; only blocks
    /// failing that are opened, and of their children only those sent after
    /// that instant are drawn at all. An empty batch (no served time since
    /// the previous cut) holds nothing up: it is applied with its predecessor.
    fn blocker_in(
        &self,
        q: &Question,
        node: Node,
        level: u32,
        block: u64,
        end: f64,
    ) -> Option<u64> {
        let sent_in_time = match q.arrive_by.checked_sub(node.delay.0) {
            Some(at) => self.shipped(q.log, SimTime(at)),
            None => f64::NEG_INFINITY,
        };
        if end <= sent_in_time {
            return None;
        }
        if level == 0 {
            let empty = block > q.oldest && end <= self.cut_position(q.log, block - 1);
            return (!empty).then_some(block);
        }
        let (first, last) = q.span(level, block);
        let child_len = block_len(level - 1);
        (first / child_len..=last / child_len).find_map(|c| {
            // No child is slower than its parent: one sent in time for the
            // parent's delay is ready whatever its own draw.
            let child_end = self.cut_position(q.log, q.span(level - 1, c).1);
            if child_end <= sent_in_time {
                return None;
            }
            let child = self.apply_delays.child(node, level, block, c);
            self.blocker_in(q, child, level - 1, c, child_end)
        })
    }

    /// Last sync time at `t`: the newest instant before which every
    /// committed write is applied at the secondary (`t` when nothing is pending).
    pub fn last_sync(&self, log: &ServiceLog, t: SimTime) -> SimTime {
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
    pub fn drain_time(&self, log: &ServiceLog, now: SimTime) -> SimDuration {
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
        let a = self.apply_delays.of(last);
        SimDuration::from_nanos_f64(send)
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The in-order apply rule batch by batch, as the definition reads:
    /// the newest `j` in the window such that every non-empty batch up to
    /// it was sent by `arrive_by − a_i`.
    fn applied_by_scanning(l: &AsyncLink, log: &ServiceLog, t: SimTime) -> f64 {
        let Some(arrive_by) = t.0.checked_sub(l.one_way.0) else {
            return l.origin;
        };
        let newest = l.newest_shipped_batch(log, SimTime(arrive_by));
        let oldest = newest.saturating_sub(l.apply_delays.look_back());
        let mut applied_upto = None;
        for j in oldest..=newest {
            let e = l.cut_position(log, j);
            let empty = j > oldest && e <= l.cut_position(log, j - 1);
            let a = l.apply_delays.of(j).0;
            let ready = arrive_by >= a && l.shipped(log, SimTime(arrive_by - a)) >= e;
            if !(empty || ready) {
                break;
            }
            applied_upto = Some(j);
        }
        match applied_upto {
            Some(j) => l.cut_position(log, j),
            None => l
                .cut_position(log, oldest.saturating_sub(1))
                .min(l.shipped(log, t)),
        }
    }

    /// The block-skipping search answers exactly what the batch-by-batch
    /// rule answers, through backlogs, partitions and outages (empty
    /// batches), with batches cut ten times a second and apply delays of
    /// seconds (thousands of batches in the window, a five-level tree).
    #[test]
    fn skipping_blocks_changes_no_answer() {
        let s = |x: f64| SimTime((x * 1e9) as u64);
        let mut log = ServiceLog::default();
        log.start(SimTime::ZERO);
        let apply = Dist::LogNormal {
            median: 2e9,
            sigma: 0.8,
        };
        let mut l = AsyncLink::new(
            &log,
            SimTime::ZERO,
            SimDuration::from_millis(100),
            SimDuration::from_millis(5),
            1.5e6,
            1e6,
            apply,
            ChaCha8Rng::seed_from_u64(3),
            false,
        );
        assert_eq!(l.apply_delays.top_level(), 5);
        // Degraded below the write rate, partitioned, an outage, healed.
        l.set_factor(&log, s(300.0), 0.5);
        l.set_factor(&log, s(600.0), 0.0);
        l.reanchor(&log, s(700.0));
        log.stop(s(700.0));
        l.reanchor(&log, s(700.0));
        log.start(s(760.0));
        l.reanchor(&log, s(760.0));
        l.set_factor(&log, s(800.0), 1.0);
        let (mut differ, mut behind) = (0, 0);
        for k in 0..3_000u64 {
            let t = SimTime(k * 407_000_007 + 7);
            let fast = l.applied(&log, t);
            if fast != applied_by_scanning(&l, &log, t) {
                differ += 1;
            }
            if fast < log.served_until(t) as f64 {
                behind += 1;
            }
        }
        assert_eq!(differ, 0);
        // The questions did meet pending batches.
        assert!(behind > 1_500, "{behind}");
    }
}
