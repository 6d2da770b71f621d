//! The policy frontier (`drsim frontier`): each policy is a plain run with
//! the two values, the policies share their failures (common random
//! numbers), a longer decision delay acts exactly as it must on the first
//! emergency of every replication, and the command's outputs and errors.

use drsim::frontier::{self, Frontier, Policies, SECONDS_PER_YEAR};
use drsim::guard::Limits;
use drsim::incident::{Incident, IncidentClass};
use drsim::model::Replication;
use drsim::overrides::{self, Override};
use drsim::runner::{self, RunOptions};
use drsim::scenario::{self, Scenario};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::AtomicBool;

const SCENARIO: &str = "tests/scenarios/frontier.toml";

fn text() -> String {
    std::fs::read_to_string(SCENARIO).unwrap()
}

fn drsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drsim"))
        .args(args)
        .output()
        .expect("drsim runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("drsim-frontier-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run_frontier(text: &str, max_data_loss: &str, decisions: &str, runs: u64) -> Frontier {
    let policies = Policies::parse(max_data_loss, decisions).unwrap();
    let plan = frontier::plan(
        text,
        SCENARIO,
        &policies,
        Some(runs),
        None,
        &Limits::default(),
    )
    .unwrap();
    frontier::run(plan, &AtomicBool::new(false), &|| {}).unwrap()
}

/// `text` with `sets` applied, exactly as `run --set KEY=VALUE` applies them.
fn with_sets(text: &str, sets: &[(&str, &str)]) -> Scenario {
    let sets: Vec<Override> = sets
        .iter()
        .map(|(key, value)| Override {
            arg: format!("{key}={value}"),
            key: key.to_string(),
            value: (*value).into(),
        })
        .collect();
    overrides::apply(text, SCENARIO, &sets).unwrap().scenario
}

/// The scenario of one policy.
fn with_policy(text: &str, max_data_loss: &str, decision: &str) -> Scenario {
    with_sets(
        text,
        &[
            (frontier::MAX_DATA_LOSS_KEY, max_data_loss),
            (frontier::DECISION_KEY, decision),
        ],
    )
}

#[test]
fn none_is_the_default_written_out() {
    let base = text();
    let limit = |value: &str| {
        let t = base.replace(
            "max_data_loss = \"1m\"",
            &format!("max_data_loss = {value}"),
        );
        scenario::parse_str(&t, "x.toml").map(|l| l.scenario.dr.unwrap().max_data_loss)
    };
    assert_eq!(limit("\"none\"").unwrap(), None);
    assert_eq!(
        limit("\"90s\"").unwrap(),
        Some(drsim::time::SimDuration::from_secs(90))
    );
    let e = limit("\"nothing\"").unwrap_err().to_string();
    assert!(
        e.contains("dr.max_data_loss") && e.contains("\"none\""),
        "{e}"
    );
    // `--set dr.max_data_loss=none` runs what a file without the key runs.
    let without = base.replace("max_data_loss = \"1m\"\n", "");
    let mut a = with_policy(&base, "none", "30m");
    let mut b = with_sets(&without, &[(frontier::DECISION_KEY, "30m")]);
    let mut c = with_policy(&base, "1s", "30m");
    let stop = AtomicBool::new(false);
    let options = RunOptions { threads: Some(1) };
    let summary = |sc: &mut Scenario| {
        sc.simulation.runs = 40;
        runner::run(sc, &options, &mut [], &stop).unwrap()
    };
    let (sa, sb, sc) = (summary(&mut a), summary(&mut b), summary(&mut c));
    assert_eq!(sa.downtime_s, sb.downtime_s);
    assert_eq!(sa.classes, sb.classes);
    assert_ne!(sa.classes, sc.classes, "a limit of 1 s changes the run");
}

#[test]
fn every_policy_is_a_plain_run_with_its_two_values() {
    let text = text();
    let runs = 120;
    let f = run_frontier(&text, "none,3s", "5m,2h", runs);
    assert_eq!(f.points.len(), 4);
    let stop = AtomicBool::new(false);
    for p in &f.points {
        let mut sc = with_policy(&text, &p.max_data_loss, &p.decision);
        sc.simulation.runs = runs;
        let run = runner::run(&sc, &RunOptions { threads: Some(2) }, &mut [], &stop).unwrap();
        // The same summary, but for the record of the overrides and the
        // scenario's hash: the frontier's text also holds `runs = 120`.
        let without = |s: &drsim::metrics::Summary| {
            let mut v = serde_json::to_value(s).unwrap();
            for key in ["overrides", "scenario_hash"] {
                v.as_object_mut().unwrap().remove(key);
            }
            v
        };
        assert_eq!(without(&p.summary), without(&run), "{}", p.label());
        // The figures are those of the summary, per year.
        let years = SECONDS_PER_YEAR / run.horizon_s;
        assert_eq!(
            p.downtime_s.mean,
            Some(run.downtime_s.as_ref().unwrap().mean * years)
        );
        let region: f64 = ["region", "failback"]
            .iter()
            .filter_map(|c| run.classes.get(*c))
            .map(|c| c.downtime_s_per_run)
            .sum();
        close(p.region_downtime_s.mean.unwrap(), region * years);
        let lost: u64 = run.classes.values().map(|c| c.lost_writes).sum();
        close(
            p.lost_writes.mean.unwrap(),
            lost as f64 / runs as f64 * years,
        );
        let (lo, hi) = p.downtime_s.ci95.unwrap();
        assert!(lo < p.downtime_s.mean.unwrap() && p.downtime_s.mean.unwrap() < hi);
    }
    // The policies differ (else the frontier would show nothing).
    assert!(f.points[0].lost_writes.mean > f.points[3].lost_writes.mean);
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} vs {b}");
}

