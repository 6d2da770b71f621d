//! The gate's rules, one behaviour per test.

use super::defaults::tolerance_for;
use super::numbers::fmt_sig;
use super::render::{fmt_change_percent, fmt_pair};
use super::tolerance::path_matches;
use super::*;
use serde_json::json;

fn summary() -> Value {
    json!({
        "schema_version": 1,
        "drsim_version": "0.1.0",
        "scenario": "dynamics365-zone-redundant",
        "scenario_hash": "200d2a86fb0109bb",
        "seed": 20251015,
        "runs": 2000,
        "requested_runs": 2000,
        "partial": false,
        "horizon_s": 31536000.0,
        "architecture": "zone-redundant",
        "classes": {
            "zone": {
                "incidents": 20273,
                "interrupted": 7791,
                "lost_writes": 0,
                "rpo_s": {"count": 20273, "mean": 0.0, "p50": 0.0, "p99": 0.0, "p999": 0.0, "max": 0.0},
                "rto_s": {"count": 20273, "mean": 91.5, "p50": 0.0, "p99": 153.0, "p999": 19430.4, "max": 73667.3}
            }
        },
        "availability": {"mean": 0.99997, "ci95": [0.99996, 0.99998], "std_dev": 0.000134},
        "downtime_s": {"mean": 927.6, "ci95": [741.4, 1113.7], "std_dev": 4244.8},
        "commit_latency_s": {"count": 63998, "mean": 0.000499, "p99": 0.000737},
        "targets": [
            {"class": "zone", "metric": "rpo", "target_s": 0.0, "quantile": 0.99,
             "observed_s": 0.0, "incidents": 20273, "share_met": 1.0, "met": true},
            {"class": "zone", "metric": "rto", "target_s": 300.0, "quantile": 0.99,
             "observed_s": 153.0, "incidents": 20273, "share_met": 0.9934, "met": true}
        ]
    })
}

/// Replaces the leaf at a JSON pointer.
fn with(pointer: &str, value: Value) -> Value {
    let mut v = summary();
    *v.pointer_mut(pointer).expect("pointer exists") = value;
    v
}

fn without(pointer: &str) -> Value {
    let mut v = summary();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    match v.pointer_mut(parent).unwrap() {
        Value::Object(m) => {
            m.remove(key);
        }
        Value::Array(a) => {
            a.remove(key.parse::<usize>().unwrap());
        }
        _ => panic!("no container at {parent}"),
    }
    v
}

fn run(base: &Value, cur: &Value, rules: &[&str]) -> Comparison {
    let opts = CompareOptions {
        rules: rules
            .iter()
            .map(|r| parse_tolerance_rule(r).unwrap())
            .collect(),
        allow_different: false,
    };
    compare(base, cur, &opts).unwrap()
}

fn row<'a>(c: &'a Comparison, path: &str) -> &'a Row {
    c.rows
        .iter()
        .find(|r| r.path == path)
        .unwrap_or_else(|| panic!("no row {path}"))
}

#[test]
fn identical_summaries_pass() {
    let c = run(&summary(), &summary(), &[]);
    assert!(c.passed());
    assert_eq!(c.regressions, 0);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    assert!(c.rows.iter().all(|r| r.status == Status::Same));
    // Identity and noted fields are not rows; strings are not rows.
    for p in ["seed", "runs", "scenario", "scenario_hash", "architecture"] {
        assert!(c.rows.iter().all(|r| r.path != p), "{p} is a row");
    }
    let n = c.rows.len();
    assert_eq!(
        c.render(false),
        format!("{n} metrics compared: {n} identical, 0 within tolerance, 0 beyond tolerance\n")
    );
}

#[test]
fn rows_are_sorted_by_path_with_numeric_indices() {
    let mut big = summary();
    let t = big["targets"][0].clone();
    let targets = big["targets"].as_array_mut().unwrap();
    while targets.len() < 11 {
        targets.push(t.clone());
    }
    let c = run(&big, &big, &[]);
    let paths: Vec<&str> = c.rows.iter().map(|r| r.path.as_str()).collect();
    let pos = |p: &str| paths.iter().position(|x| *x == p).unwrap();
    assert!(pos("targets[2].met") < pos("targets[10].met"));
    assert!(pos("availability.ci95[0]") < pos("availability.ci95[1]"));
    assert!(pos("availability.mean") < pos("classes.zone.incidents"));
    assert!(paths.contains(&"classes.zone.rto_s.p99"));
    assert!(paths.contains(&"targets[1].share_met"));
    // Deterministic: the same inputs render the same text.
    assert_eq!(c.render(true), run(&big, &big, &[]).render(true));
}

