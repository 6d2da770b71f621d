//! Symmetric regions (issue 11 part 1): the paired region's own zones fail
//! (by `[failures.zones]`, per-zone overrides naming the paired region, and
//! scheduled zone incidents), interrupt the environment running there as
//! they would at home, set its commit latency, escalate to paired-region
//! outages, and count in the guard's estimate. The lifecycle cases are in
//! `tests/overlaps.rs` (cases 20 and 21).

use drsim::guard;
use drsim::incident::IncidentClass;
use drsim::runner::run_replication;
use drsim::scenario::{parse_str, Scenario, ScenarioError};

const BASE: &str = r#"
name = "paired-zones"
[simulation]
seed = 11
runs = 40
horizon = "10d"
[[regions]]
name = "home"
zones = ["az1", "az2", "az3"]
paired_region = "pair"
pair_distance_km = 750
[[regions]]
name = "pair"
zones = ["ne-1", "ne-2", "ne-3"]
zone_distance_km = 100
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
[cross_region]
bandwidth = "10MB/s"
batch_interval = "5s"
[dr]
enabled = true
target_region = "pair"
operator_decision = "30m"
failover_time = "10m"
"#;

fn scenario(extra: &str) -> Scenario {
    parse_str(&format!("{BASE}{extra}"), "paired.toml")
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn error(extra: &str) -> String {
    match parse_str(&format!("{BASE}{extra}"), "bad.toml") {
        Ok(_) => panic!("accepted: {extra}"),
        Err(e @ ScenarioError::Invalid(_)) => e.to_string(),
        Err(e) => panic!("unexpected error kind: {e}"),
    }
}

/// The home region fails at 1 s for the whole horizon: the environment
/// fails over 40 min later and runs in the paired region to the end.
const HOME_DOWN: &str = r#"
[[incidents]]
kind = "region"
at = "1s"
duration = "10d"
"#;

/// Every commit-latency sample of every replication, and their mean (ns).
fn latencies(sc: &Scenario) -> (Vec<u64>, f64) {
    let all: Vec<u64> = (0..sc.simulation.runs)
        .flat_map(|run| run_replication(sc, run).commit_latencies_ns)
        .collect();
    let mean = all.iter().sum::<u64>() as f64 / all.len() as f64;
    (all, mean)
}

/// Failed over, commits wait for the paired region's zones, 100 km apart:
/// every round trip is at least 2 × 5 µs/km × 100 km = 1 ms (the home
/// region's zones are 10 km apart: 0.1 ms plus about 0.4 ms of overhead).
/// (Before: the home region's zone law, all zones assumed healthy.)
#[test]
fn commit_latency_after_a_failover_follows_the_paired_regions_zone_distance() {
    let (all, _) = latencies(&scenario(HOME_DOWN));
    assert!(all.len() > 1000, "{} samples", all.len());
    assert!(all.iter().all(|&ns| ns >= 1_000_000), "{all:?}");
}

/// Quorum 2 of 3: a commit waits for the faster of two followers; with
/// `ne-3` down for the whole stay, for the one left (an order statistic:
/// the minimum of two draws against one draw; with a 0.12 ms spread of the
/// overhead, about 0.07 ms apart on average). (Before: all the paired
/// region's zones were assumed healthy: the same latency both ways.)
#[test]
fn commit_latency_with_a_paired_zone_down_is_the_remaining_followers() {
    let (_, healthy) = latencies(&scenario(HOME_DOWN));
    let zone_down = format!(
        "{HOME_DOWN}\n[[incidents]]\nkind = \"zone\"\nregion = \"pair\"\nzone = \"ne-3\"\nat = \"1h\"\nduration = \"9d\"\n"
    );
    let (_, degraded) = latencies(&scenario(&zone_down));
    assert!(
        degraded > healthy + 30_000.0,
        "mean commit latency {healthy:.0} ns healthy, {degraded:.0} ns with ne-3 down"
    );
}

/// `[[failures.zone]]` with `region` overrides one zone of the paired
/// region; the others, and the home region's zone of the same position,
/// keep the `[failures.zones]` law.
#[test]
fn a_zone_override_names_a_paired_zone_by_its_region() {
    let sc = scenario(
        r#"
[failures.zones]
time_between = { dist = "exponential", mean = "30d" }
duration = "1h"
[[failures.zone]]
region = "pair"
name = "ne-2"
time_between = { dist = "exponential", mean = "5d" }
"#,
    );
    let mean_days = |p: &Option<drsim::scenario::FailureProcess>| {
        p.as_ref().unwrap().time_between.mean_secs() / 86_400.0
    };
    assert_eq!(sc.paired_zone_failures.len(), 3);
    assert_eq!(mean_days(&sc.paired_zone_failures[1]), 5.0);
    assert_eq!(mean_days(&sc.paired_zone_failures[0]), 30.0);
    assert_eq!(mean_days(&sc.zone_failures[1]), 30.0);
}

/// A paired zone is looked up among the paired region's zones, with the
/// usual position, key path and nearest-name suggestion.
#[test]
fn an_unknown_paired_zone_is_an_error_with_a_suggestion() {
    let e = error(
        "[[incidents]]\nkind = \"zone\"\nregion = \"pair\"\nzone = \"ne2\"\nat = \"1d\"\nduration = \"1h\"\n",
    );
    assert!(e.contains("bad.toml:"), "{e}");
    assert!(e.contains("key: incidents[0].zone"), "{e}");
    assert!(e.contains("unknown zone `ne2`"), "{e}");
    assert!(e.contains("did you mean `ne-2`?"), "{e}");

    // A home zone's name is not a paired zone's.
    let e = error(
        "[failures.zones]\ntime_between = \"30d\"\nduration = \"1h\"\n[[failures.zone]]\nregion = \"pair\"\nname = \"az1\"\nduration = \"2h\"\n",
    );
    assert!(e.contains("key: failures.zone[0].name"), "{e}");
    assert!(e.contains("unknown zone `az1`"), "{e}");

    // The region itself is checked too.
    let e = error(
        "[[incidents]]\nkind = \"zone\"\nregion = \"pairr\"\nzone = \"ne-2\"\nat = \"1d\"\nduration = \"1h\"\n",
    );
    assert!(e.contains("key: incidents[0].region"), "{e}");
    assert!(e.contains("did you mean `pair`?"), "{e}");
}

/// With a zone outage escalating every time, a paired zone's outage grows
/// into an outage of the paired region (a `paired-region` incident that
/// began as that zone incident), a home zone's into a home region outage.
#[test]
fn a_paired_zone_outage_escalates_to_a_paired_region_outage() {
    let sc = scenario(
        r#"
[failures.zones]
time_between = { dist = "exponential", mean = "20d" }
duration = "2h"
escalation_probability = 1.0
escalation_delay = "10m"
escalation_duration = "1h"
"#,
    );
    let (mut paired, mut home) = (0, 0);
    for run in 0..sc.simulation.runs {
        let o = run_replication(&sc, run);
        for i in &o.incidents {
            let Some(from) = i.escalated_from else {
                continue;
            };
            let zone = &o.incidents[from as usize];
            assert_eq!(zone.class, IncidentClass::Zone);
            match i.class {
                IncidentClass::PairedRegion => {
                    assert!(zone.scope.starts_with("pair/"), "{zone:?}");
                    assert_eq!(i.start_ns, zone.start_ns + 600_000_000_000);
                    paired += 1;
                }
                IncidentClass::Region => {
                    assert!(!zone.scope.contains('/'), "{zone:?}");
                    home += 1;
                }
                other => panic!("escalated to {other}"),
            }
        }
    }
    assert!(
        paired > 0 && home > 0,
        "{paired} paired, {home} home escalations"
    );
}

/// The guard counts the paired region's zone outages: three more zones
/// failing by the same law.
#[test]
fn the_guard_counts_the_paired_regions_zone_outages() {
    let sc = scenario("[failures.zones]\ntime_between = \"4d\"\nduration = \"1d\"\n");
    let mut home_only = sc.clone();
    home_only.paired_zone_failures.clear();
    let both = guard::estimate(&sc).incidents_per_run;
    let home = guard::estimate(&home_only).incidents_per_run;
    // 10 days of horizon over a 5-day cycle, for each of 3 more zones.
    let expected = 3.0 * 10.0 / 5.0;
    assert!(
        ((both - home) - expected).abs() < 1e-9,
        "{both} vs {home} incidents per run"
    );
    // And the model does simulate them.
    let paired_incidents: usize = (0..sc.simulation.runs)
        .map(|run| {
            run_replication(&sc, run)
                .incidents
                .iter()
                .filter(|i| i.scope.starts_with("pair/"))
                .count()
        })
        .sum();
    assert!(paired_incidents > 0);
}
