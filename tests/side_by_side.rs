//! Scenarios side by side on one failure description (`run --failures`):
//! common random numbers (replication r of every scenario sees the same
//! failures), the diagnostics of a failure description, and the comparison
//! rows against each scenario's own run.

use drsim::incident::{Incident, IncidentClass};
use drsim::runner::{run_replication, RunOptions};
use drsim::scenario::{parse_failure_file, with_failures, FailureFile, Scenario, ScenarioError};
use drsim::side_by_side::{prepare, quantile_ci::IncidentValues, Row};
use std::path::Path;
use std::sync::atomic::AtomicBool;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> (String, String) {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    (text, path.to_string())
}

fn failures(path: &str) -> FailureFile {
    let (text, file) = read(path);
    parse_failure_file(&text, &file).unwrap()
}

fn load(path: &str, f: &FailureFile) -> Scenario {
    let (text, file) = read(path);
    with_failures(&text, &file, f).unwrap().scenario
}

const DIR: &str = "tests/scenarios/side-by-side";

/// A failure as the world saw it: class, what failed, onset and repair.
type Failure = (IncidentClass, String, u64, Option<u64>);

fn failures_of(incidents: &[Incident], keep: impl Fn(&Incident) -> bool) -> Vec<Failure> {
    incidents
        .iter()
        .filter(|i| {
            matches!(
                i.class,
                IncidentClass::Zone
                    | IncidentClass::Region
                    | IncidentClass::PairedRegion
                    | IncidentClass::Link
            ) && keep(i)
        })
        .map(|i| (i.class, i.scope.clone(), i.start_ns, i.end_ns))
        .collect()
}

fn count(f: &[Failure], class: IncidentClass) -> usize {
    f.iter().filter(|x| x.0 == class).count()
}

/// Same zones, different replication (2-of-3 quorum vs 1-of-3), DR (on with
/// drills vs off), workload and link: every zone (correlated partners
/// included), home-region (escalated and destroying ones included),
/// paired-region and link failure is the same in every replication.
#[test]
fn same_failures_whatever_the_replication_dr_and_workload() {
    let f = failures(&format!("{DIR}/failures.toml"));
    let a = load(&format!("{DIR}/quorum-dr.toml"), &f);
    let b = load(&format!("{DIR}/async-no-dr.toml"), &f);
    assert_eq!((a.simulation.runs, b.simulation.runs), (40, 40));
    assert_eq!(a.simulation.horizon, b.simulation.horizon);
    let mut seen = [0usize; 4];
    let mut correlated = 0;
    let mut escalated = 0;
    for r in 0..f.runs {
        let (oa, ob) = (run_replication(&a, r), run_replication(&b, r));
        let (fa, fb) = (
            failures_of(&oa.incidents, |_| true),
            failures_of(&ob.incidents, |_| true),
        );
        assert_eq!(fa, fb, "replication {r}: the failures differ");
        for (k, class) in [
            IncidentClass::Zone,
            IncidentClass::Region,
            IncidentClass::PairedRegion,
            IncidentClass::Link,
        ]
        .into_iter()
        .enumerate()
        {
            seen[k] += count(&fa, class);
        }
        correlated += fa.iter().filter(|x| x.1.contains('+')).count();
        escalated += oa
            .incidents
            .iter()
            .filter(|i| i.escalated_from.is_some())
            .count();
        // The outcomes do differ: the deployments are not the same.
        assert!(oa.served_ns != ob.served_ns || oa.incidents.len() != ob.incidents.len() || r > 0);
    }
    // Every kind of failure happened, so the equality above means something.
    assert!(seen.iter().all(|&n| n > 20), "failures seen {seen:?}");
    assert!(
        correlated > 5 && escalated > 5,
        "{correlated} correlated, {escalated} escalated"
    );
}