#[test]
fn p99_change_of_one_percent_is_within() {
    let cur = with("/classes/zone/rto_s/p99", json!(154.53));
    let c = run(&summary(), &cur, &[]);
    let r = row(&c, "classes.zone.rto_s.p99");
    assert_eq!(r.status, Status::Within);
    assert_eq!(r.tolerance, "rel 5%");
    assert!((r.change_rel.unwrap() - 0.01).abs() < 1e-9);
    assert!((r.change_abs.unwrap() - 1.53).abs() < 1e-9);
    assert!(c.passed());
}

#[test]
fn p99_change_of_twenty_percent_is_beyond() {
    let cur = with("/classes/zone/rto_s/p99", json!(183.6));
    let c = run(&summary(), &cur, &[]);
    let r = row(&c, "classes.zone.rto_s.p99");
    assert_eq!(r.status, Status::Beyond);
    assert!(r.regression);
    assert_eq!(c.regressions, 1);
    assert!(!c.passed());
}

#[test]
fn tails_get_more_slack() {
    let cur = with("/classes/zone/rto_s/p999", json!(19430.4 * 1.2));
    let c = run(&summary(), &cur, &[]);
    assert_eq!(row(&c, "classes.zone.rto_s.p999").status, Status::Within);
    assert_eq!(row(&c, "classes.zone.rto_s.p999").tolerance, "rel 25%");
    let cur = with("/classes/zone/rto_s/max", json!(73667.3 * 1.3));
    assert!(!run(&summary(), &cur, &[]).passed());
}

#[test]
fn availability_uses_an_absolute_tolerance() {
    let cur = with("/availability/mean", json!(0.99997 - 2e-6));
    let c = run(&summary(), &cur, &[]);
    let r = row(&c, "availability.mean");
    assert_eq!(r.status, Status::Beyond);
    assert_eq!(r.tolerance, "abs 1e-6");
    assert!(!c.passed());

    let cur = with("/availability/mean", json!(0.99997 + 5e-7));
    let c = run(&summary(), &cur, &[]);
    assert_eq!(row(&c, "availability.mean").status, Status::Within);
    assert!(c.passed());
}

#[test]
fn spread_and_interval_are_ignored_by_default() {
    let mut cur = with("/availability/std_dev", json!(0.0002));
    cur["availability"]["ci95"][0] = json!(0.9);
    let c = run(&summary(), &cur, &[]);
    assert_eq!(row(&c, "availability.std_dev").status, Status::Ignored);
    assert_eq!(row(&c, "availability.ci95[0]").status, Status::Ignored);
    assert_eq!(row(&c, "availability.ci95[1]").status, Status::Same);
    assert!(c.passed());
    assert!(c.summary_line().ends_with(", 2 changed but ignored"));
}

#[test]
fn a_flipped_target_verdict_fails() {
    let cur = with("/targets/1/met", json!(false));
    let c = run(&summary(), &cur, &[]);
    let r = row(&c, "targets[1].met");
    assert_eq!(r.status, Status::Beyond);
    assert_eq!(r.kind, ValueKind::Boolean);
    assert_eq!((r.baseline, r.current), (Some(1.0), Some(0.0)));
    assert!(!c.passed());
    let text = c.render(false);
    assert!(text.contains("true"), "{text}");
    assert!(text.contains("flipped"), "{text}");

    // Any change of a boolean is a behaviour change, whatever the
    // numeric tolerance; only `ignore` lets it pass.
    let base = with("/targets/1/met", json!(false));
    assert!(!run(&base, &summary(), &["targets[*].met=rel:0.5"]).passed());
    assert!(!run(&summary(), &with("/partial", json!(true)), &[]).passed());
    assert!(run(&summary(), &cur, &["targets[*].met=ignore"]).passed());
}

