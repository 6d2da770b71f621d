//! Replication mode `all-in-sync` (two-zone regions done right): a write
//! commits on every in-sync zone, a failed zone leaves the set after
//! detection and reroute, the survivor carries on alone, and only an
//! in-sync zone may be elected. Closed forms with fixed seeds and
//! tolerances from the number of replications.

mod common;

use common::{scenario, tolerance};
use drsim::incident::{Incident, IncidentClass};
use drsim::runner::run_replication;
use drsim::scenario::{parse_str, ScenarioError};
use drsim::stats::Welford;
use drsim::theory::{all_in_sync_pair_availability, k_of_n_availability};

/// 4.5 standard errors: a correct model fails with probability ~7e-6.
const Z: f64 = 4.5;

/// A production environment in a region of `zones` zones replicating in
/// `replication` (the body of `[replication]`), then `extra`.
fn text(zones: usize, replication: &str, extra: &str) -> String {
    let zone_list: Vec<String> = (1..=zones).map(|i| format!("\"az{i}\"")).collect();
    format!(
        r#"name = "two-zones"
[simulation]
seed = 11
runs = 400
horizon = "1000h"

[[regions]]
name = "r1"
zones = [{zones}]

[environment]
name = "env"
type = "production"
region = "r1"
data_size = "10GB"

[workload]
write_rate = "100/s"
write_size = "4KiB"

[replication]
{replication}

{extra}
"#,
        zones = zone_list.join(", ")
    )
}

/// Instant failover and resync: outages come from the zone law alone.
const INSTANT: &str = r#"[failover]
heartbeat_interval = "1ms"
missed_heartbeats = 1
reroute = "0s"
"#;

/// Two zones failing every 10 h on average for 2 h (exponential laws):
/// r = 0.2, so both are down about 2.8% of the time. Under all-in-sync the
/// zone that failed first may not serve when it is back alone, which the
/// closed form counts: 1 − A = r²(r + 2)/(r + 1)³ = 5.09%, against the
/// 2.78% of a 1-of-2 quorum. The simulated mean is within 4.5 standard
/// errors of the former and far from the latter.
#[test]
fn two_zone_availability_matches_the_all_in_sync_closed_form() {
    let t = text(
        2,
        "mode = \"all-in-sync\"",
        &format!(
            "{INSTANT}\n[failures.zones]\ntime_between = {{ dist = \"exponential\", mean = \"10h\" }}\nduration = {{ dist = \"exponential\", mean = \"2h\" }}\n"
        ),
    );
    let sc = scenario(&t);
    let mut w = Welford::new();
    for r in 0..sc.simulation.runs {
        w.push(run_replication(&sc, r).availability());
    }
    let exact = all_in_sync_pair_availability(10.0, 2.0).unwrap();
    let one_of_two = k_of_n_availability(2, 1, 10.0, 2.0).unwrap();
    let tol = tolerance(w.std_dev(), sc.simulation.runs, Z);
    assert!(
        (w.mean() - exact).abs() < tol,
        "availability {} vs {exact} ± {tol}",
        w.mean()
    );
    assert!((w.mean() - one_of_two).abs() > 5.0 * tol, "{one_of_two}");
}

/// Incidents that overlap no other incident of their replication.
fn isolated(incidents: &[Incident]) -> Vec<&Incident> {
    let span = |i: &Incident| (i.start_ns, i.end_ns.unwrap_or(u64::MAX));
    incidents
        .iter()
        .filter(|a| {
            incidents
                .iter()
                .all(|b| a.seq == b.seq || span(b).1 < span(a).0 || span(a).1 < span(b).0)
        })
        .collect()
}

/// A single zone failure, leader or follower, stalls commits until it is
/// declared (3 missed 1 s beats: [2 s, 3 s)) and the set is reconfigured
/// (a constant 20 s reroute): RTO in [22 s, 23 s), nothing lost, recovery
/// by failover, whichever zone failed (a follower back sooner ends the
/// stall on its return). Both zones fail, so both roles are covered.
#[test]
fn a_single_zone_failure_costs_detection_plus_reroute_and_nothing_else() {
    let t = text(
        2,
        "mode = \"all-in-sync\"",
        r#"[failover]
heartbeat_interval = "1s"
missed_heartbeats = 3
reroute = "20s"

[failures.zones]
time_between = { dist = "exponential", mean = "100h" }
duration = { dist = "exponential", mean = "1h" }
"#,
    )
    .replace("write_rate = \"100/s\"", "write_rate = \"20000/s\"");
    let sc = scenario(&t);
    let mut checked = [0u32; 2];
    for r in 0..100 {
        let out = run_replication(&sc, r);
        for i in isolated(&out.incidents) {
            if i.end_ns.is_none() {
                continue;
            }
            assert!(i.disruptive(), "{i:?}");
            assert_eq!((i.lost_writes, i.rpo_ns), (0, 0), "{i:?}");
            let outage = i.end_ns.unwrap_or(u64::MAX) - i.start_ns;
            if outage < 22_000_000_000 && i.recovery == "quorum" {
                // A follower back before the reconfiguration holds every
                // commit (they stalled): writes resume with it.
                assert_eq!(i.rto_ns, outage, "{i:?}");
                continue;
            }
            assert!(
                (22_000_000_000..23_000_000_000).contains(&i.rto_ns),
                "{i:?}"
            );
            assert_eq!(i.recovery, "zone-failover");
            checked[usize::from(i.scope == "az2")] += 1;
        }
    }
    assert!(checked.iter().all(|&n| n > 200), "{checked:?}");
}

