//! The RPO bound (`cross_region.rpo_bound`): while DR protects the primary,
//! writes are not served whenever the replication lag has reached the bound,
//! and are served again once it is back under it (Aurora's
//! `rds.global_db_rpo`: "no transactions can commit until the RPO is met").
//!
//! **The lag** is `t − last_sync(t)` under `durable_at`: the loss window a
//! forced failover at `t` would see if writes were being served at `t`. It
//! grows at 1 s/s while nothing becomes durable (a partition, the paired
//! region down) and falls when batches become durable. Blocking at the
//! instant it reaches the bound `b` caps every failure's loss window, hence
//! its RPO, at `b`: a failure while writes are served finds a lag of at most
//! `b`; one while they are blocked (or stopped for any other reason) has
//! its loss window measured at the stop, when the lag was at most `b`.
//!
//! **Whose lag** (`met_by`): the paired region's, or (`"any"`) the
//! smallest over the paired region and every further secondary whose copy
//! is fed by a link: Aurora "commits the transaction if at least one
//! secondary DB cluster has an RPO lag time less than the RPO". The cap
//! then holds for the freshest secondary only; a failover that must go
//! elsewhere (the freshest is down) loses more. Every lifecycle trigger
//! re-plans the check under `"any"`, since any of them may cut, pause or
//! resume a further link.
//!
//! **Progress, not timers.** Both the block and the resumption are
//! questions to the link (either fidelity, through [`Replicator`]), asked at
//! planned checks and re-planned on every change of rate or serving status
//! (the `replan` of `dr.rs` calls [`Replication::plan_rpo_bound`]):
//!
//! - Serving: the lag reaches `b` no earlier than `last_sync(now) + b` (the
//!   lag grows at most 1 s/s), so the check goes there; if something became
//!   durable meanwhile it goes again to the new `last_sync + b`. The check
//!   lands exactly on the crossing. In fast fidelity, a link that keeps up
//!   with its load, has no backlog and whose steady-state lag
//!   ([`CrossRegion::steady_lag`](crate::scenario::CrossRegion::steady_lag))
//!   is below `b` cannot reach the bound until the next change of rate: no
//!   check is planned (with random apply delays under `durable_at =
//!   "apply"`, a draw past the delay's 1 − 1e-9 quantile is thereby
//!   ignored, as the link's look-back window ignores it). Exact fidelity
//!   always checks (its batch sizes are random).
//! - Blocked: writes are stopped, so the backlog only drains. The check goes
//!   to the fluid estimate of the resumption (the excess over `b` shrinks at
//!   `k − 1` s/s, `k` = usable bandwidth / offered write bytes per second),
//!   at least one batch's sending time `T/k` later, and never after the
//!   whole backlog is durable (`drained_by`, lag 0). On a draining link
//!   batches become durable one sending time apart, and the estimate is the
//!   fluid crossing, so a resumption is found at most about `2T/k` after the
//!   first instant the lag is under `b` (a batch interval when `k ≤ 2`). At
//!   rate 0 (partitioned) nothing is planned until the link heals.
//!
//! **Throttling** (`action = "throttle"`, Cosmos DB's bounded staleness,
//! Azure SQL's log-rate throttling). On a link that still ships but slower
//! than the writes arrive (`0 < k < 1`), once the lag reaches the trigger
//! `k·(b − T)` ([`Replication::throttle_trigger`]) the primary admits the
//! share `k` of the offered writes (the service log's admitted share,
//! `ServiceLog::set_admitted`): the lag then rises to `b − T` and holds.
//! The writes not admitted are **shed**: rejected, not queued (a client
//! retrying them offers them again, so delaying them would double count;
//! and a queue in front of the bound is what `block` does). They are
//! counted (`throttled_writes`, the expected number `(1 − k)·rate·duration`,
//! a fluid figure, not drawn) with the time spent throttled
//! (`throttled_ns`). Every re-plan re-tunes the share: the link faster
//! than the load again (`k ≥ 1`) lifts the throttle; a link that ships
//! nothing (`k = 0`) ends it and the lag runs to the block; a stop of the
//! writes for another reason ends it. Throttled, the checks still watch
//! for `b`: a lag that reaches it blocks, so the cap holds.

use super::{dr::Phase, Event, Replication};
use crate::incident::IncidentClass;
use crate::scenario::{Fidelity, Side};
use crate::time::{SimDuration, SimTime};