#[test]
fn an_override_relaxes_a_failing_metric() {
    let cur = with("/classes/zone/rto_s/p99", json!(183.6));
    let c = run(&summary(), &cur, &["classes.*.rto_s.p99=rel:0.25"]);
    let r = row(&c, "classes.zone.rto_s.p99");
    assert_eq!(r.status, Status::Within);
    assert_eq!(r.tolerance, "rel 25%");
    assert!(c.passed());
    assert!(c.notes.is_empty(), "{:?}", c.notes);

    // A later rule overrides an earlier one.
    let c = run(
        &summary(),
        &cur,
        &[
            "classes.*.rto_s.p99=rel:0.25",
            "classes.zone.rto_s.*=rel:10%",
        ],
    );
    assert_eq!(row(&c, "classes.zone.rto_s.p99").status, Status::Beyond);
    // An absolute bound alone, or the larger of both.
    let c = run(&summary(), &cur, &["**.p99=abs:31"]);
    assert!(c.passed());
    let c = run(&summary(), &cur, &["**.p99=rel:0.01,abs:30"]);
    assert!(!c.passed());
    assert_eq!(
        row(&c, "classes.zone.rto_s.p99").tolerance,
        "abs 30 or rel 1%"
    );
}

#[test]
fn an_ignore_rule_passes_any_change() {
    let mut cur = with("/commit_latency_s/p99", json!(0.01));
    cur["commit_latency_s"]["mean"] = json!(0.005);
    assert!(!run(&summary(), &cur, &[]).passed());
    let c = run(&summary(), &cur, &["commit_latency_s.*=ignore"]);
    assert!(c.passed());
    assert_eq!(row(&c, "commit_latency_s.p99").status, Status::Ignored);
    assert_eq!(row(&c, "commit_latency_s.p99").tolerance, "ignore");
    assert_eq!(row(&c, "commit_latency_s.count").status, Status::Same);
}

#[test]
fn an_exact_rule_tightens() {
    let cur = with("/classes/zone/rto_s/p99", json!(154.53));
    assert!(!run(&summary(), &cur, &["**=exact"]).passed());
}

#[test]
fn a_rule_matching_nothing_is_noted() {
    let c = run(&summary(), &summary(), &["classes.zone.rto.p99=rel:0.1"]);
    assert!(c.passed());
    assert_eq!(c.notes.len(), 1);
    assert!(
        c.notes[0].contains("classes.zone.rto.p99=rel:0.1"),
        "{:?}",
        c.notes
    );
    assert!(c.notes[0].contains("matched no metric"));
}

