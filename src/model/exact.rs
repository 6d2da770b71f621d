//! Exact fidelity: the cross-region log simulated one write at a time.
//!
//! "Two fidelities, one model." The fast model never creates an event per
//! write: it answers every cross-region question through the fluid
//! [`AsyncLink`] and every "what did the failure lose" question through
//! [`sample_loss`](super::sample_loss). The exact mode keeps every DR rule of
//! `dr.rs` and every zone rule of `zones.rs` as they are and swaps only those
//! two answers for per-write ones, through [`Replicator`]: an [`ExactLink`]
//! has the same methods as [`AsyncLink`], but behind them every write is
//! generated, committed, cut into a batch, shipped and applied explicitly.
//! It exists to validate the fast model (`tests/fidelity.rs`) and for short
//! horizons; its cost grows with writes × horizon (see
//! [`exact_event_estimate`]).
//!
//! # The per-write model
//!
//! - **Arrivals**: a Poisson process of `write_rate` per *served* second (the
//!   same law the fast model integrates): exponential gaps in served time
//!   from the [`Stream::ExactWrites`](crate::engine::rng::Stream) generator,
//!   mapped to wall-clock time through the [`ServiceLog`]. Writes exist only
//!   while they are served, so an outage shifts them, exactly like the fluid
//!   positions.
//! - **Commit**: at the arrival instant. The in-region quorum latency is
//!   sub-millisecond, far below the batch interval and the apply delays that
//!   make up cross-region lag, and no DR rule reads it, so the commit is not
//!   delayed by it; the commit latency samples of a replication are the
//!   zone model's, in both fidelities.
//! - **Batches**: cut at multiples of the batch interval `T` from time 0,
//!   batch `j` holding the writes committed in `[(j−1)T, jT)` (the fluid's
//!   `E_j = served_until(jT)`). A batch whose interval held no served time is
//!   no batch at all (the fluid merges it into its predecessor); one that
//!   held served time but, by chance, no write is shipped empty, as a log
//!   shipper ships its position, so that the in-order apply rule below sees
//!   the same batches in both fidelities.
//! - **Shipping**: FIFO at the link's current bandwidth, piecewise constant
//!   (`set_factor` records every partition or degradation as the fluid model
//!   does): a batch starts when it is cut and its predecessor is sent, and
//!   takes `bytes / bandwidth`.
//! - **Apply**: a batch arrives `one_way` after it is sent and is applied
//!   `a_j` later, in order: `applied_j = max(applied_{j−1}, sent_j + one_way +
//!   a_j)`. `a_j` is [`ApplyDelays::of`], the very draw the fluid model
//!   calls, on the same stream, so both fidelities see the same draw for the
//!   same batch. (The fluid looks back at most a window of batches for slow
//!   predecessors; this is the exact in-order maximum.)
//!
//! What cannot agree by construction, and why (tested in `tests/fidelity.rs`):
//!
//! - **Last sync time.** With discrete writes, the newest instant before
//!   which every committed write is applied is the commit instant of the
//!   oldest unapplied write (or now, when nothing is pending). In the fluid
//!   it is the cut of the newest applied batch, because positions right after
//!   the cut are already "writes". The two differ by the gap between that cut
//!   and the first write after it: an exponential of mean `1/write_rate`
//!   (truncated by the batch's served time). Loss windows and lags are
//!   shorter by that gap in exact mode; the RPO (age of the oldest lost
//!   write) is the same quantity in both, and so is the number of lost writes.
//!   When writes stop shortly after a cut (an outage), the fluid counts the
//!   positions served since the cut as unsynced however short that span, so
//!   its lag keeps growing until they are applied; with discrete writes the
//!   span holds no write with probability `exp(−rate × span)`, and then
//!   nothing is pending and the lag is 0.
//! - **Batch sizes** are Poisson here and exactly `rate × served time` in the
//!   fluid, so near saturation the per-batch sending time varies with
//!   relative spread `1/√(rate·T)` and a queue can form in exact mode where
//!   the fluid has none (at an offered load below the bandwidth).
//!
//! # Laziness and query order
//!
//! The per-write simulation runs inside the link, lazily: every query at time
//! `t` first advances it to `t` (writes committed before `t`, cuts, sends and
//! applies at or before `t`). Queries of one replication arrive in
//! non-decreasing time order (events are handled in time order, and the lag
//! samples and trace probes between them are taken in time order); a query
//! earlier than the last one panics rather than answer from a later state.
//! Between two queries the bandwidth and the serving status are constant,
//! because every change of either goes through `set_factor` or `reanchor`
//! first, so the rate and the served-to-wall mapping of a step are known.
//!
//! # Cost and memory
//!
//! The event loop is specialised: the next event is the earliest of four
//! monotone sources (next arrival, next cut, the send in progress, the oldest
//! unapplied batch), so it needs no priority queue; a write costs an
//! exponential draw, a comparison and an append, and later its removal when
//! its batch is applied. Only unapplied writes are kept (their commit
//! instants, 8 bytes each), plus one record per unapplied batch, and writes
//! stream: at every cut, what is due is sent and applied before the writes
//! after the cut are committed, however long the step between two questions
//! (a month without an event is one step). So the memory of a link is its
//! backlog at the worst cut — a batch interval of writes, plus those sent and
//! not yet applied, plus, on a link partitioned for hours or offered more
//! than its bandwidth, the whole backlog — never writes × horizon
//! (`guard::exact_backlog_writes` estimates it).