/// A two-zone region against a three-zone one: the outages of the zones
/// both have (az1, az2: onset and repair), their correlated partners
/// whenever the three-zone region's partner is not az3, and every region
/// outage but those escalated from az3, are the same. Fails if escalation
/// or correlation draws come from one stream shared by the zones (a third
/// zone's outages would shift every later draw).
#[test]
fn shared_zones_fail_alike_whatever_the_zone_count() {
    let f = failures(&format!("{DIR}/failures.toml"));
    let three = load(&format!("{DIR}/quorum-dr.toml"), &f);
    let two = load(&format!("{DIR}/two-zones-async.toml"), &f);
    let (mut region_outages, mut correlated_shared) = (0, 0);
    for r in 0..f.runs {
        let (o3, o2) = (run_replication(&three, r), run_replication(&two, r));
        let primary_zone = |i: &Incident| i.scope.split('+').next().unwrap_or_default().to_string();
        let zones = |o: &[Incident]| -> Vec<(String, u64, Option<u64>)> {
            o.iter()
                .filter(|i| i.class == IncidentClass::Zone && primary_zone(i) != "az3")
                .map(|i| (primary_zone(i), i.start_ns, i.end_ns))
                .collect()
        };
        assert_eq!(
            zones(&o3.incidents),
            zones(&o2.incidents),
            "replication {r}: zone outages"
        );
        let scopes = |o: &[Incident]| -> Vec<(String, u64)> {
            o.iter()
                .filter(|i| i.class == IncidentClass::Zone && !i.scope.contains("az3"))
                .map(|i| (i.scope.clone(), i.start_ns))
                .collect()
        };
        let paired_scopes = scopes(&o2.incidents);
        for shared in scopes(&o3.incidents) {
            assert!(
                paired_scopes.contains(&shared),
                "replication {r}: {shared:?} is not in the two-zone run"
            );
            correlated_shared += usize::from(shared.0.contains('+'));
        }
        let from_az3 = |o: &[Incident], i: &Incident| {
            i.escalated_from
                .is_some_and(|z| primary_zone(&o[z as usize]) == "az3")
        };
        let regions = |o: &[Incident]| -> Vec<Failure> {
            failures_of(o, |i| i.class != IncidentClass::Zone && !from_az3(o, i))
        };
        let (r3, r2) = (regions(&o3.incidents), regions(&o2.incidents));
        assert_eq!(r3, r2, "replication {r}: region and link failures");
        region_outages += count(&r2, IncidentClass::Region);
    }
    assert!(region_outages > 50, "{region_outages} region outages");
    assert!(
        correlated_shared > 5,
        "{correlated_shared} correlated outages of az1 and az2"
    );
}