#[test]
fn a_different_seed_is_a_different_experiment() {
    let cur = with("/seed", json!(7));
    let err = compare(&summary(), &cur, &CompareOptions::default()).unwrap_err();
    match &err {
        CompareError::DifferentExperiments { differences } => {
            assert_eq!(differences.len(), 1);
            assert_eq!(differences[0].field, "seed");
            assert_eq!(differences[0].baseline, "20251015");
            assert_eq!(differences[0].current, "7");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("seed 20251015 vs 7"), "{err}");

    for (pointer, value) in [
        ("/runs", json!(1000)),
        ("/scenario", json!("other")),
        ("/schema_version", json!(2)),
    ] {
        let cur = with(pointer, value);
        assert!(matches!(
            compare(&summary(), &cur, &CompareOptions::default()),
            Err(CompareError::DifferentExperiments { .. })
        ));
    }
    let err = compare(&summary(), &without("/runs"), &CompareOptions::default()).unwrap_err();
    assert!(err.to_string().contains("runs 2000 vs absent"), "{err}");

    let opts = CompareOptions {
        allow_different: true,
        ..CompareOptions::default()
    };
    let c = compare(&summary(), &with("/seed", json!(7)), &opts).unwrap();
    assert!(c.passed());
    assert!(c.notes[0].contains("seed 20251015 vs 7"), "{:?}", c.notes);
}

#[test]
fn version_and_scenario_hash_changes_are_notes() {
    let mut cur = with("/scenario_hash", json!("0123456789abcdef"));
    cur["drsim_version"] = json!("0.2.0");
    cur["architecture"] = json!("regional");
    let c = run(&summary(), &cur, &[]);
    assert!(c.passed());
    let notes = c.notes.join("\n");
    assert!(notes.contains("\"0.1.0\" → \"0.2.0\""), "{notes}");
    assert!(notes.contains("scenario file changed"), "{notes}");
    assert!(notes.contains("architecture changed"), "{notes}");
    assert!(c.render(false).contains("note: scenario_hash"));
}

#[test]
fn added_metrics_are_reported_without_failing() {
    let mut cur = summary();
    cur["classes"]["region"] = json!({"incidents": 3, "rto_s": {"p99": 3600.0}});
    cur["events_per_run"] = json!(120.5);
    let c = run(&summary(), &cur, &[]);
    assert!(c.passed(), "{}", c.render(false));
    assert_eq!(row(&c, "classes.region.rto_s.p99").status, Status::Added);
    assert_eq!(row(&c, "events_per_run").current, Some(120.5));
    assert!(
        c.summary_line().ends_with(", 3 added"),
        "{}",
        c.summary_line()
    );
    let text = c.render(false);
    assert!(text.contains("classes.region.incidents"), "{text}");
}

#[test]
fn a_removed_metric_fails() {
    // With a target on it or not: a metric gone cannot be checked.
    for (pointer, path) in [
        ("/classes/zone/rto_s/p99", "classes.zone.rto_s.p99"),
        ("/downtime_s/mean", "downtime_s.mean"),
        ("/classes/zone/lost_writes", "classes.zone.lost_writes"),
    ] {
        let c = run(&summary(), &without(pointer), &[]);
        let r = row(&c, path);
        assert_eq!(r.status, Status::Removed);
        assert_eq!(r.current, None);
        assert!(r.regression, "{path}");
        assert!(!c.passed());
        assert!(c.render(false).contains("REMOVED"));
        assert!(
            c.summary_line()
                .ends_with("1 removed (1 missing from the current summary)"),
            "{}",
            c.summary_line()
        );
    }

    // A whole target result gone.
    let c = run(&summary(), &without("/targets/1"), &[]);
    assert!(!c.passed());
    assert!(row(&c, "targets[1].met").regression);

    // An explicit ignore accepts it.
    let c = run(
        &summary(),
        &without("/classes/zone/rto_s/p99"),
        &["classes.zone.rto_s.p99=ignore"],
    );
    assert!(c.passed());
}

#[test]
fn a_summary_that_lost_its_metrics_fails() {
    // Every metric but one removed: each one is listed as a regression.
    let mut cur = summary();
    let keep = [
        "schema_version",
        "drsim_version",
        "scenario",
        "scenario_hash",
        "seed",
        "runs",
    ];
    cur.as_object_mut()
        .unwrap()
        .retain(|k, _| keep.contains(&k.as_str()) || k == "horizon_s");
    let c = run(&summary(), &cur, &[]);
    assert!(!c.passed());
    let removed = c
        .rows
        .iter()
        .filter(|r| r.status == Status::Removed)
        .count();
    assert!(removed > 30, "{removed}");
    // The ignored intervals (`ci95`) are the only removals that pass.
    let failing = c.rows.iter().filter(|r| r.regression).count();
    let ignored = c
        .rows
        .iter()
        .filter(|r| r.status == Status::Removed && r.tolerance == "ignore")
        .count();
    assert_eq!(failing + ignored, removed);
    assert_eq!(c.regressions, failing);

    // `availability: null` where the baseline has numbers.
    let c = run(&summary(), &with("/availability", Value::Null), &[]);
    assert!(!c.passed());
    let r = row(&c, "availability.mean");
    assert_eq!(
        (r.status, r.baseline, r.current),
        (Status::Removed, Some(0.99997), None)
    );
    assert!(r.regression);
    // A single number turned into null.
    let c = run(&summary(), &with("/downtime_s/mean", Value::Null), &[]);
    assert!(!c.passed());
    assert!(row(&c, "downtime_s.mean").regression);
}

#[test]
fn null_turning_into_a_value_is_a_change() {
    let base = with("/targets/1/observed_s", Value::Null);
    let c = run(&base, &summary(), &[]);
    let r = row(&c, "targets[1].observed_s");
    assert_eq!((r.baseline, r.current), (None, Some(153.0)));
    assert_eq!(r.status, Status::Beyond);
    assert!(c.render(false).contains("null"));
    assert!(run(&base, &base, &[]).passed());
    // ci95 is ignored by default, null or not.
    let cur = with("/availability/ci95", Value::Null);
    let c = run(&summary(), &cur, &[]);
    assert!(c.passed());
    assert_eq!(row(&c, "availability.ci95").status, Status::Added);
    assert_eq!(row(&c, "availability.ci95[0]").status, Status::Removed);
}

#[test]
fn a_change_of_type_is_noted_and_fails() {
    let cur = with("/classes/zone/incidents", json!(true));
    let c = run(&summary(), &cur, &[]);
    assert!(!c.passed());
    assert!(c.notes[0].contains("number → boolean"), "{:?}", c.notes);
}

#[test]
fn large_integers_compare_exactly() {
    let base = with("/classes/zone/lost_writes", json!(u64::MAX));
    let cur = with("/classes/zone/lost_writes", json!(u64::MAX - 1));
    let c = run(&base, &cur, &[]);
    let r = row(&c, "classes.zone.lost_writes");
    assert_eq!(r.status, Status::Within);
    assert_eq!(r.change_abs, Some(-1.0));
    // A zero baseline admits no relative change.
    let cur = with("/classes/zone/lost_writes", json!(1));
    assert!(!run(&summary(), &cur, &[]).passed());
}

#[test]
fn render_lists_changed_paths_and_totals() {
    let mut cur = with("/classes/zone/rto_s/p99", json!(183.6));
    cur["classes"]["zone"]["incidents"] = json!(20300);
    let c = run(&summary(), &cur, &[]);
    let text = c.render(false);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("metric"), "{text}");
    assert!(text.contains("classes.zone.rto_s.p99"), "{text}");
    assert!(text.contains("BEYOND"), "{text}");
    assert!(text.contains("+30.6 (+20.00%)"), "{text}");
    assert!(text.contains("+27 (+0.13%)"), "{text}");
    assert!(!text.contains("availability.mean"), "{text}");
    let n = c.rows.len();
    assert_eq!(
        *lines.last().unwrap(),
        format!(
            "{n} metrics compared: {} identical, 1 within tolerance, 1 beyond tolerance",
            n - 2
        )
    );
    // Columns line up: every table line starts its baseline column at
    // the same place (right-aligned numbers end at the same column).
    let status_col = lines[0].find("status").unwrap();
    for l in &lines[1..3] {
        assert!(l.len() > status_col, "{text}");
    }
    let all = c.render(true);
    assert!(all.contains("availability.mean"));
    assert_eq!(all.lines().count(), n + 2);
}