use super::apply_delays::ApplyDelays;
use super::link::AsyncLink;
use super::loss::Loss;
use super::service::ServiceLog;
use crate::dist::Dist;
use crate::scenario::Scenario;
use crate::time::{SimDuration, SimTime};
use rand::rngs::ChaCha8Rng;
use rand_distr::{Distribution, Exp1};
use std::collections::VecDeque;

/// Events per write in exact mode: its commit (append to the log) and its
/// apply at the secondary (removal from the log). Its shipping is part of
/// its batch's send, counted per batch.
pub const EVENTS_PER_WRITE: f64 = 2.0;

/// Events per batch in exact mode: its cut, the end of its send and its apply.
pub const EVENTS_PER_BATCH: f64 = 3.0;

/// Expected number of events a whole run of `sc` (all replications) costs
/// in exact fidelity: expected writes × [`EVENTS_PER_WRITE`] plus batches ×
/// [`EVENTS_PER_BATCH`], as an upper bound that assumes the link exists for
/// the whole horizon. Divide by `sc.simulation.runs` for one replication.
/// Zero when the scenario has no cross-region link or no DR: exact mode then
/// simulates no write (zone and backup losses are drawn as in fast mode).
/// Used to refuse exact runs that would take too long.
pub fn exact_event_estimate(sc: &Scenario) -> f64 {
    let (Some(cr), Some(_)) = (sc.cross_region.as_ref(), sc.dr.as_ref()) else {
        return 0.0;
    };
    let horizon_s = sc.simulation.horizon.as_secs_f64();
    let writes = sc.workload.write_rate * horizon_s;
    let batches = sc.simulation.horizon.0 as f64 / cr.batch_interval.0.max(1) as f64;
    sc.simulation.runs as f64 * (writes * EVENTS_PER_WRITE + batches * EVENTS_PER_BATCH)
}

/// `pos + gap`, but always past `pos`: at absurd write rates (gaps below the
/// resolution of a position, e.g. under 2 ns a year into a replication) the
/// sum would round back to `pos` and the loop would never end.
#[inline]
fn advanced(pos: f64, gap: f64) -> f64 {
    let next = pos + gap;
    if next > pos {
        next
    } else {
        pos.next_up()
    }
}

/// A generator that can be copied (the look-ahead of `caught_up_at` must
/// draw the very writes the link will draw), through its serialised state
/// since `ChaCha8Rng` is not `Clone`.
struct Gen(ChaCha8Rng);

impl Clone for Gen {
    fn clone(&self) -> Gen {
        Gen(ChaCha8Rng::deserialize_state(&self.0.serialize_state()))
    }
}

/// A batch cut and not yet applied.
#[derive(Clone, Copy, Debug)]
struct Batch {
    /// Batch number: cut at `index × T`, apply delay `a_index`.
    index: u64,
    cut: u64,
    /// Writes in the batch (the oldest `count` of the pending writes after
    /// those of earlier batches).
    count: u64,
    /// Bytes not yet sent.
    remaining: f64,
    /// When it is applied (known once it is sent).
    applied_at: u64,
}

