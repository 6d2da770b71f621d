//! `drsim decide` against the simulator and from the command line.
//!
//! The simulation check runs the policy the curve prices — "wait t, then
//! fail over unless the region is back" — in the real model: the operator's
//! decision delay fixed to the constant `elapsed + t`, one home-region
//! outage per replication (`failures.regions.conditioned`), nothing else
//! failing. Each replication's downtime (region and failback incidents),
//! lost writes and whether the region came back first are compared with
//! the curve within 4.5 standard errors of the sample (fixed seeds: the
//! verdict never flips between runs).

mod common;

use common::tolerance;
use drsim::decide::{self, Request};
use drsim::model::Replication;
use drsim::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The DR scenario of the check: 200 writes/s over a link at ρ = 0.25 with
/// 10 s batches, 10-minute lognormal failovers, 5-minute switches, the
/// default election after a region's return, a fast link so the switch back
/// starts soon after `failback_delay`.
fn policy_scenario(outage: &str, destroy: f64, decision: &str, seed: u64) -> Scenario {
    common::scenario(&format!(
        r#"name = "decide-check"
[simulation]
seed = {seed}
runs = 3000
horizon = "20d"

[[regions]]
name = "westeurope"
zones = ["az1", "az2", "az3"]
paired_region = "northeurope"
pair_distance_km = 750

[[regions]]
name = "northeurope"
zones = ["az1", "az2", "az3"]

[environment]
name = "env"
type = "production"
region = "westeurope"
data_size = "10GB"
managed = true
billing = "pay-as-you-go"

[workload]
write_rate = "200/s"
write_size = "4KB"

[replication]
quorum = 2

[cross_region]
bandwidth = "3.2MB/s"
rtt_overhead = "0s"
batch_interval = "10s"
apply_delay = "3s"

[dr]
enabled = true
target_region = "northeurope"
operator_decision = "{decision}"
failover_time = {{ dist = "lognormal", median = "10m", sigma = 0.4 }}
switch_time = {{ dist = "lognormal", median = "5m", sigma = 0.3 }}
failback_delay = "30m"

[failures.regions]
time_between = {{ dist = "exponential", mean = "5y" }}
duration = {outage}
destroy_probability = {destroy}
conditioned = true
warmup = "1d"

[[failures.region]]
name = "northeurope"
random = false
"#
    ))
}

/// What the simulated policy cost, over the replications whose outage
/// lasted beyond `elapsed_s` and began early enough for its failback to end
/// before the horizon (the outage's start is independent of everything
/// else, so dropping late ones biases nothing).
struct Measured {
    downtime_s: Vec<f64>,
    lost_writes: Vec<f64>,
    /// 1 when the region was back by the decision (the outage's duration).
    back: Vec<f64>,
    /// 1 when the environment failed over (decision `failover`: at the
    /// decision, or at a destroyed region's return).
    failed_over: Vec<f64>,
}