#[test]
fn close_values_get_enough_digits_to_differ() {
    assert_eq!(
        fmt_pair(0.99997, 0.9999705),
        ("0.99997".into(), "0.9999705".into())
    );
    assert_eq!(fmt_pair(153.0, 183.6), ("153".into(), "183.6".into()));
    assert_eq!(fmt_sig(1.23456789e-7, 6), "1.23457e-7");
    assert_eq!(fmt_sig(20273.0, 6), "20273");
    assert_eq!(fmt_sig(-0.5, 6), "-0.5");
    assert_eq!(fmt_change_percent(0.2), "+20.00%");
    assert_eq!(fmt_change_percent(-1.059e-5), "-0.0011%");
    assert_eq!(fmt_change_percent(-0.0001), "-0.01%");
}

#[test]
fn rule_parser_accepts_the_documented_forms() {
    let p = |s: &str| parse_tolerance_rule(s).unwrap();
    assert_eq!(
        p("classes.*.rto_s.p99=rel:0.10").tolerance,
        Tolerance::rel(0.1)
    );
    assert_eq!(
        p(" availability.mean = abs:1e-5 ").pattern,
        "availability.mean"
    );
    assert_eq!(
        p("availability.mean=abs:1e-5").tolerance,
        Tolerance::abs(1e-5)
    );
    assert_eq!(p("commit_latency_s.*=ignore").tolerance, Tolerance::Ignore);
    assert_eq!(p("x=EXACT").tolerance, Tolerance::EXACT);
    assert_eq!(p("x=rel:10%").tolerance, Tolerance::rel(0.1));
    assert_eq!(
        p("x=rel:0.1, abs:1e-3").tolerance,
        Tolerance::Bound {
            abs: 1e-3,
            rel: 0.1
        }
    );
    // Display is the rule syntax and reads back.
    for s in [
        "a.**.b=rel:0.1,abs:0.001",
        "x=exact",
        "x=ignore",
        "targets[*].met=abs:2",
    ] {
        assert_eq!(p(s).to_string(), s);
        assert_eq!(p(&p(s).to_string()), p(s));
    }
}