/// The replication stream to the paired region, one write at a time. Same
/// methods and calling rules as [`AsyncLink`]; see the module docs.
#[derive(Clone)]
pub struct ExactLink {
    interval: u64,
    one_way: u64,
    write_size: u64,
    bandwidth: f64,
    /// Bytes per nanosecond now: bandwidth × factor.
    rate: f64,
    /// Mean served nanoseconds between writes.
    mean_gap: f64,
    apply_delays: ApplyDelays,
    writes_rng: Gen,
    /// Everything before this instant has been simulated (writes committed
    /// before it; cuts, sends and applies at or before it).
    clock: u64,
    /// Served nanoseconds before `clock`.
    served_at_clock: u64,
    /// Served-time position of the next write, not yet committed.
    next_pos: f64,
    /// Commit instants of the writes not yet applied, oldest first.
    commits: VecDeque<u64>,
    /// The batch being filled: number and writes so far.
    open_index: u64,
    open_count: u64,
    /// Served position at the previous cut (or at creation): a batch with no
    /// served time is no batch.
    prev_cut_served: u64,
    /// Cut batches not yet applied; the first `sent` of them are fully sent.
    batches: VecDeque<Batch>,
    sent: usize,
    /// The sender has simulated up to here.
    send_clock: u64,
    /// Apply instant of the newest sent batch (applies are in order).
    last_applied_at: u64,
    committed: u64,
    applied: u64,
    batch_events: u64,
}

