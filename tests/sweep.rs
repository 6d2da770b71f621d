//! Parameter sweeps on the reference scenario: common random numbers, the
//! direction of a known effect, value typing, key errors, grid order and the
//! CSV layout. Small replication counts and fixed seeds keep them fast and
//! deterministic.

use drsim::scenario::{REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE};
use drsim::sweep::{
    parse_set, resolve_spec, run_sweep, run_sweep_with_threads, spec_from_scenario, write_csv,
    SweepError, SweepResult, SweepSpec, CSV_STAT_COLUMNS, DEFAULT_METRIC,
};
use std::sync::atomic::AtomicBool;
use toml::Value;

const RUNS: u64 = 100;

fn spec(sets: &[&str]) -> SweepSpec {
    let params = sets.iter().map(|s| parse_set(s).unwrap()).collect();
    SweepSpec::new(params, DEFAULT_METRIC).unwrap()
}

fn sweep(sets: &[&str], runs: u64) -> SweepResult {
    run_sweep(
        REFERENCE_SCENARIO,
        REFERENCE_SCENARIO_FILE,
        &spec(sets),
        Some(runs),
        &AtomicBool::new(false),
    )
    .unwrap_or_else(|e| panic!("sweep failed: {e}"))
}

fn sweep_err(sets: &[&str]) -> SweepError {
    run_sweep(
        REFERENCE_SCENARIO,
        REFERENCE_SCENARIO_FILE,
        &spec(sets),
        Some(2),
        &AtomicBool::new(false),
    )
    .expect_err("the sweep should be rejected")
}

#[test]
fn identical_points_give_identical_results() {
    // Common random numbers: same seed, same streams, same numbers.
    let r = sweep(&["failover.missed_heartbeats=3,3"], RUNS);
    assert_eq!(r.points.len(), 2);
    let (a, b) = (&r.points[0], &r.points[1]);
    assert_eq!(a.rows, b.rows);
    assert_eq!(a.summary, b.summary);
    assert_eq!(a.summary.runs, RUNS);
    assert!(!r.partial);
}

#[test]
fn longer_detection_raises_mean_zone_rto() {
    let r = sweep(&["failover.missed_heartbeats=1,5"], RUNS);
    let rto = |i: usize| r.points[i].row("zone.rto_s").unwrap().mean.unwrap();
    let (fast, slow) = (rto(0), rto(1));
    assert!(
        slow > fast,
        "mean zone RTO with 5 missed beats ({slow}) should exceed 1 missed beat ({fast})"
    );
    // Same incidents at both points (common random numbers): only recovery differs.
    assert_eq!(
        r.points[0].summary.classes["zone"].incidents,
        r.points[1].summary.classes["zone"].incidents
    );
    // The interval is over replications and brackets the mean.
    let row = r.points[1].row("zone.rto_s").unwrap();
    let (lo, hi) = (row.ci95_low.unwrap(), row.ci95_high.unwrap());
    assert!(lo < slow && slow < hi, "{lo} < {slow} < {hi}");
    assert!(row.p50.is_some() && row.p99.is_some() && row.max.unwrap() >= row.p99.unwrap());
}

