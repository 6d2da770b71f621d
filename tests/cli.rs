//! The binary as a user drives it: determinism of the output files across
//! thread counts, exit codes, refusal to overwrite.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn drsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drsim"))
        .args(args)
        .output()
        .expect("drsim runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("drsim-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const OUTPUTS: [&str; 3] = ["summary.json", "incidents.csv", "runs.csv"];

fn run_into(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", "--quiet", "--force", "--out", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = drsim(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn same_seed_gives_identical_files_whatever_the_thread_count() {
    let a = temp_dir("t1");
    let b = temp_dir("t2");
    let c = temp_dir("seed");
    run_into(&a, &["--runs", "700", "--threads", "1"]);
    run_into(&b, &["--runs", "700", "--threads", "2"]);
    run_into(&c, &["--runs", "700", "--threads", "2", "--seed", "99"]);
    for f in OUTPUTS {
        let fa = std::fs::read(a.join(f)).unwrap();
        assert!(!fa.is_empty());
        assert_eq!(
            fa,
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between 1 and 2 threads"
        );
    }
    for f in ["incidents.csv", "runs.csv"] {
        assert_ne!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(c.join(f)).unwrap(),
            "{f} did not change with the seed"
        );
    }
    for d in [a, b, c] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn summary_json_has_the_documented_keys() {
    let dir = temp_dir("keys");
    run_into(&dir, &["--runs", "50"]);
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    for key in [
        "schema_version",
        "drsim_version",
        "scenario",
        "scenario_hash",
        "seed",
        "runs",
        "availability",
        "targets",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let zone = &v["classes"]["zone"];
    for q in ["mean", "p50", "p90", "p99", "p999", "max"] {
        for m in ["rpo_s", "rto_s", "disruptive_rpo_s", "disruptive_rto_s"] {
            assert!(zone[m][q].is_number(), "{m}.{q}");
        }
    }
    for key in [
        "incidents",
        "interrupted",
        "disruptive",
        "rto_zero",
        "downtime_s_per_run",
    ] {
        assert!(zone[key].is_number(), "classes.zone.{key}");
    }
    assert!(zone["resync_s"].is_null());
    assert!(v["refused_operations"].is_u64() && v["refused"].is_object());
    assert!(v["availability"]["mean"].is_number());
    assert!(v["availability"]["ci95"].is_array());
    let t = &v["targets"][0];
    assert_eq!(t["basis"], "disruptive");
    for key in [
        "class",
        "metric",
        "target_s",
        "observed_s",
        "incidents",
        "class_incidents",
        "met",
    ] {
        assert!(t.get(key).is_some(), "target lacks {key}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn check_exits_1_on_a_missed_target_and_errors_exit_2() {
    let dir = temp_dir("check");
    let text = drsim::scenario::REFERENCE_SCENARIO.replace("rto = \"5m\"", "rto = \"1s\"");
    let file = dir.join("strict.toml");
    std::fs::write(&file, text).unwrap();
    let out_dir = dir.join("out");
    let out = drsim(&[
        "run",
        file.to_str().unwrap(),
        "--runs",
        "100",
        "--check",
        "--quiet",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Results are kept; running again into the same folder needs --force.
    let again = drsim(&[
        "run",
        file.to_str().unwrap(),
        "--runs",
        "100",
        "--quiet",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let missing = drsim(&["run", "no-such-file.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn validate_reports_position_key_and_suggestion() {
    let dir = temp_dir("validate");
    let file = dir.join("typo.toml");
    std::fs::write(
        &file,
        drsim::scenario::REFERENCE_SCENARIO.replace("quorum = 2", "quorom = 2"),
    )
    .unwrap();
    let out = drsim(&["validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("typo.toml:"), "{err}");
    assert!(err.contains("replication.quorom"), "{err}");
    assert!(err.contains("did you mean `quorum`?"), "{err}");
    // Every problem is reported, each under one "error:" prefix.
    std::fs::write(
        &file,
        drsim::scenario::REFERENCE_SCENARIO
            .replace("quorum = 2", "quorum = 7")
            .replacen("runs = 2000", "runs = 0", 1),
    )
    .unwrap();
    let err =
        String::from_utf8_lossy(&drsim(&["validate", file.to_str().unwrap()]).stderr).into_owned();
    let prefixed: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(prefixed.len(), 2, "{err}");
    let path = file.to_str().unwrap();
    assert!(
        prefixed
            .iter()
            .all(|l| l["error: ".len()..].starts_with(path)),
        "{err}"
    );
    let ok = drsim(&["validate", "scenarios/dynamics365-zone-redundant.toml"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn analyze_states_a_difference_by_design_and_still_exits_zero() {
    // The textbook active/standby chain differs from drsim's by design (the election after a
    // double failure): the report says so, and only a disagreement would make the exit code 1.
    let scenario =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/active-standby.toml");
    let out = drsim(&["analyze", scenario.to_str().unwrap(), "--runs", "200"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("verdict     differs by design: simulated − theory ="),
        "{text}"
    );
    assert!(!text.contains("DISAGREES"), "{text}");
    assert_eq!(out.status.code(), Some(0), "{text}");
}

#[test]
fn run_set_overrides_a_key_and_records_it() {
    let plain = temp_dir("set-plain");
    let set = temp_dir("set-applied");
    let edited_dir = temp_dir("set-edited");
    run_into(&plain, &["--runs", "300"]);
    run_into(
        &set,
        &[
            "--runs",
            "300",
            "--set",
            "failures.zones.correlated_probability=0.3",
            "--set",
            "failover.missed_heartbeats=10",
        ],
    );
    // The same change written into a copy of the file gives the same results.
    let reference = std::fs::read_to_string("scenarios/dynamics365-zone-redundant.toml").unwrap();
    let edited = reference
        .replacen(
            "correlated_probability = 0.005",
            "correlated_probability = 0.3",
            1,
        )
        .replacen("missed_heartbeats = 3 ", "missed_heartbeats = 10 ", 1);
    assert_ne!(edited, reference);
    let file = edited_dir.join("edited.toml");
    std::fs::write(&file, edited).unwrap();
    let copy = edited_dir.join("out");
    run_into(&copy, &[file.to_str().unwrap(), "--runs", "300"]);
    let summary = |d: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.join("summary.json")).unwrap()).unwrap()
    };
    let (p, s, c) = (summary(&plain), summary(&set), summary(&copy));
    assert_ne!(
        p["classes"]["zone"], s["classes"]["zone"],
        "--set changed nothing"
    );
    assert_eq!(
        s["classes"], c["classes"],
        "--set differs from the edited file"
    );
    assert_eq!(s["availability"], c["availability"]);
    assert_eq!(
        s["overrides"],
        serde_json::json!([
            "failures.zones.correlated_probability=0.3",
            "failover.missed_heartbeats=10"
        ])
    );
    assert!(
        p.get("overrides").is_none(),
        "a plain run records no overrides"
    );
    assert_ne!(p["scenario_hash"], s["scenario_hash"]);
    let provenance: serde_json::Value =
        serde_json::from_slice(&std::fs::read(set.join("provenance.json")).unwrap()).unwrap();
    assert_eq!(provenance["overrides"], s["overrides"]);
    for d in [plain, set, edited_dir] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn run_set_points_at_the_argument_when_a_key_or_value_is_wrong() {
    let dir = temp_dir("set-bad");
    let out_dir = dir.join("out");
    let out = out_dir.to_str().unwrap();
    let stderr_of = |extra: &[&str]| {
        let mut args = vec!["run", "--quiet", "--runs", "10", "--out", out];
        args.extend_from_slice(extra);
        let o = drsim(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?} was accepted");
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    // A misspelt key: named, with the nearest valid key path.
    let e = stderr_of(&["--set", "replication.quorom=2"]);
    assert!(e.contains("`--set replication.quorom=2`"), "{e}");
    assert!(e.contains("did you mean `replication.quorum`?"), "{e}");
    // A table that does not exist at all.
    let e = stderr_of(&["--set", "replicaton.quorum=2"]);
    assert!(e.contains("did you mean `replication"), "{e}");
    // A bad value: the diagnostic points at the value of the second --set.
    let e = stderr_of(&[
        "--set",
        "failover.reroute=2m",
        "--set",
        "replication.quorum=7",
    ]);
    assert!(e.contains("error: --set:2:20: "), "{e}");
    assert!(e.contains("key: replication.quorum"), "{e}");
    assert!(e.contains("2 | replication.quorum=7"), "{e}");
    let e = stderr_of(&["--set", "simulation.horizon=5 parsecs"]);
    assert!(e.contains("--set:1:20: "), "{e}");
    assert!(e.contains("unknown unit"), "{e}");
    // Not KEY=VALUE, a list, a key given twice.
    let e = stderr_of(&["--set", "replication.quorum"]);
    assert!(e.contains("expected key=value"), "{e}");
    let e = stderr_of(&["--set", "replication.quorum=1,2"]);
    assert!(e.contains("takes one value"), "{e}");
    let e = stderr_of(&[
        "--set",
        "replication.quorum=1",
        "--set",
        "replication.quorum=2",
    ]);
    assert!(e.contains("set twice"), "{e}");
    assert!(!out_dir.exists(), "an error left an output folder");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn schema_command_prints_the_checked_in_schema() {
    let out = drsim(&["schema"]);
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).unwrap();
    let checked_in = std::fs::read_to_string(drsim::scenario::SCHEMA_PATH).unwrap();
    assert_eq!(printed, checked_in);
    let v: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(v["$schema"], "http://json-schema.org/draft-07/schema#");
}

/// The reference scenario has no cross-region link, so no lag: `--plot`
/// draws the RPO/RTO charts and skips the timeline instead of failing the
/// whole run (before: "nothing to plot: timeline: no lag point", exit 2,
/// and no results).
#[test]
fn plot_of_a_zone_only_run_skips_the_timeline() {
    let dir = temp_dir("plot-zone-only");
    run_into(&dir, &["--runs", "50", "--plot"]);
    for f in OUTPUTS.iter().chain(&["rto_cdf.svg", "report.html"]) {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    assert!(!dir.join("timeline.svg").exists());
}

/// A preset has no failures of its own: run alone it says so, and names
/// the failure description to run it with; its targets read NO INCIDENT,
/// not MET. With the description, nothing of the kind is said.
#[test]
fn a_scenario_without_failures_says_so_when_run_alone() {
    let dir = temp_dir("no-failures");
    let preset = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/services/spanner-multi-region.toml"
    );
    let out_dir = dir.join("alone");
    let out = drsim(&[
        "run",
        preset,
        "--runs",
        "2",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note: nothing fails in")
            && stderr.contains("--failures scenarios/services/failures.toml"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(") NO INCIDENT"), "{stdout}");
    assert!(!stdout.contains(") MET"), "{stdout}");
    let failures = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/services/failures.toml"
    );
    let out = drsim(&[
        "run",
        preset,
        "--failures",
        failures,
        "--runs",
        "2",
        "--out",
        dir.join("shared").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("nothing fails"));
    let _ = std::fs::remove_dir_all(&dir);
}