impl ExactLink {
    /// A link whose log starts at `now` (what was committed before was
    /// seeded) and that ships nothing until the factor is raised if `paused`.
    /// `writes_rng` is the replication's `ExactWrites` stream: every link of
    /// a replication takes its own part of it (from block `now` on, so links
    /// created at different instants never share draws while a link
    /// consumes fewer than 8 words per nanosecond of its life, i.e. below
    /// about 4·10⁹ writes/s).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        log: &ServiceLog,
        now: SimTime,
        interval: SimDuration,
        one_way: SimDuration,
        bandwidth: f64,
        write_rate: f64,
        write_size: u64,
        apply_delay: Dist,
        apply_rng: ChaCha8Rng,
        mut writes_rng: ChaCha8Rng,
        paused: bool,
    ) -> ExactLink {
        writes_rng.set_word_pos(u128::from(now.0) * 16);
        let interval = interval.0.max(1);
        let served = log.served_until(now);
        let mean_gap = if write_rate > 0.0 {
            1e9 / write_rate
        } else {
            f64::INFINITY
        };
        let mut link = ExactLink {
            interval,
            one_way: one_way.0,
            write_size,
            bandwidth,
            rate: 0.0,
            mean_gap,
            apply_delays: ApplyDelays::new(apply_delay, SimDuration(interval), &apply_rng),
            writes_rng: Gen(writes_rng),
            clock: now.0,
            served_at_clock: served,
            next_pos: served as f64,
            commits: VecDeque::new(),
            open_index: now.0 / interval + 1,
            open_count: 0,
            prev_cut_served: served,
            batches: VecDeque::new(),
            sent: 0,
            send_clock: now.0,
            last_applied_at: 0,
            committed: 0,
            applied: 0,
            batch_events: 0,
        };
        link.next_pos = link.after(link.next_pos);
        link.set_rate(if paused { 0.0 } else { 1.0 });
        link
    }

    fn set_rate(&mut self, factor: f64) {
        self.rate = self.bandwidth * factor / 1e9;
    }

    /// The served position of the write after one at `pos`.
    fn after(&mut self, pos: f64) -> f64 {
        let e: f64 = Exp1.sample(&mut self.writes_rng.0);
        advanced(pos, e * self.mean_gap)
    }

    /// Records a change of the bandwidth factor at `now` (same contract as
    /// [`AsyncLink::set_factor`]): the old bandwidth holds up to `now`.
    pub fn set_factor(&mut self, log: &ServiceLog, now: SimTime, factor: f64) {
        self.advance(log, now.0);
        self.bank_progress(now.0);
        self.set_rate(factor);
    }

    /// Records what the batch in flight sent at the current rate up to `now`
    /// (advanced to `now`; before the rate changes): its send goes on from
    /// `now` with what remains.
    fn bank_progress(&mut self, now: u64) {
        let rate = self.rate;
        if let Some(b) = self.batches.get_mut(self.sent) {
            let start = self.send_clock.max(b.cut);
            if start < now {
                b.remaining = (b.remaining - (now - start) as f64 * rate).max(0.0);
                self.send_clock = now;
            }
        }
    }

    /// Serving started or stopped at `now` (call after updating `log`).
    pub fn reanchor(&mut self, log: &ServiceLog, now: SimTime) {
        self.advance(log, now.0);
    }

    /// Last sync time at `t`: the commit instant of the oldest write not yet
    /// applied at the secondary, or `t` when every committed write is.
    pub fn last_sync(&mut self, log: &ServiceLog, t: SimTime) -> SimTime {
        self.advance(log, t.0);
        self.commits.front().map_or(t, |&c| SimTime(c).min(t))
    }

    /// The writes committed in `[from, to]` that the secondary lacks, counted
    /// one by one; the RPO is `to` minus the oldest one's commit instant.
    /// Ask at the failure instant `to` (with `from` its last sync time): the
    /// pending writes are all kept until they are applied, and from then on
    /// nothing more reaches the secondary that the failover could use.
    pub fn lost_between(&mut self, log: &ServiceLog, from: SimTime, to: SimTime) -> Loss {
        // Writes may have stopped before the question (a drill's drain, a
        // lost quorum): the link kept shipping since, and what it holds now
        // is what a failover now would keep.
        self.advance(log, to.0.max(self.clock));
        let lo = self.commits.partition_point(|&c| c < from.0);
        let hi = self.commits.partition_point(|&c| c <= to.0);
        if hi <= lo {
            return Loss::default();
        }
        let writes = (hi - lo) as u64;
        Loss {
            writes,
            bytes: writes.saturating_mul(self.write_size),
            rpo: to.since(SimTime(self.commits[lo])),
        }
    }

    /// When a drill's drain ends: same contract as
    /// [`AsyncLink::drained_at`] (writes stopped at `now`, the current
    /// bandwidth lasts), write by write. The instant the last batch holding
    /// a write committed up to `now` is applied: its apply instant already
    /// is the in-order maximum over every earlier batch, and from it on no
    /// write is pending (`last_sync(t) == t`). Found on a copy that cuts the
    /// open batch and sends everything at the current rate; `now` when
    /// nothing is pending, `None` at rate 0 with a write unsent.
    pub fn drained_at(&self, log: &ServiceLog, now: SimTime) -> Option<SimTime> {
        let mut ahead = self.clone();
        ahead.advance(log, now.0);
        if ahead.commits.is_empty() {
            return Some(now);
        }
        let unsent = ahead.open_count > 0
            || ahead
                .batches
                .iter()
                .skip(ahead.sent)
                .any(|b| b.remaining > 0.0);
        if unsent && ahead.rate <= 0.0 {
            return None;
        }
        if ahead.open_count > 0 {
            ahead.cut(log);
        }
        ahead.send_until(u64::MAX);
        ahead
            .batches
            .iter()
            .rev()
            .find(|b| b.count > 0)
            .map(|b| SimTime(b.applied_at))
    }

    /// When the backlog present at `from` is drained: the first cut at which
    /// everything cut before it has been sent, assuming (like the fluid
    /// model) that the current bandwidth and serving status last. Found by
    /// simulating the future writes on a copy of the link (same generator,
    /// so they are the writes this link will commit if nothing changes);
    /// `None` if that does not happen by `limit`.
    pub fn caught_up_at(&self, log: &ServiceLog, from: SimTime, limit: SimTime) -> Option<SimTime> {
        let mut ahead = self.clone();
        ahead.advance(log, from.0);
        if ahead.idle_at(from.0) {
            return Some(from);
        }
        if ahead.rate <= 0.0 {
            return None;
        }
        let mut m = from.0 / self.interval + 1;
        while m.saturating_mul(self.interval) <= limit.0 {
            let cut = m * self.interval;
            // `log` extrapolates its last period: the serving status lasts.
            ahead.advance(log, cut);
            if ahead.idle_at(cut) {
                return Some(SimTime(cut));
            }
            m += 1;
        }
        None
    }

    /// Every batch cut before `t` has been sent (call after advancing to `t`).
    fn idle_at(&self, t: u64) -> bool {
        self.batches.get(self.sent).is_none_or(|b| b.cut >= t)
    }

    /// Events simulated so far (see [`EVENTS_PER_WRITE`], [`EVENTS_PER_BATCH`]).
    pub fn events(&self) -> u64 {
        self.committed + self.applied + self.batch_events
    }

    /// Writes committed so far.
    pub fn writes(&self) -> u64 {
        self.committed
    }

    /// Runs the per-write simulation up to `t`.
    fn advance(&mut self, log: &ServiceLog, t: u64) {
        // Always checked (one comparison per question, never per write): an
        // answer from a later state would be silently wrong.
        assert!(
            t >= self.clock,
            "exact link queried at {t} ns after {} ns: questions must come in time order",
            self.clock
        );
        if t == self.clock {
            return;
        }
        let p_end = log.served_until(SimTime(t));
        self.commit_until(log, t, p_end);
        self.send_until(t);
        self.apply_until(t);
        self.clock = t;
        self.served_at_clock = p_end;
    }

    /// Commits the writes served before `t` (served position `p_end`) and
    /// cuts the batches due at or before `t`, in time order.
    fn commit_until(&mut self, log: &ServiceLog, t: u64, p_end: u64) {
        let served = p_end - self.served_at_clock;
        if served == 0 {
            // Nothing served since the last step: no write to commit.
        } else if served == t - self.clock {
            // Served throughout [clock, t): wall = position + offset.
            let offset = self.clock - self.served_at_clock;
            loop {
                let cut_t = self.open_index.saturating_mul(self.interval);
                let stop = cut_t.min(t);
                self.commit_linear(offset, (stop - offset) as f64);
                if cut_t > t {
                    break;
                }
                self.cut(log);
                self.stream_until(cut_t);
            }
        } else {
            // Serving changed between steps without a reanchor (defensive):
            // map every write through the log.
            while (self.next_pos as u64) < p_end {
                let w = log.wall_at(self.next_pos as u64).0;
                while w >= self.open_index.saturating_mul(self.interval) {
                    let cut_t = self.open_index.saturating_mul(self.interval);
                    self.cut(log);
                    self.stream_until(cut_t);
                }
                self.commits.push_back(w);
                self.open_count += 1;
                self.committed += 1;
                self.next_pos = self.after(self.next_pos);
            }
        }
        while self.open_index.saturating_mul(self.interval) <= t {
            if self.open_count == 0 && self.prev_cut_served == p_end {
                // No served time since the last cut: every cut due is empty
                // (a long outage costs no per-cut work).
                self.open_index = t / self.interval + 1;
                break;
            }
            self.cut(log);
        }
    }

    /// Sends and applies what is due by the cut at `cut_t` (at most the
    /// instant being advanced to) before the writes after the cut are
    /// committed, so that the log holds the backlog at each cut instead of
    /// every write since the previous question: a replication asked nothing
    /// for a month would otherwise hold a month of writes at once. Sending
    /// and applying depend only on the batches and the rate, not on when
    /// they are asked (see [`ExactLink::send_until`]), so the results are
    /// those of one call at the end.
    fn stream_until(&mut self, cut_t: u64) {
        self.send_until(cut_t);
        self.apply_until(cut_t);
    }

    /// The hot loop: commits every write at a served position below
    /// `stop_pos`, at wall instant `position + offset`.
    #[inline]
    fn commit_linear(&mut self, offset: u64, stop_pos: f64) {
        let mut pos = self.next_pos;
        let mut n = 0u64;
        let mean_gap = self.mean_gap;
        while pos < stop_pos {
            self.commits.push_back(pos as u64 + offset);
            n += 1;
            let e: f64 = Exp1.sample(&mut self.writes_rng.0);
            pos = advanced(pos, e * mean_gap);
        }
        self.next_pos = pos;
        self.open_count += n;
        self.committed += n;
    }

    /// Cuts the open batch at `open_index × T`.
    fn cut(&mut self, log: &ServiceLog) {
        let cut = self.open_index.saturating_mul(self.interval);
        let served = log.served_until(SimTime(cut));
        if served > self.prev_cut_served || self.open_count > 0 {
            self.batches.push_back(Batch {
                index: self.open_index,
                cut,
                count: self.open_count,
                remaining: self.open_count as f64 * self.write_size as f64,
                applied_at: u64::MAX,
            });
            self.prev_cut_served = served;
            self.batch_events += 1;
        }
        self.open_count = 0;
        self.open_index += 1;
    }

    /// Ships the cut batches, in order, up to `t` at the current rate. A
    /// batch still in flight at `t` is left as it is: its end is computed
    /// from the instant it started (or the last change of rate, see
    /// [`ExactLink::bank_progress`]), so it does not depend on when
    /// questions are asked (rounding a partial send at every question
    /// drifted by up to 1 ns per question).
    fn send_until(&mut self, t: u64) {
        while let Some(b) = self.batches.get_mut(self.sent) {
            let start = self.send_clock.max(b.cut);
            if start > t {
                break;
            }
            let done = if b.remaining <= 0.0 {
                start
            } else if self.rate > 0.0 {
                let ns = (b.remaining / self.rate).ceil();
                if ns > (t - start) as f64 {
                    // Still sending at `t`.
                    break;
                }
                start + ns as u64
            } else {
                break;
            };
            b.remaining = 0.0;
            let a = self.apply_delays.of(b.index);
            let arrives = done.saturating_add(self.one_way).saturating_add(a.0);
            self.last_applied_at = self.last_applied_at.max(arrives);
            b.applied_at = self.last_applied_at;
            self.send_clock = done;
            self.sent += 1;
            self.batch_events += 1;
        }
    }

    /// Applies, in order, the sent batches due at or before `t` and drops
    /// their writes.
    fn apply_until(&mut self, t: u64) {
        while self.sent > 0 {
            let b = self.batches[0];
            if b.applied_at > t {
                break;
            }
            self.batches.pop_front();
            self.sent -= 1;
            self.commits.drain(..b.count as usize);
            self.applied += b.count;
            self.batch_events += 1;
        }
    }
}