#[test]
fn set_values_are_typed_by_toml_rules() {
    let p = parse_set("failover.reroute=30s,60s").unwrap();
    assert_eq!(p.key, "failover.reroute");
    assert_eq!(
        p.values,
        vec![Value::String("30s".into()), Value::String("60s".into())]
    );
    let p = parse_set("failover.missed_heartbeats=3").unwrap();
    assert_eq!(p.values, vec![Value::Integer(3)]);
    let p = parse_set("failures.zones.correlated_probability=0.5, 0.01").unwrap();
    assert_eq!(p.values, vec![Value::Float(0.5), Value::Float(0.01)]);
    let p = parse_set(r#"failover.reroute="5m""#).unwrap();
    assert_eq!(p.values, vec![Value::String("5m".into())]);
    let p = parse_set("regions[0].availability_zones=true,false").unwrap();
    assert_eq!(p.values, vec![Value::Boolean(true), Value::Boolean(false)]);
    // Inline tables keep their commas.
    let p = parse_set(r#"failover.reroute={ dist = "uniform", low = "10s", high = "20s" },40s"#)
        .unwrap();
    assert_eq!(p.values.len(), 2);
    assert!(p.values[0].is_table());
    assert!(matches!(
        parse_set("no-equals-sign"),
        Err(SweepError::BadSet { .. })
    ));
    assert!(matches!(
        parse_set("failover.reroute="),
        Err(SweepError::EmptyValues { .. })
    ));
}

#[test]
fn typed_values_reach_the_scenario() {
    // A bare duration string and a quoted one both validate as durations.
    let r = sweep(&[r#"failover.reroute=30s,"5m""#], 4);
    assert_eq!(
        r.points[0].values,
        [("failover.reroute".into(), "30s".into())]
    );
    assert_eq!(
        r.points[1].values,
        [("failover.reroute".into(), "5m".into())]
    );
}

#[test]
fn bad_key_is_named_with_a_suggestion() {
    let e = sweep_err(&["failover.missed_heartbeat=1,2"]);
    match &e {
        SweepError::BadKey {
            key, suggestion, ..
        } => {
            assert_eq!(key, "failover.missed_heartbeat");
            assert_eq!(suggestion.as_deref(), Some("failover.missed_heartbeats"));
        }
        other => panic!("expected BadKey, got {other:?}"),
    }
    let msg = e.to_string();
    assert!(msg.contains("failover.missed_heartbeat`"), "{msg}");
    assert!(
        msg.contains("did you mean `failover.missed_heartbeats`"),
        "{msg}"
    );

    // Structural errors name the key too.
    for (key, why) in [
        ("regions[1].zone_distance_km=5", "index 1 is out of range"),
        ("regions.zone_distance_km=5", "is an array"),
    ] {
        let msg = sweep_err(&[key]).to_string();
        assert!(msg.contains(key.split('=').next().unwrap()), "{msg}");
        assert!(msg.contains(why), "{msg}");
    }
    // A table unknown to the format.
    let msg = sweep_err(&["cross_regio.bandwidth=1GB/s"]).to_string();
    assert!(msg.contains("cross_regio.bandwidth"), "{msg}");
}

#[test]
fn invalid_point_names_the_point() {
    let e = sweep_err(&["failover.missed_heartbeats=3,0"]);
    assert!(matches!(e, SweepError::InvalidPoint { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("[failover.missed_heartbeats=0]"), "{msg}");
}

#[test]
fn limits_on_parameters() {
    let three = ["a.b=1", "c.d=1", "e.f=1"]
        .iter()
        .map(|s| parse_set(s).unwrap())
        .collect();
    assert!(matches!(
        SweepSpec::new(three, DEFAULT_METRIC),
        Err(SweepError::TooManyParameters { count: 3 })
    ));
    assert!(matches!(
        SweepSpec::new(vec![], DEFAULT_METRIC),
        Err(SweepError::NoParameters)
    ));
    let dup = vec![parse_set("a.b=1").unwrap(), parse_set("a.b=2").unwrap()];
    assert!(matches!(
        SweepSpec::new(dup, DEFAULT_METRIC),
        Err(SweepError::DuplicateKey { .. })
    ));
}

#[test]
fn grid_has_four_points_in_documented_order() {
    let r = sweep(
        &["replication.quorum=1,2", "failover.missed_heartbeats=1,3"],
        10,
    );
    let labels: Vec<Vec<String>> = r
        .points
        .iter()
        .map(|p| p.values.iter().map(|(_, v)| v.clone()).collect())
        .collect();
    assert_eq!(
        labels,
        [["1", "1"], ["1", "3"], ["2", "1"], ["2", "3"]].map(|p| p.map(String::from))
    );
    // Each point ran its own scenario: the architecture names the quorum.
    assert!(r.points[0].summary.architecture.contains("1-of-3"));
    assert!(r.points[3].summary.architecture.contains("2-of-3"));
    // A non-majority quorum carries its validation warning.
    assert!(!r.points[0].warnings.is_empty());
    // Thread count does not change the results.
    let one = run_sweep_with_threads(
        REFERENCE_SCENARIO,
        REFERENCE_SCENARIO_FILE,
        &r.spec,
        Some(10),
        Some(1),
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(one, r);
}

#[test]
fn csv_header_and_rows() {
    let r = sweep(&["failover.missed_heartbeats=1,5"], 20);
    let dir = std::env::temp_dir().join(format!("drsim-sweep-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sweep.csv");
    write_csv(&r, &path).unwrap();
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let mut expected = vec!["failover.missed_heartbeats".to_string()];
    expected.extend(CSV_STAT_COLUMNS.map(String::from));
    assert_eq!(header, expected);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // availability, downtime_s, zone.{rpo_s, rto_s, lost_writes}.
    let metrics = 2 + 3 * r.points[0].summary.classes.len();
    assert_eq!(metrics, 5);
    assert_eq!(rows.len(), r.points.len() * metrics);
    assert_eq!(&rows[0][0], "1");
    assert_eq!(&rows[0][1], "availability");
    assert_eq!(&rows[0][5], "", "availability has no p50");
    assert_eq!(&rows[0][8], "20");
    assert_eq!(&rows[metrics][0], "5");
    let names: Vec<&str> = rows[..metrics].iter().map(|r| &r[1]).collect();
    assert_eq!(
        names,
        [
            "availability",
            "downtime_s",
            "zone.rpo_s",
            "zone.rto_s",
            "zone.lost_writes"
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sweep_table_in_the_scenario() {
    let text = format!(
        "{REFERENCE_SCENARIO}\n[sweep]\nmetric = \"classes.zone.rto_s.p99\"\n[sweep.parameters]\n\"replication.quorum\" = [2, 3]\n\"failover.missed_heartbeats\" = [1, 3]\n"
    );
    // The format accepts the table; runs ignore it.
    drsim::scenario::parse_str(&text, "with-sweep.toml").unwrap();
    let spec = spec_from_scenario(&text).unwrap().unwrap();
    assert_eq!(spec.metric, "classes.zone.rto_s.p99");
    // Document order, not alphabetical: the first parameter varies slowest.
    let keys: Vec<&str> = spec.parameters.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["replication.quorum", "failover.missed_heartbeats"]);
    assert!(spec_from_scenario(REFERENCE_SCENARIO).unwrap().is_none());

    // --set replaces the table's parameters; --metric its metric.
    let sets = [parse_set("workload.write_rate=100/s,400/s").unwrap()];
    let resolved = resolve_spec(&text, &sets, Some("zone.lost_writes")).unwrap();
    assert_eq!(resolved.parameters, sets);
    assert_eq!(resolved.metric, "zone.lost_writes");
    let from_table = resolve_spec(&text, &[], None).unwrap();
    assert_eq!(from_table, spec);
    assert!(matches!(
        resolve_spec(REFERENCE_SCENARIO, &[], None),
        Err(SweepError::NoParameters)
    ));

    let r = run_sweep(
        &text,
        "with-sweep.toml",
        &spec,
        Some(4),
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(r.points.len(), 4);
    let selected = r.select(&drsim::sweep::parse_metric(&spec.metric).unwrap());
    assert_eq!(selected.len(), 4);
    assert!(selected
        .iter()
        .all(|s| s.value.is_some() && s.ci95.is_none()));
}

#[test]
fn stop_before_start_gives_an_empty_partial_result() {
    let r = run_sweep(
        REFERENCE_SCENARIO,
        REFERENCE_SCENARIO_FILE,
        &spec(&["failover.missed_heartbeats=1,2"]),
        Some(10),
        &AtomicBool::new(true),
    )
    .unwrap();
    assert!(r.partial);
    for p in &r.points {
        assert_eq!(p.summary.runs, 0);
        assert!(p.rows.iter().all(|row| row.mean.is_none() && row.runs == 0));
    }
}
