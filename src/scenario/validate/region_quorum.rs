//! `[replication] scope = "regions"`: the voters of each region, the write
//! quorum over all of them, and what this mode does not combine with.

use super::super::model::{
    EnvironmentType, Region, RegionDistances, RegionQuorum, Voter, FIBER_NS_PER_KM,
};
use super::super::raw::{RawReplication, RawScenario};
use super::zones::zone_rtt;
use super::Checker;
use crate::dist::Dist;
use crate::time::SimDuration;
use std::collections::BTreeMap;
use std::ops::Range;

/// Values of `replication.scope`, in the order zones, regions.
pub const SCOPES: [&str; 2] = ["zones", "regions"];
/// Most voters one region may hold: real deployments place 1–3.
const MAX_VOTERS_PER_REGION: i64 = 16;
/// Default `region_rtt_overhead`: the `[cross_region]` link's default.
const DEFAULT_REGION_RTT_OVERHEAD: SimDuration = SimDuration::from_millis(2);

/// Whether `replication.scope` asks for the quorum over regions (an
/// unknown value is reported, and taken as the default `zones`).
pub(super) fn regions_scope(c: &mut Checker, raw: &RawReplication) -> bool {
    let Some(s) = &raw.scope else {
        return false;
    };
    let names: Vec<String> = SCOPES.iter().map(|s| s.to_string()).collect();
    c.resolve(s, &names, "replication scope", "replication.scope") == Some(1)
}

/// What the quorum over regions is checked against.
pub(super) struct QuorumContext<'a> {
    pub regions: &'a [Region],
    pub names: &'a [String],
    pub home: Option<usize>,
    pub paired: Option<usize>,
    pub extra: &'a [usize],
    pub distances: &'a RegionDistances,
    pub kind: Option<EnvironmentType>,
}

/// With `scope = "zones"`: every key of the quorum over regions that is
/// set is an error, at its span where it has one, with what it would need.
fn refuse_voter_keys(c: &mut Checker, rep: &RawReplication) {
    let set: [(bool, Option<Range<usize>>, &str, &str); 5] = [
        (
            !rep.voters.is_empty(),
            rep.voters.first().map(|v| v.span()),
            "voters",
            "`[[replication.voters]]` applies only with scope = \"regions\"",
        ),
        (
            rep.region_rtt_overhead.is_some(),
            None,
            "region_rtt_overhead",
            "`region_rtt_overhead` applies only with scope = \"regions\"",
        ),
        (
            rep.reform_after.is_some(),
            rep.reform_after.as_ref().map(|r| r.span()),
            "reform_after",
            "`reform_after` applies only with scope = \"regions\" (the zone quorum does not re-form)",
        ),
        (
            rep.commit_wait.is_some(),
            rep.commit_wait.as_ref().map(|w| w.span()),
            "commit_wait",
            "`commit_wait` applies only with scope = \"regions\" (the zone quorum's is `mode`)",
        ),
        (
            rep.readable_voters.is_some(),
            rep.readable_voters.as_ref().map(|r| r.span()),
            "readable_voters",
            "`readable_voters` applies only with scope = \"regions\" (a secondary copy is made readable with `cross_region.readable_secondary`)",
        ),
    ];
    for (_, span, key, message) in set.into_iter().filter(|k| k.0) {
        c.error(span, &format!("replication.{key}"), message);
    }
}

/// The voters and the quorum; `None` with `scope = "zones"` (the voter
/// keys are then errors) or when the home region did not resolve.
pub(super) fn region_quorum(
    c: &mut Checker,
    raw: &RawScenario,
    scope_regions: bool,
    cx: &QuorumContext,
) -> Option<RegionQuorum> {
    let rep = &raw.replication;
    if !scope_regions {
        refuse_voter_keys(c, rep);
        return None;
    }
    refuse_combinations(c, raw, cx);
    let home = cx.home?;
    let voters = voters(c, rep, cx, home);
    let n = voters.len();
    let majority = n / 2 + 1;
    let quorum = match &rep.quorum {
        Some(q) => {
            let v = *q.get_ref();
            if v < majority as i64 || v > n as i64 {
                c.error(
                    Some(q.span()),
                    "replication.quorum",
                    format!("with scope = \"regions\" the quorum counts voters: expected a majority of the {n} voters, {majority} … {n}, found {v} (a smaller quorum could elect a leader lacking acknowledged writes)"),
                );
            }
            (v.max(1) as usize).min(n.max(1))
        }
        None => majority,
    };
    leader_distances(c, &voters, cx);
    let region_rtt_overhead = rep
        .region_rtt_overhead
        .clone()
        .unwrap_or(Dist::Constant(DEFAULT_REGION_RTT_OVERHEAD));
    let reform_after = reform_after(c, rep, &voters, quorum);
    let mut rq = RegionQuorum {
        voters,
        quorum,
        region_rtt_overhead,
        reform_after,
        readable_voters: rep.readable_voters.as_ref().is_some_and(|r| *r.get_ref()),
        commit_waits_for_every_voter: commit_wait(c, rep),
    };
    propagations(&mut rq, cx.distances);
    Some(rq)
}

