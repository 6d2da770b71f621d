//! Property test of the quorum over regions under random interleavings of
//! region and home-zone outages, with and without `reform_after`: random
//! voter layouts over three regions (1–3 voters each), a random quorum at
//! least the smallest that can re-form, a random re-form delay. Checked
//! after every event:
//! - writes served ⇒ a leader that is up and a member, and a quorum of the
//!   current configuration up; the current quorum is a majority of its
//!   members (any two of its quorums meet);
//! - a voter up stays out of the configuration only while its quorum is
//!   lost, or while its return would complete the set with fewer voters
//!   up than the configured quorum;
//! - no acknowledged write lost: when writes resume after a stop, the
//!   voters up (among whom the leader was elected) meet every quorum of
//!   the configuration that last acknowledged writes;
//! - RPO 0 and no lost write in every incident, at the end.

use super::Replication;
use crate::scenario::parse_str;
use proptest::prelude::*;

const REGIONS: [&str; 3] = ["a", "b", "c"];

/// One scheduled outage: region (0–2) or home zone (3–5), start and length
/// in minutes.
type Outage = (usize, u64, u64);

fn scenario_text(
    counts: [usize; 3],
    quorum: usize,
    reform: Option<u64>,
    outages: &[Outage],
) -> String {
    let mut voters = String::new();
    for (name, count) in REGIONS.iter().zip(counts) {
        voters += &format!("[[replication.voters]]\nregion = \"{name}\"\ncount = {count}\n");
    }
    let reform = reform.map_or(String::new(), |m| format!("reform_after = \"{m}m\"\n"));
    let mut incidents = String::new();
    for &(what, at, length) in outages {
        let target = match what {
            0..=2 => format!("kind = \"region\"\nregion = \"{}\"", REGIONS[what]),
            z => format!("kind = \"zone\"\nzone = \"a{}\"", z - 2),
        };
        incidents +=
            &format!("[[incidents]]\n{target}\nat = \"{at}m\"\nduration = \"{length}m\"\n");
    }
    format!(
        r#"name = "region-quorum-properties"
[simulation]
seed = 11
runs = 1
horizon = "3d"
[[regions]]
name = "a"
zones = ["a1", "a2", "a3"]
distance_km = {{ b = 500, c = 1000 }}
[[regions]]
name = "b"
zones = ["b1", "b2", "b3"]
distance_km = {{ c = 700 }}
[[regions]]
name = "c"
zones = ["c1", "c2", "c3"]
[environment]
name = "env"
type = "production"
region = "a"
data_size = "10GB"
[workload]
write_rate = "10/s"
write_size = "1KB"
[replication]
scope = "regions"
zone_rtt = "1ms"
quorum = {quorum}
{reform}{voters}
[failover]
heartbeat_interval = "1s"
missed_heartbeats = 3
reroute = "10s"
{incidents}"#
    )
}

/// The configuration that acknowledged the last writes: its members and quorum.
struct Acknowledged {
    members: Vec<usize>,
    quorum: usize,
}

fn check_every_event(r: &mut Replication) -> Result<(), TestCaseError> {
    let n = r.quorum_rules().voters.len();
    let configured = r.quorum_rules().quorum;
    let mut last: Option<Acknowledged> = None;
    let mut was_serving = true;
    loop {
        let serving = r.service.is_serving();
        let config = &r.leadership.config;
        let members: Vec<usize> = (0..n).filter(|&v| config.is_member(v)).collect();
        // The electorate: members up (a leader is elected among them).
        let voting: Vec<usize> = (0..n)
            .filter(|&v| config.is_member(v) && r.voter_up(v))
            .collect();
        let outside = (0..n)
            .filter(|&v| !config.is_member(v) && r.voter_up(v))
            .count();
        prop_assert!(
            outside == 0
                || voting.len() < config.quorum()
                || (members.len() + outside == n && voting.len() + outside < configured),
            "{outside} voters up stay out with {voting:?} voting, quorum {}",
            config.quorum()
        );
        prop_assert!(
            2 * config.quorum() > members.len(),
            "quorum {} of {members:?}",
            config.quorum()
        );
        if serving {
            let leader = r.leadership.leader;
            prop_assert!(leader.is_some_and(|l| voting.contains(&l)), "no leader up");
            prop_assert!(
                voting.len() >= config.quorum(),
                "served with {voting:?} voting, quorum {}",
                config.quorum()
            );
            if !was_serving {
                if let Some(a) = &last {
                    let held = a.members.iter().filter(|v| voting.contains(v)).count();
                    prop_assert!(
                        held + a.quorum > a.members.len(),
                        "resumed with {voting:?} voting: a write on a quorum of {} of {:?} may be missing",
                        a.quorum,
                        a.members
                    );
                }
            }
            last = Some(Acknowledged {
                members,
                quorum: config.quorum(),
            });
        }
        was_serving = serving;
        if !r.step() {
            break;
        }
    }
    Ok(())
}

fn layout() -> impl Strategy<Value = ([usize; 3], usize)> {
    [1usize..=3, 1usize..=3, 1usize..=3].prop_flat_map(|counts| {
        let n: usize = counts.iter().sum();
        // The smallest quorum that can re-form: n − q + 1 ≤ q − 1.
        let least = n / 2 + 1 + n % 2;
        (Just(counts), least.min(n)..=n)
    })
}

proptest! {
    // A fixed seed: the same interleavings on every machine, never a flake.
    #![proptest_config(ProptestConfig {
        cases: 400,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x7265_666f_726d_5f71),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_interleavings_keep_the_quorum_over_regions_safe(
        (counts, quorum) in layout(),
        reform in prop::option::weighted(0.8, 0u64..240),
        outages in prop::collection::vec((0usize..6, 0u64..2880, 1u64..900), 1..10),
    ) {
        let text = scenario_text(counts, quorum, reform, &outages);
        let sc = parse_str(&text, "props.toml").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?.scenario;
        let mut r = Replication::new(&sc, 0);
        check_every_event(&mut r)?;
        let out = r.finish();
        prop_assert!(out.incidents.iter().all(|i| i.lost_writes == 0 && i.rpo_ns == 0));
    }
}
