//! `[replication]` and `[failover]`: the synchronous quorum across the zones
//! of a region (the home region, and the paired region once the environment
//! runs there) and how a failed leader zone is replaced.

use super::super::model::{
    Region, ReplicationMode, ZoneFailover, ZoneReplication, ZoneRtt, FIBER_NS_PER_KM,
};
use super::super::raw::{RawFailover, RawReplication};
use super::topology::DEFAULT_ZONE_DISTANCE_KM;
use super::{positive, Checker};
use crate::dist::Dist;
use crate::time::SimDuration;

fn default_reroute() -> Dist {
    Dist::LogNormal {
        median: 30e9,
        sigma: 0.5,
    }
}

fn default_rtt_overhead() -> Dist {
    Dist::LogNormal {
        median: 400e3,
        sigma: 0.3,
    }
}

/// `home` is `None` when the environment's region did not resolve: the
/// quorum is then checked against no zones. With `scope = "regions"`
/// (`voters_scope`) `quorum` counts voters (`region_quorum.rs` checks it)
/// and the zones keep their majority.
pub(super) fn replication(
    c: &mut Checker,
    raw: &RawReplication,
    home: Option<&Region>,
    voters_scope: bool,
) -> ZoneReplication {
    let zone_count = home.map_or(0, |r| r.zones.len());
    let majority = zone_count / 2 + 1;
    let mode = raw
        .mode
        .as_ref()
        .map_or(Some(ReplicationMode::Quorum), |m| {
            let names: Vec<String> = ReplicationMode::NAMES
                .iter()
                .map(|s| s.to_string())
                .collect();
            c.resolve(m, &names, "replication mode", "replication.mode")
                .and_then(|i| ReplicationMode::from_name(&names[i]))
        });
    let mode = mode.unwrap_or_default();
    let quorum = match (&raw.quorum, mode) {
        (Some(q), ReplicationMode::AllInSync) => {
            c.error(
                Some(q.span()),
                "replication.quorum",
                "`quorum` applies to mode = \"quorum\" only: mode = \"all-in-sync\" commits on every in-sync zone; remove `quorum` or the mode",
            );
            zone_count.max(1)
        }
        (None, ReplicationMode::AllInSync) => zone_count.max(1),
        (_, ReplicationMode::Quorum) if voters_scope => majority,
        (q, ReplicationMode::Quorum) => quorum_of(c, q.as_ref(), zone_count, majority),
    };
    let zone_distance = home.map_or(DEFAULT_ZONE_DISTANCE_KM, |r| r.zone_distance_km);
    let zone_rtt = zone_rtt(raw, zone_distance);
    let resync_bandwidth = raw.resync_bandwidth.as_ref().map(|b| {
        let v = b.get_ref().0;
        if !positive(v) {
            c.error(
                Some(b.span()),
                "replication.resync_bandwidth",
                "the resync bandwidth must be positive",
            );
        }
        v
    });
    ZoneReplication {
        mode,
        quorum,
        paired_quorum: quorum,
        paired_zone_rtt: zone_rtt.clone(),
        zone_rtt,
        resync_bandwidth,
    }
}

/// The round trip between two zones `distance_km` apart: `zone_rtt` when
/// given, else the fibre propagation plus `rtt_overhead`.
pub(super) fn zone_rtt(raw: &RawReplication, distance_km: f64) -> ZoneRtt {
    match &raw.zone_rtt {
        Some(d) => ZoneRtt::Given(d.clone()),
        None => ZoneRtt::Derived {
            propagation: SimDuration((2.0 * FIBER_NS_PER_KM as f64 * distance_km).round() as u64),
            overhead: raw
                .rtt_overhead
                .clone()
                .unwrap_or_else(default_rtt_overhead),
        },
    }
}

/// The same zone rules in the paired region (when its zones are simulated):
/// an explicit `quorum` applies there too and must fit its zones; without
/// one, its own majority (all-in-sync: every zone of its in-sync set); the
/// round trip follows from its own `zone_distance_km`.
pub(super) fn paired_zone_rules(
    c: &mut Checker,
    raw: &RawReplication,
    paired: Option<&Region>,
    rules: &mut ZoneReplication,
) {
    let Some(region) = paired else {
        return;
    };
    let n = region.zones.len();
    rules.paired_quorum = match (rules.mode, &raw.quorum) {
        (ReplicationMode::AllInSync, _) => n.max(1),
        (ReplicationMode::Quorum, Some(q)) => {
            let v = *q.get_ref();
            if n >= 2 && v > n as i64 {
                c.error(
                    Some(q.span()),
                    "replication.quorum",
                    format!("quorum {v} exceeds the {n} zones of the paired region `{}`, whose zones replicate by the same rule after a failover", region.name),
                );
            }
            v.clamp(1, n.max(1) as i64) as usize
        }
        (ReplicationMode::Quorum, None) => n / 2 + 1,
    };
    rules.paired_zone_rtt = zone_rtt(raw, region.zone_distance_km);
}

/// The quorum of mode `quorum`: 1 … zones, warning when not a majority.
fn quorum_of(
    c: &mut Checker,
    raw: Option<&super::super::spanned::Spanned<i64>>,
    zone_count: usize,
    majority: usize,
) -> usize {
    match raw {
        Some(q) => {
            let v = *q.get_ref();
            if v < 1 || (zone_count >= 2 && v as usize > zone_count) {
                c.error(
                    Some(q.span()),
                    "replication.quorum",
                    format!("expected a quorum between 1 and the {zone_count} zones of the home region, found {v}"),
                );
            } else if (v as usize) < majority {
                c.warn(
                    Some(q.span()),
                    "replication.quorum",
                    format!("quorum {v} of {zone_count} is not a majority: commit quorums need not intersect, so overlapping zone failures can lose acknowledged writes"),
                );
            }
            v.clamp(1, zone_count.max(1) as i64) as usize
        }
        None => majority,
    }
}

pub(super) fn failover(c: &mut Checker, fo: &RawFailover) -> ZoneFailover {
    let heartbeat_interval =
        fo.heartbeat_interval
            .as_ref()
            .map_or(SimDuration::from_secs(1), |h| {
                if h.get_ref().is_zero() {
                    c.error(
                        Some(h.span()),
                        "failover.heartbeat_interval",
                        "the heartbeat interval must be positive",
                    );
                }
                *h.get_ref()
            });
    let missed_heartbeats = fo.missed_heartbeats.as_ref().map_or(3, |m| {
        let v = *m.get_ref();
        if !(1..=1000).contains(&v) {
            c.error(
                Some(m.span()),
                "failover.missed_heartbeats",
                format!("expected between 1 and 1000 missed heartbeats, found {v}"),
            );
        }
        v.clamp(1, 1000) as u32
    });
    ZoneFailover {
        heartbeat_interval,
        missed_heartbeats,
        reroute: fo.reroute.clone().unwrap_or_else(default_reroute),
    }
}