/// `replication.reform_after`, refused where re-forming could never be
/// safe or where the safety rule does not hold.
fn reform_after(
    c: &mut Checker,
    rep: &RawReplication,
    voters: &[Voter],
    quorum: usize,
) -> Option<Dist> {
    let r = rep.reform_after.as_ref()?;
    let path = "replication.reform_after";
    if voters.iter().any(|v| v.witness) {
        c.error(Some(r.span()), path, "`reform_after` does not combine with witness voters: a witness holds no copy of the data, so voters up that meet every quorum may still miss an acknowledged write");
        return None;
    }
    // A lost quorum leaves at most quorum − 1 voters up; re-forming needs
    // n − quorum + 1 of them (they must meet every quorum of n voters).
    let n = voters.len();
    if quorum > 0 && quorum - 1 < n + 1 - quorum {
        c.error_with_help(
            Some(r.span()),
            path,
            format!("with {n} voters and quorum {quorum} the quorum never re-forms: a lost quorum leaves at most {} voters up, fewer than the {} that meet every quorum (an acknowledged write could be missing from all of them)", quorum - 1, n + 1 - quorum),
            match n / 2 + 1 + n % 2 {
                least if least <= n => format!("raise `quorum` to at least {least} (then n − quorum + 1 ≤ quorum − 1), or remove `reform_after`"),
                _ => "add voters, or remove `reform_after`".to_string(),
            },
        );
        return None;
    }
    Some(r.get_ref().clone())
}

/// `replication.commit_wait`: `"quorum"` (false) or `"every-voter-up"` (true).
fn commit_wait(c: &mut Checker, rep: &RawReplication) -> bool {
    let Some(w) = &rep.commit_wait else {
        return false;
    };
    let names = ["quorum".to_string(), "every-voter-up".to_string()];
    c.resolve(w, &names, "commit wait", "replication.commit_wait") == Some(1)
}

/// The combinations this mode refuses, each with the reason.
fn refuse_combinations(c: &mut Checker, raw: &RawScenario, cx: &QuorumContext) {
    const WHY: &str = "with scope = \"regions\" the regions replicate synchronously and leadership moves by itself";
    if let Some(cr) = &raw.cross_region {
        c.error(Some(cr.span()), "cross_region", format!("the asynchronous `[cross_region]` link does not combine with scope = \"regions\": {WHY}"));
    }
    if let Some(dr) = &raw.dr {
        c.error(
            Some(dr.span()),
            "dr",
            format!("self-service DR does not combine with scope = \"regions\": {WHY}"),
        );
    }
    if let Some(op) = raw.operations.first() {
        c.error(
            Some(op.span()),
            "operations",
            format!("DR operations do not combine with scope = \"regions\": {WHY}"),
        );
    }
    let rep = &raw.replication;
    if let Some(m) = rep.mode.as_ref().filter(|m| m.get_ref() != "quorum") {
        c.error(
            Some(m.span()),
            "replication.mode",
            "scope = \"regions\" is a quorum of voters: mode = \"all-in-sync\" does not apply",
        );
    }
    if let Some(b) = &rep.resync_bandwidth {
        c.error(Some(b.span()), "replication.resync_bandwidth", "with scope = \"regions\" a returning voter counts at once: the catch-up is not modelled, remove `resync_bandwidth`");
    }
    if cx.kind.is_some_and(|k| k != EnvironmentType::Production)
        || cx.home.is_some_and(|h| !cx.regions[h].availability_zones)
    {
        c.error(None, "replication.scope", "scope = \"regions\" needs a production environment in a home region with availability zones: the leader's voters fail over between its zones");
    }
}