/// While alone, a failure of the survivor stops writes until that very
/// zone returns: az1 fails at 10 h for 5 h, az2 (carrying on alone) at 12 h
/// for 10 h. az1 is back at 15 h but lacks two hours of writes, so it is
/// never elected: writes resume at 22 h plus the reroute, and nothing is
/// lost. A 1-of-2 quorum elects the stale az1 at 15 h and loses those two
/// hours.
#[test]
fn a_stale_zone_is_never_elected() {
    let incidents = r#"[failover]
heartbeat_interval = "1s"
missed_heartbeats = 3
reroute = "20s"

[[incidents]]
kind = "zone"
zone = "az1"
at = "10h"
duration = "5h"

[[incidents]]
kind = "zone"
zone = "az2"
at = "12h"
duration = "10h"
"#;
    let h = 3_600_000_000_000u64;
    let all_in_sync = scenario(&text(2, "mode = \"all-in-sync\"", incidents));
    let out = run_replication(&all_in_sync, 0);
    let second = &out.incidents[1];
    assert_eq!(second.scope, "az2");
    assert_eq!(second.interruption_end_ns, Some(22 * h + 20_000_000_000));
    assert!(out.incidents.iter().all(|i| i.lost_writes == 0));

    let quorum_one = scenario(&text(2, "quorum = 1", incidents));
    let out = run_replication(&quorum_one, 0);
    let second = &out.incidents[1];
    assert_eq!(second.interruption_end_ns, Some(15 * h + 20_000_000_000));
    // Two hours at 100 writes/s, Poisson: 720,000 ± 5 × 849.
    assert!(
        (second.lost_writes as f64 - 720_000.0).abs() < 5.0 * 849.0,
        "{second:?}"
    );
}

/// A commit waits for every in-sync follower: with three zones and round
/// trips uniform on [1 ms, 3 ms], the latency is the larger of two draws
/// (mean 7/3 ms), where a 2-of-3 quorum waits for the smaller (5/3 ms).
#[test]
fn commit_latency_is_the_slowest_in_sync_follower() {
    let rtt = "zone_rtt = { dist = \"uniform\", low = \"1ms\", high = \"3ms\" }";
    let mean_latency = |replication: &str| {
        let sc = scenario(&text(3, &format!("{replication}\n{rtt}"), ""));
        let mut w = Welford::new();
        for r in 0..sc.simulation.runs {
            for &l in &run_replication(&sc, r).commit_latencies_ns {
                w.push(l as f64 / 1e6);
            }
        }
        (w.mean(), tolerance(w.std_dev(), w.count(), Z))
    };
    let (all, tol) = mean_latency("mode = \"all-in-sync\"");
    assert!((all - 7.0 / 3.0).abs() < tol, "{all} ± {tol}");
    let (quorum, tol) = mean_latency("quorum = 2");
    assert!((quorum - 5.0 / 3.0).abs() < tol, "{quorum} ± {tol}");
}

/// The shipped two-zone scenario meets the document's zone claims for
/// single zone failures: every isolated one loses nothing and 99% of them
/// recover within 5 minutes; the scenario's own targets are met.
#[test]
fn the_shipped_two_zone_scenario_meets_rpo_0_and_rto_5_minutes() {
    let text = include_str!("../scenarios/dynamics365-two-zones.toml");
    let mut sc = scenario(text);
    sc.simulation.runs = 400;
    let mut rtos = Vec::new();
    for r in 0..sc.simulation.runs {
        let out = run_replication(&sc, r);
        for i in isolated(&out.incidents) {
            if i.class == IncidentClass::Zone && !i.scope.contains('+') && i.end_ns.is_some() {
                assert_eq!((i.lost_writes, i.rpo_ns), (0, 0), "{i:?}");
                rtos.push(i.rto_ns);
            }
        }
    }
    rtos.sort_unstable();
    assert!(rtos.len() > 2_000, "{}", rtos.len());
    let p99 = rtos[rtos.len() * 99 / 100];
    assert!(p99 <= 300_000_000_000, "RTO p99 {p99} ns");
    let stop = std::sync::atomic::AtomicBool::new(false);
    let summary = drsim::runner::run(&sc, &Default::default(), &mut [], &stop).unwrap();
    assert!(
        summary.targets.iter().all(|t| t.met),
        "{:?}",
        summary.targets
    );
}

/// `mode` takes `quorum` or `all-in-sync`, with a suggestion for a near
/// miss; `quorum` belongs to mode `quorum` only.
#[test]
fn the_mode_is_validated() {
    let errors = |t: &str| match parse_str(t, "bad.toml") {
        Err(e @ ScenarioError::Invalid(_)) => e.to_string(),
        other => panic!("accepted or wrong error: {:?}", other.err()),
    };
    let e = errors(&text(2, "mode = \"all-insync\"", ""));
    assert!(
        e.contains("key: replication.mode")
            && e.contains("expected one of `quorum`, `all-in-sync`")
            && e.contains("did you mean `all-in-sync`?")
            && e.contains("bad.toml:"),
        "{e}"
    );
    let e = errors(&text(2, "mode = \"all-in-sync\"\nquorum = 1", ""));
    assert!(
        e.contains("key: replication.quorum") && e.contains("mode = \"quorum\" only"),
        "{e}"
    );
    let sc = scenario(&text(2, "", ""));
    assert_eq!(
        sc.replication.mode,
        drsim::scenario::ReplicationMode::Quorum
    );
}