/// In the rare-event mode each replication holds exactly one region outage:
/// what it causes is scaled by the outage rate (the report's annual figure,
/// plus the switch back), and the per-year figures agree with those of the
/// ordinary run of the same scenario, within their intervals.
#[test]
fn conditioned_runs_scale_by_the_outage_rate_and_agree_with_plain_runs() {
    let plain_text = text();
    let conditioned_text = plain_text.replace(
        "destroy_probability = 0.05",
        "destroy_probability = 0.05\nconditioned = true\nwarmup = \"1d\"",
    );
    let plain = &run_frontier(&plain_text, "none,2s", "30m", 300).points;
    let conditioned = run_frontier(&conditioned_text, "none,2s", "30m", 600);
    let rate = conditioned.scale.outage_rate.expect("conditioned");
    for (p, c) in plain.iter().zip(&conditioned.points) {
        let s = &c.summary;
        let report = s.conditioning.as_ref().unwrap();
        assert_eq!(
            s.classes["region"].incidents, 600,
            "one outage per replication"
        );
        let failback = s
            .classes
            .get("failback")
            .map_or(0.0, |f| f.downtime_s_per_run);
        close(
            c.region_downtime_s.mean.unwrap(),
            report.region_downtime_s_per_year + failback * rate,
        );
        // Other classes (a paired-region outage can lose writes too) by
        // the horizon.
        let other_lost: u64 = s
            .classes
            .iter()
            .filter(|(name, _)| !["region", "failback"].contains(&name.as_str()))
            .map(|(_, c)| c.lost_writes)
            .sum();
        let years = SECONDS_PER_YEAR / s.horizon_s;
        close(
            c.lost_writes.mean.unwrap(),
            report.lost_writes_per_year + other_lost as f64 / 600.0 * years,
        );
        for (a, b) in [
            (&p.region_downtime_s, &c.region_downtime_s),
            (&p.lost_writes, &c.lost_writes),
            (&p.downtime_s, &c.downtime_s),
        ] {
            let half = |e: &frontier::Estimate| {
                let (lo, hi) = e.ci95.unwrap();
                (hi - lo) / 2.0 / 1.96
            };
            let gap = (a.mean.unwrap() - b.mean.unwrap()).abs();
            let z = gap / half(a).hypot(half(b));
            assert!(z < 4.0, "{}: {a:?} vs {b:?} (z = {z:.2})", p.label());
        }
    }
}

