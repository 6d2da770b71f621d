//! Region outages, the cross-region link and the self-service DR lifecycle
//! (the seed's rules), decided by one transition table: [`Replication::on`]
//! matches every lifecycle [`Phase`] against every [`Trigger`] that can reach
//! it, with no wildcard, so a new phase or trigger does not compile until
//! each of its cells is decided. The README's "DR lifecycle" table is this
//! match in words.
//!
//! Operations that take time are work, not timers: the seeding copy and the
//! reverse resync are byte counts ([`Transfer`]) that advance at the link's
//! current rate, and the seeding catch-up and a drill's drain are questions
//! to the link model itself; every change of rate (partition, degradation,
//! repair, region down or up, serving stopped or started) re-plans them
//! ([`Replication::replan`]), and at rate 0 they wait.
//!
//! What is still a timer is what the document gives as a human or provider
//! duration: the seeding set-up overhead, the operator's decision, the
//! failover's and the switch's execution, the failback delay, a drill's stay,
//! and the propagation plus apply of the last batch of a switch back.

use super::exact::{ExactLink, Replicator};
use super::link::AsyncLink;
use super::secondaries::{Secondary, Target};
use super::{sample_loss, Event, Loss, Replication};
use crate::engine::rng::{stream_rng, Stream};
use crate::incident::{IncidentClass, RefusedOperation};
use crate::scenario::{AfterFailover, Fidelity, OperationKind, ProviderFailover, Side};
use crate::time::{SimDuration, SimTime};
use rand::RngExt;

/// Where the DR lifecycle stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Phase {
    /// No secondary copy.
    #[default]
    Off,
    /// Set-up overhead, then the initial copy of `data_size`: no protection.
    Seeding,
    /// Copy done; the log of the writes made meanwhile is shipped: no
    /// protection until that backlog has drained.
    CatchingUp,
    /// Replicating to the paired region; the environment runs in the primary.
    Protected,
    /// A drill: writes stopped in the primary, the log drains to the paired region.
    Draining,
    /// A failover (emergency, or a drill after its drain) executes: no writes.
    FailingOver,
    /// Running in the paired region.
    FailedOver,
    /// Running in the paired region while the primary is resynchronised.
    ResyncingBack,
    /// The planned switch back executes: no writes.
    SwitchingBack,
    /// `dr.after_failover = "reprotect"`: running in the paired region, now
    /// the primary, with no secondary copy while the set-up (no link yet),
    /// the full copy of `data_size` to the former home region (a transfer)
    /// and the catch-up of the log of the writes made meanwhile (the link
    /// alone) run.
    Recopying,
    /// Running in the paired region, the former home region holding the
    /// secondary copy: the log ships the other way.
    ReverseProtected,
    /// The emergency failover back to the former home region executes: no writes.
    ReverseFailingOver,
}

impl Phase {
    /// DR is on but no copy receives the environment's writes: seeding and
    /// catching up, failed over (the home region lags until the switch
    /// back), the reverse resync, and the re-copy. Not the phases that stop
    /// writes (a switch or failover executing: nothing new to protect).
    pub(super) fn unprotected(self) -> bool {
        match self {
            Phase::Seeding
            | Phase::CatchingUp
            | Phase::FailedOver
            | Phase::ResyncingBack
            | Phase::Recopying => true,
            Phase::Off
            | Phase::Protected
            | Phase::Draining
            | Phase::FailingOver
            | Phase::SwitchingBack
            | Phase::ReverseProtected
            | Phase::ReverseFailingOver => false,
        }
    }

    /// Lower-case name (traces and reports).
    pub(super) fn name(self) -> &'static str {
        match self {
            Phase::Off => "off",
            Phase::Seeding => "seeding",
            Phase::CatchingUp => "catching-up",
            Phase::Protected => "protected",
            Phase::Draining => "draining",
            Phase::FailingOver => "failing-over",
            Phase::FailedOver => "failed-over",
            Phase::ResyncingBack => "resyncing-back",
            Phase::SwitchingBack => "switching-back",
            Phase::Recopying => "recopying",
            Phase::ReverseProtected => "reverse-protected",
            Phase::ReverseFailingOver => "reverse-failing-over",
        }
    }
}

/// The lifecycle timers: durations the document gives as human or provider
/// time. Each carries the lifecycle epoch it was set in; a newer epoch voids it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Timer {
    /// The seeding set-up overhead has elapsed: the copy starts.
    SetupDone,
    /// The operator has declared the disaster of `incident` and decides.
    Decision { incident: usize },
    /// The provider's grace period after the region outage `incident`
    /// began is over: it fails over (`dr.failover_by = "provider"`).
    ProviderGraceOver { incident: usize },
    /// The failover of `incident` (emergency or drill) has executed.
    FailoverExecuted { incident: usize },
    /// A drill's drain has run for `drill_drain_timeout`.
    DrainTimeout { incident: usize },
    /// A drill's stay in the paired region is over.
    StayOver,
    /// The operator starts the switch back (`failback_delay` after the region's return).
    FailbackDue,
    /// The switch back of `incident` completes.
    SwitchDone { incident: usize },
    /// Writes have been stopped by the zone quorum lost at `since` for
    /// `dr.emergency_after_quorum_loss`: the emergency response starts if
    /// that loss still holds.
    QuorumLossLong { since: SimTime },
}

impl Timer {
    pub(super) fn name(self) -> &'static str {
        match self {
            Timer::SetupDone => "seeding-setup-done",
            Timer::Decision { .. } => "emergency-decision",
            Timer::ProviderGraceOver { .. } => "provider-failover-due",
            Timer::FailoverExecuted { .. } => "failover-done",
            Timer::DrainTimeout { .. } => "drill-drain-timeout",
            Timer::StayOver => "drill-stay-over",
            Timer::FailbackDue => "failback-start",
            Timer::SwitchDone { .. } => "switch-back-done",
            Timer::QuorumLossLong { .. } => "quorum-loss-emergency",
        }
    }

    pub(super) fn incident(self) -> Option<usize> {
        match self {
            Timer::Decision { incident }
            | Timer::ProviderGraceOver { incident }
            | Timer::FailoverExecuted { incident }
            | Timer::DrainTimeout { incident }
            | Timer::SwitchDone { incident } => Some(incident),
            Timer::SetupDone
            | Timer::StayOver
            | Timer::FailbackDue
            | Timer::QuorumLossLong { .. } => None,
        }
    }
}

/// Everything that reaches the lifecycle: the columns of the table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Trigger {
    /// The home region fails (`incident`), possibly destroying the primary's data.
    HomeDown { incident: usize, destroys: bool },
    /// The last active outage of the home region ends (`incident`).
    HomeUp { incident: usize },
    /// The paired region fails (`incident`), possibly destroying what it holds.
    PairedDown { incident: usize, destroys: bool },
    /// The last active outage of the paired region ends.
    PairedUp,
    /// The region of further secondary `secondary` (`dr.targets`) fails
    /// (`incident`), possibly destroying what it holds.
    SecondaryDown {
        secondary: usize,
        incident: usize,
        destroys: bool,
    },
    /// The last active outage of further secondary `secondary`'s region ends.
    SecondaryUp { secondary: usize },
    /// A partition or degradation of the link starts or ends.
    LinkChanged,
    /// The zone rules stopped (`false`) or resumed (`true`) writes in the primary.
    Quorum { serving: bool },
    /// The zone quorum of the paired region was lost (`held == false`,
    /// zone `incident` took it) or regained. While the environment runs
    /// at home, the secondary copy cannot receive without it.
    PairedQuorum { held: bool, incident: usize },
    /// Operation due: turn DR on.
    Enable,
    /// Operation due: a drill staying `stay` in the paired region.
    Drill { stay: SimDuration },
    /// Operation due: turn DR off.
    Disable,
    /// The work under way (copy, catch-up, drain, resync) is done.
    WorkDone,
    /// A lifecycle timer fired.
    Timer(Timer),
}

/// An amount of work in bytes advancing at a rate that changes.
#[derive(Clone, Copy, Debug)]
struct Transfer {
    remaining_bytes: f64,
    /// Bytes per second since `since` (0: paused).
    rate: f64,
    since: SimTime,
}

impl Transfer {
    fn new(bytes: f64, now: SimTime) -> Transfer {
        Transfer {
            remaining_bytes: bytes.max(0.0),
            rate: 0.0,
            since: now,
        }
    }

    /// Books the progress made up to `now` and continues at `rate`.
    fn set_rate(&mut self, now: SimTime, rate: f64) {
        let elapsed = now.since(self.since).as_secs_f64();
        self.remaining_bytes = (self.remaining_bytes - self.rate * elapsed).max(0.0);
        self.rate = rate.max(0.0);
        self.since = now;
    }

    /// When the work completes at the current rate; `None` while paused.
    fn done_at(&self) -> Option<SimTime> {
        if self.remaining_bytes <= 0.0 {
            return Some(self.since);
        }
        (self.rate > 0.0).then(|| {
            self.since
                .after(SimDuration::from_secs_f64(self.remaining_bytes / self.rate))
        })
    }
}

/// Everything a work plan depends on: a re-plan with the same inputs would
/// give the same completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PlanInputs {
    phase: Phase,
    epoch: u64,
    working: bool,
    /// `f64::to_bits` of the factors (compared exactly).
    log_factor: u64,
    path_factor: u64,
    region_down: bool,
    paired_unavailable: bool,
    home_quorum: bool,
    serving: bool,
    drain_deadline: Option<SimTime>,
}

/// An emergency in progress: what the failover would lose.
#[derive(Clone, Copy, Debug)]
struct Emergency {
    incident: usize,
    /// Everything committed before this is in the paired region.
    last_sync: SimTime,
    /// When the primary stopped taking writes.
    stopped: SimTime,
    /// The operator (or the provider) has decided (whatever the decision).
    decided: bool,
    /// Started by a long zone-quorum loss rather than a region outage: it
    /// ends when the quorum returns.
    from_quorum: bool,
    /// The failover was decided (or under way) but the paired region is
    /// down (every target, with further secondaries): it starts when one
    /// returns.
    blocked: bool,
    /// With further secondaries: the target chosen for the failover.
    target: Option<Target>,
}

/// Where writes can be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Site {
    Primary,
    Secondary,
    None,
}