fn diagnostics(e: ScenarioError) -> String {
    match e {
        ScenarioError::Invalid(d) => d
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

/// Unknown keys and bad values of a failure description point into it;
/// a zone the scenario does not have names both files.
#[test]
fn failure_description_errors_point_into_it_and_name_the_scenario() {
    let e = parse_failure_file(
        "[simulation]\nseed = 1\nruns = 10\nhorizon = \"1y\"\n\n[failures.zones]\ntime_betwen = \"1d\"\n",
        "f.toml",
    )
    .unwrap_err();
    let shown = diagnostics(e);
    assert!(
        shown.contains("f.toml:7:1: unknown field `time_betwen`"),
        "{shown}"
    );
    assert!(shown.contains("did you mean `time_between`?"), "{shown}");

    let e = parse_failure_file(
        "[simulation]\nseed = 1\nruns = 10\nhorizon = \"1y\"\nfidelity = \"exact\"\n",
        "f.toml",
    )
    .unwrap_err();
    assert!(diagnostics(e).contains("f.toml:5:1: unknown field `fidelity`"));

    let e = parse_failure_file(
        "[simulation]\nseed = 1\nruns = 0\nhorizon = \"1y\"\n",
        "f.toml",
    )
    .unwrap_err();
    assert!(diagnostics(e).contains("f.toml:3:8: expected a number of replications"));

    let text = "[simulation]\nseed = 1\nruns = 10\nhorizon = \"1y\"\n\n[[failures.zone]]\nname = \"az3\"\ntime_between = \"30d\"\nduration = \"1h\"\n";
    let f = parse_failure_file(text, "f.toml").unwrap();
    let (scenario, file) = read(&format!("{DIR}/two-zones-async.toml"));
    let shown = diagnostics(with_failures(&scenario, &file, &f).unwrap_err());
    assert!(
        shown.contains("f.toml:7:8: unknown zone `az3`: expected one of `az1`, `az2` (applied to the scenario tests/scenarios/side-by-side/two-zones-async.toml)"),
        "{shown}"
    );
    // The same description suits the three-zone scenario.
    let (scenario, file) = read(&format!("{DIR}/quorum-dr.toml"));
    assert!(with_failures(&scenario, &file, &f).is_ok());
}

/// The comparison of the shipped Dynamics 365 scenarios on the shipped
/// failure description: each row equals that scenario's own run with the
/// failures substituted (its summary, and the row made from it).
#[test]
fn shipped_scenarios_side_by_side_equal_their_own_runs() {
    let mut f = failures("scenarios/services/failures.toml");
    f.runs = 60;
    let files = [
        "scenarios/dynamics365-zone-redundant.toml",
        "scenarios/dynamics365-no-dr.toml",
        "scenarios/dynamics365-self-service-dr.toml",
        "scenarios/dynamics365-two-zones.toml",
    ];
    let texts: Vec<(String, String)> = files.iter().map(|p| read(p)).collect();
    let compared = prepare(&texts, &f).unwrap();
    let dir = std::env::temp_dir().join(format!("drsim-side-by-side-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let stop = AtomicBool::new(false);
    let result =
        drsim::side_by_side::run_into(&dir, &compared, &f, &RunOptions::default(), &mut [], &stop)
            .unwrap();
    assert_eq!(result.rows.len(), 4);
    for (i, (text, file)) in texts.iter().enumerate() {
        let own = with_failures(text, file, &f).unwrap().scenario;
        let mut values = IncidentValues::default();
        let summary =
            drsim::runner::run(&own, &RunOptions::default(), &mut [&mut values], &stop).unwrap();
        assert_eq!(summary, result.summaries[i], "{file}: summary");
        assert_eq!(
            Row::new(file, &summary, &values),
            result.rows[i],
            "{file}: row"
        );
        let on_disk: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(&own.name).join("summary.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(
            on_disk,
            serde_json::to_value(&summary).unwrap(),
            "{file}: summary.json"
        );
    }
    let csv = std::fs::read_to_string(dir.join("comparison.csv")).unwrap();
    assert_eq!(csv, drsim::side_by_side::to_csv(&result.rows));
    assert_eq!(csv.lines().count(), 5);
    // Same failures: the three-zone deployments count the same incidents
    // (with a link, the paired region's zones fail too and add theirs).
    let (zr, no_dr, dr) = (&result.rows[0], &result.rows[1], &result.rows[2]);
    assert_eq!(zr.zone.incidents, no_dr.zone.incidents);
    assert!(zr.zone.incidents < dr.zone.incidents);
    assert_eq!(zr.region.incidents, dr.region.incidents);
    assert!(dr.region.rto.unwrap()[1] < no_dr.region.rto.unwrap()[1]);
    assert!(dir.join("comparison.png").exists() && dir.join("availability_latency.svg").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

fn drsim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_drsim"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

/// The command line: byte-identical outputs whatever `--threads`, a
/// side-by-side folder replaced with `--force`, several scenarios refused
/// without `--failures`.
#[test]
fn cli_outputs_do_not_depend_on_threads() {
    let base = std::env::temp_dir().join(format!("drsim-sbs-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let (one, two) = (base.join("one"), base.join("two"));
    let scenarios = [
        "tests/scenarios/side-by-side/quorum-dr.toml",
        "tests/scenarios/side-by-side/two-zones-async.toml",
    ];
    for (dir, threads) in [(&one, "1"), (&two, "2")] {
        let mut args = vec!["run"];
        args.extend(scenarios);
        let out = dir.to_str().unwrap();
        args.extend([
            "--failures",
            "tests/scenarios/side-by-side/failures.toml",
            "--quiet",
        ]);
        args.extend(["--threads", threads, "--out", out]);
        let o = drsim(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for file in [
        "comparison.csv",
        "comparison.svg",
        "comparison.png",
        "availability_latency.svg",
        "quorum-dr/incidents.csv",
        "two-zones-async/summary.json",
    ] {
        let (a, b) = (
            std::fs::read(one.join(file)).unwrap(),
            std::fs::read(two.join(file)).unwrap(),
        );
        assert!(a == b, "{file} differs between --threads 1 and 2");
    }
    let mut args = vec!["run"];
    args.extend(scenarios);
    args.extend([
        "--failures",
        "tests/scenarios/side-by-side/failures.toml",
        "--quiet",
    ]);
    args.extend(["--out", one.to_str().unwrap()]);
    let o = drsim(&args);
    assert!(
        !o.status.success(),
        "a folder holding results is refused without --force"
    );
    args.push("--force");
    let o = drsim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = drsim(&["run", scenarios[0], scenarios[1], "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("add --failures FAILURES.toml"));
    let _ = std::fs::remove_dir_all(&base);
}

/// `--runs` and `--seed` override the failure description's (as the README
/// says): the scenarios run that many replications from that seed, and the
/// combined TOML (hence the hash) says so. Before, the file's figures were
/// read again from its text and the overrides were ignored.
#[test]
fn runs_and_seed_overrides_reach_every_scenario() {
    let mut f = failures(&format!("{DIR}/failures.toml"));
    let (runs, seed) = (f.runs, f.seed);
    let plain = load(&format!("{DIR}/quorum-dr.toml"), &f);
    assert_eq!((plain.simulation.runs, plain.simulation.seed), (runs, seed));
    f.runs = 3;
    f.seed = seed + 1;
    let overridden = load(&format!("{DIR}/quorum-dr.toml"), &f);
    assert_eq!(
        (overridden.simulation.runs, overridden.simulation.seed),
        (3, seed + 1)
    );
    let combined: toml::Table = overridden.source_text.parse().unwrap();
    assert_eq!(combined["simulation"]["runs"].as_integer(), Some(3));
    assert_eq!(
        combined["simulation"]["seed"].as_integer(),
        Some(seed as i64 + 1)
    );
    assert_ne!(overridden.source_hash, plain.source_hash);
    let dir = std::env::temp_dir().join(format!("drsim-sbs-runs-{}", std::process::id()));
    let o = drsim(&[
        "run",
        &format!("{DIR}/quorum-dr.toml"),
        "--failures",
        &format!("{DIR}/failures.toml"),
        "--runs",
        "2",
        "--quiet",
        "--force",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(dir.join("comparison.csv")).unwrap();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[2], "2", "runs column");
    let _ = std::fs::remove_dir_all(&dir);
}
