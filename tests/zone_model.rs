//! Rules of the zone-redundant region model, checked against closed forms
//! with fixed seeds and tolerances derived from the number of replications.

mod common;

use common::{scenario, scenario_text, tolerance};
use drsim::runner::run_replication;
use drsim::stats::{ks_one_sample, Welford};
use drsim::theory::k_of_n_availability;

/// 4.5 standard errors: a correct model fails this with probability ~7e-6,
/// and the seeds are fixed, so a failure means the model changed.
const Z: f64 = 4.5;

fn availability_stats(text: &str) -> (Welford, u64) {
    let sc = scenario(text);
    let mut w = Welford::new();
    for r in 0..sc.simulation.runs {
        w.push(run_replication(&sc, r).availability());
    }
    (w, sc.simulation.runs)
}

#[test]
fn single_zone_availability_is_mttf_over_mttf_plus_mttr() {
    // Sandbox: lives in its home zone and waits for it; accelerated rates.
    let text = scenario_text(
        "sandbox",
        2,
        3,
        r#"[failures.zones]
time_between = { dist = "exponential", mean = "10h" }
duration = { dist = "exponential", mean = "1h" }
"#,
    );
    let (w, n) = availability_stats(&text);
    let exact = drsim::theory::availability(10.0, 1.0).unwrap();
    let tol = tolerance(w.std_dev(), n, Z);
    assert!(
        (w.mean() - exact).abs() < tol,
        "availability {} vs {exact} ± {tol}",
        w.mean()
    );
}

#[test]
fn quorum_availability_matches_k_of_n_closed_form() {
    // Near-instant failover so availability is exactly P(#up >= quorum);
    // lognormal durations: the closed form is insensitive to the law.
    for (zones, quorum) in [(3, 2), (5, 3)] {
        let text = scenario_text(
            "production",
            quorum,
            zones,
            r#"[failover]
heartbeat_interval = "1ms"
missed_heartbeats = 1
reroute = "0s"

[failures.zones]
time_between = { dist = "exponential", mean = "8h" }
duration = { dist = "lognormal", median = "1h", sigma = 0.5 }
"#,
        );
        let (w, n) = availability_stats(&text);
        let mean_down_h = (0.125f64).exp();
        let exact = k_of_n_availability(zones as u32, quorum as u32, 8.0, mean_down_h).unwrap();
        let tol = tolerance(w.std_dev(), n, Z);
        assert!(
            (w.mean() - exact).abs() < tol,
            "{quorum}-of-{zones}: availability {} vs {exact} ± {tol}",
            w.mean()
        );
    }
}

#[test]
fn majority_quorum_never_loses_acknowledged_writes_with_single_zone_failures() {
    // Frequent, long, independent failures: plenty of overlaps, leader
    // failovers and quorum losses, but no correlated (same-instant) failures.
    let text = scenario_text(
        "production",
        2,
        3,
        r#"[failures.zones]
time_between = { dist = "exponential", mean = "20h" }
duration = { dist = "exponential", mean = "4h" }
"#,
    );
    let sc = scenario(&text);
    let mut failovers = 0;
    let mut quorum_losses = 0;
    for r in 0..sc.simulation.runs {
        let o = run_replication(&sc, r);
        for i in &o.incidents {
            assert_eq!(i.lost_writes, 0, "run {r}: {i:?}");
            assert_eq!(i.rpo_ns, 0, "run {r}: {i:?}");
            failovers += usize::from(i.recovery == "zone-failover");
            quorum_losses += usize::from(i.recovery == "quorum");
        }
    }
    // The check is only meaningful if the dangerous situations happened.
    assert!(failovers > 1000, "{failovers} failovers");
    assert!(quorum_losses > 100, "{quorum_losses} quorum losses");
}