#[derive(Default)]
pub(super) struct DrState {
    pub(super) phase: Phase,
    /// The cross-region link, fluid or per-write (`scenario.simulation.fidelity`).
    link: Option<Replicator>,
    /// Exact fidelity: the loss of each emergency, counted at the failure
    /// instant (while its writes are still pending) and charged if the
    /// failover executes.
    exact_losses: Vec<(usize, Loss)>,
    /// Per-write events of the links already dropped.
    retired_link_events: u64,
    /// Generation of the lifecycle: timers set in an older one are void.
    epoch: u64,
    /// Generation of the work plan: a `WorkDone` planned before the last
    /// re-plan is void.
    plan: u64,
    /// The seeding copy or the reverse resync under way.
    transfer: Option<Transfer>,
    /// What the current plan was made for (see `Replication::replan`).
    planned_for: Option<PlanInputs>,
    /// Active outages of the home region.
    pub(super) region_down: u32,
    /// Active outages of the paired region.
    pub(super) paired_down: u32,
    /// The paired region's zone quorum does not hold (its zone rules would
    /// not serve writes): the secondary copy cannot receive the log.
    pub(super) paired_quorum_lost: bool,
    /// An outage of the paired region (this incident) destroyed the
    /// environment's data while it ran there: restored from its last
    /// backup when the region returns.
    paired_destroyed_by: Option<usize>,
    /// The secondary copy was destroyed during the switch back: DR seeds
    /// again once the switch completes.
    reseed_after_switch: bool,
    /// The primary's data was destroyed and has not been rebuilt yet.
    pub(super) destroyed: bool,
    /// The region incident that destroyed it (its loss if a backup is restored).
    destroyed_by: Option<usize>,
    /// The emergency awaiting its decision or executing.
    emergency: Option<Emergency>,
    /// Writes in the paired region started at this time.
    failed_over_at: Option<SimTime>,
    /// The failover in progress or in effect is a drill staying this long.
    drill_stay: Option<SimDuration>,
    /// The drill incident whose drain is under way.
    draining: Option<usize>,
    /// When that drain times out: a completion later than this is never asked for.
    drain_deadline: Option<SimTime>,
    /// A switch back is wanted once the home region is up.
    failback_wanted: bool,
    /// Failed over for good (`dr.after_failover = "stay"`): running in the
    /// paired region with no secondary copy, never switching back.
    stayed: bool,
    /// The home region's zone quorum does not hold: in the reverse
    /// direction the copy there cannot receive the log or the re-copy.
    pub(super) home_quorum_lost: bool,
    /// Since when DR has been on without a copy receiving the log (see
    /// [`Phase::unprotected`]), and the nanoseconds so accumulated.
    unprotected_since: Option<SimTime>,
    unprotected_ns: u64,
    /// The switch back under way returns from a drill (else from an emergency).
    returning_from_drill: bool,
    /// When the current reverse resync started.
    resync_started: Option<SimTime>,
    /// Switching back: the last batch in flight has drained by then and the
    /// switch itself executes (RTO components).
    pub(super) switch_executes_from: Option<SimTime>,
    /// Active link incidents: (incident, bandwidth factor; 0 = partition).
    link_incidents: Vec<(usize, f64)>,
    active_since: Option<SimTime>,
    active_ns: u64,
    seeding_started: Option<SimTime>,
    seeding_ns: Option<u64>,
    refused: Vec<RefusedOperation>,
    /// Since when the zone quorum of the home region has stopped writes
    /// while protected (`None`: it has not, or DR was not protecting).
    quorum_lost_at: Option<SimTime>,
    /// The first "cannot happen" cell reached (see `Replication::cannot_happen`).
    pub(super) impossible: Option<String>,
    /// The further secondary regions (`dr.targets` beyond the paired
    /// region), in priority order (`secondaries.rs`).
    pub(super) secondaries: Vec<Secondary>,
    /// Failing over to, or running in, further secondary `i` (not the
    /// paired region).
    pub(super) serving_in: Option<usize>,
}

impl DrState {
    pub(super) fn serving_site(&self) -> Site {
        match self.phase {
            Phase::Off | Phase::Seeding | Phase::CatchingUp | Phase::Protected => Site::Primary,
            Phase::FailedOver
            | Phase::ResyncingBack
            | Phase::Recopying
            | Phase::ReverseProtected => Site::Secondary,
            Phase::Draining
            | Phase::FailingOver
            | Phase::SwitchingBack
            | Phase::ReverseFailingOver => Site::None,
        }
    }

    /// Lower-case name of the lifecycle phase (traces and reports).
    pub(super) fn phase_name(&self) -> &'static str {
        self.phase.name()
    }

    /// The environment lives in the primary region (no failover under way or in effect).
    pub(super) fn in_primary(&self) -> bool {
        self.serving_site() == Site::Primary
    }

    /// The primary cannot serve while its region is down.
    pub(super) fn primary_blocked(&self) -> bool {
        self.region_down > 0
    }

    /// The paired region cannot take the log, a drill or a failover: it is
    /// down, or its zone quorum is lost.
    pub(super) fn paired_unavailable(&self) -> bool {
        self.paired_down > 0 || self.paired_quorum_lost
    }

    /// Serving started or stopped: the links' fluids change regime.
    pub(super) fn serving_changed(&mut self, log: &super::ServiceLog, now: SimTime) {
        if let Some(link) = &mut self.link {
            link.reanchor(log, now);
        }
        self.reanchor_secondaries(log, now);
    }

    /// The paired region's link is partitioned.
    pub(super) fn link_partitioned(&self) -> bool {
        self.path_factor() == 0.0
    }

    /// The region the environment runs in (or fails over to) is the
    /// paired region, not a further secondary.
    pub(super) fn in_paired(&self) -> bool {
        self.serving_in.is_none()
    }

    /// The region the environment runs in while failed over cannot serve:
    /// down (or, the paired region, without its zone quorum).
    fn serving_region_unavailable(&self) -> bool {
        match self.serving_in {
            None => self.paired_unavailable(),
            Some(i) => self.secondaries[i].down > 0,
        }
    }

    /// The link's own bandwidth factor: the tightest active link incident.
    pub(super) fn path_factor(&self) -> f64 {
        self.link_incidents
            .iter()
            .map(|&(_, f)| f)
            .fold(1.0, f64::min)
    }

    /// The cross-region link, while one exists (the RPO bound asks it).
    pub(super) fn link(&mut self) -> Option<&mut Replicator> {
        self.link.as_mut()
    }

    /// Fraction of the link's bandwidth usable for the log now: it ships
    /// while the secondary is being caught up, protected or drained for a
    /// drill, and only from a primary region that is up.
    pub(super) fn log_factor(&self) -> f64 {
        let ships = match self.phase {
            Phase::CatchingUp | Phase::Protected | Phase::Draining => true,
            // The other way: the former home region must be able to take
            // it; re-copying, once the copy is whole (the catch-up).
            Phase::ReverseProtected => !self.home_quorum_lost,
            Phase::Recopying => !self.home_quorum_lost && self.transfer.is_none(),
            _ => false,
        };
        if !ships || self.region_down > 0 || self.paired_unavailable() {
            return 0.0;
        }
        self.path_factor()
    }

    /// The paired region's data was destroyed and is neither restored nor
    /// abandoned yet: nothing can be served there.
    pub(super) fn paired_data_lost(&self) -> bool {
        self.paired_destroyed_by.is_some()
    }

    /// The former home region can take the re-copy, the log or a failover
    /// back: up, with its zone quorum.
    fn home_available(&self) -> bool {
        self.region_down == 0 && !self.home_quorum_lost
    }

    /// Books the time without protection up to `now` and follows the
    /// phase entered (call after every event).
    pub(super) fn track_protection(&mut self, now: SimTime) {
        match (self.unprotected_since, self.phase.unprotected()) {
            (None, true) => self.unprotected_since = Some(now),
            (Some(since), false) => {
                self.unprotected_ns += now.since(since).0;
                self.unprotected_since = None;
            }
            _ => {}
        }
    }

    /// Nanoseconds without protection up to `horizon` (see [`Phase::unprotected`]).
    pub(super) fn unprotected_ns(&self, horizon: SimTime) -> u64 {
        self.unprotected_ns + self.unprotected_since.map_or(0, |s| horizon.since(s).0)
    }

    /// Replaces the link, keeping the count of per-write events simulated.
    fn set_link(&mut self, link: Option<Replicator>) {
        if let Some(old) = self.link.take() {
            self.retired_link_events += old.events();
        }
        self.link = link;
    }

    /// Per-write events simulated in this replication (0 in fast fidelity).
    pub(super) fn link_events(&self) -> u64 {
        self.retired_link_events + self.link.as_ref().map_or(0, Replicator::events)
    }

    /// (ns with a secondary copy, seeding duration, refused operations).
    pub(super) fn totals(&mut self, horizon: SimTime) -> (u64, Option<u64>, Vec<RefusedOperation>) {
        let open = self.active_since.map_or(0, |s| horizon.since(s).0);
        (
            self.active_ns + open,
            self.seeding_ns,
            std::mem::take(&mut self.refused),
        )
    }

    /// A timer set in lifecycle generation `epoch` still stands.
    pub(super) fn epoch_is_current(&self, epoch: u64) -> bool {
        epoch == self.epoch
    }

    /// A `WorkDone` planned in generation `plan` still stands.
    pub(super) fn plan_is_current(&self, plan: u64) -> bool {
        plan == self.plan
    }

    /// The operator is still to decide on the emergency under way.
    pub(super) fn awaiting_decision(&self) -> bool {
        self.phase == Phase::Protected && self.emergency.is_some_and(|e| !e.decided)
    }

    /// The lifecycle is at rest: off or protected in the primary, with no
    /// emergency, transfer or switch back pending (property tests check it
    /// once failures and operations are long over).
    #[cfg(test)]
    pub(super) fn at_rest(&self) -> bool {
        (matches!(
            self.phase,
            Phase::Off | Phase::Protected | Phase::ReverseProtected
        ) || (self.phase == Phase::FailedOver && self.stayed))
            && self.emergency.is_none()
            && self.transfer.is_none()
            && !self.failback_wanted
            && !self.paired_unavailable()
            && self.paired_destroyed_by.is_none()
            && !self.reseed_after_switch
    }
}