fn simulate(sc: &Scenario, elapsed_s: f64, decision_s: f64) -> Measured {
    let latest_start = 15.0 * 86_400.0;
    let mut m = Measured {
        downtime_s: Vec::new(),
        lost_writes: Vec::new(),
        back: Vec::new(),
        failed_over: Vec::new(),
    };
    for run in 0..sc.simulation.runs {
        let outcome = Replication::new(sc, run).run();
        let region = outcome
            .incidents
            .iter()
            .find(|i| i.class.name() == "region")
            .expect("one conditioned outage per replication");
        let start = region.start_ns as f64 / 1e9;
        if start > latest_start {
            continue;
        }
        let end = region.end_ns.expect("repaired before the horizon") as f64 / 1e9;
        if end - start <= elapsed_s {
            continue;
        }
        let down_ns = outcome.horizon_ns - outcome.served_ns;
        m.downtime_s.push(down_ns as f64 / 1e9 - elapsed_s);
        m.lost_writes
            .push(outcome.incidents.iter().map(|i| i.lost_writes as f64).sum());
        m.back.push(f64::from(u8::from(end - start <= decision_s)));
        let failover = region.decision == Some("failover");
        m.failed_over.push(f64::from(u8::from(failover)));
    }
    m
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

fn agrees(what: &str, sample: &[f64], curve: f64) {
    let (mean, sd) = mean_sd(sample);
    let n = sample.len() as u64;
    // A sample with no spread (every replication failed over and the
    // loss is the same) still allows the rounding of nanosecond times.
    let tol = tolerance(sd, n, 4.5).max(1e-6 * curve.abs());
    assert!(
        (mean - curve).abs() <= tol,
        "{what}: simulated {mean} (n = {n}, sd {sd}) vs curve {curve} ± {tol}"
    );
}

fn check_policy(outage: &str, destroy: f64, elapsed: &str, wait: &str, seed: u64) {
    let request = Request::parse(elapsed, None, Some(wait)).unwrap();
    let decision = request.elapsed_s + request.grid_s[0];
    let sc = policy_scenario(outage, destroy, &format!("{decision}s"), seed);
    let curve = decide::decide(&sc, &request).unwrap();
    let point = curve.points[0];
    let m = simulate(&sc, request.elapsed_s, decision);
    assert!(
        m.downtime_s.len() > 800,
        "{} replications used",
        m.downtime_s.len()
    );
    let what = format!("{outage}, destroy {destroy}, elapsed {elapsed}, wait {wait}");
    agrees(
        &format!("{what}: downtime"),
        &m.downtime_s,
        point.downtime_s,
    );
    agrees(
        &format!("{what}: lost writes"),
        &m.lost_writes,
        point.lost_writes,
    );
    agrees(&format!("{what}: back"), &m.back, point.p_back);
    agrees(
        &format!("{what}: failed over"),
        &m.failed_over,
        point.p_failover,
    );
}

#[test]
fn the_curve_matches_the_simulated_policy_for_exponential_outages() {
    check_policy(
        r#"{ dist = "exponential", mean = "2h" }"#,
        0.0,
        "0s",
        "30m",
        11,
    );
}

#[test]
fn the_curve_matches_the_simulated_policy_after_a_lognormal_outage_has_lasted() {
    // Conditioned on R > 1 h (the replications whose outage lasted that long),
    // a fifth of the outages destroying the region's data.
    check_policy(
        r#"{ dist = "lognormal", median = "1h", sigma = 1.0 }"#,
        0.2,
        "1h",
        "45m",
        12,
    );
}

#[test]
fn the_curve_matches_the_simulated_policy_when_failing_over_at_once() {
    check_policy(
        r#"{ dist = "weibull", shape = 0.7, mean = "3h" }"#,
        0.0,
        "0s",
        "0s",
        13,
    );
}

#[test]
fn the_curve_counts_the_election_after_the_regions_return() {
    // Outages of 5 to 15 minutes, a 1-hour wait: the region is always back
    // first, and writes resume after the zone election (`failover.reroute`,
    // mean 34 s here): a curve without it would be 34 s short, twice the
    // 17 s the sample allows (4.5 standard errors of 2,200 outages whose
    // durations spread by 173 s).
    check_policy(
        r#"{ dist = "uniform", low = "5m", high = "15m" }"#,
        0.0,
        "0s",
        "1h",
        14,
    );
}

// ── the command line ───────────────────────────────────────────────────

const DR: &str = "scenarios/dynamics365-self-service-dr.toml";

fn drsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drsim"))
        .args(args)
        .output()
        .expect("drsim runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("drsim-decide-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn fails_with(args: &[&str], message: &str) {
    let out = drsim(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(message), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn decide_prints_the_table_and_writes_the_csv_and_the_chart() {
    let dir = temp_dir("files");
    let out = dir.join("d");
    let o = drsim(&[
        "decide",
        DR,
        "--elapsed",
        "20m",
        "--loss-shown",
        "4m",
        "--grid",
        "0m,30m,2h",
        "--out",
        s(&out),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("`dynamics365-self-service-dr`"), "{stdout}");
    assert!(stdout.contains("has lasted 20m 00s"), "{stdout}");
    assert!(
        stdout.contains("loss window 4m 00s (--loss-shown) × 200/s = 48000 writes"),
        "{stdout}"
    );
    assert!(stdout.contains("would wait for the region"), "{stdout}");
    let now = stdout
        .lines()
        .find(|l| l.starts_with("now "))
        .expect("a row for now");
    assert!(now.contains("100.0%") && now.contains("48000"), "{now}");
    let csv = std::fs::read_to_string(out.join("decide.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "elapsed_s,wait_s,p_back_within,p_failover,interruption_s,switch_back_s,downtime_s,lost_writes,lost_bytes"
    );
    assert_eq!(rows.len(), 4);
    assert!(rows[1].starts_with("1200,0,0,1,"), "{}", rows[1]);
    assert!(rows[3].starts_with("1200,7200,"), "{}", rows[3]);
    for f in ["decide.png", "decide.svg", "provenance.json"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let svg = std::fs::read_to_string(out.join("decide.svg")).unwrap();
    assert!(svg.contains("Region outage 20m 00s old"));
    // Deterministic: the same question gives the same bytes.
    let again = dir.join("again");
    let o = drsim(&[
        "decide",
        DR,
        "--elapsed",
        "20m",
        "--loss-shown",
        "4m",
        "--grid",
        "0m,30m,2h",
        "--out",
        s(&again),
        "-q",
    ]);
    assert!(o.status.success() && o.stdout.is_empty());
    for f in ["decide.csv", "decide.svg"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f}"
        );
    }
    // A folder holding results is refused without --force, replaced with it.
    fails_with(
        &["decide", DR, "--elapsed", "20m", "--out", s(&out)],
        "already holds results",
    );
    let o = drsim(&[
        "decide",
        DR,
        "--elapsed",
        "1h",
        "--out",
        s(&out),
        "--force",
        "-q",
    ]);
    assert!(o.status.success());
    let csv = std::fs::read_to_string(out.join("decide.csv")).unwrap();
    assert_eq!(csv.lines().count(), 14, "the default grid has 13 waits");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn decide_refuses_bad_input_with_exit_2_and_writes_nothing() {
    let dir = temp_dir("bad");
    let out = dir.join("never");
    let o = s(&out);
    fails_with(
        &["decide", DR, "--elapsed", "20x", "--out", o],
        "--elapsed: unknown unit \"x\"",
    );
    fails_with(
        &[
            "decide",
            DR,
            "--elapsed",
            "20m",
            "--loss-shown",
            "4 parsecs",
            "--out",
            o,
        ],
        "--loss-shown: unknown unit",
    );
    fails_with(
        &[
            "decide",
            DR,
            "--elapsed",
            "20m",
            "--grid",
            "1h,30m",
            "--out",
            o,
        ],
        "--grid: point 2",
    );
    fails_with(
        &["decide", DR, "--elapsed", "300d", "--out", o],
        "nothing to condition on",
    );
    fails_with(
        &[
            "decide",
            "scenarios/dynamics365-no-dr.toml",
            "--elapsed",
            "20m",
            "--out",
            o,
        ],
        "no self-service DR",
    );
    fails_with(
        &[
            "decide",
            "scenarios/dynamics365-dr-drill.toml",
            "--elapsed",
            "20m",
            "--out",
            o,
        ],
        "no random outages of its home region",
    );
    fails_with(&["decide", DR, "--out", o], "--elapsed");
    assert!(!out.exists(), "an error left {} behind", out.display());
    std::fs::remove_dir_all(&dir).unwrap();
}