#[test]
fn non_majority_quorum_loses_in_flight_writes_when_the_leader_fails() {
    // The counterpart of the test above: with quorum 1 the followers are
    // asynchronous, so a failed leader takes the writes still in flight to
    // them (half a zone round trip) with it.
    let text = scenario_text(
        "production",
        1,
        3,
        r#"[failures.zones]
time_between = { dist = "exponential", mean = "20h" }
duration = { dist = "exponential", mean = "4h" }
"#,
    )
    .replace("write_rate = \"100/s\"", "write_rate = \"20000/s\"");
    let sc = scenario(&text);
    let runs: Vec<_> = (0..20).map(|r| run_replication(&sc, r).incidents).collect();
    let lossy = |i: &&drsim::incident::Incident| i.lost_writes > 0;
    // Only leader failovers lose.
    assert!(runs
        .iter()
        .flatten()
        .filter(lossy)
        .all(|i| i.recovery == "zone-failover"));
    // A leader failing alone loses only what was in flight (< 10 ms); with
    // overlapping failures a stale follower can be elected and lose hours.
    let alone: Vec<_> = runs.into_iter().flat_map(isolated).collect();
    let alone_lossy: Vec<_> = alone.iter().filter(lossy).collect();
    assert!(
        alone_lossy.len() > 50,
        "only {} lossy incidents",
        alone_lossy.len()
    );
    assert!(alone_lossy.iter().all(|i| i.rpo_ns < 10_000_000));
}

/// Incidents that overlap no other incident of their replication (an
/// overlap can stretch an outage beyond the failover itself).
fn isolated(incidents: Vec<drsim::incident::Incident>) -> Vec<drsim::incident::Incident> {
    let span = |i: &drsim::incident::Incident| (i.start_ns, i.end_ns.unwrap_or(u64::MAX));
    incidents
        .iter()
        .filter(|a| {
            incidents
                .iter()
                .all(|b| a.seq == b.seq || span(b).1 < span(a).0 || span(a).1 < span(b).0)
        })
        .cloned()
        .collect()
}

#[test]
fn heartbeat_detection_delay_is_uniform_between_k_minus_1_and_k_intervals() {
    // With a constant zero reroute, a leader failure's RTO is the detection
    // delay alone: Uniform[(k-1)h, kh) for failures at a random phase.
    let text = scenario_text(
        "production",
        2,
        3,
        r#"[failover]
heartbeat_interval = "2s"
missed_heartbeats = 3
reroute = "0s"

[failures.zones]
time_between = { dist = "exponential", mean = "100h" }
duration = { dist = "exponential", mean = "10m" }
"#,
    );
    let sc = scenario(&text);
    let delays: Vec<f64> = (0..sc.simulation.runs)
        .flat_map(|r| isolated(run_replication(&sc, r).incidents))
        .filter(|i| i.recovery == "zone-failover")
        .map(|i| i.rto_ns as f64 / 1e9)
        .collect();
    assert!(delays.len() > 300, "only {} failovers", delays.len());
    assert!(delays.iter().all(|&d| (4.0..6.0).contains(&d)));
    let ks = ks_one_sample(&delays, |x| ((x - 4.0) / 2.0).clamp(0.0, 1.0));
    assert!(ks.p_value > 0.001, "KS rejects uniform law: {ks:?}");
}

#[test]
fn manual_recovery_region_loses_writes_since_the_last_backup() {
    // Region without zones: a ticket (1h) always beats the zone repair
    // (100h), so every home-zone failure is restored from a backup taken
    // every 4h: RPO is at most one backup interval, RTO the ticket delay.
    let text = scenario_text(
        "production",
        2,
        3,
        r#"[[incidents]]
kind = "zone"
zone = "az1"
at = "10h"
duration = "100h"
"#,
    )
    .replace(
        "zones = [\"az1\", \"az2\", \"az3\"]",
        "zones = [\"az1\", \"az2\", \"az3\"]\navailability_zones = false\nsupport_ticket_delay = \"1h\"\nbackup_interval = \"4h\"",
    );
    let sc = scenario(&text);
    let o = run_replication(&sc, 0);
    let i = &o.incidents[0];
    assert_eq!(i.recovery, "support-ticket");
    assert_eq!(i.rto_ns, 3_600_000_000_000);
    // Failure at 10h, last backup at 8h: a 2h window at 100 writes/s.
    assert!(
        i.rpo_ns <= 7_200_000_000_000 && i.rpo_ns > 7_100_000_000_000,
        "{i:?}"
    );
    let expected: f64 = 100.0 * 7200.0;
    let tol = Z * expected.sqrt();
    assert!((i.lost_writes as f64 - expected).abs() < tol, "{i:?}");
    assert_eq!(i.lost_bytes, i.lost_writes * 4096);
}