/// The cross-region link of a replication in either fidelity. Dispatch is
/// per question (a handful per event), never per write. One lives per
/// replication, so the size gap between the variants costs nothing and
/// boxing would only add an indirection.
#[allow(clippy::large_enum_variant)]
pub(super) enum Replicator {
    Fluid(AsyncLink),
    Exact(ExactLink),
}

impl Replicator {
    pub(super) fn set_factor(&mut self, log: &ServiceLog, now: SimTime, factor: f64) {
        match self {
            Replicator::Fluid(l) => l.set_factor(log, now, factor),
            Replicator::Exact(l) => l.set_factor(log, now, factor),
        }
    }

    pub(super) fn reanchor(&mut self, log: &ServiceLog, now: SimTime) {
        match self {
            Replicator::Fluid(l) => l.reanchor(log, now),
            Replicator::Exact(l) => l.reanchor(log, now),
        }
    }

    pub(super) fn last_sync(&mut self, log: &ServiceLog, t: SimTime) -> SimTime {
        match self {
            Replicator::Fluid(l) => l.last_sync(log, t),
            Replicator::Exact(l) => l.last_sync(log, t),
        }
    }

    /// When a drain started by stopping writes ends, if by `limit` (see
    /// [`AsyncLink::drained_by`]).
    pub(super) fn drained_by(
        &self,
        log: &ServiceLog,
        now: SimTime,
        limit: SimTime,
    ) -> Option<SimTime> {
        match self {
            Replicator::Fluid(l) => l.drained_by(log, now, limit),
            Replicator::Exact(l) => l.drained_at(log, now).filter(|&t| t <= limit),
        }
    }