/// What a failure is, whatever the response: class, scope and start.
fn failures(incidents: &[Incident]) -> Vec<(IncidentClass, String, u64)> {
    incidents
        .iter()
        .filter(|i| {
            matches!(
                i.class,
                IncidentClass::Zone | IncidentClass::Region | IncidentClass::PairedRegion
            ) && !i.scheduled
        })
        .map(|i| (i.class, i.scope.clone(), i.start_ns))
        .collect()
}

/// The first incident of a replication on which the operator decided.
fn first_emergency(incidents: &[Incident]) -> Option<&Incident> {
    incidents
        .iter()
        .find(|i| i.class == IncidentClass::Region && i.decision.is_some())
}

#[test]
fn every_policy_sees_the_same_failures() {
    let text = text();
    let policies: Vec<Scenario> = [("none", "5m"), ("none", "8h"), ("1s", "30m"), ("3s", "2h")]
        .iter()
        .map(|(m, d)| with_policy(&text, m, d))
        .collect();
    let mut decisions_differ = false;
    for run in 0..60 {
        let outcomes: Vec<_> = policies
            .iter()
            .map(|sc| Replication::new(sc, run).run())
            .collect();
        let reference = failures(&outcomes[0].incidents);
        for o in &outcomes[1..] {
            assert_eq!(failures(&o.incidents), reference, "replication {run}");
            decisions_differ |= first_emergency(&o.incidents).map(|i| i.decision)
                != first_emergency(&outcomes[0].incidents).map(|i| i.decision);
        }
    }
    assert!(decisions_differ, "the policies never decided differently");
}

/// Under common random numbers, everything before a replication's first
/// emergency is the same for every fixed decision delay, so at that
/// emergency a longer delay `d2 > d1` can only do what it must: fail over
/// only if `d1` failed over too (the outage lasted through `d1` to `d2`),
/// then lose exactly the same writes (the loss window is fixed at the
/// failure) and restore service exactly `d2 − d1` later (the failover's
/// duration is the operator stream's same next draw), or less than that
/// when the primary was destroyed and its return forced the failover before
/// `d2`. So its lost writes never exceed `d1`'s, and its outage never ends
/// earlier when it fails over.
#[test]
fn a_longer_decision_delay_acts_exactly_as_it_must_on_the_first_emergency() {
    let text = text();
    let delays = [("5m", 300u64), ("30m", 1800), ("2h", 7200)];
    let scenarios: Vec<Scenario> = delays
        .iter()
        .map(|(d, _)| with_policy(&text, "none", d))
        .collect();
    let (mut both_failed_over, mut only_shorter, mut exactly_later) = (0, 0, 0);
    for run in 0..200 {
        let firsts: Vec<Option<Incident>> = scenarios
            .iter()
            .map(|sc| first_emergency(&Replication::new(sc, run).run().incidents).cloned())
            .collect();
        for (i, j) in [(0, 1), (1, 2), (0, 2)] {
            let (Some(a), Some(b)) = (&firsts[i], &firsts[j]) else {
                assert!(
                    firsts[i].is_none() && firsts[j].is_none(),
                    "replication {run}"
                );
                continue;
            };
            assert_eq!(a.start_ns, b.start_ns, "replication {run}");
            assert!(b.lost_writes <= a.lost_writes, "replication {run}");
            if b.decision == Some("failover") {
                assert_eq!(a.decision, Some("failover"), "replication {run}");
                assert_eq!(a.lost_writes, b.lost_writes, "replication {run}");
                // The same failover, decided later: by `d2 − d1`, or by
                // less when a destroyed primary's return forced it first.
                let longer = (delays[j].1 - delays[i].1) * 1_000_000_000;
                let later = b.decision_ns - a.decision_ns;
                assert!(
                    b.decision_ns >= a.decision_ns && later <= longer,
                    "replication {run}"
                );
                assert_eq!(b.execution_ns, a.execution_ns, "replication {run}");
                assert_eq!(b.rto_ns, a.rto_ns + later, "replication {run}");
                both_failed_over += 1;
                exactly_later += u32::from(later == longer);
            } else if a.decision == Some("failover") {
                only_shorter += 1;
            }
        }
    }
    // Both branches of the property were exercised.
    assert!(
        both_failed_over > 50 && only_shorter > 10 && exactly_later > 50,
        "{both_failed_over} {only_shorter} {exactly_later}"
    );
}

