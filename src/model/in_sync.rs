//! Zone replication in mode `all-in-sync` (`replication.mode`): the rule of
//! two-zone regions ("all available replicas", automatic quorum reduction).
//!
//! The same rule in the home region and in the paired region (`side`).
//!
//! - A write commits when every zone of the in-sync set holds it. Every
//!   member therefore holds every committed write, at every instant.
//! - When a member fails, commits wait for its acknowledgement: writes stop
//!   until the failure is declared (`detection_delay`, the heartbeat rule)
//!   and the set is reconfigured without it after a `reroute` draw. A
//!   failed leader is replaced by a surviving member in the same step. The
//!   survivors carry on, down to a single zone.
//! - Only a member may lead. When every member is down, writes wait for one
//!   of them to return, even if a stale zone (one that left the set) is up:
//!   electing it would lose what it lacks. That is the trade-off against a
//!   quorum: RPO 0 always, but a second failure while alone costs the rest
//!   of that zone's outage.
//! - A zone that is up and holds every committed write (`Data::Tracking`,
//!   after catching up at `resync_bandwidth`) rejoins the set.
//!
//! With one zone failure at a time the RTO is detection + reroute and the
//! RPO 0. `drsim analyze` checks the two-zone availability against the
//! closed form of this rule (`theory::all_in_sync_pair_availability`).

use super::zones::Data;
use super::Replication;
use crate::scenario::Side;
use crate::time::SimTime;

impl Replication<'_> {
    /// Whether the all-in-sync rule lets writes commit in the region `side`
    /// now; starts the reconfiguration of the set when a member is down (or
    /// the leader is gone) and a member is up to carry on.
    pub(super) fn all_in_sync_serving(&mut self, now: SimTime, side: Side) -> bool {
        let rz = self.zones_of_mut(side);
        for zone in &mut rz.zones {
            if zone.is_up() && zone.data == Data::Tracking {
                zone.in_sync = true;
            }
        }
        if rz.leader.is_some_and(|l| !rz.zones[l].is_up()) {
            rz.leader = None;
        }
        let member_up = rz.zones.iter().any(|z| z.in_sync && z.is_up());
        let member_down = rz.zones.iter().any(|z| z.in_sync && !z.is_up());
        if !rz.election_pending && member_up && (member_down || rz.leader.is_none()) {
            // Commits were flowing: a member has just failed and the
            // survivors learn it from the missed heartbeats. Otherwise the
            // stall is already known (a member returned to a stopped set).
            let detected_at = if rz.quorum_serving {
                now.after(self.detection_delay(now))
            } else {
                now
            };
            self.zones_of_mut(side).detected_at = detected_at;
            self.begin_election(side, detected_at);
        }
        self.zones_of(side).leader.is_some() && !member_down
    }

    /// The reconfiguration after a `reroute`: down members leave the set and
    /// a member that is up leads (the current leader if it still can). With
    /// no member up nothing changes: writes wait for a member to return.
    pub(super) fn reconfigure_in_sync(&mut self, now: SimTime, side: Side) {
        let rz = self.zones_of_mut(side);
        rz.election_pending = false;
        rz.last_election_at = Some(now);
        let Some(first_up) =
            (0..rz.zones.len()).find(|&z| rz.zones[z].in_sync && rz.zones[z].is_up())
        else {
            return self.reconcile(now, None, None);
        };
        let leader = match rz.leader {
            Some(l) if rz.zones[l].in_sync && rz.zones[l].is_up() => l,
            _ => first_up,
        };
        rz.leader = Some(leader);
        for z in 0..rz.zones.len() {
            let zone = &mut self.zones_of_mut(side).zones[z];
            if !zone.in_sync {
                if zone.is_up() && z != leader && !matches!(zone.data, Data::Resyncing { .. }) {
                    // A stale zone that is up catches up from the new leader.
                    self.start_resync(now, side, z);
                }
            } else if zone.is_up() {
                // Writes stopped when the first member failed: every member
                // holds everything committed.
                zone.data = Data::Tracking;
            } else {
                zone.in_sync = false;
            }
        }
        self.reconcile(now, None, None);
    }
}