/// The bound's state in one replication.
#[derive(Default)]
pub(super) struct RpoGuard {
    /// The `rpo-bound` incident of the block in force, if writes are blocked.
    blocked_by: Option<usize>,
    /// Generation of the planned check: a check planned before the last
    /// re-plan is void.
    plan: u64,
    /// The throttle in force (`action = "throttle"`): since when, at which
    /// admitted share of the offered writes.
    throttle: Option<(SimTime, f64)>,
    /// Nanoseconds spent throttled, and the writes shed meanwhile (expected
    /// count), over the throttles already ended.
    throttled_ns: u64,
    throttled_writes: f64,
}

impl RpoGuard {
    /// Writes are blocked by the bound.
    pub(super) fn blocks(&self) -> bool {
        self.blocked_by.is_some()
    }

    /// A check planned in generation `plan` still stands.
    pub(super) fn plan_is_current(&self, plan: u64) -> bool {
        plan == self.plan
    }

    /// The incident of the block in force (traces).
    pub(super) fn incident(&self) -> Option<usize> {
        self.blocked_by
    }

    /// Writes are throttled now.
    pub(super) fn throttles(&self) -> bool {
        self.throttle.is_some()
    }
}

impl Replication<'_> {
    /// The bound in force now: set, and DR protecting the primary with a
    /// link (in either direction: `dr.after_failover = "reprotect"`).
    fn rpo_bound(&self) -> Option<SimDuration> {
        let bound = self.sc.cross_region.as_ref()?.rpo_bound?;
        matches!(self.dr.phase, Phase::Protected | Phase::ReverseProtected).then_some(bound.lag)
    }

    /// The link's drain rate over the offered write rate (`k`): how many
    /// seconds of writes it ships per second.
    fn drain_ratio(&self) -> f64 {
        let write_bps = self.sc.workload.bytes_per_sec();
        let bandwidth = self.sc.cross_region.as_ref().map_or(0.0, |c| c.bandwidth);
        bandwidth * self.dr.log_factor() / write_bps
    }

    /// `action = "throttle"` and a link that ships, slower than the load:
    /// the share to admit at the bound.
    fn throttle_share(&self) -> Option<f64> {
        let throttles = self.sc.cross_region.as_ref()?.rpo_bound?.throttle;
        let k = self.drain_ratio();
        (throttles && k > 0.0 && k < 1.0).then_some(k)
    }

    /// The lag at which the throttle starts on a link draining the share
    /// `k` of the load: `k·(bound − T)`. Writes admitted at the drain rate
    /// from then are durable within `bound − T` of their commit (the
    /// backlog, `k·(bound − T)` seconds of writes at the full rate, ships
    /// in `bound − T` seconds, and every second of admitted writes in one
    /// more), so the lag rises to the bound less one batch interval `T`,
    /// the margin for its sawtooth as batches land, and holds there.
    /// Throttling at the bound itself would let it creep to `bound / k`.
    fn throttle_trigger(&self, bound: SimDuration, k: f64) -> SimDuration {
        let interval = self
            .sc
            .cross_region
            .as_ref()
            .map_or(SimDuration::ZERO, |c| c.batch_interval);
        SimDuration::from_secs_f64(
            k * SimDuration(bound.0.saturating_sub(interval.0)).as_secs_f64(),
        )
    }

    /// Ends the throttle in force at `now` (its time and shed writes
    /// booked) and starts one at `share`, if any; the link re-anchors on
    /// the new write rate.
    fn set_throttle(&mut self, now: SimTime, share: Option<f64>) {
        if let Some((since, admitted)) = self.rpo.throttle.take() {
            let ns = now.since(since).0;
            self.rpo.throttled_ns += ns;
            self.rpo.throttled_writes +=
                (1.0 - admitted) * self.sc.workload.write_rate * ns as f64 / 1e9;
        }
        self.service.set_admitted(now, share.unwrap_or(1.0));
        self.rpo.throttle = share.map(|k| (now, k));
        self.dr.serving_changed(&self.service, now);
    }

    /// (ns throttled, writes shed) up to `horizon`, a throttle in force included.
    pub(super) fn throttled_until(&self, horizon: SimTime) -> (u64, u64) {
        let (mut ns, mut writes) = (self.rpo.throttled_ns, self.rpo.throttled_writes);
        if let Some((since, admitted)) = self.rpo.throttle {
            let open = horizon.since(since).0;
            ns += open;
            writes += (1.0 - admitted) * self.sc.workload.write_rate * open as f64 / 1e9;
        }
        (ns, writes.round() as u64)
    }

    /// Plans the next check of the bound at the rates of now (called by
    /// every re-plan and after every check that changed nothing). A
    /// throttle in force is re-tuned to the link's rate first.
    pub(super) fn plan_rpo_bound(&mut self, now: SimTime) {
        if self.rpo.throttles() {
            let share = self.throttle_share();
            let keep = self.rpo_bound().is_some() && self.service.is_serving();
            match share.filter(|_| keep) {
                Some(k) if self.rpo.throttle.is_some_and(|(_, a)| a == k) => {}
                Some(k) => self.set_throttle(now, Some(k)),
                None => self.set_throttle(now, None),
            }
        }
        self.rpo.plan += 1;
        let at = self.next_rpo_check(now);
        if let Some(at) = at {
            let plan = self.rpo.plan;
            self.sched.at(at.max(now), Event::RpoBoundCheck { plan });
        }
    }

    /// When the bound must next be looked at, if before the next re-plan.
    fn next_rpo_check(&mut self, now: SimTime) -> Option<SimTime> {
        let Some(bound) = self.rpo_bound() else {
            // DR left the protected phase (or is off): a block lifts now.
            return self.rpo.blocks().then_some(now);
        };

        if !self.rpo.blocks() && !self.service.is_serving() {
            // Stopped for another reason: re-planned when writes resume.
            return None;
        }
        let factor = self.dr.log_factor();
        let write_bps = self.sc.workload.bytes_per_sec();
        let cr = self.sc.cross_region.as_ref()?;
        let interval = cr.batch_interval;
        let k = cr.bandwidth * factor / write_bps;
        let steady = cr.steady_lag(write_bps, factor);
        let fast = self.sc.simulation.fidelity == Fidelity::Fast;
        // Not yet throttled on a link slower than the load: look at the
        // throttle's trigger first (the bound stays the block's).
        let target = match self.throttle_share() {
            Some(k) if !self.rpo.throttles() => self.throttle_trigger(bound, k),
            _ => bound,
        };
        let horizon = self.sched.horizon();
        let (paired_lag, lag) = self.bound_lags(now)?;
        if self.rpo.blocks() {
            if lag < bound {
                return Some(now);
            }
            return self.resumption_check(now, bound, paired_lag, k, interval);
        }
        if lag >= target {
            return Some(now);
        }
        let crossing = now.after(SimDuration(target.0 - lag.0));
        if fast && k > 1.0 && steady < bound {
            // Keeping up: the bound is out of reach once the backlog is
            // gone (the paired lag then stays under it, and the smallest
            // lag `met_by = "any"` reads is no larger).
            let log = &self.service;
            let link = self.dr.link()?;
            return match link.caught_up_at(log, now, horizon) {
                Some(t) if t <= now => None,
                Some(t) => Some(t.min(crossing)),
                None => Some(crossing),
            };
        }
        Some(crossing)
    }

    /// The bound reads the further secondaries' lags too (`met_by = "any"`).
    fn bound_reads_further(&self) -> bool {
        self.sc
            .cross_region
            .as_ref()
            .and_then(|c| c.rpo_bound)
            .is_some_and(|b| b.any_secondary)
    }

    /// A lifecycle trigger left the paired link's plan as it was, or a
    /// further copy became whole: under `met_by = "any"` the further links
    /// may have changed rate, been cut or made, so the smallest lag moves
    /// and the bound is looked at again (a no-op otherwise).
    pub(super) fn further_links_changed(&mut self, now: SimTime) {
        if self.bound_reads_further() {
            self.plan_rpo_bound(now);
        }
    }

    /// The paired region's lag at `now`, and the lag the bound reads: the
    /// same, or under `met_by = "any"` the smallest over it and every
    /// further secondary whose copy is fed by a link (Aurora commits while
    /// at least one secondary is within the bound). `None` without a link.
    pub(super) fn bound_lags(&mut self, now: SimTime) -> Option<(SimDuration, SimDuration)> {
        let further = self.bound_reads_further();
        let log = &self.service;
        let paired = now.since(self.dr.link()?.last_sync(log, now));
        let freshest = further
            .then(|| self.dr.freshest_further_lag(log, now))
            .flatten();
        Some((paired, freshest.map_or(paired, |f| f.min(paired))))
    }

    /// While blocked with every lag the bound reads at or past it: the
    /// earliest estimated resumption over those links (the paired one
    /// draining the share `k` of the load per second, a further one at the
    /// full bandwidth while it ships).
    fn resumption_check(
        &mut self,
        now: SimTime,
        bound: SimDuration,
        paired_lag: SimDuration,
        k: f64,
        interval: SimDuration,
    ) -> Option<SimTime> {
        let further = self.bound_reads_further();
        let full = self.sc.cross_region.as_ref().map_or(0.0, |c| c.bandwidth)
            / self.sc.workload.bytes_per_sec();
        let log = &self.service;
        let link = self.dr.link()?;
        let drained = link.drained_by(log, now, SimTime::MAX);
        let excess = SimDuration(paired_lag.0.saturating_sub(bound.0));
        let mut earliest = resumption_estimate(drained, now, excess, k, interval);
        if further {
            for f in self.dr.further_lags(log, now) {
                let excess = SimDuration(f.lag.0.saturating_sub(bound.0));
                let e = resumption_estimate(f.drained, now, excess, full * f.factor, interval);
                earliest = match (earliest, e) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        earliest
    }

    /// A planned check of generation `plan` fired: block, resume, or plan
    /// the next one.
    pub(super) fn rpo_bound_check(&mut self, now: SimTime, plan: u64) {
        if !self.rpo.plan_is_current(plan) {
            return;
        }
        let Some(bound) = self.rpo_bound() else {
            return self.lift_rpo_block(now);
        };
        let Some((_, lag)) = self.bound_lags(now) else {
            return self.lift_rpo_block(now);
        };
        let share = self.throttle_share().filter(|_| !self.rpo.throttles());
        match (self.rpo.blocks(), lag >= bound) {
            (false, true) if self.service.is_serving() => {
                // Even throttled, the lag reached the bound: block.
                self.set_throttle(now, None);
                self.rpo_block(now)
            }
            (true, false) => self.lift_rpo_block(now),
            (false, false) if self.service.is_serving() => match share {
                Some(k) if lag >= self.throttle_trigger(bound, k) => {
                    self.set_throttle(now, Some(k));
                    self.plan_rpo_bound(now);
                }
                _ => self.plan_rpo_bound(now),
            },
            _ => self.plan_rpo_bound(now),
        }
    }

    /// Writes are about to resume in the primary (the caller's reconcile)
    /// after a stop that froze the link (the home or the paired region
    /// down): if the lag has reached the bound meanwhile, they stay stopped
    /// under a block instead, which takes the interruption's charge over
    /// from now (resuming for an instant would move the stop, and with it
    /// every later failure's loss window, past the bound).
    pub(super) fn rpo_bound_holds_resumption(&mut self, now: SimTime) -> bool {
        if self.service.is_serving() || self.rpo.blocks() {
            return false;
        }
        let Some(bound) = self.rpo_bound() else {
            return false;
        };
        match self.bound_lags(now) {
            Some((_, lag)) if lag >= bound => {}
            _ => return false,
        }
        let incident = self.open_incident(now, IncidentClass::RpoBound, Side::Home, &[], false);
        self.rpo.blocked_by = Some(incident);
        self.charge_outage_to(now, incident);
        self.plan_rpo_bound(now);
        true
    }

    /// The lag has reached the bound: writes stop in the primary (an
    /// `rpo-bound` incident, the cause of the interruption).
    fn rpo_block(&mut self, now: SimTime) {
        let incident = self.open_incident(now, IncidentClass::RpoBound, Side::Home, &[], false);
        self.rpo.blocked_by = Some(incident);
        self.reconcile(now, Some(incident), None);
        // The reconcile re-planned only if serving changed; make sure.
        self.plan_rpo_bound(now);
    }

    /// The lag is back under the bound (or the bound no longer applies):
    /// writes resume unless something else stops them.
    fn lift_rpo_block(&mut self, now: SimTime) {
        let Some(incident) = self.rpo.blocked_by.take() else {
            return;
        };
        self.component_repaired(now, incident);
        self.reconcile(now, None, Some("rpo-bound-met"));
        self.plan_rpo_bound(now);
    }
}

/// While blocked (writes stopped), when to look again at one link: the
/// fluid estimate of the instant its lag is back at the bound (`excess /
/// (k − 1)` on a link faster than the load), at least one batch's sending
/// time `T/k` away (at most `T`), and never after its whole backlog is
/// durable (`drained`); `None` at rate 0 with something unsent (the
/// re-plan at the next change of rate looks again).
fn resumption_estimate(
    drained: Option<SimTime>,
    now: SimTime,
    excess: SimDuration,
    k: f64,
    interval: SimDuration,
) -> Option<SimTime> {
    let estimate = (k > 1.0).then(|| {
        let wait = SimDuration::from_secs_f64(excess.as_secs_f64() / (k - 1.0));
        let send =
            SimDuration::from_secs_f64(interval.as_secs_f64() / k.max(1.0)).max(SimDuration(1));
        now.after(wait.max(send))
    });
    match (estimate, drained) {
        (Some(e), Some(d)) => Some(e.min(d)),
        (e, d) => e.or(d),
    }
}