/// `[[replication.voters]]`: one entry per region, the home region's a
/// non-witness; voter j of a region sits in its zone j mod zones.
fn voters(c: &mut Checker, rep: &RawReplication, cx: &QuorumContext, home: usize) -> Vec<Voter> {
    if rep.voters.is_empty() {
        c.error(None, "replication.voters", "scope = \"regions\" needs the voters of each region: [[replication.voters]] region = \"…\", count = …");
    }
    let mut voters = Vec::new();
    let mut seen: Vec<usize> = Vec::new();
    let mut home_leads = false;
    for (i, v) in rep.voters.iter().enumerate() {
        let path = format!("replication.voters[{i}]");
        let v = v.get_ref();
        let Some(ri) = c.resolve(&v.region, cx.names, "region", &format!("{path}.region")) else {
            continue;
        };
        if seen.contains(&ri) {
            c.error(
                Some(v.region.span()),
                &format!("{path}.region"),
                format!(
                    "region `{}` has two voter entries: give its count once",
                    cx.names[ri]
                ),
            );
            continue;
        }
        seen.push(ri);
        if Some(ri) == cx.paired {
            c.error(Some(v.region.span()), &format!("{path}.region"), format!("`{}` is the home region's paired_region: with scope = \"regions\" voters live in the home region and in regions beyond the pair (remove `paired_region`)", cx.names[ri]));
            continue;
        }
        let count = v.count.as_ref().map_or(1, |n| {
            let k = *n.get_ref();
            if !(1..=MAX_VOTERS_PER_REGION).contains(&k) {
                c.error(
                    Some(n.span()),
                    &format!("{path}.count"),
                    format!("expected 1 … {MAX_VOTERS_PER_REGION} voters, found {k}"),
                );
            }
            k.clamp(1, MAX_VOTERS_PER_REGION)
        });
        let witness = v.witness.unwrap_or(false);
        home_leads |= ri == home && !witness;
        let region = &cx.regions[ri];
        for j in 0..count as usize {
            voters.push(Voter {
                region: ri,
                extra: cx.extra.iter().position(|&e| e == ri),
                zone: j % region.zones.len().max(1),
                witness,
                propagation: BTreeMap::new(),
                zone_rtt: zone_rtt(rep, region.zone_distance_km),
            });
        }
    }
    if !home_leads && !rep.voters.is_empty() {
        c.error(
            None,
            "replication.voters",
            format!(
                "the home region `{}` leads: it needs voters that are not witnesses",
                cx.names[home]
            ),
        );
    }
    voters
}

/// A region that may lead (a non-witness voter's) sends every write to
/// every other voter region: their distance is needed. Fills each voter's
/// round-trip propagation to the other voter regions.
fn leader_distances(c: &mut Checker, voters: &[Voter], cx: &QuorumContext) {
    let mut regions: Vec<(usize, bool)> = Vec::new();
    for v in voters {
        match regions.iter_mut().find(|(r, _)| *r == v.region) {
            Some(entry) => entry.1 |= !v.witness,
            None => regions.push((v.region, !v.witness)),
        }
    }
    for (i, &(a, a_leads)) in regions.iter().enumerate() {
        for &(b, b_leads) in &regions[i + 1..] {
            if (a_leads || b_leads) && cx.distances.km(a, b).is_none() {
                c.error_with_help(
                    None,
                    "replication.voters",
                    format!("voters in `{}` and `{}` need the distance between the two regions (one of them may lead and sends it every write)", cx.names[a], cx.names[b]),
                    format!("add `distance_km = {{ {} = <km> }}` to region `{}`", cx.names[b], cx.names[a]),
                );
            }
        }
    }
}

/// Fills each voter's round-trip propagation to the other voter regions
/// (2 × 5 µs/km × the declared distance).
fn propagations(quorum: &mut RegionQuorum, distances: &RegionDistances) {
    let regions: Vec<usize> = quorum.voters.iter().map(|v| v.region).collect();
    for v in &mut quorum.voters {
        for &r in &regions {
            if let Some(km) = distances.km(v.region, r).filter(|_| r != v.region) {
                let ns = (2.0 * FIBER_NS_PER_KM as f64 * km).round() as u64;
                v.propagation.insert(r, SimDuration(ns));
            }
        }
    }
}
