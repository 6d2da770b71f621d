//! More than one secondary region (`dr.targets`) against a closed form.
//!
//! Two secondaries whose regions are down, independently and at a random
//! instant, with probability q each (alternating exponential up and down
//! times: q = mean down / (mean up + mean down)). Under the priority rule
//! a failover decided at such an instant goes to the second secondary
//! exactly when the first is down and the second up; given that one of
//! them is up (else it waits), its share is
//! q·(1 − q) / (1 − q²) = q / (1 + q).
//!
//! The decision instants must not depend on the secondaries' states: a
//! failover's way back to protection waits for the region it runs in, so
//! the secondaries here fail and return within hours (up 2 h, down 1 h on
//! average, forgetting their state in about 40 min) while the home region
//! fails every 4 days. (With days-long secondary outages the correlation
//! between one failover's target and the next decision shows: 0.233
//! instead of 0.25 over 20,906 failovers.)

use drsim::incident::IncidentClass;
use drsim::runner::run_replication;
use drsim::scenario::parse_str;

const SCENARIO: &str = r#"
name = "two-secondaries-closed-form"
[simulation]
seed = 12
runs = 1
horizon = "1y"
[[regions]]
name = "home"
zones = ["az1", "az2", "az3"]
paired_region = "pair"
pair_distance_km = 750
distance_km = { third = 1000 }
[[regions]]
name = "pair"
zones = ["az1", "az2", "az3"]
[[regions]]
name = "third"
zones = ["az1", "az2", "az3"]
[environment]
name = "env"
type = "production"
region = "home"
data_size = "20GB"
managed = true
billing = "pay-as-you-go"
[workload]
write_rate = "200/s"
write_size = "4KB"
[failover]
reroute = "1s"
[cross_region]
bandwidth = "10MB/s"
batch_interval = "5s"
[dr]
enabled = true
targets = ["pair", "third"]
target_choice = "priority"
operator_decision = "30m"
failover_time = "10m"
switch_time = "5m"
failback_delay = "1h"
[failures.regions]
time_between = { dist = "exponential", mean = "4d" }
duration = "10h"
[[failures.region]]
name = "pair"
time_between = { dist = "exponential", mean = "2h" }
duration = { dist = "exponential", mean = "1h" }
[[failures.region]]
name = "third"
time_between = { dist = "exponential", mean = "2h" }
duration = { dist = "exponential", mean = "1h" }
"#;

const MIN: u64 = 60_000_000_000;

#[test]
fn the_second_secondary_takes_q_over_one_plus_q_of_the_failovers_by_priority() {
    let sc = parse_str(SCENARIO, "closed-form.toml").unwrap().scenario;
    let q: f64 = 1.0 / 3.0;
    let (mut to_pair, mut to_third) = (0u64, 0u64);
    for run in 0..300 {
        for i in run_replication(&sc, run).incidents {
            // Failovers decided at the decision instant and executed
            // undisturbed: 30 min + 10 min (no election in either target).
            if i.class != IncidentClass::Region || i.scope != "home" || i.rto_ns != 40 * MIN {
                continue;
            }
            match i.failover_target.as_deref() {
                Some("pair") => to_pair += 1,
                Some("third") => to_third += 1,
                other => panic!("a failover without its target: {other:?}"),
            }
        }
    }
    let n = (to_pair + to_third) as f64;
    let share = to_third as f64 / n;
    let expected = q * (1.0 - q) / (1.0 - q * q);
    // Four standard errors of a binomial share over n decisions.
    let tolerance = 4.0 * (expected * (1.0 - expected) / n).sqrt();
    assert!(n > 5_000.0, "too few failovers: {n}");
    eprintln!("share to the second secondary {share:.4} over {n} failovers, expected {expected:.4} ± {tolerance:.4}");
    assert!(
        (share - expected).abs() < tolerance,
        "share to the second secondary {share:.4} over {n} failovers, expected {expected:.4} ± {tolerance:.4}"
    );
}

/// Least-lag on the same failures: with both secondaries up and keeping
/// up, the windows differ by less than a batch; the rule never picks a
/// target that is down, so the second secondary takes at least the share
/// the priority rule gives it.
#[test]
fn least_lag_never_picks_a_target_that_is_down() {
    let text = SCENARIO.replacen(
        "target_choice = \"priority\"",
        "target_choice = \"least-lag\"",
        1,
    );
    let sc = parse_str(&text, "closed-form.toml").unwrap().scenario;
    for run in 0..50 {
        let o = run_replication(&sc, run);
        for i in o.incidents.iter().filter(|i| i.failover_target.is_some()) {
            let target = i.failover_target.as_deref().unwrap();
            let decided = i.start_ns + 30 * MIN;
            let down_then = o.incidents.iter().any(|j| {
                j.scope == target
                    && j.start_ns <= decided
                    && j.end_ns.is_none_or(|e| e > decided)
                    && i.rto_ns == 40 * MIN
            });
            assert!(
                !down_then,
                "failed over to {target}, down at the decision: {i:?}"
            );
        }
    }
}