impl Replication<'_> {
    /// A table cell that cannot happen was reached: debug builds stop;
    /// release builds leave the state as it was and keep the first such
    /// cell for the property tests to report.
    fn cannot_happen(&mut self, phase: Phase, trigger: Trigger, why: &str) {
        let what = format!("DR lifecycle: {trigger:?} in {phase:?} cannot happen: {why}");
        debug_assert!(false, "{what}");
        self.dr.impossible.get_or_insert(what);
    }

    /// The transition table: what every trigger does in every phase.
    pub(super) fn on(&mut self, now: SimTime, trigger: Trigger) {
        use Phase as P;
        use Trigger as T;
        let phase = self.dr.phase;
        match (phase, trigger) {
            // ── the home region fails ────────────────────────────────────
            // Without DR, or before the copy is whole, the environment
            // waits for the region (and restores a backup if it was destroyed).
            (P::Off, T::HomeDown { incident, .. }) => self.decide(incident, "wait-no-dr"),
            (P::Seeding | P::CatchingUp, T::HomeDown { incident, .. }) => {
                self.decide(incident, "wait-seeding")
            }
            // The emergency response: the operator sees the loss and decides.
            (P::Protected, T::HomeDown { incident, .. }) => self.declare_emergency(now, incident),
            // The drain is cut short: the un-shipped tail is the region's loss.
            (P::Draining, T::HomeDown { incident, .. }) => self.drain_cut_by_outage(now, incident),
            // Emergency: already leaving the region. Drill: the drain is
            // complete, everything is in the paired region: the switch completes.
            (P::FailingOver, T::HomeDown { incident, .. }) => {
                self.decide(incident, "already-failing-over")
            }
            // Serving from the paired region: nothing to do but switch back later.
            (P::FailedOver, T::HomeDown { incident, .. }) => {
                self.decide(incident, "serving-in-paired-region")
            }
            // The switch back cannot land in a dead region: cancel it, keep
            // serving from the paired region, try again once the region returns.
            (P::ResyncingBack | P::SwitchingBack, T::HomeDown { incident, .. }) => {
                self.decide(incident, "switch-back-cancelled");
                self.cancel_switch_back(now)
            }
            // Reprotecting: the former home region receives the re-copy
            // or the log; the environment runs in the paired region. The
            // copy pauses (destroyed: it starts over), shipping pauses
            // (destroyed: the copy is gone, no protection until copied again).
            (P::Recopying, T::HomeDown { incident, destroys }) => {
                self.recopy_target_down(now, incident, destroys)
            }
            (P::ReverseProtected, T::HomeDown { incident, destroys }) => {
                self.reverse_secondary_down(now, incident, destroys)
            }
            // The failover back cannot land in a dead region: it stops and
            // waits (destroyed: nothing to fail over to, copy again).
            (P::ReverseFailingOver, T::HomeDown { incident, destroys }) => {
                self.reverse_failover_cut(now, Some(incident), destroys)
            }

            // ── the home region returns ─────────────────────────────────
            (P::Off, T::HomeUp { .. }) => self.restore_if_destroyed(now),
            (P::Seeding | P::CatchingUp, T::HomeUp { .. }) => self.reseed_if_destroyed(now),
            (P::Protected, T::HomeUp { incident }) => self.home_back_while_protected(now, incident),
            (P::Draining, T::HomeUp { .. }) => self.cannot_happen(
                phase,
                trigger,
                "a drill starts only with the home region up, and a home outage ends the drain",
            ),
            // The failover completes; `failover_executed` sees the region up.
            (P::FailingOver, T::HomeUp { .. }) => {}
            (P::FailedOver, T::HomeUp { .. }) => self.home_back_while_failed_over(now),
            (P::ResyncingBack | P::SwitchingBack, T::HomeUp { .. }) => self.cannot_happen(
                phase,
                trigger,
                "a switch back starts only with the home region up, and a home outage cancels it",
            ),
            // The re-copy (or the log) resumes; a destroyed region needs no
            // restore: the copy rebuilds it. A failover back waiting for
            // the region starts once its zone quorum holds (`Quorum`).
            (P::Recopying | P::ReverseProtected, T::HomeUp { .. }) => {
                self.dr.destroyed = false;
                self.dr.destroyed_by = None;
                self.reverse_target_back();
            }
            (P::ReverseFailingOver, T::HomeUp { .. }) => self.cannot_happen(
                phase,
                trigger,
                "a failover back starts only with the former home region up, and its outage ends it",
            ),

            // ── the paired region fails ─────────────────────────────────
            (P::Off, T::PairedDown { incident, .. }) => self.decide(incident, "dr-off"),
            // The copy or the catch-up pauses; destroyed, the copy restarts.
            (P::Seeding | P::CatchingUp, T::PairedDown { incident, destroys }) => {
                self.paired_down_while_seeding(now, incident, destroys)
            }
            // Shipping stops: the backlog grows and the loss window widens.
            // Destroyed: the secondary copy is gone, DR seeds it again.
            (P::Protected, T::PairedDown { incident, destroys }) => {
                self.paired_down_while_protected(now, incident, destroys)
            }
            // A drill cannot land in a dead region: aborted, writes resume
            // in the primary, which kept everything.
            (P::Draining, T::PairedDown { incident, destroys }) => {
                self.drill_cut_by_paired_outage(now, incident, destroys)
            }
            // An emergency failover to a further secondary, or the
            // environment running there: the paired copy is not receiving
            // anyway; destroyed, it is seeded again after the switch back.
            (
                P::FailingOver | P::FailedOver | P::ResyncingBack,
                T::PairedDown { incident, destroys },
            ) if !self.dr.in_paired() => {
                self.decide(incident, "serving-elsewhere");
                self.dr.reseed_after_switch |= destroys;
            }
            // Drill: as above. Emergency: the failover stops and restarts
            // when the paired region returns (or the home region first).
            (P::FailingOver, T::PairedDown { incident, destroys }) => {
                self.failover_cut_by_paired_outage(now, incident, destroys)
            }
            // The environment runs there: writes stop until it returns (the
            // home region lacks every write since the failover); destroyed,
            // its last backup there is restored on the return.
            (P::FailedOver | P::ResyncingBack, T::PairedDown { incident, destroys }) => {
                self.serving_region_down(incident, destroys)
            }
            // The last batch is already on its way home: the switch completes;
            // a destroyed copy is seeded again afterwards.
            (P::SwitchingBack, T::PairedDown { incident, destroys }) => {
                self.decide(incident, "switch-back-completes");
                self.dr.reseed_after_switch |= destroys;
            }
            // The region the environment runs in, unprotected: writes stop
            // until it returns (destroyed: its backup is restored then, and
            // the re-copy starts over from the restored data).
            (P::Recopying, T::PairedDown { incident, destroys }) => {
                self.serving_region_down(incident, destroys)
            }
            // The primary of the reverse direction: the emergency response.
            (P::ReverseProtected, T::PairedDown { incident, destroys }) => {
                self.reverse_emergency(now, incident, destroys)
            }
            // Already leaving it: the failover back completes.
            (P::ReverseFailingOver, T::PairedDown { incident, .. }) => {
                self.decide(incident, "already-failing-over")
            }

            // ── the paired region returns ───────────────────────────────
            (P::Off | P::Seeding | P::CatchingUp | P::SwitchingBack, T::PairedUp) => {}
            (P::Protected, T::PairedUp) => self.paired_back_while_protected(),
            // Failing over to or running in a further secondary: the paired
            // copy waits for the switch back.
            (P::FailingOver | P::FailedOver | P::ResyncingBack, T::PairedUp)
                if !self.dr.in_paired() => {}
            (P::Draining | P::FailingOver, T::PairedUp) => self.cannot_happen(
                phase,
                trigger,
                "a drill or failover starts only with the paired region up, and its outage ends them",
            ),
            (P::FailedOver | P::ResyncingBack, T::PairedUp) => {
                self.paired_back_while_serving_there(now)
            }
            (P::Recopying, T::PairedUp) => self.paired_back_while_recopying(now),
            (P::ReverseProtected, T::PairedUp) => self.reverse_primary_back(now),
            // The failover back completes; the environment leaves it.
            (P::ReverseFailingOver, T::PairedUp) => {}

            // ── a further secondary's region fails ──────────────────────
            // (`secondaries.rs`; the paired region's cells above stay its own.)
            // No copy, or one being seeded: a copy cut by the outage is
            // made again once DR protects the primary.
            (P::Off | P::Seeding | P::CatchingUp, T::SecondaryDown { secondary, incident, .. }) => {
                self.secondary_copy_cut(secondary, incident, true)
            }
            // Its log stops (the backlog grows); destroyed, its copy is gone
            // (made again once it returns). An emergency failover to it
            // picks another target, or waits.
            (P::Protected | P::Draining, T::SecondaryDown { secondary, incident, destroys }) => {
                self.secondary_copy_cut(secondary, incident, destroys)
            }
            (P::FailingOver, T::SecondaryDown { secondary, incident, destroys }) => {
                self.failover_cut_by_secondary_outage(now, secondary, incident, destroys)
            }
            // The environment runs there: writes stop until it returns;
            // destroyed, its last backup there is restored on the return.
            // Else it is not receiving anyway: a destroyed copy is made again.
            (
                P::FailedOver | P::ResyncingBack | P::SwitchingBack,
                T::SecondaryDown { secondary, incident, destroys },
            ) => {
                if self.dr.serving_in == Some(secondary) && phase != P::SwitchingBack {
                    self.serving_region_down(incident, destroys)
                } else if self.dr.serving_in == Some(secondary) {
                    // The last batch is already on its way home.
                    self.decide(incident, "switch-back-completes");
                } else {
                    self.secondary_copy_cut(secondary, incident, destroys)
                }
            }

            // ── a further secondary's region returns ────────────────────
            // A failover that waited for a target starts (the re-plan
            // starts a copy that is owed).
            (P::Protected, T::SecondaryUp { .. }) => self.paired_back_while_protected(),
            (P::FailedOver | P::ResyncingBack, T::SecondaryUp { secondary })
                if self.dr.serving_in == Some(secondary) =>
            {
                self.paired_back_while_serving_there(now)
            }
            (
                P::Off
                | P::Seeding
                | P::CatchingUp
                | P::Draining
                | P::FailingOver
                | P::FailedOver
                | P::ResyncingBack
                | P::SwitchingBack,
                T::SecondaryUp { .. },
            ) => {}

            // Re-protection is refused with further secondaries (validation):
            // the reverse phases never have one.
            (
                P::Recopying | P::ReverseProtected | P::ReverseFailingOver,
                T::SecondaryDown { .. } | T::SecondaryUp { .. },
            ) => self.cannot_happen(
                phase,
                trigger,
                "`after_failover = \"reprotect\"` is refused with further secondaries",
            ),

            // ── the link's rate changes: the work under way is re-planned ─
            (
                P::Off
                | P::Seeding
                | P::CatchingUp
                | P::Protected
                | P::Draining
                | P::FailingOver
                | P::FailedOver
                | P::ResyncingBack
                | P::SwitchingBack
                | P::Recopying
                | P::ReverseProtected
                | P::ReverseFailingOver,
                T::LinkChanged,
            ) => {}

            // ── the zone quorum is lost or regained ─────────────────────
            // The zone rules decide serving in the primary; the lifecycle
            // re-plans (the log stops growing while writes are stopped).
            // Protected, a long loss may start the emergency response
            // (`dr.emergency_after_quorum_loss`, off by default: the
            // document names region outages).
            (P::Protected, T::Quorum { serving: false }) => self.quorum_lost(now),
            (P::Protected, T::Quorum { serving: true }) => self.quorum_back(now),
            // A switch back waits for a primary that can take writes.
            (P::FailedOver, T::Quorum { serving: true }) => self.home_back_while_failed_over(now),
            // The former home region's quorum: the re-copy or the log
            // pauses while it is lost (the re-plan); back, a failover back
            // waiting for it starts.
            (P::Recopying, T::Quorum { .. }) => {}
            (P::ReverseProtected, T::Quorum { serving: true }) => self.reverse_target_back(),
            (P::ReverseProtected, T::Quorum { serving: false }) => {}
            // The failover back cannot land without it: it stops and waits.
            (P::ReverseFailingOver, T::Quorum { serving: false }) => {
                self.reverse_failover_cut(now, None, false)
            }
            (P::ReverseFailingOver, T::Quorum { serving: true }) => self.cannot_happen(
                phase,
                trigger,
                "a failover back starts only with the former home quorum held, and its loss ends it",
            ),
            (
                P::Off
                | P::Seeding
                | P::CatchingUp
                | P::Draining
                | P::FailingOver
                | P::ResyncingBack
                | P::SwitchingBack,
                T::Quorum { .. },
            )
            | (P::FailedOver, T::Quorum { serving: false }) => {}

            // ── the paired region's zone quorum is lost or regained ─────
            // While the environment runs at home, a lost quorum is a
            // non-destroying paired-region outage: the copy, catch-up or
            // shipping pauses (the re-plan sees it), a drill or failover
            // into it is called off or waits.
            (P::Off, T::PairedQuorum { .. }) => {}
            (P::Seeding | P::CatchingUp, T::PairedQuorum { .. }) => {}
            (P::Protected, T::PairedQuorum { held: false, .. }) => {}
            (P::Protected, T::PairedQuorum { held: true, .. }) => {
                if !self.dr.paired_unavailable() {
                    self.paired_back_while_protected();
                }
            }
            (P::Draining, T::PairedQuorum { held: false, incident }) => {
                self.drill_cut_by_paired_outage(now, incident, false)
            }
            // Failing over to a further secondary: the paired region is not involved.
            (P::FailingOver, T::PairedQuorum { .. }) if !self.dr.in_paired() => {}
            (P::FailingOver, T::PairedQuorum { held: false, incident }) => {
                self.failover_cut_by_paired_outage(now, incident, false)
            }
            (P::Draining | P::FailingOver, T::PairedQuorum { held: true, .. }) => self.cannot_happen(
                phase,
                trigger,
                "a drill or failover starts only with the paired quorum held, and its loss ends them",
            ),
            // The environment runs there: its zone rules decide serving
            // (`reconcile`); the resync back pauses while the quorum is lost.
            (P::FailedOver | P::ResyncingBack, T::PairedQuorum { .. }) => {}
            // The last batch is already on its way home: the switch completes.
            (P::SwitchingBack, T::PairedQuorum { .. }) => {}
            // The environment runs there: its zone rules decide serving;
            // the re-copy or the log pauses (the re-plan). The emergency
            // response is for region outages of the primary.
            (
                P::Recopying | P::ReverseProtected | P::ReverseFailingOver,
                T::PairedQuorum { .. },
            ) => {}

            // ── operation due: enable ───────────────────────────────────
            (P::Off, T::Enable) => self.start_seeding(now),
            // Protecting the environment where it now runs (a copy back
            // to the former home region) is not modelled: refused.
            (P::FailedOver, T::Enable) if self.dr.stayed => {
                self.refuse(now, "enable", "stayed-in-paired-region")
            }
            (
                P::Seeding
                | P::CatchingUp
                | P::Protected
                | P::Draining
                | P::FailingOver
                | P::FailedOver
                | P::ResyncingBack
                | P::SwitchingBack
                | P::Recopying
                | P::ReverseProtected
                | P::ReverseFailingOver,
                T::Enable,
            ) => self.refuse(now, "enable", "already-enabled"),

            // ── operation due: drill ────────────────────────────────────
            (P::Off, T::Drill { .. }) => self.refuse(now, "drill", "dr-off"),
            (P::Seeding | P::CatchingUp, T::Drill { .. }) => self.refuse(now, "drill", "seeding"),
            (P::Protected, T::Drill { stay }) => self.start_drill(now, stay),
            (P::Draining | P::FailingOver | P::SwitchingBack, T::Drill { .. }) => {
                self.refuse(now, "drill", "switch-in-progress")
            }
            (P::FailedOver | P::ResyncingBack, T::Drill { .. }) => {
                self.refuse(now, "drill", "failed-over")
            }
            (P::Recopying, T::Drill { .. }) => self.refuse(now, "drill", "recopying"),
            // A planned failover back (a drill of the reverse direction)
            // is not modelled.
            (P::ReverseProtected, T::Drill { .. }) => {
                self.refuse(now, "drill", "reverse-protected")
            }
            (P::ReverseFailingOver, T::Drill { .. }) => {
                self.refuse(now, "drill", "switch-in-progress")
            }

            // ── operation due: disable ──────────────────────────────────
            (P::Off, T::Disable) => self.refuse(now, "disable", "dr-off"),
            // Deleting the secondary copy while the home region is down
            // would delete the only reachable copy: refused.
            (P::Seeding | P::CatchingUp | P::Protected, T::Disable) if self.dr.region_down > 0 => {
                self.refuse(now, "disable", "region-down")
            }
            (P::Seeding | P::CatchingUp | P::Protected, T::Disable) => self.turn_off(now),
            (P::Draining | P::FailingOver | P::SwitchingBack, T::Disable) => {
                self.refuse(now, "disable", "switch-in-progress")
            }
            (P::FailedOver | P::ResyncingBack, T::Disable) => {
                self.refuse(now, "disable", "failed-over")
            }
            // The environment runs in the paired region: as failed over.
            (P::Recopying | P::ReverseProtected, T::Disable) => {
                self.refuse(now, "disable", "failed-over")
            }
            (P::ReverseFailingOver, T::Disable) => {
                self.refuse(now, "disable", "switch-in-progress")
            }

            // ── the work under way is done ──────────────────────────────
            (P::Seeding, T::WorkDone) => self.copy_done(now),
            (P::CatchingUp, T::WorkDone) => self.caught_up(now),
            (P::Draining, T::WorkDone) => self.drain_done(),
            (P::ResyncingBack, T::WorkDone) => self.resync_back_done(now),
            (P::Recopying, T::WorkDone) => self.recopy_done(),
            (
                P::Off
                | P::Protected
                | P::FailingOver
                | P::FailedOver
                | P::SwitchingBack
                | P::ReverseProtected
                | P::ReverseFailingOver,
                T::WorkDone,
            ) => self.cannot_happen(phase, trigger, "no work is planned in this phase"),

            // ── timers ──────────────────────────────────────────────────
            (P::Seeding, T::Timer(Timer::SetupDone)) => self.start_copy(now),
            (P::Protected, T::Timer(Timer::Decision { incident })) => {
                self.emergency_decision(now, incident)
            }
            (P::Protected, T::Timer(Timer::ProviderGraceOver { incident })) => {
                self.provider_failover(incident)
            }
            (P::Protected, T::Timer(Timer::QuorumLossLong { since })) => {
                self.quorum_loss_emergency(now, since)
            }
            (P::Draining, T::Timer(Timer::DrainTimeout { incident })) => {
                self.abort_drill(now, incident)
            }
            (P::FailingOver, T::Timer(Timer::FailoverExecuted { incident })) => {
                self.failover_executed(now, incident)
            }
            // A stay ending while the home region is down waits for its return.
            (P::FailedOver, T::Timer(Timer::StayOver | Timer::FailbackDue)) => {
                self.start_switch_back(now)
            }
            (P::SwitchingBack, T::Timer(Timer::SwitchDone { incident })) => {
                self.switch_back_done(now, incident)
            }
            (P::Recopying, T::Timer(Timer::SetupDone)) => self.start_recopy(now),
            (P::ReverseProtected, T::Timer(Timer::Decision { incident })) => {
                self.emergency_decision(now, incident)
            }
            (P::ReverseProtected, T::Timer(Timer::ProviderGraceOver { incident })) => {
                self.provider_failover(incident)
            }
            (P::ReverseFailingOver, T::Timer(Timer::FailoverExecuted { incident })) => {
                self.reverse_failover_executed(now, incident)
            }
            (
                P::Off
                | P::Seeding
                | P::CatchingUp
                | P::Protected
                | P::Draining
                | P::FailingOver
                | P::FailedOver
                | P::ResyncingBack
                | P::SwitchingBack
                | P::Recopying
                | P::ReverseProtected
                | P::ReverseFailingOver,
                T::Timer(_),
            ) => self.cannot_happen(
                phase,
                trigger,
                "every phase change bumps the epoch, voiding the timers of the phase left",
            ),
        }
        self.replan(now);
    }

    /// Re-plans the work under way at the rates of now: the link's usable
    /// bandwidth, then the completion of the copy, catch-up, drain or resync.
    pub(super) fn replan(&mut self, now: SimTime) {
        // The further links first: they have no plan to keep.
        self.replan_secondaries(now);
        let factor = self.dr.log_factor();
        // Nothing a plan depends on changed (an overlapping degradation of
        // the same depth, a zone event that leaves serving as it was): the
        // planned completion stands. Drains can be costly to re-ask.
        let inputs = PlanInputs {
            phase: self.dr.phase,
            epoch: self.dr.epoch,
            working: self.dr.transfer.is_some(),
            log_factor: factor.to_bits(),
            path_factor: self.dr.path_factor().to_bits(),
            region_down: self.dr.region_down > 0,
            paired_unavailable: self.dr.paired_unavailable(),
            home_quorum: self.zones_of(Side::Home).quorum_serving,
            serving: self.service.is_serving(),
            drain_deadline: self.dr.drain_deadline,
        };
        if self.dr.planned_for == Some(inputs) {
            // The paired plan stands; the further links' lags, which a
            // bound with `met_by = "any"` reads, may have moved.
            self.further_links_changed(now);
            return;
        }
        self.dr.planned_for = Some(inputs);
        if let Some(link) = &mut self.dr.link {
            link.set_factor(&self.service, now, factor);
        }
        self.plan_rpo_bound(now);
        self.dr.plan += 1;
        let done_at = match self.dr.phase {
            Phase::Seeding => {
                let rate = if self.dr.region_down > 0 || self.dr.paired_unavailable() {
                    0.0
                } else {
                    self.sc.cross_region.as_ref().map_or(0.0, |c| c.bandwidth)
                        * self.dr.path_factor()
                };
                self.dr.transfer.as_mut().and_then(|t| {
                    t.set_rate(now, rate);
                    t.done_at()
                })
            }
            Phase::CatchingUp => {
                let horizon = self.sched.horizon();
                let log = &self.service;
                self.dr
                    .link
                    .as_ref()
                    .and_then(|l| l.caught_up_at(log, now, horizon))
            }
            Phase::Draining => {
                let log = &self.service;
                let limit = self.dr.drain_deadline.unwrap_or(SimTime::MAX);
                self.dr
                    .link
                    .as_ref()
                    .and_then(|l| l.drained_by(log, now, limit))
            }
            Phase::ResyncingBack => {
                let rate = self.resync_rate();
                self.dr.transfer.as_mut().and_then(|t| {
                    t.set_rate(now, rate);
                    t.done_at()
                })
            }
            // The copy, then the catch-up of its log (no link yet: the set-up).
            Phase::Recopying => {
                let rate = self.recopy_rate();
                match self.dr.transfer.as_mut() {
                    Some(t) => {
                        t.set_rate(now, rate);
                        t.done_at()
                    }
                    None => {
                        let horizon = self.sched.horizon();
                        let log = &self.service;
                        self.dr
                            .link
                            .as_ref()
                            .and_then(|l| l.caught_up_at(log, now, horizon))
                    }
                }
            }
            Phase::Off
            | Phase::Protected
            | Phase::FailingOver
            | Phase::FailedOver
            | Phase::SwitchingBack
            | Phase::ReverseProtected
            | Phase::ReverseFailingOver => None,
        };
        if let Some(at) = done_at {
            self.sched
                .at(at.max(now), Event::DrWorkDone { plan: self.dr.plan });
        }
    }

    /// A `WorkDone` planned at generation `plan` fired.
    pub(super) fn work_done(&mut self, now: SimTime, plan: u64) {
        if self.dr.plan_is_current(plan) {
            self.on(now, Trigger::WorkDone);
        }
    }

    /// A lifecycle timer set in generation `epoch` fired.
    pub(super) fn timer_fired(&mut self, now: SimTime, timer: Timer, epoch: u64) {
        if self.dr.epoch_is_current(epoch) {
            self.on(now, Trigger::Timer(timer));
        }
    }

    /// Enters `phase`, voiding the timers of the phase left.
    fn enter(&mut self, phase: Phase) {
        self.dr.phase = phase;
        self.dr.epoch += 1;
        if phase != Phase::Draining {
            self.dr.drain_deadline = None;
        }
    }

    fn set_timer(&mut self, after: SimDuration, timer: Timer) {
        self.sched.after(
            after,
            Event::DrTimer {
                timer,
                epoch: self.dr.epoch,
            },
        );
    }

    fn dr_settings(&self) -> &crate::scenario::Dr {
        self.sc
            .dr
            .as_ref()
            .expect("a DR phase other than off implies DR settings")
    }

    fn refuse(&mut self, now: SimTime, operation: &'static str, reason: &'static str) {
        self.dr.refused.push(RefusedOperation {
            run: self.run,
            at_ns: now.0,
            operation,
            reason,
        });
    }

    /// Records what the response to a region incident decided.
    pub(super) fn decide(&mut self, incident: usize, decision: &'static str) {
        self.incidents[incident].record.decision = Some(decision);
    }

    /// As [`Self::decide`], for a paired-region incident only: a lost
    /// paired zone quorum reaches the same cells with a zone incident,
    /// which carries no decision (decisions are the emergency responses').
    pub(super) fn decide_paired(&mut self, incident: usize, decision: &'static str) {
        if self.incidents[incident].record.class == IncidentClass::PairedRegion {
            self.decide(incident, decision);
        }
    }

    // ── seeding ─────────────────────────────────────────────────────────

    /// `enable`: a paused link keeps the log of the writes made while the
    /// copy runs; the set-up overhead comes first.
    fn start_seeding(&mut self, now: SimTime) {
        if self.sc.dr.is_none() || self.sc.cross_region.is_none() {
            return self.refuse(now, "enable", "no-dr-settings");
        }
        self.enter(Phase::Seeding);
        self.dr.active_since = Some(now);
        self.dr.seeding_started = Some(now);
        self.dr.transfer = None;
        let link = self.new_link(now, true);
        self.dr.set_link(link);
        self.seed_secondaries_with_paired();
        let setup = self.dr_settings().seeding_overhead.clone();
        let overhead = setup.sample(&mut self.rng.operator);
        self.set_timer(overhead, Timer::SetupDone);
    }

    fn start_copy(&mut self, now: SimTime) {
        self.dr.transfer = Some(Transfer::new(self.sc.environment.data_size as f64, now));
    }

    /// The copy is whole: the log of the writes made meanwhile is shipped.
    fn copy_done(&mut self, _now: SimTime) {
        self.dr.transfer = None;
        self.enter(Phase::CatchingUp);
    }

    /// The backlog of the seeding has drained: the environment is protected.
    fn caught_up(&mut self, now: SimTime) {
        self.enter(Phase::Protected);
        self.secondaries_seeded(now);
        if self.dr.seeding_ns.is_none() {
            self.dr.seeding_ns = self.dr.seeding_started.map(|s| now.since(s).0);
        }
    }

    /// A destroyed primary took the half-made copy's source with it: once
    /// the region is restored from its backup, seeding starts again.
    fn reseed_if_destroyed(&mut self, now: SimTime) {
        if !self.dr.destroyed {
            return;
        }
        self.restore_from_region_backup(now);
        self.enter(Phase::Seeding);
        let link = self.new_link(now, true);
        self.dr.set_link(link);
        self.start_copy(now);
    }

    /// `disable`: the secondary copy is deleted.
    fn turn_off(&mut self, now: SimTime) {
        self.enter(Phase::Off);
        self.dr.transfer = None;
        self.dr.emergency = None;
        self.dr.set_link(None);
        self.drop_secondary_copies();
        if let Some(since) = self.dr.active_since.take() {
            self.dr.active_ns += now.since(since).0;
        }
    }

    // ── emergency response ──────────────────────────────────────────────

    /// The home region failed while protected: record what a failover would
    /// lose, and let the operator decide after the decision delay (or the
    /// provider after its grace period). A second outage during the same
    /// emergency joins it.
    fn declare_emergency(&mut self, now: SimTime, incident: usize) {
        if self.dr.emergency.is_some() {
            return self.decide(incident, "joined-emergency");
        }
        self.record_emergency(now, incident);
        if let Some(provider) = self.dr_settings().provider.clone() {
            return self.provider_grace_starts(incident, &provider);
        }
        let delay = self.dr_settings().operator_decision.clone();
        let delay = delay.sample(&mut self.rng.operator);
        self.set_timer(delay, Timer::Decision { incident });
    }

    /// The zone quorum stopped writes while protected: with
    /// `emergency_after_quorum_loss` set, the emergency response starts if
    /// the loss lasts that long (and no region outage has started one).
    fn quorum_lost(&mut self, now: SimTime) {
        self.dr.quorum_lost_at = Some(now);
        if let Some(after) = self.dr_settings().emergency_after_quorum_loss {
            self.set_timer(after, Timer::QuorumLossLong { since: now });
        }
    }

    /// The zone quorum serves again: an emergency it started is over (if
    /// the operator had not decided yet, the quorum returned first).
    fn quorum_back(&mut self, _now: SimTime) {
        self.dr.quorum_lost_at = None;
        if let Some(e) = self.dr.emergency.filter(|e| e.from_quorum) {
            if self.incidents[e.incident].record.decision.is_none() {
                self.decide(e.incident, "quorum-returned-first");
            }
            self.dr.emergency = None;
            // Voids the pending decision timer.
            self.enter(Phase::Protected);
        }
    }

    /// The quorum lost at `since` has stopped writes for the threshold: the
    /// incident that stopped them (a zone incident) gets the emergency
    /// response of a region outage, loss shown and policy included. A
    /// timer of an earlier loss, since regained, does nothing.
    fn quorum_loss_emergency(&mut self, now: SimTime, since: SimTime) {
        if self.dr.quorum_lost_at != Some(since)
            || self.dr.emergency.is_some()
            || self.dr.region_down > 0
        {
            return;
        }
        let incident = self.current_cause();
        self.record_emergency(now, incident);
        if let Some(e) = self.dr.emergency.as_mut() {
            e.from_quorum = true;
        }
        let delay = self.dr_settings().operator_decision.clone();
        let delay = delay.sample(&mut self.rng.operator);
        self.set_timer(delay, Timer::Decision { incident });
    }

    /// The loss a failover for `incident` would cause: the writes committed
    /// between the last sync and the moment the primary stopped taking writes.
    fn record_emergency(&mut self, now: SimTime, incident: usize) {
        let stopped = self.service.frontier(now);
        let Some(link) = self.dr.link.as_mut() else {
            return;
        };
        let last_sync = link.last_sync(&self.service, now).min(stopped);
        if let Some(loss) = link.failure_loss(&self.service, last_sync, stopped) {
            self.dr.exact_losses.push((incident, loss));
        }
        let rec = &mut self.incidents[incident].record;
        rec.last_sync_ns = Some(last_sync.0);
        rec.shown_loss_ns = Some(stopped.since(last_sync).0);
        self.dr.emergency = Some(Emergency {
            incident,
            last_sync,
            stopped,
            decided: false,
            from_quorum: false,
            blocked: false,
            target: None,
        });
        self.record_secondary_syncs(now, stopped);
    }

    /// The loss window the policy judges: the paired region's, or with
    /// further secondaries, that of the target the failover would pick now.
    fn decision_window(&self, e: &Emergency) -> SimDuration {
        let sync = match self.choose_target(e.last_sync) {
            Some(t) if !self.dr.secondaries.is_empty() => self.target_sync(t, e.last_sync),
            _ => e.last_sync,
        };
        e.stopped.since(sync)
    }

    /// With further secondaries: aims the emergency's failover at `target`
    /// and shows its loss window on the incident (last sync, loss shown,
    /// target region).
    fn aim_failover(&mut self, incident: usize, target: Target) {
        let Some(e) = self.dr.emergency.as_mut() else {
            return;
        };
        e.target = Some(target);
        let (paired_sync, stopped) = (e.last_sync, e.stopped);
        let sync = self.target_sync(target, paired_sync);
        self.dr.serving_in = match target {
            Target::Paired => None,
            Target::Extra(i) => Some(i),
        };
        let name = match target {
            Target::Paired => self.paired_name(),
            Target::Extra(i) => self.secondary_name(i),
        };
        let rec = &mut self.incidents[incident].record;
        rec.last_sync_ns = Some(sync.0);
        rec.shown_loss_ns = Some(stopped.since(sync).0);
        rec.failover_target = Some(name);
    }

    /// The failover under way lost its target: back to protected, the
    /// emergency picks another target now, or waits for one.
    pub(super) fn retarget_failover(&mut self, _now: SimTime) {
        self.enter(Phase::Protected);
        if let Some(e) = self.dr.emergency.as_mut() {
            e.blocked = false;
            let incident = e.incident;
            self.start_forced_failover(incident);
        }
    }

    fn emergency_decision(&mut self, _now: SimTime, incident: usize) {
        let Some(e) = self.dr.emergency.as_mut() else {
            return self.decide(incident, "no-emergency");
        };
        e.decided = true;
        let e = *e;
        let d = self.dr_settings();
        if d.vnet_unpaired {
            return self.decide(e.incident, "failover-failed-no-vnet-pair");
        }
        let window = self.decision_window(&e);
        // A destroyed primary fails over whatever the policy.
        let primary_destroyed = if self.dr.phase == Phase::ReverseProtected {
            self.dr.paired_destroyed_by.is_some()
        } else {
            self.dr.destroyed
        };
        if d.max_data_loss.is_some_and(|max| window > max) && !primary_destroyed {
            return self.decide(e.incident, "wait-policy");
        }
        self.start_forced_failover(e.incident);
    }

    /// Provider-managed failover: the provider waits the outage out with
    /// probability `never_probability`, else fails over once `grace` has
    /// passed since the outage began (now). Both draws are made at every
    /// outage, in that order, so scenarios differing only in the
    /// probability see the same grace periods (common random numbers).
    fn provider_grace_starts(&mut self, incident: usize, provider: &ProviderFailover) {
        let never = self.rng.provider.random::<f64>() < provider.never_probability;
        let grace = provider.grace.sample(&mut self.rng.provider);
        if never {
            if let Some(e) = self.dr.emergency.as_mut() {
                e.decided = true;
            }
            return self.decide(incident, "provider-waits");
        }
        self.set_timer(grace, Timer::ProviderGraceOver { incident });
    }

    /// The provider's grace period is over with the region still down: it
    /// fails over whatever the data loss (no `max_data_loss` gate; the VNet
    /// rule and a paired region that is down still hold).
    fn provider_failover(&mut self, incident: usize) {
        let Some(e) = self.dr.emergency.as_mut() else {
            return self.decide(incident, "no-emergency");
        };
        e.decided = true;
        let incident = e.incident;
        if self.dr_settings().vnet_unpaired {
            return self.decide(incident, "failover-failed-no-vnet-pair");
        }
        self.start_forced_failover(incident);
    }

    /// The emergency failover of `incident` executes (`failover_time`),
    /// unless its target (the paired region; reverse-protected, the former
    /// home region) cannot take it: then it starts on the target's return.
    fn start_forced_failover(&mut self, incident: usize) {
        let reverse = self.dr.phase == Phase::ReverseProtected;
        let (target_down, executing, wait) = if reverse {
            (
                !self.dr.home_available(),
                Phase::ReverseFailingOver,
                "wait-target-region-down",
            )
        } else {
            (
                self.dr.secondaries.is_empty() && self.dr.paired_unavailable(),
                Phase::FailingOver,
                "wait-paired-region-down",
            )
        };
        if target_down {
            if let Some(e) = self.dr.emergency.as_mut() {
                e.blocked = true;
            }
            return self.decide(incident, wait);
        }
        if !self.dr.secondaries.is_empty() {
            let paired_sync = self.dr.emergency.map_or(SimTime::ZERO, |e| e.last_sync);
            let Some(target) = self.choose_target(paired_sync) else {
                if let Some(e) = self.dr.emergency.as_mut() {
                    e.blocked = true;
                }
                return self.decide(incident, "wait-targets-down");
            };
            self.aim_failover(incident, target);
        }
        self.decide(incident, "failover");
        self.enter(executing);
        self.dr.drill_stay = None;
        let execute = self.dr_settings().failover_time.clone();
        let execute = execute.sample(&mut self.rng.operator);
        self.set_timer(execute, Timer::FailoverExecuted { incident });
    }

    /// The home region is back while protected. If it came back empty, the
    /// paired region holds everything up to the last sync: fail over now,
    /// whatever the decision delay or the policy said (the VNet rule still
    /// holds: without a pair the region is restored from its backup and
    /// seeded again, as the paired copy no longer matches it).
    fn home_back_while_protected(&mut self, now: SimTime, _incident: usize) {
        if self.primary_back_settles_emergency(self.dr.destroyed, Phase::Protected) {
            return;
        }
        self.restore_from_region_backup(now);
        self.enter(Phase::Seeding);
        let link = self.new_link(now, true);
        self.dr.set_link(link);
        self.start_copy(now);
    }

    fn restore_if_destroyed(&mut self, now: SimTime) {
        if self.dr.destroyed {
            self.restore_from_region_backup(now);
        }
    }

    /// No copy elsewhere: the region is rebuilt from its last backup.
    fn restore_from_region_backup(&mut self, now: SimTime) {
        let incident = self.dr.destroyed_by.take().unwrap_or(self.current_cause());
        let how = self.rebuild_region(now, incident);
        self.dr.destroyed = false;
        self.zones_in_sync(Side::Home);
        self.resume_label = Some(how);
    }

    // ── drills ──────────────────────────────────────────────────────────

    /// A planned failover: writes stop and the log drains (re-planned at
    /// every rate change, aborted after `drill_drain_timeout`).
    fn start_drill(&mut self, now: SimTime, stay: SimDuration) {
        if self.dr.region_down > 0 {
            return self.refuse(now, "drill", "region-down");
        }
        if self.dr.paired_down > 0 {
            return self.refuse(now, "drill", "paired-region-down");
        }
        if self.dr.paired_quorum_lost {
            return self.refuse(now, "drill", "paired-quorum-lost");
        }
        if !self.service.is_serving() {
            return self.refuse(now, "drill", "not-serving");
        }
        if self.dr_settings().vnet_unpaired {
            return self.refuse(now, "drill", "failover-failed-no-vnet-pair");
        }
        let incident = self.open_incident(now, IncidentClass::Drill, Side::Home, &[], true);
        self.decide(incident, "failover");
        self.enter(Phase::Draining);
        self.dr.drill_stay = Some(stay);
        self.dr.draining = Some(incident);
        let timeout = self.dr_settings().drill_drain_timeout;
        self.dr.drain_deadline = Some(now.after(timeout));
        self.set_timer(timeout, Timer::DrainTimeout { incident });
        self.reconcile(now, Some(incident), None);
    }

    fn drain_done(&mut self) {
        let incident = self
            .dr
            .draining
            .take()
            .expect("a drain belongs to a drill incident");
        self.enter(Phase::FailingOver);
        let switch = self.dr_settings().switch_time.clone();
        let switch = switch.sample(&mut self.rng.operator);
        self.set_timer(switch, Timer::FailoverExecuted { incident });
    }

    /// The drain did not finish in time: the drill is called off and writes
    /// resume in the primary (nothing was lost: the primary kept everything).
    fn abort_drill(&mut self, now: SimTime, incident: usize) {
        self.dr.draining = None;
        self.dr.drill_stay = None;
        self.decide(incident, "aborted-drain-timeout");
        self.enter(Phase::Protected);
        self.component_repaired(now, incident);
        self.reconcile(now, None, Some("drill-aborted"));
    }

    /// A region outage during a drill's drain: what had not reached the
    /// paired region is the region incident's loss, and the operator now
    /// faces an emergency (the drill's interruption continues into it).
    fn drain_cut_by_outage(&mut self, now: SimTime, incident: usize) {
        if let Some(drill) = self.dr.draining.take() {
            self.decide(drill, "interrupted-region-outage");
            self.component_repaired(now, drill);
        }
        self.dr.drill_stay = None;
        self.enter(Phase::Protected);
        self.charge_outage_to(now, incident);
        self.declare_emergency(now, incident);
    }

    /// The emergency of `incident` is over with its forced failover: the
    /// writes after the last sync (counted at the failure in exact
    /// fidelity) are its loss.
    fn charge_emergency_loss(&mut self, incident: usize) {
        let e = self.dr.emergency.take();
        // The exact fidelity counted the paired region's loss; a further
        // secondary's is drawn from its own window.
        let to_paired = e.and_then(|e| e.target).is_none_or(|t| t == Target::Paired);
        let counted = self
            .dr
            .exact_losses
            .iter()
            .find(|(i, _)| *i == incident && to_paired);
        let loss = match (counted, e) {
            (Some(&(_, loss)), _) => loss,
            // Nothing more is copied: every write after the last sync is lost.
            (None, Some(e)) => sample_loss(
                &self.service,
                e.target
                    .map_or(e.last_sync, |t| self.target_sync(t, e.last_sync)),
                e.stopped,
                self.sc.workload.write_rate,
                self.sc.workload.write_size,
                &mut self.rng.writes,
            ),
            (None, None) => Loss::default(),
        };
        self.record_loss(incident, loss);
    }

    fn failover_executed(&mut self, now: SimTime, incident: usize) {
        let how = if self.dr.drill_stay.is_some() {
            self.component_repaired(now, incident);
            "planned-switch"
        } else {
            self.charge_emergency_loss(incident);
            "dr-failover"
        };
        self.enter(Phase::FailedOver);
        self.dr.failed_over_at = Some(now);
        self.dr.set_link(None);
        self.pause_secondary_links();
        if self.dr.in_paired() {
            self.take_over_in(Side::Paired);
        }
        self.reconcile(now, None, Some(how));
        match self.dr.drill_stay {
            Some(stay) => self.set_timer(stay, Timer::StayOver),
            None => match self.dr_settings().after_failover {
                AfterFailover::Stay => self.stay_in_paired_region(now),
                AfterFailover::Reprotect => self.start_recopy_setup(),
                AfterFailover::SwitchBack if self.primary_can_take_writes() => {
                    self.schedule_failback()
                }
                AfterFailover::SwitchBack => self.dr.failback_wanted = true,
            },
        }
    }

    /// `dr.after_failover = "stay"`: the environment now lives in the
    /// paired region with no copy elsewhere (geo-redundant storage becomes
    /// locally redundant after an unplanned failover). The secondary copy's
    /// time (`dr_active_ns`, billed capacity) ends here; an outage of the
    /// paired region now costs what it costs an environment without DR.
    fn stay_in_paired_region(&mut self, now: SimTime) {
        self.dr.stayed = true;
        self.dr.failback_wanted = false;
        if let Some(since) = self.dr.active_since.take() {
            self.dr.active_ns += now.since(since).0;
        }
    }

    // ── reprotecting (`dr.after_failover = "reprotect"`) ────────────────

    /// After the emergency failover: the paired region is now the primary,
    /// with no secondary copy; the re-copy to the former home region
    /// starts after its set-up (`seeding_overhead`, drawn from a stream of
    /// its own). The copy's time (`dr_active_ns`) goes on: a copy is being
    /// made. What the former home region held (destroyed or not) is
    /// replaced by the copy: nothing is restored there.
    fn start_recopy_setup(&mut self) {
        self.enter(Phase::Recopying);
        self.dr.transfer = None;
        self.dr.destroyed = false;
        self.dr.destroyed_by = None;
        let setup = self.dr_settings().seeding_overhead.clone();
        let setup = setup.sample(&mut self.rng.reprotect);
        self.set_timer(setup, Timer::SetupDone);
    }

    /// The copy of `data_size` starts (from zero); the log of the writes
    /// made meanwhile waits on a paused link and ships once it is done.
    fn start_recopy(&mut self, now: SimTime) {
        self.dr.transfer = Some(Transfer::new(self.sc.environment.data_size as f64, now));
        let link = self.new_link(now, true);
        self.dr.set_link(link);
        // Same phase and epoch: force the re-plan to see the new copy.
        self.dr.planned_for = None;
    }

    /// Rate of the re-copy: the link's bandwidth (as the seeding copy),
    /// while both regions are up with their zone quorums.
    fn recopy_rate(&self) -> f64 {
        if !self.dr.home_available() || self.dr.paired_unavailable() {
            return 0.0;
        }
        self.sc.cross_region.as_ref().map_or(0.0, |c| c.bandwidth) * self.dr.path_factor()
    }

    /// The copy is whole: the log of the writes made meanwhile ships (the
    /// catch-up). Caught up: the former home region holds everything, the
    /// environment is protected in the reverse direction.
    fn recopy_done(&mut self) {
        if self.dr.transfer.take().is_none() {
            self.enter(Phase::ReverseProtected);
        }
    }

    /// The former home region fails during the re-copy: the copy or its
    /// catch-up pauses (the re-plan); destroyed, what was copied is gone
    /// and the copy starts over (a set-up under way goes on).
    fn recopy_target_down(&mut self, now: SimTime, incident: usize, destroys: bool) {
        if !destroys {
            return self.decide(incident, "recopy-paused");
        }
        self.decide(incident, "recopy-restarted");
        if self.dr.link.is_some() {
            self.start_recopy(now);
        }
    }

    /// The paired region, where the environment runs, is back during the
    /// re-copy: restored from its backup if it was destroyed, and then a
    /// copy under way starts over from the restored data.
    fn paired_back_while_recopying(&mut self, now: SimTime) {
        let restored = self.dr.paired_destroyed_by.is_some();
        self.paired_back_while_serving_there(now);
        if restored && self.dr.link.is_some() {
            self.start_recopy(now);
        }
    }

    /// The former home region, holding the reverse copy, fails: the log
    /// stops shipping (the backlog grows). Destroyed, the copy is gone: an
    /// emergency under way has nowhere to fail over to, and the re-copy
    /// starts again (its set-up is done).
    fn reverse_secondary_down(&mut self, now: SimTime, incident: usize, destroys: bool) {
        if !destroys {
            return self.decide(incident, "replication-paused");
        }
        self.decide(incident, "secondary-destroyed");
        if let Some(e) = self.dr.emergency.take() {
            self.decide(e.incident, "target-region-destroyed");
        }
        self.enter(Phase::Recopying);
        self.start_recopy(now);
    }

    /// The failover back into the former home region stops: its region
    /// (`incident`) failed or its zone quorum was lost (`None`). The
    /// emergency waits for it (`wait-target-region-down`); destroyed, as
    /// [`Self::reverse_secondary_down`].
    fn reverse_failover_cut(&mut self, now: SimTime, incident: Option<usize>, destroys: bool) {
        self.enter(Phase::ReverseProtected);
        if let Some(incident) = incident {
            if destroys {
                return self.reverse_secondary_down(now, incident, destroys);
            }
            self.decide(incident, "failover-interrupted");
        }
        if let Some(e) = self.dr.emergency.as_mut() {
            e.blocked = true;
            let primary = e.incident;
            self.decide(primary, "wait-target-region-down");
        }
    }

    /// The primary of the reverse direction (the paired region) fails:
    /// the emergency response, as for the home region while protected (the
    /// loss is the reverse link's window; the provider's path applies).
    fn reverse_emergency(&mut self, now: SimTime, incident: usize, destroys: bool) {
        if destroys && self.dr.paired_destroyed_by.is_none() {
            self.dr.paired_destroyed_by = Some(incident);
        }
        self.declare_emergency(now, incident);
    }

    /// The former home region can take a failover back again: one that
    /// waited for it starts.
    fn reverse_target_back(&mut self) {
        if self.dr.phase != Phase::ReverseProtected || !self.dr.home_available() {
            return;
        }
        if let Some(e) = self.dr.emergency.as_mut().filter(|e| e.blocked) {
            e.blocked = false;
            let incident = e.incident;
            self.start_forced_failover(incident);
        }
    }

    /// The primary (of either direction) is back while protected. Not
    /// destroyed: the emergency is over (if the operator had not decided
    /// yet, the region returned first and the decision is void) and the
    /// phase is `protected` again. Destroyed: the copy elsewhere holds
    /// everything up to the last sync, so the failover starts now whatever
    /// the decision delay or the policy said, unless the VNet has no pair.
    /// Returns false when the caller must rebuild the destroyed primary.
    fn primary_back_settles_emergency(&mut self, destroyed: bool, protected: Phase) -> bool {
        if !destroyed {
            if let Some(e) = self.dr.emergency.take() {
                if self.incidents[e.incident].record.decision.is_none() {
                    self.decide(e.incident, "region-returned-first");
                }
                self.enter(protected);
            }
            return true;
        }
        if let Some(e) = self.dr.emergency {
            if !self.dr_settings().vnet_unpaired {
                self.start_forced_failover(e.incident);
                return true;
            }
            self.decide(e.incident, "failover-failed-no-vnet-pair");
        }
        self.dr.emergency = None;
        false
    }

    /// The primary of the reverse direction is back. Not destroyed: the
    /// emergency is over (`region-returned-first` if undecided). Destroyed:
    /// the former home region holds everything up to the last sync, so the
    /// failover back starts now whatever the policy (as a destroyed home
    /// region while protected); without a VNet pair, the backup is
    /// restored there and the re-copy starts over.
    fn reverse_primary_back(&mut self, now: SimTime) {
        let destroyed = self.dr.paired_destroyed_by.is_some();
        if self.primary_back_settles_emergency(destroyed, Phase::ReverseProtected) {
            return;
        }
        self.paired_back_while_serving_there(now);
        self.enter(Phase::Recopying);
        self.start_recopy(now);
    }

    /// The failover back has executed: the environment runs in the former
    /// home region again, whose copy had everything up to the last sync;
    /// the paired region's data is abandoned and it is seeded afresh (set-up,
    /// copy, catch-up: the existing seeding, unprotected meanwhile).
    fn reverse_failover_executed(&mut self, now: SimTime, incident: usize) {
        self.charge_emergency_loss(incident);
        self.dr.paired_destroyed_by = None;
        self.enter(Phase::Seeding);
        self.dr.transfer = None;
        let link = self.new_link(now, true);
        self.dr.set_link(link);
        self.take_over_in(Side::Home);
        self.reconcile(now, None, Some("dr-failover"));
        let setup = self.dr_settings().seeding_overhead.clone();
        let setup = setup.sample(&mut self.rng.reprotect);
        self.set_timer(setup, Timer::SetupDone);
    }

    // ── the paired region fails and returns ─────────────────────────────

    /// Seeding while the paired region fails: the copy pauses (the re-plan
    /// sees it down). Destroyed, what was copied is gone and the copy
    /// starts over; a set-up still under way has copied nothing and goes on.
    fn paired_down_while_seeding(&mut self, now: SimTime, incident: usize, destroys: bool) {
        if !destroys {
            return self.decide(incident, "seeding-paused");
        }
        self.decide(incident, "seeding-restarted");
        if self.dr.phase == Phase::Seeding && self.dr.transfer.is_none() {
            return;
        }
        self.reseed_secondary(now);
    }

    /// The secondary copy is gone: DR seeds it again from the primary, the
    /// copy of `data_size` from zero then the catch-up (the set-up is
    /// done); no protection until then, and the copy waits while either
    /// region is down.
    fn reseed_secondary(&mut self, now: SimTime) {
        self.enter(Phase::Seeding);
        let link = self.new_link(now, true);
        self.dr.set_link(link);
        self.start_copy(now);
    }

    /// Protected: the log stops shipping (the re-plan sees the paired
    /// region down). Destroyed, the copy is gone: an emergency under way has
    /// nowhere to fail over to and waits for the home region, and DR seeds again.
    fn paired_down_while_protected(&mut self, now: SimTime, incident: usize, destroys: bool) {
        if !destroys {
            return self.decide(incident, "replication-paused");
        }
        self.decide(incident, "secondary-destroyed");
        if let Some(e) = self.dr.emergency.take() {
            self.decide(e.incident, "paired-region-destroyed");
        }
        self.reseed_secondary(now);
    }

    /// A drill draining or switching when the paired region fails: called
    /// off, writes resume in the primary (nothing was lost there).
    fn drill_cut_by_paired_outage(&mut self, now: SimTime, incident: usize, destroys: bool) {
        let drill = self
            .dr
            .draining
            .take()
            .or(self.outage.as_ref().map(|o| o.cause));
        if let Some(drill) = drill {
            self.decide(drill, "aborted-paired-region-down");
            self.component_repaired(now, drill);
        }
        self.dr.drill_stay = None;
        self.decide_paired(incident, "drill-aborted");
        self.enter(Phase::Protected);
        self.reconcile(now, None, Some("drill-aborted"));
        if destroys {
            self.decide(incident, "secondary-destroyed");
            self.reseed_secondary(now);
        }
    }

    /// The paired region fails while a failover into it executes. A
    /// drill's is called off; an emergency's stops and waits for the
    /// paired region (`PairedUp` restarts it) or the home region's return.
    fn failover_cut_by_paired_outage(&mut self, now: SimTime, incident: usize, destroys: bool) {
        if self.dr.drill_stay.is_some() {
            return self.drill_cut_by_paired_outage(now, incident, destroys);
        }
        self.decide_paired(incident, "failover-interrupted");
        self.enter(Phase::Protected);
        if destroys {
            return self.paired_down_while_protected(now, incident, destroys);
        }
        if let Some(e) = self.dr.emergency.as_mut() {
            e.blocked = true;
            let home = e.incident;
            self.decide(home, "wait-paired-region-down");
        }
        if !self.dr.secondaries.is_empty() {
            self.retarget_failover(now);
        }
    }

    /// The region the environment runs in fails: writes stop (the caller's
    /// reconcile) until it returns; if destroyed, its backup is restored then.
    fn serving_region_down(&mut self, incident: usize, destroys: bool) {
        self.decide(incident, "serving-region-down");
        if destroys && self.dr.paired_destroyed_by.is_none() {
            self.dr.paired_destroyed_by = Some(incident);
        }
    }

    /// Back while protected: a failover that waited for it starts now.
    fn paired_back_while_protected(&mut self) {
        if let Some(e) = self.dr.emergency.as_mut().filter(|e| e.blocked) {
            e.blocked = false;
            let incident = e.incident;
            self.start_forced_failover(incident);
        }
    }

    /// The region the environment runs in is back: restored from its last
    /// backup if it was destroyed (the writes since are the loss of the
    /// incident that destroyed it); a switch back waiting for it may start.
    fn paired_back_while_serving_there(&mut self, now: SimTime) {
        if let Some(incident) = self.dr.paired_destroyed_by.take() {
            self.lose_since_backup(now, self.sc.environment.backup_interval, incident);
            self.resume_label = Some("backup-restore");
        }
        if self.dr.phase == Phase::FailedOver {
            self.home_back_while_failed_over(now);
        }
    }

    // ── switching back ──────────────────────────────────────────────────

    fn schedule_failback(&mut self) {
        let delay = self.dr_settings().failback_delay.clone();
        let delay = delay.sample(&mut self.rng.operator);
        self.set_timer(delay, Timer::FailbackDue);
    }

    /// The home region is up with enough zones for its quorum: a switch
    /// back can land (it elects a leader among them).
    fn primary_can_take_writes(&self) -> bool {
        if self.dr.region_down > 0 {
            return false;
        }
        match self.sc.replication.mode {
            // The survivor of the in-sync set carries on alone (`in_sync.rs`):
            // `quorum` (every zone) would wait for a zone whose return
            // changes nothing the zone rules report, so no trigger follows.
            crate::scenario::ReplicationMode::AllInSync => self
                .zones_of(Side::Home)
                .zones
                .iter()
                .any(|z| z.in_sync && z.is_up()),
            crate::scenario::ReplicationMode::Quorum => {
                let up = self
                    .zones_of(Side::Home)
                    .zones
                    .iter()
                    .filter(|z| z.is_up())
                    .count();
                up >= self.sc.replication.quorum
            }
        }
    }

    fn home_back_while_failed_over(&mut self, _now: SimTime) {
        if self.dr.failback_wanted && self.primary_can_take_writes() {
            self.dr.failback_wanted = false;
            self.schedule_failback();
        }
    }

    /// The switch back starts with the reverse resynchronisation of what
    /// changed (everything, if the primary's data was destroyed) while
    /// writes continue in the paired region; with the home region down (or
    /// its zone quorum lost) it waits for the region's (the quorum's) return.
    fn start_switch_back(&mut self, now: SimTime) {
        if !self.primary_can_take_writes() {
            self.dr.failback_wanted = true;
            return;
        }
        self.dr.returning_from_drill = self.dr.drill_stay.is_some();
        let since = self.dr.failed_over_at.unwrap_or(now);
        let changed_s =
            (self.service.served_until(now) - self.service.served_until(since)) as f64 / 1e9;
        let mut bytes = changed_s * self.sc.workload.bytes_per_sec();
        if self.dr.destroyed {
            bytes += self.sc.environment.data_size as f64;
        }
        self.enter(Phase::ResyncingBack);
        self.dr.resync_started = Some(now);
        self.dr.transfer = Some(Transfer::new(bytes, now));
    }

    /// Net rate of the reverse resync: the link's usable bandwidth less the
    /// writes still arriving in the paired region (0: it waits, also while
    /// either region's zone quorum is lost: nothing can be read from, or
    /// written to, a region without it).
    fn resync_rate(&self) -> f64 {
        let Some(cr) = self.sc.cross_region.as_ref() else {
            return 0.0;
        };
        if self.dr.region_down > 0
            || self.dr.serving_region_unavailable()
            || !self.zones_of(Side::Home).quorum_serving
        {
            return 0.0;
        }
        let writes = if self.service.is_serving() {
            self.sc.workload.bytes_per_sec()
        } else {
            0.0
        };
        (cr.bandwidth * self.dr.path_factor() - writes).max(0.0)
    }

    /// Resynchronised: writes stop for the planned switch (the last batch
    /// in flight arrives and is applied, then the switch).
    fn resync_back_done(&mut self, now: SimTime) {
        self.dr.transfer = None;
        let class = if self.dr.returning_from_drill {
            IncidentClass::DrillReturn
        } else {
            IncidentClass::Failback
        };
        let incident = self.open_incident(now, class, Side::Home, &[], false);
        self.incidents[incident].record.resync_ns =
            self.dr.resync_started.take().map(|s| now.since(s).0);
        self.enter(Phase::SwitchingBack);
        self.reconcile(now, Some(incident), None);
        let cr = self
            .sc
            .cross_region
            .as_ref()
            .expect("switching back implies a link");
        let in_flight = cr
            .one_way
            .saturating_add(cr.durable_after(cr.apply_delay.sample(&mut self.rng.operator)));
        let switch = self.dr_settings().switch_time.clone();
        let switch = switch.sample(&mut self.rng.operator);
        self.dr.switch_executes_from = Some(now.after(in_flight));
        self.set_timer(
            in_flight.saturating_add(switch),
            Timer::SwitchDone { incident },
        );
    }

    /// A region outage during the switch back: the environment stays in
    /// (or returns to) the paired region, which was healthy throughout.
    fn cancel_switch_back(&mut self, now: SimTime) {
        if self.dr.phase == Phase::SwitchingBack {
            if let Some(outage) = self.outage.as_ref() {
                let incident = outage.cause;
                self.decide(incident, "cancelled-region-outage");
                self.component_repaired(now, incident);
            }
        }
        self.dr.transfer = None;
        self.dr.resync_started = None;
        self.dr.switch_executes_from = None;
        self.dr.failback_wanted = true;
        self.enter(Phase::FailedOver);
        self.reconcile(now, None, Some("switch-back-cancelled"));
    }

    fn switch_back_done(&mut self, now: SimTime, incident: usize) {
        self.enter(Phase::Protected);
        self.dr.serving_in = None;
        self.dr.switch_executes_from = None;
        self.dr.destroyed = false;
        self.dr.destroyed_by = None;
        self.dr.drill_stay = None;
        self.dr.failed_over_at = None;
        self.take_over_in(Side::Home);
        let link = self.new_link(now, false);
        self.dr.set_link(link);
        self.resume_secondary_links(now);
        self.component_repaired(now, incident);
        self.reconcile(now, None, Some("planned-switch"));
        if std::mem::take(&mut self.dr.reseed_after_switch) {
            self.reseed_secondary(now);
        }
    }

    // ── processes and events outside the table ──────────────────────────

    /// Schedules the random region and link processes and the operations,
    /// and turns DR on from the start if the scenario says so.
    pub(super) fn start_dr_processes(&mut self) {
        if let Some(rf) = &self.sc.region_failures {
            let first = match rf.conditioned {
                // Exactly one outage, uniform over [warmup, horizon).
                Some(warmup) => {
                    let h = self.sched.horizon().0;
                    SimDuration(self.rng.region.random_range(warmup.0.min(h - 1)..h))
                }
                None => rf.process.time_between.sample(&mut self.rng.region),
            };
            self.sched.after(first, Event::RandomRegionOutage);
        }
        if let Some(p) = &self.sc.link_failures {
            let first = p.time_between.sample(&mut self.rng.link);
            self.sched
                .after(first, Event::RandomLinkIncident { degraded: false });
        }
        if let Some(d) = &self.sc.link_degradation {
            let first = d.process.time_between.sample(&mut self.rng.link);
            self.sched
                .after(first, Event::RandomLinkIncident { degraded: true });
        }
        for (index, op) in self.sc.operations.iter().enumerate() {
            self.sched.at(
                op.at,
                Event::Operation {
                    index,
                    occurrence: 0,
                },
            );
        }
        if self.sc.dr.as_ref().is_some_and(|d| d.enabled_at_start) {
            self.dr.phase = Phase::Protected;
            self.dr.active_since = Some(SimTime::ZERO);
            let link = self.new_link(SimTime::ZERO, false);
            self.dr.set_link(link);
        }
    }

    fn new_link(&self, now: SimTime, paused: bool) -> Option<Replicator> {
        let cr = self.sc.cross_region.as_ref()?;
        let (seed, run) = (self.sc.simulation.seed, self.run);
        if self.sc.simulation.fidelity == Fidelity::Exact {
            return Some(Replicator::Exact(ExactLink::new(
                &self.service,
                now,
                cr.batch_interval,
                cr.one_way,
                cr.bandwidth,
                self.sc.workload.write_rate,
                self.sc.workload.write_size,
                cr.sync_delay(),
                stream_rng(seed, run, Stream::ApplyDelay),
                stream_rng(seed, run, Stream::ExactWrites),
                paused,
            )));
        }
        Some(Replicator::Fluid(AsyncLink::new(
            &self.service,
            now,
            cr.batch_interval,
            cr.one_way,
            cr.bandwidth,
            self.sc.workload.bytes_per_sec(),
            cr.sync_delay(),
            stream_rng(seed, run, Stream::ApplyDelay),
            paused,
        )))
    }

    pub(super) fn region_down(&self) -> bool {
        self.dr.region_down > 0
    }

    /// Replication lag at `t` (≤ now, state unchanged since): defined while
    /// DR protects an environment whose writes are served in the primary.
    pub(super) fn lag_at(&mut self, t: SimTime) -> Option<SimDuration> {
        let protects = matches!(self.dr.phase, Phase::Protected | Phase::ReverseProtected);
        if !protects || !self.service.is_serving() {
            return None;
        }
        let link = self.dr.link.as_mut()?;
        Some(t.since(link.last_sync(&self.service, t)))
    }

    pub(super) fn random_region_outage(&mut self, now: SimTime) {
        let rf = self
            .sc
            .region_failures
            .as_ref()
            .expect("scheduled only with a process");
        let (duration, destroys) = rf.draw_outage(&mut self.rng.region);
        let renew = rf.conditioned.is_none();
        if destroys {
            // `region_outage` opens the incident first.
            let incident = self.incidents.len();
            self.note_destruction(incident, None);
        }
        self.region_outage(now, duration, destroys, false, renew);
    }

    /// Every zone of the home region fails; the lifecycle decides the rest.
    /// Returns the region incident.
    pub(super) fn region_outage(
        &mut self,
        now: SimTime,
        duration: SimDuration,
        destroys: bool,
        scheduled: bool,
        renew: bool,
    ) -> usize {
        if self.sc.region_quorum.is_some() {
            return self.voter_home_outage(now, duration, scheduled, renew);
        }
        let incident = self.open_incident(now, IncidentClass::Region, Side::Home, &[], scheduled);
        // The lifecycle sees the region fail before its zones' state changes,
        // so a drain cut short knows what had reached the paired region.
        self.on(now, Trigger::HomeDown { incident, destroys });
        self.dr.region_down += 1;
        if self.writers.is_some() {
            // Several writing regions: the data lives on in the paired
            // region; the region comes back from it, not from a backup.
            self.decide(incident, "clients-reroute");
            self.writers_region_down(now, Side::Home, incident, destroys);
        } else if destroys && !self.dr.destroyed {
            self.dr.destroyed = true;
            self.dr.destroyed_by = Some(incident);
        }
        self.sched
            .after(duration, Event::RegionRepair { incident, renew });
        self.take_region_zones_down(now, Side::Home);
        self.replan(now);
        self.reconcile(now, Some(incident), None);
        if self.dr.in_primary() {
            self.charge_outage_to(now, incident);
        }
        incident
    }

    pub(super) fn region_repair(&mut self, now: SimTime, incident: usize, renew: bool) {
        if self.sc.region_quorum.is_some() {
            return self.voter_home_repair(now, incident, renew);
        }
        self.dr.region_down -= 1;
        self.component_repaired(now, incident);
        self.repair_region_zones(now, Side::Home);
        if renew {
            if let Some(rf) = &self.sc.region_failures {
                let next = rf.process.time_between.sample(&mut self.rng.region);
                self.sched.after(next, Event::RandomRegionOutage);
            }
        }
        if self.dr.region_down == 0 {
            self.writers_region_up(now, Side::Home);
            self.on(now, Trigger::HomeUp { incident });
        }
        self.reconcile(now, None, None);
    }

    pub(super) fn random_link_incident(&mut self, now: SimTime, degraded: bool) {
        let (duration, factor) = if degraded {
            let d = self
                .sc
                .link_degradation
                .as_ref()
                .expect("scheduled only with a process");
            (
                d.process.duration.sample(&mut self.rng.link),
                d.bandwidth_factor,
            )
        } else {
            let p = self
                .sc
                .link_failures
                .as_ref()
                .expect("scheduled only with a process");
            (p.duration.sample(&mut self.rng.link), 0.0)
        };
        self.link_incident(now, duration, factor, false, Some(degraded));
    }

    /// A partition (`factor` 0) or a degradation of the link. It interrupts
    /// no writes; its record says how long the backlog took to drain.
    pub(super) fn link_incident(
        &mut self,
        now: SimTime,
        duration: SimDuration,
        factor: f64,
        scheduled: bool,
        renew: Option<bool>,
    ) {
        let incident = self.open_incident(now, IncidentClass::Link, Side::Home, &[], scheduled);
        if self.outage.is_none() {
            self.incidents[incident].record.recovery = "none-needed";
        }
        self.dr.link_incidents.push((incident, factor));
        self.on(now, Trigger::LinkChanged);
        self.sync_writers(now);
        self.sched
            .after(duration, Event::LinkRepair { incident, renew });
    }

    /// `renew` names the random process to restart (`Some(degraded)`), if any.
    pub(super) fn link_repair(&mut self, now: SimTime, incident: usize, renew: Option<bool>) {
        self.dr.link_incidents.retain(|&(i, _)| i != incident);
        self.on(now, Trigger::LinkChanged);
        self.sync_writers(now);
        self.component_repaired(now, incident);
        if self.dr.phase == Phase::Protected {
            let horizon = self.sched.horizon();
            if let Some(link) = &self.dr.link {
                self.incidents[incident].record.catch_up_ns = link
                    .caught_up_at(&self.service, now, horizon)
                    .map(|t| t.since(now).0);
            }
        }
        if let Some(degraded) = renew {
            let next = if degraded {
                self.sc
                    .link_degradation
                    .as_ref()
                    .map(|d| d.process.time_between.sample(&mut self.rng.link))
            } else {
                self.sc
                    .link_failures
                    .as_ref()
                    .map(|p| p.time_between.sample(&mut self.rng.link))
            };
            if let Some(next) = next {
                self.sched
                    .after(next, Event::RandomLinkIncident { degraded });
            }
        }
    }

    pub(super) fn operation(&mut self, now: SimTime, index: usize, occurrence: u64) {
        let op = &self.sc.operations[index];
        if let Some(every) = op.every {
            let next = op.at.after(every.saturating_mul(occurrence + 1));
            self.sched.at(
                next,
                Event::Operation {
                    index,
                    occurrence: occurrence + 1,
                },
            );
        }
        let trigger = match op.kind {
            OperationKind::Enable => Trigger::Enable,
            OperationKind::Disable => Trigger::Disable,
            OperationKind::Drill => Trigger::Drill { stay: op.stay },
        };
        self.on(now, trigger);
    }
}