    pub(super) fn caught_up_at(
        &self,
        log: &ServiceLog,
        from: SimTime,
        limit: SimTime,
    ) -> Option<SimTime> {
        match self {
            Replicator::Fluid(l) => l.caught_up_at(log, from, limit),
            Replicator::Exact(l) => l.caught_up_at(log, from, limit),
        }
    }

    /// The loss a failover would suffer for a failure at `failure` whose
    /// last sync time is `last_sync`, counted write by write; `None` in fast
    /// mode, where it is drawn when the failover executes.
    pub(super) fn failure_loss(
        &mut self,
        log: &ServiceLog,
        last_sync: SimTime,
        failure: SimTime,
    ) -> Option<Loss> {
        match self {
            Replicator::Fluid(_) => None,
            Replicator::Exact(l) => Some(l.lost_between(log, last_sync, failure)),
        }
    }

    /// Per-write events simulated (0 in fast mode).
    pub(super) fn events(&self) -> u64 {
        match self {
            Replicator::Fluid(_) => 0,
            Replicator::Exact(l) => l.events(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn link(log: &ServiceLog, rate: f64, bandwidth: f64, apply: Dist) -> ExactLink {
        ExactLink::new(
            log,
            SimTime::ZERO,
            SimDuration::from_secs(1),
            SimDuration::from_millis(10),
            bandwidth,
            rate,
            1000,
            apply,
            ChaCha8Rng::seed_from_u64(1),
            ChaCha8Rng::seed_from_u64(2),
            false,
        )
    }

    /// Writes are Poisson in served time: none while not serving, and the
    /// count over a long window is rate × served time (5 standard errors).
    #[test]
    fn writes_follow_served_time() {
        let mut log = ServiceLog::default();
        log.start(SimTime::ZERO);
        let mut l = link(&log, 1000.0, 1e12, Dist::Constant(SimDuration::ZERO));
        let s = SimTime(100 * 1_000_000_000);
        l.reanchor(&log, s);
        log.stop(s);
        l.reanchor(&log, s);
        l.last_sync(&log, SimTime(200 * 1_000_000_000));
        let n = l.writes() as f64;
        assert!((n - 1e5).abs() < 5.0 * 1e5f64.sqrt(), "{n}");
        // Everything served before the stop is applied by 200 s.
        assert_eq!(l.commits.len(), 0);
    }

    /// One question after an hour of 1,000 writes/s holds the backlog of a
    /// cut (about a second of writes), not the hour's 3.6 million writes, and
    /// answers what a link asked every 7 s answers.
    #[test]
    fn writes_stream_through_a_long_step() {
        let mut log = ServiceLog::default();
        log.start(SimTime::ZERO);
        let apply = Dist::Exponential { mean: 2e8 };
        let mut once = link(&log, 1000.0, 1e12, apply.clone());
        let mut often = link(&log, 1000.0, 1e12, apply);
        let end = SimTime(3_600_000_000_123);
        for k in 1..(3600 / 7) {
            often.last_sync(&log, SimTime(k * 7_000_000_000));
        }
        let sync = once.last_sync(&log, end);
        assert_eq!(sync, often.last_sync(&log, end));
        assert_eq!(
            once.lost_between(&log, sync, end),
            often.lost_between(&log, sync, end)
        );
        assert_eq!(once.events(), often.events());
        assert!(once.writes() > 3_500_000, "{}", once.writes());
        let peak = once.commits.capacity();
        assert!(peak < 20_000, "the log held {peak} writes at once");
    }

    /// Constant apply delay on a fast link: a write committed in
    /// `[(j−1)T, jT)` is applied at `jT + one_way + a`, so at any `t` the
    /// oldest pending write is younger than `T + one_way + a`.
    #[test]
    fn lag_is_bounded_by_one_batch_and_the_delays() {
        let mut log = ServiceLog::default();
        log.start(SimTime::ZERO);
        let a = SimDuration::from_millis(300);
        let mut l = link(&log, 500.0, 1e12, Dist::Constant(a));
        for k in 1..2000u64 {
            let t = SimTime(k * 37_000_000);
            let lag = t.since(l.last_sync(&log, t));
            assert!(lag.0 <= 1_000_000_000 + 10_000_000 + a.0 + 1_000, "{lag:?}");
        }
    }

    /// A partition stops shipping: the backlog is every write since it
    /// started, lost in full at a failure.
    #[test]
    fn partition_holds_everything_back() {
        let mut log = ServiceLog::default();
        log.start(SimTime::ZERO);
        let mut l = link(&log, 100.0, 1e12, Dist::Constant(SimDuration::ZERO));
        let p = SimTime(10_000_000_000);
        l.set_factor(&log, p, 0.0);
        let f = SimTime(20_000_000_000);
        let sync = l.last_sync(&log, f);
        assert!(
            sync.0 >= 9_000_000_000 && sync.0 < 10_000_000_000,
            "{sync:?}"
        );
        let loss = l.lost_between(&log, sync, f);
        assert_eq!(loss.writes as usize, l.commits.len());
        assert_eq!(loss.rpo, f.since(sync));
        assert!(l.caught_up_at(&log, f, SimTime(100_000_000_000)).is_none());
        l.set_factor(&log, f, 1.0);
        let back = l.caught_up_at(&log, f, SimTime(100_000_000_000)).unwrap();
        assert!(back.0 >= f.0 && back.0 <= f.0 + 1_000_000_000, "{back:?}");
    }

    /// The exact twin of the fluid drill helper: 10 ms batches, a 100 MB/s
    /// link, 1,000-byte writes at `rate`, serving from 0, the link created
    /// 30 s before `now` (writes are simulated from then on only), writes
    /// stopped at `now` after the `events` (instant, factor).
    fn drill(
        seed: u64,
        rate: f64,
        apply: Dist,
        events: &[(u64, f64)],
        now: SimTime,
    ) -> (ExactLink, ServiceLog) {
        let mut log = ServiceLog::default();
        log.start(SimTime::ZERO);
        let mut l = ExactLink::new(
            &log,
            SimTime(now.0 - 30_000_000_000),
            SimDuration::from_millis(10),
            SimDuration::from_millis(5),
            1e8,
            rate,
            1000,
            apply,
            ChaCha8Rng::seed_from_u64(seed),
            ChaCha8Rng::seed_from_u64(seed + 1_000_000),
            false,
        );
        for &(at, factor) in events {
            l.set_factor(&log, SimTime(at), factor);
        }
        l.reanchor(&log, now);
        log.stop(now);
        l.reanchor(&log, now);
        (l, log)
    }

    /// `drained_at` is the first instant at which no write is pending, as
    /// `last_sync` sees it scanning forward (every millisecond, then the
    /// nanosecond before the answer and the answer): plain drills, a
    /// degraded link with a backlog, a healed partition.
    #[test]
    fn drained_at_is_the_first_instant_nothing_is_pending() {
        let mut checked = 0;
        for i in 0..150u64 {
            let now = SimTime(40_000_000_000 + i * 1_234_567_891);
            let events: Vec<(u64, f64)> = match i % 3 {
                0 => vec![],
                1 => vec![(now.0 - 10_000_000_000, 0.005)],
                _ => vec![(now.0 - 4_000_000_000, 0.0), (now.0 - 1_000_000_000, 1.0)],
            };
            let apply = if i % 2 == 0 {
                Dist::Exponential { mean: 1e8 }
            } else {
                Dist::LogNormal {
                    median: 1e9,
                    sigma: 0.8,
                }
            };
            let (l, log) = drill(i, 1000.0, apply, &events, now);
            let d = l.drained_at(&log, now).expect("the link is up");
            let mut probe = l.clone();
            let mut t = now;
            while t.0 + 1 < d.0 {
                assert!(probe.last_sync(&log, t) < t, "drill {i} at {t:?}");
                t = SimTime(t.0 + 1_000_000);
            }
            if d > now {
                let before = SimTime(d.0 - 1);
                assert!(probe.last_sync(&log, before) < before, "drill {i}");
                checked += 1;
            }
            assert_eq!(probe.last_sync(&log, d), d, "drill {i}");
        }
        assert!(checked > 140, "{checked}");
    }

    /// 10 ms batches, Exp(100 ms) apply delays, writes stopped 1 µs before a
    /// cut (so the last batch holds writes: 2,000 writes/s): the drain ends
    /// when the slowest pending batch is applied, in order, `one_way + M`
    /// with `M = max_k (a_k − k·T)` of mean ≈ 0.2955 s (see the fluid
    /// test in `link.rs`), plus sub-millisecond sends; not the newest
    /// batch's own 0.1 s.
    #[test]
    fn a_drain_waits_for_every_earlier_batch() {
        let (mu, t_batch) = (0.1, 0.01);
        // E[max_k (a_k − k·T)] over 2,000 batches: the latest completion
        // of delays shifted by −k·T (the theory the `drill-drain` check uses).
        let shifts: Vec<f64> = (0..2_000).map(|k| -(k as f64) * t_batch).collect();
        let mean_m =
            crate::theory::latest_completion_mean(&shifts, |x| 1.0 - (-x / mu).exp(), 2.0).unwrap();
        let expect = 0.005 + mean_m;
        let n = 1_000u64;
        let (mut sum, mut sum2) = (0.0, 0.0);
        for i in 0..n {
            let now = SimTime(40_000_000_000 + i * 60_000_000_000 - 1_000);
            let (l, log) = drill(7, 2000.0, Dist::Exponential { mean: 1e8 }, &[], now);
            let d = l
                .drained_at(&log, now)
                .expect("up")
                .since(now)
                .as_secs_f64();
            sum += d;
            sum2 += d * d;
        }
        let mean = sum / n as f64;
        let se = ((sum2 / n as f64 - mean * mean) / n as f64).sqrt();
        println!("exact drain mean {mean:.4} s (expected {expect:.4} ± {se:.4})");
        assert!(
            (mean - expect).abs() < 4.5 * se + 0.001,
            "{mean} vs {expect}"
        );
    }

    /// Partitioned with writes unsent: no drain time; healed, a finite one.
    /// Through the `Replicator` too, which answers what each link answers.
    #[test]
    fn no_drain_while_partitioned_with_something_unsent() {
        let now = SimTime(30_000_000_000);
        let apply = Dist::Exponential { mean: 1e8 };
        let cut_off = [(now.0 - 2_000_000_000, 0.0)];
        let (l, log) = drill(4, 1000.0, apply.clone(), &cut_off, now);
        assert_eq!(l.drained_at(&log, now), None);
        assert_eq!(
            Replicator::Exact(l.clone()).drained_by(&log, now, SimTime::MAX),
            None
        );
        let mut l = l;
        let heal = SimTime(now.0 + 5_000_000_000);
        l.set_factor(&log, heal, 1.0);
        let d = l.drained_at(&log, heal).expect("healed");
        assert_eq!(
            Replicator::Exact(l.clone()).drained_by(&log, heal, SimTime::MAX),
            Some(d)
        );
        assert!(d > heal && l.last_sync(&log, d) == d, "{d:?}");
        // The fluid through the enum.
        let mut flog = ServiceLog::default();
        flog.start(SimTime::ZERO);
        let mut f = AsyncLink::new(
            &flog,
            SimTime::ZERO,
            SimDuration::from_millis(10),
            SimDuration::from_millis(5),
            1e8,
            1e6,
            apply,
            ChaCha8Rng::seed_from_u64(4),
            false,
        );
        f.set_factor(&flog, SimTime(now.0 - 2_000_000_000), 0.0);
        flog.stop(now);
        f.reanchor(&flog, now);
        assert_eq!(f.drained_at(&flog, now), None);
        let r = Replicator::Fluid(f);
        assert_eq!(r.drained_by(&flog, now, SimTime::MAX), None);
    }
}