#[test]
fn rule_parser_errors_say_what_is_wrong() {
    let err = |s: &str| match parse_tolerance_rule(s) {
        Err(e @ CompareError::BadToleranceRule { .. }) => e.to_string(),
        other => panic!("{s}: expected an error, got {other:?}"),
    };
    for (rule, says) in [
        ("availability.mean", "missing `=`"),
        ("=rel:0.1", "empty path pattern"),
        ("a..b=ignore", "empty segment"),
        ("a.b**=ignore", "`**` must be a whole segment"),
        ("a b=ignore", "whitespace"),
        ("a=", "missing tolerance"),
        ("a=loose", "`loose` is not a tolerance"),
        ("a=pct:5", "unknown tolerance kind `pct`"),
        ("a=rel:x", "`x` is not a number"),
        ("a=abs:-1", "finite number >= 0"),
        ("a=rel:inf", "finite number >= 0"),
        ("a=rel:10", "write rel:10% for 10 percent"),
        ("a=rel:0.1,rel:0.2", "`rel` given twice"),
        ("a=abs:5%", "`5%` is not a number"),
    ] {
        let msg = err(rule);
        assert!(msg.contains(says), "{rule}: {msg}");
        assert!(msg.contains(&format!("`{rule}`")), "{rule}: {msg}");
    }
}

#[test]
fn patterns_match_segments() {
    assert!(path_matches(
        "classes.*.rto_s.p99",
        "classes.zone.rto_s.p99"
    ));
    assert!(!path_matches("classes.*", "classes.zone.rto_s.p99"));
    assert!(path_matches("targets[*].met", "targets[12].met"));
    assert!(!path_matches("targets[*].met", "targets[1].share_met"));
    assert!(path_matches("**.ci95*", "availability.ci95[0]"));
    assert!(path_matches("**.p999", "p999"));
    assert!(path_matches("**", "a.b.c"));
    assert!(path_matches("classes.**.p99", "classes.zone.rto_s.p99"));
    assert!(path_matches("*_s.p9*", "downtime_s.p99"));
    assert!(!path_matches("*_s.p9*", "availability.p99"));
    assert!(path_matches("a*b*c", "abxxbyc"));
    assert!(!path_matches("a*b*c", "abxxbyd"));
}

#[test]
fn every_path_gets_a_default_tolerance() {
    assert_eq!(default_rules().last().unwrap().pattern, "**");
    assert_eq!(tolerance_for("something.new", &[]), Tolerance::rel(0.05));
    assert_eq!(
        tolerance_for("targets[0].share_met", &[]),
        Tolerance::abs(1e-3)
    );
    assert_eq!(
        tolerance_for("availability.std_dev", &[]),
        Tolerance::Ignore
    );
    assert_eq!(
        tolerance_for("classes.link.rpo_s.max", &[]),
        Tolerance::rel(0.25)
    );
}

#[test]
fn module_doc_table_matches_the_defaults() {
    let source = include_str!("mod.rs");
    for line in default_rules_markdown().lines() {
        assert!(
            source.contains(&format!("//! {line}\n")),
            "module doc lacks the row `{line}`"
        );
    }
}

#[test]
fn files_errors_name_the_file_and_position() {
    let dir = std::env::temp_dir().join(format!("drsim-compare-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.json");
    let bad = dir.join("bad.json");
    std::fs::write(&good, serde_json::to_string_pretty(&summary()).unwrap()).unwrap();
    std::fs::write(&bad, "{\n  \"seed\": 1,\n  \"runs\": }\n").unwrap();
    let opts = CompareOptions::default();

    let c = compare_files(&good, &good, &opts).unwrap();
    assert!(c.passed());

    let e = compare_files(&good, &bad, &opts).unwrap_err();
    match &e {
        CompareError::InvalidJson { line, column, .. } => assert_eq!((*line, *column), (3, 11)),
        other => panic!("unexpected {other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("{}:3:11: invalid JSON: ", bad.display())),
        "{msg}"
    );
    assert!(!msg.contains("at line"), "{msg}");

    let missing = dir.join("missing.json");
    let e = compare_files(&missing, &good, &opts).unwrap_err();
    assert!(matches!(e, CompareError::Io { .. }));
    assert!(e.to_string().contains("missing.json"), "{e}");

    std::fs::write(&bad, "[1, 2]").unwrap();
    let e = compare_files(&good, &bad, &opts).unwrap_err();
    assert!(
        e.to_string().contains("bad.json is not a drsim summary"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