fn frontier_cli(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "frontier",
        SCENARIO,
        "--runs",
        "60",
        "--max-data-loss",
        "none,2s",
        "--decision",
        "5m,1h",
        "--force",
        "--out",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    drsim(&args)
}

#[test]
fn cli_writes_the_csv_chart_and_table_whatever_the_thread_count() {
    let a = temp_dir("t1");
    let b = temp_dir("t2");
    let out = frontier_cli(&a, &["--threads", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("4 policies × 60 replications"), "{table}");
    assert!(
        table.contains("none / 5m") && table.contains("* efficient"),
        "{table}"
    );
    let out = frontier_cli(&b, &["--threads", "2", "--quiet"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    for f in [
        "frontier.csv",
        "frontier.png",
        "frontier.svg",
        "provenance.json",
    ] {
        assert!(a.join(f).is_file(), "{f} missing");
    }
    for f in ["frontier.csv", "frontier.svg"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between 1 and 2 threads"
        );
    }
    let csv = std::fs::read_to_string(a.join("frontier.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        frontier::output::CSV_COLUMNS.join(",")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let policies: Vec<(&str, &str)> = rows.iter().map(|r| (r[0], r[1])).collect();
    assert_eq!(
        policies,
        [("none", "5m"), ("none", "1h"), ("2s", "5m"), ("2s", "1h")]
    );
    assert!(rows.iter().all(|r| r[13] == "60"));
    assert!(rows.iter().any(|r| r[12] == "true"));
    // A folder holding a frontier is results: refused without --force.
    let again = drsim(&[
        "frontier",
        SCENARIO,
        "--runs",
        "5",
        "--out",
        a.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
    for d in [a, b] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn cli_names_the_flag_and_value_of_a_bad_value() {
    let dir = temp_dir("bad");
    let out_dir = dir.join("out");
    let out = out_dir.to_str().unwrap();
    for (flag, list, named) in [
        ("--decision", "5m,5x", "--decision `5x`"),
        (
            "--max-data-loss",
            "none,nothing",
            "--max-data-loss `nothing`",
        ),
        (
            "--max-data-loss",
            "1m,1m",
            "--max-data-loss `1m`: given twice",
        ),
    ] {
        let r = drsim(&[
            "frontier", SCENARIO, flag, list, "--runs", "5", "--out", out,
        ]);
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(named), "{stderr}");
        assert!(!out_dir.exists(), "nothing is written on a bad value");
    }
    let no_dr = dir.join("no-dr.toml");
    std::fs::write(
        &no_dr,
        std::fs::read_to_string("scenarios/dynamics365-zone-redundant.toml").unwrap(),
    )
    .unwrap();
    let r = drsim(&["frontier", no_dr.to_str().unwrap(), "--out", out]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("no self-service DR"));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Ctrl-C before the first replication: every policy ran nothing, the
/// result says so, and `frontier.csv` still has a row per policy with
/// `runs` 0 and empty cells.
#[test]
fn a_frontier_stopped_before_it_starts_is_partial_and_empty() {
    let policies = Policies::parse("none,2s", "5m").unwrap();
    let plan = frontier::plan(
        &text(),
        SCENARIO,
        &policies,
        Some(20),
        None,
        &Limits::default(),
    )
    .unwrap();
    let f = frontier::run(plan, &AtomicBool::new(true), &|| {}).unwrap();
    assert!(f.partial);
    for p in &f.points {
        assert_eq!(p.summary.runs, 0);
        assert_eq!(p.downtime_s.mean, None);
        assert!(!p.efficient);
    }
    let dir = temp_dir("stopped");
    frontier::output::write_csv(&f, &dir.join("frontier.csv")).unwrap();
    let csv = std::fs::read_to_string(dir.join("frontier.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    // Nine interval cells and the failovers empty, not efficient, 0 runs.
    let empty = ",".repeat(11);
    assert_eq!(
        rows,
        [
            format!("none,5m{empty}false,0"),
            format!("2s,5m{empty}false,0")
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}
